//go:build windows

package pgbouncertest

import "os/exec"

// credential is unused on Windows, where PgBouncer runs as us; it has the
// fields the auth_file's chown would read on Unix.
type credential struct{ Uid, Gid uint32 }

func runAs(string) (*credential, error) { return nil, nil }

func runInGroupAs(*exec.Cmd, *credential) {}

// interruptGroup ends PgBouncer: Windows has no SIGINT for another process.
func interruptGroup(cmd *exec.Cmd) { cmd.Process.Kill() }

func killGroup(cmd *exec.Cmd) { cmd.Process.Kill() }
