// Package entry holds the accounting entry model of MyUnisoft's public
// API (MAD 1.0.0): [Entry], [Movement], [Journal], [Currency],
// [SimplifiedAccount], [Attachment], [MovementAnalytics], [Payment] and
// [EntryAdditionalProducerProps]; their exact JSON encoding; and their
// validation.
//
// An entry is a dated group of movements (lines) in one journal and one
// currency. Each movement carries a credit, a debit and a signed amount
// (amount = credit − debit), a lettering, an optional account, payment
// method and analytical breakdown. Decoding then encoding a document gives
// the same JSON value:
//
//	var e entry.Entry
//	if err := json.Unmarshal(data, &e); err != nil { ... } // structural problems
//	if err := e.Validate(nil); err != nil { ... }          // rules
//	out, err := json.Marshal(e)                            // same JSON value as data
//
// # Encoding
//
// Keys are written in the order of MyUnisoft's documentation (producerId, attachments, date,
// dueDate, journal, currency, movements, additionalProducerProperties; for
// a movement: producerId, description, value, dueDate, lettering,
// freeNumber, invoiceNumber, attachments, account, payment, analytics).
// Nullable values are pointers: nil is written as null. Optional keys of
// the producer's extras (createdAt, accountedAt, publishingDestination,
// comments, validationDate, a movement's additionalProducerProperties, a
// currency's rate) are omitted when nil or zero; for these keys null and
// absent read the same. Attachments are maps keyed by file name, written in
// sorted order; nil maps and slices are written as {} and [].
//
// Closed objects (entry, movement, attachment, currency, account, payment,
// lettering, comment) reject unknown keys ([ErrUnknownField]); the others
// (journal, value, analytics axis and section, additionalProducerProperties,
// source, partnerMetadata) accept and drop them, as the producer's schema
// does, so such keys do not survive a round trip. A key repeated in one
// object, at any depth, is a problem ([ErrDuplicateKey]): the first value
// stands, where encoding/json would keep the last.
//
// Decoding and encoding are hand-written (no reflection) and share the rules
// above with the embedded schema; calling [Entry.UnmarshalJSON] directly
// skips the validity scan encoding/json runs first.
//
// # Amounts
//
// Amounts are [decimal.Decimal] values in major units (euros, not cents),
// never floats. On the wire they are plain JSON numbers that keep their
// digits: 1200 stays 1200, 12.50 stays 12.50 (the decimal's exponent
// records the two places), 1e3 becomes 1000. This is done by this package's
// own encoder: no global setting of the decimal package is read or changed,
// and [decimal.Decimal.String] output is never used on the wire. Compare
// amounts with Equal or Cmp, never ==. An amount has at most 40 significant
// digits and an exponent within ±30; others are rejected with [ErrNumber],
// when read and when written. [ParseAmount] and [AppendAmount] are this
// codec, for the other amounts and rates of the SDK (the sink's payloads use
// them). [NewDebit] and [NewCredit] build a [MovementValue] with the right sign.
//
// # Dates
//
// Dates are civil dates ([period.Date], YYYY-MM-DD); a date that is not a
// real calendar day ("2023-02-30") is a problem ([ErrDate]). createdAt is
// Unix seconds ([UnixTime]); comment dates are DD-MM-YYYY strings
// ([Comment.Day]).
//
// # Validation
//
// There are two paths, and they check the same things.
//
// The typed path is [Parse] for raw JSON (decode, then validate), or
// json.Unmarshal then [Entry.Validate] on a value. Decoding checks the
// structure: JSON types, required keys, unknown and repeated keys, dates,
// lettering shape. Validate checks values and business rules: non-empty ids, journal
// code (2 to 4 letters or digits), ISO 4217 currency ([IsCurrencyCode]),
// known enumeration values, balance (Σ debit = Σ credit), amount = credit −
// debit, never both a debit and a credit, no negative debit, credit, section
// amount or rate, at least two movements, per analytical axis rates summing
// to 100 and section amounts to the line's absolute amount, a partner
// application for the API source, well-formed Base64 attachments, a positive currency
// rate and, when [ValidateOptions.InScope] is given, an entry date inside
// the period (an exercise, an initialization scope).
//
// The schema path is [ValidateJSON]: the embedded JSON Schemas
// ([EntrySchema], [MovementSchema] and the lettering package's schema,
// draft-07, compiled once, never loading anything from the network) plus the
// typed path's business rules, in one report. A JSON Schema cannot check
// the balance or amount = credit − debit, and it costs about ten times the
// typed path, so the schema path is an opt-in cross-check; a test runs
// both paths over every fixture and many broken variants and checks they
// agree on what is valid.
//
// Enumerations are open: an unknown journal type, entry source, payment
// code or attachment type decodes, keeps its text, and is reported under
// its own rule ([RuleJournalType], [RuleSource], [RulePaymentCode],
// [RuleAttachmentType]). List rules in [ValidateOptions.Skip] to ignore
// them, or set [ValidateOptions.Warn] to receive them as warnings. Known
// variant spellings of the producer's documents ("A Nouveaux", "Note de
// frais", the TRA payment codes VIR and PRE) are valid.
//
// # Errors
//
// Decoding, [Parse], [Entry.Validate] and [ValidateJSON] return nil or a
// *[ValidationError] listing the problems, never only the first. Each
// problem is a *[FieldError] with a JSON Pointer Path ("/movements/2/value/
// amount"), a stable [Rule] code ("balanced", or "schema/<keyword>" for the
// schema's own findings), a Message for humans and the rule's sentinel in
// Err. Problems are sorted by path (array indexes numerically, before
// names) then rule; the first 100 are listed (see
// [ValidateOptions.MaxProblems]) and the others counted in Omitted.
// Match them with errors.Is on the sentinels (ErrUnbalanced, ErrAmount,
// ErrDate, ...; see [Rules] and [Rule.Err]) or on their Rule, never on the
// message:
//
//	if errors.Is(err, entry.ErrUnbalanced) { ... }
//	var ve *entry.ValidationError
//	if errors.As(err, &ve) {
//		for _, f := range ve.Fields {
//			fmt.Println(f.Path, f.Rule, f.Message)
//		}
//	}
//
// Date problems also match [period.ErrInvalidDate] and lettering problems
// [lettering.ErrInvalid].
//
// # Concurrency
//
// Entries are plain values: reading one from several goroutines is safe,
// writing while others read is not. Every function of the package is safe
// for concurrent use; the compiled schema is immutable.
package entry
