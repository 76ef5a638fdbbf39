package ui

import (
	"context"
	"database/sql"
	"regexp"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/relay"
)

// The office mail relay's stories: the owner turns it on in Settings,
// resets made while no relay runs say their mail is queued, not sent, and
// Settings and Mail show what waits; a real relay (package relay, on a
// relay login of the test database) then sends it to the fixture's sink.

// queuedSentence is what both shells say of a message the relay has not
// sent yet.
const queuedSentence = "queued for the office mail relay, not sent yet"

// testRelay is a relay login of o's database (resetdesk relay add, as the
// DBA) and, while running, `resetdesk relay` on it in this process.
type testRelay struct {
	t     *testing.T
	o     *pgtest.Org
	db    *data.DB
	super *sql.DB
	stop  func()
}

func newTestRelay(t *testing.T, o *pgtest.Org) *testRelay {
	t.Helper()
	ctx := context.Background()
	role := o.Prefix + "_relay"
	if err := o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: o.Password}); err != nil {
		t.Fatalf("relay add: %v", err)
	}
	db, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, role, o.Password))
	if err != nil {
		t.Fatalf("sign in as the relay: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	super, err := sql.Open("postgres", o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { super.Close() })
	return &testRelay{t: t, o: o, db: db, super: super}
}

// start runs the relay, sending through m, until stop (or the test's end).
func (r *testRelay) start(m app.Mailer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	rl := &relay.Relay{Queue: r.db, Mail: m, Instance: "ui test", Poll: 20 * time.Millisecond}
	go func() { done <- rl.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				r.t.Errorf("the relay ended with %v", err)
			}
		})
	}
	r.t.Cleanup(r.stop)
}

// waitSent waits until no message of the org waits for the relay.
func (r *testRelay) waitSent() {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := r.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE via_relay AND status = 'pending'`).Scan(&n); err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d messages still wait for the relay after 30 s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lastSeen sets when the relay was last seen, as the superuser.
func (r *testRelay) lastSeen(ago time.Duration) {
	r.t.Helper()
	if _, err := r.super.Exec(`UPDATE resetdesk.relay_heartbeats SET seen_at = now() - make_interval(secs => $1)`, ago.Seconds()); err != nil {
		r.t.Fatal(err)
	}
}

// justSeen matches the relay's health right after it said it is alive.
var justSeen = `The mail relay was last seen (just now|1 second ago|[2-9] seconds ago)`

func matches(t *testing.T, what, got, pattern string) {
	t.Helper()
	if !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
		t.Errorf("%s = %q, want it to match %q", what, got, pattern)
	}
}

// The desktop: the owner turns the relay on in Settings, which then shows
// the relay's health instead of the mail server; resets while no relay
// runs say queued, in the dialog, the bulk results and Mail; a relay
// comes, sends them, and later goes away.
func TestStoryRelayOnDesktop(t *testing.T) {
	f := newFixture(t)
	f.c.show(screenSettings)
	s := f.c.settings
	equal(t, "mail server form while the relay is off", s.smtpBox.Visible(), true)
	equal(t, "no relay health", s.relayBox.Visible(), false)
	equal(t, "the switch", s.mailRelay.Text, "Send mail through the office mail relay")
	equal(t, "what it changes", s.relayNote.Text, relaySwitchNote)

	test.Tap(s.mailRelay)
	test.Tap(s.policiesSave)
	equal(t, "saved", s.policiesNote.Text, "Saved.")
	equal(t, "the session's org", f.c.org.MailRelay, true)
	_, org, err := f.o.Owner.Actor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the database's policy", org.MailRelay, true)
	equal(t, "mail server form hidden", s.smtpBox.Visible(), false)
	equal(t, "relay health shown", s.relayBox.Visible(), true)
	equal(t, "never ran", s.relay.text.Text, "The mail relay has never run here; nothing waiting. "+
		"Start resetdesk relay near the database (the README's \"office mail relay\" says how).")
	equal(t, "never ran: danger", s.relay.text.Importance, widget.DangerImportance)

	// No relay runs: the one-user dialog says queued, not sent.
	sent := len(f.sink.Messages())
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "outcome", r.outcome.Text, "The password of Alice Anders was reset.")
	equal(t, "delivery", r.delivery.Text, "One-time password to alice@acme.example: "+queuedSentence+".")
	r.onClose()

	// And the bulk results.
	b := openBulkReset(f.c, []app.User{f.users["bob@acme.example"], f.users["erin@acme.example"]})
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "bulk summary", b.summary.Text, "2 reset, 0 skipped.")
	for i := range 2 {
		equal(t, "bulk mail", b.table.text(i, 3), queuedSentence)
	}
	equal(t, "nothing went to the mail server", len(f.sink.Messages()), sent)

	// Mail lists them as queued, under the relay's health.
	f.c.show(screenMail)
	m := f.c.mail
	m.reload()
	equal(t, "relay line in Mail", m.relay.view.Visible(), true)
	matches(t, "Mail's relay line", m.relay.text.Text, `The mail relay has never run here; 3 messages waiting, the oldest for \d+ seconds?\. `+
		`They go out once it runs\. Start resetdesk relay near the database .*`)
	equal(t, "Mail: danger", m.relay.text.Importance, widget.DangerImportance)
	for row := range 3 {
		if got, imp := m.cell(row, 3); got != "Queued for the relay" || imp != widget.WarningImportance {
			t.Errorf("Mail row %d: %q (%v)", row, got, imp)
		}
	}
	s.relay.reload()
	matches(t, "Settings while waiting", s.relay.text.Text, `The mail relay has never run here; 3 messages waiting, the oldest for \d+ seconds?\. .*`)

	// A relay starts: it sends all three to the mail server.
	rl := newTestRelay(t, f.o)
	rl.start(f.backend.currentMailer())
	rl.waitSent()
	equal(t, "the mail server got them", len(f.sink.Messages()), sent+3)
	s.relay.reload()
	matches(t, "Settings once sent", s.relay.text.Text, justSeen+`; nothing waiting\.`)
	equal(t, "running: fine", s.relay.text.Importance, widget.SuccessImportance)
	m.reload()
	for row := range 3 {
		if got, _ := m.cell(row, 3); got != "Sent" {
			t.Errorf("Mail row %d after the relay: %q", row, got)
		}
	}

	// It stops, and is not seen for ten minutes.
	rl.stop()
	rl.lastSeen(10 * time.Minute)
	s.relay.reload()
	equal(t, "down", s.relay.text.Text, "The mail relay was last seen 10 minutes ago and seems to be down; nothing waiting.")
	equal(t, "down: danger", s.relay.text.Importance, widget.DangerImportance)

	// The owner turns it off: the mail server form is back.
	test.Tap(s.mailRelay)
	test.Tap(s.policiesSave)
	equal(t, "off", f.c.org.MailRelay, false)
	equal(t, "mail server form back", s.smtpBox.Visible(), true)
	equal(t, "relay health gone", s.relayBox.Visible(), false)
	m.reload()
	equal(t, "no relay line in Mail", m.relay.view.Visible(), false)
}

// Only the owner changes the relay policy; an admin sees it, disabled.
func TestRelaySwitchIsTheOwners(t *testing.T) {
	f := newFixture(t)
	admin := Session{Directory: f.o.Admin, Resetter: &app.Resetter{Dir: f.o.Admin, Mail: f.backend.currentMailer()}}
	d := newDesktop(f.app, f.backend, &admin, testOptions())
	if d.console == nil {
		t.Fatalf("the admin is not signed in: %s", d.signIn.status.Text)
	}
	d.console.show(screenSettings)
	equal(t, "disabled for an admin", d.console.settings.mailRelay.Disabled(), true)
}
