// Package localpg runs the private PostgreSQL cluster behind `resetdesk demo`:
// a throwaway server in a folder of the user's cache, made with the
// PostgreSQL server binaries already installed on the machine, listening on
// 127.0.0.1 only, with a random superuser password that never leaves its
// folder. The demo must work on a fresh machine without anyone creating
// databases or roles by hand; this package is what makes that true.
//
// The folder holds:
//
//	superuser.password  the postgres role's password (mode 0600)
//	data/               the cluster (PGDATA)
//	server.log          the server's log
//	in-use.lock         locked by each ResetDesk that uses the server
//	watchdog.log        what each ResetDesk and watchdog did with the server
//
// Run as root, the folder and the server belong to the "postgres" OS user,
// because initdb and postgres refuse to run as root; the Go process stays root.
package localpg

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
)

// Cluster is a running demo server. Its methods are safe to call from one
// goroutine at a time.
type Cluster struct {
	dir      string // the folder given to Start
	data     string // PGDATA
	logFile  string
	passFile string
	sockDir  string
	bins     binaries
	su       *serverUser // the OS user the server runs as; nil for ourselves
	port     int
	password string
	watch    *watch   // the watchdog that stops the server if this process dies
	inUse    *os.File // holds a shared lock on inUseFile from Start to Stop
}

// includeLine is what initdb's postgresql.conf gets so that our settings,
// rewritten at every start, apply on top of it. Its presence also marks an
// initdb that ran to the end.
const includeLine = "include_if_exists = 'resetdesk.conf'"

// Start starts the demo cluster in dir, creating it on first use, or joins
// it when a server already runs there (a second `resetdesk demo`, or one
// left behind by a crash). dir is typically
// filepath.Join(os.UserCacheDir(), "resetdesk", "demo-pg").
//
// Everything in dir is disposable: when its cluster cannot be used any more
// (the password file is gone, or the PostgreSQL version that made it is no
// longer installed), Start deletes data/ and makes a new one, and the caller
// seeds it again. Errors are *app.Error; EUNAVAILABLE when the server
// binaries are missing, with a sentence naming what to install.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	su, err := runAsUser()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir: dir, data: filepath.Join(dir, "data"), logFile: filepath.Join(dir, "server.log"),
		passFile: filepath.Join(dir, "superuser.password"), su: su,
	}
	if err := c.prepareDir(); err != nil {
		return nil, &app.Error{Code: app.EUNAVAILABLE, Err: err,
			Message: fmt.Sprintf("ResetDesk could not prepare the demo's database folder %s.", dir)}
	}
	if err := c.useShared(); err != nil {
		return nil, &app.Error{Code: app.EUNAVAILABLE, Err: err,
			Message: fmt.Sprintf("ResetDesk could not lock the demo's database folder %s for its use.", dir)}
	}
	started := false
	defer func() {
		if !started {
			c.unuse()
		}
	}()
	newPassword, err := c.loadPassword()
	if err != nil {
		return nil, &app.Error{Code: app.EUNAVAILABLE, Err: err,
			Message: fmt.Sprintf("ResetDesk could not read or create the demo's password file in %s.", dir)}
	}
	major := readMajor(c.data)
	if c.bins, err = findBinaries(ctx, major); err != nil {
		return nil, err
	}
	if major != 0 && (newPassword || c.bins.major != major || !c.initialized()) {
		if err := c.discard(ctx); err != nil {
			return nil, err
		}
		major = 0
	} else if major == 0 && dirExists(c.data) {
		// What an initdb that never wrote PG_VERSION left behind.
		if err := os.RemoveAll(c.data); err != nil {
			return nil, fmt.Errorf("localpg: %w", err)
		}
	}
	if major == 0 {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if pid, port := c.postmaster(); pid != 0 && serverAlive(pid, c.data) {
		c.port = port
		note(c.dir, "ResetDesk %d uses server %d, which was running", os.Getpid(), pid)
	} else if err := c.start(ctx); err != nil {
		return nil, err
	} else {
		pid, _ := c.postmaster()
		note(c.dir, "ResetDesk %d started server %d", os.Getpid(), pid)
	}
	started = true
	if tie.Load() {
		// Before the check: a server that answers wrongly still ends
		// with this process.
		if err := c.startWatchdog(); err != nil {
			note(c.dir, "ResetDesk %d started no watchdog: %v", os.Getpid(), err)
			fmt.Fprintln(os.Stderr, "resetdesk: the demo's PostgreSQL server would outlive ResetDesk if ResetDesk were killed:", err)
		}
	}
	return c, c.check(ctx)
}

// SuperURL returns the superuser's connection URL. It holds the password:
// hand it to the code that seeds the demo, and never print or log it.
func (c *Cluster) SuperURL() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("postgres", c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable", // loopback only: TLS would protect nothing
	}
	return u.String()
}

// Port returns the TCP port the server listens on, on 127.0.0.1. It is
// chosen free at each start, so it changes when the server restarts.
func (c *Cluster) Port() int { return c.port }

// LogFile returns the path of the server's log, for messages that send the
// admin there when something goes wrong.
func (c *Cluster) LogFile() string { return c.logFile }

// Stop says that this process is done with the server. If no other
// ResetDesk uses it, Stop shuts it down (fast mode: open sessions are
// ended) and waits until it is gone; an admin's second window or
// `resetdesk self-service` on the same folder keeps it, and the last one
// out stops it. Then it lets its watchdog go. The data stays for the next
// Start. Stopping a server that is not running is not an error.
func (c *Cluster) Stop() error {
	settled := false
	defer func() { c.endWatchdog(settled) }()
	last, err := c.leave()
	pid, _ := c.postmaster()
	if err != nil {
		note(c.dir, "ResetDesk %d quit and left server %d to its watchdog, if any: cannot lock %s: %v", os.Getpid(), pid, inUseFile, err)
		return &app.Error{Code: app.EINTERNAL, Err: err,
			Message: fmt.Sprintf("ResetDesk could not lock the demo's database folder %s to stop its PostgreSQL server.", c.dir)}
	}
	if last == nil {
		note(c.dir, "ResetDesk %d quit; server %d stays: another ResetDesk uses it, or a watchdog is stopping it", os.Getpid(), pid)
		settled = true
		return nil
	}
	defer release(last)
	if pid == 0 || !serverAlive(pid, c.data) {
		settled = true
		return nil
	}
	if err := c.stopServer(); err != nil {
		note(c.dir, "ResetDesk %d quit; server %d did not stop: %v", os.Getpid(), pid, err)
		return &app.Error{Code: app.EINTERNAL, Err: err,
			Message: fmt.Sprintf("The demo's PostgreSQL server in %s did not stop. Its log is %s.", c.dir, c.logFile)}
	}
	note(c.dir, "ResetDesk %d quit and stopped server %d", os.Getpid(), pid)
	settled = true
	return nil
}

// prepareDir creates dir, private to the server's OS user, and lets that
// user reach it.
func (c *Cluster) prepareDir() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	if err := openPath(c.su, c.dir); err != nil {
		return err
	}
	st, err := os.Stat(c.dir)
	if err != nil {
		return err
	}
	if !ownedBy(c.su, st) {
		// Made by another run as someone else (root before the postgres
		// user took over, say): hand everything over.
		if err := giveTo(c.su, c.dir, true); err != nil {
			return err
		}
	}
	if err := os.Chmod(c.dir, 0o700); err != nil {
		return err
	}
	var sockErr error
	c.sockDir, sockErr = socketDir(c.su, c.dir)
	return sockErr
}

var passwordRE = regexp.MustCompile(`^[0-9a-f]{32,}$`)

// loadPassword reads the superuser's password, or makes one and reports that
// it did. The file is the server user's, so that initdb can read it with
// --pwfile and the password never appears on a command line.
func (c *Cluster) loadPassword() (made bool, err error) {
	if b, err := os.ReadFile(c.passFile); err == nil && passwordRE.Match(bytes.TrimSpace(b)) {
		c.password = string(bytes.TrimSpace(b))
		return false, os.Chmod(c.passFile, 0o600)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return false, err
	}
	c.password = hex.EncodeToString(b)
	tmp := c.passFile + ".tmp"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(c.password+"\n"), 0o600); err != nil {
		return false, err
	}
	if err := giveTo(c.su, tmp, false); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, c.passFile)
}

// initialized reports whether an initdb ran to the end (we add the include
// line right after it succeeds).
func (c *Cluster) initialized() bool {
	b, err := os.ReadFile(filepath.Join(c.data, "postgresql.conf"))
	return err == nil && bytes.Contains(b, []byte(includeLine))
}

// discard removes a cluster that cannot be used, stopping it first if it
// runs. Seeding makes everything in it again.
func (c *Cluster) discard(ctx context.Context) error {
	if pid, _ := c.postmaster(); pid != 0 && serverAlive(pid, c.data) {
		c.run(ctx, false, c.bins.path("pg_ctl"), "-D", c.data, "-m", "immediate", "-w", "-t", "30", "stop")
	}
	if err := os.RemoveAll(c.data); err != nil {
		return &app.Error{Code: app.EINTERNAL, Err: err,
			Message: fmt.Sprintf("ResetDesk could not remove the old demo cluster in %s. Delete that folder and try again.", c.data)}
	}
	return nil
}

// initdb creates the cluster. SCRAM for every connection, the socket
// included: the server user's other processes have no business in it.
// --no-sync saves seconds on a first start, and a demo cluster lost to a
// power cut is simply made again.
func (c *Cluster) initdb(ctx context.Context) error {
	locales := []string{"--locale=C.UTF-8", "--no-locale"}
	if runtime.GOOS == "windows" {
		locales = locales[1:]
	}
	var out []byte
	var err error
	for _, loc := range locales {
		out, err = c.run(ctx, false, c.bins.path("initdb"), "-D", c.data, "-U", "postgres",
			"--auth=scram-sha-256", "--pwfile="+c.passFile, "-E", "UTF8", loc, "--no-sync")
		if err == nil {
			break
		}
		// C.UTF-8 is missing on some systems (macOS): fall back to C, which
		// sorts by code point but works everywhere.
		if rmErr := os.RemoveAll(c.data); rmErr != nil {
			break
		}
	}
	if err != nil {
		return &app.Error{Code: app.EINTERNAL, Err: fmt.Errorf("%w: %s", err, bytes.TrimSpace(out)),
			Message: fmt.Sprintf("ResetDesk could not create the demo's database cluster in %s: %s", c.data, lastLines(out, 2))}
	}
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Added by ResetDesk: its settings for the demo, rewritten at every start.\n%s\n", includeLine)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	return nil
}

// writeConf writes the settings we own, at every start, so that a new port
// or a newer ResetDesk applies to an existing cluster too.
func (c *Cluster) writeConf(port int) error {
	quote := func(s string) string {
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
	}
	conf := fmt.Sprintf(`# Written by ResetDesk at every start of the demo cluster; edits are lost.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = %s
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
max_connections = 50
# The demo cluster ONLY: it holds nothing that seeding cannot make again, so
# it trades durability for speed. Never copy these lines to a real server.
fsync = off
synchronous_commit = off
full_page_writes = off
`, port, quote(c.sockDir))
	path := filepath.Join(c.data, "resetdesk.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return err
	}
	return giveTo(c.su, path, false)
}

// start starts the server on a free port. Another program can take the port
// between our check and the server's bind, so a bind failure is retried on a
// new port.
func (c *Cluster) start(ctx context.Context) error {
	c.removeStalePID()
	c.rotateLog()
	var out []byte
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return &app.Error{Code: app.EUNAVAILABLE, Err: err, Message: "ResetDesk found no free port on 127.0.0.1 for the demo's database."}
		}
		if err = c.writeConf(port); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		out, err = c.run(ctx, true, c.bins.path("pg_ctl"), "-D", c.data, "-l", c.logFile, "-w", "-t", "60", "start")
		if err == nil {
			c.port = port
			return nil
		}
		// Two demos started at once: the other one won, and we join it.
		if pid, p := c.postmaster(); pid != 0 && serverAlive(pid, c.data) {
			c.port = p
			return nil
		}
		if !strings.Contains(c.logTail(), "already in use") {
			break
		}
	}
	return &app.Error{Code: app.EUNAVAILABLE, Err: fmt.Errorf("%w: %s", err, bytes.TrimSpace(out)),
		Message: fmt.Sprintf("The demo's PostgreSQL server did not start. The end of its log (%s): %s", c.logFile, lastLines([]byte(c.logTail()), 3))}
}

// check signs in as the superuser, proving that the server answers and that
// the password file still matches it.
func (c *Cluster) check(ctx context.Context) error {
	conn, err := pq.NewConnector(c.SuperURL())
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = db.PingContext(ctx)
	var pqe *pq.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pqe) && pqe.Code == "28P01":
		return &app.Error{Code: app.EUNAUTHORIZED, Err: err,
			Message: fmt.Sprintf("The demo's PostgreSQL server no longer accepts its saved password. Stop it and delete %s to start over.", c.dir)}
	}
	return &app.Error{Code: app.EUNAVAILABLE, Err: err,
		Message: fmt.Sprintf("The demo's PostgreSQL server does not answer on 127.0.0.1:%d. Its log is %s.", c.port, c.logFile)}
}

// postmaster reads postmaster.pid: the server's pid (line 1) and port (line
// 4). Zeros when there is none.
func (c *Cluster) postmaster() (pid, port int) {
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return 0, 0
	}
	lines := strings.Split(string(b), "\n")
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	if len(lines) > 3 {
		port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	return pid, port
}

// removeStalePID deletes what a killed server left behind. postgres itself
// ignores a postmaster.pid whose process is gone, but not one whose number a
// new process got after a reboot.
func (c *Cluster) removeStalePID() {
	if pid, _ := c.postmaster(); pid == 0 || serverAlive(pid, c.data) {
		return
	}
	os.Remove(filepath.Join(c.data, "postmaster.pid"))
	if c.sockDir != "" {
		stale, _ := filepath.Glob(filepath.Join(c.sockDir, ".s.PGSQL.*"))
		for _, f := range stale {
			os.Remove(f)
		}
	}
}

// rotateLog keeps the log from growing without bound over months of demos:
// pg_ctl appends to it at every start.
func (c *Cluster) rotateLog() {
	if st, err := os.Stat(c.logFile); err == nil && st.Size() > 16<<20 {
		os.Rename(c.logFile, c.logFile+".old")
	}
}

// logTail returns the last few KiB of the server log.
func (c *Cluster) logTail() string {
	f, err := os.Open(c.logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 4096 {
		f.Seek(st.Size()-4096, 0)
	}
	b := make([]byte, 4096)
	n, _ := f.Read(b)
	return string(b[:n])
}

// run runs a server tool as the server's OS user, from dir (the user may not
// reach our working directory), without PG* variables that could steer it
// to another cluster.
func (c *Cluster) run(ctx context.Context, detached bool, argv ...string) ([]byte, error) {
	cmd := command(ctx, c.su, argv...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if detached {
		detach(cmd)
	}
	// The output goes to a file, not a pipe: the server that pg_ctl starts
	// may inherit the tool's handles (Windows does that), and a pipe would
	// then keep us waiting until the server exits.
	f, err := os.CreateTemp("", "resetdesk-pg-*.out")
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	cmd.WaitDelay = 5 * time.Second // after ctx kills the tool
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	return out, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// lastLines returns the last n non-empty lines of out, joined by spaces, for
// an error sentence.
func lastLines(out []byte, n int) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, " ")
}
