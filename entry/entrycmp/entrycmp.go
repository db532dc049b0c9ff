package entrycmp

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/shopspring/decimal"
)

// Options returns the recommended options for comparing entries:
// [IgnoreVolatile] and [EquateEmpty]. Amounts compare by value and movement
// order matters; add [ExactDecimals] or [SortMovements] to change that.
func Options() cmp.Options {
	return cmp.Options{IgnoreVolatile(), EquateEmpty()}
}

// IgnoreVolatile ignores the fields that the producing system stamps when it
// stores or validates an entry, rather than fields carrying accounting
// content: EntryAdditionalProducerProps.CreatedAt (the storage timestamp)
// and EntryAdditionalProducerProps.ValidationDate. A transform run twice, or
// an entry read back from a sink, differs in those only.
//
// Identifiers (ProducerID), dates and AccountedAt (the original date of an
// imported entry) are compared; ignore more with cmpopts.IgnoreFields.
func IgnoreVolatile() cmp.Option {
	return cmpopts.IgnoreFields(entry.EntryAdditionalProducerProps{}, "CreatedAt", "ValidationDate")
}

// SortMovements compares each []entry.Movement as a multiset: both sides are
// sorted (stably) by ProducerID, account number, amount, then description
// before the comparison, so the same lines in another order are equal.
// Use it when the transform under test may reorder lines; an entry's order
// is otherwise part of its value.
func SortMovements() cmp.Option {
	return cmpopts.SortSlices(lessMovement)
}

func lessMovement(a, b entry.Movement) bool {
	if a.ProducerID != b.ProducerID {
		return a.ProducerID < b.ProducerID
	}
	if an, bn := accountNumber(a), accountNumber(b); an != bn {
		return an < bn
	}
	if c := a.Value.Amount.Cmp(b.Value.Amount); c != 0 {
		return c < 0
	}
	return a.Description < b.Description
}

func accountNumber(m entry.Movement) string {
	if m.Account == nil || m.Account.Number == nil {
		return ""
	}
	return *m.Account.Number
}

// EquateEmpty treats a nil slice or map as equal to an empty one of the same
// type (no attachments, no analytics). The JSON encoding writes both as {}
// or [], so a decoded entry holds empty values where a built one may hold
// nil. It is cmpopts.EquateEmpty.
func EquateEmpty() cmp.Option {
	return cmpopts.EquateEmpty()
}

// ExactDecimals compares every decimal.Decimal (amounts, rates) by value
// and exponent: 1.50 (150 × 10⁻²) differs from 1.5 (15 × 10⁻¹) and 1200
// from 1200.00. Export formats that keep the digits of their input need this;
// accounting does not, so it is not part of [Options].
func ExactDecimals() cmp.Option {
	return cmp.Comparer(func(a, b decimal.Decimal) bool {
		return a.Exponent() == b.Exponent() && a.Equal(b)
	})
}
