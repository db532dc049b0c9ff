package sink

import (
	"encoding/json"
	"fmt"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// The typed payloads of the sink, one per object. Their JSON field names are
// the wire's; the Go names are English. References to other objects are ids
// (the wire's "_id" fields) and are nil when absent. Entries are carried as
// [entry.Entry], the model of the entry package.
//
// The account fields are exactly those of the platform's example payload;
// the other objects follow the platform's read API (numero/libelle/code,
// enumerations as integers, typed here: see enums.go) since the sink's own
// schemas for them are not published. Amounts and rates are plain JSON
// numbers read and written by [entry.ParseAmount] and [entry.AppendAmount],
// with their limits.

// Account is a general-ledger account (compte), event objects "Compte".
type Account struct {
	Number               string      `json:"numero"`                // account number, such as "56870000"
	Label                string      `json:"libelle"`               // label
	Collective           bool        `json:"collectif"`             // a control account of third parties
	Letterable           bool        `json:"lettrable"`             // lines can be lettered
	Pointable            bool        `json:"pointable"`             // lines can be reconciled with a bank statement
	Centralizable        bool        `json:"centralisable"`         // centralised in its journal
	Analytical           bool        `json:"analytique"`            // lines carry analytics
	Closed               bool        `json:"ferme"`                 // no new lines accepted
	CounterpartAccountID *string     `json:"compteContrepartie_id"` // default counterpart account
	BankAccountID        *string     `json:"compteBanque_id"`       // bank account it books
	VATID                *string     `json:"tva_id"`                // default VAT parameter
	Type                 AccountType `json:"type"`                  // account type, 1 to 7
	DefaultBreakdownID   *string     `json:"ventilationDefaut"`     // default analytical breakdown
}

// BankAccount is a bank account (compte bancaire), event objects
// "CompteBancaire".
type BankAccount struct {
	Label     string  `json:"libelle"`
	IBAN      string  `json:"iban"`
	BIC       string  `json:"bic"`
	Currency  string  `json:"devise"`     // ISO 4217 code
	AccountID *string `json:"compte_id"`  // its general-ledger account
	JournalID *string `json:"journal_id"` // its bank journal
	Closed    bool    `json:"ferme"`

	// The platform publishes no model of bank accounts; these fields are
	// the MyUnisoft MAD Bank model's, under its names.

	RIB       *string `json:"RIB"`       // MyUnisoft MAD Bank model: the French bank details (relevé d'identité bancaire); nil (null) when none
	IsDefault bool    `json:"isDefault"` // MyUnisoft MAD Bank model (additionalProducerProperties.isDefault): the default bank of the company, used for VAT payments
}

// Journal is a journal (journal), event objects "Journal".
type Journal struct {
	Code                 string          `json:"code"`
	Label                string          `json:"libelle"`
	Type                 JournalType     `json:"type"`
	CounterpartAccountID *string         `json:"compteContrepartie_id"`
	CounterpartType      CounterpartType `json:"typeContrepartie"`
	Closed               bool            `json:"ferme"`
}

// Parameter is an accounting parameter of the entity (paramètre comptable),
// event objects "Parametre": a named value.
type Parameter struct {
	Code  string `json:"code"`
	Label string `json:"libelle"`
	Value string `json:"valeur"`
}

// Period is an exercise or a situation (période comptable), event objects
// "Periode". Situations name their exercise.
type Period struct {
	Kind       period.Kind    `json:"type"`      // "exercise" or "situation"
	Start      period.Date    `json:"dateDebut"` // first day
	End        period.Date    `json:"dateFin"`   // last day, inclusive
	Status     *period.Status `json:"statut"`    // exercises: "open" or "closed"; nil (null) for situations
	ExerciseID *string        `json:"exercice_id"`
}

// MarshalJSON writes a zero Kind, Start or End as null: an Updated event
// leaves unchanged fields zero, and period's types refuse to encode zeros.
func (p Period) MarshalJSON() ([]byte, error) {
	var kind *period.Kind
	if p.Kind != "" {
		kind = &p.Kind
	}
	return json.Marshal(struct {
		Kind       *period.Kind   `json:"type"`
		Start      *period.Date   `json:"dateDebut"`
		End        *period.Date   `json:"dateFin"`
		Status     *period.Status `json:"statut"`
		ExerciseID *string        `json:"exercice_id"`
	}{kind, nullDate(p.Start), nullDate(p.End), p.Status, p.ExerciseID})
}

// nullDate returns nil for the zero date, so that it encodes as null.
func nullDate(d period.Date) *period.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

// Section is an analytical section (section analytique), event objects
// "Section", with the fields of the Cegid Loop API Section model.
type Section struct {
	Code   string `json:"code"`
	Label  string `json:"libelle"`
	Axis   string `json:"axe"` // code of the section's axis
	Closed bool   `json:"ferme"`

	Description string `json:"description"` // Cegid Loop API Section model: the section's description
}

// ThirdParty is a customer, supplier, employee or other third party (tiers),
// event objects "Tiers". Its fields are those of the Cegid Loop API Tiers
// model.
type ThirdParty struct {
	Code                 string         `json:"code"` // auxiliary account code
	Kind                 ThirdPartyKind `json:"type"`
	Name                 string         `json:"nom"`
	CompanyName          string         `json:"raisonSociale"`
	SIRET                string         `json:"siret"`
	Email                string         `json:"email"`
	CounterpartAccountID *string        `json:"compteContrepartie_id"` // its control account
	Letterable           bool           `json:"lettrable"`
	Active               bool           `json:"actif"`

	Nature       PersonNature `json:"nature"`     // Cegid Loop API Tiers model: natural or legal person, numbered as for branches
	FirstName    string       `json:"prenom"`     // Cegid Loop API Tiers model: first name, for a natural person
	UsualName    string       `json:"nomUsuel"`   // Cegid Loop API Tiers model: usual (trading) name
	Phone        string       `json:"telephone"`  // Cegid Loop API Tiers model: phone number
	Fax          string       `json:"fax"`        // Cegid Loop API Tiers model: fax number
	Website      string       `json:"siteWeb"`    // Cegid Loop API Tiers model: web site
	Address      RawJSON      `json:"adr"`        // Cegid Loop API Tiers model: postal address, an object whose fields are not published, kept as it is
	BankDetails  RawJSON      `json:"rib"`        // Cegid Loop API Tiers model: bank details, an array whose items are not published, kept as it is
	Validation   RawJSON      `json:"validation"` // Cegid Loop API Tiers model: validation status, of an unpublished type, kept as it is
	SubjectToVAT bool         `json:"soumisTva"`  // Cegid Loop API Tiers model: subject to VAT
}

// VAT is a VAT parameter (paramètre de TVA), event objects "Tva", with the
// fields of the Cegid Loop API Tva model. The rate is a percentage, exact:
// 20 is 20 %.
type VAT struct {
	Code                string          `json:"code"`
	Label               string          `json:"libelle"`
	Rate                decimal.Decimal `json:"taux"`
	Regime              VATRegime       `json:"regime"`
	CollectedAccountID  *string         `json:"compteCollecte_id"`
	DeductibleAccountID *string         `json:"compteDeductible_id"`

	Description string  `json:"description"` // Cegid Loop API Tva model: the parameter's description
	Collection  RawJSON `json:"collecte"`    // Cegid Loop API Tva model: the accounts of collected VAT by kind of operation, an object whose fields are not fully published, kept as it is
}

// vatWire is the wire form of a VAT: the rate as a raw JSON number.
type vatWire struct {
	Code                string          `json:"code"`
	Label               string          `json:"libelle"`
	Rate                json.RawMessage `json:"taux"`
	Regime              VATRegime       `json:"regime"`
	CollectedAccountID  *string         `json:"compteCollecte_id"`
	DeductibleAccountID *string         `json:"compteDeductible_id"`
	Description         string          `json:"description"`
	Collection          RawJSON         `json:"collecte"`
}

// MarshalJSON writes the rate as a plain JSON number keeping its digits
// (see [entry.AppendAmount]; a rate beyond its limits fails).
func (v VAT) MarshalJSON() ([]byte, error) {
	rate, err := encodeAmount("taux", v.Rate)
	if err != nil {
		return nil, err
	}
	return json.Marshal(vatWire{v.Code, v.Label, rate, v.Regime, v.CollectedAccountID, v.DeductibleAccountID, v.Description, v.Collection})
}

// UnmarshalJSON reads the rate from a JSON number, keeping its digits, with
// the limits of [entry.ParseAmount]; null or a missing rate gives zero.
func (v *VAT) UnmarshalJSON(data []byte) error {
	var w vatWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	rate, err := decodeAmount("taux", w.Rate)
	if err != nil {
		return err
	}
	*v = VAT{w.Code, w.Label, rate, w.Regime, w.CollectedAccountID, w.DeductibleAccountID, w.Description, w.Collection}
	return nil
}

// Branch is a branch of the company (établissement), event objects
// "Etablissement", with the fields of the Cegid Loop API Etablissement
// model.
type Branch struct {
	Code        string       `json:"code"`
	Name        string       `json:"nom"`
	CompanyName string       `json:"raisonSociale"`
	SIRET       string       `json:"siret"`
	Type        BranchType   `json:"type"`
	Nature      PersonNature `json:"nature"`

	FirstName string `json:"prenom"` // Cegid Loop API Etablissement model: first name, for a natural person (at most 35 characters)
}

// Reconciliation is a bank reconciliation (rapprochement bancaire), event
// objects "Reconciliation": entries matched with a bank statement line.
type Reconciliation struct {
	BankAccountID string          `json:"compteBancaire_id"`
	Date          period.Date     `json:"date"`
	Amount        decimal.Decimal `json:"montant"`
	Statement     string          `json:"releve"` // statement reference
	EntryIDs      []string        `json:"ecriture_ids"`
}

// reconciliationWire is the wire form of a Reconciliation: the amount as a
// raw JSON number, a zero date as null.
type reconciliationWire struct {
	BankAccountID string          `json:"compteBancaire_id"`
	Date          *period.Date    `json:"date"`
	Amount        json.RawMessage `json:"montant"`
	Statement     string          `json:"releve"`
	EntryIDs      []string        `json:"ecriture_ids"`
}

// MarshalJSON writes the amount as a plain JSON number keeping its digits
// (see [entry.AppendAmount]; an amount beyond its limits fails). A zero
// Date is written as null.
func (r Reconciliation) MarshalJSON() ([]byte, error) {
	amt, err := encodeAmount("montant", r.Amount)
	if err != nil {
		return nil, err
	}
	return json.Marshal(reconciliationWire{r.BankAccountID, nullDate(r.Date), amt, r.Statement, r.EntryIDs})
}

// UnmarshalJSON reads the amount from a JSON number, keeping its digits,
// with the limits of [entry.ParseAmount]; null or a missing amount gives
// zero, and a null date the zero Date.
func (r *Reconciliation) UnmarshalJSON(data []byte) error {
	var w reconciliationWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	amt, err := decodeAmount("montant", w.Amount)
	if err != nil {
		return err
	}
	*r = Reconciliation{BankAccountID: w.BankAccountID, Amount: amt, Statement: w.Statement, EntryIDs: w.EntryIDs}
	if w.Date != nil {
		r.Date = *w.Date
	}
	return nil
}

// encodeAmount returns d as a plain JSON number with its digits, or an
// error naming the field key when d is beyond the amount limits.
func encodeAmount(key string, d decimal.Decimal) (json.RawMessage, error) {
	b, err := entry.AppendAmount(nil, d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

// decodeAmount reads the value of the amount field key: null or a missing
// field gives zero; anything but a JSON number within the amount limits
// fails with an error naming key (a string, even "12.50", fails: amounts
// are numbers on the wire).
func decodeAmount(key string, raw json.RawMessage) (decimal.Decimal, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return decimal.Decimal{}, nil
	}
	d, err := entry.ParseAmount(raw)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}

// RawJSON is a JSON value kept as it is, for the payload fields whose shape
// the platform does not publish. nil is null: reading null gives nil, and
// nil is written null. It must hold one valid JSON value, or be nil.
type RawJSON []byte

// MarshalJSON returns r, or null when r is nil or empty.
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of data, or nil for null.
func (r *RawJSON) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*r = nil
		return nil
	}
	*r = append((*r)[:0], data...)
	return nil
}

// newData returns a new, empty value of the payload type of o.
func newData(o Object) any {
	switch o {
	case ObjectAccount:
		return new(Account)
	case ObjectBankAccount:
		return new(BankAccount)
	case ObjectEntry:
		return new(entry.Entry)
	case ObjectJournal:
		return new(Journal)
	case ObjectParameter:
		return new(Parameter)
	case ObjectPeriod:
		return new(Period)
	case ObjectSection:
		return new(Section)
	case ObjectThirdParty:
		return new(ThirdParty)
	case ObjectVAT:
		return new(VAT)
	case ObjectBranch:
		return new(Branch)
	case ObjectReconciliation:
		return new(Reconciliation)
	}
	return nil
}

// ObjectOf returns the object of a payload value: *Account gives
// ObjectAccount, *entry.Entry gives ObjectEntry, and so on. Values (not
// pointers) are accepted too. It returns "" and false for any other type.
func ObjectOf(data any) (Object, bool) {
	switch data.(type) {
	case *Account, Account:
		return ObjectAccount, true
	case *BankAccount, BankAccount:
		return ObjectBankAccount, true
	case *entry.Entry, entry.Entry:
		return ObjectEntry, true
	case *Journal, Journal:
		return ObjectJournal, true
	case *Parameter, Parameter:
		return ObjectParameter, true
	case *Period, Period:
		return ObjectPeriod, true
	case *Section, Section:
		return ObjectSection, true
	case *ThirdParty, ThirdParty:
		return ObjectThirdParty, true
	case *VAT, VAT:
		return ObjectVAT, true
	case *Branch, Branch:
		return ObjectBranch, true
	case *Reconciliation, Reconciliation:
		return ObjectReconciliation, true
	}
	return "", false
}
