//go:build windows

package localpg

import (
	"context"
	"io/fs"
	"os/exec"
	"syscall"
)

// serverUser is unused on Windows: pg_ctl and initdb drop administrator
// rights by themselves, so the server runs as the signed-in user.
type serverUser struct{}

func runAsUser() (*serverUser, error) { return nil, nil }

func command(ctx context.Context, _ *serverUser, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, argv[0], argv[1:]...)
}

// detach keeps a console's Ctrl-C from reaching the server.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func giveTo(*serverUser, string, bool) error { return nil }

func openPath(*serverUser, string) error { return nil }

func ownedBy(*serverUser, fs.FileInfo) bool { return true }

// serverAlive reports whether pid is a running process. Windows offers no
// cheap way to see its data directory; postgres itself double-checks the
// lock file when it starts.
func serverAlive(pid int, _ string) bool {
	const stillActive = 259
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code == stillActive
}

// socketDir is empty: the demo talks to the server over TCP on 127.0.0.1.
func socketDir(*serverUser, string) (string, error) { return "", nil }
