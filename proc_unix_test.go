//go:build !windows

package main

import "syscall"

// processRunning reports whether process pid still exists (a zombie counts).
func processRunning(pid int) bool { return syscall.Kill(pid, 0) == nil }

// quitServer asks PostgreSQL's postmaster pid for an immediate shutdown,
// which is what SIGQUIT means to it.
func quitServer(pid int) { syscall.Kill(pid, syscall.SIGQUIT) }
