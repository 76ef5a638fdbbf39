//go:build !windows

package pgbouncertest

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// credential is the OS user PgBouncer runs as.
type credential = syscall.Credential

// runAs is who PgBouncer runs as: root hands the folder to the postgres OS
// user, since PgBouncer will not run as root; anyone else runs it as
// themselves.
func runAs(dir string) (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and there is no postgres OS user to run PgBouncer as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// runInGroupAs runs cmd as cred (nil: as us) in a process group of its own.
func runInGroupAs(cmd *exec.Cmd, cred *credential) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}

// interruptGroup sends SIGINT to cmd's process group.
func interruptGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }

// killGroup sends SIGKILL to cmd's process group.
func killGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
