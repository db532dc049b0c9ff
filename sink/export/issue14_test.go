package export_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const (
	stateDir     = "_ledgersink/export/state/"
	manifestsDir = "_ledgersink/export/manifests/"
	filesDir     = "_ledgersink/export/files/"
)

// answers is every query's answer, and the export files in the store: what
// a damaged store must give as the undamaged one does.
func answers(t *testing.T, s storage.Store, src export.Source) string {
	t.Helper()
	ctx := context.Background()
	tr := newTracker(t, s, src)
	sums, err := tr.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, err := tr.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := tr.Pending(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var manifests []*export.Manifest
	for _, f := range files {
		m, err := tr.Manifest(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, m)
	}
	data, _ := json.MarshalIndent(map[string]any{"summaries": sums, "files": files, "pending": ids(pending),
		"manifests": manifests, "keys": keys(t, s, filesDir)}, "", " ")
	return string(data)
}

// checkNoDouble checks that no document's current version is in two live
// logged exports.
func checkNoDouble(t *testing.T, s storage.Store, src export.Docs) {
	t.Helper()
	ctx := context.Background()
	tr := newTracker(t, s, src)
	for _, d := range src {
		in, err := tr.ExportsOf(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		logged := 0
		for _, f := range in {
			m, err := tr.Manifest(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range m.Documents {
				if m.Logged && it.ID == d.ID && it.Version == d.Version && it.Hash == d.Hash {
					logged++
				}
			}
		}
		if logged > 1 {
			t.Errorf("document %s is exported as logged %d times", d.ID, logged)
		}
	}
}

func mustExport(t *testing.T, tr *export.Tracker, req *export.Request) *export.Manifest {
	t.Helper()
	m, err := tr.Export(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func put(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	if err := storage.WriteAll(context.Background(), s, key, data, nil); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, s storage.Store, key string) []byte {
	t.Helper()
	data, err := storage.ReadAll(context.Background(), s, key)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func del(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if err := s.Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
}

// TestIssue14StateDamage deletes, rolls back or rewrites the state between
// the steps of a run: right after the damage every query answers as on the
// undamaged store, and the rest of the run exports the same documents,
// none twice as logged.
func TestIssue14StateDamage(t *testing.T) {
	ctx := context.Background()
	src := docs()
	steps := []struct {
		name string
		run  func(t *testing.T, tr *export.Tracker)
	}{
		{"export d1 d2", func(t *testing.T, tr *export.Tracker) {
			mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1", "d2"}}})
		}},
		{"unlogged d3", func(t *testing.T, tr *export.Tracker) {
			mustExport(t, tr, &export.Request{Encoder: export.JSON{}, Unlogged: true, Selection: export.Selection{IDs: []string{"d3"}}})
		}},
		{"export the pending", func(t *testing.T, tr *export.Tracker) {
			mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Ext: "rest"})
		}},
		{"delete the first", func(t *testing.T, tr *export.Tracker) {
			files, err := tr.Files(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Delete(ctx, files[0].ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"sync", func(t *testing.T, tr *export.Tracker) {
			if err := tr.Synced(ctx, at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	newest := func(t *testing.T, s storage.Store) string {
		ks := keys(t, s, stateDir)
		return ks[len(ks)-1]
	}
	damages := []struct {
		name   string
		damage func(t *testing.T, s storage.Store)
	}{
		{"newest generation deleted", func(t *testing.T, s storage.Store) { del(t, s, newest(t, s)) }},
		{"state deleted", func(t *testing.T, s storage.Store) {
			for _, k := range keys(t, s, stateDir) {
				del(t, s, k)
			}
		}},
		{"rolled back to the first generation", func(t *testing.T, s storage.Store) {
			for _, k := range keys(t, s, stateDir)[1:] {
				del(t, s, k)
			}
		}},
		{"newest replaced by an empty one", func(t *testing.T, s storage.Store) {
			k := newest(t, s)
			n := strings.TrimLeft(strings.TrimSuffix(strings.TrimPrefix(k, stateDir), ".json"), "0")
			put(t, s, k, []byte(`{"generation":`+n+`,"exports":[]}`))
		}},
		{"newest replaced by the first", func(t *testing.T, s storage.Store) {
			ks := keys(t, s, stateDir)
			var st map[string]any
			if err := json.Unmarshal(read(t, s, ks[0]), &st); err != nil {
				t.Fatal(err)
			}
			var last struct{ Generation int64 }
			if err := json.Unmarshal(read(t, s, ks[len(ks)-1]), &last); err != nil {
				t.Fatal(err)
			}
			st["generation"] = last.Generation
			data, _ := json.Marshal(st)
			put(t, s, ks[len(ks)-1], data)
		}},
	}
	for _, dmg := range damages {
		for k := 1; k <= len(steps); k++ {
			t.Run(fmt.Sprintf("%s after %s", dmg.name, steps[k-1].name), func(t *testing.T) {
				ref, mem := memstore.New(nil), memstore.New(nil)
				for _, step := range steps[:k] {
					step.run(t, newTracker(t, ref, src))
					step.run(t, newTracker(t, mem, src))
				}
				dmg.damage(t, mem)
				if got, want := answers(t, mem, src), answers(t, ref, src); got != want {
					t.Fatalf("after the damage:\n%s\nwant\n%s", got, want)
				}
				for _, step := range steps[k:] {
					step.run(t, newTracker(t, ref, src))
					step.run(t, newTracker(t, mem, src))
				}
				// One more export of whatever is pending: the same documents.
				got, gotErr := newTracker(t, mem, src).Export(ctx, &export.Request{Encoder: export.JSON{}})
				want, wantErr := newTracker(t, ref, src).Export(ctx, &export.Request{Encoder: export.JSON{}})
				if (gotErr == nil) != (wantErr == nil) || gotErr != nil && !errors.Is(gotErr, export.ErrNothing) {
					t.Fatalf("last export: %v, want %v", gotErr, wantErr)
				}
				if gotErr == nil && !slices.Equal(itemIDs(got), itemIDs(want)) {
					t.Errorf("last export holds %v, want %v", itemIDs(got), itemIDs(want))
				}
				checkNoDouble(t, mem, src)
				_ = view(t, mem, src) // every live export has its file
				if gotP, wantP := pendingIDs(t, newTracker(t, mem, src)), pendingIDs(t, newTracker(t, ref, src)); !slices.Equal(gotP, wantP) {
					t.Errorf("pending %v, want %v", gotP, wantP)
				}
			})
		}
	}
}

// The exact case of the issue: the newest generation replaced by an older,
// plausible one; the next export exports nothing twice, and the state is
// written again whole.
func TestIssue14PlausibleGeneration(t *testing.T) {
	mem := memstore.New(nil)
	tr := newTracker(t, mem, docs())
	mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1"}}})
	mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d2"}}})
	put(t, mem, stateDir+"00000000000000000002.json", []byte(`{"generation":2,"exports":[]}`))
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d3", "d4"}) {
		t.Errorf("pending = %v, want [d3 d4]", got)
	}
	m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}})
	if got := itemIDs(m); !slices.Equal(got, []string{"d3", "d4"}) {
		t.Errorf("exported %v, want [d3 d4]", got)
	}
	// The generation written holds every export again.
	var st struct{ Exports []json.RawMessage }
	ks := keys(t, mem, stateDir)
	if err := json.Unmarshal(read(t, mem, ks[len(ks)-1]), &st); err != nil || len(st.Exports) != 3 {
		t.Errorf("newest generation holds %d exports, want 3 (%v)", len(st.Exports), err)
	}
	checkNoDouble(t, mem, docs())
}

// Records that do not describe an export are errors, never ignored.
func TestIssue14DamagedRecords(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		damage func(t *testing.T, s storage.Store, id string)
	}{
		{"a foreign key among the manifests", func(t *testing.T, s storage.Store, id string) {
			put(t, s, manifestsDir+"notes.txt", []byte("hello"))
		}},
		{"a foreign key among the generations", func(t *testing.T, s storage.Store, id string) {
			put(t, s, stateDir+"notes.txt", []byte("hello"))
		}},
		{"a manifest that is not JSON", func(t *testing.T, s storage.Store, id string) {
			for _, k := range keys(t, s, stateDir) {
				del(t, s, k)
			}
			del(t, s, manifestsDir+id+".json")
			put(t, s, manifestsDir+id+".json", []byte("{"))
		}},
		{"a manifest naming a file outside its export", func(t *testing.T, s storage.Store, id string) {
			for _, k := range keys(t, s, stateDir) {
				del(t, s, k)
			}
			var m map[string]any
			_ = json.Unmarshal(read(t, s, manifestsDir+id+".json"), &m)
			put(t, s, "keep/me.txt", []byte("precious"))
			m["file"] = "keep/me.txt"
			data, _ := json.Marshal(m)
			put(t, s, manifestsDir+id+".json", data)
		}},
		{"a manifest with a member twice", func(t *testing.T, s storage.Store, id string) {
			for _, k := range keys(t, s, stateDir) {
				del(t, s, k)
			}
			data := read(t, s, manifestsDir+id+".json")
			put(t, s, manifestsDir+id+".json", append([]byte(`{"id":"x",`), data[1:]...))
		}},
		{"a deletion record of another export", func(t *testing.T, s storage.Store, id string) {
			put(t, s, manifestsDir+id+".deleted.json", []byte(`{"id":"0123456789abcdef0123","deletedAt":"2024-03-01T12:00:00Z"}`))
		}},
		{"a state generation with a null export", func(t *testing.T, s storage.Store, id string) {
			put(t, s, stateDir+"00000000000000000002.json", []byte(`{"generation":2,"exports":[null]}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New(nil)
			tr := newTracker(t, mem, docs())
			m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1"}}})
			tt.damage(t, mem, m.ID)
			if _, err := tr.Pending(ctx, nil); !errors.Is(err, export.ErrDamaged) {
				t.Errorf("Pending: %v, want ErrDamaged", err)
			}
			if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{Again: true}}); !errors.Is(err, export.ErrDamaged) {
				t.Errorf("Export: %v, want ErrDamaged", err)
			}
			if err := tr.Delete(ctx, m.ID); !errors.Is(err, export.ErrDamaged) {
				t.Errorf("Delete: %v, want ErrDamaged", err)
			}
			if ok, _ := storage.Exists(ctx, mem, "keep/me.txt"); !ok && strings.Contains(tt.name, "outside") {
				t.Error("a damaged manifest made Delete remove another object")
			}
		})
	}
}

// A deletion interrupted after its record is completed by the next load:
// the export is deleted for every query, and its files go at the next
// write.
func TestIssue14DeletionRecordFirst(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	tr := newTracker(t, mem, docs())
	m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}})
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Key: stateDir + "*", Crash: true})
	if err := newTracker(t, fs, docs()).Delete(ctx, m.ID); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Delete: %v, want the crash", err)
	}
	if ok, _ := storage.Exists(ctx, mem, manifestsDir+m.ID+".deleted.json"); !ok {
		t.Fatal("no deletion record")
	}
	if got := pendingIDs(t, tr); len(got) != 4 {
		t.Errorf("pending = %v, want all: the deletion is recorded", got)
	}
	if _, _, err := tr.Open(ctx, m.ID); !errors.Is(err, export.ErrNotFound) {
		t.Errorf("Open: %v, want ErrNotFound", err)
	}
	if err := tr.Delete(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, mem, filesDir); len(got) != 0 {
		t.Errorf("files left: %v", got)
	}
}

// A retry that finds the export's file replaced by hand refuses it and
// records nothing; put back, the export completes.
func TestIssue14RetryRefusesReplacedFile(t *testing.T) {
	ctx := context.Background()
	for _, fec := range []bool{false, true} {
		t.Run(fmt.Sprint("fec=", fec), func(t *testing.T) {
			mem := memstore.New(nil)
			req := &export.Request{Encoder: export.CSV{}}
			if fec {
				enc, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31)})
				if err != nil {
					t.Fatal(err)
				}
				req.Encoder = enc
			}
			// The first attempt dies once its files are written.
			fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpList, Key: stateDir, Skip: 1, Crash: true})
			if _, err := newTracker(t, fs, docs()).Export(ctx, req); !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("first attempt: %v", err)
			}
			written := keys(t, mem, filesDir)
			if len(written) == 0 {
				t.Fatal("the first attempt wrote no file")
			}
			for _, key := range written {
				original := read(t, mem, key)
				put(t, mem, key, []byte("replaced by hand\n"))
				tr := newTracker(t, mem, docs())
				_, err := tr.Export(ctx, req)
				if !errors.Is(err, export.ErrFileConflict) || !errors.Is(err, storage.ErrConflict) {
					t.Fatalf("retry over %s replaced: %v, want ErrFileConflict", key, err)
				}
				if got := read(t, mem, key); string(got) != "replaced by hand\n" {
					t.Errorf("the replaced file was overwritten: %q", got)
				}
				if g, _ := tr.Generation(ctx); g != 0 {
					t.Errorf("a refused retry committed generation %d", g)
				}
				put(t, mem, key, original)
			}
			m, err := newTracker(t, mem, docs()).Export(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if got := read(t, mem, m.File); string(got) == "replaced by hand\n" {
				t.Error("the export holds the replaced file")
			}
		})
	}
}

// TestIssue14ExportRacingDelete runs an attempt of an export while another
// attempt of the same export commits it and a Delete deletes it, at every
// step of the first: it never reports success for the deleted export, and
// no file of it stays.
func TestIssue14ExportRacingDelete(t *testing.T) {
	ctx := context.Background()
	req := &export.Request{Encoder: export.CSV{}, Ext: "race"}
	points := []struct {
		name string
		op   faultstore.Op
		key  string
	}{
		{"before the file", faultstore.OpPut, filesDir + "*/*"},
		{"before the state", faultstore.OpPut, stateDir + "*"},
		{"before re-reading the state", faultstore.OpList, stateDir},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			mem := memstore.New(nil)
			done := false
			var id string
			race := func(op faultstore.Op, key string) bool {
				if done || op != p.op {
					return false
				}
				if ok, _ := pathMatch(p.key, key); !ok {
					return false
				}
				if p.op == faultstore.OpList && len(keys(t, mem, filesDir)) == 0 {
					return false // the first listing, before the file
				}
				done = true
				other := newTracker(t, mem, docs())
				m, err := other.Export(ctx, req)
				if err != nil {
					t.Errorf("the other attempt: %v", err)
					return false
				}
				id = m.ID
				if err := other.Delete(ctx, m.ID); err != nil {
					t.Errorf("Delete: %v", err)
				}
				return false
			}
			fs := faultstore.New(mem, faultstore.Rule{Match: race})
			m, err := newTracker(t, fs, docs()).Export(ctx, req)
			if !done {
				t.Fatal("the race never ran")
			}
			if err == nil {
				t.Fatalf("Export reported success for %s, deleted", m.ID)
			}
			if !errors.Is(err, export.ErrDeleted) {
				t.Errorf("Export: %v, want ErrDeleted", err)
			}
			if got := keys(t, mem, filesDir); len(got) != 0 {
				t.Errorf("files left: %v", got)
			}
			if got := pendingIDs(t, newTracker(t, mem, docs())); len(got) != 4 {
				t.Errorf("pending = %v, want all", got)
			}
			if _, err := newTracker(t, mem, docs()).Manifest(ctx, id); err != nil {
				t.Errorf("the deleted export's manifest: %v", err)
			}
		})
	}
}

func pathMatch(pattern, key string) (bool, error) {
	if strings.HasSuffix(pattern, "*/*") {
		return strings.HasPrefix(key, strings.TrimSuffix(pattern, "*/*")), nil
	}
	if strings.HasSuffix(pattern, "*") {
		return strings.HasPrefix(key, strings.TrimSuffix(pattern, "*")), nil
	}
	return key == pattern, nil
}

// The same race with a Key: the retry's answer is an error, not the
// committed export, once it is deleted.
func TestIssue14KeyOfDeletedExport(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, memstore.New(nil), docs())
	m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Key: "job-1"})
	if err := tr.Delete(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Key: "job-1"}); !errors.Is(err, export.ErrDeleted) {
		t.Errorf("Export with the key of a deleted export: %v, want ErrDeleted", err)
	}
}

// TestIssue14ContentChanges: a source that gives no version, or the same
// version with other content, has its changes seen through the content
// hash, the one document.ContentHash computes.
func TestIssue14ContentChanges(t *testing.T) {
	ctx := context.Background()
	for _, version := range []string{"", "7"} {
		t.Run("version "+version, func(t *testing.T) {
			src := &source{docs: docs()}
			for _, d := range src.docs {
				d.Version, d.Hash = version, ""
			}
			tr := newTracker(t, memstore.New(nil), src)
			m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}})
			for i, it := range m.Documents {
				want, err := document.ContentHash(src.docs[i].Data)
				if err != nil || it.Hash != want {
					t.Errorf("%s: hash %q, want ContentHash %q (%v)", it.ID, it.Hash, want, err)
				}
			}
			if src.docs[0].Hash != "" {
				t.Error("the tracker modified the source's document")
			}
			// d2's amounts are corrected, with no new version.
			changed := slices.Clone(src.docs)
			d2 := *changed[1]
			e := *d2.Data.(*entry.Entry)
			e.Movements = slices.Clone(e.Movements)
			e.Movements[0].Description = "corrigée"
			d2.Data = &e
			changed[1] = &d2
			src.set(changed)
			if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d2"}) {
				t.Errorf("pending = %v, want [d2]", got)
			}
			if ms, err := tr.Mutations(ctx, "d2"); err != nil || len(ms) != 1 || ms[0].FieldName != export.FieldOther {
				t.Errorf("Mutations(d2) = %v, %v; want other", ms, err)
			}
			if got := itemIDs(mustExport(t, tr, &export.Request{Encoder: export.CSV{}})); !slices.Equal(got, []string{"d2"}) {
				t.Errorf("exported %v, want [d2]", got)
			}
		})
	}
	// A source listing headers without a hash is an error, never "no change".
	tr := newTracker(t, memstore.New(nil), headersOnly{docs()})
	if _, err := tr.Pending(ctx, nil); !errors.Is(err, export.ErrConfig) {
		t.Errorf("headers without hashes: %v, want ErrConfig", err)
	}
}

// headersOnly is a HeaderSource that gives no hash.
type headersOnly struct{ export.Docs }

func (h headersOnly) Headers(ctx context.Context) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for _, d := range h.Docs {
			c := *d
			c.Data, c.Hash = nil, ""
			if !yield(&c, nil) {
				return
			}
		}
	}
}

// A store written by an earlier version (manifests written before commit,
// in "exports/", items without hashes, exports without a commit number)
// keeps its exports: documents exported without a hash stay exported, the
// first write publishes their manifests, which rebuild the state if it is
// lost; a state lost before that is a clear error.
func TestIssue14EarlierVersionStore(t *testing.T) {
	ctx := context.Background()
	const id = "0123456789abcdef0123"
	legacy := func() *memstore.Store {
		mem := memstore.New(nil)
		name := "export-" + id + ".csv"
		m := fmt.Sprintf(`{"id":%q,"file":"_ledgersink/export/files/%s/%s","name":%q,"format":"csv","logged":true,`+
			`"createdAt":"2024-02-01T12:00:00Z","base":0,"fileHash":"00","documents":[{"id":"d1","type":"purchase_invoice","version":"1"}]}`, id, id, name, name)
		put(t, mem, "_ledgersink/export/exports/"+id+".json", []byte(m))
		put(t, mem, "_ledgersink/export/exports/fedcba98765432100123.json", []byte(`{"id":"fedcba98765432100123"}`)) // lost a race
		put(t, mem, stateDir+"00000000000000000001.json", []byte(`{"generation":1,"exports":[{"manifest":`+m+`}]}`))
		put(t, mem, filesDir+id+"/"+name, []byte("document_id\n"))
		return mem
	}
	src := docs()
	for _, d := range src {
		d.Hash = "" // the source gives none: ContentHash
	}
	mem := legacy()
	tr := newTracker(t, mem, src)
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d2", "d3", "d4"}) {
		t.Errorf("pending = %v, want [d2 d3 d4]: d1 was exported without a hash", got)
	}
	mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d2"}}})
	if ok, _ := storage.Exists(ctx, mem, manifestsDir+id+".json"); !ok {
		t.Error("the first write did not publish the earlier export's manifest")
	}
	for _, k := range keys(t, mem, stateDir) {
		del(t, mem, k)
	}
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d3", "d4"}) {
		t.Errorf("pending after the state was lost = %v, want [d3 d4]", got)
	}

	mem = legacy()
	del(t, mem, stateDir+"00000000000000000001.json")
	_, err := newTracker(t, mem, src).Export(ctx, &export.Request{Encoder: export.CSV{}})
	if !errors.Is(err, export.ErrDamaged) || !strings.Contains(err.Error(), "restore") {
		t.Errorf("Export with the state lost and earlier manifests: %v, want ErrDamaged saying what to restore", err)
	}
}

// TestIssue14FileNameTemplate names files in the seed's form, and a
// retried export whose name changed (a later instant) keeps one file.
func TestIssue14FileNameTemplate(t *testing.T) {
	ctx := context.Background()
	const seedForm = `{{if not .Logged}}unlogged-{{end}}purchase-export-{{.At.Format "20060102 150405"}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}`
	mem := memstore.New(&memstore.Options{Now: now})
	clock := at
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	tr, err := export.New(mem, docs(), &export.Options{Now: tick, FileName: seedForm})
	if err != nil {
		t.Fatal(err)
	}
	m := mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Ext: "Maart", Selection: export.Selection{IDs: []string{"d1"}}})
	if want := "purchase-export-20240301 120001-maart.csv"; m.Name != want {
		t.Errorf("logged: %q, want %q", m.Name, want)
	}
	u := mustExport(t, tr, &export.Request{Encoder: export.JSON{}, Unlogged: true, Selection: export.Selection{IDs: []string{"d1"}}})
	if want := "unlogged-purchase-export-20240301 120002.json"; u.Name != want {
		t.Errorf("unlogged: %q, want %q", u.Name, want)
	}

	// The first attempt dies after its file; the retry, a second later,
	// names its file otherwise and commits it; Sweep removes the first.
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpList, Key: stateDir, Skip: 1, Crash: true})
	crashing, _ := export.New(fs, docs(), &export.Options{Now: tick, FileName: seedForm})
	req := &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d2"}}}
	if _, err := crashing.Export(ctx, req); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("first attempt: %v", err)
	}
	r := mustExport(t, tr, req)
	dir := filesDir + r.ID + "/"
	if got := keys(t, mem, dir); len(got) != 2 {
		t.Fatalf("files of %s: %v, want the first attempt's and the retry's", r.ID, got)
	}
	if n, err := tr.Sweep(ctx, at.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("Sweep = %d, %v", n, err)
	}
	if got := keys(t, mem, dir); !slices.Equal(got, []string{r.File}) {
		t.Errorf("files of %s after Sweep: %v, want [%s]", r.ID, got, r.File)
	}

	// Templates that do not parse, or give no valid name, are refused.
	if _, err := export.New(mem, docs(), &export.Options{FileName: "{{.Nope"}); !errors.Is(err, export.ErrConfig) {
		t.Errorf("bad template: %v, want ErrConfig", err)
	}
	empty := memstore.New(nil)
	for _, tmpl := range []string{"a/{{.ID}}", "", "{{.Missing}}", ".."} {
		if tmpl == "" {
			continue
		}
		tr, err := export.New(empty, docs(), &export.Options{FileName: tmpl})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}}); !errors.Is(err, export.ErrConfig) {
			t.Errorf("template %q: %v, want ErrConfig", tmpl, err)
		}
	}
	for obj := range empty.List(ctx, "") {
		t.Errorf("a refused export wrote %s", obj.Key)
	}
}

// TestIssue14SummaryList publishes the summary list after each sync, export
// and deletion, and pins its bytes.
func TestIssue14SummaryList(t *testing.T) {
	ctx := context.Background()
	const key = "public/incoming-summary-list.json"
	mem := memstore.New(nil)
	src := &source{docs: docs()}
	tr, err := export.New(mem, src, &export.Options{Now: now, SummaryList: key})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		var got export.SummaryList
		if err := json.Unmarshal(read(t, mem, key), &got); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		sums, err := tr.Summaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		date, err := tr.SyncDate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(export.SummaryList{SyncDate: date, List: sums}, got); diff != "" {
			t.Errorf("%s: published list (-want +got):\n%s", step, diff)
		}
	}
	if d, err := tr.SyncDate(ctx); !d.IsZero() || err != nil {
		t.Errorf("SyncDate before any sync = %v, %v", d, err)
	}
	if err := tr.Synced(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if d, _ := tr.SyncDate(ctx); !d.Equal(at) {
		t.Errorf("SyncDate = %v, want %v", d, at)
	}
	check("first sync")
	first := mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Ext: "march", Selection: export.Selection{IDs: []string{"d1", "d2"}}})
	check("export")
	mustExport(t, tr, &export.Request{Encoder: export.JSON{}, Unlogged: true, Selection: export.Selection{IDs: []string{"d2", "d3"}}})
	check("unlogged export")
	src.set(export.Docs{doc("d1", 1, "2", "paid"), docs()[1], docs()[2]})
	synced := at.Add(2 * time.Hour)
	if err := tr.Synced(ctx, synced); err != nil {
		t.Fatal(err)
	}
	if err := tr.Synced(ctx, at.Add(time.Hour)); err != nil { // an earlier sync, recorded late
		t.Fatal(err)
	}
	if d, _ := tr.SyncDate(ctx); !d.Equal(synced) {
		t.Errorf("SyncDate = %v, want the latest, %v", d, synced)
	}
	check("second sync")
	golden(t, "summary-list.json.golden", read(t, mem, key))
	if err := tr.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	check("deletion")

	// A failed write of the list: the export is made and returned, with
	// an error saying the list is not published; Publish writes it.
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Key: key, Times: 1})
	failing, _ := export.New(fs, src, &export.Options{Now: now, SummaryList: key})
	m, err := failing.Export(ctx, &export.Request{Encoder: export.CSV{}})
	if m == nil || !errors.Is(err, export.ErrPublish) || !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Export with the list failing: %v, %v; want the manifest and ErrPublish", m, err)
	}
	if err := failing.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	check("publish")
	if err := newTracker(t, mem, src).Publish(ctx); !errors.Is(err, export.ErrConfig) {
		t.Errorf("Publish without a list: %v, want ErrConfig", err)
	}
	for _, bad := range []string{"_ledgersink/export/manifests/list.json", "_ledgersink/export/state/x.json", "/list.json",
		"_ledgersink/export/files", "_ledgersink/export", "_ledgersink"} {
		if _, err := export.New(mem, src, &export.Options{SummaryList: bad}); !errors.Is(err, export.ErrConfig) {
			t.Errorf("SummaryList %q: %v, want ErrConfig", bad, err)
		}
	}
}

// Two writers of the list: the last written is the latest.
func TestIssue14SummaryListRace(t *testing.T) {
	ctx := context.Background()
	const key = "incoming-summary-list.json"
	mem := memstore.New(nil)
	var slow *export.Tracker
	// slow computes its list, then another export commits and publishes
	// before slow writes its list, which is then stale.
	raced := false
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Key: key, Match: func(faultstore.Op, string) bool {
		if !raced {
			raced = true
			other, _ := export.New(mem, docs(), &export.Options{Now: now, SummaryList: key})
			if _, err := other.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d2"}}}); err != nil {
				t.Error(err)
			}
		}
		return false
	}})
	slow, _ = export.New(fs, docs(), &export.Options{Now: now, SummaryList: key})
	mustExport(t, slow, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1"}}})
	var got export.SummaryList
	if err := json.Unmarshal(read(t, mem, key), &got); err != nil {
		t.Fatal(err)
	}
	for _, s := range got.List {
		if exported := s.ID == "d1" || s.ID == "d2"; s.Pending == exported {
			t.Errorf("published %s pending=%v: the list is stale", s.ID, s.Pending)
		}
	}
}

// PendingCount counts what Pending lists, with the date ranges.
func TestIssue14PendingCount(t *testing.T) {
	ctx := context.Background()
	src := &source{docs: docs()}
	tr := newTracker(t, memstore.New(nil), src)
	mustExport(t, tr, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1", "d2"}}})
	src.set(export.Docs{doc("d1", 1, "2", "paid"), docs()[1], docs()[2], docs()[3]})
	tests := []struct {
		name string
		sel  *export.Selection
		want export.Counts
	}{
		{"all", nil, export.Counts{Documents: 3, Mutated: 1,
			CreatedFrom: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC), CreatedTo: time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC),
			InvoiceFrom: date(2024, 1, 8), InvoiceTo: date(2024, 1, 29)}},
		{"invoiced from the 20th", &export.Selection{InvoiceFrom: date(2024, 1, 20)}, export.Counts{Documents: 2,
			CreatedFrom: time.Date(2024, 1, 4, 9, 0, 0, 0, time.UTC), CreatedTo: time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC),
			InvoiceFrom: date(2024, 1, 22), InvoiceTo: date(2024, 1, 29)}},
		{"ids", &export.Selection{IDs: []string{"d1", "d2"}}, export.Counts{Documents: 1, Mutated: 1,
			CreatedFrom: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC), CreatedTo: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC),
			InvoiceFrom: date(2024, 1, 8), InvoiceTo: date(2024, 1, 8)}},
		{"none", &export.Selection{CreatedFrom: date(2025, 1, 1)}, export.Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tr.PendingCount(ctx, tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PendingCount (-want +got):\n%s", diff)
			}
			listed, err := tr.Pending(ctx, tt.sel)
			if err != nil || len(listed) != got.Documents {
				t.Errorf("Pending lists %d, PendingCount counts %d (%v)", len(listed), got.Documents, err)
			}
		})
	}
}
