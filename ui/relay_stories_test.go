package ui

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
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
	// Running means seen: wait for its first heartbeat.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var seen bool
		if err := r.super.QueryRow(`SELECT EXISTS (SELECT 1 FROM resetdesk.relay_heartbeats WHERE instance = 'ui test')`).Scan(&seen); err != nil {
			r.t.Fatal(err)
		}
		if seen {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the relay said nothing for 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
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
	equal(t, "saved", s.policiesNote.Text, "Saved. Resets' mail now waits for the office mail relay: Mail, above, says how it is doing.")
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
	equal(t, "delivery", r.delivery.Text, "One-time password to alice@acme.example: "+queuedSentence+". "+
		"No mail relay has run here yet: it waits until one does.")
	r.onClose()

	// And the bulk results.
	b := openBulkReset(f.c, []app.User{f.users["bob@acme.example"], f.users["erin@acme.example"]})
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "bulk summary", b.summary.Text, "2 reset, 0 skipped.")
	for i := range 2 {
		equal(t, "bulk mail", b.table.text(i, bulkColMail), queuedSentence)
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
	// A reset now says its mail waits, and why.
	r = openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "while the relay is down", r.delivery.Text, "One-time password to alice@acme.example: "+queuedSentence+". "+
		"The mail relay was last seen 10 minutes ago: it waits until the relay is back.")
	r.onClose()

	// The owner turns it off: the mail server form is back.
	test.Tap(s.mailRelay)
	test.Tap(s.policiesSave)
	equal(t, "off", f.c.org.MailRelay, false)
	equal(t, "saved off", s.policiesNote.Text, "Saved.")
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

// followingMailer sends through the backend's mailer of the moment, as
// main's mail.Switch does: a server saved on the phone's Mail page is used
// by the next reset.
type followingMailer struct{ b *testBackend }

func (m followingMailer) Send(ctx context.Context, notices []app.Notice) []error {
	errs, _ := app.SendCounted(ctx, m.b.currentMailer(), notices)
	return errs
}

func (m followingMailer) Configured() bool { return m.b.currentMailer() != nil }

// barePhone signs dir in on a phone whose backend has no mail server and no
// keychain, as a phone fresh from the store.
func barePhone(t *testing.T, f *fixture, dir app.Directory) (*Mobile, *testBackend) {
	t.Helper()
	b := &testBackend{t: t}
	sess := Session{Directory: dir, Resetter: &app.Resetter{Dir: dir, Mail: followingMailer{b}}}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword,
		openURL: func(*url.URL) error { return nil }}
	m := newMobile(f.app, b, &sess, o)
	if m.nav == nil {
		t.Fatalf("the phone is not signed in: %s", m.signIn.status.Text)
	}
	return m, b
}

// confirmOnPhone taps Reset Password, types the admin's password in the
// pop-up and confirms; it returns the outcome page.
func confirmOnPhone(t *testing.T, m *Mobile, r *mobileResetPage, password string) *mobileOutcomePage {
	t.Helper()
	test.Tap(r.reset)
	if r.confirmDialog == nil {
		t.Fatalf("Reset Password opened no pop-up; the page says %q", r.mailMissing.Text)
	}
	test.Type(r.verify, password)
	test.Tap(r.confirm)
	if m.lastOutcome == nil || m.nav.top() != m.lastOutcome.page {
		t.Fatalf("no outcome: %q", r.status.Text)
	}
	return m.lastOutcome
}

// messageTo is the text part, decoded, of the newest message the sink got
// for to.
func messageTo(t *testing.T, f *fixture, to string) string {
	t.Helper()
	msgs := f.sink.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To[0] != to {
			continue
		}
		msg, err := mail.ReadMessage(bytes.NewReader(msgs[i].Data))
		if err != nil {
			t.Fatal(err)
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart() // text/plain, quoted-printable undone
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		return string(text)
	}
	t.Fatalf("no message to %s", to)
	return ""
}

// mailedCode finds a one-time password in a message.
var mailedCode = regexp.MustCompile(`\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b`)

// Issue 12's phone story: with the office mail relay on, every reset works
// from a phone that has no mail settings at all. The owner sets and emails
// Alice's password; the helpdesk (one-time passwords only) resets Bob. No
// relay runs yet: both say queued, and the phone's Mail page shows them
// waiting. The relay starts and sends both; Bob's code finishes his reset
// and Alice's mailed password is the one set.
func TestPhoneStoryRelayWithoutMailSettings(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	// The office's relay is set up (its login made, its key registered for
	// emailed passwords to be sealed to) but not running.
	rl := newTestRelay(t, f.o)
	if keyed, err := rl.db.RegisterRelayKey(context.Background()); err != nil || !keyed {
		t.Fatal(err)
	}
	owner, _ := barePhone(t, f, f.o.Owner)
	sent := len(f.sink.Messages())

	// The Mail page: the relay's health, no mail server form.
	test.Tap(owner.home.mail)
	mp := owner.lastMail
	equal(t, "Mail page", owner.nav.top(), mp.page)
	equal(t, "no server form with the relay on", mp.server == nil, true)
	equal(t, "relay health", mp.relay.text.Text, "The mail relay has never run here; nothing waiting. "+
		"Start resetdesk relay near the database (the README's \"office mail relay\" says how).")
	test.Tap(owner.nav.back)

	// The owner: Alice's password set and emailed.
	p := newMobileUserPage(owner, f.users["alice@acme.example"])
	owner.nav.push(p.page)
	test.Tap(p.reset)
	r := owner.lastReset
	equal(t, "set password", r.modeNow(), app.ModeSetPassword)
	test.Tap(r.emailPassword)
	equal(t, "email ticked", r.emailPassword.Checked, true)
	equal(t, "no mail settings asked for", r.mailBox.Visible(), false)
	equal(t, "Reset Password offered", r.reset.Disabled(), false)
	alicePassword := r.password.Text
	o := confirmOnPhone(t, owner, r, f.o.Password)
	equal(t, "Alice's outcome", o.outcome.Text, "The password of Alice Anders was reset.")
	equal(t, "Alice's mail", o.delivery.Text, "New password to alice@acme.example: "+queuedSentence+". "+
		"No mail relay has run here yet: it waits until one does.")

	// The helpdesk: Bob's one-time password.
	helpdesk, _ := barePhone(t, f, f.o.Helpdesk)
	hp := newMobileUserPage(helpdesk, f.users["bob@acme.example"])
	helpdesk.nav.push(hp.page)
	test.Tap(hp.reset)
	hr := helpdesk.lastReset
	equal(t, "one-time", hr.modeNow(), app.ModeOneTime)
	equal(t, "no mail settings asked for", hr.mailBox.Visible(), false)
	o = confirmOnPhone(t, helpdesk, hr, f.o.Password)
	equal(t, "Bob's mail", o.delivery.Text, "One-time password to bob@acme.example: "+queuedSentence+". "+
		"No mail relay has run here yet: it waits until one does.")
	equal(t, "nothing sent yet", len(f.sink.Messages()), sent)

	// The phone's Mail page shows them waiting.
	helpdesk.nav.popTo(helpdesk.home.page)
	test.Tap(helpdesk.home.mail)
	matches(t, "waiting", helpdesk.lastMail.relay.text.Text,
		`The mail relay has never run here; 2 messages waiting, the oldest for \d+ seconds?\. They go out once it runs\. .*`)

	// The relay starts and sends both.
	rl.start(f.backend.currentMailer())
	rl.waitSent()
	equal(t, "both sent", len(f.sink.Messages()), sent+2)
	test.Tap(helpdesk.lastMail.relay.refresh)
	matches(t, "sent", helpdesk.lastMail.relay.text.Text, justSeen+`; nothing waiting\.`)

	// The mailed password is the one set.
	if !strings.Contains(messageTo(t, f, "alice@acme.example"), alicePassword) {
		t.Errorf("the relay's mail to Alice lacks the password set on the phone")
	}
	if !f.passwordWorks(t, "alice@acme.example", alicePassword) {
		t.Error("Alice's mailed password does not work")
	}
	// Bob finishes with the code in his mail, as at "I have a one-time
	// password".
	code := mailedCode.FindString(messageTo(t, f, "bob@acme.example"))
	if code == "" {
		t.Fatal("no one-time password in Bob's mail")
	}
	self, err := data.Open(context.Background(), f.o.EndUserURL)
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	const good = "Seven-quiet-harbour-lights"
	done, err := app.CompleteReset(context.Background(), self, app.SelfServiceRequest{Login: "bob@acme.example", Secret: code,
		NewPassword: good, Again: good})
	if err != nil || done != app.CompletionOK {
		t.Fatalf("Bob completing with the relay's code: %s %v", done, err)
	}
	if !f.passwordWorks(t, "bob@acme.example", good) {
		t.Error("Bob's new password does not work")
	}
}

// With the relay off, a phone without mail settings says why a reset that
// mails cannot go and opens its Mail page, the desktop's fields; with no
// keychain it says the password cannot be remembered. Saved, the reset
// goes out.
func TestPhoneStoryMailSettingsWithoutRelay(t *testing.T) {
	f := newFixture(t)
	helpdesk, b := barePhone(t, f, f.o.Helpdesk)
	p := newMobileUserPage(helpdesk, f.users["bob@acme.example"])
	helpdesk.nav.push(p.page)
	test.Tap(p.reset)
	r := helpdesk.lastReset
	equal(t, "why", r.mailMissing.Text, "A one-time password reaches the user only by email, and this phone has no mail server to send it: "+
		"set one up in Mail settings. (With the office mail relay on, the owner's choice, phones need no mail settings.)")
	equal(t, "shown", r.mailBox.Visible(), true)
	equal(t, "Reset Password held back", r.reset.Disabled(), true)
	test.Tap(r.reset)
	equal(t, "no pop-up", r.confirmDialog == nil, true)

	test.Tap(r.openMail)
	mp := helpdesk.lastMail
	equal(t, "Mail page", helpdesk.nav.top(), mp.page)
	s := mp.server
	if s == nil {
		t.Fatal("no mail server form with the relay off")
	}
	equal(t, "no route yet", s.mailRoute.Text, "No mail server yet: one-time passwords cannot be sent until one is saved here.")
	equal(t, "no keychain, said plainly", mp.keychain.Text, phoneNoKeychain)
	equal(t, "in warning", mp.keychain.Importance, widget.WarningImportance)
	equal(t, "password placeholder", s.smtpPassword.PlaceHolder, "Not kept: no keychain here")
	for _, item := range []struct {
		e    *widget.Entry
		text string
	}{{s.smtpHost, "127.0.0.1"}, {s.smtpPort, "0"}} {
		item.e.SetText(item.text)
	}
	test.Tap(s.smtpSave)
	equal(t, "bad port", s.smtpNote.Text, "The mail server's port must be a number between 1 and 65535.")
	host, port, _ := strings.Cut(f.sink.Addr(), ":")
	s.smtpHost.SetText(host)
	s.smtpPort.SetText(port)
	s.smtpTLS.SetSelected("none")
	s.smtpUser.SetText("helpdesk")
	test.Type(s.smtpPassword, "smtp-Secret-4711")
	s.smtpFrom.SetText("ResetDesk <noreply@acme.test>")
	test.Tap(s.smtpSave)
	equal(t, "saved, not kept", s.smtpNote.Text, "Saved. The password is used until ResetDesk closes. "+noKeychainSentence)
	equal(t, "password field emptied", s.smtpPassword.Text, "")
	equal(t, "route", s.mailRoute.Text, "Mail now goes to "+f.sink.Addr()+". Saving a server below replaces it; Send test message with the host empty tries the one in use.")
	prefs := f.app.Preferences()
	equal(t, "host kept", prefs.String(PrefSMTPHost), host)
	for _, k := range []string{PrefSMTPHost, PrefSMTPPort, PrefSMTPTLS, PrefSMTPUsername, PrefSMTPFrom, PrefSMTPCAFile} {
		if strings.Contains(prefs.String(k), "smtp-Secret-4711") {
			t.Errorf("the SMTP password is in preference %s", k)
		}
	}
	sent := len(f.sink.Messages())
	s.testTo.SetText("helpdesk@acme.example")
	test.Tap(s.testSend)
	equal(t, "test", s.testNote.Text, "The mail server accepted the test message to helpdesk@acme.example.")
	equal(t, "test arrived", len(f.sink.Messages()), sent+1)

	// Back on the reset page: nothing holds it back, and it goes out.
	test.Tap(helpdesk.nav.back)
	equal(t, "back on the reset page", helpdesk.nav.top(), r.page)
	equal(t, "password forgotten on leaving", s.smtpPassword.Text, "")
	equal(t, "nothing asked", r.mailBox.Visible(), false)
	equal(t, "Reset Password offered", r.reset.Disabled(), false)
	o := confirmOnPhone(t, helpdesk, r, f.o.Password)
	equal(t, "sent", o.delivery.Text, "One-time password to bob@acme.example: sent.")

	// The owner's phone with a keychain: emailing a set password needs the
	// server too, unticking it does not; the password is kept.
	b.mu.Lock()
	b.mailer, b.route = nil, ""
	b.mu.Unlock()
	owner, ob := barePhone(t, f, f.o.Owner)
	kc := &memKeychain{secrets: map[string]string{}}
	ob.keychain = kc
	op := newMobileUserPage(owner, f.users["alice@acme.example"])
	owner.nav.push(op.page)
	test.Tap(op.reset)
	or := owner.lastReset
	equal(t, "nothing to mail yet", or.mailBox.Visible(), false)
	test.Tap(or.emailPassword)
	equal(t, "emailing needs a server", or.mailMissing.Text, "Emailing the new password needs a mail server, and this phone has none: "+
		"set one up in Mail settings, or untick the email and hand the password over.")
	equal(t, "held back", or.reset.Disabled(), true)
	test.Tap(or.openMail)
	omp := owner.lastMail
	equal(t, "keychain", omp.keychain.Text, phoneKeychain)
	equal(t, "placeholder", omp.server.smtpPassword.PlaceHolder, "Kept in the keychain")
	omp.server.smtpHost.SetText(host)
	omp.server.smtpPort.SetText(port)
	omp.server.smtpTLS.SetSelected("none")
	omp.server.smtpUser.SetText("olivia")
	test.Type(omp.server.smtpPassword, "smtp-Secret-0815")
	test.Tap(omp.server.smtpSave)
	equal(t, "saved", omp.server.smtpNote.Text, "Saved.")
	equal(t, "in the keychain", kc.secrets[KeychainService+"/smtp:olivia@"+host], "smtp-Secret-0815")
	test.Tap(owner.nav.back)
	equal(t, "ready", or.reset.Disabled(), false)
}

// countingRelayDir counts how often the relay's health is read.
type countingRelayDir struct {
	*data.DB
	reads atomic.Int32
}

func (d *countingRelayDir) RelayStatus(ctx context.Context) (app.RelayStatus, error) {
	d.reads.Add(1)
	return d.DB.RelayStatus(ctx)
}

// A health line left open reads the relay's health again every poll, so
// that "last seen 3 seconds ago" never stays up for an hour, and stops
// once its page is gone.
func TestRelayLineRereads(t *testing.T) {
	f := newFixture(t)
	dir := &countingRelayDir{DB: f.o.Owner}
	// Work runs inline, as in every test: here on the timer's goroutine,
	// the one goroutine that touches the line after it is made.
	opts := testOptions()
	opts.poll = time.Millisecond
	actor, org, err := dir.Actor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := newSignedIn(f.app, Session{Directory: dir}, actor, org, opts)
	defer s.cancel()
	line := newRelayStatusLine(s, true)
	line.setInView(true)
	deadline := time.Now().Add(30 * time.Second)
	for dir.reads.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the line read the relay's health %d times in 30 s with a poll of 1 ms", dir.reads.Load())
		}
		time.Sleep(time.Millisecond)
	}
	line.stop()
}

// With the relay running, an outcome that said queued says sent once the
// relay has sent it, on the desktop's dialog and the phone's outcome page.
func TestOutcomeFollowsTheRelay(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	f.c.org.MailRelay = true
	rl := newTestRelay(t, f.o)
	rl.start(f.backend.currentMailer())

	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "queued first", r.delivery.Text, "One-time password to alice@acme.example: "+queuedSentence+".")

	phone, _ := barePhone(t, f, f.o.Helpdesk)
	p := newMobileUserPage(phone, f.users["bob@acme.example"])
	phone.nav.push(p.page)
	test.Tap(p.reset)
	o := confirmOnPhone(t, phone, phone.lastReset, f.o.Password)
	equal(t, "phone: queued first", o.delivery.Text, "One-time password to bob@acme.example: "+queuedSentence+".")

	rl.waitSent()
	equal(t, "dialog follows", r.follow.check(), true)
	equal(t, "dialog: sent", r.delivery.Text, "One-time password to alice@acme.example: sent.")
	equal(t, "phone follows", o.follow.check(), true)
	equal(t, "phone: sent", o.delivery.Text, "One-time password to bob@acme.example: sent.")

	// Closed, nothing is shown any more.
	r.onClose()
	r.delivery.SetText("closed")
	r.follow.check()
	equal(t, "after close", r.delivery.Text, "closed")
}

// The follower asks by itself, without a test calling check, while its
// session polls.
func TestQueuedFollowerAsksByItself(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	f.c.org.MailRelay = true
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	r.follow.stop()
	opts := testOptions()
	opts.poll = time.Millisecond
	s := newSignedIn(f.app, Session{Directory: f.o.Owner}, f.c.actor, f.c.org, opts)
	defer s.cancel()
	shown := make(chan string, 2)
	followQueued(s, r.result.Delivery, func(sentence string) { shown <- sentence })
	// No relay has run: the follower says so at once (work runs inline).
	equal(t, "why it waits", <-shown, "One-time password to alice@acme.example: "+queuedSentence+". "+
		"No mail relay has run here yet: it waits until one does.")
	rl := newTestRelay(t, f.o)
	rl.start(f.backend.currentMailer())
	select {
	case got := <-shown:
		equal(t, "shown", got, "One-time password to alice@acme.example: sent.")
	case <-time.After(60 * time.Second):
		t.Fatal("the follower showed nothing within 60 s of the relay starting")
	}
}

// countingDeliveriesDir counts how often messages are read.
type countingDeliveriesDir struct {
	*data.DB
	reads atomic.Int32
}

func (d *countingDeliveriesDir) Deliveries(ctx context.Context, f app.DeliveryFilter) ([]app.Delivery, error) {
	d.reads.Add(1)
	return d.DB.Deliveries(ctx, f)
}

// A bulk reset's results, queued while no relay runs, say sent once the
// relay has sent them, in the table and in the saved CSV; one query asks
// after the whole batch; closed results are followed no more.
func TestBulkFollowsTheRelay(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	f.c.org.MailRelay = true
	rl := newTestRelay(t, f.o)

	// One bulk is closed before the relay runs: it must not change after.
	closed := openBulkReset(f.c, []app.User{f.users["alice@acme.example"]})
	test.Type(closed.verify, f.o.Password)
	test.Tap(closed.confirm)
	equal(t, "closed bulk: queued", closed.table.text(0, bulkColMail), queuedSentence)
	closed.onClose()

	users := []app.User{f.users["alice@acme.example"], f.users["bob@acme.example"], f.users["erin@acme.example"]}
	b := openBulkReset(f.c, users)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "summary", b.summary.Text, "3 reset, 0 skipped.")
	queued := make([]app.Delivery, len(b.results))
	for i := range 3 {
		equal(t, "queued", b.table.text(i, bulkColMail), queuedSentence)
		queued[i] = b.results[i].Delivery
	}
	csvOf := func() string {
		var buf bytes.Buffer
		if err := b.saveResults(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if got := strings.Count(csvOf(), ",reset,,queued,"); got != 3 {
		t.Errorf("CSV before the relay runs has %d queued rows:\n%s", got, csvOf())
	}
	equal(t, "still queued without a relay", b.follow.check(), false)
	equal(t, "table unchanged", b.table.text(0, bulkColMail), queuedSentence)

	rl.start(f.backend.currentMailer())
	rl.waitSent()

	// One query for the whole batch.
	dir := &countingDeliveriesDir{DB: f.o.Owner}
	s := newSignedIn(f.app, Session{Directory: dir}, f.c.actor, f.c.org, testOptions())
	defer s.cancel()
	var got []app.Delivery
	counter := followQueuedBatch(s, queued, func(ds []app.Delivery) { got = ds })
	equal(t, "counter settled", counter.check(), true)
	equal(t, "queries for 3 messages", dir.reads.Load(), int32(1))
	equal(t, "settled messages", len(got), 3)

	equal(t, "bulk settled", b.follow.check(), true)
	for i := range 3 {
		equal(t, "sent", b.table.text(i, bulkColMail), "sent")
	}
	if got := strings.Count(csvOf(), ",reset,,sent,"); got != 3 {
		t.Errorf("CSV after the relay sent has %d sent rows:\n%s", got, csvOf())
	}
	equal(t, "summary after", b.summary.Text, "3 reset, 0 skipped.")

	// The closed bulk's follower asks but shows nothing.
	closed.follow.check()
	equal(t, "closed bulk after", closed.results[0].Delivery.Status, app.DeliveryQueued)
	b.onClose()
}

// The health line measures "last seen" on the database server's clock: a
// computer or phone whose clock is ten minutes off either way still says
// a relay seen seconds ago runs, not that it is down.
func TestRelayLineIgnoresTheDevicesClock(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `INSERT INTO resetdesk.relay_heartbeats (db_role, instance, seen_at) VALUES ('relay', 'story', now() - interval '20 seconds')`)
	seen := regexp.MustCompile(`^The mail relay was last seen [0-9]+ seconds ago; nothing waiting\.$`)
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		opts := testOptions()
		opts.now = func() time.Time { return time.Now().Add(skew) }
		s := newSignedIn(f.app, Session{Directory: f.o.Owner}, f.c.actor, f.c.org, opts)
		line := newRelayStatusLine(s, false)
		line.reload()
		if !seen.MatchString(line.text.Text) || line.text.Importance != widget.SuccessImportance {
			t.Errorf("device clock %v off: %q (importance %v)", skew, line.text.Text, line.text.Importance)
		}
		s.cancel()
	}
}

// The relay's health line asks the database again only while it is in
// view: the Settings or Mail screen showing in the wide layout, or the
// phone's Mail page. Leaving the screen, by another tab, the other
// shell or narrowing the window, stops its timer; a firing already on
// its way asks nothing. Back in view, it reads the health at once and
// polls again. Signing out stops every line for good. (The poll is an
// hour: the story fires each timer by hand.)
func TestStoryRelayLinePollsOnlyInView(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	dir := &countingRelayDir{DB: f.o.Owner}
	o := mobileOptions{options: testOptions(), platform: platformIOS, generate: app.GeneratePassword}
	o.poll = time.Hour
	sess := Session{Directory: dir, Resetter: f.c.sess.Resetter}
	d := startWindow(f.app, f.backend, sess.starter(), o, wideSize)
	c := d.console
	if c == nil || !c.org.MailRelay {
		t.Fatalf("no console with the relay on: %v", c)
	}
	reads := func(want int32, when string) {
		t.Helper()
		if got := dir.reads.Load(); got != want {
			t.Fatalf("%s: the relay's health was read %d times, want %d", when, got, want)
		}
	}
	polls := func(l *relayStatusLine, want bool, when string) int {
		t.Helper()
		gen, waits := l.poll.pending()
		if waits != want {
			t.Fatalf("%s: polling %v, want %v", when, waits, want)
		}
		return gen
	}

	c.show(screenSettings)
	line := c.settings.relay
	reads(1, "Settings opened")
	gen := polls(line, true, "Settings in view")
	line.poll.fired(gen)
	reads(2, "a poll on Settings")
	gen = polls(line, true, "after a poll")

	// Another tab: no timer, and the one that was on its way asks nothing.
	c.show(screenUsers)
	polls(line, false, "Users in view")
	line.poll.fired(gen)
	reads(2, "a late firing after leaving Settings")

	c.show(screenMail)
	mail := c.mail.relay
	reads(3, "Mail opened") // with its messages
	polls(mail, true, "Mail in view")
	polls(line, false, "Mail in view, Settings behind")

	// Settings again: read at once, then polled.
	c.show(screenSettings)
	reads(4, "back on Settings")
	polls(line, true, "back on Settings")
	polls(mail, false, "Settings in view, Mail behind")

	// The phone flow: the wide screens are out of view.
	d.win.Resize(narrowSize)
	equal(t, "narrow", d.narrow, true)
	polls(line, false, "phone flow")
	polls(mail, false, "phone flow")
	d.phone.openMail(nil)
	page := d.phone.lastMail.relay
	reads(5, "the phone's Mail page")
	gen = polls(page, true, "the phone's Mail page")
	page.poll.fired(gen)
	reads(6, "a poll on the phone's Mail page")
	d.phone.nav.onBack()
	equal(t, "the page's line stopped", page.poll.ended(), true)
	polls(page, false, "the phone's Mail page left")
	reads(6, "the phone's Mail page left")

	// Wide again, on Settings: read at once, polled again.
	d.win.Resize(wideSize)
	wideShows(t, d)
	reads(7, "widened on Settings")
	polls(line, true, "widened on Settings")

	// The Unified shell keeps Settings in view; its Directory does not.
	c.setLayout(LayoutUnified)
	polls(line, true, "Unified shell, on Settings")
	reads(7, "the shell changed, Settings still in view")
	c.show(screenUsers)
	polls(line, false, "Unified shell's Directory")
	c.show(screenMail)
	polls(mail, true, "Unified shell's Mail")

	d.signOut()
	for name, l := range map[string]*relayStatusLine{"Settings'": line, "Mail's": mail} {
		equal(t, name+" line stopped at sign-out", l.poll.ended(), true)
		polls(l, false, name+" line after sign-out")
		l.setInView(true)
		polls(l, false, name+" line shown after sign-out")
	}
}
