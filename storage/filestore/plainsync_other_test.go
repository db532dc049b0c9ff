//go:build !(linux && amd64)

package filestore_test

import "os"

// plainSyncfs is one fsync of the directory where syncfs is not at hand;
// the group-commit ceiling is then not comparable.
func plainSyncfs(f *os.File) error { return f.Sync() }
