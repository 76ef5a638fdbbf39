package demo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/data"
	"resetdesk/data/localpg"
	"resetdesk/data/pgtest"
)

// killedChildEnv makes this test binary a demo app to be killed: it starts
// the demo in the folder the variable names, says "ready" and waits.
const killedChildEnv = "RESETDESK_TEST_DEMO_TO_KILL"

// TestMain serves as the demo server's watchdog when started as one, as
// main does, so every demo these tests start is tied to its process the
// way `resetdesk demo` ties it.
func TestMain(m *testing.M) {
	localpg.ServeWatchdog()
	if dir := os.Getenv(killedChildEnv); dir != "" {
		os.Exit(demoToKill(dir))
	}
	os.Exit(m.Run())
}

// demoToKill is the child of TestDemoServerEndsWithKilledApp.
func demoToKill(dir string) int {
	st, err := Start(context.Background(), dir)
	if err != nil {
		os.Stderr.WriteString("start the demo: " + err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(10 * time.Minute) // killed long before; never a stray process
	// Until then the stack is in use: were it unreachable, the collector
	// could close its end of the watchdog's pipe, and its lock, long
	// before the kill that the test means to stand for.
	runtime.KeepAlive(st)
	return 0
}

// The demo's PostgreSQL ends with the app however the app ends: closed
// (the watchdog leaves with it), or killed with no chance to close, as
// when Xlib ends the process of a window destroyed from outside. Real
// servers; the waits poll, bounded, and time nothing. The killed half
// used to fail about one run in four: the system can close a killed
// process's end of the watchdog's pipe before it releases its lock on
// in-use.lock, and the watchdog, trying that lock once, took the dying
// app for another ResetDesk and left the server running.
func TestDemoServerEndsWithKilledApp(t *testing.T) {
	dir := pgtest.ClusterDir(t, "resetdesk-demo-kill-")
	pgDir := filepath.Join(dir, "demo-pg")
	t.Cleanup(func() { stopLeftover(t, pgDir) })

	// Closed: the server stops, and so does its watchdog.
	st, err := Start(context.Background(), dir)
	if err != nil {
		t.Fatalf("start the demo: %v", err)
	}
	pid, port := postmaster(t, pgDir)
	if !answers(port) {
		t.Fatalf("the demo's server (pid %d) does not answer on port %d", pid, port)
	}
	if runtime.GOOS == "linux" && len(watchdogsOf(pgDir)) != 1 {
		t.Fatalf("watchdogs of %s: %v, want one", pgDir, watchdogsOf(pgDir))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pgDir, port, "after Close")

	// Killed: the watchdog stops the server.
	child := startDemoToKill(t, dir)
	pid, port = postmaster(t, pgDir)
	if !answers(port) {
		t.Fatalf("the child's server (pid %d) does not answer on port %d", pid, port)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	waitGone(t, pgDir, port, "after the app was killed")

	// The log that explains a server left running holds no secret.
	log, err := os.ReadFile(filepath.Join(pgDir, "watchdog.log"))
	if err != nil {
		t.Fatalf("the watchdogs' log: %v", err)
	}
	password, err := os.ReadFile(filepath.Join(pgDir, "superuser.password"))
	if err != nil || len(bytes.TrimSpace(password)) == 0 {
		t.Fatalf("the superuser's password file: %v", err)
	}
	if bytes.Contains(log, bytes.TrimSpace(password)) {
		t.Fatal("the watchdogs' log holds the superuser's password")
	}
	if !bytes.Contains(log, []byte(fmt.Sprintf("stopped server %d", pid))) {
		t.Errorf("the watchdogs' log does not say who stopped server %d:\n%s", pid, log)
	}
}

// A demo started again while the killed one's server is still up joins
// it, and keeps it: the killed app's watchdog waits while another
// ResetDesk uses the server, and the last one out, here the second demo's
// Close or that watchdog once the Close lets go, stops it. (Linux: it
// counts the watchdogs in /proc.)
func TestDemoServerStaysForTheAppThatJoinedIt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("it finds the watchdogs in /proc")
	}
	pgDir, child, pid, port, st := twoDemos(t, "resetdesk-demo-join-")
	if again, _ := postmaster(t, pgDir); again != pid {
		t.Fatalf("the second demo started its own server (pid %d) instead of joining pid %d", again, pid)
	}
	if n := len(watchdogsOf(pgDir)); n != 2 {
		t.Fatalf("%d watchdogs of %s, want one for each app", n, pgDir)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	waitNoted(t, pgDir, fmt.Sprintf("of ResetDesk %d: server %d is in use; waiting until no ResetDesk uses it", child.Process.Pid, pid))
	if now, _ := postmaster(t, pgDir); now != pid {
		t.Fatalf("the killed app's watchdog stopped the server the second demo uses (pid %d, now %d)", pid, now)
	}
	signIn(t, st)
	if n := len(watchdogsOf(pgDir)); n != 2 {
		t.Fatalf("%d watchdogs of %s after the kill, want the killed app's still waiting beside the second demo's", n, pgDir)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pgDir, port, "after the second demo's Close")
}

// Quitting one demo leaves the server to another ResetDesk that still
// uses it (an admin's second window, `resetdesk self-service`), and its
// watchdog leaves with it; when that other one ends, killed here, its own
// watchdog stops the server: the last one out.
func TestDemoServerStaysForTheAppStillUsingIt(t *testing.T) {
	pgDir, child, pid, port, st := twoDemos(t, "resetdesk-demo-stay-")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if now, _ := postmaster(t, pgDir); now != pid {
		t.Fatalf("quitting the second demo stopped the server the first one uses (pid %d, now %d)", pid, now)
	}
	signIn(t, st)
	if runtime.GOOS == "linux" && len(watchdogsOf(pgDir)) != 1 {
		t.Fatalf("watchdogs of %s after the Close: %v, want only the first demo's", pgDir, watchdogsOf(pgDir))
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	waitGone(t, pgDir, port, "after the last demo was killed")
}

// twoDemos starts a demo in a child process, to be killed, and a second
// one here on the same folder (named from prefix); it returns the
// server's folder, the child, the server's pid and port as the child left
// them, and the second demo.
func twoDemos(t *testing.T, prefix string) (pgDir string, child *exec.Cmd, pid, port int, st *Stack) {
	t.Helper()
	dir := pgtest.ClusterDir(t, prefix)
	pgDir = filepath.Join(dir, "demo-pg")
	t.Cleanup(func() { stopLeftover(t, pgDir) })
	child = startDemoToKill(t, dir)
	pid, port = postmaster(t, pgDir)
	st, err := Start(context.Background(), dir)
	if err != nil {
		t.Fatalf("start the second demo: %v", err)
	}
	return pgDir, child, pid, port, st
}

// signIn proves that the demo's server still serves st's org: its owner
// signs in and reads who they are.
func signIn(t *testing.T, st *Stack) {
	t.Helper()
	ctx := context.Background()
	owner, err := data.Open(ctx, st.OwnerURL)
	if err != nil {
		t.Fatalf("the demo owner cannot sign in: %v", err)
	}
	defer owner.Close()
	if _, _, err := owner.Actor(ctx); err != nil {
		t.Fatalf("the demo owner signed in but cannot read their account: %v", err)
	}
}

// waitNoted waits until the watchdogs' log in pgDir has a line holding
// text; two minutes at most.
func waitNoted(t *testing.T, pgDir, text string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		log, _ := os.ReadFile(filepath.Join(pgDir, "watchdog.log"))
		if strings.Contains(string(log), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes the watchdogs' log has no line with %q:\n%s", text, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startDemoToKill starts a demo in dir in a child process, as
// demoToKill, and returns once it says it is ready; the test kills it.
func startDemoToKill(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), killedChildEnv+"="+dir)
	var stderr bytes.Buffer
	child.Stderr = &stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			child.Wait()
			t.Fatalf("the child demo did not start: %s", stderr.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the child demo said nothing for 5 minutes")
	}
	return child
}

// postmaster reads the running server's pid and port from its lock file.
func postmaster(t *testing.T, pgDir string) (pid, port int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pgDir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatalf("no running server: %v", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		t.Fatalf("postmaster.pid: %q", b)
	}
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	return pid, port
}

// answers says whether something accepts connections on the port.
func answers(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 2*time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// waitGone polls until the server in pgDir has shut down (PostgreSQL
// removes its lock file last) and no longer answers, and, on Linux, its
// watchdog has left too; two minutes at most.
func waitGone(t *testing.T, pgDir string, port int, when string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := os.Stat(filepath.Join(pgDir, "data", "postmaster.pid"))
		lockGone := errors.Is(err, fs.ErrNotExist)
		up := answers(port)
		dogs := watchdogsOf(pgDir)
		if lockGone && !up && len(dogs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(pgDir, "watchdog.log"))
			t.Fatalf("%s: the demo's server still runs (lock file gone %v, answering %v, watchdogs %v); the watchdogs' log:\n%s", when, lockGone, up, dogs, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// watchdogsOf lists the pids of the watchdogs that watch pgDir (Linux,
// from /proc; none elsewhere).
func watchdogsOf(pgDir string) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 2 && strings.HasPrefix(args[1], "__resetdesk-demo-pg-watchdog") && args[2] == pgDir {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// stopLeftover stops a server a failed test left in pgDir.
func stopLeftover(t *testing.T, pgDir string) {
	if _, err := os.Stat(filepath.Join(pgDir, "data", "postmaster.pid")); err != nil {
		return
	}
	if c, err := localpg.Start(context.Background(), pgDir); err == nil {
		c.Stop()
	}
}
