package ui

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/data"
)

// OpenSelfService connects as main does, with the real data package.
func (b *testBackend) OpenSelfService(ctx context.Context, s app.SelfServiceSetup) (SelfServiceConn, error) {
	return data.OpenSelfService(ctx, s)
}

// setUpSelfService saves the test org's self-service login as this
// computer's set-up, its password in a keychain in memory.
func (f *fixture) setUpSelfService(t *testing.T) app.SelfServiceSetup {
	t.Helper()
	u := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	s := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	if f.backend.keychain == nil {
		f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	}
	if _, err := storeSelfServiceSetup(f.backend, f.app.Preferences(), s); err != nil {
		t.Fatalf("set up self-service: %v", err)
	}
	return s
}

var mailCodeRE = regexp.MustCompile(`\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b`)

// lastCode is the one-time password in the newest message to to.
func (f *fixture) lastCode(t *testing.T, to string) string {
	t.Helper()
	msgs := f.sink.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To[0] == to {
			if c := mailCodeRE.FindString(string(msgs[i].Data)); c != "" {
				return c
			}
		}
	}
	t.Fatalf("no one-time password was mailed to %s", to)
	return ""
}

// resetOneTime has the owner email alice a one-time password, through the
// reset dialog.
func (f *fixture) resetOneTime(t *testing.T, email string) string {
	t.Helper()
	r := openResetDialog(f.c, f.users[email])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if !strings.HasSuffix(r.outcome.Text, "was reset.") {
		t.Fatalf("reset %s: %q %q", email, r.outcome.Text, r.status.Text)
	}
	r.onClose()
	return f.lastCode(t, email)
}

// fillEndUser types into the end user's form as a user would.
func fillEndUser(e *endUserForm, login, secret, pw, again string) {
	for _, x := range []struct {
		entry *widget.Entry
		text  string
	}{{e.login, login}, {e.secret, secret}, {e.password, pw}, {e.again, again}} {
		x.entry.SetText("")
		test.Type(x.entry, x.text)
	}
}

// passwordWorks reports whether pw is email's password now.
func (f *fixture) passwordWorks(t *testing.T, email, pw string) bool {
	t.Helper()
	db, err := sql.Open("postgres", f.o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var h sql.NullString // NULL while a one-time password is out
	if err := db.QueryRow(`SELECT password_hash FROM resetdesk.users WHERE primary_email = $1`, email).Scan(&h); err != nil {
		t.Fatal(err)
	}
	ok, err := app.VerifyPassword(h.String, pw)
	return err == nil && ok
}

// The desktop story of "I have a one-time password": the admin resets
// Alice, signs out; Alice opens the form from the sign-in screen and gets
// a sentence for each mistake, with what she typed kept, then sets her
// password with the code typed in lower case without the dash.
func TestStoryEndUserOneTimePassword(t *testing.T) {
	f := newFixture(t)
	f.setUpSelfService(t)
	code := f.resetOneTime(t, "alice@acme.example")
	f.d.signOut()
	equal(t, "entry offered", f.d.signIn.endUserCode.Visible(), true)
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	if e == nil || f.d.showing() != e.view {
		t.Fatal("the end user's form does not show")
	}
	equal(t, "title", e.title.Text, endUserCodeLabel)
	equal(t, "set up", e.notSetUp.Visible(), false)

	const good = "Purple-kettle-drums-at-noon"
	wrong := "AAAAA-BBBBB"
	if wrong == code {
		wrong = "CCCCC-DDDDD"
	}
	// The live policy line is the admins' one: the org's minimum, the
	// user's name.
	fillEndUser(e, "alice@acme.example", code, "short", "")
	equal(t, "short", e.strength.Text, "The password is too short: use at least 15 characters.")
	test.Type(e.password, "-alice-in-wonderland")
	equal(t, "name", e.strength.Text, "The password contains your name or email address: choose one that does not.")

	invalid := app.CompletionInvalid.Sentence()
	cases := []struct {
		name                     string
		login, secret, pw, again string
		want                     string
	}{
		{"differ", "alice@acme.example", code, good, good + "!", "The two new passwords differ: type the same password twice."},
		{"weak", "alice@acme.example", code, "password1234567890", "password1234567890",
			"The password is on a list of commonly used passwords: choose one that is harder to guess."},
		{"name", "alice@acme.example", code, "alice-in-wonderland-9", "alice-in-wonderland-9",
			"The password contains your name or email address: choose one that does not."},
		{"wrong code", "alice@acme.example", wrong, good, good, invalid},
		{"unknown login", "nobody@acme.example", code, good, good, invalid},
	}
	for _, c := range cases {
		fillEndUser(e, c.login, c.secret, c.pw, c.again)
		test.Tap(e.submit)
		equal(t, c.name, e.status.Text, c.want)
		equal(t, c.name+": login kept", e.login.Text, c.login)
		equal(t, c.name+": code kept", e.secret.Text, c.secret)
		equal(t, c.name+": password kept", e.again.Text, c.again)
		equal(t, c.name+": form still there", e.formBox.Visible(), true)
	}
	if f.passwordWorks(t, "alice@acme.example", good) {
		t.Fatal("a refused attempt set the password")
	}

	// The code in lower case, without its dash, with a space: it works.
	typed := strings.ToLower(code[:5]) + " " + strings.ToLower(code[6:])
	fillEndUser(e, "Alice@Acme.Example", typed, good, good)
	test.Tap(e.submit)
	equal(t, "status", e.status.Text, "")
	equal(t, "done", e.done.Text, "Your new password is set. Sign in to your mail with it.")
	equal(t, "done shows", e.doneBox.Visible(), true)
	equal(t, "form gone", e.formBox.Visible(), false)
	equal(t, "passwords forgotten", e.password.Text+e.again.Text+e.secret.Text, "")
	if !f.passwordWorks(t, "alice@acme.example", good) {
		t.Error("the new password does not work")
	}
	// The code is used: the same again is refused.
	test.Tap(e.doneBack)
	if f.d.showing() != f.d.signIn.view {
		t.Error("Done does not go back to the sign-in screen")
	}
	test.Tap(f.d.signIn.endUserCode)
	e = f.d.endUser
	fillEndUser(e, "alice@acme.example", code, good+"2", good+"2")
	test.Tap(e.submit)
	equal(t, "used code", e.status.Text, invalid)
}

// Changing a temporary password: the admin sets one (must change, not
// emailed) and hands it over; the user replaces it. An expired one is
// refused with its own sentence.
func TestStoryEndUserTemporaryPassword(t *testing.T) {
	f := newFixture(t)
	f.setUpSelfService(t)
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	r.emailPassword.SetChecked(false)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	temp, aliceTemp := r.result.Password, ""
	if temp == "" {
		t.Fatalf("no password to hand over: %q %q", r.outcome.Text, r.status.Text)
	}
	r.onClose()
	// Alice's temporary password will be past its time.
	r = openResetDialog(f.c, f.users["alice@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	r.emailPassword.SetChecked(false)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if aliceTemp = r.result.Password; aliceTemp == "" {
		t.Fatalf("no password to hand over: %q %q", r.outcome.Text, r.status.Text)
	}
	r.onClose()
	f.d.signOut()
	test.Tap(f.d.signIn.endUserTemporary)
	e := f.d.endUser
	equal(t, "title", e.title.Text, endUserTemporaryLabel)
	equal(t, "temporary password hidden", e.secret.Password, true)

	const good = "Seven-green-lanterns-glow"
	fillEndUser(e, "bob@acme.example", temp+"x", good, good)
	test.Tap(e.submit)
	equal(t, "wrong temporary password", e.status.Text, app.CompletionInvalid.ChangeSentence())

	fillEndUser(e, "bob@acme.example", temp, good, good)
	test.Tap(e.submit)
	equal(t, "status", e.status.Text, "")
	equal(t, "done", e.done.Text, app.CompletionOK.ChangeSentence())
	if !f.passwordWorks(t, "bob@acme.example", good) {
		t.Error("the new password does not work")
	}
	if f.passwordWorks(t, "bob@acme.example", temp) {
		t.Error("the temporary password still works")
	}
	u := f.user(t, "bob@acme.example")
	equal(t, "must change cleared", u.MustChangePassword, false)
	equal(t, "no expiry", u.PasswordExpiresAt.IsZero(), true)

	f.o.Exec(t, `UPDATE resetdesk.users SET password_expires_at = now() - interval '1 minute' WHERE primary_email = 'alice@acme.example'`)
	test.Tap(e.doneBack)
	test.Tap(f.d.signIn.endUserTemporary)
	e = f.d.endUser
	// A temporary password past its time cannot be changed.
	fillEndUser(e, "alice@acme.example", aliceTemp, good, good)
	test.Tap(e.submit)
	equal(t, "expired", e.status.Text, app.CompletionExpired.ChangeSentence())
}

// What the end user reads when the computer cannot do it: no set-up, a
// database that is down (the form keeps what was typed), a login that may
// not complete resets.
func TestEndUserFormRefusals(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	equal(t, "not set up", e.notSetUp.Visible(), true)
	equal(t, "import offered", e.importer.Visible(), true)
	equal(t, "submit off", e.submit.Disabled(), true)

	// Import the set-up as a phone would: the line pasted, without the
	// password, which the dialog then asks for.
	s := f.setUpSelfService(t)
	f.app.Preferences().SetString(PrefSelfServiceHost, "")
	e.showSetUp()
	test.Tap(e.importer)
	im := e.imported
	test.Type(im.text, s.Encode(false))
	test.Tap(im.save)
	equal(t, "password asked", im.note.Text, "This set-up leaves the self-service login's password out: ask the office for it and type it below.")
	test.Type(im.password, s.Password)
	test.Tap(im.save)
	equal(t, "set up now", e.notSetUp.Visible(), false)
	equal(t, "submit on", e.submit.Disabled(), false)

	// The server is down.
	prefs := f.app.Preferences()
	prefs.SetInt(PrefSelfServicePort, freePort(t))
	fillEndUser(e, "alice@acme.example", "ABCDE-FGHJK", "Purple-kettle-drums-at-noon", "Purple-kettle-drums-at-noon")
	test.Tap(e.submit)
	equal(t, "down", e.status.Text, "The directory cannot be reached right now, so nothing changed. Try again in a moment; if it goes on, call the office.")
	equal(t, "kept", e.login.Text+" "+e.secret.Text+" "+e.again.Text, "alice@acme.example ABCDE-FGHJK Purple-kettle-drums-at-noon")
	prefs.SetInt(PrefSelfServicePort, s.Port)

	// A console role set up as the self-service login by mistake.
	owner := mustURL(t, f.o.OwnerURL)
	pw, _ := owner.User.Password()
	prefs.SetString(PrefSelfServiceLogin, owner.User.Username())
	f.backend.keychain.Set(KeychainService, selfServiceKeychainUser(loadSelfServiceSetup(prefs)), pw)
	test.Tap(e.submit)
	equal(t, "not allowed", e.status.Text, "This computer's self-service login may not set passwords, so nothing changed. Ask the office to check its self-service set-up.")
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The phone: the same form from the sign-in page, its button a finger-tall
// bar.
func TestStoryEndUserOnPhone(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	f.setUpSelfService(t)
	code := f.resetOneTime(t, "alice@acme.example")
	f.m.signOut()
	test.Tap(f.m.signIn.endUserCode)
	e := f.m.host.endUser
	if e == nil {
		t.Fatal("no end user's form")
	}
	if h := e.submit.Size().Height; h < fingerSize() {
		t.Errorf("the button is %v tall", h)
	}
	const good = "Quiet-harbour-lights-at-dusk"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	equal(t, "done", e.done.Text, "Your new password is set. Sign in to your mail with it.")
	if !f.passwordWorks(t, "alice@acme.example", good) {
		t.Error("the new password does not work")
	}
	test.Tap(e.doneBack)
	equal(t, "back at sign-in", f.m.host.endUser == nil, true)
}

// `resetdesk self-service`: the forms alone; Done clears them for the next
// person, and the other form is one tap away.
func TestSelfServiceWindow(t *testing.T) {
	f := newFixture(t)
	f.setUpSelfService(t)
	code := f.resetOneTime(t, "alice@acme.example")
	w := newSelfService(f.app, f.backend, false, testOptions())
	e := w.form
	if w.win.Content() != e.view {
		t.Fatal("the window does not show the form")
	}
	equal(t, "no way back to a sign-in", e.back.Visible(), false)
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	equal(t, "done", e.doneBox.Visible(), true)
	test.Tap(e.doneBack)
	equal(t, "ready for the next person", e.formBox.Visible(), true)
	equal(t, "emptied", e.login.Text+e.secret.Text+e.password.Text+e.again.Text, "")
	test.Tap(e.other)
	equal(t, "other form", e.title.Text, endUserTemporaryLabel)
	if !f.passwordWorks(t, "alice@acme.example", good) {
		t.Error("the new password does not work")
	}
}

// Settings: the owner saves this computer's set-up (tested on the spot),
// then sets up the reception with a QR code and Maria's phone with a file.
// Each export makes a sign-in (a self-service login) for that device
// alone, with a new password that only the export carries; a name taken
// or unfit for a login is refused with a sentence. The list shows the
// sign-ins and when each was used; the reception's is taken back while
// the phone's keeps working.
func TestSettingsSelfServiceExport(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	want := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	f.c.show(screenSettings)
	s := f.c.settings.selfService
	s.host.SetText(want.Host)
	s.port.SetText(u.Port())
	s.database.SetText(want.Database)
	s.login.SetText(want.Login)
	test.Tap(s.save)
	equal(t, "no password", s.note.Text, "Enter the self-service login's password.")
	test.Type(s.password, "wrong")
	test.Tap(s.save)
	if !strings.HasPrefix(s.note.Text, "Not saved: ") {
		t.Errorf("wrong password: %q", s.note.Text)
	}
	equal(t, "wrong password: nothing saved", loadSelfServiceSetup(f.app.Preferences()).Host, "")
	s.password.SetText(pw)
	test.Tap(s.save)
	equal(t, "saved", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	equal(t, "password not in the form", s.password.Text, "")
	got := loadSelfServiceSetup(f.app.Preferences())
	got.Password, _ = f.backend.keychain.Get(KeychainService, selfServiceKeychainUser(got))
	equal(t, "saved set-up", got, want)

	// Reception gets a QR code with a sign-in of its own.
	equal(t, "listed before", len(s.logins), 1)
	test.Type(s.deviceName, "Reception")
	equal(t, "which sign-in", s.deviceLogin.Text, "Its sign-in will be "+want.Login+"_reception.")
	test.Tap(s.exportQR)
	if s.qr == nil {
		t.Fatalf("no QR code: %s", s.deviceNote.Text)
	}
	text, err := readQR(s.qr.Image)
	if err != nil {
		t.Fatal(err)
	}
	reception := deviceSetupOf(t, text, want, want.Login+"_reception", pw)
	equal(t, "said", s.deviceNote.Text, "Made the sign-in "+reception.Login+" for Reception. Its QR code carries the password alone: "+
		"if it was not scanned, take the sign-in back below and make another.")
	equal(t, "name emptied", s.deviceName.Text, "")
	if err := deviceSignsIn(reception); err != nil {
		t.Errorf("the reception's sign-in does not work: %s", app.ErrorMessage(err))
	}
	equal(t, "listed", s.removeOf[reception.Login] != nil, true)
	if d := s.detailOf[reception.Login].Text; !strings.HasSuffix(d, ", never used.") {
		t.Errorf("a new sign-in: %q", d)
	}

	// The same name again, and a name that cannot be part of a login.
	test.Type(s.deviceName, "reception")
	test.Tap(s.exportQR)
	equal(t, "same name", s.deviceNote.Text, "There is already a sign-in named "+reception.Login+
		". Choose another name for this device, or take the old sign-in back first.")
	s.deviceName.SetText("Empfang Büro")
	bad := `Name the device with letters a to z, digits, spaces or dashes: "ü" cannot be part of a login's name.`
	equal(t, "bad name shown", s.deviceLogin.Text, bad)
	test.Tap(s.exportFile)
	equal(t, "bad name", s.deviceNote.Text, bad)
	equal(t, "no file dialog", s.pendingFile == nil, true)

	// Maria's phone gets a file.
	s.deviceName.SetText("maria-phone")
	raw, _ := exportDeviceFile(t, s)
	phone := deviceSetupOf(t, raw, want, want.Login+"_maria_phone", pw)
	if !strings.HasPrefix(raw, "# ResetDesk self-service set-up for "+f.c.org.Name+", made for maria-phone alone (sign-in "+phone.Login+").\n") {
		t.Errorf("the file does not say whose it is")
	}
	if phone.Password == reception.Password {
		t.Error("two devices got the same password")
	}
	if err := deviceSignsIn(phone); err != nil {
		t.Errorf("the phone's sign-in does not work: %s", app.ErrorMessage(err))
	}
	equal(t, "three listed", len(s.logins), 3)
	for _, l := range test.LaidOutObjects(s.card) {
		if l, ok := l.(*widget.Label); ok && (strings.Contains(l.Text, phone.Password) || strings.Contains(l.Text, reception.Password)) {
			t.Error("the card shows a device's password")
		}
	}

	// The reception tries a code: the list says it was used.
	f.resetOneTime(t, "alice@acme.example")
	kiosk, err := data.OpenSelfService(context.Background(), reception)
	if err != nil {
		t.Fatal(app.ErrorMessage(err))
	}
	hash, err := app.HashPassword("Purple-kettle-drums-at-noon")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.CompleteReset(context.Background(), "alice@acme.example", app.HashCode("WRONG-CODES"), hash); err != nil {
		t.Fatal(app.ErrorMessage(err))
	}
	kiosk.Close()
	s.reloadDevices()
	if d := s.detailOf[reception.Login].Text; !strings.Contains(d, ", last used ") {
		t.Errorf("after a try at the reception: %q", d)
	}

	// The reception's sign-in is taken back; the phone's keeps working.
	test.Tap(s.removeOf[reception.Login])
	s.confirmRemove.Confirm()
	equal(t, "taken back", s.deviceNote.Text, reception.Login+" is taken back: it can no longer finish a reset or change a password. The other devices keep working.")
	if err := deviceSignsIn(reception); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("the reception after it was taken back: %v", app.ErrorMessage(err))
	}
	if err := deviceSignsIn(phone); err != nil {
		t.Errorf("the phone after the reception was taken back: %s", app.ErrorMessage(err))
	}
	equal(t, "no longer listed", s.removeOf[reception.Login] == nil, true)
	equal(t, "two listed", len(s.logins), 2)
	var audited int
	if err := rawSuper(t, f).QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'remove_self_service_login' AND details->>'db_role' = $1`,
		reception.Login).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d audit rows for the removal (%v)", audited, err)
	}
}

// The demo's session carries its self-service login: after signing out,
// the end user's form works on a computer with no set-up, and nothing of
// it is saved.
func TestEndUserFormUsesTheSessionsLogin(t *testing.T) {
	f := newFixture(t)
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter, SelfService: setup}
	d := newDesktop(f.app, f.backend, &sess, testOptions())
	code := f.resetOneTime(t, "alice@acme.example")
	d.signOut()
	test.Tap(d.signIn.endUserCode)
	e := d.endUser
	equal(t, "set up", e.notSetUp.Visible(), false)
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	equal(t, "done", e.doneBox.Visible(), true)
	equal(t, "nothing saved", loadSelfServiceSetup(f.app.Preferences()).Host, "")
}

// A phone has no keychain go-keyring reaches: the imported set-up works
// for this run, its password kept in memory only, and says so. Nothing in
// the preferences holds the password. After a restart the device says
// the password is gone and offers the import again.
func TestSelfServiceWithoutKeychain(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	msg, err := storeSelfServiceSetup(f.backend, f.app.Preferences(), setup)
	if err != nil || !strings.HasPrefix(msg, "Self-service works on this device until ResetDesk closes") {
		t.Fatalf("%q %v", msg, err)
	}
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(setup)) })
	code := f.resetOneTime(t, "alice@acme.example")
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	equal(t, "done", e.doneBox.Visible(), true)
	prefs, ok := f.app.Preferences().(interface{ ReadValues(func(map[string]any)) })
	if !ok {
		t.Fatalf("cannot read the preferences: %T", f.app.Preferences())
	}
	n := 0
	prefs.ReadValues(func(values map[string]any) {
		for k, v := range values {
			n++
			if strings.Contains(fmt.Sprint(v), pw) {
				t.Errorf("the preference %s holds the password", k)
			}
		}
	})
	if n < 4 {
		t.Errorf("only %d preferences: the set-up was not saved", n)
	}

	// ResetDesk closed and opened again: the password is gone.
	selfServiceSecrets.Delete(selfServiceKeychainUser(setup))
	test.Tap(e.doneBack)
	test.Tap(f.d.signIn.endUserCode)
	e = f.d.endUser
	// Said before anything is typed: the form cannot work until an import.
	equal(t, "forgotten", e.notSetUp.Text, passwordGoneSentence)
	equal(t, "forgotten shows", e.notSetUp.Visible(), true)
	equal(t, "submit off", e.submit.Disabled(), true)
	fillEndUser(e, "bob@acme.example", "ABCDE-FGHJK", good, good)
	equal(t, "import offered", e.importer.Visible(), true)
	test.Tap(e.importer)
	e.imported.text.SetText(setup.Encode(true))
	test.Tap(e.imported.save)
	test.Tap(e.submit)
	equal(t, "works again", e.status.Text, app.CompletionInvalid.Sentence())
}
