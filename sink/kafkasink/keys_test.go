package kafkasink_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/sink/kafkasink"
)

func TestParseKeyFilters(t *testing.T) {
	type problem struct {
		Path string
		Rule string
	}
	tests := []struct {
		name     string
		in       string
		want     []kafkasink.KeyFilter // nil when an error is expected
		problems []problem
	}{
		{"empty", `[]`, []kafkasink.KeyFilter{}, nil},
		{"null", `null`, []kafkasink.KeyFilter{}, nil},
		{"statuses", `[{"key":"b","status":"new"},{"key":"a","status":"ready"},{"key":"c","status":"paused","extra":1}]`,
			[]kafkasink.KeyFilter{{Key: "a", Status: kafkasink.KeyReady}, {Key: "b", Status: kafkasink.KeyNew}, {Key: "c", Status: "paused"}}, nil},
		{"every problem", `[{"key":"","status":"new"},{"status":"ready"},{"key":"a"},{"key":"a","status":"new"},{"key":"a","status":"ready"},{"key":1,"status":2},null]`, nil,
			[]problem{{"/0", "key/required"}, {"/1", "key/required"}, {"/2", "status/required"}, {"/3", "key/duplicate"}, {"/4", "key/duplicate"}, {"/5", "key/required"}, {"/5", "status/required"},
				{"/6", "key/required"}, {"/6", "status/required"}}},
		{"not an array", `{"key":"a","status":"ready"}`, nil, []problem{{"", "json"}}},
		{"trailing data", `[] []`, nil, []problem{{"", "json"}}},
		{"not JSON", `[{"key":`, nil, []problem{{"", "json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := kafkasink.ParseKeyFilters([]byte(tt.in))
			if tt.problems != nil {
				var ke *kafkasink.KeyFiltersError
				if !errors.As(err, &ke) || !errors.Is(err, kafkasink.ErrKeyFilters) {
					t.Fatalf("ParseKeyFilters = %v, want a *KeyFiltersError", err)
				}
				var got []problem
				for _, p := range ke.Fields {
					got = append(got, problem{p.Path, p.Rule})
				}
				if diff := cmp.Diff(tt.problems, got); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, k.List()); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyFiltersJSON(t *testing.T) {
	path := filepath.Join("testdata", "keyfilters.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k kafkasink.KeyFilters
	if err := json.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(&k, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	golden := filepath.Join("testdata", "keyfilters.golden")
	if *kafkasink.UpdateGolden {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(out)); diff != "" {
		t.Errorf("key filters JSON (-want +got):\n%s", diff)
	}
	// A failed UnmarshalJSON leaves the set unchanged.
	if err := json.Unmarshal([]byte(`[{"key":""}]`), &k); !errors.Is(err, kafkasink.ErrKeyFilters) {
		t.Errorf("Unmarshal of bad filters = %v, want ErrKeyFilters", err)
	}
	if got, _ := json.Marshal(&k); len(got) < 10 {
		t.Errorf("the set changed to %s", got)
	}
}

func TestKeyFiltersUpdates(t *testing.T) {
	var zero kafkasink.KeyFilters // usable, empty
	if zero.Ready("a") {
		t.Error("the zero set delivers a key")
	}
	zero.Set("a", kafkasink.KeyReady)
	k := kafkasink.NewKeyFilters(kafkasink.KeyFilter{Key: "a", Status: kafkasink.KeyNew}, kafkasink.KeyFilter{Key: "a", Status: kafkasink.KeyReady})
	for _, tt := range []struct {
		name  string
		k     *kafkasink.KeyFilters
		key   string
		ready bool
	}{
		{"zero set after Set", &zero, "a", true},
		{"later filter wins", k, "a", true},
		{"absent", k, "b", false},
	} {
		if got := tt.k.Ready(tt.key); got != tt.ready {
			t.Errorf("%s: Ready(%q) = %v, want %v", tt.name, tt.key, got, tt.ready)
		}
	}
	// Concurrent readers and writers (run with -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 100 {
				if i%2 == 0 {
					k.Set("b", kafkasink.KeyStatus([]string{"new", "ready"}[j%2]))
				} else {
					k.Ready("b")
					k.List()
				}
			}
		})
	}
	wg.Wait()
	k.Remove("a")
	if s, ok := k.Status("a"); ok {
		t.Errorf("removed key has status %q", s)
	}
}

func FuzzParseKeyFilters(f *testing.F) {
	for _, name := range []string{"keyfilters.json", "keyfilters.golden"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"key":"a","status":"new"},{"key":"a","status":"ready"}]`))
	f.Add([]byte(`[null, 1, "x"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := kafkasink.ParseKeyFilters(data)
		if err != nil {
			if !errors.Is(err, kafkasink.ErrKeyFilters) {
				t.Fatalf("error %v does not match ErrKeyFilters", err)
			}
			return
		}
		// What parses writes back and parses again to the same filters.
		out, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := kafkasink.ParseKeyFilters(out)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", out, err)
		}
		if diff := cmp.Diff(k.List(), k2.List()); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}
