package sink_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func ExampleParseFileName() {
	f, err := sink.ParseFileName("queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Namespace)
	fmt.Println(f.Event, f.Event.Object(), f.Event.Action())
	fmt.Println(f.Offset, f.Time.Format(time.RFC3339Nano))

	_, err = sink.ParseFileName("queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-01-2024-01-30T15:17:20.186Z.json")
	fmt.Println(err)
	// Output:
	// queuing.cpa.comptabilite-fr.cegid.loop
	// comptaCompteInserted Compte Inserted
	// 1656233 2024-01-30T15:17:20.186Z
	// sink: file name "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-01-2024-01-30T15:17:20.186Z.json": offset: sink: invalid file name: "01" is not a canonical non-negative integer
}

func ExampleDecodeEvent() {
	payload := []byte(`{"timestamp":1706627839000,"application_id":"1999353e-52d1-4598-b76e-6fcbd15620fe",` +
		`"entite_id":"a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c","id":"0cee37db-1ca8-4073-84a3-547795567fa9",` +
		`"numero":null,"libelle":"Banque - compte courant","collectif":null,"lettrable":null,"pointable":true,` +
		`"centralisable":null,"analytique":null,"ferme":null,"compteContrepartie_id":null,"compteBanque_id":null,` +
		`"tva_id":null,"type":null,"ventilationDefaut":null}`)
	ev, err := sink.DecodeEvent(sink.AccountUpdated, payload)
	if err != nil {
		panic(err)
	}
	account := ev.Data.(*sink.Account)
	fmt.Println(ev.ID, ev.Time().Format(time.RFC3339))
	fmt.Println("changed:", ev.Changed)
	fmt.Printf("label %q, pointable %v\n", account.Label, account.Pointable)
	// Output:
	// 0cee37db-1ca8-4073-84a3-547795567fa9 2024-01-30T15:17:19Z
	// changed: [libelle pointable]
	// label "Banque - compte courant", pointable true
}

func ExampleWriter_Write() {
	ctx := context.Background()
	store := memstore.New(nil)
	w, err := sink.NewWriter(store, &sink.WriterOptions{
		Now: func() time.Time { return time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	ev, err := sink.NewInserted(sink.Envelope{
		Timestamp:     1706627839000,
		ApplicationID: "1999353e-52d1-4598-b76e-6fcbd15620fe",
		EntityID:      "a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c",
		ID:            "0cee37db-1ca8-4073-84a3-547795567fa9",
	}, &sink.Account{Number: "56870000", Label: "56870000", Type: 1})
	if err != nil {
		panic(err)
	}
	res, err := w.Write(ctx, ev)
	if err != nil {
		panic(err)
	}
	name := res.Files[0].Name
	fmt.Println(sink.Key(ev.EntityID, name), res.Files[0].Status)

	// Retrying under the same name is safe: the same bytes are already there.
	res, err = w.WriteAt(ctx, name, ev)
	fmt.Println(res.Files[0].Status, err)
	// Output:
	// a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-0-2024-01-30T15:17:20.186Z.json created
	// existing <nil>
}

func ExampleWriter_Initialize() {
	ctx := context.Background()
	w, err := sink.NewWriter(memstore.New(nil), &sink.WriterOptions{
		Now: func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	// The demo company: exercises 2022 and 2023 closed, 2024 open.
	res, err := w.Initialize(ctx, sinktest.Company(nil), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("scope:", res.Scope)
	fmt.Println("entries not sent:", res.OutOfScope)
	fmt.Println("entries sent:", res.Report.Count("comptaEcritureInserted"))
	fmt.Println("report:", res.ReportKey)
	// Output:
	// scope: 2023-01-01..2024-12-31
	// entries not sent: 4
	// entries sent: 8
	// report: ae9c6905-0035-4ce6-9d27-2c26b317035e/initialisation-report-2024-02-01T08:00:00.000Z.json
}

// Events whose offsets were given elsewhere (here, Kafka offsets) are
// written as one batch; a second call finds them all there already.
func ExampleWriter_WriteAtBatch() {
	ctx := context.Background()
	w, err := sink.NewWriter(memstore.New(nil), nil)
	if err != nil {
		panic(err)
	}
	at := time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC)
	var batch []sink.Placed
	for i, label := range []string{"Banque", "Caisse"} {
		ev, err := sink.NewInserted(sink.Envelope{Timestamp: sink.Millis(at), ApplicationID: "app", EntityID: "ent-1", ID: fmt.Sprint("acc-", i)},
			&sink.Account{Number: fmt.Sprint("51", i), Label: label, Type: 1})
		if err != nil {
			panic(err)
		}
		batch = append(batch, sink.Placed{Name: sink.FileName{Event: ev.Name, Offset: int64(1656233 + i), Time: at}, Event: ev})
	}
	res, err := w.WriteAtBatch(ctx, batch)
	fmt.Println(res.Count(sink.WriteCreated), "created", err)
	res, err = w.WriteAtBatch(ctx, batch)
	fmt.Println(res.Count(sink.WriteExisting), "existing", err)
	// Output:
	// 2 created <nil>
	// 2 existing <nil>
}
