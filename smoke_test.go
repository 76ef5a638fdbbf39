package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"resetdesk/data/pgtest"
)

// TestSmokeWindowUnderXvfb is the smoke test of the real program: it builds
// the binary, runs `resetdesk demo` on a private X server (Xvfb), waits for
// its window and for the demo to sign in, saves a screenshot of the screen
// and checks that it shows something, then stops the program with SIGINT as
// a terminal's Ctrl-C would and checks that it exits and stops the demo's
// PostgreSQL server.
//
// It skips (fails under CI) when Xvfb and a display, xdotool or xwininfo, or
// ImageMagick's import are missing; scripts/setup-deps installs them. Set
// RESETDESK_SMOKE_SHOT to a path to keep the screenshot.
func TestSmokeWindowUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("the smoke test builds and runs the program: not in -short mode")
	}
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		t.Skipf("the smoke test runs the program on X11 (Xvfb); not on %s", runtime.GOOS)
	}
	need := func(what string, ok bool) {
		t.Helper()
		if ok {
			return
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install it (bash scripts/setup-deps)", what)
		}
		t.Skipf("%s is missing; install it with bash scripts/setup-deps", what)
	}
	_, errXvfb := exec.LookPath("Xvfb")
	need("Xvfb (package xvfb), or a DISPLAY", errXvfb == nil || os.Getenv("DISPLAY") != "")
	_, errXdo := exec.LookPath("xdotool")
	_, errXwin := exec.LookPath("xwininfo")
	need("xdotool (or xwininfo)", errXdo == nil || errXwin == nil)
	_, errImport := exec.LookPath("import")
	need("import (package imagemagick)", errImport == nil)

	// The whole run, build aside, stays under a minute.
	bin := buildResetDesk(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	display := os.Getenv("DISPLAY")
	if errXvfb == nil {
		display = startXvfb(t, ctx)
	} else {
		t.Logf("no Xvfb: using DISPLAY=%s", display)
	}
	x := xTools{display: display, xdotool: errXdo == nil}

	// The demo puts its cluster under the cache folder. Run as root, the
	// server runs as the postgres OS user, which must reach that folder:
	// /var/tmp and a 0755 folder in it, not t.TempDir (0700 parents).
	cache := pgtest.ClusterDir(t, "resetdesk-smoke-")
	config := t.TempDir()
	env := []string{"DISPLAY=" + display, "LANG=en_US.UTF-8", "XDG_CACHE_HOME=" + cache, "XDG_CONFIG_HOME=" + config}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "DISPLAY", k == "LANG", k == "LC_ALL", k == "XDG_CACHE_HOME", k == "XDG_CONFIG_HOME",
			k == "DATABASE_URL", strings.HasPrefix(k, "PG"), strings.HasPrefix(k, "RESETDESK_"):
			// The demo must not reach a database, a mail server or
			// preferences of the environment.
		default:
			env = append(env, kv)
		}
	}

	cmd := exec.Command(bin, "demo")
	cmd.Env = env
	cmd.Dir = t.TempDir()
	out := newLineWatcher("resetdesk demo: ")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s demo: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
			stopDemoCluster(t, cache)
			t.Logf("output of resetdesk demo:\n%s", out.String())
		}
	}()

	// Cold start: from exec to the first window on screen (mapped), then to
	// its first drawn frame.
	winID, err := waitFor(ctx, 30*time.Second, exited, func() (string, bool) { return x.findWindow(ctx, "ResetDesk") })
	if err != nil {
		t.Fatalf("no ResetDesk window: %v\n%s", err, out.String())
	}
	mapped := time.Since(start)
	if _, err := waitFor(ctx, 10*time.Second, exited, func() (string, bool) {
		img, err := x.capture(ctx, winID)
		return "", err == nil && countColors(img, 10) >= 10
	}); err != nil {
		t.Errorf("the first window was never drawn: %v", err)
	}
	drawn := time.Since(start)
	note := "target: under 1 s"
	if raceEnabled() {
		note += "; this binary has the race detector, which slows it down: time a normal build with go test without -race"
	}
	shown := "mapped"
	if !x.xdotool {
		shown = "created" // xwininfo lists windows before they are mapped
	}
	t.Logf("cold start: first window %s %v, drawn %v after exec (%s)",
		shown, mapped.Round(time.Millisecond), drawn.Round(time.Millisecond), note)

	// The demo's stack: initdb on first use, seeding, the sink, sign-in.
	line, err := out.wait(ctx, 45*time.Second, exited)
	if err != nil {
		t.Fatalf("the demo did not sign in: %v\n%s", err, out.String())
	}
	if !strings.Contains(line, "Northwind Traders") || !strings.Contains(line, "signed in as") {
		t.Fatalf("the demo failed: %s", line)
	}
	t.Logf("demo signed in %v after exec: %s", time.Since(start).Round(time.Millisecond), line)
	pid := postmasterPID(cache)
	if pid == 0 {
		t.Errorf("the demo signed in, but its cluster has no postmaster.pid")
	}

	// The console replaces the start window, its title naming the office
	// open; it loads the users, then the screen stops changing (the loading
	// bar is animated). A screen that never settles (a blinking cursor) is
	// fine once it shows the console.
	if _, err := waitFor(ctx, 15*time.Second, exited, func() (string, bool) {
		if x.xdotool {
			_, starting := x.findWindow(ctx, "^ResetDesk demo$")
			_, console := x.findWindow(ctx, "^Northwind Traders.*ResetDesk$")
			return "", console && !starting
		}
		return "", true
	}); err != nil {
		t.Fatalf("the console window did not replace the start window: %v", err)
	}
	var shot []byte
	var img image.Image
	var prev []byte
	if _, err := waitFor(ctx, 15*time.Second, exited, func() (string, bool) {
		b, err := x.importPNG(ctx, "root")
		if err != nil {
			return "", false
		}
		i, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return "", false
		}
		stable := prev != nil && bytes.Equal(pixels(i), prev)
		prev, shot, img = pixels(i), b, i
		return "", stable && countColors(i, 51) > 50
	}); err != nil {
		if img == nil {
			t.Fatalf("no screenshot: %v", err)
		}
		t.Logf("the screen did not settle (%v): keeping the last screenshot", err)
	}
	colors := countColors(img, 1000)
	t.Logf("screenshot %dx%d, %d+ colours", img.Bounds().Dx(), img.Bounds().Dy(), colors)
	if colors <= 50 {
		t.Errorf("the screenshot has only %d colours: the window is blank", colors)
	}
	path := filepath.Join(t.TempDir(), "smoke.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("RESETDESK_SMOKE_SHOT"); keep != "" {
		if err := os.WriteFile(keep, shot, 0o644); err != nil {
			t.Errorf("save the screenshot to RESETDESK_SMOKE_SHOT: %v", err)
		} else {
			t.Logf("screenshot saved to %s", keep)
		}
	}

	// Ctrl-C: the app quits and stops the demo's server.
	stopped = true
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	sent := time.Now()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("resetdesk demo exited with %v after SIGINT, want status 0\n%s", err, out.String())
		}
		t.Logf("exited %v after SIGINT", time.Since(sent).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
		stopDemoCluster(t, cache)
		t.Fatalf("resetdesk demo did not exit within 20 s of SIGINT\n%s", out.String())
	}
	if p := postmasterPID(cache); p != 0 {
		t.Errorf("the demo's cluster still has a postmaster.pid (pid %d) after the app exited", p)
		stopDemoCluster(t, cache)
	}
	// pg_ctl stop returns once postmaster.pid is gone; the process itself
	// ends a moment later.
	if pid != 0 && !waitGone(pid, 10*time.Second) {
		t.Errorf("the demo's PostgreSQL server (pid %d) still runs 10 s after the app exited", pid)
		stopDemoCluster(t, cache)
	}
}

// waitGone waits until process pid has exited (or is a zombie), and reports
// whether it did within limit.
func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if !processRunning(pid) {
			return true
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			// pid (comm) state ...: comm may hold spaces, so split at ')'.
			if i := bytes.LastIndexByte(b, ')'); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(b[i+1:]), []byte("Z")) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// buildResetDesk builds the program into a temporary folder.
func buildResetDesk(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own on PATH
	if err != nil {
		t.Fatalf("no go to build with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "resetdesk")
	args := []string{"build", "-tags", "no_emoji", "-o", bin} // as scripts/run builds it
	// Under -race (scripts/test), build with it too: the packages are then
	// in the build cache already, from this test binary's own build, which
	// on a clean CI machine saves minutes of cgo; and the real app runs
	// under the race detector.
	if raceEnabled() {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, gobin, append(args, ".")...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return bin
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// startXvfb starts a private X server on a free display number, which Xvfb
// itself picks and reports (-displayfd), and returns its DISPLAY.
func startXvfb(t *testing.T, ctx context.Context) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var log bytes.Buffer
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = &log, &log
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			<-done
			t.Fatalf("Xvfb did not start: %q\n%s", n, log.String())
		}
		return ":" + n
	case <-ctx.Done():
		t.Fatalf("Xvfb did not start in time\n%s", log.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("Xvfb did not start within 15 s\n%s", log.String())
	}
	return ""
}

// demoData is the demo cluster's PGDATA under cache (see gui.go's startDemo
// and data/localpg).
func demoData(cache string) string {
	return filepath.Join(cache, "resetdesk", "demo-pg", "data")
}

// postmasterPID is the pid in the demo cluster's postmaster.pid, 0 when
// there is none.
func postmasterPID(cache string) int {
	b, err := os.ReadFile(filepath.Join(demoData(cache), "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// stopDemoCluster stops a demo server left running by a failed run, so that
// the cleanup can remove its folder: SIGQUIT is PostgreSQL's immediate
// shutdown.
func stopDemoCluster(t *testing.T, cache string) {
	pid := postmasterPID(cache)
	if pid == 0 {
		return
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if !strings.Contains(string(comm), "postgres") {
		return
	}
	quitServer(pid)
	if waitGone(pid, 5*time.Second) {
		return
	}
	t.Logf("the demo's PostgreSQL server (pid %d) did not stop", pid)
}

// xTools finds windows and takes screenshots on one display.
type xTools struct {
	display string
	xdotool bool // else xwininfo
}

// run runs an X tool on the display, for at most 10 s, and returns its
// standard output.
func (x xTools) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.Bytes(), nil
}

// findWindow returns the id of a visible window whose name matches pattern
// (a regular expression for xdotool, a plain substring for xwininfo).
func (x xTools) findWindow(ctx context.Context, pattern string) (string, bool) {
	if x.xdotool {
		b, err := x.run(ctx, "xdotool", "search", "--onlyvisible", "--name", pattern)
		ids := strings.Fields(string(b))
		if err != nil || len(ids) == 0 {
			return "", false
		}
		return ids[0], true
	}
	b, err := x.run(ctx, "xwininfo", "-root", "-tree")
	if err != nil {
		return "", false
	}
	want := strings.Trim(pattern, "^$")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && strings.Contains(l, `"`+want) {
			return f[0], true
		}
	}
	return "", false
}

// importPNG takes a screenshot of window ("root" for the whole screen).
func (x xTools) importPNG(ctx context.Context, window string) ([]byte, error) {
	return x.run(ctx, "import", "-window", window, "png:-")
}

func (x xTools) capture(ctx context.Context, window string) (image.Image, error) {
	b, err := x.importPNG(ctx, window)
	if err != nil {
		return nil, err
	}
	return png.Decode(bytes.NewReader(b))
}

// countColors counts the distinct colours of img, stopping at limit.
func countColors(img image.Image, limit int) int {
	if img == nil {
		return 0
	}
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// pixels is img's pixels as bytes, to compare two screenshots.
func pixels(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*4)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8), byte(a>>8))
		}
	}
	return out
}

// waitFor polls check every 200 ms until it says yes, the program exits,
// or limit passes.
// A program that exited keeps its exit for the caller.
func waitFor(ctx context.Context, limit time.Duration, exited chan error, check func() (string, bool)) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		if v, ok := check(); ok {
			return v, nil
		}
		select {
		case err := <-exited:
			exited <- err
			return "", fmt.Errorf("the program exited: %v", err)
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("not within %v", limit)
		}
	}
}

// lineWatcher collects a program's output and hands over the first line
// that starts with prefix.
type lineWatcher struct {
	prefix  string
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	found   chan string
	sent    bool
}

func newLineWatcher(prefix string) *lineWatcher {
	return &lineWatcher{prefix: prefix, found: make(chan string, 1)}
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if !w.sent && strings.HasPrefix(line, w.prefix) {
			w.sent = true
			w.found <- line
		}
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wait returns the line, or an error when the program exits first or limit
// passes. A program that exited keeps its exit for the caller.
func (w *lineWatcher) wait(ctx context.Context, limit time.Duration, exited chan error) (string, error) {
	select {
	case line := <-w.found:
		return line, nil
	case err := <-exited:
		exited <- err
		return "", fmt.Errorf("the program exited: %v", err)
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(limit):
		return "", errors.New("not within " + limit.String())
	}
}
