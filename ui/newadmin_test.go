package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// Stories for what trying the app as a brand-new office admin found on
// the demo with the office mail relay (notes/newadmin/findings.md); each
// names its item.

// C: signing out of the demo shows its long hint (the password, where the
// mail lands, "choose I have a one-time password below"); the end user's
// buttons under it can still be reached in the first window's size.
func TestSignInAfterDemoReachesTheEndUserButtons(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	u := mustURL(t, f.o.OwnerURL)
	port, _ := strconv.Atoi(u.Port())
	f.c.sess.Again = Profile{Name: "Demo: Acme Test", Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"),
		Role: u.User.Username(), Temporary: true}
	f.c.sess.AgainHint = "The demo's console roles (demo_owner and the other admins) all have the password northwind-demo. " +
		"To finish a one-time reset as the user would, choose \"I have a one-time password\" below and type the code " +
		"from the newest mail in /home/someone/.cache/resetdesk/demo-mail."
	f.c.onSignOut()
	f.c.confirmSignOut.Confirm()
	s := f.d.signIn
	s.view.(*container.Scroll).ScrollToBottom()
	winH := f.d.win.Canvas().Size().Height
	for _, b := range []fyne.CanvasObject{s.endUserCode, s.endUserTemporary} {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		if !b.Visible() || pos.Y+b.Size().Height > winH+0.5 || b.Size().Height < 1 {
			t.Errorf("end user's button at y %v, %v tall: below the window (%v tall) after scrolling to the bottom", pos.Y, b.Size().Height, winH)
		}
	}
	test.Tap(s.endUserCode)
	if f.d.endUser == nil {
		t.Fatal(`"I have a one-time password" opened nothing`)
	}
}

// E: a mistyped password at sign-in after the demo shows the refusal in
// place of the demo's hint; once the admin types again, the hint (with the
// demo's password) is back, and a right password signs in.
func TestSignInHintComesBackAfterARefusal(t *testing.T) {
	f := newFixture(t)
	u := mustURL(t, f.o.OwnerURL)
	port, _ := strconv.Atoi(u.Port())
	const hint = "The demo's console roles all have the password northwind-demo."
	f.c.sess.Again = Profile{Name: "Demo: Acme Test", Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"),
		Role: u.User.Username(), Temporary: true}
	f.c.sess.AgainHint = hint
	f.c.onSignOut()
	f.c.confirmSignOut.Confirm()
	s := f.d.signIn
	equal(t, "hint after sign-out", s.status.Text, hint)
	test.Type(s.password, "not-the-password")
	test.Tap(s.signIn)
	if s.status.Text == hint || !strings.Contains(s.status.Text, "refused the password") {
		t.Fatalf("a wrong password says %q", s.status.Text)
	}
	s.password.SetText("")
	equal(t, "hint back once the admin types again", s.status.Text, hint)
	test.Type(s.password, f.o.Password)
	test.Tap(s.signIn)
	if f.d.console == nil {
		t.Fatalf("not signed in: %s", s.status.Text)
	}
}

// D: the end user's form says a refused password's reason once, in red,
// not again in the policy line above it; the policy line speaks to the
// user ("your name"), and comes back with the next keystroke.
func TestEndUserRefusalSaysItOnce(t *testing.T) {
	f := newFixture(t)
	f.setUpSelfService(t)
	code := f.resetOneTime(t, "alice@acme.example")
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	const short = "The password is too short: use at least 15 characters."
	fillEndUser(e, "alice@acme.example", code, "short1", "short1")
	equal(t, "policy line while typing", e.strength.Text, short)
	test.Tap(e.submit)
	equal(t, "refusal", e.status.Text, short)
	equal(t, "refusal shows", e.status.Visible(), true)
	equal(t, "policy line gives way to the refusal", e.strength.Visible(), false)
	test.Type(e.password, "-alice-in-wonderland")
	equal(t, "policy line back", e.strength.Visible(), true)
	equal(t, "in the user's words", e.strength.Text, "The password contains your name or email address: choose one that does not.")
}

// M: the owner saved a self-service set-up in the demo's Settings on a
// computer without a keychain; after ResetDesk started again its password
// is gone, but the demo's session brings its own self-service login for
// the same database: a user can still finish a one-time reset.
func TestDemoEndUserOutlivesASetUpWithoutItsPassword(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	demo := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	f.d.selfService = demo // what the demo's session carries
	saved := demo
	saved.Login, saved.Password = "frontdesk", ""
	saveSelfServiceSetup(f.app.Preferences(), saved) // an earlier run's, its password gone with that run
	code := f.resetOneTime(t, "alice@acme.example")
	bobsCode := f.resetOneTime(t, "bob@acme.example")
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	equal(t, "refusal", e.status.Text, "")
	equal(t, "done", e.doneBox.Visible(), true)
	if !f.passwordWorks(t, "alice@acme.example", good) {
		t.Error("the new password does not work")
	}

	// A set-up saved in an earlier demo, whose server had another port:
	// this demo's users finish with this demo's own login.
	other := demo
	other.Port, other.Login, other.Password = 1, "frontdesk", ""
	saveSelfServiceSetup(f.app.Preferences(), other)
	test.Tap(e.doneBack)
	test.Tap(f.d.signIn.endUserCode)
	e = f.d.endUser
	fillEndUser(e, "bob@acme.example", bobsCode, good, good)
	test.Tap(e.submit)
	equal(t, "an earlier demo's set-up: refusal", e.status.Text, "")
	if !f.passwordWorks(t, "bob@acme.example", good) {
		t.Error("bob's new password does not work")
	}
}

// Outside the demo a set-up whose password is gone still says so.
func TestEndUserSetUpWithoutItsPassword(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	saveSelfServiceSetup(f.app.Preferences(), app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: "frontdesk"})
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	equal(t, "password gone", e.notSetUp.Text, passwordGoneSentence)
	equal(t, "said at once", e.notSetUp.Visible(), true)
	equal(t, "import offered", e.importer.Visible(), true)
	equal(t, "nothing to submit", e.submit.Disabled(), true)
}

// P: a user's wrong one-time password shows in Audit as refused, not as
// "User's new password", and does not count it out of 5: only near misses
// use a code up.
func TestAuditSaysARefusedCodeIsRefused(t *testing.T) {
	f := newFixture(t)
	setup := f.setUpSelfService(t)
	code := f.resetOneTime(t, "alice@acme.example")
	wrong := "AAAAA-BBBBB"
	if wrong == code {
		wrong = "CCCCC-DDDDD"
	}
	c, err := f.backend.OpenSelfService(context.Background(), setup)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const good = "Purple-kettle-drums-at-noon"
	for range 6 {
		if st, err := app.CompleteReset(context.Background(), c, app.SelfServiceRequest{Login: "alice@acme.example", Secret: wrong, NewPassword: good, Again: good}); err != nil || st == app.CompletionOK {
			t.Fatalf("a wrong code: %v %v", st, err)
		}
	}
	f.c.show(screenAudit)
	a := f.c.audit
	a.reload()
	var refused int
	for i, e := range a.events {
		if e.Action != "complete_reset" {
			continue
		}
		refused++
		equal(t, "action", a.table.text(i, 2), "One-time password refused")
		if d := a.table.text(i, 4); strings.Contains(d, "of 5") || !strings.HasPrefix(d, "Wrong one-time password") {
			t.Errorf("details %q", d)
		}
	}
	equal(t, "refused tries listed", refused, 6)
	// The right code after six wrong ones still works: they were no near misses
	// (or, one time in 4,096 each, one was).
	if st, err := app.CompleteReset(context.Background(), c, app.SelfServiceRequest{Login: "alice@acme.example", Secret: code, NewPassword: good, Again: good}); err != nil {
		t.Fatal(err)
	} else if st == app.CompletionOK {
		a.reload()
		equal(t, "the right code", a.table.text(0, 2), "User's new password")
	}
}

// F: on the admin's dialog, the user's form grows with a refusal: "Close
// without a new password" stays in view, not below the dialog's scroll,
// while the window has room.
func TestHandOverRefusalKeepsCloseInView(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.resetForm.handOver)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	h := r.handOverForm
	if h == nil {
		t.Fatalf("no hand-over form: %q", r.status.Text)
	}
	test.Type(h.password, "Copper-Kettle-Morning-9")
	test.Type(h.again, "Copper-Kettle-Morning-8")
	test.Tap(h.submit)
	equal(t, "refusal", h.status.Text, "The two new passwords differ: type the same password twice.")
	if need, has := r.scroll.Content.MinSize().Height, r.scroll.Size().Height; need > has+0.5 {
		t.Errorf("the user's form needs %v, the dialog shows %v: 'Close without a new password' is below the scroll", need, has)
	}
}

// Q: at FYNE_SCALE=1.5 the first window is 733x480 pt (1100x720 pixels);
// every console screen fits it, so the window never widens by itself when
// the admin opens Audit or Settings.
func TestConsoleScreensFitTheFirstWindowAtScale15(t *testing.T) {
	f := newFixture(t)
	size := firstWindowSize(1.5)
	f.d.win.Resize(size)
	for _, id := range []screenID{screenUsers, screenAudit, screenMail, screenSettings} {
		f.c.show(id)
		if w := f.d.win.Content().MinSize().Width; w > size.Width+0.5 {
			t.Errorf("%s needs %v pt wide, the window is %v", id, w, size.Width)
		}
	}
}

// O: the sign-out question is a sentence and two buttons, without Fyne's
// large question mark drawn under its last words.
func TestSignOutQuestionHasNoIconUnderItsWords(t *testing.T) {
	f := newFixture(t)
	f.c.onSignOut()
	overlay := f.d.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no question")
	}
	var sentence bool
	for _, o := range test.LaidOutObjects(overlay) {
		switch x := o.(type) {
		case *canvas.Image:
			if x.Resource != nil && x.Resource.Name() == theme.QuestionIcon().Name() {
				t.Error("the question mark is drawn behind the sentence")
			}
		case *widget.Label:
			sentence = sentence || x.Text == f.c.signOutQuestion()
		}
	}
	equal(t, "the sentence shows", sentence, true)
	f.c.confirmSignOut.Confirm()
	equal(t, "signed out", f.d.console == nil, true)
}

// R: a refused admin password leaves the field empty and focused, so the
// password typed again is not added after the refused one (each such try
// was refused too and brought the lock nearer); the right one then resets.
func TestWrongAdminPasswordEmptiesTheField(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, "not-my-password")
	test.Tap(r.confirm)
	if !strings.HasPrefix(r.status.Text, "That is not your password") {
		t.Fatalf("refusal: %q", r.status.Text)
	}
	equal(t, "field emptied", r.verify.Text, "")
	equal(t, "field focused", f.d.win.Canvas().Focused() == fyne.Focusable(r.verify), true)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if !r.outcomeBox.Visible() {
		t.Fatalf("the right password did not reset: %q", r.status.Text)
	}
}

// T: after "Import set-up…" works, the form no longer shows the refusal
// that sent the user there ("…Import the set-up again…") but what the
// import did; the next try reaches the database.
func TestImportSetUpClearsTheRefusal(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	saved := setup
	saved.Password = ""
	saveSelfServiceSetup(f.app.Preferences(), saved) // an earlier run's: its password is gone
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "bob@acme.example", "ABCDE-FGHJK", good, good)
	equal(t, "forgotten", e.notSetUp.Text, passwordGoneSentence)
	test.Tap(e.importer)
	e.imported.text.SetText(setup.Encode(true))
	test.Tap(e.imported.save)
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(setup)) })
	if e.status.Text == app.ErrorMessage(errPasswordForgotten) || e.status.Importance == widget.DangerImportance {
		t.Errorf("after the import the form still says %q", e.status.Text)
	}
	if !strings.Contains(e.status.Text, "Self-service works on this device") {
		t.Errorf("the import's sentence is not shown: %q", e.status.Text)
	}
	equal(t, "ready", e.notSetUp.Visible(), false)
	test.Tap(e.submit)
	equal(t, "the database answers", e.status.Text, app.CompletionInvalid.Sentence())
}

// U, on a desktop: the keychain answers, off the window's goroutine, that
// it holds no password for the saved set-up (a desktop without a Secret
// Service keeps it only for the run): the form says so when it opens.
func TestKioskSaysAtOnceTheKeychainHasNoPassword(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	saveSelfServiceSetup(f.app.Preferences(), app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: "frontdesk"})
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	equal(t, "password gone", e.notSetUp.Text, passwordGoneSentence)
	equal(t, "said at once", e.notSetUp.Visible(), true)
	equal(t, "nothing to submit", e.submit.Disabled(), true)

	// With the password in the keychain the form is ready.
	f.setUpSelfService(t)
	test.Tap(e.back)
	test.Tap(f.d.signIn.endUserCode)
	e = f.d.endUser
	equal(t, "ready", e.notSetUp.Visible(), false)
	equal(t, "submit on", e.submit.Disabled(), false)
}

// 14: in the demo, whose sign-in is never saved, Settings' connection
// profiles do not promise that signing in saves one.
func TestDemoProfilesDoNotPromiseASave(t *testing.T) {
	f := newFixture(t)
	f.c.sess.Again = Profile{Name: "Demo: Acme Test", Temporary: true}
	s := newSettingsScreen(f.c)
	if strings.Contains(s.profileNote.Text, "Signing in saves one") || !strings.Contains(s.profileNote.Text, "The demo saves none") {
		t.Errorf("the demo's profiles note says %q", s.profileNote.Text)
	}
}

// Left 5: with no keychain, the card's password field does not claim the
// keychain keeps the password, before or after Save and test.
func TestSelfServiceCardWithoutKeychainSaysMemory(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	f.c.show(screenSettings)
	s := f.c.settings.selfService
	if strings.Contains(s.password.PlaceHolder, "keychain") && !strings.Contains(s.password.PlaceHolder, "no keychain") {
		t.Errorf("before saving, the placeholder says %q", s.password.PlaceHolder)
	}
	s.host.SetText(u.Hostname())
	s.port.SetText(u.Port())
	s.database.SetText(strings.TrimPrefix(u.Path, "/"))
	s.login.SetText(u.User.Username())
	s.password.SetText(pw)
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(loadSelfServiceSetup(f.app.Preferences()))) })
	test.Tap(s.save)
	if !strings.Contains(s.note.Text, "no keychain") {
		t.Fatalf("saved: %q", s.note.Text)
	}
	equal(t, "placeholder after saving", s.password.PlaceHolder, "Kept until ResetDesk closes (no keychain)")
}

// Left 3: the bulk results of a one-time reset while no relay runs: the
// Mail cells say "queued" whole, not "queued for the of…", and the Password
// cells say the password is in the mail instead of nothing; the chosen
// row's detail has the whole sentence.
func TestBulkResultsShortMailAndOneTimePassword(t *testing.T) {
	f := newFixture(t)
	f.c.show(screenSettings)
	test.Tap(f.c.settings.mailRelay)
	test.Tap(f.c.settings.policiesSave)
	equal(t, "relay on", f.c.org.MailRelay, true)
	b := openBulkReset(f.c, []app.User{f.users["bob@acme.example"], f.users["erin@acme.example"]})
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "bulk summary", b.summary.Text, "2 reset, 0 skipped.")
	// What a cell shows is what the table's UpdateCell puts in its label.
	shown := func(row, col int) string {
		l := b.table.CreateCell()
		b.table.UpdateCell(widget.TableCellID{Row: row, Col: col}, l)
		return l.(*widget.Label).Text
	}
	for row := range 2 {
		equal(t, "Mail cell", shown(row, bulkColMail), "queued")
		equal(t, "Password cell", shown(row, bulkColPassword), "in the mail")
	}
	b.table.Select(widget.TableCellID{Row: 0, Col: 0})
	if !strings.Contains(b.table.detail.Text, "Mail: "+queuedSentence) || !strings.Contains(b.table.detail.Text, "Password: in the mail") {
		t.Errorf("detail: %q", b.table.detail.Text)
	}
}

// 10: with FYNE_THEME set, Settings' theme says that the variable, not
// the system, decides what System shows; without it, nothing is said.
func TestThemeSaysTheVariableDecides(t *testing.T) {
	f := newFixture(t)
	t.Setenv("FYNE_THEME", "light")
	s := newSettingsScreen(f.c)
	if !strings.Contains(s.themeNote.Text, "FYNE_THEME=light") {
		t.Errorf("with FYNE_THEME=light the theme's hint is %q", s.themeNote.Text)
	}
	w := test.NewWindow(s.view)
	defer w.Close()
	w.Resize(fyne.NewSize(1100, 720))
	if s.themeNote.Size().Height < 1 || s.themeNote.Size().Width < 1 {
		t.Errorf("the theme's note is not on the page: %v", s.themeNote.Size())
	}
	t.Setenv("FYNE_THEME", "")
	s = newSettingsScreen(f.c)
	equal(t, "hint without the variable", s.themeNote.Text, "")
}

// 8: the audit log's filter placeholders are whole in the first window at
// scale 1.5 (1100x720 pixels, 733x480 units).
func TestAuditPlaceholdersFitAtScale15(t *testing.T) {
	f := newFixture(t)
	s := newAuditScreen(f.c)
	w := test.NewWindow(s.view)
	defer w.Close()
	w.Resize(fyne.NewSize(733, 480))
	for _, e := range []*consoleEntry{s.actor, s.user} {
		need := fyne.MeasureText(e.PlaceHolder, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
		if need > e.Size().Width {
			t.Errorf("placeholder %q needs %v units, its field is %v wide", e.PlaceHolder, need, e.Size().Width)
		}
	}
}

// Left 17: a set-up line pasted into Import shows its password masked,
// says the login and that the password is in it, and does not ask for
// the password; a line without one still asks.
func TestImportSetUpMasksThePassword(t *testing.T) {
	f := newFixture(t)
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	test.Tap(e.importer)
	im := e.imported
	shows := func(s string) bool {
		for _, o := range test.LaidOutObjects(f.d.win.Canvas().Overlays().Top()) {
			if t, ok := o.(*canvas.Text); ok && o.Visible() && strings.Contains(t.Text, s) {
				return true
			}
		}
		return false
	}
	im.text.SetText(setup.Encode(false))
	equal(t, "password asked without one", im.password.Visible(), true)
	im.text.SetText(setup.Encode(true))
	if shows(pw) || !im.text.Password {
		t.Error("the pasted line's password shows in clear")
	}
	equal(t, "login said", im.login.Text, "Self-service login "+setup.Login+", its password included.")
	equal(t, "no password asked", im.asked.Visible(), false)
	test.Tap(im.save)
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(setup)) })
	equal(t, "imported", e.notSetUp.Visible(), false)
}

// Left 4: the demo's session brings its own self-service login: Settings'
// card offers it (the login shown, the password kept in memory), and a
// QR code for another device can be tried without the command line: it
// carries a sign-in of its own, named after the demo's. Nothing is saved.
func TestSelfServiceCardOffersTheDemosLogin(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter, SelfService: setup}
	d := newDesktop(f.app, f.backend, &sess, testOptions())
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	d.console.show(screenSettings)
	s := d.console.settings.selfService
	equal(t, "login offered", s.login.Text, setup.Login)
	equal(t, "host", s.host.Text, setup.Host)
	equal(t, "password not shown", s.password.Text, "")
	test.Type(s.deviceName, "front desk")
	test.Tap(s.exportQR)
	if s.qr == nil {
		t.Fatalf("no QR code: %s", s.deviceNote.Text)
	}
	text, err := readQR(s.qr.Image)
	if err != nil {
		t.Fatal(err)
	}
	read := deviceSetupOf(t, text, setup, setup.Login+"_front_desk", setup.Password)
	if err := deviceSignsIn(read); err != nil {
		t.Errorf("the QR code's sign-in: %s", app.ErrorMessage(err))
	}
	equal(t, "nothing saved", loadSelfServiceSetup(f.app.Preferences()).Host, "")
}

// Left 2: the bulk dialog in the first window's size with three users:
// the admin's password field and Confirm are in view without scrolling
// the options.
func TestBulkVerificationInView(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"], f.users["bob@acme.example"], f.users["erin@acme.example"]})
	drv := fyne.CurrentApp().Driver()
	v, c := drv.AbsolutePositionForObject(b.verify), drv.AbsolutePositionForObject(b.confirm)
	winH := f.d.win.Canvas().Size().Height
	if !b.verify.Visible() || b.verify.Size().Height < 1 || v.Y+b.verify.Size().Height > c.Y || c.Y+b.confirm.Size().Height > winH {
		t.Errorf("password field at y %v (%v tall), Confirm at y %v, window %v tall: not both in view", v.Y, b.verify.Size().Height, c.Y, winH)
	}
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "reset", b.summary.Text, "3 reset, 0 skipped.")
}
