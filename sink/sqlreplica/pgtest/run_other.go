//go:build !unix

package pgtest

import (
	"os"
	"os/exec"
)

type runner struct {
	dir string
}

func newRunner(dir string) *runner { return &runner{dir: dir} }

func (r *runner) prepare() error { return nil }

func (r *runner) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	return cmd
}
