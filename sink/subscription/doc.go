// Package subscription decides which events of which entities flow to which
// destination, as the platform's sink subscriptions do: a [Subscription]
// names a destination (a store and a key prefix), the events it wants, and
// its entities, each with a [Status].
//
// # Life cycle
//
// An entity added to a subscription is new. [Dispatcher.Initialize] marks
// it initializing, recording the instant of its snapshot, writes its
// initialization into the destination (see sink.Writer.Initialize), and
// marks it ready only once the initialization report is written; a crash
// in between leaves it initializing, and calling Initialize again finishes.
// Only ready entities receive live events. A removed entity receives
// nothing more, and its files stay where they are. Changing a
// subscription's destination makes its entities new again.
//
// # Live events
//
// [Dispatcher.Dispatch] writes a live event to every subscription that
// wants it and holds its entity ready. For an entity that is new or
// initializing the event is held, not lost: once the entity is ready, the
// held events newer than its snapshot are delivered (older ones are in the
// snapshot), each exactly once. [Dispatcher.DispatchBatch] does the same
// for many events with one reading of the registry.
//
// # Rules
//
// A subscription receives only the events it wants (Subscription.Events):
// its initialization writes only those, and its report lists only them;
// live events, held events and partial re-initializations likewise. Every
// path applies the sink writer's rules (see sink.WriterOptions): an entry
// that fails the business rules is refused before anything is delivered or
// held, and, when DispatcherOptions.Writer has a Calendar, an entry dated
// outside its entity's period scope is not delivered (Delivery.OutOfScope).
//
// # Repair
//
// When a daily report says changes are missing (sink.CheckDaily),
// [Dispatcher.Reinitialize] re-sends every object changed in the last N
// days, N from 1 to 20 (sink.DaysFor picks the smallest that covers them).
// Readers drop what they already had.
//
// # Storage
//
// A [Registry] keeps subscriptions as JSON in a store, each change a new
// generation written create-only, so that processes editing the same
// subscription never lose an update; old generations are deleted as
// changes go ([RegistryOptions.KeepGenerations]). Held events are kept in the same
// store. Destinations are named; the registry resolves the names to stores
// with [RegistryOptions.Stores].
package subscription
