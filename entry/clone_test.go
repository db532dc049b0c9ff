package entry_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/entry/entrytest"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// TestClone fills every field of an entry, clones it, and walks both values
// to check that no pointer, slice or map is shared.
func TestClone(t *testing.T) {
	full := entrytest.Seed()
	full.DueDate = &period.Date{Year: 2023, Month: time.March, Day: 1}
	full.Currency.Rate = ptr(decimal.New(11, -1))
	m := &full.Movements[0]
	m.DueDate = &period.Date{Year: 2023, Month: time.March, Day: 1}
	m.FreeNumber, m.InvoiceNumber = ptr("12"), ptr("F-1")
	code := entry.PaymentCheque
	m.Payment = &entry.Payment{ProducerID: "1", Name: ptr("Chèque"), Code: &code}
	m.Attachments["a.pdf"] = entry.Attachment{Type: entry.AttachmentURL, Value: "https://example.invalid/a.pdf"}
	m.AdditionalProducerProperties = &entry.MovementAdditionalProducerProps{Comment: "c"}
	p := full.AdditionalProducerProperties
	p.PartnerMetadata = &entry.PartnerMetadata{PartnerID: "P", JSON: ptr("{}")}
	p.PublishingDestination, p.Comment, p.ValidationDate = ptr("x"), ptr("y"), ptr("2023-02-02")
	p.Comments = []entry.Comment{{Date: "01-02-2023", Comment: "ok"}}

	clone := full.Clone()
	if diff := cmp.Diff(full, *clone, entrycmp.ExactDecimals()); diff != "" {
		t.Fatalf("Clone changed the value (-orig +clone):\n%s", diff)
	}
	checkNoSharing(t, "Entry", reflect.ValueOf(full), reflect.ValueOf(*clone))
	if (*entry.Entry)(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}

var skipTypes = map[reflect.Type]bool{
	reflect.TypeFor[decimal.Decimal]():     true, // immutable; its big.Int is never modified
	reflect.TypeFor[lettering.Lettering](): true, // immutable value
}

func checkNoSharing(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	if skipTypes[a.Type()] {
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: pointer shared", path)
		}
		checkNoSharing(t, path, a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: slice array shared", path)
		}
		for i := range a.Len() {
			checkNoSharing(t, fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i))
		}
	case reflect.Map:
		if a.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: map shared", path)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				checkNoSharing(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
