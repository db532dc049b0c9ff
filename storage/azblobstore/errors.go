package azblobstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/storage"
)

// checkKey is storage.CheckKey with the operation filled in, plus the
// service's limit of 1024 bytes on the full name: with a prefix, keys near
// storage.MaxKeyLen fail with the rule storage.RuleLength.
func (s *Store) checkKey(op, key string) error {
	err := storage.CheckKeyUnder(s.prefix, key)
	var ke *storage.KeyError
	if errors.As(err, &ke) {
		ke.Op = op
	}
	return err
}

// keyErr wraps err with the operation and key.
func keyErr(op, key string, err error) *storage.KeyError {
	return &storage.KeyError{Op: op, Key: key, Err: err}
}

// kindErr wraps an SDK error that means kind (storage.ErrNotExist or
// storage.ErrExist), keeping both reachable with errors.Is and errors.As.
func kindErr(op, key string, kind, err error) *storage.KeyError {
	return &storage.KeyError{Op: op, Key: key, Err: fmt.Errorf("%w: %w", kind, err)}
}

// failErr wraps an SDK error; when ctx is done it wraps ctx.Err() too, so
// that errors.Is(err, context.Canceled) holds whatever the SDK made of it.
func failErr(ctx context.Context, op, key string, err error) *storage.KeyError {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", cerr, err)
	}
	return &storage.KeyError{Op: op, Key: key, Err: err}
}
