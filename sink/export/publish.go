package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// SummaryList is the published summary list (Options.SummaryList): the
// summary of every document, as Tracker.Summaries gives them, and the date
// of the latest sync recorded by Tracker.Synced. In JSON, one summary per
// line:
//
//	{"syncDate":"2024-03-01T12:00:00Z","list":[
//	{"id":"inv-001","type":"purchase_invoice","version":"2",...},
//	{"id":"inv-002","type":"purchase_invoice","version":"1",...}
//	]}
//
// syncDate is absent before the first recorded sync. It decodes with
// encoding/json.
type SummaryList struct {
	SyncDate time.Time `json:"syncDate,omitzero"`
	List     []Summary `json:"list"`
}

// encode writes l as SummaryList documents it.
func (l *SummaryList) encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if !l.SyncDate.IsZero() {
		d, err := json.Marshal(l.SyncDate)
		if err != nil {
			return nil, err
		}
		b.WriteString(`"syncDate":`)
		b.Write(d)
		b.WriteByte(',')
	}
	b.WriteString(`"list":[`)
	for i := range l.List {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		d, err := json.Marshal(&l.List[i])
		if err != nil {
			return nil, err
		}
		b.Write(d)
	}
	if len(l.List) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}

// Synced records a sync of the source (a change capture's Sync, a poll of
// the source's API): at is when it happened, zero meaning Options.Now.
// SyncDate returns the latest sync recorded; recording an earlier one
// changes nothing. When Options.SummaryList is set, Synced then rewrites
// the summary list with the source's documents as they are now: call it
// after each sync.
//
// Errors: ErrDamaged, ErrPublish, the source's and the store's errors,
// ctx.Err().
func (t *Tracker) Synced(ctx context.Context, at time.Time) error {
	if at.IsZero() {
		at = t.now()
	}
	at = at.UTC()
	v, err := t.load(ctx)
	if err != nil {
		return err
	}
	if err := t.repair(ctx, v); err != nil {
		return err
	}
	_, err = t.update(ctx, v, func(st *state) error {
		if !at.After(st.SyncDate) {
			return generation.ErrSkip
		}
		st.SyncDate = at
		return nil
	})
	if err != nil {
		return err
	}
	return t.publish(ctx)
}

// SyncDate returns the date of the latest sync recorded by Synced: zero
// when none was. The date is kept in the state only: it is zero again if
// the state is lost, until the next sync. Errors: ErrDamaged, the store's.
func (t *Tracker) SyncDate(ctx context.Context) (time.Time, error) {
	v, err := t.load(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return v.st.SyncDate, nil
}

// Publish writes the summary list (Options.SummaryList) now, as Export,
// Delete and Synced do after their change: to write it again after an
// error matching ErrPublish, or after the source changed without a sync
// recorded. It replaces the list in one Put, which every Store makes
// atomic: a reader gets the old list or the new one, never a part. Of
// writers racing, the last may have computed its list from an older state:
// each checks, once written, that the state has not changed since it read
// it, and writes again otherwise.
//
// Errors: ErrConfig without Options.SummaryList; otherwise an error
// matching ErrPublish, wrapping the source's or the store's.
func (t *Tracker) Publish(ctx context.Context) error {
	if t.summary == "" {
		return fmt.Errorf("%w: no summary list to publish (Options.SummaryList)", ErrConfig)
	}
	return t.publish(ctx)
}

// publish writes the summary list when there is one to write.
func (t *Tracker) publish(ctx context.Context) error {
	if t.summary == "" {
		return nil
	}
	if err := t.writeSummaryList(ctx); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrPublish, t.summary, err)
	}
	return nil
}

func (t *Tracker) writeSummaryList(ctx context.Context) error {
	for range 3 {
		v, err := t.load(ctx)
		if err != nil {
			return err
		}
		list, err := t.summaries(ctx, v.st)
		if err != nil {
			return err
		}
		data, err := (&SummaryList{SyncDate: v.st.SyncDate, List: list}).encode()
		if err != nil {
			return err
		}
		if err := storage.WriteAll(ctx, t.store, t.summary, data, &storage.PutOptions{ContentType: "application/json"}); err != nil {
			return err
		}
		n, err := t.log.Last(ctx)
		if err != nil {
			return logError("reading the state", err)
		}
		if n == v.last {
			return nil // no change since: the list is the latest
		}
	}
	return nil // changing still: the changes' own writers publish after them
}
