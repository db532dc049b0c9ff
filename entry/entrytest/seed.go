package entrytest

import (
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// Seed returns the example entry of MyUnisoft's "Écriture et Mouvements"
// documentation page as a Go value: a purchase of 1200 EUR on 6010000000
// against 4551200000, with one analytical axis, from the API source (third
// party Evoliz). Amounts have the example's digits (1200, exponent 0); empty
// attachment maps and analytics slices are non-nil, as decoding gives them.
// Each call returns a new value the caller owns.
func Seed() entry.Entry {
	str := func(s string) *string { return &s }
	n1200 := decimal.New(1200, 0)
	return entry.Entry{
		ProducerID: "13524346",
		Attachments: map[string]entry.Attachment{
			"document.pdf": {
				Type:  entry.AttachmentURL,
				Value: "https://app.prodcomptable.myunisoft.fr/api/ged/ged/document/1-xTt2Qx4LPABeb1Z/download",
			},
		},
		Date:     period.Date{Year: 2023, Month: time.February, Day: 1},
		Journal:  entry.Journal{ProducerID: "137145", CustomerReferenceCode: "AC", Name: "ACHATS", Type: entry.JournalPurchase},
		Currency: entry.Currency{Code: "EUR"},
		Movements: []entry.Movement{
			{
				ProducerID:  "43221797",
				Description: "TEST",
				Value:       entry.MovementValue{Credit: n1200, Amount: n1200},
				Attachments: map[string]entry.Attachment{},
				Account:     &entry.SimplifiedAccount{ProducerID: "1482937", Number: str("6010000000"), Name: str("ACHATS MATIERES PREM")},
				Analytics: []entry.MovementAnalytics{{
					ProducerID: "703",
					Code:       "AXE1",
					Name:       "LIBELLE AXE1",
					Sections: []entry.AnalyticSection{{
						ProducerID: "1694",
						Amount:     n1200,
						Rate:       decimal.New(100, 0),
						Code:       "ATTENTE",
						Name:       "Waiting section",
					}},
				}},
			},
			{
				ProducerID:  "43221798",
				Description: "TEST",
				Value:       entry.MovementValue{Debit: n1200, Amount: n1200.Neg()},
				Attachments: map[string]entry.Attachment{},
				Account:     &entry.SimplifiedAccount{ProducerID: "2567407", Number: str("4551200000"), Name: str("COMPTE COURANT RACLE")},
				Analytics:   []entry.MovementAnalytics{},
			},
		},
		AdditionalProducerProperties: &entry.EntryAdditionalProducerProps{
			CreatedAt:   1709852400,
			AccountedAt: &period.Date{Year: 2023, Month: time.January, Day: 20},
			Source:      entry.Source{Name: entry.SourceAPI, PartnerApp: &entry.PartnerApp{Name: "Evoliz", Code: "EVOL"}},
		},
	}
}
