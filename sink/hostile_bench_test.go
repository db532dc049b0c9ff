package sink_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
)

// hostileAccount returns an account payload with n members the SDK does
// not model, as a hostile or very new platform could send.
func hostileAccount(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"timestamp":1,"application_id":"a","entite_id":"e","id":"x","numero":"401","libelle":"L"`)
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":%d`, i, i)
	}
	b.WriteString("}")
	return b.Bytes()
}

// DecodeEvent of a payload of n unknown members, beside the ceiling:
// encoding/json decoding the same bytes into a map. The time per member
// (ns/key) stays flat from 10k to 1M members: decoding is linear.
//
//	go test -run '^$' -bench 'DecodeEventKeys' -benchmem -count 3 ./sink/
func BenchmarkDecodeEventKeys(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		data := hostileAccount(n)
		b.Run(fmt.Sprintf("keys=%d/DecodeEvent", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				ev, err := sink.DecodeEvent(sink.AccountInserted, data)
				if err != nil || len(ev.Extra) != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
		b.Run(fmt.Sprintf("keys=%d/ceiling", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
	}
}

// TestIssue13DecodeEventManyKeys: a 1 MB payload of 80,000 members (9 s
// before the decoder was linear) decodes with a bounded number of
// allocations per member, and keeps every member.
func TestIssue13DecodeEventManyKeys(t *testing.T) {
	data := hostileAccount(80_000)
	allocs := testing.AllocsPerRun(1, func() {
		ev, err := sink.DecodeEvent(sink.AccountInserted, data)
		if err != nil || len(ev.Extra) != 80_000 {
			t.Fatal(len(ev.Extra), err)
		}
	})
	if per := allocs / 80_000; per > 8 {
		t.Errorf("%.1f allocations per member", per)
	}
	// A repeated member is refused, wherever it is.
	dup := append(bytes.TrimSuffix(hostileAccount(40_000), []byte("}")), `,"k7":1}`...)
	if _, err := sink.DecodeEvent(sink.AccountInserted, dup); err == nil {
		t.Error("a member repeated 40,000 members later was accepted")
	}
}
