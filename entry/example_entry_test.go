package entry_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// seedEntry is the entry of seed 001.
const seedEntry = `{
  "producerId": "13524346",
  "attachments": {"document.pdf": {"type": "URL", "value": "https://app.prodcomptable.myunisoft.fr/api/ged/ged/document/1-xTt2Qx4LPABeb1Z/download"}},
  "date": "2023-02-01",
  "dueDate": null,
  "journal": {"producerId": "137145", "customerReferenceCode": "AC", "name": "ACHATS", "type": "Achat"},
  "currency": {"code": "EUR"},
  "movements": [
    {
      "producerId": "43221797", "description": "TEST",
      "value": {"credit": 1200, "debit": 0, "amount": 1200},
      "dueDate": null, "lettering": {"state": "none", "value": null},
      "freeNumber": null, "invoiceNumber": null, "attachments": {},
      "account": {"producerId": "1482937", "number": "6010000000", "name": "ACHATS MATIERES PREM"},
      "payment": null,
      "analytics": [{"producerId": "703", "code": "AXE1", "name": "LIBELLE AXE1",
        "sections": [{"producerId": "1694", "amount": 1200, "rate": 100, "code": "ATTENTE", "name": "Waiting section"}]}]
    },
    {
      "producerId": "43221798", "description": "TEST",
      "value": {"credit": 0, "debit": 1200, "amount": -1200},
      "dueDate": null, "lettering": {"state": "none", "value": null},
      "freeNumber": null, "invoiceNumber": null, "attachments": {},
      "account": {"producerId": "2567407", "number": "4551200000", "name": "COMPTE COURANT RACLE"},
      "payment": null, "analytics": []
    }
  ],
  "additionalProducerProperties": {
    "createdAt": 1709852400, "accountedAt": "2023-01-20",
    "source": {"name": "API", "thirdParty": {"name": "Evoliz", "code": "EVOL"}},
    "partnerMetadata": null, "comment": null
  }
}`

// Decode the seed's entry and validate it, checking that its date lies in
// the 2023 exercise.
func ExampleEntry_Validate() {
	var e entry.Entry
	if err := json.Unmarshal([]byte(seedEntry), &e); err != nil {
		fmt.Println(err)
		return
	}
	start, _ := period.ParseDate("2023-01-01")
	end, _ := period.ParseDate("2023-12-31")
	opts := &entry.ValidateOptions{
		InScope: func(d period.Date) bool { return !d.Before(start) && !d.After(end) },
	}
	if err := e.Validate(opts); err != nil {
		fmt.Println(err)
		return
	}
	p := e.AdditionalProducerProperties
	fmt.Println(e.Date, e.Journal.Type, e.Journal.Type.Code(), len(e.Movements), "movements")
	for _, m := range e.Movements {
		fmt.Printf("%s %s debit=%s credit=%s amount=%s\n", m.ProducerID, *m.Account.Number, m.Value.Debit, m.Value.Credit, m.Value.Amount)
	}
	fmt.Println(p.Source.Name.Label(), p.Source.PartnerApp.Name, p.CreatedAt.Time().Format("2006-01-02T15:04Z07:00"))
	// Output:
	// 2023-02-01 Achat ACH 2 movements
	// 43221797 6010000000 debit=0 credit=1200 amount=1200
	// 43221798 4551200000 debit=1200 credit=0 amount=-1200
	// API Evoliz 2024-03-07T23:00Z
}

// Print every problem of a broken entry, with its JSON Pointer and rule,
// and test for one with errors.Is.
func ExampleValidationError() {
	doc := `{
	  "producerId": "1",
	  "attachments": {},
	  "date": "2023-02-30",
	  "journal": {"producerId": "2", "customerReferenceCode": "AC", "name": "ACHATS", "type": "Achat"},
	  "currency": {"code": "EURO"},
	  "movements": [
	    {"producerId": "3", "description": "x", "value": {"credit": 0, "debit": 100, "amount": 100},
	     "lettering": {"state": "partial", "value": "*AB"}, "analytics": []},
	    {"producerId": "4", "description": "x", "value": {"credit": 90.00, "debit": 0, "amount": 90.00},
	     "lettering": {"state": "none", "value": null}, "analytics": []}
	  ]
	}`
	_, err := entry.Parse([]byte(doc), nil)
	var ve *entry.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Println(f)
		}
	}
	fmt.Println("unbalanced:", errors.Is(err, entry.ErrUnbalanced))
	// Output:
	// /currency/code: not an active ISO 4217 currency code: "EURO" [currency]
	// /date: not a valid YYYY-MM-DD date: "2023-02-30" [date]
	// /movements: total debit 100 ≠ total credit 90.00 [balanced]
	// /movements/0/value/amount: amount 100 ≠ credit − debit = -100 [amount]
	// unbalanced: true
}

// Run the embedded JSON Schema as a cross-check: schema problems have rules
// "schema/<keyword>", business rules keep theirs.
func ExampleValidateJSON() {
	doc := []byte(`{"producerId": 7, "attachments": {}, "date": "2023-02-01",
	  "journal": {"producerId": "2", "customerReferenceCode": "AC", "name": "ACHATS", "type": "Achat"},
	  "currency": {"code": "EUR"}, "movements": []}`)
	err := entry.ValidateJSON(doc, nil)
	var ve *entry.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Println(f.Path, f.Rule)
		}
	}
	// Output:
	// /movements movements
	// /producerId schema/type
}

// Amounts keep their digits: 12.50 is written back as 12.50, 1200 as 1200,
// without changing any setting of the decimal package.
func Example_amounts() {
	v := entry.NewCredit(decimal.RequireFromString("12.50"))
	out, _ := json.Marshal(v)
	fmt.Println(string(out))

	var back entry.MovementValue
	_ = json.Unmarshal([]byte(`{"credit":0,"debit":1200,"amount":-1200}`), &back)
	fmt.Println(back.Debit, back.Amount.Equal(back.Credit.Sub(back.Debit)))
	// Output:
	// {"credit":12.50,"debit":0,"amount":12.50}
	// 1200 true
}

// Decode reads an entry written by a newer producer: the field it does not
// know is skipped, where UnmarshalJSON reports it.
func ExampleDecode() {
	doc := []byte(`{"producerId":"ecr-1","date":"2024-01-31","attachments":{},"champNouveau":true,` +
		`"journal":{"producerId":"j","customerReferenceCode":"AC","name":"ACHATS","type":"Achat"},"currency":{"code":"EUR"},` +
		`"movements":[{"producerId":"m1","description":"Achat","value":{"credit":0,"debit":120,"amount":-120},"analytics":[],"lettering":{"state":"none","value":null}},` +
		`{"producerId":"m2","description":"Achat","value":{"credit":120,"debit":0,"amount":120},"analytics":[],"lettering":{"state":"none","value":null}}]}`)
	var strict entry.Entry
	fmt.Println(strict.UnmarshalJSON(doc))
	e, err := entry.Decode(doc)
	fmt.Println(e.ProducerID, e.Date, len(e.Movements), err)
	// Output:
	// entry: 1 problem:
	// 	/champNouveau: unknown field [unknownField]
	// ecr-1 2024-01-31 2 <nil>
}
