// Package postfixtest runs a private Postfix, with a private Dovecot behind it
// for SASL, on loopback, so that tests can send through the kind of server an
// office runs: STARTTLS offered, AUTH only once TLS is up, and relaying only
// for a client that logged in. Whatever it accepts, for any domain, lands in
// one maildir that the test reads with Messages.
//
// It needs Debian's postfix and dovecot-core packages (scripts/setup-deps
// installs them) and root: both masters start as root and hand the work to
// the postfix and dovecot users. Neither the system instances nor
// /etc/postfix and /etc/dovecot are touched: configuration, queue, sockets,
// logs and mail all live in one temporary folder, removed at cleanup.
package postfixtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"resetdesk/app"
)

// maxWait bounds every wait of this package: a server starting, a message
// being delivered, a server stopping.
const maxWait = 10 * time.Second

// pollEvery is how often a wait looks again.
const pollEvery = 20 * time.Millisecond

// Server is a running Postfix + Dovecot pair. Username and Password log in;
// any other password is refused with Postfix's 535.
type Server struct {
	Username string
	Password string

	dir     string // holds everything below
	confDir string // main.cf, master.cf
	port    int

	postfixBin string
	masterBin  string
	dovecotBin string

	dovecot     *exec.Cmd
	dovecotDone chan struct{} // closed when the dovecot master has exited

	mu      sync.Mutex
	refused map[string]string // RefuseRecipient's table: address → answer
}

// Start starts the servers and stops them at t's cleanup. Without the
// packages, or without root, it skips the test, or fails it when the CI
// environment variable is set: CI must not pass by skipping.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Username: "resetdesk"}
	var ids ids
	s.postfixBin, s.masterBin, s.dovecotBin, ids = requirements(t)

	dir, err := os.MkdirTemp("", "postfixtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Postfix's delivery agent runs as the postfix user and reaches the
	// maildir by its full path, so the folder must be open to traverse.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	s.confDir = filepath.Join(dir, "conf")
	// Cleanups run last first: this one, before the servers stop and the
	// folder goes, shows what they logged when the test failed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postfixtest logs (%s):\n%s", dir, s.log())
		}
	})

	// The password exists only in this process's memory and, hashed, in
	// Dovecot's passwd file: never on a command line or in a log.
	pw := make([]byte, 18)
	rand.Read(pw)
	s.Password = base64.RawURLEncoding.EncodeToString(pw)
	hash, err := app.HashPassword(s.Password)
	if err != nil {
		t.Fatal(err)
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("postfixtest: %v", err)
		}
	}
	for _, d := range []string{"conf", "tls", "queue", "log", "dovecot"} {
		must(os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	must(mkdirOwned(filepath.Join(dir, "data"), ids.postfixUID, ids.postfixGID))
	must(mkdirOwned(filepath.Join(dir, "mail"), ids.postfixUID, ids.postfixGID))
	must(writeCert(filepath.Join(dir, "tls")))
	passwd := filepath.Join(dir, "dovecot", "passwd")
	must(os.WriteFile(passwd, []byte(s.Username+":{ARGON2ID}"+hash+"\n"), 0o640))
	must(os.Chown(passwd, 0, ids.dovecotGID)) // Dovecot's auth process runs as dovecot
	must(os.WriteFile(filepath.Join(dir, "dovecot", "dovecot.conf"), []byte(dovecotConf(dir)), 0o644))
	must(writeConf(filepath.Join(s.confDir, "main.cf"), mainCF(dir, ids)))
	must(os.WriteFile(filepath.Join(s.confDir, "recipient_access"), nil, 0o644))

	t.Cleanup(func() {
		if err := s.stopPostfix(); err != nil {
			t.Errorf("postfixtest: %v", err)
		}
	})
	// Postfix's master binds the port itself, so a port picked here could be
	// taken in between: try a few.
	var startErr error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		must(writeConf(filepath.Join(s.confDir, "master.cf"), masterCF(s.port)))
		if startErr = s.startPostfix(); startErr == nil {
			break
		}
		s.stopPostfix() // in case it half started
		if !strings.Contains(s.log(), "in use") {
			break
		}
	}
	if startErr != nil {
		t.Fatalf("postfixtest: could not start Postfix: %v (its logs follow)", startErr)
	}

	t.Cleanup(func() {
		if err := s.stopDovecot(); err != nil {
			t.Errorf("postfixtest: %v", err)
		}
	})
	if err := s.startDovecot(); err != nil {
		t.Fatalf("postfixtest: could not start Dovecot: %v (its logs follow)", err)
	}
	return s
}

// Host is the address the server listens on, 127.0.0.1; its certificate
// names it and "localhost".
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the port of its submission service.
func (s *Server) Port() int { return s.port }

// Addr is Host:Port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.port)) }

// CAFile is the PEM file of the server's self-signed certificate, for
// mail.LoadCAFile.
func (s *Server) CAFile() string { return filepath.Join(s.dir, "tls", "cert.pem") }

// Messages returns every message delivered so far, oldest first, as stored
// in the maildir (Postfix adds Return-Path, Delivered-To and Received at the
// top). Postfix delivers after it has answered the client, so Messages first
// waits, for at most 10 s, until the queue holds nothing: every message that
// was accepted has then been delivered (or bounced, and the bounce delivered).
func (s *Server) Messages() [][]byte {
	deadline := time.Now().Add(maxWait)
	for !s.queueEmpty() && time.Now().Before(deadline) {
		time.Sleep(pollEvery)
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, sub := range []string{"new", "cur"} {
		entries, _ := os.ReadDir(filepath.Join(s.dir, "mail", "inbox", sub))
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
				files = append(files, file{filepath.Join(s.dir, "mail", "inbox", sub, e.Name()), info.ModTime()})
			}
		}
	}
	slices.SortFunc(files, func(a, b file) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	var msgs [][]byte
	for _, f := range files {
		if b, err := os.ReadFile(f.path); err == nil {
			msgs = append(msgs, b)
		}
	}
	return msgs
}

// queueEmpty reports whether Postfix's queue holds no message, delivered or
// not. smtpd's cleanup writes a message into the queue before the client
// hears 250, and the queue manager removes it only after delivery.
func (s *Server) queueEmpty() bool {
	empty := true
	for _, q := range []string{"maildrop", "incoming", "active", "deferred", "hold"} {
		filepath.WalkDir(filepath.Join(s.dir, "queue", q), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				empty = false
				return fs.SkipAll
			}
			return nil
		})
	}
	return empty
}

// log returns what the servers have logged: Postfix's maillog, the output
// of the postfix command, and Dovecot's log. None of them holds the password.
func (s *Server) log() string {
	var b strings.Builder
	for _, name := range []string{"postfix.out", "maillog", "dovecot.out", "dovecot.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "log", name))
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "--- %s\n%s", name, data)
		if !bytes.HasSuffix(data, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Log returns the servers' logs, for a test that wants to show them.
func (s *Server) Log() string { return s.log() }

// ids are the users and groups the servers drop to.
type ids struct {
	postfixUID, postfixGID int
	dovecotGID             int
}

// requirements finds the commands and users the servers need, or skips (or
// under CI fails) the test.
func requirements(t testing.TB) (postfixBin, masterBin, dovecotBin string, id ids) {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		msg := "postfixtest: " + why + ": install postfix dovecot-core (scripts/setup-deps does) and run the tests as root"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if runtime.GOOS != "linux" {
		missing("the Postfix test server runs on Linux only")
	}
	if os.Geteuid() != 0 {
		missing("the Postfix test server must be started as root")
	}
	find := func(name, fallback string) string {
		t.Helper()
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if _, err := os.Stat(fallback); err == nil {
			return fallback
		}
		missing(name + " is not installed")
		return ""
	}
	postfixBin = find("postfix", "/usr/sbin/postfix")
	dovecotBin = find("dovecot", "/usr/sbin/dovecot")
	// master -t tells whether the master still runs; it lives in Postfix's
	// daemon directory, which postconf knows.
	out, err := exec.Command(filepath.Join(filepath.Dir(postfixBin), "postconf"), "-dh", "daemon_directory").Output()
	if err != nil {
		missing("postconf does not work (" + err.Error() + ")")
	}
	masterBin = filepath.Join(strings.TrimSpace(string(out)), "master")
	if _, err := os.Stat(masterBin); err != nil {
		missing("Postfix's master is not in its daemon directory")
	}
	lookup := func(name string, group bool) (uid, gid int) {
		t.Helper()
		if group {
			g, err := user.LookupGroup(name)
			if err != nil {
				missing("no " + name + " group")
			}
			gid, _ = strconv.Atoi(g.Gid)
			return 0, gid
		}
		u, err := user.Lookup(name)
		if err != nil {
			missing("no " + name + " user")
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		return uid, gid
	}
	id.postfixUID, id.postfixGID = lookup("postfix", false)
	_, id.dovecotGID = lookup("dovecot", false)
	lookup("postdrop", true)
	return postfixBin, masterBin, dovecotBin, id
}

// writeConf writes a Postfix configuration file dated a minute ago. Postfix
// takes a main.cf changed within the last second for one still being edited
// and reads it again every 300 ms until it is older: two and a half seconds
// lost at every start with a freshly written file.
func writeConf(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	past := time.Now().Add(-time.Minute)
	return os.Chtimes(path, past, past)
}

func mkdirOwned(path string, uid, gid int) error {
	if err := os.Mkdir(path, 0o700); err != nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeCert writes a self-signed certificate for localhost and 127.0.0.1,
// cert.pem, and its key, key.pem (readable by root only: Postfix's smtpd
// loads it before it gives up root).
func writeCert(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"ResetDesk postfixtest"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // its own authority, so that a pool holding it trusts it
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// mainCF is Postfix's main.cf: everything in dir, one maildir for all mail,
// relaying (which is all mail here) only after a SASL login over TLS.
func mainCF(dir string, id ids) string {
	return fmt.Sprintf(`# Written by resetdesk/mail/postfixtest for one test run.
compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[1]s/log/maillog
maillog_file_prefixes = %[1]s
myhostname = mail.postfixtest.invalid
mydomain = postfixtest.invalid
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_banner = $myhostname ESMTP ResetDesk postfixtest
biff = no
append_dot_mydomain = no
readme_directory = no
alias_maps =
alias_database =
relayhost =
smtputf8_enable = yes

# Every domain is a virtual mailbox domain and every address ends up in
# the maildir mail/inbox/, delivered by the virtual agent as the postfix user.
# Nothing ever leaves this machine.
virtual_mailbox_domains = static:all
virtual_mailbox_base = %[1]s/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:%[2]d
virtual_gid_maps = static:%[3]d
virtual_minimum_uid = %[2]d
local_transport = error:5.1.1 no local delivery on this test server
default_transport = error:5.1.2 no delivery to other servers from this test server

# STARTTLS offered; AUTH only after it; a login required to send at all.
smtpd_tls_chain_files = %[1]s/tls/key.pem, %[1]s/tls/cert.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
# Received: says "using TLS...", and the message names the logged-in sender.
smtpd_tls_received_header = yes
smtpd_sasl_authenticated_header = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject
# RefuseRecipient's answers come first, for logged-in clients too.
smtpd_recipient_restrictions = check_recipient_access texthash:%[1]s/conf/recipient_access,
    permit_sasl_authenticated, reject
smtpd_helo_required = yes
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
`, dir, id.postfixUID, id.postfixGID)
}

// masterCF is Debian's master.cf without chroot, without the port-25
// service and the pipe transports, and with a submission-like smtpd on port.
func masterCF(port int) string {
	return fmt.Sprintf(`# Written by resetdesk/mail/postfixtest for one test run.
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:%d inet n     -       n       -       -       smtpd
  -o syslog_name=postfix/submission
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`, port)
}

// dovecotConf is a Dovecot that only authenticates: no IMAP or POP3, one
// user in a passwd file, and its auth socket inside Postfix's queue, where
// smtpd (as the postfix user) finds it as private/auth.
func dovecotConf(dir string) string {
	return fmt.Sprintf(`# Written by resetdesk/mail/postfixtest for one test run.
instance_name = postfixtest
base_dir = %[1]s/dovecot/run
state_dir = %[1]s/dovecot/state
log_path = %[1]s/log/dovecot.log
protocols = none
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
# A wrong password is answered at once, not after Dovecot's usual 2 s.
auth_failure_delay = 0
# Failed logins are logged, never the password tried.
auth_verbose = yes
auth_verbose_passwords = no
passdb {
  driver = passwd-file
  args = scheme=ARGON2ID %[1]s/dovecot/passwd
}
userdb {
  driver = static
  args = uid=postfix gid=postfix home=%[1]s/mail
}
# Dovecot delays the logins from an address after it has failed one (2 s,
# doubling up to 15 s): a test that tries a wrong password first would then
# wait, or time out. Closing the penalty socket turns that off.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener %[1]s/queue/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`, dir)
}

// run runs a Postfix command with its output appended to log/postfix.out.
// The output goes to a file, not a pipe, so that the master, which outlives
// `postfix start`, holds no pipe that would keep exec waiting.
func (s *Server) run(bin string, args ...string) error {
	out, err := os.OpenFile(filepath.Join(s.dir, "log", "postfix.out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*maxWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.dir
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return nil
}

// startPostfix runs `postfix -c conf start` and waits until the port answers.
func (s *Server) startPostfix() error {
	if err := s.run(s.postfixBin, "-c", s.confDir, "start"); err != nil {
		return err
	}
	deadline := time.Now().Add(maxWait)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing answers on %s: %w", s.Addr(), err)
		}
		time.Sleep(pollEvery)
	}
}

// StopPostfix stops Postfix as a crash or an administrator would: its port
// refuses connections until StartPostfix. Dovecot stays up. Mail accepted
// before is already in the maildir or the queue, which a start carries on.
func (s *Server) StopPostfix(t testing.TB) {
	t.Helper()
	if err := s.stopPostfix(); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}
}

// StartPostfix starts a stopped Postfix again on the same port, and waits
// until the port answers.
func (s *Server) StartPostfix(t testing.TB) {
	t.Helper()
	if s.masterRunning() {
		return
	}
	if err := s.startPostfix(); err != nil {
		t.Fatalf("postfixtest: could not start Postfix again: %v\n%s", err, s.log())
	}
}

// RefuseRecipient makes Postfix answer RCPT TO addr with reply, a full SMTP
// answer such as "450 4.2.1 Mailbox busy, try again later" (for now) or
// "550 5.1.1 No such mailbox" (for good); "" accepts addr again. smtpd
// reads the table when it starts, so a running Postfix is restarted: the
// next connection gets the new answer, whatever the old processes cached.
func (s *Server) RefuseRecipient(t testing.TB, addr, reply string) {
	t.Helper()
	if strings.ContainsAny(addr+reply, "\r\n") || strings.ContainsAny(addr, " \t") || addr == "" {
		t.Fatalf("postfixtest: RefuseRecipient(%q, %q): one address and one line", addr, reply)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]string{}
	}
	if reply == "" {
		delete(s.refused, addr)
	} else {
		s.refused[addr] = reply
	}
	var b strings.Builder
	for _, a := range slices.Sorted(maps.Keys(s.refused)) {
		fmt.Fprintf(&b, "%s %s\n", a, s.refused[a])
	}
	if err := os.WriteFile(filepath.Join(s.confDir, "recipient_access"), []byte(b.String()), 0o644); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}
	if s.masterRunning() {
		s.StopPostfix(t)
		s.StartPostfix(t)
	}
}

// masterRunning asks the master itself: `master -t` succeeds when no master
// holds the lock on this instance's pid file.
func (s *Server) masterRunning() bool {
	cmd := exec.Command(s.masterBin, "-c", s.confDir, "-t")
	cmd.Dir = s.dir
	return cmd.Run() != nil
}

// stopPostfix stops the master, which takes its children with it. `postfix
// stop` would do, but it looks whether the master is gone right after the
// signal, too early, and then only once a second; this sends the same signal
// (`postfix abort`) and looks every 20 ms.
func (s *Server) stopPostfix() error {
	if !s.masterRunning() {
		return nil
	}
	abortErr := s.run(s.postfixBin, "-c", s.confDir, "abort")
	deadline := time.Now().Add(maxWait)
	for time.Now().Before(deadline) {
		if !s.masterRunning() {
			return nil
		}
		time.Sleep(pollEvery)
	}
	// Last resort: postfix stop ends with kill -9 of the master's group.
	if err := s.run(s.postfixBin, "-c", s.confDir, "stop"); err != nil {
		return fmt.Errorf("could not stop Postfix: %v; %v", abortErr, err)
	}
	return nil
}

// startDovecot runs dovecot in the foreground as a child of the test and
// waits for its auth socket.
func (s *Server) startDovecot() error {
	out, err := os.Create(filepath.Join(s.dir, "log", "dovecot.out"))
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(s.dovecotBin, "-F", "-c", filepath.Join(s.dir, "dovecot", "dovecot.conf"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.dir
	cmd.SysProcAttr = ownGroup()
	if err := cmd.Start(); err != nil {
		return err
	}
	s.dovecot, s.dovecotDone = cmd, make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(s.dovecotDone)
	}()
	sock := filepath.Join(s.dir, "queue", "private", "auth")
	deadline := time.Now().Add(maxWait)
	for {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&fs.ModeSocket != 0 {
			return nil
		}
		select {
		case <-s.dovecotDone:
			return fmt.Errorf("dovecot exited: %v", waitErr)
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return errors.New("dovecot did not create its auth socket " + sock)
		}
	}
}

// stopDovecot sends SIGTERM to Dovecot's whole process group and waits for
// its master; SIGKILL when that takes too long. Signalled alone, the master
// stops its processes itself but takes a second longer to exit.
func (s *Server) stopDovecot() error {
	if s.dovecot == nil {
		return nil
	}
	_ = signalGroup(s.dovecot.Process, syscall.SIGTERM)
	select {
	case <-s.dovecotDone:
		return nil
	case <-time.After(maxWait):
	}
	_ = signalGroup(s.dovecot.Process, syscall.SIGKILL)
	<-s.dovecotDone
	return errors.New("dovecot did not stop on SIGTERM within 10 s; killed it")
}
