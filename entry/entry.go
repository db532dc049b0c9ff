package entry

import (
	"time"

	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// An Entry is an accounting entry (écriture comptable): a dated group of
// movements in one journal and one currency, whose debits and credits
// balance. Its JSON form is the Entry of MyUnisoft's public API (MAD), with the
// keys in this order: producerId, attachments, date, dueDate, journal,
// currency, movements, additionalProducerProperties; the fields of a sink's
// entry event (etablissement_id, type, validation) come first when set.
//
// The zero Entry is not valid (it has no id, date, journal or movements);
// build one field by field, or decode one with [encoding/json] (see
// [Entry.UnmarshalJSON]). An Entry is a plain value: copying it copies the
// slices' and maps' headers, not their contents, so copies share movements
// and attachments. Reading an Entry from several goroutines is safe;
// writing it while others read is not.
type Entry struct {
	// ProducerID is the entry's id in the producing system (a numeric
	// string at MyUnisoft). It may change when a draft entry is validated;
	// AdditionalProducerProperties.PartnerMetadata.PartnerID is the stable
	// partner-side identity. Required.
	ProducerID string
	// Attachments are the entry's documents keyed by file name. A nil map
	// is written as {}.
	Attachments map[string]Attachment
	// Date is the official date of the entry or of its document. Required.
	Date period.Date
	// DueDate is the payment due date, nil when there is none (JSON null).
	DueDate *period.Date
	// Journal is the journal the entry is booked in. Required.
	Journal Journal
	// Currency is the entry's currency. Required.
	Currency Currency
	// Movements are the entry's lines; at least two, balanced.
	Movements []Movement
	// AdditionalProducerProperties holds the producer's extras (source,
	// partner metadata, comments, timestamps); nil when the document has
	// none, and then the key is omitted on output.
	AdditionalProducerProperties *EntryAdditionalProducerProps

	// BranchID, Type and Validation are the fields that a sink's entry
	// event (Cegid Loop écriture) carries beside the entry; they are zero in
	// other documents. Each is omitted on output when zero (nil), and
	// written first otherwise, as the sink does.

	// BranchID is the id of the company's branch (JSON key
	// "etablissement_id"), "" when absent or null.
	BranchID string
	// Type is the entry's type in the accounting application (JSON key
	// "type"): [EntryGeneral], [EntryOpening], [EntryDraft] or another
	// number; 0 when absent. See [EntryType.Visible].
	Type EntryType
	// Validation is the entry's validation status (JSON key "validation"),
	// 4 once integrated in the accounts; nil when absent or null. The
	// platform deprecates it in favour of Type.
	Validation *int
}

// A Movement is one line of an entry (mouvement, ligne d'écriture). Its JSON
// keys are, in order: producerId, description, value, dueDate, lettering,
// freeNumber, invoiceNumber, attachments, account, payment, analytics, and
// additionalProducerProperties when present.
type Movement struct {
	// ProducerID is the line's id in the producing system. Required.
	ProducerID string
	// Description is the line's label (libellé).
	Description string
	// Value holds the line's credit, debit and signed amount.
	Value MovementValue
	// DueDate is the line's due date, nil when there is none (JSON null).
	DueDate *period.Date
	// Lettering is the line's lettering; the zero value is not lettered.
	Lettering lettering.Lettering
	// FreeNumber is the "numéro libre" (cheque or transfer number), nil
	// when there is none.
	FreeNumber *string
	// InvoiceNumber is the invoice number, nil when there is none.
	InvoiceNumber *string
	// Attachments are the line's documents keyed by file name. A nil map is
	// written as {}.
	Attachments map[string]Attachment
	// Account is the account the line is posted to, nil when unknown.
	Account *SimplifiedAccount
	// Payment is the line's payment method, nil when there is none.
	Payment *Payment
	// Analytics is the line's analytical breakdown, one item per axis. A
	// nil slice is written as [].
	Analytics []MovementAnalytics
	// AdditionalProducerProperties holds a line comment in older
	// documents (MAD schema.json); nil, and omitted on output, otherwise.
	AdditionalProducerProperties *MovementAdditionalProducerProps
}

// MovementValue holds the amounts of a movement, in major units (euros, not
// cents), written on the wire as plain JSON numbers that keep their digits
// ("credit": 1200, "debit": 12.50).
//
// The rules (see [Entry.Validate]): Debit and Credit are never negative, at
// most one of them is non-zero, and Amount = Credit − Debit, so a credit is
// positive and a debit negative.
type MovementValue struct {
	Credit decimal.Decimal
	Debit  decimal.Decimal
	Amount decimal.Decimal
}

// NewDebit returns the value of a line debiting d: Debit d, Credit 0,
// Amount −d. It does not check the sign of d.
func NewDebit(d decimal.Decimal) MovementValue {
	return MovementValue{Debit: d, Amount: d.Neg()}
}

// NewCredit returns the value of a line crediting c: Credit c, Debit 0,
// Amount c. It does not check the sign of c.
func NewCredit(c decimal.Decimal) MovementValue {
	return MovementValue{Credit: c, Amount: c}
}

// MovementAdditionalProducerProps is the producer's extra data on a
// movement: a comment.
type MovementAdditionalProducerProps struct {
	Comment string
}

// Journal is the journal of an entry, as embedded in it.
type Journal struct {
	// ProducerID is the journal's id in the producing system. Required.
	ProducerID string
	// CustomerReferenceCode is the journal code chosen by the folder's
	// manager ("AC", "01"): 2 to 4 ASCII letters or digits.
	CustomerReferenceCode string
	// Name is the journal's name ("ACHATS"). Required.
	Name string
	// Type is the journal type label ("Achat"); see [JournalKind].
	Type JournalKind
}

// Currency is the currency of an entry.
type Currency struct {
	// Code is the ISO 4217 alphabetic code ("EUR"); see [IsCurrencyCode].
	Code string
	// Rate is the conversion rate to the entry's target currency; nil when
	// absent, and then the key is omitted on output.
	Rate *decimal.Decimal
}

// SimplifiedAccount is an account as referenced by a movement.
type SimplifiedAccount struct {
	// ProducerID is the account's id in the producing system.
	ProducerID string
	// Number is the account number ("6010000000"), nil when unknown.
	Number *string
	// Name is the account's label, nil when unknown.
	Name *string
}

// Payment is the payment method of a movement.
type Payment struct {
	// ProducerID is the payment method's id in the producing system.
	ProducerID string
	// Name is the method's label ("Virement"), nil when unknown.
	Name *string
	// Code is the method's code ("VIRT" or its TRA form "VIR"), nil when
	// unknown; see [PaymentCode].
	Code *PaymentCode
}

// MovementAnalytics is the breakdown of a movement on one analytical axis.
type MovementAnalytics struct {
	// ProducerID is the axis id. Required.
	ProducerID string
	// Code is the axis code ("AXE1").
	Code string
	// Name is the axis label.
	Name string
	// Sections share the movement's amount on this axis: their rates sum to
	// 100 and their amounts to the movement's absolute amount. A nil slice
	// is written as [].
	Sections []AnalyticSection
}

// AnalyticSection is the share of a movement assigned to one analytical
// section. Amount is unsigned, in the movement's currency; Rate is a
// percentage (100 for the whole line).
type AnalyticSection struct {
	ProducerID string
	Amount     decimal.Decimal
	Rate       decimal.Decimal
	Code       string
	Name       string
}

// EntryAdditionalProducerProps holds the producer's extras on an entry. Its
// JSON keys are, in order: createdAt, accountedAt, source, partnerMetadata,
// comment, then publishingDestination, comments and validationDate when
// present.
type EntryAdditionalProducerProps struct {
	// CreatedAt is when the entry was stored by the producer, in Unix
	// seconds; zero when absent (the key is then omitted).
	CreatedAt UnixTime
	// AccountedAt is when the entry was validated (entered in the
	// application) or its original date (imported); nil when absent (the key
	// is then omitted).
	AccountedAt *period.Date
	// Source tells where the entry comes from.
	Source Source
	// PartnerMetadata is the partner's own reference, nil when none (null).
	PartnerMetadata *PartnerMetadata
	// PublishingDestination is undocumented; nil when absent (omitted).
	PublishingDestination *string
	// Comment is the entry's comment, nil when none (null).
	Comment *string
	// Comments are the entry's comment thread; nil when absent (omitted).
	Comments []Comment
	// ValidationDate is the validation date as the producer writes it (its
	// format is undocumented); nil when absent or null (then omitted).
	ValidationDate *string
}

// UnixTime is an instant in whole seconds since 1970-01-01T00:00:00Z, as in
// createdAt. The zero value means "absent".
type UnixTime int64

// UnixTimeOf returns t truncated to the second.
func UnixTimeOf(t time.Time) UnixTime { return UnixTime(t.Unix()) }

// Time returns the instant in UTC.
func (u UnixTime) Time() time.Time { return time.Unix(int64(u), 0).UTC() }

// Source tells where an entry comes from.
type Source struct {
	// Name is the source code ("API", "FEC", ...); see [SourceCode].
	Name SourceCode
	// PartnerApp is the partner application that sent the entry through
	// the API (JSON key "thirdParty"): set for the API source, nil
	// otherwise.
	PartnerApp *PartnerApp
}

// PartnerApp identifies the partner application (software, not a third
// party of the accounts) that produced an entry through the API.
type PartnerApp struct {
	Name string // "Evoliz"
	Code string // "EVOL"
}

// PartnerMetadata is a partner's own reference to an entry.
type PartnerMetadata struct {
	// PartnerID is the partner's id of the entry, stable for its life.
	PartnerID string
	// JSON is an opaque string the partner stored, nil when none.
	JSON *string
}

// Comment is one comment of an entry's thread (SimplifiedComment).
type Comment struct {
	// Date is the comment's date as the producer writes it: DD-MM-YYYY
	// ("31-12-2024"). See [Comment.Day].
	Date    string
	Comment string
	User    CommentUser
}

// Day parses Date, written DD-MM-YYYY. The error is a *[period.DateError]
// matching [period.ErrInvalidDate].
func (c Comment) Day() (period.Date, error) {
	s := c.Date
	if len(s) != 10 || s[2] != '-' || s[5] != '-' {
		return period.Date{}, &period.DateError{Input: s, Reason: "not DD-MM-YYYY"}
	}
	d, err := period.ParseDate(s[6:] + "-" + s[3:5] + "-" + s[:2])
	if err != nil {
		return period.Date{}, &period.DateError{Input: s, Reason: "not a calendar date"}
	}
	return d, nil
}

// CommentUser is the author of a comment.
type CommentUser struct {
	ProducerID string
	FirstName  string
	LastName   string
}

// Attachment is a document attached to an entry or a movement. In JSON,
// attachments are an object keyed by file name:
//
//	"attachments": {"document.pdf": {"type": "URL", "value": "https://..."}}
type Attachment struct {
	// Type says what Value holds; see [AttachmentType].
	Type AttachmentType
	// Value is a URL (URL), a path relative to the archive (File) or the
	// file's content in standard base64 (Base64).
	Value string
}
