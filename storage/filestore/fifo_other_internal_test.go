//go:build !unix

package filestore

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
