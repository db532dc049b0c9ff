package filestore

import "syscall"

// System calls that package syscall lacks the constant of on linux/amd64.
const (
	sysSyncfs    = 306
	sysRenameat2 = 316
	sysFstatat   = syscall.SYS_NEWFSTATAT
)
