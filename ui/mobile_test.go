package ui

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// mobileFixture is the mobile shell signed in as the fixture's owner, on
// a platform of the test's choice, with the URLs it opened recorded.
type mobileFixture struct {
	*fixture
	m      *Mobile
	opened []*url.URL
}

// goldenPassword is the generator's answer in goldens: it passes the policy.
const goldenPassword = "q7R!vT2m#Lp9wXz4"

func newMobileFixture(t *testing.T, platform string, generate func(int) (string, error)) *mobileFixture {
	t.Helper()
	f := &mobileFixture{fixture: newFixture(t)}
	o := mobileOptions{options: testOptions(), platform: platform, generate: generate,
		openURL: func(u *url.URL) error { f.opened = append(f.opened, u); return nil }}
	if o.generate == nil {
		o.generate = app.GeneratePassword
	}
	sess := Session{Directory: f.o.Owner, Resetter: f.d.console.sess.Resetter}
	f.m = newMobile(f.app, f.backend, &sess, o)
	if f.m.nav == nil {
		t.Fatalf("not signed in: %s", f.m.signIn.status.Text)
	}
	return f
}

// openUser goes from home to the user with email, as a thumb would.
func (f *mobileFixture) openUser(t *testing.T, email string) *mobileUserPage {
	t.Helper()
	m := f.m
	test.Tap(m.home.entry)
	equal(t, "users page", m.nav.top(), m.users.page)
	test.Type(m.users.search, strings.ToUpper(strings.TrimSuffix(email, "@acme.example")))
	if m.users.list.Length() != 1 {
		t.Fatalf("search %q shows %d rows", email, m.users.list.Length())
	}
	m.users.list.Select(0)
	equal(t, "user page", m.nav.top(), m.lastUser.page)
	equal(t, "user", m.lastUser.user.PrimaryEmail, email)
	return m.lastUser
}

// The Zoho mobile story: users, Alice, Reset Password with a generated
// password, force change on, mobile sessions kept, the admin's password,
// then SHARE by Copy, Email, Message and QR code. The database has the
// shown password, the web sessions are gone and the mobile one lives.
func TestMobileStorySetPasswordAndShare(t *testing.T) {
	f := newMobileFixture(t, platformIOS, nil)
	f.o.Exec(t, `UPDATE resetdesk.users SET mobile_number = '+1 555 0100' WHERE primary_email = 'alice@acme.example'`)
	f.o.Exec(t, `INSERT INTO resetdesk.sessions (user_id, kind) SELECT id, k FROM resetdesk.users, unnest(ARRAY['web', 'web', 'mobile']) k
		WHERE primary_email = 'alice@acme.example'`)
	f.o.Exec(t, `INSERT INTO resetdesk.api_tokens (user_id, name, token_hash) SELECT id, 'mail app', 'x' FROM resetdesk.users
		WHERE primary_email = 'alice@acme.example'`)
	f.m.users.reload()
	m := f.m

	equal(t, "home first", m.nav.top(), m.home.page)
	equal(t, "no back on home", m.nav.back.Visible(), false)
	p := f.openUser(t, "alice@acme.example")
	equal(t, "back visible", m.nav.back.Visible(), true)
	equal(t, "reset enabled", p.reset.Disabled(), false)
	equal(t, "no skip note", p.skipNote.Visible(), false)

	test.Tap(p.reset)
	r := m.lastReset
	equal(t, "reset page", m.nav.top(), r.page)
	equal(t, "mode", r.modeNow(), app.ModeSetPassword)
	first := r.password.Text
	if first == "" || !strings.HasPrefix(r.strength.Text, "Strong: ") {
		t.Fatalf("no prefilled password: %q, %q", first, r.strength.Text)
	}
	test.Tap(r.regenerate)
	if r.password.Text == first {
		t.Errorf("generate kept the same password")
	}
	equal(t, "hidden", r.password.Password, true)
	test.Tap(r.reveal)
	equal(t, "revealed", r.password.Password, false)
	test.Tap(r.reveal)
	equal(t, "hidden again", r.password.Password, true)

	equal(t, "force change ticked", r.forceChange.Checked, true)
	equal(t, "force label", r.forceChange.Text, "Force users to change the password on login")
	web := r.options.webSessions
	equal(t, "web label", web.Text, "Web sessions will be cleared automatically")
	equal(t, "web ticked", web.Checked, true)
	equal(t, "web disabled", web.Disabled(), true)
	test.Tap(web)
	equal(t, "web still ticked after a tap", web.Checked, true)
	equal(t, "mobile ticked", r.options.clearMobile.Checked, true)
	test.Tap(r.options.clearMobile)
	equal(t, "mobile unticked", r.options.clearMobile.Checked, false)
	equal(t, "email unticked on mobile", r.emailPassword.Checked, false)
	equal(t, "unlock hidden for an unlocked user", r.options.unlock.Visible(), false)
	shown := r.password.Text

	// A wrong admin password: the pop-up says so and nothing changes.
	test.Tap(r.reset)
	if r.confirmDialog == nil || r.verify == nil {
		t.Fatal("Reset Password opened no pop-up")
	}
	test.Type(r.verify, "not-my-password")
	test.Tap(r.confirm)
	if !strings.HasPrefix(r.status.Text, "That is not your password") {
		t.Errorf("verify status = %q", r.status.Text)
	}
	equal(t, "confirm enabled again", r.confirm.Disabled(), false)
	equal(t, "still on the reset page", m.nav.top(), r.page)

	r.verify.SetText("")
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)

	o := m.lastOutcome
	if o == nil {
		t.Fatalf("no outcome; pop-up says %q", r.status.Text)
	}
	equal(t, "outcome page", m.nav.top(), o.page)
	equal(t, "outcome", o.outcome.Text, "The password of Alice Anders was reset.")
	equal(t, "delivery", o.delivery.Text, "Password reset notice to alice@acme.example: sent.")
	equal(t, "password shown", o.secret.Text, shown)
	equal(t, "share visible", o.share.Visible(), true)
	equal(t, "verify forgotten", r.verify.Text, "")

	// SHARE, Copy: the same message as Email and Message, login and
	// expiry with the password.
	test.Tap(o.share)
	test.Tap(o.shareCopy)
	copied := f.app.Clipboard().Content()
	equal(t, "clipboard", copied, o.shareText())
	for _, want := range []string{shown, "Sign in as: alice@acme.example", "It is temporary: replace it by "} {
		if !strings.Contains(copied, want) {
			t.Errorf("the copied text lacks %q:\n%s", want, copied)
		}
	}

	// SHARE, Email: the mail app opens with the message to Alice.
	test.Tap(o.share)
	test.Tap(o.shareEmail)
	if len(f.opened) != 1 {
		t.Fatalf("opened %d URLs", len(f.opened))
	}
	mailto := f.opened[0]
	equal(t, "scheme", mailto.Scheme, "mailto")
	equal(t, "to", mailto.Opaque, "alice@acme.example")
	if strings.Contains(mailto.RawQuery, "+") {
		t.Errorf("mailto query has + for spaces: %s", mailto.RawQuery)
	}
	q, err := url.ParseQuery(mailto.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "subject", q.Get("subject"), "Your new Acme Test password")
	body := q.Get("body")
	for _, want := range []string{shown, "Sign in as: alice@acme.example", "choose 'Change a temporary password'", "It is temporary: replace it by "} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}

	// SHARE, Message: only because Alice has a mobile number.
	test.Tap(o.share)
	if o.shareMessage == nil {
		t.Fatal("no Message choice for a user with a mobile number")
	}
	test.Tap(o.shareMessage)
	// iOS's form: "&body=", no "?".
	sms := f.opened[len(f.opened)-1]
	number, query, _ := strings.Cut(sms.Opaque, "&")
	equal(t, "sms", sms.Scheme+":"+number, "sms:+15550100")
	equal(t, "no ? query on iOS", sms.RawQuery, "")
	if q, _ := url.ParseQuery(query); q.Get("body") != o.shareText() {
		t.Errorf("sms body = %q", q.Get("body"))
	}

	// SHARE, Show QR code: a page of its own; back returns to the outcome.
	test.Tap(o.share)
	test.Tap(o.shareQR)
	equal(t, "QR page", m.nav.title.Text, "QR code")
	if o.qr == nil || o.qr.Image == nil {
		t.Fatal("no QR image")
	}
	// A camera reads what SHARE sends: decode the image back.
	read, err := readQR(o.qr.Image)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	equal(t, "QR text", read, o.shareText())
	// Camera apps offer to search text codes: the page warns against it.
	if o.qrWarning == nil || !o.qrWarning.Visible() || o.qrWarning.Text != qrWarning {
		t.Fatalf("no warning under the QR code: %v", o.qrWarning)
	}
	if !strings.Contains(o.qrWarning.Text, "don't search it") {
		t.Errorf("warning = %q", o.qrWarning.Text)
	}
	if !strings.Contains(read, shown) {
		t.Errorf("the QR code lacks the password: %q", read)
	}
	test.Tap(m.nav.back)
	equal(t, "back to the outcome", m.nav.top(), o.page)
	equal(t, "QR forgotten", o.qr == nil, true)

	// Back from the outcome is the user, not the finished form.
	test.Tap(m.nav.back)
	equal(t, "back to the user", m.nav.top(), p.page)
	equal(t, "password forgotten", o.secret.Text, "")
	equal(t, "reloaded user must change", p.user.MustChangePassword, true)

	// The database, read as the superuser.
	db, err := sql.Open("postgres", f.o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var hash string
	var mustChange bool
	var liveWeb, liveMobile, liveTokens int
	err = db.QueryRowContext(context.Background(), `
		SELECT u.password_hash, u.must_change_password,
		       (SELECT count(*) FROM resetdesk.sessions s WHERE s.user_id = u.id AND s.kind = 'web' AND s.revoked_at IS NULL),
		       (SELECT count(*) FROM resetdesk.sessions s WHERE s.user_id = u.id AND s.kind = 'mobile' AND s.revoked_at IS NULL),
		       (SELECT count(*) FROM resetdesk.api_tokens a WHERE a.user_id = u.id AND a.revoked_at IS NULL)
		FROM resetdesk.users u WHERE u.primary_email = 'alice@acme.example'`).Scan(&hash, &mustChange, &liveWeb, &liveMobile, &liveTokens)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := app.VerifyPassword(hash, shown); !ok || err != nil {
		t.Errorf("the stored hash does not verify the shown password (%v)", err)
	}
	equal(t, "must change", mustChange, true)
	equal(t, "live web sessions", liveWeb, 0)
	equal(t, "live mobile sessions", liveMobile, 1)
	equal(t, "live API tokens", liveTokens, 1)
}

// The users entry sits at the top right on iOS and at the bottom right on
// Android, and rows are finger-sized.
func TestMobileUsersEntryByPlatform(t *testing.T) {
	for _, platform := range []string{platformIOS, platformAndroid} {
		t.Run(platform, func(t *testing.T) {
			f := newMobileFixture(t, platform, nil)
			m := f.m
			win := m.win.Canvas().Size()
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.home.entry)
			size := m.home.entry.Size()
			right := win.Width - (pos.X + size.Width)
			if right > fingerSize() {
				t.Errorf("entry is %v from the right edge", right)
			}
			top := pos.Y < fingerSize()
			bottom := win.Height-(pos.Y+size.Height) < fingerSize()
			if platform == platformIOS && !top || platform == platformAndroid && !bottom {
				t.Errorf("entry at %v size %v in a %v window", pos, size, win)
			}

			test.Tap(m.home.entry)
			rows := 0
			for _, o := range test.LaidOutObjects(m.win.Content()) {
				if r, ok := o.(*mobileUserRow); ok && r.Visible() {
					rows++
					if h := r.Size().Height; h < 48 {
						t.Errorf("row of %s is %v tall", r.user.DisplayName, h)
					}
				}
			}
			if rows == 0 {
				t.Error("no rows drawn")
			}
		})
	}
}

// Users the reset would skip get a disabled button and the reason; a role
// that may not set passwords gets the one-time mode with a sentence.
func TestMobileResetRefusals(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	p := f.openUser(t, "carol@acme.example")
	equal(t, "reset disabled", p.reset.Disabled(), true)
	equal(t, "skip note", p.skipNote.Text, app.SkipDeactivated.Sentence())

	erin := newMobileUserPage(f.m, f.users["erin@acme.example"])
	test.Tap(erin.reset)
	r := f.m.lastReset
	equal(t, "unlock shown for a locked user", r.options.unlock.Visible(), true)
	equal(t, "unlock ticked", r.options.unlock.Checked, true)

	helpdesk := Session{Directory: f.o.Helpdesk, Resetter: &app.Resetter{Dir: f.o.Helpdesk, Mail: f.backend.currentMailer()}}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword, openURL: func(*url.URL) error { return nil }}
	h := newMobile(f.app, f.backend, &helpdesk, o)
	r = newMobileResetPage(h, f.users["bob@acme.example"])
	equal(t, "mode", r.modeNow(), app.ModeOneTime)
	equal(t, "password hidden", r.setBox.Visible(), false)
	if !strings.HasSuffix(r.modeNote.Text, "Reset Password emails the user a one-time password instead.") {
		t.Errorf("mode note = %q", r.modeNote.Text)
	}
	h.nav.push(r.page)
	test.Tap(r.reset)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	out := h.lastOutcome
	if out == nil {
		t.Fatalf("no outcome: %q", r.status.Text)
	}
	equal(t, "delivery", out.delivery.Text, "One-time password to bob@acme.example: sent.")
	equal(t, "nothing to share", out.secretBox.Visible(), false)

	// Emailing the password to a user who signs in with a mobile number
	// can't work: the box is off and can't be ticked.
	f.o.Exec(t, `UPDATE resetdesk.users SET primary_is_mobile = true, mobile_number = '+15550111' WHERE primary_email = 'alice@acme.example'`)
	alice := f.user(t, "alice@acme.example")
	r = newMobileResetPage(f.m, alice)
	equal(t, "reset enabled without email", r.reset.Disabled(), false)
	test.Tap(r.emailPassword)
	equal(t, "email box off", r.emailPassword.Checked, false)
	equal(t, "email box disabled", r.emailPassword.Disabled(), true)
	equal(t, "reset still enabled", r.reset.Disabled(), false)
}

// Sign out returns to the sign-in form, filled in with the session just
// left (as the demo and DATABASE_URL sessions offer) and its hint; with
// the password typed, signing in opens home again.
func TestMobileSignOutAndIn(t *testing.T) {
	f := newMobileFixture(t, platformIOS, nil)
	u := mustURL(t, f.o.OwnerURL)
	port, _ := strconv.Atoi(u.Port())
	f.m.sess.Again = Profile{Name: "Demo: Acme Test", Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Role: u.User.Username()}
	f.m.sess.AgainHint = "The demo's password is on its first line."
	test.Tap(f.m.home.signOut)
	f.m.confirmSignOut.Dismiss()
	equal(t, "still in after No", f.m.nav != nil, true)
	test.Tap(f.m.home.signOut)
	f.m.confirmSignOut.Confirm()
	equal(t, "signed out", f.m.nav == nil, true)
	s := f.m.signIn
	equal(t, "name", s.name.Text, "Demo: Acme Test")
	equal(t, "host", s.host.Text, u.Hostname())
	equal(t, "port", s.port.Text, u.Port())
	equal(t, "role", s.role.Text, u.User.Username())
	equal(t, "hint", s.status.Text, "The demo's password is on its first line.")
	equal(t, "no password kept", s.password.Text, "")

	test.Tap(s.signIn)
	equal(t, "asked for the password", s.status.Text, "Enter the password of role "+u.User.Username()+".")
	test.Type(s.password, f.o.Password)
	equal(t, "the refusal gives way to the demo's hint once typing", s.status.Text, "The demo's password is on its first line.")
	test.Tap(s.signIn)
	if f.m.nav == nil {
		t.Fatalf("not signed in: %s", s.status.Text)
	}
	equal(t, "home", f.m.nav.top(), f.m.home.page)
}

// The Reset Password page as markup, in portrait and landscape, with a
// fixed generated password.
func TestMobileGoldens(t *testing.T) {
	f := newMobileFixture(t, platformIOS, func(int) (string, error) { return goldenPassword, nil })
	p := newMobileUserPage(f.m, f.users["bob@acme.example"])
	f.m.nav.push(p.page)
	test.Tap(p.reset)
	c := f.m.win.Canvas()

	f.m.win.Resize(phoneSize)
	test.AssertRendersToMarkup(t, "mobile_reset_portrait.xml", c)
	f.m.win.Resize(fyne.NewSize(phoneSize.Height, phoneSize.Width))
	test.AssertRendersToMarkup(t, "mobile_reset_landscape.xml", c)
}

// The share URLs escape what mail and messages apps would misread.
func TestShareURLs(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{mailtoURL("a+b@x.example", "Hi there", "a&b=c\nd").String(), "mailto:a+b@x.example?subject=Hi%20there&body=a%26b%3Dc%0Ad"},
		{smsURL(platformAndroid, " +1 (555) 01-00 ", "pw: x y").String(), "sms:+15550100?body=pw%3A%20x%20y"},
		{smsURL(platformAndroid, "", "x").String(), "sms:?body=x"},
		{smsURL(platformIOS, " +1 (555) 01-00 ", "pw: x&y").String(), "sms:+15550100&body=pw%3A%20x%26y"},
		{smsURL(platformIOS, "", "x").String(), "sms:&body=x"},
	} {
		equal(t, "url", c.got, c.want)
	}
	equal(t, "secondary when bouncing", shareAddress(app.User{PrimaryEmail: "a@x", PrimaryEmailUndeliverable: true, SecondaryEmail: "b@y"}), "b@y")
}

// A user page shows the user as the directory has them after each load:
// here Erin is unlocked behind the app's back, as a reset with "unlock"
// does, and the page must say so once the list reloads.
func TestMobileUserPageFollowsReload(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	p := f.openUser(t, "erin@acme.example")
	if locked := p.details.values[4].Text; !strings.HasPrefix(locked, "Until ") {
		t.Fatalf("Locked = %q, want Until …", locked)
	}
	f.o.Exec(t, `UPDATE resetdesk.users SET locked_until = NULL, status = 'deactivated' WHERE primary_email = 'erin@acme.example'`)
	f.m.users.reload()
	equal(t, "Locked", p.details.values[4].Text, "No")
	equal(t, "Status", p.details.values[2].Text, "Deactivated")
}

// A password the policy refuses: the strength line says why as it is typed,
// turns red when Reset Password is tapped (and no pop-up opens), and a
// regenerated password clears it.
func TestMobileWeakPassword(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	p := f.openUser(t, "alice@acme.example")
	test.Tap(p.reset)
	r := f.m.lastReset
	r.password.SetText("aaaaaaaaaaaaaaaa")
	equal(t, "warned while typing", r.strength.Importance, widget.WarningImportance)
	refusal := r.strength.Text
	test.Tap(r.reset)
	equal(t, "no pop-up", r.confirmDialog == nil, true)
	equal(t, "refused in red", r.strength.Importance, widget.DangerImportance)
	equal(t, "the same sentence", r.strength.Text, refusal)
	test.Tap(r.regenerate)
	equal(t, "regenerated", r.strength.Importance, widget.SuccessImportance)
	if !strings.HasPrefix(r.strength.Text, "Strong: ") {
		t.Errorf("strength = %q", r.strength.Text)
	}
}

// 2.21: on iOS a page's title sits in the middle of the screen, whatever
// the widths of the back button and the actions beside it; a title too
// long for that room keeps to the room between them. Android keeps its
// title at the left, after the back button.
func TestMobileTitleCentredOnIOS(t *testing.T) {
	for _, platform := range []string{platformIOS, platformAndroid} {
		t.Run(platform, func(t *testing.T) {
			f := newMobileFixture(t, platform, nil)
			m := f.m
			d := fyne.CurrentApp().Driver()
			// The screen: the page stack's view, all of the window but
			// the test canvas's padding.
			view := d.AbsolutePositionForObject(m.nav.view)
			win := fyne.NewSize(view.X+m.nav.view.Size().Width, 0)
			middle := view.X + m.nav.view.Size().Width/2
			check := func(page string) {
				t.Helper()
				pos, size := d.AbsolutePositionForObject(m.nav.title), m.nav.title.Size()
				back := d.AbsolutePositionForObject(m.nav.back).X + m.nav.back.Size().Width
				if !m.nav.back.Visible() {
					back = 0
				}
				if pos.X < back {
					t.Errorf("%s: the title starts at %v, over the back button (to %v)", page, pos.X, back)
				}
				if actions := d.AbsolutePositionForObject(m.nav.actions).X; len(m.nav.actions.Objects) > 0 && pos.X+size.Width > actions {
					t.Errorf("%s: the title ends at %v, over the actions (from %v)", page, pos.X+size.Width, actions)
				}
				centre := pos.X + size.Width/2
				if platform == platformIOS {
					equal(t, page+": alignment", m.nav.title.Alignment, fyne.TextAlignCenter)
					if d := centre - middle; d < -0.5 || d > 0.5 {
						t.Errorf("%s: the title's centre is %v, the screen's %v", page, centre, middle)
					}
				} else {
					equal(t, page+": alignment", m.nav.title.Alignment, fyne.TextAlignLeading)
					if pos.X > back+2*theme.Padding() {
						t.Errorf("%s: the title starts at %v, not after the back button (%v)", page, pos.X, back)
					}
				}
			}
			check("home")
			test.Tap(m.home.entry)
			check("users")
			f.openUser(t, "alice@acme.example")
			check("user")
			if platform == platformIOS {
				// A title longer than the room centred: between the sides.
				m.nav.push(&mobilePage{title: strings.Repeat("A long title ", 6), content: widget.NewLabel("")})
				pos, size := d.AbsolutePositionForObject(m.nav.title), m.nav.title.Size()
				back := d.AbsolutePositionForObject(m.nav.back).X + m.nav.back.Size().Width
				if pos.X < back || pos.X+size.Width > win.Width {
					t.Errorf("long title: from %v to %v, the back button ends at %v, the screen at %v", pos.X, pos.X+size.Width, back, win.Width)
				}
			}
		})
	}
}
