package postfixtest

import (
	"os"
	"syscall"
)

// ownGroup puts a child in a process group of its own, so that a signal can
// reach it and every process it starts at once.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to the process group that p leads.
func signalGroup(p *os.Process, sig syscall.Signal) error { return syscall.Kill(-p.Pid, sig) }
