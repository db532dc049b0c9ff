package sink

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Object is a business object tracked by the sink. Its value is the word the
// wire format uses inside event names ("Compte" in "comptaCompteInserted").
type Object string

// The objects of the sink, in the order of the platform's event table.
const (
	ObjectAccount        Object = "Compte"         // accounts (comptes)
	ObjectBankAccount    Object = "CompteBancaire" // bank accounts (comptes bancaires)
	ObjectEntry          Object = "Ecriture"       // accounting entries (écritures)
	ObjectJournal        Object = "Journal"        // journals (journaux)
	ObjectParameter      Object = "Parametre"      // accounting parameters (paramètres comptables)
	ObjectPeriod         Object = "Periode"        // exercises and situations (périodes comptables)
	ObjectSection        Object = "Section"        // analytical sections (sections analytiques)
	ObjectThirdParty     Object = "Tiers"          // customers, suppliers, employees, others (tiers)
	ObjectVAT            Object = "Tva"            // VAT parameters (paramètres de TVA)
	ObjectBranch         Object = "Etablissement"  // branches (établissements)
	ObjectReconciliation Object = "Reconciliation" // bank reconciliations
)

var objects = []Object{
	ObjectAccount, ObjectBankAccount, ObjectEntry, ObjectJournal, ObjectParameter, ObjectPeriod,
	ObjectSection, ObjectThirdParty, ObjectVAT, ObjectBranch, ObjectReconciliation,
}

// Objects returns every object of the sink, in the order of the platform's event
// table. The caller owns the returned slice.
func Objects() []Object { return slices.Clone(objects) }

// Valid reports whether o is one of the sink's objects.
func (o Object) Valid() bool { return slices.Contains(objects, o) }

// Action is what happened to an object.
type Action string

// The actions of the sink.
const (
	Inserted Action = "Inserted" // the payload carries every field
	Updated  Action = "Updated"  // the payload carries the changed fields, null elsewhere
	Deleted  Action = "Deleted"  // the payload carries the identifiers only
)

// Valid reports whether a is Inserted, Updated or Deleted.
func (a Action) Valid() bool { return a == Inserted || a == Updated || a == Deleted }

// EventName is the name of a sink event, exactly as it appears in file names
// and topics: "compta" + Object + Action, such as "comptaCompteInserted", or
// the daily report's "comptaDailyReport".
type EventName string

// Event names. The Go identifiers are English; the strings are the wire format
// and never change. An entry (Ecriture) has no Updated event: an update is
// EntryDeleted with miseAJour set, followed by EntryInserted. A reconciliation
// is only ever inserted.
const (
	AccountInserted EventName = "comptaCompteInserted"
	AccountUpdated  EventName = "comptaCompteUpdated"
	AccountDeleted  EventName = "comptaCompteDeleted"

	BankAccountInserted EventName = "comptaCompteBancaireInserted"
	BankAccountUpdated  EventName = "comptaCompteBancaireUpdated"
	BankAccountDeleted  EventName = "comptaCompteBancaireDeleted"

	EntryInserted EventName = "comptaEcritureInserted"
	EntryDeleted  EventName = "comptaEcritureDeleted"

	JournalInserted EventName = "comptaJournalInserted"
	JournalUpdated  EventName = "comptaJournalUpdated"
	JournalDeleted  EventName = "comptaJournalDeleted"

	ParameterInserted EventName = "comptaParametreInserted"
	ParameterUpdated  EventName = "comptaParametreUpdated"
	ParameterDeleted  EventName = "comptaParametreDeleted"

	PeriodInserted EventName = "comptaPeriodeInserted"
	PeriodUpdated  EventName = "comptaPeriodeUpdated"
	PeriodDeleted  EventName = "comptaPeriodeDeleted"

	SectionInserted EventName = "comptaSectionInserted"
	SectionUpdated  EventName = "comptaSectionUpdated"
	SectionDeleted  EventName = "comptaSectionDeleted"

	ThirdPartyInserted EventName = "comptaTiersInserted"
	ThirdPartyUpdated  EventName = "comptaTiersUpdated"
	ThirdPartyDeleted  EventName = "comptaTiersDeleted"

	VATInserted EventName = "comptaTvaInserted"
	VATUpdated  EventName = "comptaTvaUpdated"
	VATDeleted  EventName = "comptaTvaDeleted"

	BranchInserted EventName = "comptaEtablissementInserted"
	BranchUpdated  EventName = "comptaEtablissementUpdated"
	BranchDeleted  EventName = "comptaEtablissementDeleted"

	ReconciliationInserted EventName = "comptaReconciliationInserted"

	// DailyReport names the nightly report files. It is not a change event:
	// its Object and Action are empty.
	DailyReport EventName = "comptaDailyReport"
)

// changeEvents lists every change event in the order of the platform's table.
var changeEvents = []EventName{
	AccountInserted, AccountUpdated, AccountDeleted,
	BankAccountInserted, BankAccountUpdated, BankAccountDeleted,
	EntryInserted, EntryDeleted,
	JournalInserted, JournalUpdated, JournalDeleted,
	ParameterInserted, ParameterUpdated, ParameterDeleted,
	PeriodInserted, PeriodUpdated, PeriodDeleted,
	SectionInserted, SectionUpdated, SectionDeleted,
	ThirdPartyInserted, ThirdPartyUpdated, ThirdPartyDeleted,
	VATInserted, VATUpdated, VATDeleted,
	BranchInserted, BranchUpdated, BranchDeleted,
	ReconciliationInserted,
}

// EventNames returns every change event name (not DailyReport) in the order
// of the platform's event table. The caller owns the returned slice.
func EventNames() []EventName { return slices.Clone(changeEvents) }

// Errors about event names.
var (
	// ErrUnknownEvent is returned for a name that is not a sink event.
	ErrUnknownEvent = errors.New("sink: unknown event name")
	// ErrNoSuchEvent is returned by NameOf for an object and action the
	// sink never emits together, such as an Updated entry.
	ErrNoSuchEvent = errors.New("sink: no such event")
)

const eventPrefix = "compta"

// ParseEventName returns the event named s. It fails with an error matching
// ErrUnknownEvent, quoting s, for anything but the names of [EventNames] and
// [DailyReport]; matching is exact and case-sensitive.
func ParseEventName(s string) (EventName, error) {
	n := EventName(s)
	if !n.Valid() {
		return "", fmt.Errorf("%w: %q", ErrUnknownEvent, s)
	}
	return n, nil
}

// Valid reports whether n is a change event of [EventNames] or [DailyReport].
func (n EventName) Valid() bool {
	return n == DailyReport || slices.Contains(changeEvents, n)
}

// Object returns the object n is about, or "" when n is DailyReport or invalid.
func (n EventName) Object() Object {
	o, _ := n.split()
	return o
}

// Action returns what n says happened, or "" when n is DailyReport or invalid.
func (n EventName) Action() Action {
	_, a := n.split()
	return a
}

func (n EventName) split() (Object, Action) {
	if n == DailyReport || !n.Valid() {
		return "", ""
	}
	rest := strings.TrimPrefix(string(n), eventPrefix)
	for _, a := range []Action{Inserted, Updated, Deleted} {
		if o, ok := strings.CutSuffix(rest, string(a)); ok {
			return Object(o), a
		}
	}
	return "", "" // unreachable for a valid name
}

// NameOf returns the event name of action a on object o. It fails with an
// error matching ErrNoSuchEvent for pairs the sink never emits (an Updated or
// Deleted reconciliation, an Updated entry) and for invalid objects or
// actions.
func NameOf(o Object, a Action) (EventName, error) {
	n := EventName(eventPrefix + string(o) + string(a))
	if !o.Valid() || !a.Valid() || !slices.Contains(changeEvents, n) {
		return "", fmt.Errorf("%w: %s %s", ErrNoSuchEvent, a, o)
	}
	return n, nil
}

// MarshalText implements encoding.TextMarshaler.
func (n EventName) MarshalText() ([]byte, error) {
	if !n.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, string(n))
	}
	return []byte(n), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; see [ParseEventName].
func (n *EventName) UnmarshalText(b []byte) error {
	v, err := ParseEventName(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
