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
// thing to do about it, for each platform ResetDesk runs a demo on.
const missingMessage = "ResetDesk's demo needs the PostgreSQL server. Install it with: " +
	"sudo apt install postgresql (Debian/Ubuntu), brew install postgresql@16 (macOS), " +
	"or the installer from postgresql.org (Windows)."

// BinDirEnv names the environment variable that, when set, is the only
// folder searched for initdb, pg_ctl and postgres: for a server installed
// somewhere none of the usual places cover.
const BinDirEnv = "RESETDESK_PG_BINDIR"

// binSearch lists the folders that may hold the server binaries, most
// specific first. Tests replace it to simulate a machine without PostgreSQL.
var binSearch = defaultBinDirs

// defaultBinDirs covers the places the packagers put the server: Debian and
// Ubuntu keep it off PATH under /usr/lib/postgresql, the PGDG RPMs under
// /usr/pgsql-N, Homebrew under opt/postgresql@N, Postgres.app inside the
// app bundle, and the EDB installer under Program Files.
func defaultBinDirs() []string {
	if d := os.Getenv(BinDirEnv); d != "" {
		return []string{d}
	}
	var dirs []string
	glob := func(pattern string) {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	switch runtime.GOOS {
	case "windows":
		for _, env := range []string{"ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"} {
			if pf := os.Getenv(env); pf != "" {
				glob(filepath.Join(pf, "PostgreSQL", "*", "bin"))
			}
		}
		glob(`C:\Program Files\PostgreSQL\*\bin`)
	default:
		glob("/usr/lib/postgresql/*/bin")
		glob("/usr/pgsql-*/bin")
		glob("/opt/homebrew/opt/postgresql@*/bin")
		glob("/usr/local/opt/postgresql@*/bin")
		glob("/opt/homebrew/opt/postgresql/bin")
		glob("/usr/local/opt/postgresql/bin")
		glob("/Applications/Postgres.app/Contents/Versions/*/bin")
	}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if p, err := exec.LookPath(name); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	return dirs
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
		return binaries{}, app.Errorf(app.EUNAVAILABLE, "%s", missingMessage)
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
	out, err := exec.CommandContext(ctx, b.path("pg_ctl"), "--version").Output()
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
