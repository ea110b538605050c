package redistest

import "syscall"

// sysProcAttr makes the kernel kill a node when the test process dies
// without its cleanups (a panic, a test timeout), so that no redis-server
// outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
