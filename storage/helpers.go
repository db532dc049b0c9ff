package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// ReadAll returns the content of the object stored under key. The slice is
// the caller's own: it aliases nothing the store keeps.
//
// A missing key gives an error matching [ErrNotExist], an invalid key a
// *KeyError matching [ErrInvalidKey]; errors from reading or closing the
// object are returned as the store reports them.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	r, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// WriteAll stores data under key with [Store.Put]; opts as for Put (nil means
// the zero options). The store does not retain data: the caller may modify
// it as soon as WriteAll returns. It returns Put's error unchanged: one
// matching [ErrExist] with opts.IfNotExist when the key holds an object, a
// *KeyError matching [ErrInvalidKey] for an invalid key.
func WriteAll(ctx context.Context, s Store, key string, data []byte, opts *PutOptions) error {
	return s.Put(ctx, key, bytes.NewReader(data), opts)
}

// Exists reports whether an object is stored under key. It opens the object
// with [Store.Get] and closes it at once, so it costs a Get on stores where
// opening is expensive. It returns (false, nil) when Get fails with
// [ErrNotExist], and (false, err) for any other error, including an invalid
// key: "cannot tell" is never reported as "missing".
func Exists(ctx context.Context, s Store, key string) (bool, error) {
	r, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := r.Close(); err != nil {
		return false, err
	}
	return true, nil
}
