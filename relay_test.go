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
	if err := rdb.RegisterRelayKey(ctx); err != nil {
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
	pool, err := mail.LoadCAFile(f.srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.NewMailer(mail.Config{Host: "localhost", Port: f.srv.Port(), TLS: mail.TLSStartTLS,
		Username: f.srv.Username, Password: password, From: "ResetDesk <noreply@acme.test>",
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
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- runRelay(ctx, f.relayURL, m, log.New(&logs, "relay: ", 0), poll) }()
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
			if strings.Contains(logs.String(), f.srv.Password) {
				t.Errorf("the relay's log holds the SMTP password")
			}
		})
	}
	t.Cleanup(stop)
	return stop
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

// TestTwoRelaysSendEachMessageOnce: two relays drain one bulk reset
// together; every user gets exactly one message.
func TestTwoRelaysSendEachMessageOnce(t *testing.T) {
	f := newRelayFixture(t)
	var emails []string
	for i := range 30 {
		emails = append(emails, "user"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@acme.test")
	}
	users := f.addUsers(t, emails...)
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	f.startRelay(t, f.mailer(t, f.srv.Password))
	f.startRelay(t, f.mailer(t, f.srv.Password))
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())
	for _, e := range emails {
		if len(got[e]) != 1 {
			t.Errorf("%s received %d messages, want 1", e, len(got[e]))
		}
	}
	var sent int
	if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE status = 'sent' AND attempts = 1`).Scan(&sent); err != nil || sent != len(emails) {
		t.Fatalf("%d rows sent on the first attempt, want %d (%v)", sent, len(emails), err)
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
