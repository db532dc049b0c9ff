// Package sink produces and consumes accounting-data sinks: one JSON file per
// change of an entity's accounting data, named after its event, in a
// directory per entity of any storage.Store.
//
// # Events
//
// An event name is "compta" + object + action: [AccountInserted] is
// "comptaCompteInserted". [EventNames] lists them in the order of the
// platform's table; [ParseEventName] and [NameOf] build them; the Go
// identifiers are English, the wire strings never change. An entry has no
// Updated event: an update is [EntryDeleted] with miseAJour set, followed by
// [EntryInserted]. A reconciliation is only ever inserted.
//
// # File names
//
// Every file is named
//
//	<namespace>.<event>-<offset>-<time>.json
//	queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json
//
// where the namespace defaults to [DefaultNamespace], the offset is the
// message's position in its topic and the time is the UTC instant the file
// was produced, to the millisecond ([TimeLayout]). [FileName] formats and
// [ParseFileName] parses them; parsing is the exact inverse of formatting and
// rejects anything else with a [*FileNameError] naming the offending part.
package sink
