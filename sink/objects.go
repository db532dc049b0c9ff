package sink

import (
	"bytes"
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
// typed enumerations as integers) since the sink's own schemas for them are
// not published.

// Account is a general-ledger account (compte), event objects "Compte".
type Account struct {
	Number               string  `json:"numero"`                // account number, such as "56870000"
	Label                string  `json:"libelle"`               // label
	Collective           bool    `json:"collectif"`             // a control account of third parties
	Letterable           bool    `json:"lettrable"`             // lines can be lettered
	Pointable            bool    `json:"pointable"`             // lines can be reconciled with a bank statement
	Centralizable        bool    `json:"centralisable"`         // centralised in its journal
	Analytical           bool    `json:"analytique"`            // lines carry analytics
	Closed               bool    `json:"ferme"`                 // no new lines accepted
	CounterpartAccountID *string `json:"compteContrepartie_id"` // default counterpart account
	BankAccountID        *string `json:"compteBanque_id"`       // bank account it books
	VATID                *string `json:"tva_id"`                // default VAT parameter
	Type                 int     `json:"type"`                  // account type, 1 to 7
	DefaultBreakdownID   *string `json:"ventilationDefaut"`     // default analytical breakdown
}

// BankAccount is a bank account (compte bancaire), event objects "CompteBancaire".
type BankAccount struct {
	Label     string  `json:"libelle"`
	IBAN      string  `json:"iban"`
	BIC       string  `json:"bic"`
	Currency  string  `json:"devise"`     // ISO 4217 code
	AccountID *string `json:"compte_id"`  // its general-ledger account
	JournalID *string `json:"journal_id"` // its bank journal
	Closed    bool    `json:"ferme"`
}

// Journal is a journal (journal), event objects "Journal".
type Journal struct {
	Code                 string  `json:"code"`
	Label                string  `json:"libelle"`
	Type                 int     `json:"type"` // Achat 1, OD 2, A-Nouveau 3, Banque 4, Caisse 5, Ecart de change 6, Régularisation 7, Vente 8
	CounterpartAccountID *string `json:"compteContrepartie_id"`
	CounterpartType      int     `json:"typeContrepartie"` // Libre 1, A l'écriture 2, Pied de journal 3
	Closed               bool    `json:"ferme"`
}

// Journal types, as the platform numbers them.
const (
	JournalTypePurchase   = 1 // Achat
	JournalTypeMisc       = 2 // OD, opérations diverses
	JournalTypeOpening    = 3 // A-Nouveau
	JournalTypeBank       = 4 // Banque
	JournalTypeCash       = 5 // Caisse
	JournalTypeExchange   = 6 // Ecart de change
	JournalTypeAdjustment = 7 // Régularisation
	JournalTypeSales      = 8 // Vente
)

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

// Section is an analytical section (section analytique), event objects "Section".
type Section struct {
	Code   string `json:"code"`
	Label  string `json:"libelle"`
	Axis   string `json:"axe"` // code of the section's axis
	Closed bool   `json:"ferme"`
}

// ThirdPartyKind is the kind of a third party, as the platform numbers it.
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
	return fmt.Sprintf("ThirdPartyKind(%d)", int(k))
}

// ThirdParty is a customer, supplier, employee or other third party (tiers),
// event objects "Tiers".
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
}

// VAT is a VAT parameter (paramètre de TVA), event objects "Tva". The rate
// is a percentage, exact: 20 is 20 %.
type VAT struct {
	Code                string          `json:"code"`
	Label               string          `json:"libelle"`
	Rate                decimal.Decimal `json:"taux"`
	Regime              int             `json:"regime"` // Normal 1, Exonéré 2, Export 4, ...
	CollectedAccountID  *string         `json:"compteCollecte_id"`
	DeductibleAccountID *string         `json:"compteDeductible_id"`
}

// MarshalJSON writes the rate as a plain JSON number keeping its digits.
func (v VAT) MarshalJSON() ([]byte, error) {
	type plain VAT
	return marshalWithNumber(plain(v), "taux", v.Rate)
}

// UnmarshalJSON reads the rate from a JSON number, keeping its digits.
func (v *VAT) UnmarshalJSON(data []byte) error {
	type plain VAT
	var p struct {
		plain
		Rate json.RawMessage `json:"taux"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	rate, err := decodeNumber(p.Rate, "taux")
	if err != nil {
		return err
	}
	*v = VAT(p.plain)
	v.Rate = rate
	return nil
}

// Branch is a branch of the company (établissement), event objects "Etablissement".
type Branch struct {
	Code        string `json:"code"`
	Name        string `json:"nom"`
	CompanyName string `json:"raisonSociale"`
	SIRET       string `json:"siret"`
	Type        int    `json:"type"`   // Principal-siège social 1, Secondaire 2, Principal 3, Siège social 4
	Nature      int    `json:"nature"` // Personne physique 1, Personne morale 2
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

// MarshalJSON writes the amount as a plain JSON number keeping its digits.
// A zero Date is written as null.
func (r Reconciliation) MarshalJSON() ([]byte, error) {
	return marshalWithNumber(struct {
		BankAccountID string          `json:"compteBancaire_id"`
		Date          *period.Date    `json:"date"`
		Amount        decimal.Decimal `json:"montant"`
		Statement     string          `json:"releve"`
		EntryIDs      []string        `json:"ecriture_ids"`
	}{r.BankAccountID, nullDate(r.Date), r.Amount, r.Statement, r.EntryIDs}, "montant", r.Amount)
}

// UnmarshalJSON reads the amount from a JSON number, keeping its digits.
func (r *Reconciliation) UnmarshalJSON(data []byte) error {
	type plain Reconciliation
	var p struct {
		plain
		Amount json.RawMessage `json:"montant"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	amount, err := decodeNumber(p.Amount, "montant")
	if err != nil {
		return err
	}
	*r = Reconciliation(p.plain)
	r.Amount = amount
	return nil
}

// marshalWithNumber encodes v with encoding/json, then replaces the value of
// the decimal field key (which encoding/json writes as a string) by a plain
// JSON number with the decimal's digits: 12.50 stays 12.50.
func marshalWithNumber(v any, key string, d decimal.Decimal) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	quoted, err := json.Marshal(d) // "12.5"-style string, as decimal encodes it
	if err != nil {
		return nil, err
	}
	field := []byte(`"` + key + `":`)
	i := bytes.Index(b, append(field, quoted...))
	if i < 0 {
		return nil, fmt.Errorf("sink: cannot find %s in %s", key, b)
	}
	var out bytes.Buffer
	out.Write(b[:i+len(field)])
	out.WriteString(numberString(d))
	out.Write(b[i+len(field)+len(quoted):])
	return out.Bytes(), nil
}

// numberString formats d as a JSON number with all its digits: the exponent
// of 12.50 read from "12.50" is -2, so it prints "12.50".
func numberString(d decimal.Decimal) string {
	if d.Exponent() < 0 {
		return d.StringFixed(-d.Exponent())
	}
	return d.String()
}

// decodeNumber reads a decimal from the literal of a JSON number; null or a
// missing field gives zero. A string, even "12.50", is rejected: amounts are
// numbers on the wire.
func decodeNumber(raw json.RawMessage, key string) (decimal.Decimal, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return decimal.Decimal{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return decimal.Decimal{}, fmt.Errorf("sink: %s: %w", key, err)
	}
	n, ok := v.(json.Number)
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("sink: %s: %s is not a JSON number", key, raw)
	}
	d, err := decimal.NewFromString(n.String())
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("sink: %s: %w", key, err)
	}
	return d, nil
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
