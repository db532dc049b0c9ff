package filestore

import "syscall"

const sysSyncfs = syscall.SYS_SYNCFS
