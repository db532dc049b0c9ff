package faultstore_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

// A Store without rules is transparent: it passes the conformance suite,
// over memstore and over filestore (whose group commit it forwards).
func TestConformanceWithoutRules(t *testing.T) {
	t.Run("memstore", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store { return faultstore.New(memstore.New(nil)) })
	})
	t.Run("filestore", func(t *testing.T) {
		storagetest.RunWithOptions(t, func(t *testing.T) storage.Store {
			fs, err := filestore.New(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { fs.Close() })
			return faultstore.New(fs)
		}, &storagetest.RunOptions{NestedKeysConflict: true})
	})
}

var errCustom = errors.New("custom")

func TestPutFaults(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 100))
	tests := []struct {
		name      string
		rule      faultstore.Rule
		key       string
		wantErr   error // nil: no fault
		committed bool  // whether the object must exist afterwards
	}{
		{"no match by op", faultstore.Rule{Op: faultstore.OpGet}, "a", nil, true},
		{"before", faultstore.Rule{Op: faultstore.OpPut}, "a", faultstore.ErrInjected, false},
		{"any op", faultstore.Rule{}, "a", faultstore.ErrInjected, false},
		{"custom error", faultstore.Rule{Err: errCustom}, "a", errCustom, false},
		{"after: lost ack", faultstore.Rule{Mode: faultstore.FailAfter}, "a", faultstore.ErrInjected, true},
		{"during: reader cut", faultstore.Rule{Mode: faultstore.FailDuring, After: 300}, "a", faultstore.ErrInjected, false},
		{"during past the end", faultstore.Rule{Mode: faultstore.FailDuring, After: 5000}, "a", faultstore.ErrInjected, false},
		{"key pattern match", faultstore.Rule{Key: "e/*.json"}, "e/1.json", faultstore.ErrInjected, false},
		{"key pattern miss", faultstore.Rule{Key: "e/*.json"}, "e/sub/1.json", nil, true},
		{"bad pattern never matches", faultstore.Rule{Key: "["}, "a", nil, true},
		{"match func", faultstore.Rule{Match: func(op faultstore.Op, key string) bool { return strings.HasSuffix(key, ".tmp") }}, "x.tmp", faultstore.ErrInjected, false},
		{"match func miss", faultstore.Rule{Match: func(faultstore.Op, string) bool { return false }}, "x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New(nil)
			s := faultstore.New(mem, tt.rule)
			err := storage.WriteAll(t.Context(), s, tt.key, data, nil)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Put = %v, want %v", err, tt.wantErr)
			}
			ok, _ := storage.Exists(t.Context(), mem, tt.key)
			if ok != tt.committed {
				t.Errorf("object exists in the wrapped store = %v, want %v", ok, tt.committed)
			}
			if ok {
				got, _ := storage.ReadAll(t.Context(), mem, tt.key)
				if !bytes.Equal(got, data) {
					t.Errorf("wrapped store holds %d bytes, want the complete %d", len(got), len(data))
				}
			}
		})
	}
}

func TestSkipAndTimes(t *testing.T) {
	s := faultstore.New(memstore.New(nil), faultstore.Rule{Op: faultstore.OpPut, Skip: 2, Times: 2})
	var got []bool
	for range 6 {
		got = append(got, storage.WriteAll(t.Context(), s, "k", nil, nil) != nil)
	}
	if diff := cmp.Diff([]bool{false, false, true, true, false, false}, got); diff != "" {
		t.Errorf("failing calls mismatch (-want +got): Skip 2, Times 2 fails the 3rd and 4th:\n%s", diff)
	}
	if s.Calls(faultstore.OpPut) != 6 || s.Faults() != 2 {
		t.Errorf("Calls = %d, Faults = %d; want 6, 2", s.Calls(faultstore.OpPut), s.Faults())
	}
}

func TestGetListDeleteFaults(t *testing.T) {
	ctx := t.Context()
	mem := memstore.New(nil)
	for _, k := range []string{"a", "b", "c"} {
		storage.WriteAll(ctx, mem, k, []byte("0123456789"), nil)
	}
	t.Run("get during", func(t *testing.T) {
		s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpGet, Mode: faultstore.FailDuring, After: 4})
		r, err := s.Get(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if string(got) != "0123" || !errors.Is(err, faultstore.ErrInjected) {
			t.Errorf("read %q, %v; want \"0123\" and ErrInjected", got, err)
		}
	})
	t.Run("get before and after", func(t *testing.T) {
		for _, m := range []faultstore.Mode{faultstore.FailBefore, faultstore.FailAfter} {
			s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpGet, Mode: m})
			if _, err := storage.ReadAll(ctx, s, "a"); !errors.Is(err, faultstore.ErrInjected) {
				t.Errorf("%v: Get = %v, want ErrInjected", m, err)
			}
		}
	})
	t.Run("list", func(t *testing.T) {
		for _, tc := range []struct {
			rule faultstore.Rule
			want []string
		}{
			{faultstore.Rule{Op: faultstore.OpList}, nil},
			{faultstore.Rule{Op: faultstore.OpList, Mode: faultstore.FailDuring, After: 2}, []string{"a", "b"}},
			{faultstore.Rule{Op: faultstore.OpList, Mode: faultstore.FailAfter}, []string{"a", "b", "c"}},
		} {
			s := faultstore.New(mem, tc.rule)
			for _, keysOnly := range []bool{false, true} {
				var got []string
				var last error
				if keysOnly {
					for k, err := range storage.Keys(ctx, s, "") {
						if err != nil {
							last = err
							break
						}
						got = append(got, k)
					}
				} else {
					for o, err := range s.List(ctx, "") {
						if err != nil {
							last = err
							break
						}
						got = append(got, o.Key)
					}
				}
				if !cmp.Equal(tc.want, got) || !errors.Is(last, faultstore.ErrInjected) {
					t.Errorf("%v (keys only %v): listed %q, %v; want %q then ErrInjected", tc.rule.Mode, keysOnly, got, last, tc.want)
				}
			}
		}
	})
	t.Run("delete after: lost ack", func(t *testing.T) {
		s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpDelete, Mode: faultstore.FailAfter})
		if err := s.Delete(ctx, "c"); !errors.Is(err, faultstore.ErrInjected) {
			t.Errorf("Delete = %v, want ErrInjected", err)
		}
		if ok, _ := storage.Exists(ctx, mem, "c"); ok {
			t.Errorf("FailAfter Delete must still delete")
		}
	})
}

func TestCrash(t *testing.T) {
	ctx := t.Context()
	mem := memstore.New(nil)
	s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: 1, Mode: faultstore.FailAfter, Crash: true})
	if err := storage.WriteAll(ctx, s, "1", nil, nil); err != nil {
		t.Fatalf("first Put = %v", err)
	}
	if err := storage.WriteAll(ctx, s, "2", nil, nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("second Put = %v, want the crash's ErrInjected", err)
	}
	if _, err := storage.ReadAll(ctx, s, "1"); !errors.Is(err, faultstore.ErrCrashed) {
		t.Errorf("Get after the crash = %v, want ErrCrashed", err)
	}
	err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "3"}}, nil)
	if !errors.Is(err, faultstore.ErrCrashed) {
		t.Errorf("PutBatch after the crash = %v, want ErrCrashed", err)
	}
	if got := keys(t, mem); !cmp.Equal(got, []string{"1", "2"}) {
		t.Errorf("wrapped store holds %q, want [1 2]: the crashing Put committed, nothing after it", got)
	}
	s.Reset()
	if err := storage.WriteAll(ctx, s, "4", nil, nil); err != nil {
		t.Errorf("Put after Reset = %v", err)
	}
}

func keys(t *testing.T, s storage.Store) []string {
	var out []string
	for k, err := range storage.Keys(t.Context(), s, "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func TestPutBatchFaults(t *testing.T) {
	ctx := t.Context()
	mem := memstore.New(nil)
	storage.WriteAll(ctx, mem, "e/exists", []byte("old"), nil)
	s := faultstore.New(mem,
		faultstore.Rule{Key: "e/before"},
		faultstore.Rule{Key: "e/after", Mode: faultstore.FailAfter},
	)
	objs := []storage.BatchObject{{Key: "e/ok1"}, {Key: "e/after"}, {Key: "e/exists"}, {Key: "e/before"}, {Key: "e/ok2"}}
	err := storage.PutBatch(ctx, s, objs, &storage.PutOptions{IfNotExist: true})
	var be *storage.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("PutBatch = %v, want a BatchError", err)
	}
	if diff := cmp.Diff([]string{"e/after", "e/exists", "e/before"}, be.Keys()); diff != "" {
		t.Errorf("failed keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"e/after", "e/exists", "e/ok1", "e/ok2"}, keys(t, mem)); diff != "" {
		t.Errorf("wrapped store mismatch (-want +got): FailAfter objects are committed, FailBefore ones are not:\n%s", diff)
	}
	if s.Calls(faultstore.OpPut) != len(objs) {
		t.Errorf("Calls(OpPut) = %d, want one per object", s.Calls(faultstore.OpPut))
	}
}

func TestConcurrentRules(t *testing.T) {
	s := faultstore.New(memstore.New(nil), faultstore.Rule{Op: faultstore.OpPut, Skip: 10, Times: 25})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				if storage.WriteAll(t.Context(), s, "k"+string(rune('a'+w))+string(rune('a'+i)), nil, nil) != nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if failed != 25 || s.Faults() != 25 || s.Calls(faultstore.OpPut) != 160 {
		t.Errorf("failed %d, Faults %d, Calls %d; want 25, 25, 160", failed, s.Faults(), s.Calls(faultstore.OpPut))
	}
}
