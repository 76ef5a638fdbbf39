package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/postfixtest"
	"resetdesk/relay"
	"resetdesk/ui/cli"
)

// relayFixture is an org with the office mail relay on, a relay login, and
// a real Postfix (STARTTLS, AUTH) for the relay to send through.
type relayFixture struct {
	o        *pgtest.Org
	srv      *postfixtest.Server
	super    *sql.DB
	relayURL string
}

func newRelayFixture(t *testing.T) *relayFixture {
	t.Helper()
	ctx := context.Background()
	f := &relayFixture{o: pgtest.NewOrg(t), srv: postfixtest.Start(t)}
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	role := f.o.Prefix + "_relay"
	if err := f.o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: f.o.Password}); err != nil {
		t.Fatalf("relay add: %v", err)
	}
	f.relayURL = pgtest.RoleURL(t, f.o.SuperURL, role, f.o.Password)
	// The relay has started once before: its key is registered, so a set
	// password can be emailed while it is down.
	rdb, err := data.Open(ctx, f.relayURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if keyed, err := rdb.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatalf("the relay registers its key: %v", err)
	}
	if f.super, err = sql.Open("postgres", f.o.SuperURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.super.Close() })
	return f
}

// mailer is the office's mail server as the relay's environment names it.
func (f *relayFixture) mailer(t *testing.T, password string) *mail.Mailer {
	t.Helper()
	return postfixMailer(t, f.srv, password)
}

// postfixMailer sends through srv as its user, with password.
func postfixMailer(t *testing.T, srv *postfixtest.Server, password string) *mail.Mailer {
	t.Helper()
	pool, err := mail.LoadCAFile(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.NewMailer(mail.Config{Host: "localhost", Port: srv.Port(), TLS: mail.TLSStartTLS,
		Username: srv.Username, Password: password, From: "ResetDesk <noreply@acme.test>",
		RootCAs: pool, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startRelay runs `resetdesk relay` in this process until the returned stop
// is called (as SIGTERM would end it); stop waits for it to finish.
func (f *relayFixture) startRelay(t *testing.T, m app.Mailer) (stop func()) {
	return f.startRelayPolling(t, m, 0)
}

// startRelayPolling is startRelay with the poll period given (0: 10 s).
func (f *relayFixture) startRelayPolling(t *testing.T, m app.Mailer, poll time.Duration) (stop func()) {
	t.Helper()
	return f.startRelayTuned(t, m, relay.Relay{Poll: poll})
}

// startRelayTuned is startRelay with the relay's timings of tune.
func (f *relayFixture) startRelayTuned(t *testing.T, m app.Mailer, tune relay.Relay) (stop func()) {
	t.Helper()
	_, stop = startRelayAt(t, f.relayURL, m, tune, f.srv.Password)
	return stop
}

// startRelayAt runs `resetdesk relay` for relayURL in this process, with
// the relay's timings of tune, until the returned stop is called (as
// SIGTERM would end it) or the test ends. stop waits for it to finish, and
// fails the test if it ended with an error, took over 30 s, or logged
// smtpPassword; logs is what it has logged so far, shown when the test
// failed.
func startRelayAt(t *testing.T, relayURL string, m app.Mailer, tune relay.Relay, smtpPassword string) (logs *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runRelayWith(ctx, relayURL, m, log.New(logs, "relay: ", 0), tune) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("the relay ended with %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("the relay did not stop within 30 s of its signal")
			}
			if strings.Contains(logs.String(), smtpPassword) {
				t.Errorf("the relay's log holds the SMTP password")
			}
			if t.Failed() {
				t.Logf("the relay's log:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(stop)
	return logs, stop
}

// waitSettled waits until no relay message of the org is pending.
func (f *relayFixture) waitSettled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'pending'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still queued after 60 s", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *relayFixture) addUsers(t *testing.T, emails ...string) []app.User {
	t.Helper()
	for _, e := range emails {
		f.o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
		             SELECT id, $1::text, $1::text, 'confirmed' FROM resetdesk.orgs`, e)
	}
	var out []app.User
	for _, e := range emails {
		u, err := f.o.Owner.UserByLogin(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// reset resets users as db's console user from a device without mail
// settings (a phone): no Mailer at all.
func relayReset(t *testing.T, db *data.DB, users []app.User, opts app.ResetOptions) []app.ResetResult {
	t.Helper()
	ctx := context.Background()
	actor, org, err := db.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := app.Resetter{Dir: db}
	res, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: users, Options: opts})
	if err != nil {
		t.Fatalf("reset with the relay on and no mail settings: %v", err)
	}
	return res
}

// messagesTo groups the delivered messages by their Delivered-To.
func messagesTo(msgs [][]byte) map[string][][]byte {
	out := map[string][][]byte{}
	for _, m := range msgs {
		for _, line := range strings.Split(string(m), "\n") {
			if to, ok := strings.CutPrefix(line, "Delivered-To: "); ok {
				to = strings.TrimSpace(to)
				out[to] = append(out[to], m)
				break
			}
		}
	}
	return out
}

// TestRelayDeliversThroughPostfix: with the relay on, a helpdesk role on a
// device without mail settings resets; while no relay runs the mail is
// queued and Settings can see it wait; the relay then sends it through
// Postfix (STARTTLS, AUTH), and the code in it completes the reset.
// A set password the owner chose to email goes the same way.
func TestRelayDeliversThroughPostfix(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test", "quinn@acme.test")

	res := relayReset(t, f.o.Helpdesk, users[:1], app.DefaultResetOptions())
	if d := res[0].Delivery; res[0].Outcome != app.OutcomeReset || d.Status != app.DeliveryQueued || d.Kind != app.KindOneTimePassword {
		t.Fatalf("helpdesk's reset with the relay down: %+v", res[0])
	}
	opts := app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true, ForceChange: true}
	res = relayReset(t, f.o.Owner, users[1:], opts)
	if d := res[0].Delivery; d.Status != app.DeliveryQueued || d.Kind != app.KindPassword || res[0].Password == "" {
		t.Fatalf("owner's emailed set password with the relay down: %+v", res[0])
	}
	quinnPassword := res[0].Password
	st, err := f.o.Owner.RelayStatus(ctx)
	if err != nil || st.Waiting != 2 || !st.LastSeen.IsZero() || st.Oldest.IsZero() {
		t.Fatalf("relay status while it is down: %+v %v", st, err)
	}
	if n := len(f.srv.Messages()); n != 0 {
		t.Fatalf("%d messages went out with no relay running", n)
	}

	stop := f.startRelay(t, f.mailer(t, f.srv.Password))
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())
	if len(got["pat@acme.test"]) != 1 || len(got["quinn@acme.test"]) != 1 {
		t.Fatalf("delivered: pat %d, quinn %d; want one each", len(got["pat@acme.test"]), len(got["quinn@acme.test"]))
	}
	for _, want := range []string{"(using TLS", "Authenticated sender", "Return-Path: <noreply@acme.test>"} {
		if !bytes.Contains(got["pat@acme.test"][0], []byte(want)) {
			t.Errorf("the relay's message lacks %q", want)
		}
	}
	code := mailedSecret(t, got["pat@acme.test"][0])
	if !codeRE.MatchString(code) {
		t.Fatalf("no code in the relay's message: %q", code)
	}
	if s, err := f.o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(code), testPasswordHash(t)); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the relay's code: %s %v", s, err)
	}
	if pw := mailedSecret(t, got["quinn@acme.test"][0]); pw != quinnPassword {
		t.Fatalf("quinn's mail carries %q, not the password set", pw)
	}
	st, err = f.o.Helpdesk.RelayStatus(ctx)
	if err != nil || st.Waiting != 0 || st.LastSeen.IsZero() {
		t.Fatalf("relay status after sending: %+v %v", st, err)
	}
	var secrets int
	if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_secrets`).Scan(&secrets); err != nil || secrets != 0 {
		t.Fatalf("secrets left in the outbox after sending: %d %v", secrets, err)
	}
	stop()

	// Woken by NOTIFY: a relay that polls once an hour sends a reset made
	// after it has looked at the outbox.
	f.startRelayPolling(t, f.mailer(t, f.srv.Password), time.Hour)
	for st.LastSeen.IsZero() || time.Since(st.LastSeen) > 5*time.Second {
		time.Sleep(50 * time.Millisecond)
		if st, err = f.o.Owner.RelayStatus(ctx); err != nil {
			t.Fatal(err)
		}
	}
	relayReset(t, f.o.Helpdesk, users[:1], app.DefaultResetOptions())
	f.waitSettled(t)
}

// TestRelaySMTPRefusal: a mail server that refuses (here the relay's login)
// leaves the message failed in the server's own words, and Resend, a new
// one-time reset, goes out once the relay can log in.
func TestRelaySMTPRefusal(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test")
	stop := f.startRelay(t, f.mailer(t, f.srv.Password+"-wrong"))
	first := relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())[0].Delivery
	f.waitSettled(t)
	stop()
	ds, err := f.o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: users[0].ID})
	if err != nil || len(ds) != 1 || ds[0].ID != first.ID || ds[0].Status != app.DeliveryFailed || !strings.Contains(ds[0].LastError, "535") {
		t.Fatalf("after Postfix refused the login: %+v %v", ds, err)
	}
	f.startRelay(t, f.mailer(t, f.srv.Password))
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions()) // Resend
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())["pat@acme.test"]
	if len(got) != 1 {
		t.Fatalf("%d messages for pat after Resend, want 1", len(got))
	}
	code := mailedSecret(t, got[0])
	if s, err := f.o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(code), testPasswordHash(t)); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the resent code: %s %v", s, err)
	}
}

// meetingMailer sends through m, but holds each relay's first message until
// every relay of the meeting holds one: the relays then provably work at
// the same time, each with a message the others skipped.
type meetingMailer struct {
	m       app.Mailer
	meeting *meeting
	once    sync.Once
	mu      sync.Mutex
	sent    int
}

type meeting struct {
	mu      sync.Mutex
	want    int
	arrived int
	all     chan struct{}
}

func (k *meetingMailer) Send(ctx context.Context, notices []app.Notice) []error {
	k.once.Do(func() {
		mt := k.meeting
		mt.mu.Lock()
		if mt.arrived++; mt.arrived == mt.want {
			close(mt.all)
		}
		mt.mu.Unlock()
		select {
		case <-mt.all:
		case <-time.After(60 * time.Second): // the test then fails: too few senders
		}
	})
	errs := k.m.Send(ctx, notices)
	k.mu.Lock()
	k.sent++
	k.mu.Unlock()
	return errs
}

func (k *meetingMailer) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sent
}

// TestTwoRelaysSendEachMessageOnce: two relays drain one bulk reset
// together, each holding a message at the same moment; every user gets
// exactly one message in the mailbox, each row was sent at its first try,
// and both relays sent some.
func TestTwoRelaysSendEachMessageOnce(t *testing.T) {
	f := newRelayFixture(t)
	var emails []string
	for i := range 30 {
		emails = append(emails, "user"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@acme.test")
	}
	users := f.addUsers(t, emails...)
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	mt := &meeting{want: 2, all: make(chan struct{})}
	a := &meetingMailer{m: f.mailer(t, f.srv.Password), meeting: mt}
	b := &meetingMailer{m: f.mailer(t, f.srv.Password), meeting: mt}
	f.startRelay(t, a)
	f.startRelay(t, b)
	f.waitSettled(t)
	select {
	case <-mt.all:
	default:
		t.Fatal("the two relays never held a message each at the same time")
	}
	got := messagesTo(f.srv.Messages())
	for _, e := range emails {
		if len(got[e]) != 1 {
			t.Errorf("%s received %d messages, want 1", e, len(got[e]))
		}
	}
	if len(got) != len(emails) {
		t.Errorf("the mailbox holds mail for %d addresses, want %d", len(got), len(emails))
	}
	var sent int
	if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE status = 'sent' AND attempts = 1`).Scan(&sent); err != nil || sent != len(emails) {
		t.Fatalf("%d rows sent on the first attempt, want %d (%v)", sent, len(emails), err)
	}
	if a.count() == 0 || b.count() == 0 || a.count()+b.count() != len(emails) {
		t.Fatalf("the relays sent %d and %d messages, want %d between them, some each", a.count(), b.count(), len(emails))
	}
}

// syncBuffer is a bytes.Buffer for a logger and a reader in two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

func testPasswordHash(t *testing.T) string {
	t.Helper()
	h, err := app.HashPassword("a new password of pat's 2026")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// killingMailer sends through m, and right after the server takes message
// number at, cuts every database connection of the relay: the relay as if
// killed between the mail server's 250 and its record.
type killingMailer struct {
	m     *mail.Mailer
	super *sql.DB
	role  string
	at    int
	mu    sync.Mutex
	n     int
}

func (k *killingMailer) Send(ctx context.Context, notices []app.Notice) []error {
	errs := k.m.Send(ctx, notices)
	k.mu.Lock()
	k.n++
	n := k.n
	k.mu.Unlock()
	if n == k.at {
		k.super.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, k.role)
	}
	return errs
}

// TestRelayCutOffMidBatch: a relay whose database connections die in the
// middle of a batch, after the mail server took a message and before the
// relay recorded it, loses nothing and sends nothing twice except that one
// message (at least once, by design), then carries on with the rest.
func TestRelayCutOffMidBatch(t *testing.T) {
	f := newRelayFixture(t)
	var emails []string
	for i := range 8 {
		emails = append(emails, "cut"+string(rune('a'+i))+"@acme.test")
	}
	users := f.addUsers(t, emails...)
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	k := &killingMailer{m: f.mailer(t, f.srv.Password), super: f.super, role: f.o.Prefix + "_relay", at: 3}
	f.startRelay(t, k)
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())
	twice := 0
	for _, e := range emails {
		switch len(got[e]) {
		case 1:
		case 2:
			twice++
		default:
			t.Errorf("%s received %d messages", e, len(got[e]))
		}
	}
	if twice != 1 {
		t.Fatalf("%d users got their message twice; want exactly the one in flight when the relay was cut off", twice)
	}
	var sent int
	if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE status = 'sent'`).Scan(&sent); err != nil || sent != len(emails) {
		t.Fatalf("%d sent, want %d (%v)", sent, len(emails), err)
	}
}

// TestRelayAddByOwner: the owner makes the relay's login with `resetdesk
// relay add` on their own connection (no DBA at hand), turns the relay on
// with `policy set`, and that login then sends a command-line reset's code,
// which the user completes with. An admin may not make a relay login, nor
// may a name be used twice. scripts/test-pg-versions runs this on every
// supported server (PostgreSQL 16 changed what CREATEROLE may do).
func TestRelayAddByOwner(t *testing.T) {
	f := newFixture(t)
	login := f.prefix + "_relay"
	// The relay's sealing key is made from its password, and every console
	// reads the public half: a short one is refused before anything is made.
	code, _, errOut := run(t, f.owner, "Short-relay-pass-2026\n", "relay", "add", login)
	if code != cli.ExitError || !strings.Contains(errOut, "at least 24 characters") {
		t.Fatalf("relay add took a 21-character password: exit %d, %s", code, errOut)
	}
	if n := f.count(t, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, login); n != 0 {
		t.Fatal("the refused relay login exists")
	}
	relayPassword := "q7Vx2LmR9sTe4WbN8cKa1ZpD"
	out := mustRun(t, 0, f.owner, relayPassword+"\n", "relay", "add", login)
	if !strings.Contains(out, "added mail relay login "+login) {
		t.Fatalf("relay add said: %s", out)
	}
	code, _, errOut = run(t, f.admin, relayPassword+"\n", "relay", "add", f.prefix+"_relay2")
	if code != cli.ExitError || !strings.Contains(errOut, "Only the owner") {
		t.Fatalf("an admin added a relay login: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, f.owner, relayPassword+"\n", "relay", "add", login)
	if code != cli.ExitError || !strings.Contains(errOut, "already exists") {
		t.Fatalf("adding %s twice: exit %d, %s", login, code, errOut)
	}
	if n := f.count(t, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, f.prefix+"_relay2"); n != 0 {
		t.Fatal("the refused login exists")
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'add_relay_login' AND actor = $1`, f.prefix+"_owner"); n != 1 {
		t.Fatal("the audit does not say the owner added the relay login")
	}

	mustRun(t, 0, f.owner, "", "policy", "set", "mail_relay=true")
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test")
	if n := len(f.sink.Messages()); n != 0 {
		t.Fatalf("%d messages went out with the relay on and no relay running", n)
	}
	m, err := mailerFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- runRelay(ctx, pgtest.RoleURL(t, f.super, login, relayPassword), m, log.New(&logs, "", 0), time.Hour)
	}()
	for deadline := time.Now().Add(60 * time.Second); f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE status = 'pending'`) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the owner's relay login sent nothing in 60 s; its log:\n%s", logs.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the relay ended with %v; its log:\n%s", err, logs.String())
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.mail_deliveries WHERE status = 'sent' AND via_relay`); n != 1 {
		t.Fatalf("%d messages sent by the relay, want 1; its log:\n%s", n, logs.String())
	}
	pw := "a-relay-mailed-passphrase"
	mustRun(t, 0, f.enduser, f.lastCode(t, "alex@acme.test")+"\n"+pw+"\n"+pw+"\n", "complete-reset", "--email", "alex@acme.test")
}

// delivery is the latest message to addr as the database has it.
func (f *relayFixture) delivery(t *testing.T, addr string) (status string, attempts int, lastError string) {
	t.Helper()
	err := f.super.QueryRow(`SELECT status, attempts, coalesce(last_error, '') FROM resetdesk.mail_deliveries
	                          WHERE to_address = $1 ORDER BY id DESC LIMIT 1`, addr).Scan(&status, &attempts, &lastError)
	if err != nil {
		t.Fatal(err)
	}
	return status, attempts, lastError
}

// waitDelivery waits until ok holds for the latest message to addr.
func (f *relayFixture) waitDelivery(t *testing.T, addr, what string, ok func(status string, attempts int, lastError string) bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, attempts, lastError := f.delivery(t, addr)
		if ok(status, attempts, lastError) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the message to %s is still not %s: %s after %d attempts, %q", addr, what, status, attempts, lastError)
		}
	}
}

// TestRelayRetriesWhileTheMailServerDefers: a relay that polls once an
// hour tries again by itself, after its backoff, a message Postfix turns
// away for now (450), and one queued while Postfix is stopped; the admin
// sees them waiting with the server's words; once Postfix takes mail again
// each goes out once, and the retried code works. A recipient refused for
// good (550) fails at its first try, in Postfix's words.
func TestRelayRetriesWhileTheMailServerDefers(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test", "quinn@acme.test", "gone@acme.test")
	f.srv.RefuseRecipient(t, "pat@acme.test", "450 4.2.1 Mailbox busy, try again later")
	f.srv.RefuseRecipient(t, "gone@acme.test", "550 5.1.1 No such mailbox here")
	f.startRelayTuned(t, f.mailer(t, f.srv.Password), relay.Relay{Poll: time.Hour, MaxAttempts: 1000,
		Backoff: func(int) time.Duration { return 300 * time.Millisecond }})

	relayReset(t, f.o.Helpdesk, users[:1], app.DefaultResetOptions())
	f.waitDelivery(t, "pat@acme.test", "tried twice", func(status string, attempts int, lastError string) bool {
		return status == "pending" && attempts >= 2 && strings.HasPrefix(lastError, "450 4.2.1") &&
			strings.Contains(lastError, "Mailbox busy, try again later")
	})
	ds, err := f.o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: users[0].ID})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliveryQueued || !strings.Contains(ds[0].LastError, "450") {
		t.Fatalf("the admin's view of the deferred message: %+v %v", ds, err)
	}
	relayReset(t, f.o.Helpdesk, users[2:], app.DefaultResetOptions())
	f.waitDelivery(t, "gone@acme.test", "failed", func(status string, attempts int, lastError string) bool {
		return status != "pending"
	})
	if status, attempts, lastError := f.delivery(t, "gone@acme.test"); status != "failed" || attempts != 1 ||
		!strings.HasPrefix(lastError, "550 5.1.1") || !strings.Contains(lastError, "No such mailbox here") {
		t.Fatalf("the refused recipient's message: %s after %d attempts, %q", status, attempts, lastError)
	}

	f.srv.StopPostfix(t)
	relayReset(t, f.o.Helpdesk, users[1:2], app.DefaultResetOptions())
	f.waitDelivery(t, "quinn@acme.test", "tried with Postfix down", func(status string, attempts int, lastError string) bool {
		return status == "pending" && attempts >= 1 && strings.Contains(lastError, "Could not reach the mail server")
	})
	st, err := f.o.Owner.RelayStatus(ctx)
	if err != nil || st.Waiting != 2 || st.Oldest.IsZero() || st.LastSeen.IsZero() {
		t.Fatalf("relay status while Postfix is down: %+v %v", st, err)
	}
	f.srv.RefuseRecipient(t, "pat@acme.test", "")
	f.srv.StartPostfix(t)
	f.waitSettled(t)

	got := messagesTo(f.srv.Messages())
	for _, e := range []string{"pat@acme.test", "quinn@acme.test"} {
		if status, _, _ := f.delivery(t, e); status != "sent" || len(got[e]) != 1 {
			t.Errorf("%s: %s, %d messages in the mailbox; want sent, 1", e, status, len(got[e]))
		}
	}
	if len(got["gone@acme.test"]) != 0 {
		t.Errorf("the refused recipient got %d messages", len(got["gone@acme.test"]))
	}
	if t.Failed() {
		return
	}
	code := mailedSecret(t, got["pat@acme.test"][0])
	if s, err := f.o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(code), testPasswordHash(t)); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the code of the retried message: %s %v", s, err)
	}
}

// TestRelayGivesUpOnAMailServerThatStaysDown: with Postfix stopped, the
// relay tries a message as often as it may (two tries here), then records
// it failed in words that name the server; Resend, once Postfix is back,
// goes out once and its code works.
func TestRelayGivesUpOnAMailServerThatStaysDown(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test")
	f.srv.StopPostfix(t)
	f.startRelayTuned(t, f.mailer(t, f.srv.Password), relay.Relay{Poll: time.Hour, MaxAttempts: 2,
		Backoff: func(int) time.Duration { return 200 * time.Millisecond }})
	first := relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())[0].Delivery
	f.waitDelivery(t, "pat@acme.test", "failed", func(status string, _ int, _ string) bool { return status != "pending" })
	ds, err := f.o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: users[0].ID})
	if err != nil || len(ds) != 1 || ds[0].ID != first.ID || ds[0].Status != app.DeliveryFailed || ds[0].Attempts != 2 ||
		!strings.Contains(ds[0].LastError, "Could not reach the mail server at localhost:") {
		t.Fatalf("after two tries with Postfix down: %+v %v", ds, err)
	}

	f.srv.StartPostfix(t)
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions()) // Resend
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())["pat@acme.test"]
	if len(got) != 1 {
		t.Fatalf("%d messages for pat after Resend, want 1", len(got))
	}
	if s, err := f.o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(mailedSecret(t, got[0])), testPasswordHash(t)); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the resent code: %s %v", s, err)
	}
}

// TestRelaySaysAliveWhileSending: a relay busy with a slow mail server (the
// message held at the mail server's door) still says it is alive, so that
// Settings does not call a relay that is sending a bulk reset down.
func TestRelaySaysAliveWhileSending(t *testing.T) {
	f := newRelayFixture(t)
	users := f.addUsers(t, "pat@acme.test")
	gm := &gateMailer{m: f.mailer(t, f.srv.Password)}
	arrived, release := gm.arm()
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	defer letGo()
	f.startRelayTuned(t, gm, relay.Relay{Poll: 200 * time.Millisecond})
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatal("the relay took no message in 60 s")
	}
	var began time.Time
	if err := f.super.QueryRow(`SELECT now()`).Scan(&began); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var alive bool
		if err := f.super.QueryRow(`SELECT coalesce(max(seen_at) > $1, false) FROM resetdesk.relay_heartbeats`, began).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the relay said nothing for 30 s while it was sending (its poll is 200 ms)")
		}
	}
	letGo()
	f.waitSettled(t)
	if got := messagesTo(f.srv.Messages())["pat@acme.test"]; len(got) != 1 {
		t.Fatalf("%d messages for pat, want 1", len(got))
	}
}

// TestRelayWaitsForItsLoginToBeMended: a relay whose login stops being a
// registered relay while it runs says so in the database's words, not that
// the database is down, keeps trying, and sends what waited once the
// login is registered again.
func TestRelayWaitsForItsLoginToBeMended(t *testing.T) {
	f := newRelayFixture(t)
	users := f.addUsers(t, "pat@acme.test")
	role := f.o.Prefix + "_relay"
	logs, _ := startRelayAt(t, f.relayURL, f.mailer(t, f.srv.Password), relay.Relay{Poll: 200 * time.Millisecond}, f.srv.Password)
	waitLog := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !strings.Contains(logs.String(), want); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 60 s the relay has not logged %q", want)
			}
		}
	}
	waitLog("sending the outbox")
	f.o.Exec(t, `DELETE FROM resetdesk.relay_logins WHERE db_role = $1`, role)
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	waitLog("the outbox cannot be read, trying again: The role " + role + " is not a mail relay of this database")
	if strings.Contains(logs.String(), "not answering") {
		t.Errorf("the relay called a refusal the database not answering")
	}
	if status, attempts, _ := f.delivery(t, "pat@acme.test"); status != "pending" || attempts != 0 {
		t.Fatalf("the message while the relay may not take it: %s after %d attempts", status, attempts)
	}
	f.o.Exec(t, `INSERT INTO resetdesk.relay_logins (db_role) VALUES ($1)`, role)
	f.waitSettled(t)
	waitLog("the outbox can be read again")
	if got := messagesTo(f.srv.Messages())["pat@acme.test"]; len(got) != 1 {
		t.Fatalf("%d messages for pat, want 1", len(got))
	}
}
