package capture

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestRunRoundTrip writes headerCases as a run, in read sizes that split
// records anywhere, and reads them back whole, payloads included.
func TestRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	head := []byte(`{"timestamp":0,"application_id":"app","entite_id":"ent","id":`)
	var recs []*record
	for i, tc := range headerCases {
		r := tc.r
		r.Payload = []byte(strings.Repeat(`{"x":"\t"}`, i*3000+1)) // some longer than a slab
		recs = append(recs, &r)
		headed := tc.r // headless in the run when its id needs no escaping
		headed.Payload = append(append(append(slices.Clip(head), '"'), headed.ID...), `","x":1}`...)
		recs = append(recs, &headed)
	}
	for _, size := range []int{1, 7, 512, 1 << 20} {
		mem := memstore.New(nil)
		data := readAllSmall(t, &runReader{recs: recs, head: head}, size)
		if whole := readAllSmall(t, &runReader{recs: recs}, size); len(data) >= len(whole)-3*len(head) {
			t.Errorf("a run of %d bytes, %d with whole payloads: fewer headless payloads than expected", len(data), len(whole))
		}
		if err := storage.WriteAll(ctx, mem, "run", data, nil); err != nil {
			t.Fatal(err)
		}
		var got []*record
		for r, err := range readRun(ctx, mem, "run", head) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if diff := cmp.Diff(recs, got, cmp.AllowUnexported(record{})); diff != "" {
			t.Errorf("read size %d (-want +got):\n%s", size, diff)
		}
	}
}

// readAllSmall reads r to its end with reads of size bytes.
func readAllSmall(t *testing.T, r interface{ Read([]byte) (int, error) }, size int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// TestRunDamaged reads runs cut short or altered: each is an error
// matching ErrDamaged, never fewer records.
func TestRunDamaged(t *testing.T) {
	ctx := context.Background()
	r := headerCases[1].r
	r.Payload = []byte(`{}`)
	good := appendRun(nil, &r, nil)
	cases := map[string][]byte{
		"cut in the length":       good[:2],
		"cut in the record":       good[:len(good)-1],
		"length past the fields":  append([]byte{0, 0, 0, 1}, 200),
		"no payload":              appendRun(nil, &record{ID: "a", Event: r.Event}, nil),
		"not an Inserted event":   appendRun(nil, &record{ID: "a", Event: "comptaCompteDeleted", Payload: []byte("{}")}, nil),
		"no id":                   appendRun(nil, &record{Event: r.Event, Payload: []byte("{}")}, nil),
		"headless without a head": appendRun(nil, &record{ID: "a", Event: r.Event, Payload: []byte(`{"id":"a","x":1}`)}, []byte(`{"id":`)),
	}
	for name, data := range cases {
		mem := memstore.New(nil)
		if err := storage.WriteAll(ctx, mem, "run", data, nil); err != nil {
			t.Fatal(err)
		}
		var err error
		for _, err = range readRun(ctx, mem, "run", nil) {
			if err != nil {
				break
			}
		}
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
	}
}
