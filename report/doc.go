// Package report reads and writes the reports of a sink.
//
// The initialization report ([Init]) is written once, last, in an entity's
// directory when its initialization is complete, under the name
// [InitFileName] ("initialisation-report-2024-01-30T15:17:20.186Z.json"). It
// counts the records written per schema, in the platform's exact JSON: keys
// "0", "1", ... in numeric order, each {"schema": <event name>, "count": n},
// then "entite_id". Decoding is strict: a gap in the row keys, a stray or
// repeated key, a count that is not a non-negative integer all fail with an
// error matching [ErrInvalid].
//
// The daily report ([Daily]) lists, for one day, every object changed per
// topic, with the timestamp of its last change; the platform publishes it
// every night in the entity's directory as one or more pages, each named
// like an event of the "comptaDailyReport" topic
// ("<namespace>.comptaDailyReport-<offset>-<time>.json"). [Paginate] splits
// a report into pages; [DecodeDaily] reads one page strictly. A consumer
// compares the pages with the events it received to find what is missing
// (the sink package's CheckDaily and Reader.Check do).
//
// The package knows event names only as strings, so that it sits below the
// sink package, which builds the reports.
package report
