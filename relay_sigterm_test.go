package main

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"resetdesk/data/pgtest"
)

// relayProcess is `resetdesk relay` running as a process of its own.
type relayProcess struct {
	cmd    *exec.Cmd
	stderr syncBuffer
	done   chan error
}

// startRelayProcess starts `resetdesk relay` with dsn and the environment's
// mail server (RESETDESK_SMTP_URL), as systemd would.
func startRelayProcess(t *testing.T, dsn string) *relayProcess {
	t.Helper()
	p := &relayProcess{done: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$", "--", "relay")
	p.cmd.Env = []string{"RESETDESK_TEST_CLI=1", "DATABASE_URL=" + dsn, "LANG=C.UTF-8"}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "DATABASE_URL", "RESETDESK_TEST_CLI":
		default:
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitLog waits until the relay has logged want.
func (p *relayProcess) waitLog(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(p.stderr.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the relay has not logged %q; it logged:\n%s", want, p.stderr.String())
		}
	}
}

// stop sends SIGTERM and waits for the process to end: exit status 0.
func (p *relayProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

func (p *relayProcess) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("the relay ended with %v; it logged:\n%s", err, p.stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the relay did not end within 60 s of SIGTERM; it logged:\n%s", p.stderr.String())
	}
}

// addRelay makes the relay's login with `resetdesk relay add` as the owner
// (a random password of 24 characters, as the README has it made) and
// turns the relay on; it returns the login and its connection URL.
func (f *fixture) addRelay(t *testing.T) (login, url string) {
	t.Helper()
	login = f.prefix + "_relay"
	b := make([]byte, 18)
	rand.Read(b)
	password := base64.StdEncoding.EncodeToString(b)
	mustRun(t, 0, f.owner, password+"\n", "relay", "add", login)
	mustRun(t, 0, f.owner, "", "policy", "set", "mail_relay=true")
	return login, pgtest.RoleURL(t, f.super, login, password)
}

// relayAgain starts `resetdesk relay` for relayURL again, waits until it
// has sent or given up on every relay message left, stops it, and counts
// the messages the mail server received, by recipient, over every run.
func (f *fixture) relayAgain(t *testing.T, relayURL string) map[string]int {
	t.Helper()
	p := startRelayProcess(t, relayURL)
	for deadline := time.Now().Add(60 * time.Second); f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'pending'`) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the relay started again sent nothing in 60 s; it logged:\n%s", p.stderr.String())
		}
	}
	p.stop(t)
	got := map[string]int{}
	for _, m := range f.sink.Messages() {
		got[strings.Join(m.To, ",")]++
	}
	return got
}

// TestRelayStopsOnSIGTERM runs `resetdesk relay` as a process and sends it
// SIGTERM while the mail server is in the middle of taking a message: the
// relay finishes that message and records it sent, starts no other, and
// exits 0. Started again, it sends the message that was left, and nothing
// goes out twice.
func TestRelayStopsOnSIGTERM(t *testing.T) {
	f := newFixture(t)
	_, relayURL := f.addRelay(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\nblake@acme.test,Blake,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test", "blake@acme.test")
	if n := f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'pending'`); n != 2 {
		t.Fatalf("%d messages queued for the relay, want 2", n)
	}

	// The sink holds the first message at RCPT TO until the test lets go.
	arrived, release := make(chan string, 1), make(chan struct{})
	var taken atomic.Bool
	f.sink.SetReject(func(rcpt string) *gosmtp.SMTPError {
		if taken.CompareAndSwap(false, true) {
			arrived <- rcpt
			<-release
		}
		return nil
	})
	p := startRelayProcess(t, relayURL)
	var held string
	select {
	case held = <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatalf("no message reached the mail server in 60 s; the relay logged:\n%s", p.stderr.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "stopping once delivery")
	close(release)
	p.wait(t)
	if !strings.Contains(p.stderr.String(), "stopped") {
		t.Errorf("the relay did not say it stopped:\n%s", p.stderr.String())
	}
	msgs := f.sink.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != held {
		t.Fatalf("after SIGTERM the mail server holds %d messages, want the one to %s", len(msgs), held)
	}
	if code := mailedSecret(t, msgs[0].Data); code == "" || strings.Contains(p.stderr.String(), code) {
		t.Fatalf("the mailed code is missing (%q) or in the relay's log:\n%s", code, p.stderr.String())
	}
	rows := func() string {
		t.Helper()
		var s string
		if err := f.db.QueryRow(`SELECT string_agg(to_address || ' ' || status || ' ' || attempts, ', ' ORDER BY to_address)
		                           FROM resetdesk.mail_deliveries WHERE via_relay`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	other := map[string]string{"alex@acme.test": "blake@acme.test", "blake@acme.test": "alex@acme.test"}[held]
	want := map[string]string{held: held + " sent 1", other: other + " pending 0"}
	if got := rows(); got != want["alex@acme.test"]+", "+want["blake@acme.test"] {
		t.Fatalf("after SIGTERM the outbox is %q, want the held message sent and the other untouched", got)
	}

	// Started again, it sends the one left, and the held one not again.
	got := f.relayAgain(t, relayURL)
	if len(got) != 2 || got["alex@acme.test"] != 1 || got["blake@acme.test"] != 1 {
		t.Fatalf("messages per recipient after both runs: %v, want one each", got)
	}
	if r := rows(); r != "alex@acme.test sent 1, blake@acme.test sent 1" {
		t.Fatalf("the outbox after both runs: %q", r)
	}
}

// TestRelayKilledMidBatch kills `resetdesk relay` (SIGKILL, no chance to
// clean up) while the mail server holds the third message of a batch of
// five at RCPT TO. PostgreSQL lets go of the message with the dead
// connection; a relay started again sends the three left, and every user
// has exactly one message, whose code works.
func TestRelayKilledMidBatch(t *testing.T) {
	f := newFixture(t)
	login, relayURL := f.addRelay(t)
	var csv strings.Builder
	csv.WriteString("email,name,status\n")
	emails := []string{"ann@acme.test", "ben@acme.test", "cam@acme.test", "dee@acme.test", "eve@acme.test"}
	for _, e := range emails {
		csv.WriteString(e + "," + e + ",confirmed\n")
	}
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", csv.String()))
	mustRun(t, 0, f.admin, "", append([]string{"reset"}, emails...)...)

	arrived, release := make(chan string, 1), make(chan struct{})
	var n atomic.Int32
	f.sink.SetReject(func(rcpt string) *gosmtp.SMTPError {
		if n.Add(1) == 3 {
			arrived <- rcpt
			<-release
		}
		return nil
	})
	defer close(release)
	p := startRelayProcess(t, relayURL)
	var held string
	select {
	case held = <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatalf("the third message never reached the mail server; the relay logged:\n%s", p.stderr.String())
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err == nil {
		t.Fatal("the killed relay exited 0")
	}
	p.done <- nil
	if got := len(f.sink.Messages()); got != 2 {
		t.Fatalf("%d messages reached the mail server before the kill, want 2", got)
	}
	if sent := f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'sent'`); sent != 2 {
		t.Fatalf("%d messages recorded sent before the kill, want 2", sent)
	}
	// PostgreSQL ends the dead relay's session, and with it the lock on
	// the held message.
	for deadline := time.Now().Add(60 * time.Second); f.count(t, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, login) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the killed relay's session is still open after 60 s")
		}
	}

	got := f.relayAgain(t, relayURL)
	for _, e := range emails {
		if got[e] != 1 {
			t.Errorf("%s received %d messages, want 1 (all: %v)", e, got[e], got)
		}
	}
	if sent := f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'sent' AND attempts = 1`); sent != len(emails) {
		t.Errorf("%d messages recorded sent at their first try, want %d", sent, len(emails))
	}
	pw := "a-passphrase-after-the-kill"
	mustRun(t, 0, f.enduser, f.lastCode(t, held)+"\n"+pw+"\n"+pw+"\n", "complete-reset", "--email", held)
}
