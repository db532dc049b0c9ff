package export

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/jsonptr"
	"github.com/ledgersink/ledgersink/internal/problem"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/shopspring/decimal"
)

// FECColumns are the 18 columns of the FEC (LPF art. A47 A-1, VII 1°), in
// their legal order and spelling.
var FECColumns = []string{
	"JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
	"CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
	"EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
}

// ErrFEC is matched by a *FECError.
var ErrFEC = errors.New("export: entries do not make a valid FEC")

// FECProblem is one reason the entries cannot be written as a FEC, or a
// warning: Path locates it in the exported documents, "/<document id>" for
// the entry as a whole or "/<document id>/movements/<i>" for its movement i
// (from 0, in the entry's order); Rule is the rule of the French accounting
// rules it breaks ("ECR-02", "FEC-06", ...); Message is for humans (never
// match on it). Err is nil. Error returns "path: message [rule]".
type FECProblem = problem.Field[string]

// FECError lists the problems found in the entries of a FEC export (Fields),
// sorted by path then rule; nothing is written when there is one. Error
// returns "export: FEC: N problem(s):" then one line per problem (the first
// 100; Omitted counts the others); it matches ErrFEC. Has(rule) reports
// whether some problem breaks rule.
type FECError = problem.List[string]

// FECOptions describe the exercise a FEC covers. SIREN, Start and End are
// required.
type FECOptions struct {
	// SIREN is the company's 9-digit SIREN (Luhn-checked). It starts the
	// file name.
	SIREN string
	// Start and End bound the exercise; End is its closing date, in the file
	// name. Every entry must be dated within.
	Start, End period.Date
	// Currency is the accounting currency of Debit and Credit. "" means EUR.
	// Entries in another currency are converted with their rate (rounded to
	// the cent per line, and then checked for balance again), and carry
	// their own amount in Montantdevise and their code in Idevise.
	Currency string
	// ValidDate returns an entry's validation date (ValidDate). Nil means
	// the entry's additionalProducerProperties.accountedAt. An entry without
	// one is not validated, and cannot be in a FEC.
	ValidDate func(*entry.Entry) (period.Date, bool)
	// DropZeroLines leaves out lines whose debit and credit are both zero
	// (as Odoo does) instead of refusing them.
	DropZeroLines bool
	// Auxiliary splits an account number into the general (collective)
	// account and the auxiliary account of a third party, reporting false
	// for an account that is not an auxiliary one. Nil means
	// SplitAuxiliary, the MyUnisoft numbering ("401UBER": general 401,
	// auxiliary UBER).
	Auxiliary func(number string) (general, aux string, ok bool)
	// Exclude reports the validated entries that FEC-10 keeps out of a FEC:
	// those closing the expense and income accounts into the result
	// (classes 6 and 7 to 12) and centralisation entries. Nil means
	// ClosingEntry. Each entry left out is reported to Warn (rule FEC-10).
	Exclude func(*entry.Entry) bool
	// Result, when set, is the exercise's result (a profit positive, a loss
	// negative), against which the file's class 6 and 7 lines are checked
	// (FEC-12): their credits minus their debits must give it. A difference
	// is a warning.
	Result *decimal.Decimal
	// Warn, when set, receives the findings that do not stop the export
	// (warnings, where the DGFiP's FEC checks only warn): a validation date before
	// the entry date (ECR-09), an entry left out (FEC-10), classes 6 and 7
	// not giving FECOptions.Result (FEC-12). Nil drops them.
	Warn func(*FECProblem)
}

// SplitAuxiliary splits the number of a third party's account as MyUnisoft
// writes them, the three digits of the collective root then the auxiliary
// code ("401UBER", "411C0042", "421DUPONT"): it returns the root and the
// code. A number of digits only ("401000") or of another class is a
// general account: ok is false.
func SplitAuxiliary(number string) (general, aux string, ok bool) {
	if len(number) < 4 || number[0] != '4' {
		return "", "", false
	}
	for i := range 3 {
		if number[i] < '0' || number[i] > '9' {
			return "", "", false
		}
	}
	if c := number[3]; c >= '0' && c <= '9' {
		return "", "", false
	}
	return number[:3], number[3:], true
}

// collectiveLabels are the PCG labels of the usual collective roots, the
// CompteLib of the general account of an auxiliary one.
var collectiveLabels = map[string]string{
	"401": "Fournisseurs",
	"403": "Fournisseurs - Effets à payer",
	"404": "Fournisseurs d'immobilisations",
	"408": "Fournisseurs - Factures non parvenues",
	"409": "Fournisseurs débiteurs",
	"411": "Clients",
	"413": "Clients - Effets à recevoir",
	"416": "Clients douteux ou litigieux",
	"418": "Clients - Produits non encore facturés",
	"419": "Clients créditeurs",
	"421": "Personnel - Rémunérations dues",
	"425": "Personnel - Avances et acomptes",
	"467": "Autres comptes débiteurs ou créditeurs",
}

// ClosingEntry reports whether e closes the expense and income accounts
// into the result: it has lines on class 6 or 7 and on a 12x account, and
// no line on any other account. Such entries stay out of a FEC (FEC-10).
func ClosingEntry(e *entry.Entry) bool {
	var incomeExpense, result bool
	for i := range e.Movements {
		n := accountNumber(&e.Movements[i])
		switch {
		case strings.HasPrefix(n, "6"), strings.HasPrefix(n, "7"):
			incomeExpense = true
		case strings.HasPrefix(n, "12"):
			result = true
		default:
			return false
		}
	}
	return incomeExpense && result
}

func accountNumber(m *entry.Movement) string {
	if m.Account == nil {
		return ""
	}
	return deref(m.Account.Number)
}

// FEC writes the Fichier des Écritures Comptables of one exercise: the 18
// columns of FECColumns in order, a header line, tab-separated, lines ending
// with CRLF, UTF-8 without a byte order mark, dates as YYYYMMDD, amounts with
// a decimal comma, two decimals and no thousands separator, Debit and Credit
// always present ("0,00" on the unused side), optional fields blank.
//
// Entries are ordered as the FEC wants (à-nouveaux first, then by validation
// date, entry date and document id) and numbered 1, 2, ... across the file:
// EcritureNum is unique file-wide, with no gap. PieceRef is the first invoice
// number of the entry's lines, or else the entry's producerId; PieceDate is
// the entry's date; EcritureLib the line's description; EcritureLet the code
// of a complete lettering (partial ones are left blank, as the FEC writes
// only complete groups), with DateLet set to the entry's validation date,
// since the model holds no lettering date. A third party's account
// ("401UBER", see FECOptions.Auxiliary) is written as its collective
// account (CompteNum 401, CompteLib its PCG label, or the account's name
// for a root without one) and its auxiliary account (CompAuxNum UBER,
// CompAuxLib the account's name); CompAuxNum and CompAuxLib are blank on
// other lines.
//
// Validated entries that close classes 6 and 7 into the result, or that
// FECOptions.Exclude names, are left out (FEC-10) and reported as warnings.
//
// Before writing anything, Encode checks the rules of the FEC (article A47
// A-1 of the Livre des procédures fiscales, and the DGFiP's test rules)
// that apply to an export, and returns a *FECError listing every problem: at least two lines (ECR-01); balance per
// entry, after conversion (ECR-02); per line, amounts not negative and exactly
// one of debit and credit non-zero (ECR-03); journal code and label, account
// number and label, label, piece reference and validation date present
// (ECR-05); no tab, '|', CR or LF in any text (ECR-06); entry date within the
// exercise (ECR-07, FEC-12); real calendar dates (FEC-05); amounts with at
// most two decimals (FEC-06); account numbers of three digits then letters or
// digits, class 1 to 8 (PCG-01); a known currency with a positive rate when
// foreign (ECR-16); à-nouveaux dated on the first day of the exercise, with
// no line on class 6 or 7 (EXE-07). Since every entry balances, so do the
// file and each journal. A validation date before the entry date (ECR-09)
// and classes 6 and 7 not giving FECOptions.Result (FEC-12) are only
// warnings, given to FECOptions.Warn.
type FEC struct {
	o FECOptions
}

// NewFEC returns a FEC encoder. Errors (matching ErrConfig): a SIREN that is
// not 9 digits passing the Luhn check, invalid dates, a start after the end,
// an unknown currency.
func NewFEC(o FECOptions) (*FEC, error) {
	var problems []string
	if !ValidSIREN(o.SIREN) {
		problems = append(problems, fmt.Sprintf("SIREN %q is not 9 digits passing the Luhn check", o.SIREN))
	}
	if !o.Start.IsValid() || !o.End.IsValid() {
		problems = append(problems, "exercise start and end are required")
	} else if o.Start.After(o.End) {
		problems = append(problems, "exercise starts after it ends")
	}
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if !entry.IsCurrencyCode(o.Currency) {
		problems = append(problems, fmt.Sprintf("unknown currency %q", o.Currency))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: FEC: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return &FEC{o: o}, nil
}

// ValidSIREN reports whether s is a SIREN: 9 ASCII digits passing the Luhn
// check.
func ValidSIREN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := s[8-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Format returns "fec".
func (f *FEC) Format() string { return "fec" }

// Extension returns ".txt".
func (f *FEC) Extension() string { return ".txt" }

// ContentType returns "text/plain; charset=utf-8".
func (f *FEC) ContentType() string { return "text/plain; charset=utf-8" }

// FileName returns the legal name "<SIREN>FEC<closing date YYYYMMDD>.txt".
func (f *FEC) FileName(string) string { return f.o.SIREN + "FEC" + yyyymmdd(f.o.End) + ".txt" }

func yyyymmdd(d period.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// fecLine is one record, its columns formatted.
type fecEntry struct {
	doc     *document.Doc
	e       *entry.Entry
	valid   period.Date
	opening bool
	result  decimal.Decimal // credits minus debits on classes 6 and 7
	lines   [][]string      // 18 columns each, EcritureNum still blank
}

// Encode checks the entries, then writes the FEC. Errors: ErrNotEntry,
// a *FECError (nothing is written), and w's errors.
func (f *FEC) Encode(w io.Writer, docs []*document.Doc) error {
	es, err := entries(docs)
	if err != nil {
		return err
	}
	exclude := f.o.Exclude
	if exclude == nil {
		exclude = ClosingEntry
	}
	problems := problem.Collector[string]{Subject: "export: FEC", Err: ErrFEC}
	var warnings []*FECProblem
	recs := make([]*fecEntry, 0, len(es))
	var result decimal.Decimal
	for i, e := range es {
		if exclude(e) {
			warnings = append(warnings, &FECProblem{Path: jsonptr.Key("", docs[i].ID), Rule: "FEC-10", Message: "left out: a closing or centralisation entry"})
			continue
		}
		r, ps, ws := f.entry(docs[i], e)
		for _, p := range ps {
			problems.Add(p)
		}
		warnings = append(warnings, ws...)
		recs = append(recs, r)
		result = result.Add(r.result)
	}
	if problems.Len() > 0 {
		return problems.Result()
	}
	if f.o.Result != nil && !result.Equal(*f.o.Result) {
		warnings = append(warnings, &FECProblem{Rule: "FEC-12", Message: fmt.Sprintf("classes 6 and 7 give a result of %s, not %s", result.StringFixed(2), f.o.Result.StringFixed(2))})
	}
	if f.o.Warn != nil {
		slices.SortStableFunc(warnings, problem.Compare)
		for _, w := range warnings {
			f.o.Warn(w)
		}
	}
	slices.SortStableFunc(recs, func(a, b *fecEntry) int {
		if a.opening != b.opening {
			if a.opening {
				return -1
			}
			return 1
		}
		return cmp.Or(a.valid.Compare(b.valid), a.e.Date.Compare(b.e.Date), strings.Compare(a.doc.ID, b.doc.ID))
	})
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(FECColumns, "\t") + "\r\n")
	for n, r := range recs {
		num := strconv.Itoa(n + 1)
		for _, cols := range r.lines {
			cols[2] = num
			bw.WriteString(strings.Join(cols, "\t"))
			bw.WriteString("\r\n")
		}
	}
	return bw.Flush()
}

// entry formats one entry's lines and checks them, returning its problems
// and its warnings.
func (f *FEC) entry(d *document.Doc, e *entry.Entry) (*fecEntry, []*FECProblem, []*FECProblem) {
	var ps, ws []*FECProblem
	docPath := jsonptr.Key("", d.ID)
	// line is the movement's number from 1, 0 for the entry as a whole.
	bad := func(line int, rule, format string, args ...any) {
		path := docPath
		if line > 0 {
			path += "/movements/" + strconv.Itoa(line-1)
		}
		ps = append(ps, &FECProblem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	text := func(line int, field, v string, required bool) string {
		if required && strings.TrimSpace(v) == "" {
			bad(line, "ECR-05", "%s is missing", field)
		}
		if strings.ContainsAny(v, "\t|\r\n") {
			bad(line, "ECR-06", "%s holds a tab, '|', CR or LF", field)
		}
		return v
	}
	r := &fecEntry{doc: d, e: e, opening: e.Journal.Type.Code() == "AN"}
	// The entry's header fields, shared by its lines (ECR-04).
	jcode := text(0, "JournalCode", e.Journal.CustomerReferenceCode, true)
	jlib := text(0, "JournalLib", e.Journal.Name, true)
	if !e.Date.IsValid() {
		bad(0, "FEC-05", "entry date %v is not a calendar date", e.Date)
	} else if e.Date.Before(f.o.Start) || e.Date.After(f.o.End) {
		bad(0, "ECR-07", "entry date %s is outside the exercise %s..%s", e.Date, f.o.Start, f.o.End)
	}
	valid, ok := f.validDate(e)
	switch {
	case !ok:
		bad(0, "ECR-05", "the entry is not validated (no validation date)")
	case !valid.IsValid():
		bad(0, "FEC-05", "validation date %v is not a calendar date", valid)
	case valid.Before(e.Date):
		ws = append(ws, &FECProblem{Path: docPath, Rule: "ECR-09", Message: fmt.Sprintf("validated on %s, before its date %s", valid, e.Date)})
	}
	if r.opening && e.Date.IsValid() && e.Date != f.o.Start {
		bad(0, "EXE-07", "à-nouveaux dated %s, not on the first day of the exercise %s", e.Date, f.o.Start)
	}
	r.valid = valid
	pieceRef := e.ProducerID
	for _, m := range e.Movements {
		if m.InvoiceNumber != nil && *m.InvoiceNumber != "" {
			pieceRef = *m.InvoiceNumber
			break
		}
	}
	pieceRef = text(0, "PieceRef", pieceRef, true)
	foreign := e.Currency.Code != f.o.Currency
	rate := decimal.NewFromInt(1)
	if foreign {
		switch {
		case !entry.IsCurrencyCode(e.Currency.Code):
			bad(0, "ECR-16", "unknown currency %q", e.Currency.Code)
		case e.Currency.Rate == nil || !e.Currency.Rate.IsPositive():
			bad(0, "ECR-16", "%s entry without a positive rate to %s", e.Currency.Code, f.o.Currency)
		default:
			rate = *e.Currency.Rate
		}
	}
	var debits, credits decimal.Decimal
	kept := 0
	for i := range e.Movements {
		m := &e.Movements[i]
		line := i + 1
		v := m.Value
		if v.Debit.IsNegative() || v.Credit.IsNegative() {
			bad(line, "ECR-03", "negative debit or credit")
		}
		if !v.Debit.IsZero() && !v.Credit.IsZero() {
			bad(line, "ECR-03", "both a debit and a credit")
		}
		if v.Debit.IsZero() && v.Credit.IsZero() {
			if f.o.DropZeroLines {
				continue
			}
			bad(line, "ECR-03", "debit and credit both zero")
		}
		kept++
		var number, name string
		if m.Account != nil {
			number, name = deref(m.Account.Number), deref(m.Account.Name)
		}
		number = text(line, "CompteNum", number, true)
		if number != "" && !validAccount(number) {
			bad(line, "PCG-01", "account number %q does not start with 3 digits of class 1 to 8", number)
		}
		var auxNum, auxLib string
		if general, aux, ok := f.auxiliary(number); ok {
			auxNum, auxLib = aux, name
			number = general
			if label, ok := collectiveLabels[general]; ok {
				name = label
			}
		}
		incomeExpense := strings.HasPrefix(number, "6") || strings.HasPrefix(number, "7")
		if incomeExpense && r.opening {
			bad(line, "EXE-07", "à-nouveaux on account %s: only classes 1 to 5 are carried forward", number)
		}
		name = text(line, "CompteLib", name, true)
		label := text(line, "EcritureLib", m.Description, true)
		debit, credit := v.Debit, v.Credit
		var devise, idevise string
		if foreign {
			devise, idevise = fecAmount(v.Debit.Sub(v.Credit)), e.Currency.Code
			if v.Debit.Sub(v.Credit).Exponent() < -2 && !v.Debit.Sub(v.Credit).Equal(v.Debit.Sub(v.Credit).Round(2)) {
				bad(line, "FEC-06", "foreign amount %s has more than two decimals", v.Debit.Sub(v.Credit))
			}
			debit, credit = debit.Mul(rate).Round(2), credit.Mul(rate).Round(2)
		}
		for _, a := range []decimal.Decimal{debit, credit} {
			if !a.Equal(a.Round(2)) {
				bad(line, "FEC-06", "amount %s has more than two decimals", a)
			}
		}
		debits, credits = debits.Add(debit), credits.Add(credit)
		if incomeExpense {
			r.result = r.result.Add(credit).Sub(debit)
		}
		var let, dateLet string
		if m.Lettering.State() == lettering.StateComplete {
			let = text(line, "EcritureLet", m.Lettering.Code(), false)
			dateLet = yyyymmdd(valid)
		}
		r.lines = append(r.lines, []string{
			jcode, jlib, "", yyyymmdd(e.Date), number, name, auxNum, auxLib, pieceRef, yyyymmdd(e.Date), label,
			fecAmount(debit), fecAmount(credit), let, dateLet, yyyymmdd(valid), devise, idevise,
		})
	}
	if kept < 2 {
		bad(0, "ECR-01", "%d line(s): an entry needs at least two", kept)
	}
	if !debits.Equal(credits) {
		msg := "debits %s and credits %s do not balance"
		if foreign {
			msg += " after conversion to " + f.o.Currency
		}
		bad(0, "ECR-02", msg, debits, credits)
	}
	return r, ps, ws
}

func (f *FEC) auxiliary(number string) (general, aux string, ok bool) {
	if f.o.Auxiliary != nil {
		return f.o.Auxiliary(number)
	}
	return SplitAuxiliary(number)
}

func (f *FEC) validDate(e *entry.Entry) (period.Date, bool) {
	if f.o.ValidDate != nil {
		return f.o.ValidDate(e)
	}
	if p := e.AdditionalProducerProperties; p != nil && p.AccountedAt != nil {
		return *p.AccountedAt, true
	}
	return period.Date{}, false
}

// validAccount reports whether n matches the XSD's [0-9]{3}[0-9a-zA-Z]*,
// with a first digit of class 1 to 8.
func validAccount(n string) bool {
	if len(n) < 3 || n[0] < '1' || n[0] > '8' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		digit := c >= '0' && c <= '9'
		if i < 3 && !digit {
			return false
		}
		if !digit && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// fecAmount formats d with two decimals and a decimal comma: "1200,00",
// "-15,50".
func fecAmount(d decimal.Decimal) string {
	return strings.Replace(d.StringFixed(2), ".", ",", 1)
}

// Companion implements [Companion]: the description (see [FEC.Description])
// is written beside the FEC as "<file name without .txt>-description.txt".
func (f *FEC) Companion(name string) (string, []byte) {
	return strings.TrimSuffix(name, ".txt") + "-description.txt", []byte(f.Description())
}

// Description returns the description that must accompany a FEC (LPF art.
// A47 A-1, XI; rule FEC-13): its fields, encoding, separator and structure,
// as plain text.
func (f *FEC) Description() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Fichier des écritures comptables %s\n", f.FileName(""))
	fmt.Fprintf(&b, "SIREN %s, exercice du %s au %s, monnaie de tenue %s.\n", f.o.SIREN, f.o.Start, f.o.End, f.o.Currency)
	b.WriteString("Fichier à plat, enregistrements de longueur variable séparés par CR LF, zones séparées par une tabulation,\n")
	b.WriteString("jeu de caractères UTF-8 sans BOM, première ligne = noms des zones.\n")
	b.WriteString("Dates au format AAAAMMJJ; montants en base 10, virgule décimale, deux décimales, sans séparateur de milliers.\n")
	b.WriteString("Écritures validées de l'exercice, à-nouveaux et inventaire compris; écritures de clôture des comptes de charges et de produits exclues.\n")
	b.WriteString("EcritureNum: numérotation continue, unique dans le fichier, à-nouveaux en premier puis ordre de validation.\n")
	b.WriteString("PieceRef: premier numéro de facture des lignes, à défaut l'identifiant de l'écriture.\n")
	b.WriteString("Comptes de tiers: CompteNum = compte collectif (racine), CompAuxNum = code auxiliaire, CompAuxLib = nom du compte.\n")
	b.WriteString("EcritureLet: code des lettrages complets; DateLet: date de validation de l'écriture.\n")
	b.WriteString("Montantdevise/Idevise: montant signé (débit positif) et code ISO 4217 des écritures en devise.\n")
	b.WriteString("Zones:\n")
	for i, c := range FECColumns {
		fmt.Fprintf(&b, "%2d %s\n", i+1, c)
	}
	return b.String()
}
