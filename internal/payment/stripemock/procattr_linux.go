package stripemock

import (
	"os/exec"
	"syscall"
)

// setProcAttr kills stripe-mock when the test process dies without running
// its cleanups (a panic, a timeout).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
