// Package generation keeps a numbered sequence of create-only records in a
// storage.Store: the one protocol the SDK's bookkeeping uses for state that
// several processes change (the export tracker's state, a subscription's
// versions, change capture's snapshots, the writer's offset reservations).
//
// Each record is an object "<Dir><number><Ext>", its number zero-padded to
// Digits so that key order is numeric order. The newest record is the
// current state. A change reads the newest record, computes the next one and
// creates it create-only: of two processes that read the same record, one
// creates the next and the other finds it taken, reads it and tries again.
// Old records are pruned; a process whose read is so old that it re-creates
// a pruned record sees, after creating it, that at least Keep newer records
// exist, and tries again on top of them. A protocol that picks the numbers
// itself (change capture records snapshot n as an intent, then as a head)
// creates its records with Create.
//
// Records are bookkeeping: the store's owner may delete or roll them back.
// Callers that must not act twice on lost records check the record they
// read against the data it describes.
package generation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/storage"
)

// ErrContention is returned by [Log.Append] when other processes took every
// number it tried.
var ErrContention = errors.New("generation: too many concurrent changes")

// ErrDamaged is matched by the errors about a key under Dir that is not a
// record's.
var ErrDamaged = errors.New("generation: damaged record")

// ErrSkip, returned by the function given to [Log.Append], stops it without
// writing anything.
var ErrSkip = errors.New("generation: nothing to write")

// Log is a sequence of records under Dir in Store. A Log is a plain value:
// safe for concurrent use, as its store is.
type Log struct {
	Store   storage.Store
	Dir     string // the records' folder, ending with "/"
	Digits  int    // the width of numbers in keys; 0 means 20
	Ext     string // the records' extension, such as ".json"; may be empty
	Keep    int    // records kept after an append: older ones are pruned; 0 keeps every record
	Retries int    // appends tried before ErrContention; 0 means 100
	// ContentType of the records, for stores that keep one.
	ContentType string
}

// Key returns the key of record n.
func (l *Log) Key(n int64) string {
	return l.Dir + fmt.Sprintf("%0*d", l.digits(), n) + l.Ext
}

func (l *Log) digits() int {
	if l.Digits == 0 {
		return 20
	}
	return l.Digits
}

// number parses the record number of key, or fails with ErrDamaged.
func (l *Log) number(key string) (int64, error) {
	digits, ok := strings.CutSuffix(strings.TrimPrefix(key, l.Dir), l.Ext)
	n, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || len(digits) != l.digits() || n < 0 {
		return 0, fmt.Errorf("%w: %s is not a record of %s", ErrDamaged, key, l.Dir)
	}
	return n, nil
}

// Numbers returns the numbers of the records, in increasing order. A key
// under Dir that is not a record's is an error matching ErrDamaged.
func (l *Log) Numbers(ctx context.Context) ([]int64, error) {
	var out []int64
	for key, err := range storage.Keys(ctx, l.Store, l.Dir) {
		if err != nil {
			return nil, err
		}
		n, err := l.number(key)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Last returns the number of the newest record, 0 when there is none.
func (l *Log) Last(ctx context.Context) (int64, error) {
	ns, err := l.Numbers(ctx)
	if err != nil || len(ns) == 0 {
		return 0, err
	}
	return ns[len(ns)-1], nil
}

// Read returns the content of record n; an error matching
// storage.ErrNotExist when it does not exist.
func (l *Log) Read(ctx context.Context, n int64) ([]byte, error) {
	return storage.ReadAll(ctx, l.Store, l.Key(n))
}

// Latest returns the newest record and its number: 0 and nil when there is
// none. A record pruned between listing and reading means a newer one
// exists: it lists again, up to Retries times.
func (l *Log) Latest(ctx context.Context) (int64, []byte, error) {
	for range l.retries() {
		n, err := l.Last(ctx)
		if err != nil || n == 0 {
			return 0, nil, err
		}
		data, err := l.Read(ctx, n)
		if err == nil {
			return n, data, nil
		}
		if !errors.Is(err, storage.ErrNotExist) {
			return 0, nil, err
		}
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, fmt.Errorf("%w: %s: the newest record keeps disappearing", ErrContention, l.Dir)
}

func (l *Log) retries() int {
	if l.Retries <= 0 {
		return 100
	}
	return l.Retries
}

// Append adds a record after the newest: next receives the newest record
// (0 and nil when there is none) and returns the number of the record to
// create, greater than last, and its content, or ErrSkip to write nothing.
// When another process created that number first, or the record created
// turns out to re-create one pruned long ago, Append reads the newest
// record again and calls next again: next must be a pure function of what
// it is given. A store error after the record was in fact created (a lost
// answer) is returned: a caller that tries again finds its change in the
// newest record, so next must also leave unchanged a record that already
// holds its change. It returns the number and content of the record it created,
// or of the newest when next returned ErrSkip.
//
// Errors: next's own, ErrContention after Retries attempts, ErrDamaged, and
// the store's.
func (l *Log) Append(ctx context.Context, next func(last int64, data []byte) (int64, []byte, error)) (int64, []byte, error) {
	for range l.retries() {
		last, data, err := l.Latest(ctx)
		if err != nil {
			return 0, nil, err
		}
		n, rec, err := next(last, data)
		if errors.Is(err, ErrSkip) {
			return last, data, nil
		}
		if err != nil {
			return 0, nil, err
		}
		if n <= last {
			return 0, nil, fmt.Errorf("generation: %s: record %d is not after the newest, %d", l.Dir, n, last)
		}
		err = storage.WriteAll(ctx, l.Store, l.Key(n), rec, &storage.PutOptions{IfNotExist: true, ContentType: l.ContentType})
		if errors.Is(err, storage.ErrExist) {
			// Taken by another process, even with the same content: two
			// changes computed from one record are two changes.
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		stale, err := l.settle(ctx, n)
		if err != nil {
			return 0, nil, err
		}
		if !stale {
			return n, rec, nil
		}
	}
	return 0, nil, fmt.Errorf("%w: %s", ErrContention, l.Dir)
}

// Create creates record n with data, create-only, for a caller whose own
// protocol picks the number rather than reading the newest record: a record
// that only one content can have, which a retry writes again. A record n
// that already holds data is no error: created is false (a retry after a
// lost answer). It neither reads the newest record nor prunes.
//
// Errors: an error matching storage.ErrConflict when record n holds other
// bytes (it is left as it is), an error for n below 1, and the store's.
func (l *Log) Create(ctx context.Context, n int64, data []byte) (created bool, err error) {
	if n < 1 {
		return false, fmt.Errorf("generation: %s: record number %d is below 1", l.Dir, n)
	}
	return storage.PutOnce(ctx, l.Store, l.Key(n), data, &storage.PutOptions{IfNotExist: true, ContentType: l.ContentType})
}

// settle checks that record n, just created, is not a pruned one created
// again by a process whose read was stale: Keep or more newer records then
// exist, while a record that was never pruned has fewer newer ones (Keep
// processes would have had to append between its creation and this check).
// Otherwise it prunes the records more than Keep below the newest. This
// holds as long as fewer than Keep records are appended between a record's
// creation and its check: Keep is chosen far above the number of processes
// that change one log at once.
func (l *Log) settle(ctx context.Context, n int64) (stale bool, err error) {
	if l.Keep <= 0 {
		return false, nil
	}
	ns, err := l.Numbers(ctx)
	if err != nil {
		return false, err
	}
	newer := 0
	for _, m := range ns {
		if m > n {
			newer++
		}
	}
	if newer >= l.Keep {
		return true, nil
	}
	// Prune in bulk, once twice as many as kept exist, so that an append
	// costs one deletion on average.
	if len(ns) >= 2*l.Keep {
		for _, m := range ns[:len(ns)-l.Keep] {
			_ = l.Store.Delete(ctx, l.Key(m)) // best effort: a record left behind is pruned next time
		}
	}
	return false, nil
}
