//go:build !linux

package stripemock

import "os/exec"

func setProcAttr(*exec.Cmd) {}
