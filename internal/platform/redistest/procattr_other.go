//go:build !linux

package redistest

import "syscall"

// sysProcAttr: only Linux can tie a child's life to its parent's; elsewhere
// the nodes are stopped by the test's cleanup alone.
func sysProcAttr() *syscall.SysProcAttr { return nil }
