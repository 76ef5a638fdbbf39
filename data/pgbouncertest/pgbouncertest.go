// Package pgbouncertest runs a private PgBouncer on loopback in front of the
// test PostgreSQL (RESETDESK_TEST_DATABASE_URL), in transaction or session
// pooling, so that tests go through the pooler an office puts between its
// admins and the directory.
//
// PgBouncer signs clients in with SCRAM-SHA-256 against an auth_file of the
// server's own SCRAM secrets, copied from pg_authid, and passes the proof on
// to PostgreSQL: no password is written anywhere. Roles a test creates later
// reach the pooler through URL, which copies the secrets again first.
//
// It needs Debian's pgbouncer package (scripts/setup-deps installs it).
// PgBouncer refuses to run as root, so as root it runs as the postgres OS
// user. Configuration, log and sockets live in a temporary folder removed at
// cleanup; the system's /etc/pgbouncer is not read.
package pgbouncertest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/data/pgtest"
)

// Mode is a PgBouncer pool_mode.
type Mode string

// The two pool modes ResetDesk supports.
const (
	Transaction Mode = "transaction"
	Session     Mode = "session"
)

// maxWait bounds every wait: the pooler starting, a reload, a stop.
const maxWait = 10 * time.Second

// Server is a running PgBouncer.
type Server struct {
	Mode Mode

	dir   string
	port  int
	super *sql.DB // the upstream superuser, to read SCRAM secrets
	admin *sql.DB // the same superuser on PgBouncer's admin console

	mu   sync.Mutex  // serializes auth_file rewrites
	cred *credential // who PgBouncer runs as; nil: as us
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a PgBouncer in mode in front of the test server and stops it
// at t's cleanup. Pools are kept small (2 server connections per database
// and role) so that one role's concurrent clients really share connections.
// Without pgbouncer installed the test skips, or fails under CI.
func Start(t testing.TB, mode Mode) *Server {
	t.Helper()
	super := pgtest.SuperURL(t)
	bin := find(t)
	u, err := url.Parse(super)
	if err != nil {
		t.Fatal("pgbouncertest: the test server's URL does not parse") // the error would quote its password
	}
	upHost, upPort := u.Hostname(), u.Port()
	if upPort == "" {
		upPort = "5432"
	}
	db, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatalf("pgbouncertest: %v", err)
	}
	t.Cleanup(func() { db.Close() })

	dir, err := os.MkdirTemp("", "pgbouncertest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{Mode: mode, dir: dir, super: db}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(s.path("pgbouncer.log")); err == nil {
				t.Logf("pgbouncertest log (%s):\n%s", mode, b)
			}
		}
	})
	cred, err := runAs(dir)
	if err != nil {
		t.Fatalf("pgbouncertest: %v", err)
	}
	s.cred = cred
	if err := s.writeAuthFile(context.Background(), cred); err != nil {
		t.Fatalf("pgbouncertest: %v", err)
	}
	// PgBouncer binds the port itself, so a port picked here could be taken
	// in between: try a few.
	var startErr error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.path("pgbouncer.ini"), []byte(s.ini(upHost, upPort, u.User.Username())), 0o644); err != nil {
			t.Fatal(err)
		}
		if startErr = s.start(bin, cred); startErr == nil {
			break
		}
	}
	if startErr != nil {
		b, _ := os.ReadFile(s.path("pgbouncer.log"))
		t.Fatalf("pgbouncertest: could not start PgBouncer: %v\n%s", startErr, b)
	}
	t.Cleanup(s.stop)
	au := *u
	au.Host, au.Path = s.Addr(), "/pgbouncer"
	if s.admin, err = sql.Open("postgres", au.String()); err != nil {
		t.Fatalf("pgbouncertest: %v", err)
	}
	s.admin.SetMaxOpenConns(1)
	t.Cleanup(func() { s.admin.Close() })
	return s
}

func find(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer"
	}
	msg := "pgbouncertest: pgbouncer is not installed (scripts/setup-deps installs it)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func (s *Server) poolSize() int {
	if s.Mode == Session {
		return 20
	}
	return 2
}

func (s *Server) path(name string) string { return filepath.Join(s.dir, name) }

func (s *Server) ini(upHost, upPort, adminUser string) string {
	return fmt.Sprintf(`; written by pgbouncertest
[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir = %s
auth_type = scram-sha-256
auth_file = %s
pool_mode = %s
default_pool_size = %d
max_client_conn = 300
server_tls_sslmode = disable
logfile = %s
pidfile = %s
server_login_retry = 1
admin_users = %s
`, upHost, upPort, s.port, s.dir, s.path("userlist.txt"), s.Mode, s.poolSize(), s.path("pgbouncer.log"), s.path("pgbouncer.pid"), adminUser)
}

// writeAuthFile copies every role's SCRAM secret from the server into
// PgBouncer's auth_file (mode 0600, the pooler's user's).
func (s *Server) writeAuthFile(ctx context.Context, cred *credential) error {
	rows, err := s.super.QueryContext(ctx, `SELECT rolname, rolpassword FROM pg_authid
		 WHERE rolcanlogin AND rolpassword LIKE 'SCRAM-SHA-256$%' ORDER BY rolname`)
	if err != nil {
		return fmt.Errorf("read the SCRAM secrets: %w", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name, secret string
		if err := rows.Scan(&name, &secret); err != nil {
			return err
		}
		fmt.Fprintf(&b, "%q %q\n", name, secret)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	tmp := s.path("userlist.txt.tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(tmp, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	return os.Rename(tmp, s.path("userlist.txt"))
}

func (s *Server) start(bin string, cred *credential) error {
	os.Remove(s.path("pgbouncer.log"))
	cmd := exec.Command(bin, s.path("pgbouncer.ini"))
	cmd.Dir = s.dir
	runInGroupAs(cmd, cred)
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(maxWait)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("pgbouncer exited: %v", cmd.ProcessState)
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop()
	return errors.New("pgbouncer did not listen within 10 s")
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	interruptGroup(s.cmd) // SIGINT: safe shutdown, at once
	select {
	case <-s.done:
	case <-time.After(maxWait):
		killGroup(s.cmd)
		<-s.done
	}
}

// Addr is the pooler's address, 127.0.0.1:PORT.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the pooler's port.
func (s *Server) Port() int { return s.port }

// URL returns rawURL (a postgres:// URL to the test server) pointing at the
// pooler instead. It first copies the roles' SCRAM secrets again and has
// PgBouncer reread them, so roles created since Start sign in too.
func (s *Server) URL(t testing.TB, rawURL string) string {
	t.Helper()
	s.Refresh(t)
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal("pgbouncertest: the URL does not parse") // the error would quote its password
	}
	u.Host = s.Addr()
	return u.String()
}

// Refresh copies the SCRAM secrets of every login role into the auth_file
// and waits until PgBouncer has reread it.
func (s *Server) Refresh(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writeAuthFile(context.Background(), s.cred); err != nil {
		t.Fatalf("pgbouncertest: %v", err)
	}
	// RELOAD on the admin console rereads the auth_file before it answers.
	if _, err := s.admin.Exec("RELOAD"); err != nil {
		t.Fatalf("pgbouncertest: reload: %v", err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// IsWrongPassword reports whether err is PgBouncer's refusal of a password,
// for tests that check the raw driver error.
func IsWrongPassword(err error) bool {
	var pqe *pq.Error
	return errors.As(err, &pqe) && pqe.Code == "08P01" && strings.Contains(pqe.Message, "authentication failed")
}
