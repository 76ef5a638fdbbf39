//go:build !windows

package localpg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"resetdesk/app"
)

// serverUser is the OS account the server runs as when ResetDesk runs as
// root: initdb and postgres refuse to run as root, so the cluster belongs to
// the "postgres" account that the distributions' packages create.
type serverUser struct {
	name     string
	uid, gid int
}

// runAsUser returns the account to run the server tools as, or nil to run
// them as ourselves.
func runAsUser() (*serverUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, &app.Error{Code: app.EUNAVAILABLE, Err: err,
			Message: "Run as root, ResetDesk's demo runs PostgreSQL as the \"postgres\" OS user, and there is none. Install the PostgreSQL server package (it creates that user), or run the demo as an ordinary user."}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("localpg: the postgres user's ids: %w", err)
	}
	return &serverUser{name: u.Username, uid: uid, gid: gid}, nil
}

// command builds the command that runs argv as su (or as ourselves when su
// is nil). runuser is made for exactly this and needs no password; su is the
// fallback where util-linux's runuser is missing.
func command(ctx context.Context, su *serverUser, argv ...string) *exec.Cmd {
	if su == nil {
		return exec.CommandContext(ctx, argv[0], argv[1:]...)
	}
	if p, err := exec.LookPath("runuser"); err == nil {
		return exec.CommandContext(ctx, p, append([]string{"-u", su.name, "--"}, argv...)...)
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return exec.CommandContext(ctx, "su", su.name, "-s", "/bin/sh", "-c", "exec "+strings.Join(quoted, " "))
}

// detach puts the server in a session of its own, so that Ctrl-C in the
// terminal that started the demo does not shut it down behind our back.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// watchdogAttrs puts the watchdog in a session of its own: a terminal's
// Ctrl-C or hang-up, meant for the app, never reaches it.
func watchdogAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// giveTo makes path (and, with recursive, everything under it) belong to su.
func giveTo(su *serverUser, path string, recursive bool) error {
	if su == nil {
		return nil
	}
	if !recursive {
		return os.Lchown(path, su.uid, su.gid)
	}
	return filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, su.uid, su.gid)
	})
}

// openPath lets su reach dir: every parent folder it cannot search gets the
// search (x) bit for others. Only x, never r: su can then open paths it knows
// but still cannot list what else the folders hold. A root user's cache lives
// under /root, which is 0700 on most systems, so this is usually /root alone.
func openPath(su *serverUser, dir string) error {
	if su == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !searchable(su, st) {
			if err := os.Chmod(p, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("localpg: let the postgres user reach %s: %w", dir, err)
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func searchable(su *serverUser, st fs.FileInfo) bool {
	mode := st.Mode().Perm()
	sys, ok := st.Sys().(*syscall.Stat_t)
	switch {
	case mode&0o001 != 0:
		return true
	case !ok:
		return false
	case int(sys.Uid) == su.uid:
		return mode&0o100 != 0
	case int(sys.Gid) == su.gid:
		return mode&0o010 != 0
	}
	return false
}

// ownedBy reports whether st belongs to su (or to us when su is nil).
func ownedBy(su *serverUser, st fs.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	if su == nil {
		return int(sys.Uid) == os.Geteuid()
	}
	return int(sys.Uid) == su.uid
}

// serverAlive reports whether pid is a live postgres whose data directory is
// data. A crash or a reboot can leave a postmaster.pid whose number now
// belongs to some other process; that one must not count.
func serverAlive(pid int, data string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// Linux: the postmaster's working directory is its data directory.
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err == nil {
		want, err := filepath.EvalSymlinks(data)
		return err == nil && cwd == want
	}
	if _, serr := os.Stat("/proc/self"); serr == nil && errors.Is(err, fs.ErrNotExist) {
		return false // gone since the signal
	}
	// No /proc (macOS, the BSDs), or not allowed to look: at least the
	// name must be right.
	out, err := exec.Command("ps", "-p", strconv.Itoa(pid), "-o", "comm=").Output()
	return err == nil && strings.Contains(string(out), "postgres")
}

// socketDir returns the folder for the server's Unix socket: dir itself when
// the socket's path fits in sun_path (104 bytes on macOS, 108 on Linux), else
// a short private folder under /tmp named after dir.
func socketDir(su *serverUser, dir string) (string, error) {
	const maxSocketPath = 100 // leaves room for the NUL and the smaller macOS limit
	if len(dir)+len("/.s.PGSQL.65535") <= maxSocketPath {
		return dir, nil
	}
	short := filepath.Join("/tmp", "resetdesk-pg-"+shortHash(dir))
	if err := os.Mkdir(short, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if err := giveTo(su, short, false); err != nil {
		return "", err
	}
	// /tmp is shared: use the folder only if it is really ours and closed.
	st, err := os.Lstat(short)
	if err == nil && st.IsDir() && ownedBy(su, st) && st.Mode().Perm() == 0o700 {
		return short, nil
	}
	short, err = os.MkdirTemp("/tmp", "resetdesk-pg-")
	if err != nil {
		return "", err
	}
	return short, giveTo(su, short, false)
}

// shortHash names a folder after a path, briefly.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:5])
}

// lockShared waits for a shared lock on f: see Cluster.useShared.
func lockShared(f *os.File) error { return flock(f, syscall.LOCK_SH) }

// tryLockExclusive takes an exclusive lock on f if nobody holds one, and
// reports whether it did.
func tryLockExclusive(f *os.File) (bool, error) {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// lockExclusive waits for an exclusive lock on f.
func lockExclusive(f *os.File) error { return flock(f, syscall.LOCK_EX) }

// unlock lets go of f's lock.
func unlock(f *os.File) error { return flock(f, syscall.LOCK_UN) }

// flock is flock(2), tried again when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		if err := syscall.Flock(int(f.Fd()), how); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
