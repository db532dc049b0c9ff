// Package filestore is a [storage.Store] over a local directory.
//
//	s, err := filestore.New("/srv/sink", &filestore.Options{Sync: true})
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//
// A key maps to the file root/filepath.FromSlash(key); its directories are
// created on demand.
//
// # Atomicity and create-only writes
//
// Put writes to a temporary file in the key's own directory (never in
// os.TempDir, so the final rename never crosses a file system) and
// publishes it once complete: by rename(2) over the key, or, for a
// create-only Put (IfNotExist), by a step that fails when the key exists:
// on Linux (amd64, arm64) renameat2(2) with RENAME_NOREPLACE; elsewhere
// link(2) to the key, then the removal of the temporary file. Readers
// therefore see the old object or the complete new one, and of several
// create-only Puts racing for a key exactly one wins, even across
// processes sharing the root.
//
// A Linux file system without RENAME_NOREPLACE (some overlay and network
// ones) makes a Store use link(2) from its first create-only Put on. The
// link needs hard links: every Unix file system and NTFS have them; FAT and
// some network shares do not, and create-only Puts fail there.
//
// Temporary files are named [TempPrefix] followed by 24 hex digits. Keys
// using that prefix in any element are rejected with [storage.RuleReserved];
// List never yields them. They are removed on every error and on
// cancellation; only a crash of the process (or of the machine) between
// writing and publishing can leave one behind, hidden from List, until the
// next Store that writes the folder removes it (below).
//
// # Leftovers
//
// The temporary files of a killed run are removed by the next run that
// writes the same folder, never those of a run still writing. Each Store
// marks its temporary files with a random tag and, before its first one,
// creates a lock file in the root (named [TempPrefix], the tag and
// ".lock": reserved and never listed like the temporary files; created
// exclusively, never through a symbolic link) on which it holds flock(2)
// until Close, which removes it. The lock file lists the folders the Store
// writes into. The system releases the lock when the process dies, however
// it dies, so a lock that can be taken marks a dead Store.
//
// A Store's first write sweeps the root once: for each dead Store's lock
// file, it lists each folder that Store wrote into, removes the dead
// Store's temporary files there, then the lock file. Its first write into
// any other existing folder lists that folder once and removes the
// temporary files of dead Stores found there. A temporary file whose owner
// cannot be told (no lock file: left by an older version of this package,
// or on a system without flock(2), such as Windows, where every leftover is
// judged this way) is removed once older than [Options.OrphanAge], an hour
// by default. After that, writes list nothing: each folder is listed at
// most once per Store, a folder the Store creates not at all. Removal is
// best effort and never fails a write. [Options.NoCleanup] turns it off,
// as a root shared between machines needs when the network file system
// does not share flock(2) locks between them; [Store.RemoveTemp] removes
// leftovers in every folder on request.
//
// # Durability
//
// By default writes are atomic but not durable: after a power failure the
// last objects written may be missing (never partial). [Options.Sync]
// makes Put and Delete durable before they return, at the cost of a fsync
// of the file and of its directory per Put. [Store.PutBatch] is the fast
// way to write many objects durably: it writes them all, flushes the file
// system once (syncfs(2) on Linux; one fsync per file elsewhere, with
// [Options.NoSyncfs], or where the system refuses syncfs), publishes them,
// and fsyncs each directory once; the sink's group commits use it through
// [storage.PutBatch].
//
// # System calls
//
// On Linux (amd64, arm64), Put and PutBatch work in a directory through
// its file descriptor, with system calls naming one element relative to
// it: a create-only Put of a small file into an existing directory is six
// calls (open the directory, create, write, close, renameat2, close), and
// Options.Sync adds two fsyncs. Elsewhere every step goes through an
// [os.Root] and an [os.File]: about fifteen calls, twenty-four with Sync.
//
// # Confinement
//
// Every access starts from the root: through an [os.Root], or, for Put and
// PutBatch on Linux (amd64, arm64), through directory descriptors opened
// from the root's one element at a time without following links (a
// directory reached through a link is then opened by the Root). Keys are
// checked with [storage.CheckKey] first, and a symbolic link inside the
// root that leads outside it (absolute, or relative with ".."), at any
// depth, makes the operation fail instead of following it. List and Keys never follow
// symbolic links, not even in the directory part of their prefix, and list
// only regular files; Get and Put follow a link only while it stays inside
// the root; Delete removes a link, never its target; Put
// over a link replaces the link. Names that no valid key can produce (left
// by other programs) are not listed. Lock files are created in the root
// only, exclusively (a link in the way makes the Store draw another name);
// another Store's lock file counts only if it is a regular file, not a
// link, and the folders it lists are opened as a key's folder is, each a
// valid key's folder, so removing leftovers never reaches outside the
// root.
//
// # Listing
//
// List walks the directories under the prefix, reading each directory once
// and sorting its entries so that keys come out in byte order of the whole
// key; it stats each file (relative to its directory) for Object.Size and
// ModTime. [Store.Keys] (the [storage.KeyLister] fast path, used by
// [storage.Keys]) reads only the entry types the directory reports, with no
// stat per file, which is several times faster on large directories
// (BenchmarkList against BenchmarkListCeiling, os.ReadDir).
//
// # Limits
//
// A file system cannot hold "a/b" and "a/b/c" at once ("a/b" would be both
// a file and a directory): such a Put fails with an error matching
// [ErrConflict] and changes nothing. Keys are case-sensitive; on a
// case-insensitive file system (macOS and Windows defaults) "A" and "a"
// are the same file, so use lower-case keys there, as the SDK does.
// Creating many files soon after deleting many is markedly slower on some
// file systems (inode reuse): consumers that delete processed files at once
// should expect it.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, and several
// Stores, in one process or several, may share a root.
package filestore
