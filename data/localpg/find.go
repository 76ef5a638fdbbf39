package localpg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"resetdesk/app"
)

// missingMessage is what an admin sees when no server is installed: the one
// thing to do about it on the platform goos, and only that one.
func missingMessage(goos string) string {
	const needs = "ResetDesk's demo needs the PostgreSQL server. "
	switch goos {
	case "windows":
		return needs + "Install it with the PostgreSQL installer for Windows (from postgresql.org, by EDB), then start the demo again."
	case "darwin":
		return needs + "Install it with Homebrew (brew install postgresql@17) or Postgres.app, then start the demo again."
	default:
		return needs + "Install it with your system's package manager (Debian and Ubuntu: sudo apt install postgresql), then start the demo again."
	}
}

// BinDirEnv names the environment variable that, when set, is the only
// folder searched for initdb, pg_ctl and postgres: for a server installed
// somewhere none of the usual places cover.
const BinDirEnv = "RESETDESK_PG_BINDIR"

// binSearch lists the folders that may hold the server binaries, most
// specific first. Tests replace it to simulate a machine without PostgreSQL.
var binSearch = defaultBinDirs

// defaultBinDirs lists the folders of binDirPatterns that exist, then the
// folders of initdb, pg_ctl and postgres on PATH.
func defaultBinDirs() []string {
	if d := os.Getenv(BinDirEnv); d != "" {
		return []string{d}
	}
	var dirs []string
	for _, pattern := range binDirPatterns(runtime.GOOS, os.Getenv) {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if p, err := exec.LookPath(name); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	return dirs
}

// binDirPatterns returns glob patterns for the places the packagers put the
// server on goos. PATH alone is not enough: Debian and Ubuntu keep the server
// off PATH under /usr/lib/postgresql, the PGDG RPMs under /usr/pgsql-N, and
// an app started from the Finder or the Start menu gets a minimal PATH that
// misses Homebrew, Postgres.app, EDB's installer (Program Files on Windows,
// /Library/PostgreSQL on the Mac) and MacPorts (/opt/local/lib/postgresqlNN).
func binDirPatterns(goos string, getenv func(string) string) []string {
	switch goos {
	case "windows":
		var patterns []string
		for _, env := range []string{"ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"} {
			if pf := getenv(env); pf != "" {
				patterns = append(patterns, strings.TrimRight(pf, `\`)+`\PostgreSQL\*\bin`)
			}
		}
		return append(patterns, `C:\Program Files\PostgreSQL\*\bin`)
	case "darwin":
		return []string{
			"/opt/homebrew/opt/postgresql@*/bin", // Homebrew on Apple silicon
			"/usr/local/opt/postgresql@*/bin",    // Homebrew on Intel
			"/opt/homebrew/opt/postgresql/bin",
			"/usr/local/opt/postgresql/bin",
			"/Applications/Postgres.app/Contents/Versions/*/bin",
			"/Library/PostgreSQL/*/bin",      // EDB's installer
			"/opt/local/lib/postgresql*/bin", // MacPorts
		}
	default:
		return []string{
			"/usr/lib/postgresql/*/bin",
			"/usr/pgsql-*/bin",
		}
	}
}

// binaries is one installation of the server.
type binaries struct {
	dir   string // holds initdb, pg_ctl and postgres
	major int    // 10, 11, ... 17
}

func (b binaries) path(name string) string {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(b.dir, name)
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\)\s+(\d+)`)

// findBinaries returns the installation to run a cluster with: the one of
// major version want when want is not 0 and it is installed, else the newest.
// None at all is an EUNAVAILABLE error naming what to install.
func findBinaries(ctx context.Context, want int) (binaries, error) {
	var found []binaries
	seen := map[string]bool{}
	for _, d := range binSearch() {
		b, ok := inspect(ctx, d)
		if !ok || seen[b.dir] {
			continue
		}
		seen[b.dir] = true
		found = append(found, b)
	}
	if len(found) == 0 {
		return binaries{}, app.Errorf(app.EUNAVAILABLE, "%s", missingMessage(runtime.GOOS))
	}
	if i := slices.IndexFunc(found, func(b binaries) bool { return b.major == want }); want != 0 && i >= 0 {
		return found[i], nil
	}
	// The first of the newest: the search order puts the packagers' own
	// folders before PATH, which may hold a stray older copy.
	best := found[0]
	for _, b := range found[1:] {
		if b.major > best.major {
			best = b
		}
	}
	return best, nil
}

// inspect reports whether dir holds a usable server, resolving symlinks so
// that /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb counts once
// and leads to the folder that also holds postgres.
func inspect(ctx context.Context, dir string) (binaries, bool) {
	b := binaries{dir: dir}
	real, err := filepath.EvalSymlinks(b.path("pg_ctl"))
	if err != nil {
		return b, false
	}
	b.dir = filepath.Dir(real)
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		st, err := os.Stat(b.path(name))
		if err != nil || st.IsDir() || (runtime.GOOS != "windows" && st.Mode()&0o111 == 0) {
			return b, false
		}
	}
	// Through command: on Windows a probe must not flash a console window.
	out, err := command(ctx, nil, b.path("pg_ctl"), "--version").Output()
	if err != nil {
		return b, false
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return b, false
	}
	b.major, _ = strconv.Atoi(string(m[1]))
	// SCRAM and pg_ctl's wait-for-ready via postmaster.pid came with 10.
	return b, b.major >= 10
}

// readMajor returns the major version that created the cluster in data, or
// 0 when data holds no cluster.
func readMajor(data string) int {
	b, err := os.ReadFile(filepath.Join(data, "PG_VERSION"))
	if err != nil {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return v
}
