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

// The demo's server must end with the last ResetDesk that uses it, however
// that one ends. Quitting calls Stop; but a process that is killed
// (SIGKILL, Task Manager's End task) or that Xlib ends when its window is
// destroyed from outside runs none of its deferred code. So each Start in
// a program that can be one gets a watchdog: this same program started
// again with watchdogArg, reading its standard input, a pipe whose only
// writing end the app holds. The system closes that end when the app ends
// in any way. Stop writes quitByte first: the app settled the server
// itself and the watchdog just leaves. EOF without it means the app died,
// and the watchdog then does what Stop would have done.
//
// Every ResetDesk that Start gives the server holds a shared lock on
// inUseFile until Stop or its end; the server is stopped only under an
// exclusive one, so only by the last ResetDesk out. Stop lets go of its
// shared lock and tries the exclusive one once: failing means another
// ResetDesk still uses the server, and that one stops it when it leaves.
// A dead app's watchdog waits for the exclusive lock instead, for as long
// as it takes, for two reasons: the other ResetDesks that still use the
// server (an admin's second window, `resetdesk self-service`, a demo
// started again after a kill) must keep it, and the system releases a
// killed process's lock only after it has closed the pipe, so a watchdog
// that tried once could find its own app's lock still there and leave
// the server running for good. Whoever gets the exclusive lock stops the
// folder's server, the one it was told of or a later one: every ResetDesk
// that uses a server holds a shared lock, so none does; a Start that comes
// meanwhile waits for the lock, then starts a new server.
//
// watchLog, in the cluster's folder, says what each ResetDesk and
// watchdog did with the server, so that a server that stayed or stopped
// can be explained afterwards. It holds pids and nothing secret.

// inUseFile, in the cluster's folder, is the file whose lock says which
// ResetDesk processes use the server.
const inUseFile = "in-use.lock"

// watchdogArg is the hidden first argument that makes ResetDesk a
// watchdog. No person types it: `resetdesk help` does not list it.
const watchdogArg = "__resetdesk-demo-pg-watchdog"

// quitByte is what Stop writes to the watchdog's pipe before it closes
// it: the app left the server as it should be.
const quitByte = 'q'

// watchLog is the file, in the cluster's folder, where the watchdogs and
// the apps that use the server note what they did with it.
const watchLog = "watchdog.log"

// tie says whether Start gives each cluster a watchdog: only in a program
// whose main calls ServeWatchdog, which can therefore be one.
var tie atomic.Bool

// ServeWatchdog must be the first thing main does. In a process started as
// a demo server's watchdog it does that job and exits; in any other it
// lets Start tie each cluster to this process, so that the server stops
// when the process ends, even killed, unless another ResetDesk still uses
// it.
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

// endWatchdog lets the watchdog go when Stop is done with the server:
// with settled, the watchdog leaves at once; without, Stop could not do
// its part and the watchdog does it, as if this process had died.
// A watchdog that does not exit in time is left to itself.
func (c *Cluster) endWatchdog(settled bool) {
	w := c.watch
	if w == nil {
		return
	}
	c.watch = nil
	if settled {
		w.pipe.Write([]byte{quitByte}) // a watchdog already gone has nothing left to do
	}
	w.pipe.Close()
	done := make(chan struct{})
	go func() {
		w.cmd.Wait()
		close(done)
	}()
	wait := 10 * time.Second
	if !settled {
		wait = 0 // it may wait for other ResetDesks: do not keep this one
	}
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// watchdog is the watchdog process: args are the cluster's folder, the
// folder of its pg_ctl and the server's pid. It waits for the app to end,
// then, unless the app settled the server itself, stops that server once
// no other ResetDesk uses it.
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
	dir := args[0]
	// Ctrl-C in the app's terminal is the app's to handle: it stops the
	// server itself, and this process must outlive it in any case. Its
	// standard output and error are the null device (startWatchdog gives
	// it nothing else, so no dying pipe of the app's can end it with
	// SIGPIPE): it says what it does in watchLog.
	signal.Ignore(os.Interrupt, syscall.SIGHUP)
	who := fmt.Sprintf("watchdog %d of ResetDesk %d:", os.Getpid(), os.Getppid())
	note(dir, "%s watching server %d", who, pid)
	n, err := io.Copy(io.Discard, in) // until the app is gone
	if n > 0 {
		note(dir, "%s the app quit and settled the server itself", who)
		return 0
	}
	if err != nil {
		note(dir, "%s cannot read from the app (%v): taking it for dead", who, err)
	}
	note(dir, "%s the app ended without settling the server: killed or crashed", who)
	lock, err := os.OpenFile(filepath.Join(dir, inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		note(dir, "%s cannot open %s, so server %d keeps running: %v", who, inUseFile, pid, err)
		return 1
	}
	defer lock.Close()
	free, err := tryLockExclusive(lock)
	if err == nil && !free {
		note(dir, "%s server %d is in use; waiting until no ResetDesk uses it", who, pid)
		begin := time.Now()
		err = lockExclusive(lock)
		note(dir, "%s no ResetDesk uses server %d any more (waited %v)", who, pid, time.Since(begin).Round(time.Millisecond))
	}
	if err != nil {
		note(dir, "%s cannot lock %s, so server %d keeps running: %v", who, inUseFile, pid, err)
		return 1
	}
	su, err := runAsUser()
	if err != nil {
		note(dir, "%s server %d keeps running: %v", who, pid, err)
		return 1
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), logFile: filepath.Join(dir, "server.log"),
		su: su, bins: binaries{dir: args[1]}}
	// With the exclusive lock, no ResetDesk uses the folder's server,
	// whichever it is: a later demo's, whose quit found the lock ours and
	// left the server to us, goes too.
	now, _ := c.postmaster()
	if !serverAlive(now, c.data) {
		note(dir, "%s server %d stopped already, and no other runs; nothing to do", who, pid)
		return 0
	}
	if err := c.stopServer(); err != nil {
		note(dir, "%s server %d did not stop: %v", who, now, err)
		return 1
	}
	note(dir, "%s stopped server %d, which no ResetDesk uses (it was told of %d)", who, now, pid)
	return 0
}

// note appends a line to dir's watchLog. It is only a record: failing to
// write it changes nothing else.
func note(dir, format string, args ...any) {
	path := filepath.Join(dir, watchLog)
	if st, err := os.Stat(path); err == nil && st.Size() > 1<<20 {
		os.Rename(path, path+".old")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format("2006-01-02 15:04:05.000"), fmt.Sprintf(format, args...))
	f.Close()
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
		unlock(c.inUse) // at once: Windows may release a closed file's lock later
		c.inUse.Close()
		c.inUse = nil
	}
}

// leave lets go of this process's use of the server and reports whether
// it was the last: if so, it holds the exclusive lock on inUseFile, which
// release lets go of once the server is stopped.
func (c *Cluster) leave() (last *os.File, err error) {
	c.unuse()
	f, err := os.OpenFile(filepath.Join(c.dir, inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if free, err := tryLockExclusive(f); err != nil || !free {
		f.Close()
		return nil, err
	}
	return f, nil
}

// release lets go of the exclusive lock of leave.
func release(f *os.File) {
	unlock(f)
	f.Close()
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
