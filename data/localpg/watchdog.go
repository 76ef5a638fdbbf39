package localpg

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// The demo's server must end with the app however the app ends. Quitting
// stops it (Stop); but a process that is killed (SIGKILL, Task Manager's
// End task) or that Xlib ends when its window is destroyed from outside
// runs none of its deferred code. So each cluster Start brings up gets a
// watchdog: this same program started again with watchdogArg, reading its
// standard input, a pipe whose only writing end the app holds. The system
// closes that end when the app ends in any way; the watchdog then reads
// EOF and stops the server it was told of, unless a later demo has
// started another one in the same folder since, or another ResetDesk
// still uses it.
//
// Every ResetDesk that Start gives the server holds a shared lock on
// inUseFile until Stop or its end; the watchdog stops the server only
// under an exclusive one. So a demo started again at once after a kill,
// which finds the old server still up and joins it, keeps it: the killed
// app's watchdog finds the lock shared and leaves. And a Start that comes
// while a watchdog stops the server waits for it, then starts a new one.

// inUseFile, in the cluster's folder, is the file whose lock says which
// ResetDesk processes use the server.
const inUseFile = "in-use.lock"

// watchdogArg is the hidden first argument that makes ResetDesk a
// watchdog. No person types it: `resetdesk help` does not list it.
const watchdogArg = "__resetdesk-demo-pg-watchdog"

// tie says whether Start gives each cluster a watchdog: only in a program
// whose main calls ServeWatchdog, which can therefore be one.
var tie atomic.Bool

// ServeWatchdog must be the first thing main does. In a process started as
// a demo server's watchdog it does that job and exits; in any other it
// lets Start tie each cluster to this process, so that the server stops
// when the process ends, even killed.
func ServeWatchdog() {
	if len(os.Args) > 1 && os.Args[1] == watchdogArg {
		os.Exit(watchdog(os.Args[2:], os.Stdin))
	}
	tie.Store(true)
}

// watch is a running watchdog and the writing end of its pipe.
type watch struct {
	cmd  *exec.Cmd
	pipe io.WriteCloser
}

// startWatchdog ties the running server to this process. Failing to is
// not fatal: the demo works, and a server left behind is joined by the
// next demo's Start.
func (c *Cluster) startWatchdog() error {
	pid, _ := c.postmaster()
	if pid == 0 {
		return fmt.Errorf("localpg: no postmaster.pid in %s to watch", c.data)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("localpg: watchdog: %w", err)
	}
	cmd := exec.Command(exe, watchdogArg, c.dir, c.bins.dir, strconv.Itoa(pid))
	// The pipe's writing end is close-on-exec (Unix) and not inheritable
	// (Windows) in this process, so no other child, pg_ctl and the server
	// included, holds it open after we are gone.
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("localpg: watchdog: %w", err)
	}
	watchdogAttrs(cmd)
	if err := cmd.Start(); err != nil {
		pipe.Close()
		return fmt.Errorf("localpg: watchdog: %w", err)
	}
	c.watch = &watch{cmd: cmd, pipe: pipe}
	return nil
}

// endWatchdog lets the watchdog go after Stop: it reads EOF, finds the
// server gone and exits. A watchdog that does not is left to itself.
func (c *Cluster) endWatchdog() {
	w := c.watch
	if w == nil {
		return
	}
	c.watch = nil
	w.pipe.Close()
	done := make(chan struct{})
	go func() {
		w.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// watchdog is the watchdog process: args are the cluster's folder, the
// folder of its pg_ctl and the server's pid. It waits for EOF on in, then
// stops that server if it still runs.
func watchdog(args []string, in io.Reader) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "resetdesk: the demo server's watchdog takes a folder, a bin folder and a pid")
		return 2
	}
	pid, err := strconv.Atoi(args[2])
	if err != nil || pid <= 0 {
		fmt.Fprintln(os.Stderr, "resetdesk: the demo server's watchdog got no pid")
		return 2
	}
	// Ctrl-C in the app's terminal is the app's to handle: it stops the
	// server itself, and this process must outlive it in any case.
	signal.Ignore(os.Interrupt, syscall.SIGHUP)
	io.Copy(io.Discard, in) // until the app is gone
	lock, err := os.OpenFile(filepath.Join(args[0], inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 1
	}
	defer lock.Close()
	if free, err := tryLockExclusive(lock); err != nil {
		return 1
	} else if !free {
		return 0 // another ResetDesk uses the server: it is theirs now
	}
	su, err := runAsUser()
	if err != nil {
		return 1
	}
	c := &Cluster{dir: args[0], data: filepath.Join(args[0], "data"), logFile: filepath.Join(args[0], "server.log"),
		su: su, bins: binaries{dir: args[1]}}
	if now, _ := c.postmaster(); now != pid || !serverAlive(pid, c.data) {
		return 0 // stopped already, or a later demo's server
	}
	if err := c.stopServer(); err != nil {
		return 1
	}
	return 0
}

// useShared takes this process's shared lock on the folder's inUseFile,
// waiting while a watchdog holds it exclusively to stop the server.
func (c *Cluster) useShared() error {
	f, err := os.OpenFile(filepath.Join(c.dir, inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := lockShared(f); err != nil {
		f.Close()
		return err
	}
	c.inUse = f
	return nil
}

// unuse lets go of the shared lock of useShared.
func (c *Cluster) unuse() {
	if c.inUse != nil {
		c.inUse.Close()
		c.inUse = nil
	}
}

// stopServer is pg_ctl's fast stop, waiting until the server is gone.
func (c *Cluster) stopServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := c.run(ctx, false, c.bins.path("pg_ctl"), "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}
