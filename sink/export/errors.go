package export

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the package, matched with errors.Is.
var (
	// ErrConfig is returned for an unusable configuration or request.
	ErrConfig = errors.New("export: invalid configuration")
	// ErrNothing is returned by Tracker.Export when the selection holds no
	// document: no file is written and nothing is recorded.
	ErrNothing = errors.New("export: nothing to export")
	// ErrNotFound is returned for an export id that no committed export
	// has (or, for Open, a deleted one).
	ErrNotFound = errors.New("export: no such export")
	// ErrSelection is matched by a *SelectionError.
	ErrSelection = errors.New("export: invalid selection")
	// ErrConflict is matched by a *ConflictError: a concurrent export took
	// some of the documents first; and by the error of a change that
	// concurrent changes kept preventing (try again), or of an export swept
	// before it could be committed.
	ErrConflict = errors.New("export: documents exported concurrently")
	// ErrDamaged is returned for a state generation, manifest or deletion
	// record that does not decode or contradicts the others, and for a
	// state that cannot be rebuilt from the records.
	ErrDamaged = errors.New("export: damaged record")
	// ErrDeleted is returned by Tracker.Export for an export deleted while
	// (or before) it was retried: it is not reported as a success.
	ErrDeleted = errors.New("export: export deleted")
	// ErrFileConflict is returned by Tracker.Export when the export's file
	// (or its companion) is already in the store with other bytes than
	// those encoded: it is left untouched, and nothing is recorded.
	ErrFileConflict = errors.New("export: the export file in the store differs from the one encoded")
	// ErrPublish is returned, with the result of the change, when a change
	// was made but the summary list (Options.SummaryList) could not be
	// written.
	ErrPublish = errors.New("export: summary list not published")
	// ErrNotEntry is returned by the encoders of entries for a document
	// whose data is not an *entry.Entry.
	ErrNotEntry = errors.New("export: document is not an entry")
)

// SelectionError lists the ids of a selection that cannot be exported.
type SelectionError struct {
	Unknown    []string // ids the source does not hold, sorted
	NotPending []string // ids whose current version is exported already, sorted (see Selection.Again)
}

func (e *SelectionError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("%d unknown document(s): %s", len(e.Unknown), short(e.Unknown)))
	}
	if len(e.NotPending) > 0 {
		parts = append(parts, fmt.Sprintf("%d document(s) exported already: %s", len(e.NotPending), short(e.NotPending)))
	}
	return "export: " + strings.Join(parts, "; ")
}

// Unwrap returns ErrSelection.
func (e *SelectionError) Unwrap() error { return ErrSelection }

// ConflictError reports an export that lost a race: another export,
// committed first, holds the same versions of some of its documents.
type ConflictError struct {
	ExportID string   // the export refused
	IDs      []string // the documents taken, in id order
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("export: %s: %d document(s) exported concurrently: %s; select again", e.ExportID, len(e.IDs), short(e.IDs))
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

func short(ids []string) string {
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + ", ..."
	}
	return strings.Join(ids, ", ")
}
