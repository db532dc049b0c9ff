package capture

import (
	"errors"
	"fmt"
)

// Errors of the package, matched with errors.Is.
var (
	// ErrConfig is returned by New for an unusable Config or Options.
	ErrConfig = errors.New("capture: invalid configuration")
	// ErrDocument is matched by a *DocError for a document that cannot be
	// captured: no id, data that is not a sink payload, or an entry that
	// the writer would refuse (sink.Writer.Check: the business rules, with
	// the entry's *entry.ValidationError).
	ErrDocument = errors.New("capture: invalid document")
	// ErrDuplicate is matched by a *DocError for an id found twice in one
	// snapshot.
	ErrDuplicate = errors.New("capture: document id found twice in the snapshot")
	// ErrTooManyDeletes is matched by a *DeleteError: the snapshot would
	// delete more documents than allowed (see Options.MaxDeletePercent and
	// SyncOptions.Force).
	ErrTooManyDeletes = errors.New("capture: snapshot deletes too many documents")
	// ErrBusy is returned when another sync recorded the same generation
	// first. Nothing of this sync is recorded; call Sync again.
	ErrBusy = errors.New("capture: another sync is running")
	// ErrDamaged is returned for stored snapshot data that does not decode,
	// or whose events the writer refuses (their payloads are the stored
	// ones, which it accepted when they were recorded).
	ErrDamaged = errors.New("capture: stored snapshot is damaged")
)

// DocError says which document of a snapshot is at fault.
type DocError struct {
	ID  string // the document's id, "" when it has none
	Err error  // matches ErrDocument or ErrDuplicate
}

func (e *DocError) Error() string { return fmt.Sprintf("capture: document %q: %v", e.ID, e.Err) }

// Unwrap returns the cause.
func (e *DocError) Unwrap() error { return e.Err }

// DeleteError reports a snapshot refused because it deletes too much: most
// often a partial answer of the source (a failed page, a limit reached),
// which must not become a mass deletion downstream.
type DeleteError struct {
	Deleted    int // documents the snapshot would delete
	Stored     int // documents of the stored snapshot
	MaxPercent int // the share allowed, in percent
}

func (e *DeleteError) Error() string {
	return fmt.Sprintf("capture: snapshot deletes %d of %d stored documents, more than %d%% (pass SyncOptions.Force if that is right)", e.Deleted, e.Stored, e.MaxPercent)
}

// Unwrap returns ErrTooManyDeletes.
func (e *DeleteError) Unwrap() error { return ErrTooManyDeletes }
