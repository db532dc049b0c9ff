//go:build unix

package filestore_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// TestForeignFilesHidden plants what another program might leave in the
// root: temporary files, names no key can produce, a FIFO, symbolic links.
// List and Keys skip them all; Get never hangs on the FIFO.
func TestForeignFilesHidden(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	ctx := t.Context()
	if err := storage.WriteAll(ctx, s, "e/ok.json", []byte("ok"), nil); err != nil {
		t.Fatal(err)
	}
	write := func(rel string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("foreign"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("e/" + filestore.TempPrefix + "0123")
	write(filestore.TempPrefix + "dir/x")
	write("e/bad\x01name")
	write("e/bad\\name")
	write("e/bad\xffname")
	if err := syscall.Mkfifo(filepath.Join(dir, "e", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.json", filepath.Join(dir, "e", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "e", "loop")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, err := range storage.Keys(ctx, s, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	var listed []string
	for o, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, o.Key)
	}
	want := []string{"e/ok.json"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("Keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, "e/fifo"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get of a FIFO = %v, want ErrNotExist (and no hang)", err)
	}
	// A FIFO where a directory is expected makes Put and PutBatch fail, not hang.
	if err := storage.WriteAll(ctx, s, "e/fifo/x", nil, nil); !errors.Is(err, filestore.ErrConflict) {
		t.Errorf("Put below a FIFO = %v, want ErrConflict (and no hang)", err)
	}
	if err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "e/fifo/x"}}, nil); !errors.Is(err, filestore.ErrConflict) {
		t.Errorf("PutBatch below a FIFO = %v, want ErrConflict (and no hang)", err)
	}
	for k, err := range storage.Keys(ctx, s, "e/fifo/") {
		t.Errorf("Keys below a FIFO yielded %q, %v; want nothing", k, err)
	}
	if _, err := s.Get(ctx, "e"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get of a directory = %v, want ErrNotExist", err)
	}
	// A link inside the root that stays inside is followed by Get.
	if got, err := storage.ReadAll(ctx, s, "e/link"); err != nil || string(got) != "ok" {
		t.Errorf("Get of an inside symlink = %q, %v; want the target's content", got, err)
	}
	// Deleting a link removes the link, never its target.
	if err := s.Delete(ctx, "e/link"); err != nil {
		t.Errorf("Delete of a symlink = %v", err)
	}
	if got, err := storage.ReadAll(ctx, s, "e/ok.json"); err != nil || string(got) != "ok" {
		t.Errorf("target after deleting its link = %q, %v", got, err)
	}
}

// TestPutThroughInsideLink puts below a directory reached through a
// symbolic link that stays inside the root: the link is followed, as the
// package documents, by Put (create-only or not) and PutBatch alike.
func TestPutThroughInsideLink(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, &filestore.Options{Sync: true})
	ctx := t.Context()
	if err := os.MkdirAll(filepath.Join(dir, "real", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("real", "sub"), filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	if err := storage.WriteAll(ctx, s, "alias/a", []byte("a"), &storage.PutOptions{IfNotExist: true}); err != nil {
		t.Errorf("create-only Put through an inside link = %v", err)
	}
	if err := storage.WriteAll(ctx, s, "alias/a", []byte("A"), &storage.PutOptions{IfNotExist: true}); !errors.Is(err, storage.ErrExist) {
		t.Errorf("create-only Put of an existing key through an inside link = %v, want ErrExist", err)
	}
	if err := storage.WriteAll(ctx, s, "alias/b", []byte("b"), nil); err != nil {
		t.Errorf("Put through an inside link = %v", err)
	}
	if err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "alias/c", Data: []byte("c")}}, nil); err != nil {
		t.Errorf("PutBatch through an inside link = %v", err)
	}
	want := map[string]string{"alias": "-> " + filepath.Join("real", "sub"), "real/sub/a": "a", "real/sub/b": "b", "real/sub/c": "c"}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("files on disk mismatch (-want +got):\n%s", diff)
	}
}
