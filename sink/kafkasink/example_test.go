package kafkasink_test

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// A publisher sends three changes of an entity to an in-process Kafka
// cluster; a consumer writes them as sink files, then stops.
func ExampleConsumer() {
	ctx := context.Background()
	entity := "ae9c6905-0035-4ce6-9d27-2c26b317035e"
	topics := []string{
		sink.DefaultNamespace + ".comptaCompteInserted",
		sink.DefaultNamespace + ".comptaCompteUpdated",
	}
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, topics...))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		panic(err)
	}
	defer cl.Close()
	at := time.Date(2024, 1, 30, 15, 17, 20, 186_000_000, time.UTC)
	pub, _ := kafkasink.NewPublisher(cl, &kafkasink.PublisherOptions{Now: func() time.Time { return at }})
	env := func(id string) sink.Envelope {
		return sink.Envelope{Timestamp: 1706627839000, ApplicationID: "1999353e-52d1-4598-b76e-6fcbd15620fe", EntityID: entity, ID: id}
	}
	purchases := &sink.Account{Number: "60100000", Label: "Achats", Type: 6}
	renamed := *purchases
	renamed.Label = "Achats de marchandises"
	must := func(ev *sink.Event, err error) *sink.Event {
		if err != nil {
			panic(err)
		}
		return ev
	}
	err = pub.Publish(ctx,
		must(sink.NewInserted(env("acc-1"), purchases)),
		must(sink.NewInserted(env("acc-2"), &sink.Account{Number: "40100000", Label: "Fournisseurs", Type: 4})),
		must(sink.NewUpdated(env("acc-1"), purchases, &renamed)),
	)
	if err != nil {
		panic(err)
	}

	store := memstore.New(nil)
	runCtx, stop := context.WithCancel(ctx)
	c, err := kafkasink.NewConsumer(store, &kafkasink.ConsumerOptions{
		Brokers: cluster.ListenAddrs(),
		Topics:  topics,
		Keys:    kafkasink.NewKeyFilters(kafkasink.KeyFilter{Key: entity, Status: kafkasink.KeyReady}),
		Progress: func(p kafkasink.Progress) {
			if p.Records == 3 {
				stop() // everything is written and committed
			}
		},
	})
	if err != nil {
		panic(err)
	}
	if err := c.Run(runCtx); err != nil {
		panic(err)
	}
	for key, err := range storage.Keys(ctx, store, entity+"/") {
		if err != nil {
			panic(err)
		}
		fmt.Println(key[len(entity)+1:])
	}
	p := c.Progress()
	fmt.Printf("created %d, dead letters %d\n", p.Created, p.DeadLetters)
	// Output:
	// queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-0-2024-01-30T15:17:20.186Z.json
	// queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json
	// queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteUpdated-0-2024-01-30T15:17:20.186Z.json
	// created 3, dead letters 0
}

// The records a publisher sends: one topic per event, keyed by entity.
func ExamplePublisher_Record() {
	cl, _ := kgo.NewClient(kgo.SeedBrokers("127.0.0.1:9092")) // connects lazily
	defer cl.Close()
	pub, _ := kafkasink.NewPublisher(cl, nil)
	ev, err := sink.NewDeleted(sink.Envelope{Timestamp: 1706627839000,
		ApplicationID: "1999353e-52d1-4598-b76e-6fcbd15620fe", EntityID: "ae9c6905-0035-4ce6-9d27-2c26b317035e", ID: "acc-1"}, sink.ObjectAccount)
	if err != nil {
		panic(err)
	}
	r, err := pub.Record(ev, time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Topic)
	fmt.Println(string(r.Key))
	fmt.Print(string(r.Value))
	// Output:
	// queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteDeleted
	// ae9c6905-0035-4ce6-9d27-2c26b317035e
	// {"timestamp":1706627839000,"application_id":"1999353e-52d1-4598-b76e-6fcbd15620fe","entite_id":"ae9c6905-0035-4ce6-9d27-2c26b317035e","id":"acc-1"}
}

// Key filters follow a subscription: a new entity is initialized, then set
// ready; only ready entities are delivered.
func ExampleKeyFilters() {
	keys, err := kafkasink.ParseKeyFilters([]byte(`[
		{"key": "ae9c6905-0035-4ce6-9d27-2c26b317035e", "status": "ready"},
		{"key": "e12a5703-ef8e-48da-8a21-699af50aae80", "status": "new"}
	]`))
	if err != nil {
		panic(err)
	}
	fmt.Println(keys.Ready("e12a5703-ef8e-48da-8a21-699af50aae80"))
	// ... sink.Writer.Initialize for the new entity, then:
	keys.Set("e12a5703-ef8e-48da-8a21-699af50aae80", kafkasink.KeyReady)
	fmt.Println(keys.Ready("e12a5703-ef8e-48da-8a21-699af50aae80"))
	fmt.Println(keys.Ready("00000000-0000-0000-0000-000000000000"))
	// Output:
	// false
	// true
	// false
}

// Problems in key filters are all reported at once.
func ExampleParseKeyFilters_errors() {
	_, err := kafkasink.ParseKeyFilters([]byte(`[{"key": "a"}, {"key": "", "status": "ready"}, {"key": "a", "status": "new"}]`))
	fmt.Println(err)
	// Output:
	// kafkasink: invalid key filters: 3 problems:
	// 	/0: status must be a non-empty string [status/required]
	// 	/1: key must be a non-empty string [key/required]
	// 	/2: key "a" appears more than once [key/duplicate]
}

func ExampleDeadLetterKey() {
	fmt.Println(kafkasink.DeadLetterKey(kafkasink.DefaultDeadLetterPrefix, "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted", 2, 1656233))
	// Output:
	// _ledgersink/deadletters/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted/2/00000000000001656233.json
}
