//go:build windows

package localpg

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// serverUser is unused on Windows: pg_ctl and initdb drop administrator
// rights by themselves, so the server runs as the signed-in user.
type serverUser struct{}

func runAsUser() (*serverUser, error) { return nil, nil }

// createNoWindow is CREATE_NO_WINDOW, which package syscall does not name.
const createNoWindow = 0x08000000

// command starts argv without a window. The packaged ResetDesk.exe is a GUI
// program with no console to share, so Windows would open a console window
// for every tool it runs: pg_ctl's stayed open as long as the demo's server
// ran, and closing it shut the server down. The tool still gets a console,
// only an invisible one, which the server that pg_ctl starts inherits.
func command(ctx context.Context, _ *serverUser, argv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
	return cmd
}

// detach keeps a console's Ctrl-C from reaching the server: a process group
// of its own, on top of the hidden console command gives it.
func detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

// watchdogAttrs starts the watchdog without a window, console or other,
// and out of reach of the console's Ctrl-C.
func watchdogAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow | syscall.CREATE_NEW_PROCESS_GROUP}
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

// lockShared waits for a shared lock on f: see Cluster.useShared.
func lockShared(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), 0, 0, 1, 0, new(windows.Overlapped))
}

// tryLockExclusive takes an exclusive lock on f if nobody holds one, and
// reports whether it did.
func tryLockExclusive(f *os.File) (bool, error) {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
		0, 1, 0, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

// lockExclusive waits for an exclusive lock on f.
func lockExclusive(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, new(windows.Overlapped))
}

// unlock lets go of f's lock.
func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
}
