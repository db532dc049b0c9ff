package azblobstore_test

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the emulator in its own process group, so that stopping
// it also stops any process a wrapper script started, and has the kernel
// kill it if the test binary dies without cleaning up (a -timeout panic).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// stopProcess asks the emulator's process group to stop.
func stopProcess(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// killProcess kills the emulator's process group.
func killProcess(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
