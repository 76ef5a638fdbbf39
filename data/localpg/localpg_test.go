package localpg

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"resetdesk/app"
)

// needServer skips a test on a machine without the PostgreSQL server, except
// under CI, which installs it: there a missing server is a failure.
func needServer(t *testing.T) {
	t.Helper()
	if _, err := findBinaries(context.Background(), 0); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install the PostgreSQL server: %v", err)
		}
		t.Skip(app.ErrorMessage(err))
	}
}

// startCluster starts a cluster in dir and stops it at cleanup.
func startCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	begin := time.Now()
	c, err := Start(context.Background(), dir)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Logf("Start took %v (port %d)", time.Since(begin).Round(time.Millisecond), c.Port())
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

func query(t *testing.T, c *Cluster, q string) (string, error) {
	t.Helper()
	db, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	err = db.QueryRow(q).Scan(&s)
	return s, err
}

func TestStartStopReuse(t *testing.T) {
	needServer(t)
	dir := filepath.Join(t.TempDir(), "demo-pg")
	c := startCluster(t, dir)
	db, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if addr, err := query(t, c, `SELECT coalesce(inet_server_addr()::text, '') || ' ' || current_setting('listen_addresses')`); err != nil || addr != "127.0.0.1/32 127.0.0.1" {
		t.Errorf("server address %q, %v", addr, err)
	}

	// The password stays in its private file and nowhere else.
	st, err := os.Stat(c.passFile)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v", st.Mode().Perm())
	}
	if log, err := os.ReadFile(c.LogFile()); err != nil || strings.Contains(string(log), c.password) {
		t.Errorf("server log: %v, or it holds the password", err)
	}

	// A second Start joins the running server instead of starting another.
	pid, _ := c.postmaster()
	again := startCluster(t, dir)
	if again.Port() != c.Port() || again.SuperURL() != c.SuperURL() {
		t.Errorf("second start on port %d, first on %d", again.Port(), c.Port())
	}
	if pid2, _ := again.postmaster(); pid2 != pid {
		t.Errorf("second start restarted the server: pid %d, then %d", pid, pid2)
	}

	// Quitting one ResetDesk leaves the server to the other, which still
	// uses it; the last one out stops it.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := query(t, again, `SELECT 'up'`); err != nil {
		t.Fatalf("the server stopped while a second ResetDesk still uses it: %v", err)
	}
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := query(t, c, `SELECT 'up'`); err == nil {
		t.Fatal("the server still answers after the last Stop")
	}
	if err := c.Stop(); err != nil {
		t.Errorf("stopping a stopped server: %v", err)
	}

	// The data survives a restart.
	c = startCluster(t, dir)
	if v, err := query(t, c, `SELECT v FROM kept`); err != nil || v != "still here" {
		t.Errorf("after a restart: %q, %v", v, err)
	}
}

// A server killed hard leaves its postmaster.pid; after a reboot its number
// may belong to another live process. Start must see through both. The long
// folder name also forces the socket into a short folder under /tmp.
func TestStalePIDFileAndLongPath(t *testing.T) {
	needServer(t)
	if runtime.GOOS == "windows" {
		t.Skip("Unix sockets and pid reuse checks are Unix matters")
	}
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-rather-long-folder-name-", 4), "demo-pg")
	c := startCluster(t, dir)
	if c.sockDir == dir || len(c.sockDir) > 60 {
		t.Errorf("socket folder %q for %d-byte %q", c.sockDir, len(dir), dir)
	}
	t.Cleanup(func() {
		if strings.HasPrefix(c.sockDir, "/tmp/resetdesk-pg-") {
			os.RemoveAll(c.sockDir)
		}
	})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// Our own pid: alive, but not a postgres serving this folder.
	stale := fmt.Sprintf("%d\n%s\n1700000000\n%d\n%s\n127.0.0.1\n  5432001  42\nready   \n",
		os.Getpid(), c.data, c.Port(), c.sockDir)
	pidFile := filepath.Join(c.data, "postmaster.pid")
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := giveTo(c.su, pidFile, false); err != nil {
		t.Fatal(err)
	}
	c = startCluster(t, dir)
	if v, err := query(t, c, `SELECT 'up'`); err != nil || v != "up" {
		t.Fatalf("after a stale pid file: %q, %v", v, err)
	}
	if pid, _ := c.postmaster(); pid == os.Getpid() {
		t.Error("postmaster.pid still names the test process")
	}
}

// Without its password file, the cluster is made again rather than left
// unusable: seeding fills it anew.
func TestLostPasswordRemakesCluster(t *testing.T) {
	needServer(t)
	dir := filepath.Join(t.TempDir(), "demo-pg")
	c := startCluster(t, dir)
	db, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE gone (v text)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Remove(c.passFile); err != nil {
		t.Fatal(err)
	}
	c = startCluster(t, dir)
	if v, err := query(t, c, `SELECT coalesce(to_regclass('gone')::text, 'none')`); err != nil || v != "none" {
		t.Errorf("after losing the password: %q, %v", v, err)
	}
}

func TestMissingBinaries(t *testing.T) {
	empty := t.TempDir()
	check := func(how string) {
		t.Helper()
		_, err := Start(context.Background(), filepath.Join(t.TempDir(), "demo-pg"))
		if app.ErrorCode(err) != app.EUNAVAILABLE || app.ErrorMessage(err) != missingMessage(runtime.GOOS) {
			t.Errorf("%s: %v", how, err)
		}
	}
	saved := binSearch
	binSearch = func() []string { return []string{empty} }
	check("search path override")
	binSearch = saved

	t.Setenv(BinDirEnv, empty)
	check(BinDirEnv)
}

// TestMissingMessageNamesOnePlatform: the admin reads the one install step
// for the computer in front of them, not every platform's.
func TestMissingMessageNamesOnePlatform(t *testing.T) {
	steps := map[string]string{
		"linux":   "sudo apt install postgresql",
		"darwin":  "brew install postgresql@",
		"windows": "installer for Windows",
	}
	for goos, want := range steps {
		msg := missingMessage(goos)
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q does not say %q", goos, msg, want)
		}
		for other, step := range steps {
			if other != goos && strings.Contains(msg, step) {
				t.Errorf("%s: %q also names %s's %q", goos, msg, other, step)
			}
		}
	}
}

// TestBinDirPatternsFindInstalls lays out each installer's folders under a
// temporary root and checks that the search finds every one of them.
func TestBinDirPatternsFindInstalls(t *testing.T) {
	installs := map[string][]string{
		"darwin": {
			"/opt/homebrew/opt/postgresql@17/bin",
			"/usr/local/opt/postgresql@16/bin",
			"/Applications/Postgres.app/Contents/Versions/17/bin",
			"/Library/PostgreSQL/16/bin",
			"/opt/local/lib/postgresql16/bin",
		},
		"linux": {
			"/usr/lib/postgresql/15/bin",
			"/usr/pgsql-16/bin",
		},
	}
	for goos, dirs := range installs {
		root := t.TempDir()
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		found := map[string]bool{}
		for _, pattern := range binDirPatterns(goos, func(string) string { return "" }) {
			m, err := filepath.Glob(filepath.Join(root, pattern))
			if err != nil {
				t.Fatalf("%s: %q: %v", goos, pattern, err)
			}
			for _, d := range m {
				found[strings.TrimPrefix(d, root)] = true
			}
		}
		for _, d := range dirs {
			if !found[d] {
				t.Errorf("%s: %s is not searched", goos, d)
			}
		}
	}

	// Windows: EDB's installer goes under Program Files, wherever that is.
	env := map[string]string{"ProgramFiles": `D:\Programs`}
	patterns := binDirPatterns("windows", func(k string) string { return env[k] })
	if !slices.Contains(patterns, `D:\Programs\PostgreSQL\*\bin`) || !slices.Contains(patterns, `C:\Program Files\PostgreSQL\*\bin`) {
		t.Errorf("windows: %q", patterns)
	}
}
