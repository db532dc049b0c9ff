package filestore

// sysSyncfs is syncfs(2) on linux/amd64; package syscall lacks the constant.
const sysSyncfs = 306
