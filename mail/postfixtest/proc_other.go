//go:build !linux

package postfixtest

import (
	"os"
	"syscall"
)

// Start skips on these systems before it starts anything; these only keep
// the package compiling there.

func ownGroup() *syscall.SysProcAttr { return nil }

func signalGroup(p *os.Process, sig syscall.Signal) error { return p.Signal(sig) }
