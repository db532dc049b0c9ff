package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is matched by the error of [ReadAtMost] for an object larger
// than the limit.
var ErrTooLarge = errors.New("storage: object too large")

// ReadAtMost is [ReadAll] for objects of at most limit bytes: it reads no
// more than limit+1 bytes of a larger object, and returns an error
// matching [ErrTooLarge]. Memory stays proportional to the limit, whatever
// the object's size. Other errors are ReadAll's.
func ReadAtMost(ctx context.Context, s Store, key string, limit int64) ([]byte, error) {
	r, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}
