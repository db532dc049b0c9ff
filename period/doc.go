// Package period holds the calendar side of accounting data: civil dates,
// an entity's accounting periods (exercises and situations), and the
// synchronization scope that the sink's initialization rules derive from
// them.
//
// It imports only the standard library, so every other package of the SDK
// may use it.
//
// # Dates
//
// [Date] is a civil date (year, month, day) with no time of day and no time
// zone, written YYYY-MM-DD everywhere on the wire. [ParseDate] accepts
// exactly that layout, years 0001 to 9999, and days that exist: it never
// normalises 2023-02-30 into March, and it rejects "2023-1-01", "+2023-01-01",
// surrounding spaces and trailing text. Errors are *[DateError] values
// matching [ErrInvalidDate]. Parsing, [Date.UnmarshalJSON],
// [Date.UnmarshalText] and [Date.AppendText] do not allocate, because entry
// decoding calls them millions of times. Encoding an invalid Date (including
// the zero Date) fails rather than write an impossible date; use *Date or
// the omitzero option for optional dates.
//
//	d, err := period.ParseDate("2024-01-31")
//	next := d.AddDays(1)              // 2024-02-01
//	day := period.DateOf(t.In(paris)) // the day a Paris clock shows at instant t
//	midnight := d.In(paris)           // back to a time.Time
//
// # Periods
//
// A [Period] is either an exercise ([KindExercise]: a complete accounting
// period, typically a year, open or closed) or a situation ([KindSituation]:
// an interim period inside an exercise, such as a month or a quarter). Start
// and End are both included. [NewExercise] and [NewSituation] validate what
// they build; periods decoded from JSON are checked by [Period.Validate] or,
// with the rules between periods, by [Calendar.Validate].
//
// A [Calendar] is all the periods of one entity. It is valid when every
// period is well formed, ids are unique, no two exercises share a day, and
// every situation lies inside exactly one exercise (a situation straddling
// two exercises is rejected). Gaps between exercises and unusual durations,
// such as a first exercise of 18 months, are allowed.
//
// # Initialization scope
//
// When a sink is initialized for an entity, [Calendar.Scope] decides which
// dated data is sent, following the Cegid Loop rules:
//
//   - The initialized exercises are every open exercise, plus the most recent
//     closed exercise (the one that ends last), plus every exercise created
//     after initialization.
//   - The situations inside the initialized exercises are synchronized.
//   - The scope is the union of the initialized exercises' date ranges.
//     Entries of any type (balance-sheet or situation entries) dated inside
//     it are sent; entries of older closed exercises never are. A year
//     without an exercise between two initialized exercises stays outside.
//
// With 2024 open and 2023 and 2022 closed, the scope is
// 2023-01-01..2024-12-31 and nothing of 2022 is sent. With 2021 and 2022
// closed and 2023 and 2024 open, it is 2022-01-01..2024-12-31 and a situation
// of 2021 is not sent. The package examples run both scenarios.
//
// "Created after initialization" is decided by time: [Period.CreatedAt] (when
// the source platform created the exercise; zero if unknown) is compared with
// the initialization instant passed to Scope. Such an exercise joins the
// scope whatever its status or dates, because the rules include newly
// created exercises without condition; and it does not compete for "most
// recent closed", so closing it later does not push an older exercise out.
// A zero instant means that no exercise counts as newly created, which suits
// the initialization itself.
// Statuses are taken as given, so compute the scope from the calendar as it
// stood at initialization plus the exercises created since.
//
// A calendar without any exercise is valid, but nothing dated can be
// synchronized: Scope returns an empty [Scope] together with
// [ErrNoExercise], so that the caller says so instead of silently sending
// nothing. On any error the returned Scope is empty.
//
// [Scope.Contains] is the per-entry check: a binary search over the merged
// ranges ([Scope.Ranges]), without allocation. [Scope.Exercises] and
// [Scope.Situations] list the periods the sink sends.
//
// # Errors
//
// Validation collects every problem instead of stopping at the first. It
// returns nil or a *[ValidationError] whose Fields are *[FieldError] values,
// each with a JSON Pointer Path into the calendar document
// ("/periods/3/end"), a stable Rule code (the Rule* constants), a Message
// for humans and a sentinel Err. errors.Is works on the whole error:
//
//	if err := cal.Validate(); errors.Is(err, period.ErrOverlap) { ... }
//
// The sentinels are [ErrInvalidDate], [ErrMissingID], [ErrDuplicateID],
// [ErrUnknownKind], [ErrUnknownStatus], [ErrStartAfterEnd], [ErrOverlap],
// [ErrSituationOutside] and [ErrNoExercise]. Decoding an unknown kind or
// status fails with an *[EnumError].
//
// # Concurrency
//
// Date, Period, Range and Scope are values; a Scope is immutable once built
// and safe for concurrent use. Calendar methods only read the calendar and
// may run concurrently as long as nobody modifies its Periods meanwhile.
// The package has no global mutable state and never reads the clock.
package period
