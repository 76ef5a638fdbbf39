package localpg

// The in-use lock without PostgreSQL: the lock primitives of proc_unix.go
// and proc_windows.go, the Cluster methods built on them, and the
// watchdog's wait, each across processes, with helper processes that are
// this test binary started again (see TestMain). They run in the normal
// suite on Linux and, cross-compiled, under Wine (TestLocalpgLocksUnderWine
// in the module's wine_test.go), since the Windows half is LockFileEx and
// UnlockFileEx, which no Linux run exercises.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperEnv, set to a folder, makes the test binary a lock helper for that
// folder's inUseFile instead of running tests; set to "watchdog:" and a
// folder, it runs the watchdog on that folder.
const helperEnv = "RESETDESK_LOCKS_TEST_HELPER"

// hang is how long a test waits for a helper before it calls the wait
// hung. It bounds a failure, not a speed: a wait that works ends in
// milliseconds.
const hang = time.Minute

// settle is how long a test gives a helper to block in a lock call before
// it lets the holders go, so that the wait being tested is a real one.
// Too short, and a test checks less than it says; never a false failure.
const settle = 200 * time.Millisecond

func TestMain(m *testing.M) {
	if v, ok := os.LookupEnv(helperEnv); ok {
		if dir, ok := strings.CutPrefix(v, "watchdog:"); ok {
			os.Exit(watchdog([]string{dir, dir, "999999"}, os.Stdin))
		}
		os.Exit(lockHelper(v, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// lockHelper takes one command a line from in and answers each with one
// line on out, until in ends:
//
//	shared      waits for a shared lock: "ok"
//	exclusive   says "busy" if it must wait, waits for the exclusive lock: "ok"
//	try         tries the exclusive lock once: "free" (and holds it) or "busy"
//	unlock      lets go of the lock: "ok"
//	use         Cluster.useShared: "ok"
//	leave       Cluster.leave: "last" (and holds the exclusive lock) or "not last"
//	release     lets go of leave's lock: "ok"
//	ping        "pong"
//
// A failed command answers "error: " and why.
func lockHelper(dir string, in io.Reader, out io.Writer) int {
	f, err := os.OpenFile(filepath.Join(dir, inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintf(out, "error: %v\n", err)
		return 1
	}
	defer f.Close()
	c := &Cluster{dir: dir}
	var last *os.File
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var reply string
		var err error
		switch sc.Text() {
		case "shared":
			reply, err = "ok", lockShared(f)
		case "exclusive":
			var free bool
			if free, err = tryLockExclusive(f); err == nil && !free {
				fmt.Fprintln(out, "busy")
				err = lockExclusive(f)
			}
			reply = "ok"
		case "try":
			var free bool
			free, err = tryLockExclusive(f)
			reply = map[bool]string{true: "free", false: "busy"}[free]
		case "unlock":
			reply, err = "ok", unlock(f)
		case "use":
			reply, err = "ok", c.useShared()
		case "leave":
			last, err = c.leave()
			reply = map[bool]string{true: "last", false: "not last"}[last != nil]
		case "release":
			if last == nil {
				err = errors.New("release without leave's lock")
			} else {
				release(last)
				last = nil
				reply = "ok"
			}
		case "ping":
			reply = "pong"
		default:
			err = fmt.Errorf("unknown command %q", sc.Text())
		}
		if err != nil {
			reply = "error: " + err.Error()
		}
		fmt.Fprintln(out, reply)
	}
	return 0
}

// holder is a lock helper process.
type holder struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan string   // its answers; closed when its output ends
	exited chan struct{} // closed once it has exited
	err    error         // Wait's result, once exited is closed
}

// startHelper starts this test binary again with helperEnv set to v.
func startHelper(t *testing.T, name, v string) *holder {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := &holder{t: t, name: name, cmd: exec.Command(exe), lines: make(chan string, 16), exited: make(chan struct{})}
	h.cmd.Env = append(os.Environ(), helperEnv+"="+v)
	h.cmd.Stderr = os.Stderr
	if h.in, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("start helper %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
		h.err = h.cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		h.in.Close()
		if t.Failed() {
			h.cmd.Process.Kill() // it may be stuck in a lock call
		}
		if !h.wait() {
			h.cmd.Process.Kill()
			t.Errorf("helper %s did not exit when its input ended", name)
		}
	})
	return h
}

// startHolder starts a lock helper on dir's inUseFile.
func startHolder(t *testing.T, name, dir string) *holder {
	t.Helper()
	return startHelper(t, name, dir)
}

// send gives the helper a command without waiting for its answer.
func (h *holder) send(cmd string) {
	h.t.Helper()
	if _, err := io.WriteString(h.in, cmd+"\n"); err != nil {
		h.t.Fatalf("helper %s: send %s: %v", h.name, cmd, err)
	}
}

// next waits for the helper's next answer.
func (h *holder) next(about string) string {
	h.t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			h.t.Fatalf("helper %s ended before answering %s", h.name, about)
		}
		return line
	case <-time.After(hang):
		h.t.Fatalf("helper %s: no answer to %s in %v", h.name, about, hang)
	}
	return ""
}

// do sends cmd and checks its answer.
func (h *holder) do(cmd, want string) {
	h.t.Helper()
	h.send(cmd)
	if got := h.next(cmd); got != want {
		h.t.Fatalf("helper %s: %s answered %q, want %q", h.name, cmd, got, want)
	}
}

// answered reports the answer the helper has given already, if any,
// without waiting.
func (h *holder) answered() (string, bool) {
	select {
	case line, ok := <-h.lines:
		return line, ok
	default:
		return "", false
	}
}

// kill ends the helper as Task Manager's End task or SIGKILL would, and
// waits until it has exited.
func (h *holder) kill() {
	h.t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		h.t.Fatalf("kill helper %s: %v", h.name, err)
	}
	if !h.wait() {
		h.t.Fatalf("helper %s did not exit when killed", h.name)
	}
}

// wait waits for the helper to exit, and reports whether it did.
func (h *holder) wait() bool {
	select {
	case <-h.exited:
		return true
	case <-time.After(hang):
		return false
	}
}

// running reports whether the helper is still running.
func (h *holder) running() bool {
	select {
	case <-h.exited:
		return false
	default:
		return true
	}
}

// openLock opens dir's inUseFile as a ResetDesk does, closed at cleanup.
func openLock(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, inUseFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustTry(t *testing.T, f *os.File, want bool, when string) {
	t.Helper()
	free, err := tryLockExclusive(f)
	if err != nil {
		t.Fatalf("%s: tryLockExclusive: %v", when, err)
	}
	if free != want {
		t.Fatalf("%s: tryLockExclusive got the lock: %v, want %v", when, free, want)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Two ResetDesks' shared locks keep the exclusive lock out until both have
// let go; unlock lets go of shared and exclusive locks, and a handle can
// lock again after its unlock, as Start after Stop does.
func TestInUseLockSharedKeepsExclusiveOut(t *testing.T) {
	dir := lockDir(t)
	mine, other := openLock(t, dir), openLock(t, dir)
	must(t, lockShared(mine), "shared lock")
	h := startHolder(t, "B", dir)
	h.do("shared", "ok")

	// No handle here asks for the exclusive lock while it holds the shared
	// one: flock(2) would drop the shared lock when the exclusive one is
	// refused, and ResetDesk never does it either (Cluster.leave unlocks
	// and opens the file anew).
	mustTry(t, other, false, "two shared holders")
	must(t, unlock(mine), "unlock the shared lock")
	mustTry(t, other, false, "the other process's shared lock left")
	h.do("unlock", "ok")
	mustTry(t, other, true, "both shared locks let go")

	h.do("try", "busy")
	must(t, unlock(other), "unlock the exclusive lock")
	h.do("try", "free")
	mustTry(t, mine, false, "another process's exclusive lock")
	h.do("unlock", "ok")
	must(t, lockShared(mine), "shared lock again on the same handle")
	h.do("shared", "ok")
	mustTry(t, other, false, "two shared holders again")
}

// A waiting exclusive lock, the watchdog's, is granted once the last
// shared holder lets go, whether it unlocks or is killed.
func TestInUseLockExclusiveWaitsForHolders(t *testing.T) {
	for _, end := range []string{"unlock", "killed"} {
		t.Run(end, func(t *testing.T) {
			dir := lockDir(t)
			mine := openLock(t, dir)
			must(t, lockShared(mine), "shared lock")
			holder := startHolder(t, "holder", dir)
			holder.do("shared", "ok")
			waiter := startHolder(t, "waiter", dir)
			waiter.send("exclusive")
			if got := waiter.next("exclusive"); got != "busy" {
				t.Fatalf("the exclusive lock, with two shared holders: %q, want busy", got)
			}

			time.Sleep(settle)
			must(t, unlock(mine), "unlock")
			time.Sleep(settle)
			if got, ok := waiter.answered(); ok {
				t.Fatalf("the exclusive lock was granted (%q) while another process held a shared one", got)
			}
			if end == "unlock" {
				holder.do("unlock", "ok")
			} else {
				holder.kill()
			}
			if got := waiter.next("exclusive, after the holders left"); got != "ok" {
				t.Fatalf("the exclusive lock, once the holders left: %q", got)
			}
			if end == "unlock" {
				holder.do("ping", "pong") // released by its unlock, not by its end
			}
			mustTry(t, mine, false, "the waiter holds the exclusive lock")
		})
	}
}

// A killed process's locks go with it: a shared lock waits for a killed
// exclusive holder, as Start does for a watchdog killed while it stopped
// the server, and a killed shared holder leaves the exclusive lock free.
func TestInUseLockOfKilledProcessIsReleased(t *testing.T) {
	for _, tc := range []struct{ held, then string }{{"exclusive", "shared"}, {"shared", "exclusive"}} {
		t.Run(tc.held, func(t *testing.T) {
			dir := lockDir(t)
			h := startHolder(t, tc.held, dir)
			h.do(tc.held, "ok")
			w := startHolder(t, "waiter", dir)
			if tc.then == "shared" {
				w.send("shared")
			} else {
				w.do("exclusive", "busy")
			}
			time.Sleep(settle)
			if got, ok := w.answered(); ok {
				t.Fatalf("the %s lock was granted (%q) while a live process held an %s one", tc.then, got, tc.held)
			}
			h.kill()
			if got := w.next(tc.then + ", after the holder was killed"); got != "ok" {
				t.Fatalf("the %s lock, once the holder was killed: %q", tc.then, got)
			}
			mine := openLock(t, dir)
			mustTry(t, mine, false, "the waiter holds the "+tc.then+" lock")
		})
	}
}

// Cluster.leave reports the last ResetDesk out, and only that one, and
// release lets a new user in.
func TestLeaveFindsTheLastUser(t *testing.T) {
	dir := lockDir(t)
	c := &Cluster{dir: dir}
	must(t, c.useShared(), "useShared")
	h := startHolder(t, "second ResetDesk", dir)
	h.do("use", "ok")

	last, err := c.leave()
	must(t, err, "leave")
	if last != nil {
		release(last)
		t.Fatal("leave took this process for the last user while another used the server")
	}
	if c.inUse != nil {
		t.Error("leave kept its shared lock")
	}
	h.do("leave", "last")
	h2 := startHolder(t, "next ResetDesk", dir)
	h2.send("use")
	time.Sleep(settle)
	if got, ok := h2.answered(); ok {
		t.Fatalf("useShared returned (%q) while the last user stopped the server", got)
	}
	h.do("release", "ok")
	if got := h2.next("use, after release"); got != "ok" {
		t.Fatalf("useShared after release: %q", got)
	}
	must(t, c.useShared(), "useShared again")
	c.unuse()
}

// The watchdog of an app that died without settling the server waits
// while another ResetDesk uses the server, and goes on once that one
// leaves; one whose app settled the server leaves at once. No server runs:
// the watchdog finds none to stop, which it says in watchLog.
func TestWatchdogWaitsForLastUser(t *testing.T) {
	t.Run("app died", func(t *testing.T) {
		dir := lockDir(t)
		c := &Cluster{dir: dir}
		must(t, c.useShared(), "useShared")
		w := startHelper(t, "watchdog", "watchdog:"+dir)
		w.in.Close() // the app is gone
		waitForLog(t, dir, "waiting until no ResetDesk uses it", w)
		time.Sleep(settle)
		if !w.running() {
			t.Fatalf("the watchdog ended (%v) while another ResetDesk used the server\n%s", w.err, readLog(t, dir))
		}
		c.unuse()
		if !w.wait() {
			t.Fatalf("the watchdog still waits after the last ResetDesk left\n%s", readLog(t, dir))
		}
		if w.err != nil {
			t.Fatalf("watchdog: %v\n%s", w.err, readLog(t, dir))
		}
		log := readLog(t, dir)
		for _, want := range []string{"no ResetDesk uses server 999999 any more", "server 999999 stopped already"} {
			if !strings.Contains(log, want) {
				t.Errorf("%s lacks %q:\n%s", watchLog, want, log)
			}
		}
	})
	t.Run("app settled", func(t *testing.T) {
		dir := lockDir(t)
		c := &Cluster{dir: dir}
		must(t, c.useShared(), "useShared")
		defer c.unuse()
		w := startHelper(t, "watchdog", "watchdog:"+dir)
		w.send(string(quitByte))
		w.in.Close()
		if !w.wait() {
			t.Fatalf("the watchdog of a settled app did not leave\n%s", readLog(t, dir))
		}
		if w.err != nil {
			t.Fatalf("watchdog: %v\n%s", w.err, readLog(t, dir))
		}
		if log := readLog(t, dir); !strings.Contains(log, "the app quit and settled the server itself") {
			t.Errorf("%s:\n%s", watchLog, log)
		}
	})
}

func readLog(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, watchLog))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// waitForLog waits until dir's watchLog says want, or the helper ends.
func waitForLog(t *testing.T, dir, want string, h *holder) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !strings.Contains(readLog(t, dir), want) {
		select {
		case <-h.exited:
			t.Fatalf("the watchdog ended (%v) before its log said %q:\n%s", h.err, want, readLog(t, dir))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never said %q:\n%s", watchLog, want, readLog(t, dir))
		}
	}
}

// lockDir is a temporary folder for one test's inUseFile. Not t.TempDir:
// under Wine 8 its cleanup fails ("Invalid function"), because os.RemoveAll
// deletes through FileDispositionInformationEx, which Wine 8 does not have;
// os.Remove of each name works there as on Windows.
func lockDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "resetdesk-locks-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		names, err := os.ReadDir(dir)
		if err != nil {
			t.Errorf("clean up %s: %v", dir, err)
			return
		}
		for _, n := range names {
			if err := os.Remove(filepath.Join(dir, n.Name())); err != nil {
				t.Errorf("clean up: %v", err)
			}
		}
		if err := os.Remove(dir); err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
	return dir
}
