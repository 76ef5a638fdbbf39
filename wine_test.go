//go:build wine

package main

// The Windows build, tested under Wine: scripts/package-windows cross-builds
// ResetDesk.exe and resetdesk-cli.exe with mingw-w64, and these tests run
// them against the test PostgreSQL and a mail sink on loopback, and open the
// window on Xvfb. They sit behind the build tag "wine" because the first
// Windows build takes about 12 minutes on two cores: the README's suite
// stays fast, and CI runs them as a step of their own,
//
//	bash scripts/test -tags wine -run Wine -timeout 30m .
//
// TestLocalpgLocksUnderWine (wine_locks_test.go) runs the demo server's
// in-use lock tests of data/localpg there too, without the exes.
//
// Compiled in, they never skip: a missing Wine, mingw-w64 or Xvfb is a
// failure that says what to install (bash scripts/setup-deps windows).
//
// Debian's Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Go 1.22
// and later call at start; the tests build a stand-in from
// testdata/wine/bcryptprimitives.c into their own Wine prefix. It is never
// part of what scripts/package-windows writes.
//
// With RESETDESK_ARTIFACTS set to a folder, the exes and the window's
// screenshot are kept there (CI's artifacts).

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"resetdesk/ui/cli"
)

// wine runs the Windows build in a Wine prefix of its own.
type wine struct {
	dist   string // ResetDesk.exe and resetdesk-cli.exe
	prefix string
}

func TestWindowsUnderWine(t *testing.T) {
	for _, tool := range []string{"wine", "wineboot", "wineserver", "x86_64-w64-mingw32-gcc", "Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install the Windows tools with bash scripts/setup-deps windows", tool)
		}
	}
	w := newWine(t)
	f := newFixture(t) // set up by the Linux code, as the DBA's machine would
	owner := "DATABASE_URL=" + f.owner
	admin := "DATABASE_URL=" + f.admin

	t.Run("exe resources", func(t *testing.T) { checkExeResources(t, w.dist) })

	t.Run("users", func(t *testing.T) {
		out := w.mustRun(t, 0, "", []string{owner}, "resetdesk-cli.exe", "users")
		for _, want := range []string{"owner@acme.test", "admin@acme.test"} {
			if !strings.Contains(out, want) {
				t.Errorf("users lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("import", func(t *testing.T) {
		// As Excel saves it: a byte order mark, CRLF, a name in quotes with a
		// comma; given as a Windows path.
		csv := "\ufeffemail,name,mobile,secondary_email,role,status\r\n" +
			"zoe@acme.test,\"Ærøskøbing, Zoë\",,,member,confirmed\r\n" +
			"dan@acme.test,Dan Deactivated,,,member,deactivated\r\n" +
			"not-an-address,Bad Row,,,,\r\n"
		out := w.mustRun(t, cli.ExitSkipped, "", []string{owner}, "resetdesk-cli.exe", "import", winPath(writeFile(t, "users.csv", csv)))
		for _, want := range []string{"imported 2 of 3", "line 4:"} {
			if !strings.Contains(out, want) {
				t.Errorf("import lacks %q:\n%s", want, out)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE display_name = 'Ærøskøbing, Zoë'`); n != 1 {
			t.Errorf("the non-ASCII name did not arrive intact")
		}
		out = w.mustRun(t, 0, "", []string{admin}, "resetdesk-cli.exe", "users", "--search", "zoë", "--json")
		var doc struct {
			Data []struct{ Email, Name string } `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Data) != 1 || doc.Data[0].Name != "Ærøskøbing, Zoë" {
			t.Errorf("users --search zoë --json: %v\n%s", err, out)
		}
	})

	t.Run("reset", func(t *testing.T) {
		// A one-time password, mailed through the sink.
		out := w.mustRun(t, 0, "", []string{admin}, "resetdesk-cli.exe", "reset", "zoe@acme.test", "--json")
		var doc struct {
			Data []struct{ Email, Result, Delivery string } `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Data) != 1 ||
			doc.Data[0].Result != "reset" || doc.Data[0].Delivery != "one_time_password:sent" {
			t.Errorf("reset --json: %v\n%s", err, out)
		}
		f.lastCode(t, "zoe@acme.test")

		// One user reset, one skipped: exit 3, and the reason in words.
		out = w.mustRun(t, cli.ExitSkipped, "", []string{admin}, "resetdesk-cli.exe", "reset", "zoe@acme.test", "dan@acme.test")
		if !strings.Contains(out, "dan@acme.test") {
			t.Errorf("reset with a skipped user:\n%s", out)
		}

		// A password on stdin as cmd's `echo pw| …` sends it: with CRLF.
		pw := "Wine-Typed-Password-2026"
		w.mustRun(t, 0, pw+"\r\n", []string{owner}, "resetdesk-cli.exe", "reset", "zoe@acme.test", "--set-password", "--password-stdin")
		if !verifies(t, f.passwordHash(t, "zoe@acme.test"), pw) {
			t.Errorf("the password sent on stdin with CRLF is not the one stored")
		}
	})

	t.Run("exit codes", func(t *testing.T) {
		code, _, errOut := w.run(t, "", []string{admin}, "resetdesk-cli.exe", "reset", "--no-such-flag")
		if code != cli.ExitUsage {
			t.Errorf("a bad flag: exit %d, want %d\n%s", code, cli.ExitUsage, errOut)
		}
		bad := strings.Replace(f.admin, "://", "://nobody-here:", 1)
		code, _, errOut = w.run(t, "", []string{"DATABASE_URL=" + bad}, "resetdesk-cli.exe", "users")
		if code != cli.ExitError || errOut == "" {
			t.Errorf("a wrong login: exit %d, want %d with a sentence\n%s", code, cli.ExitError, errOut)
		}
	})

	t.Run("the window exe refuses commands", func(t *testing.T) {
		code, _, errOut := w.run(t, "", []string{owner}, "ResetDesk.exe", "users")
		if code != cli.ExitUsage || !strings.Contains(errOut, "resetdesk-cli.exe") {
			t.Errorf("ResetDesk.exe users: exit %d, want %d and a pointer to resetdesk-cli.exe\n%s", code, cli.ExitUsage, errOut)
		}
	})

	t.Run("window", func(t *testing.T) { w.windowSmoke(t, owner) })
}

// newWine builds the exes and a Wine prefix with the ProcessPrng stand-in.
func newWine(t *testing.T) *wine {
	t.Helper()
	w := &wine{dist: t.TempDir(), prefix: filepath.Join(t.TempDir(), "wine")}
	if dir := os.Getenv("RESETDESK_ARTIFACTS"); dir != "" {
		w.dist = filepath.Join(dir, "windows")
	}
	start := time.Now()
	cmd := exec.Command("bash", "scripts/package-windows", w.dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/package-windows: %v\n%s", err, out)
	}
	t.Logf("scripts/package-windows: %v", time.Since(start).Round(time.Second))
	w.boot(t)
	return w
}

// boot makes w's Wine prefix, with the ProcessPrng stand-in in it, and
// stops the prefix's processes at cleanup.
func (w *wine) boot(t *testing.T) {
	t.Helper()
	start := time.Now()
	boot := exec.Command("wineboot", "-i")
	boot.Env = w.env(nil)
	if out, err := boot.CombinedOutput(); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, out)
	}
	// Cleanups run last first: stop the prefix's processes before its
	// folder goes.
	t.Cleanup(func() {
		kill := exec.Command("wineserver", "-k")
		kill.Env = w.env(nil)
		kill.Run()
	})
	dll := filepath.Join(w.prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	gcc := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-o", dll, "testdata/wine/bcryptprimitives.c", "-ladvapi32")
	if out, err := gcc.CombinedOutput(); err != nil {
		t.Fatalf("build the ProcessPrng stand-in: %v\n%s", err, out)
	}
	t.Logf("Wine prefix and stand-in DLL: %v", time.Since(start).Round(time.Second))
}

// env is the environment of a Wine process: ours, with extra on top, in
// the test's prefix, without Wine's debug chatter or its offers to install
// Mono and Gecko.
func (w *wine) env(extra []string) []string {
	env := []string{"WINEPREFIX=" + w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=", "LANG=en_US.UTF-8"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "WINEPREFIX" && k != "WINEDEBUG" && k != "WINEDLLOVERRIDES" && k != "LANG" && k != "DATABASE_URL" && !strings.HasPrefix(k, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// run runs exe (in dist) under Wine with args and stdin, for at most two
// minutes, and returns its exit status and output.
func (w *wine) run(t *testing.T, stdin string, extra []string, exe string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "wine", append([]string{filepath.Join(w.dist, exe)}, args...)...)
	cmd.Env = w.env(extra)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("wine %s %s: %v\n%s", exe, strings.Join(args, " "), err, errb.String())
	}
	return code, out.String(), errb.String()
}

func (w *wine) mustRun(t *testing.T, want int, stdin string, extra []string, exe string, args ...string) string {
	t.Helper()
	code, out, errOut := w.run(t, stdin, extra, exe, args...)
	if code != want {
		t.Fatalf("wine %s %s: exit %d, want %d\nstdout: %s\nstderr: %s", exe, strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

// windowSmoke opens ResetDesk.exe on Xvfb, signed in with DATABASE_URL, and
// waits for the console window to show the users.
func (w *wine) windowSmoke(t *testing.T, dsn string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	display := startXvfb(t, ctx)
	x := xTools{display: display, xdotool: true}
	out := newLineWatcher("resetdesk: ")
	cmd := exec.Command("wine", filepath.Join(w.dist, "ResetDesk.exe"))
	cmd.Env = w.env([]string{dsn, "DISPLAY=" + display})
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		kill := exec.Command("wineserver", "-k")
		kill.Env = w.env(nil)
		kill.Run()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}()

	// The start window ("Signing in with DATABASE_URL…", 560x200) gives way
	// to the console, which is far larger.
	if _, err := waitFor(ctx, 90*time.Second, exited, func() (string, bool) {
		id, ok := x.findWindow(ctx, "ResetDesk$")
		if !ok {
			return "", false
		}
		b, err := x.run(ctx, "xdotool", "getwindowgeometry", "--shell", id)
		return "", err == nil && !strings.Contains(string(b), "WIDTH=560\n") && strings.Contains(string(b), "WIDTH=")
	}); err != nil {
		t.Fatalf("no ResetDesk console window: %v\n%s", err, out.String())
	}
	t.Logf("console window shown %v after start", time.Since(start).Round(time.Millisecond))

	// The users load; then the screen settles.
	var shot []byte
	var prev []byte
	if _, err := waitFor(ctx, 60*time.Second, exited, func() (string, bool) {
		b, err := x.importPNG(ctx, "root")
		if err != nil {
			return "", false
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return "", false
		}
		p := pixels(img)
		stable := prev != nil && bytes.Equal(p, prev)
		prev, shot = p, b
		return "", stable && countColors(img, 51) > 50
	}); err != nil && shot == nil {
		t.Fatalf("no screenshot: %v\n%s", err, out.String())
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if n := countColors(img, 1000); n <= 50 {
		t.Errorf("the screenshot has %d colours: the window is blank", n)
	}
	if dir := os.Getenv("RESETDESK_ARTIFACTS"); dir != "" {
		keep := filepath.Join(dir, "windows-under-wine.png")
		if err := os.WriteFile(keep, shot, 0o644); err != nil {
			t.Errorf("keep the screenshot: %v", err)
		} else {
			t.Logf("screenshot: %s", keep)
		}
	}
	if strings.Contains(out.String(), "resetdesk: ") {
		t.Errorf("the app reported a problem:\n%s", out.String())
	}
}

// checkExeResources reads back what go-winres put into each exe: the icon
// sizes and the version information.
func checkExeResources(t *testing.T, dist string) {
	for exe, desc := range map[string]string{"ResetDesk.exe": "ResetDesk", "resetdesk-cli.exe": "ResetDesk command line"} {
		dir := t.TempDir()
		cmd := exec.Command("go", "run", "github.com/tc-hib/go-winres@v0.3.3", "extract", "--dir", dir, filepath.Join(dist, exe))
		cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=", "CC=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go-winres extract %s: %v\n%s", exe, err, out)
		}
		ico, err := filepath.Glob(filepath.Join(dir, "*APP*.ico"))
		if err != nil || len(ico) != 1 {
			all, _ := filepath.Glob(filepath.Join(dir, "*"))
			t.Fatalf("%s: no APP icon among %q", exe, all)
		}
		sizes := icoSizes(t, ico[0])
		for _, want := range []int{16, 32, 48, 256} {
			if !slices.Contains(sizes, want) {
				t.Errorf("%s: the icon has sizes %v, none of %d px", exe, sizes, want)
			}
		}
		info, err := os.ReadFile(filepath.Join(dir, "winres.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"CompanyName": "ResetDesk"`, `"FileDescription": "` + desc + `"`, `"OriginalFilename": "` + exe + `"`, `"ProductVersion"`, "dpi-awareness"} {
			if !strings.Contains(string(info), want) {
				t.Errorf("%s: the resources lack %s:\n%s", exe, want, info)
			}
		}
	}
}

// icoSizes returns the width of each image in an ICO file.
func icoSizes(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 6 {
		t.Fatalf("read %s: %v", path, err)
	}
	n := int(binary.LittleEndian.Uint16(b[4:6]))
	var sizes []int
	for i := range n {
		off := 6 + 16*i
		if off >= len(b) {
			break
		}
		w := int(b[off])
		if w == 0 {
			w = 256 // a byte holds the width; 0 stands for 256
		}
		sizes = append(sizes, w)
	}
	return sizes
}

// winPath is path as a Windows program under Wine sees it: drive Z: is /.
func winPath(path string) string {
	return `Z:` + strings.ReplaceAll(path, "/", `\`)
}
