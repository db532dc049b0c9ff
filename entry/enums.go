package entry

import (
	"slices"
	"strconv"
)

// The enumerations of this file are open: a value outside them decodes
// without error and keeps its text, and validation reports it under a rule
// the caller may skip or turn into a warning (see [ValidateOptions]), because
// producers add values over time ("à ce jour") and their documents disagree
// on some spellings.

// JournalKind is the type of a journal as an entry names it: its label
// ("Achat"), written as a JSON string. [JournalKind.Code] gives MyUnisoft's
// internal code ("ACH"). The sink's journal payloads number journal types
// instead (1 for purchases): that is the sink package's JournalType.
type JournalKind string

// The journal types of the MyUnisoft specification (TypeJournal).
const (
	JournalPurchase        JournalKind = "Achat"             // ACH: purchases; no 41x accounts
	JournalSales           JournalKind = "Vente"             // VTE: sales; no 40x accounts
	JournalBank            JournalKind = "Banque"            // BQ: bank; holds a 51x account
	JournalCash            JournalKind = "Caisse"            // CAISSE: cash; holds a 53x account
	JournalMisc            JournalKind = "OD"                // OD: miscellaneous operations
	JournalAudit           JournalKind = "OD Audit"          // OD_AUDIT
	JournalToReverse       JournalKind = "À extourner"       // A_EXT: reversed into Extourne
	JournalReversal        JournalKind = "Extourne"          // EXT
	JournalOpening         JournalKind = "À Nouveaux"        // AN: opening balances
	JournalPayroll         JournalKind = "OD Paie"           // OD_PAIE
	JournalLettering       JournalKind = "OD Lettrage"       // OD_LET
	JournalExpenseReport   JournalKind = "Note de Frais"     // NFD
	JournalVAT             JournalKind = "OD TVA"            // OD_DECL_FISCALE
	JournalOffBook         JournalKind = "OD Extracomptable" // OD_EXC: situation entries
	JournalBalanceTakeover JournalKind = "Reprise Balance"   // RBAL
)

// journalCodes maps every known label, including the variants seen in the
// producer's schema and examples, to the internal code.
var journalCodes = map[JournalKind]string{
	JournalPurchase:        "ACH",
	JournalSales:           "VTE",
	JournalBank:            "BQ",
	"BANQUE":               "BQ", // Bank.journal.type
	JournalCash:            "CAISSE",
	JournalMisc:            "OD",
	JournalAudit:           "OD_AUDIT",
	"OD Simulation":        "OD_SIMU", // schema.json only
	JournalToReverse:       "A_EXT",
	"A Extourner":          "A_EXT", // schema.json spelling
	JournalReversal:        "EXT",
	JournalOpening:         "AN",
	"A Nouveaux":           "AN", // schema.json spelling
	JournalPayroll:         "OD_PAIE",
	JournalLettering:       "OD_LET",
	JournalExpenseReport:   "NFD",
	"Note de frais":        "NFD", // Postman spelling
	JournalVAT:             "OD_DECL_FISCALE",
	JournalOffBook:         "OD_EXC",
	JournalBalanceTakeover: "RBAL",
}

// Valid reports whether t is a known journal type label: one of the
// constants, or a variant spelling seen in the producer's documents ("A
// Nouveaux", "Note de frais", "OD Simulation", "BANQUE").
func (t JournalKind) Valid() bool { _, ok := journalCodes[t]; return ok }

// String returns the label.
func (t JournalKind) String() string { return string(t) }

// Code returns the internal code of a known label ("Achat" → "ACH"), or ""
// for an unknown one.
func (t JournalKind) Code() string { return journalCodes[t] }

// EntryType is the type of an entry in the accounting application, as a
// sink's entry event numbers it (Cegid Loop écriture "type"). The set is
// open: budget and other entries carry other numbers, which decode and
// encode unchanged.
type EntryType int

// The entry types the platform names.
const (
	EntryGeneral EntryType = 1 // générale: validated, in the accounts
	EntryOpening EntryType = 5 // à-nouveau: opening balance, in the accounts
	EntryDraft   EntryType = 7 // brouillard: a draft, e.g. not yet validated from the accounting robot
)

// Valid reports whether t is one of the named types: general, opening or
// draft.
func (t EntryType) Valid() bool { return t == EntryGeneral || t == EntryOpening || t == EntryDraft }

// Visible reports whether entries of type t are in the accounts, as the
// accounting application shows them: general (1) and opening (5) entries.
func (t EntryType) Visible() bool { return t == EntryGeneral || t == EntryOpening }

// String returns "general", "opening" or "draft" for a named type, and
// "EntryType(n)" for another.
func (t EntryType) String() string {
	switch t {
	case EntryGeneral:
		return "general"
	case EntryOpening:
		return "opening"
	case EntryDraft:
		return "draft"
	}
	return "EntryType(" + strconv.Itoa(int(t)) + ")"
}

// SourceCode is the code of an entry's source
// (additionalProducerProperties.source.name).
type SourceCode string

// The 29 entry sources of MyUnisoft's entry model, with their labels in comments.
const (
	SourceEntry          SourceCode = "E"          // Saisie
	SourceManual         SourceCode = "M"          // Manuel
	SourceOCR            SourceCode = "O"          // OCR
	SourceReversal       SourceCode = "EXT"        // Extourne
	SourceLettering      SourceCode = "L"          // Lettrage
	SourceBankIntegrate  SourceCode = "IB"         // Integration bancaire
	SourcePayroll        SourceCode = "P"          // OD Paie
	SourceOpening        SourceCode = "AN"         // A nouveau
	SourceVAT            SourceCode = "OD_TVA"     // OD TVA
	SourceCorporateTax   SourceCode = "OD_CALC_IS" // OD Calcul IS
	SourceDifference     SourceCode = "OD_ECART"   // OD Ecart
	SourceBankDeposit    SourceCode = "REM_BQ"     // Remise en banque
	SourceCFONBManual    SourceCode = "RB_MANUEL"  // Fichier CFONB manuel
	SourceWorksheet      SourceCode = "WORKSHEET"  // Worksheet (feuille de travail)
	SourceQuadra         SourceCode = "QUADRA"     // Import QUADRA
	SourceCegid          SourceCode = "CEGID"      // Import CEGID
	SourceACD            SourceCode = "ACD"        // Import ACD
	SourceFEC            SourceCode = "FEC"        // Import FEC
	SourceExcel          SourceCode = "EXCEL"      // Import Excel
	SourceJeDeclare      SourceCode = "RB_JDC"     // JeDeclare
	SourceQonto          SourceCode = "RB_QT"      // Qonto
	SourceSoBank         SourceCode = "RB_SB"      // SoBank
	SourceFTP            SourceCode = "RB_FTP"     // FTP
	SourceRetriever      SourceCode = "RTVR"       // Retriever
	SourceQuickbooks     SourceCode = "QUICK"      // Quickbooks
	SourceSubscription   SourceCode = "ABO"        // Abonnement
	SourceDirectDebit    SourceCode = "PRLV_SEPA"  // Prélèvement SEPA
	SourceCreditTransfer SourceCode = "VIRT_SEPA"  // Virement SEPA
	SourceAPI            SourceCode = "API"        // API (+ source.thirdParty)
)

var sources = []struct {
	code  SourceCode
	label string
}{
	{SourceEntry, "Saisie"},
	{SourceManual, "Manuel"},
	{SourceOCR, "OCR"},
	{SourceReversal, "Extourne"},
	{SourceLettering, "Lettrage"},
	{SourceBankIntegrate, "Integration bancaire"},
	{SourcePayroll, "OD Paie"},
	{SourceOpening, "A nouveau"},
	{SourceVAT, "OD TVA"},
	{SourceCorporateTax, "OD Calcul IS"},
	{SourceDifference, "OD Ecart"},
	{SourceBankDeposit, "Remise en banque"},
	{SourceCFONBManual, "Fichier CFONB manuel"},
	{SourceWorksheet, "Worksheet (feuille de travail)"},
	{SourceQuadra, "Import QUADRA"},
	{SourceCegid, "Import CEGID"},
	{SourceACD, "Import ACD"},
	{SourceFEC, "Import FEC"},
	{SourceExcel, "Import Excel"},
	{SourceJeDeclare, "JeDeclare"},
	{SourceQonto, "Qonto"},
	{SourceSoBank, "SoBank"},
	{SourceFTP, "FTP"},
	{SourceRetriever, "Retriever"},
	{SourceQuickbooks, "Quickbooks"},
	{SourceSubscription, "Abonnement"},
	{SourceDirectDebit, "Prélèvement SEPA"},
	{SourceCreditTransfer, "Virement SEPA"},
	{SourceAPI, "API"},
}

// SourceCodes returns the 29 known source codes in the order of MyUnisoft's
// documentation.
// The caller owns the returned slice.
func SourceCodes() []SourceCode {
	out := make([]SourceCode, len(sources))
	for i, s := range sources {
		out[i] = s.code
	}
	return out
}

// Valid reports whether c is one of the 29 known source codes.
func (c SourceCode) Valid() bool { return c.Label() != "" }

// Label returns the French label of a known code ("FEC" → "Import FEC"), or
// "" for an unknown one.
func (c SourceCode) Label() string {
	for _, s := range sources {
		if s.code == c {
			return s.label
		}
	}
	return ""
}

// PaymentCode is the code of a payment method. Producers write either the
// internal code (CB, VIRT, ESP, CHQ, PRLV, LCR) or its TRA form (CB, VIR, ESP,
// CHQ, PRE, LCR); both are valid.
type PaymentCode string

// Payment codes.
const (
	PaymentCard         PaymentCode = "CB"   // Carte bleue
	PaymentTransfer     PaymentCode = "VIRT" // Virement
	PaymentCash         PaymentCode = "ESP"  // Espèce
	PaymentCheque       PaymentCode = "CHQ"  // Chèque
	PaymentDirectDebit  PaymentCode = "PRLV" // Prélèvement
	PaymentBillOfExch   PaymentCode = "LCR"  // Lettre de change
	PaymentTransferTRA  PaymentCode = "VIR"  // Virement, TRA code
	PaymentDirectDbtTRA PaymentCode = "PRE"  // Prélèvement, TRA code
)

// Valid reports whether c is one of the eight payment codes.
func (c PaymentCode) Valid() bool {
	switch c {
	case PaymentCard, PaymentTransfer, PaymentCash, PaymentCheque, PaymentDirectDebit,
		PaymentBillOfExch, PaymentTransferTRA, PaymentDirectDbtTRA:
		return true
	}
	return false
}

// TRA returns the code in the TRA format, with the producer's mapping:
// PRLV → PRE, VIRT → VIR, CB, CHQ, ESP, LCR, PRE and VIR unchanged, and
// anything else → CHQ.
func (c PaymentCode) TRA() PaymentCode {
	switch c {
	case PaymentDirectDebit:
		return PaymentDirectDbtTRA
	case PaymentTransfer:
		return PaymentTransferTRA
	case PaymentCard, PaymentCash, PaymentCheque, PaymentBillOfExch, PaymentTransferTRA, PaymentDirectDbtTRA:
		return c
	}
	return PaymentCheque
}

// AttachmentType says what an attachment's value holds.
type AttachmentType string

// Attachment types.
const (
	AttachmentURL    AttachmentType = "URL"    // a link; preferred for export
	AttachmentFile   AttachmentType = "File"   // a path relative to a .zip archive
	AttachmentBase64 AttachmentType = "Base64" // the content, for import
)

// Valid reports whether t is URL, File or Base64.
func (t AttachmentType) Valid() bool {
	return t == AttachmentURL || t == AttachmentFile || t == AttachmentBase64
}

// IsCurrencyCode reports whether code is an ISO 4217 alphabetic code that
// an accounting record kept today may hold: the active codes of list one
// as amended up to 2025 ("EUR", "USD", "XOF", XCG and ZWG included), fund
// codes (BOV, CLF, ...) and metals (XAU, ...), and the codes withdrawn in
// the last ten years, the legal retention of accounting records (BGN, BYR,
// CUC, HRK, MRO, SLL, STD, VEF, ZWL), but not XTS (testing) nor XXX (no
// currency). The check is case-sensitive.
//
// The list was checked against Debian's iso-codes 4.15.0 (2023), which
// lacks only the codes added since (XCG, ZWG).
func IsCurrencyCode(code string) bool {
	_, ok := slices.BinarySearch(currencyCodes, code)
	return ok && len(code) == 3
}

// currencyCodes is sorted for binary search (a test checks it).
var currencyCodes = []string{
	"AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN",
	"BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV",
	"BRL", "BSD", "BTN", "BWP", "BYN", "BYR", "BZD", "CAD", "CDF", "CHE",
	"CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
	"CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
	"FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
	"HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR",
	"ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
	"KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD",
	"MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRO", "MRU", "MUR", "MVR",
	"MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR",
	"NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
	"RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
	"SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STD", "STN", "SVC", "SYP",
	"SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
	"UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VEF",
	"VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC",
	"XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XUA",
	"YER", "ZAR", "ZMW", "ZWG", "ZWL",
}
