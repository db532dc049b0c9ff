package sink

import (
	"errors"
	"fmt"
	"strconv"
)

// The numbered enumerations of the payloads. Each is an integer on the wire.
// The zero value means "not set" (an Updated event leaves unchanged fields
// zero) and is read and written as 0, except for ThirdPartyKind, whose 0 is
// a customer. Reading a number outside the set fails with an error matching
// ErrEnum: the platform's read API documents each set as closed. Writing
// never fails, so that a payload built in code always encodes; see each
// type's Valid.

// ErrEnum is matched by the error of reading a value outside a numbered
// enumeration of a payload: a number outside the set, or not an integer.
// [DecodeEvent] wraps it in a *PayloadError.
var ErrEnum = errors.New("not one of the documented values")

// unmarshalEnum reads a JSON integer into dst when valid accepts it; null
// leaves dst unchanged.
func unmarshalEnum[T ~int](data []byte, dst *T, what string, valid func(T) bool) error {
	if string(data) == "null" {
		return nil
	}
	n, err := strconv.Atoi(string(data))
	if err != nil || !valid(T(n)) {
		lit := string(data)
		if len(lit) > 40 {
			lit = lit[:40] + "..."
		}
		return fmt.Errorf("%s %s: %w", what, lit, ErrEnum)
	}
	*dst = T(n)
	return nil
}

// AccountType is the type of an account, numbered 1 to 7 by the platform
// (Cegid Loop API Compte model); the meaning of each number is not
// published.
type AccountType int

// Valid reports whether t is 1 to 7.
func (t AccountType) Valid() bool { return t >= 1 && t <= 7 }

func (t AccountType) String() string { return "AccountType(" + strconv.Itoa(int(t)) + ")" }

// UnmarshalJSON reads an integer, 0 (not set) or 1 to 7; other numbers fail
// with an error matching ErrEnum.
func (t *AccountType) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, t, "account type", func(v AccountType) bool { return v == 0 || v.Valid() })
}

// JournalType is the type of a journal, as the platform numbers it (Cegid
// Loop API Journal model). Entries name their journal's type by its label
// instead: that is [entry.JournalKind].
type JournalType int

// The journal types.
const (
	JournalTypePurchase   JournalType = 1 // Achat
	JournalTypeMisc       JournalType = 2 // OD, opérations diverses
	JournalTypeOpening    JournalType = 3 // A-Nouveau
	JournalTypeBank       JournalType = 4 // Banque
	JournalTypeCash       JournalType = 5 // Caisse
	JournalTypeExchange   JournalType = 6 // Ecart de change
	JournalTypeAdjustment JournalType = 7 // Régularisation
	JournalTypeSales      JournalType = 8 // Vente
)

var journalTypeNames = [...]string{"", "purchase", "misc", "opening", "bank", "cash", "exchange", "adjustment", "sales"}

// Valid reports whether t is one of the eight journal types.
func (t JournalType) Valid() bool { return t >= 1 && t <= 8 }

// String returns the English name of a known type ("purchase").
func (t JournalType) String() string {
	if t.Valid() {
		return journalTypeNames[t]
	}
	return "JournalType(" + strconv.Itoa(int(t)) + ")"
}

// UnmarshalJSON reads an integer, 0 (not set) or a journal type; other
// numbers fail with an error matching ErrEnum.
func (t *JournalType) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, t, "journal type", func(v JournalType) bool { return v == 0 || v.Valid() })
}

// CounterpartType says where a journal's counterpart is booked (Cegid Loop
// API Journal model, typeContrepartie).
type CounterpartType int

// The counterpart types.
const (
	CounterpartFree     CounterpartType = 1 // Libre
	CounterpartPerEntry CounterpartType = 2 // A l'écriture
	CounterpartFooter   CounterpartType = 3 // Pied de journal
)

// Valid reports whether t is one of the three counterpart types.
func (t CounterpartType) Valid() bool { return t >= 1 && t <= 3 }

// String returns the English name of a known type ("free").
func (t CounterpartType) String() string {
	switch t {
	case CounterpartFree:
		return "free"
	case CounterpartPerEntry:
		return "per entry"
	case CounterpartFooter:
		return "journal footer"
	}
	return "CounterpartType(" + strconv.Itoa(int(t)) + ")"
}

// UnmarshalJSON reads an integer, 0 (not set) or a counterpart type; other
// numbers fail with an error matching ErrEnum.
func (t *CounterpartType) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, t, "counterpart type", func(v CounterpartType) bool { return v == 0 || v.Valid() })
}

// ThirdPartyKind is the kind of a third party, as the platform numbers it
// (Cegid Loop API Tiers model).
type ThirdPartyKind int

// The four kinds of third party. The initialization report counts each
// separately, in this order.
const (
	Customer ThirdPartyKind = 0 // client
	Supplier ThirdPartyKind = 1 // fournisseur
	Employee ThirdPartyKind = 2 // salarié
	Other    ThirdPartyKind = 4 // divers
)

// ThirdPartyKinds returns the four kinds, in the order of the initialization report.
func ThirdPartyKinds() []ThirdPartyKind { return []ThirdPartyKind{Customer, Supplier, Employee, Other} }

// Valid reports whether k is one of the four kinds.
func (k ThirdPartyKind) Valid() bool {
	return k == Customer || k == Supplier || k == Employee || k == Other
}

// String returns the English name of a known kind ("customer").
func (k ThirdPartyKind) String() string {
	switch k {
	case Customer:
		return "customer"
	case Supplier:
		return "supplier"
	case Employee:
		return "employee"
	case Other:
		return "other"
	}
	return "ThirdPartyKind(" + strconv.Itoa(int(k)) + ")"
}

// UnmarshalJSON reads an integer, one of the four kinds; other numbers fail
// with an error matching ErrEnum.
func (k *ThirdPartyKind) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, k, "third-party kind", ThirdPartyKind.Valid)
}

// VATRegime is the regime of a VAT parameter (Cegid Loop API Tva model).
type VATRegime int

// The VAT regimes.
const (
	VATNormal                VATRegime = 1 // Normal
	VATExempt                VATRegime = 2 // Exonéré
	VATReverseChargeGoodsEU  VATRegime = 3 // Autoliquidation biens intra
	VATExport                VATRegime = 4 // Export
	VATCorsica               VATRegime = 5 // Corse
	VATOverseas              VATRegime = 6 // DOM
	VATReverseChargeSubcontr VATRegime = 7 // Auto-liquidation sous-traitance
	VATReverseChargeServEU   VATRegime = 8 // Autoliquidation prestations intra
)

var vatRegimeNames = [...]string{"", "normal", "exempt", "reverse charge, EU goods", "export", "Corsica", "overseas departments",
	"reverse charge, subcontracting", "reverse charge, EU services"}

// Valid reports whether r is one of the eight regimes.
func (r VATRegime) Valid() bool { return r >= 1 && r <= 8 }

// String returns the English name of a known regime ("normal").
func (r VATRegime) String() string {
	if r.Valid() {
		return vatRegimeNames[r]
	}
	return "VATRegime(" + strconv.Itoa(int(r)) + ")"
}

// UnmarshalJSON reads an integer, 0 (not set) or a regime; other numbers
// fail with an error matching ErrEnum.
func (r *VATRegime) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, r, "VAT regime", func(v VATRegime) bool { return v == 0 || v.Valid() })
}

// BranchType is the type of a branch (Cegid Loop API Etablissement model).
type BranchType int

// The branch types.
const (
	BranchMainHeadOffice BranchType = 1 // Principal-siège social
	BranchSecondary      BranchType = 2 // Secondaire
	BranchMain           BranchType = 3 // Principal
	BranchHeadOffice     BranchType = 4 // Siège social
)

// Valid reports whether t is one of the four branch types.
func (t BranchType) Valid() bool { return t >= 1 && t <= 4 }

// String returns the English name of a known type ("main and head office").
func (t BranchType) String() string {
	switch t {
	case BranchMainHeadOffice:
		return "main and head office"
	case BranchSecondary:
		return "secondary"
	case BranchMain:
		return "main"
	case BranchHeadOffice:
		return "head office"
	}
	return "BranchType(" + strconv.Itoa(int(t)) + ")"
}

// UnmarshalJSON reads an integer, 0 (not set) or a branch type; other
// numbers fail with an error matching ErrEnum.
func (t *BranchType) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, t, "branch type", func(v BranchType) bool { return v == 0 || v.Valid() })
}

// PersonNature says whether a branch or a third party is a natural or a
// legal person (Cegid Loop API Etablissement model, nature).
type PersonNature int

// The natures.
const (
	NaturalPerson PersonNature = 1 // Personne physique
	LegalPerson   PersonNature = 2 // Personne morale
)

// Valid reports whether n is one of the two natures.
func (n PersonNature) Valid() bool { return n == NaturalPerson || n == LegalPerson }

// String returns "natural person" or "legal person" for a known nature.
func (n PersonNature) String() string {
	switch n {
	case NaturalPerson:
		return "natural person"
	case LegalPerson:
		return "legal person"
	}
	return "PersonNature(" + strconv.Itoa(int(n)) + ")"
}

// UnmarshalJSON reads an integer, 0 (not set) or a nature; other numbers
// fail with an error matching ErrEnum.
func (n *PersonNature) UnmarshalJSON(data []byte) error {
	return unmarshalEnum(data, n, "person nature", func(v PersonNature) bool { return v == 0 || v.Valid() })
}
