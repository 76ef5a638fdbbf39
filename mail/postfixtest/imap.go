package postfixtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// IMAP is a running Dovecot IMAP server whose SQL passdb is configured by
// the caller: what an office's mail server does with ResetDesk's directory.
// Addr is where it listens, on loopback.
type IMAP struct {
	Addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartIMAP starts Dovecot with IMAP on a free loopback port and a passdb
// of driver sql with sqlConf as its dovecot-sql.conf.ext, and stops it at
// t's cleanup. Like Start it needs root and Debian's dovecot-imapd and
// dovecot-pgsql; without them it skips, or fails under CI.
func StartIMAP(t testing.TB, sqlConf string) *IMAP {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		msg := "postfixtest: " + why + ": install dovecot-imapd dovecot-pgsql (scripts/setup-deps does) and run the tests as root"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		missing("the IMAP test server runs on Linux, as root")
	}
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot"
	}
	for _, f := range []string{bin, "/usr/lib/dovecot/imap", "/usr/lib/dovecot/modules/libdriver_pgsql.so"} {
		if _, err := os.Stat(f); err != nil {
			missing(f + " is not installed")
		}
	}
	dir, err := os.MkdirTemp("", "imaptest-")
	if err != nil {
		t.Fatal(err)
	}
	s := &IMAP{dir: dir}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Error(err)
		}
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("imaptest: kept %s (dovecot.log) for the failed test", dir)
		}
	})
	// Mail goes to a folder owned by the dovecot user, which the static
	// userdb names: nothing here runs as root after the master starts.
	uid, gid := lookupUser(t, "dovecot")
	if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "mail"), uid, gid); err != nil {
		t.Fatal(err)
	}
	// The SQL file holds a database password: readable by root only (the
	// auth process reads it before dropping privileges).
	if err := os.WriteFile(filepath.Join(dir, "dovecot-sql.conf.ext"), []byte(sqlConf), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`# Written by resetdesk/mail/postfixtest for one test run.
instance_name = imaptest-%[2]d
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
auth_verbose_passwords = no
first_valid_uid = %[3]d
mail_location = maildir:%[1]s/mail/%%n
passdb {
  driver = sql
  args = %[1]s/dovecot-sql.conf.ext
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/mail/%%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`, dir, port, uid, gid)
	if err := os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "dovecot.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	s.cmd = exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	s.cmd.Stdout, s.cmd.Stderr, s.cmd.Dir = out, out, dir
	s.cmd.SysProcAttr = ownGroup()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	var waitErr error
	go func() {
		waitErr = s.cmd.Wait()
		close(s.done)
	}()
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(maxWait)
	for {
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.Close()
			return s
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.out"))
			t.Fatalf("dovecot exited: %v\n%s", waitErr, log)
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot did not listen on %s within %v", s.Addr, maxWait)
		}
	}
}

// Login signs in over IMAP as user with password and logs out. It returns
// nil when the server said OK, an error with the server's words when it
// refused, or one saying what broke.
func (s *IMAP) Login(user, password string) error {
	c, err := net.DialTimeout("tcp", s.Addr, maxWait)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(maxWait))
	r := bufio.NewReader(c)
	if greeting, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(greeting, "* OK") {
		return fmt.Errorf("imap greeting %q: %v", greeting, err)
	}
	quote := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	if _, err := fmt.Fprintf(c, "a1 LOGIN %s %s\r\n", quote(user), quote(password)); err != nil {
		return err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("imap login: %v", err)
		}
		if strings.HasPrefix(line, "a1 OK") {
			fmt.Fprintf(c, "a2 LOGOUT\r\n")
			return nil
		}
		if strings.HasPrefix(line, "a1 ") {
			return fmt.Errorf("imap refused %s: %s", user, strings.TrimSpace(line))
		}
	}
}

// Log returns Dovecot's log so far, for a failing test's message.
func (s *IMAP) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	return string(b)
}

func (s *IMAP) stop() error {
	if s.cmd == nil || s.done == nil {
		return nil
	}
	_ = signalGroup(s.cmd.Process, syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(maxWait):
	}
	_ = signalGroup(s.cmd.Process, syscall.SIGKILL)
	<-s.done
	return fmt.Errorf("dovecot (IMAP) did not stop on SIGTERM within %v; killed it", maxWait)
}

func lookupUser(t testing.TB, name string) (uid, gid int) {
	t.Helper()
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		t.Fatalf("no %s user: %v", name, err)
	}
	uid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	out, err = exec.Command("id", "-g", name).Output()
	if err != nil {
		t.Fatalf("no %s user: %v", name, err)
	}
	gid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	return uid, gid
}
