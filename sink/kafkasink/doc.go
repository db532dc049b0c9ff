// Package kafkasink runs a sink on Kafka: a [Consumer] reads the event
// topics of a sink and writes every message as an event file into any
// storage.Store, exactly once, spread over the members of a consumer group;
// a [Publisher] sends sink events to those topics, for producers that feed
// Kafka rather than a store. It is built on franz-go
// (github.com/twmb/franz-go) and lives in a module of its own, so that the
// core SDK does not depend on a Kafka client.
//
// # Topics, keys and files
//
// Under the platform's sink, the prefix of every file name is a Kafka topic,
// the number in it the message's offset, and the message key the entity
// (entite_id):
//
//	topic   queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted   (<namespace>.<event>)
//	key     ae9c6905-0035-4ce6-9d27-2c26b317035e                          (entite_id)
//	value   the payload, as sink.Event.Encode writes it
//	file    ae9c6905-…/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json
//
// The file's offset is the message's Kafka offset and its time the record's
// timestamp (Kafka stores milliseconds), so the name, like the bytes, is a
// function of the message alone: a message delivered twice is written twice
// under the same key with the same bytes, which the create-only writer
// takes as a success. Daily reports travel the same way, on the
// comptaDailyReport topic.
//
// Offsets are per partition of a topic. Several topics share an entity's
// directory and may give two files the same offset: their names still
// differ by the event. Two partitions of one topic could only collide for
// one entity if its messages reached both: Kafka's key partitioning sends a
// key to a single partition, unless partitions are added to the topic
// (which moves keys). Don't add partitions to a sink's topics; should it
// happen, a collision (same event, offset and millisecond) is not
// overwritten but dead-lettered with [ReasonConflict], as is a message of a
// topic deleted and created again whose offsets start over.
//
// # Exactly-once files
//
// The consumer disables autocommit and blocks rebalances while it handles a
// poll (franz-go's BlockRebalanceOnPoll): it writes the poll's messages,
// then commits the offsets of those written, then lets the group rebalance.
// A poll's commit runs while the next poll's messages are written; the
// next commit waits for it, so commits go in order, and Run waits for the
// last before it leaves the group. A commit that a rebalance makes fail
// only means that its messages are delivered again.
// A crash anywhere (before a write, after it, before the commit) leaves the
// messages after the last commit uncommitted; the member that takes the
// partition over, or the same one restarted, receives them again and
// rewrites identical files. The store thus ends with every message once,
// and nothing is ever overwritten. With [ConsumerOptions.Durable], a poll's
// change events are written as one group commit through the store's batch
// put, made durable by one flush, before their offsets are committed.
//
// # Order
//
// Kafka keeps the order of a partition, and a key (an entity) stays in one
// partition of each topic; the consumer writes the messages of a (topic,
// partition, entity) one after the other, in offset order, and different
// entities concurrently ([ConsumerOptions.Concurrency]). A poll's messages
// of one (topic, partition, entity) are checked and written by one
// sink.Writer.WriteEncodedAt call, one put after the other; a put that
// fails stops it there, and the message is retried as it would be alone.
// Kafka gives no order across topics, and offsets of two topics are
// unrelated: an entry's update is a comptaEcritureDeleted (miseAJour) and
// a comptaEcritureInserted with the same payload timestamp, in two topics,
// and the deletion's offset may well be the larger. sink.Replica converges
// whatever the order (older timestamps never overwrite newer ones, and a
// deletion marked miseAJour never removes the insertion of the same
// timestamp); resume reading with per-event positions (sink.Stream.Positions
// and sink.ReadOptions.After), not with one offset.
//
// # Key filters
//
// A subscription lists the entities it delivers, each with a status
// ([KeyFilters]): "new" while the entity is being initialized, "ready"
// afterwards. The consumer writes the messages of ready keys only and
// skips the others (committing them), as the platform's sink service does;
// the initialization of a new entity (sink.Writer.Initialize) covers the
// changes skipped meanwhile. Update the filters while the consumer runs.
//
// # Dead letters
//
// A message that cannot become a sink file is written to the dead letters
// ([ConsumerOptions.DeadLetterPrefix], by default inside the writer's state
// directory, which readers of the sink leave out) with the reason, and the
// consumer goes on: a payload that does not decode, a topic that is not a
// sink event's, a key that is not the payload's entite_id, a name no file
// can have, a conflicting file. See [Reason], [DeadLetter] and
// [DeadLetters]. A store that fails is another matter: the write is
// retried, and when it keeps failing Run stops with a [*WriteError],
// having committed everything before the message.
//
// # Shutdown, progress and logging
//
// Cancel Run's context to stop: the consumer finishes writing and
// committing the messages in hand (within
// [ConsumerOptions.ShutdownTimeout]), leaves the group and returns nil.
// [ConsumerOptions.Progress] receives, after each committed batch, the
// counts and the lag per partition (high watermark minus committed offset);
// [ConsumerOptions.Logger] gets the same at most every LogInterval, plus the
// group's assignments, the dead letters, retries and commit failures.
//
// # Concurrency
//
// A Consumer runs one Run at a time; its other methods, a Publisher, and
// KeyFilters are safe for concurrent use. Run several consumers (processes)
// with the same group to share the partitions.
package kafkasink
