//go:build windows

package main

import (
	"os"
	"syscall"
)

// processRunning reports whether process pid still runs.
func processRunning(pid int) bool {
	const stillActive = 259
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code == stillActive
}

// quitServer ends PostgreSQL's postmaster pid. Windows has no SIGQUIT, and
// the tests that need this run on Linux; ending the process is the closest.
func quitServer(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
