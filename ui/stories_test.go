package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// An admin finds Alice by typing, sets a password without emailing it, and
// gets the password to hand over, with Copy.
func TestStorySetPasswordForOneUser(t *testing.T) {
	f := newFixture(t)
	u := f.c.users

	test.Type(f.c.search, "ALICE")
	equal(t, "rows shown", u.list.Length(), 1)
	equal(t, "row", u.shownUser(0).DisplayName, "Alice Anders")

	// The row's three-dots menu, then Reset Password.
	test.Tap(rowFor(t, f.d.win, u.shownUser(0).ID).more)
	var menu *widget.Menu
	for _, o := range test.LaidOutObjects(f.d.win.Canvas().Overlays().Top()) {
		if m, ok := o.(*widget.PopUpMenu); ok {
			menu = m.Menu
		}
	}
	if menu == nil {
		t.Fatalf("the three-dots button opened no menu")
	}
	test.Tap(menu.Items[0].(fyne.Tappable))
	r := f.c.lastReset
	equal(t, "skip note visible", r.skipNote.Visible(), false)
	r.mode.SetSelected(modeSetLabel)
	if !r.setBox.Visible() || r.password.Text == "" {
		t.Fatalf("set password mode shows no prefilled password")
	}
	if !strings.HasPrefix(r.strength.Text, "Strong: ") {
		t.Errorf("strength = %q", r.strength.Text)
	}
	first := r.password.Text
	test.Tap(r.regenerate)
	if r.password.Text == first {
		t.Errorf("Regenerate kept the same password")
	}
	equal(t, "force change ticked", r.forceChange.Checked, true)
	test.Tap(r.emailPassword) // untick: the admin hands the password over
	equal(t, "email ticked", r.emailPassword.Checked, false)
	typed := r.password.Text

	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)

	equal(t, "status", r.status.Text, "")
	equal(t, "outcome", r.outcome.Text, "The password of Alice Anders was reset.")
	equal(t, "delivery", r.delivery.Text, "Password reset notice to alice@acme.example: sent.")
	equal(t, "password shown", r.secret.Text, typed)
	equal(t, "password box visible", r.secretBox.Visible(), true)
	test.Tap(r.copy)
	equal(t, "clipboard", f.app.Clipboard().Content(), typed)

	alice := f.user(t, "alice@acme.example")
	equal(t, "must change", alice.MustChangePassword, true)
	test.Tap(r.close)
	equal(t, "secret cleared on close", r.secret.Text, "")
}

// A one-time password goes by email; the dialog says how the delivery went.
func TestStoryOneTimePassword(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `INSERT INTO resetdesk.sessions (user_id, kind, client) VALUES ($1, 'web', 'Firefox'), ($1, 'mobile', 'iPhone')`, f.users["bob@acme.example"].ID)
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	equal(t, "mode", r.mode.Selected, modeOneTimeLabel)
	equal(t, "web sessions ticked", r.options.webSessions.Checked, true)
	equal(t, "web sessions disabled", r.options.webSessions.Disabled(), true)
	equal(t, "unlock shown for an unlocked user", r.options.unlock.Visible(), false)

	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)

	equal(t, "outcome", r.outcome.Text, "The password of Bob Brown was reset.")
	equal(t, "delivery", r.delivery.Text, "One-time password to bob@acme.example: sent.")
	equal(t, "expiry visible", r.expiry.Visible(), true)
	equal(t, "no password to hand over", r.secretBox.Visible(), false)
	msgs := f.sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "bob@acme.example" {
		t.Fatalf("sink got %d messages", len(msgs))
	}

	// The profile shows the delivery, and Resend makes a new code.
	f.c.users.openProfile(f.users["bob@acme.example"])
	p := f.c.users.profile
	if !strings.HasPrefix(p.delivery.Text, "One-time password to bob@acme.example: sent ") {
		t.Errorf("latest = %q", p.delivery.Text)
	}
	equal(t, "resend visible", p.resend.Visible(), true)
	p.resendNow("not my password")
	if !strings.HasPrefix(p.delivery.Text, "That is not your password") || len(f.sink.Messages()) != 1 {
		t.Fatalf("resend with a wrong password: %q, %d messages", p.delivery.Text, len(f.sink.Messages()))
	}
	p.resendNow(f.o.Password)
	equal(t, "messages after resend", len(f.sink.Messages()), 2)
	if p.activity.Length() < 2 {
		t.Errorf("activity shows %d lines", p.activity.Length())
	}
	equal(t, "sessions listed", len(p.sessionLines), 2)
	for _, s := range p.sessionLines {
		if !strings.Contains(sessionText(s, time.UTC), ": ended ") {
			t.Errorf("after the reset: %s", sessionText(s, time.UTC))
		}
	}
}

// When the mail server refuses, the dialog shows the server's words.
func TestStoryOneTimePasswordMailFails(t *testing.T) {
	f := newFixture(t)
	f.sink.FailNext(550, "Mailbox unavailable")
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "outcome", r.outcome.Text, "The password of Bob Brown was reset.")
	if !strings.HasPrefix(r.delivery.Text, "One-time password to bob@acme.example: failed: ") {
		t.Errorf("delivery = %q", r.delivery.Text)
	}
}

// Three users selected, one deactivated: two are reset, one skipped with
// the reason, and the results save as CSV.
func TestStoryBulkResetSelection(t *testing.T) {
	f := newFixture(t)
	u := f.c.users
	w := f.d.win
	listAt := u.list.Position()
	for _, email := range []string{"alice@acme.example", "bob@acme.example", "carol@acme.example"} {
		test.Tap(rowFor(t, w, f.users[email].ID).check)
		// The rows stay where they were: the next tick lands where aimed.
		equal(t, "list position", u.list.Position(), listAt)
	}
	equal(t, "selection", u.selectedLabel.Text, "3 selected")
	equal(t, "selection bar", u.selectionBar.Visible(), true)

	test.Tap(u.resetSelected)
	b := f.c.lastBulk
	equal(t, "users in bulk", len(b.users), 3)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)

	equal(t, "summary", b.summary.Text, "2 reset, 1 skipped.")
	equal(t, "selection cleared", len(u.c.dir.selected), 0)
	equal(t, "selection bar gone", u.selectionBar.Visible(), false)
	for i, want := range []struct{ user, result, reason string }{
		{"Alice Anders (alice@acme.example)", "Reset", ""},
		{"Bob Brown (bob@acme.example)", "Reset", ""},
		{"Carol Chen (carol@acme.example)", "Skipped", app.SkipDeactivated.Sentence()},
	} {
		equal(t, "user", b.table.text(i, bulkColUser), want.user)
		equal(t, "result", b.table.text(i, bulkColResult), want.result)
		equal(t, "reason", b.table.text(i, bulkColReason), want.reason)
	}
	// A cell cuts the reason short; choosing the row shows all of it.
	b.table.Select(widget.TableCellID{Row: 2, Col: bulkColReason})
	if !strings.Contains(b.table.detail.Text, "Reason: "+app.SkipDeactivated.Sentence()) || !b.table.detail.Visible() {
		t.Errorf("detail = %q", b.table.detail.Text)
	}
	b.table.clearDetail()
	b.table.Select(widget.TableCellID{Row: 2, Col: bulkColReason})
	equal(t, "the same row chosen again", b.table.detail.Visible(), true)
	equal(t, "mail", b.table.text(0, bulkColMail), "sent")
	var buf bytes.Buffer
	if err := b.saveResults(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "carol@acme.example,Carol Chen,skipped,deactivated,") {
		t.Errorf("CSV:\n%s", buf.String())
	}
}

// An attached CSV adds users; rows it can't use are listed by line.
func TestStoryBulkAttachCSV(t *testing.T) {
	f := newFixture(t)
	b := openBulkReset(f.c, nil)
	b.attachCSV(strings.NewReader("email\nalice@acme.example\nnobody@acme.example\nbob@acme.example\n"))
	equal(t, "users", len(b.users), 2)
	if !strings.Contains(b.notes.Text, `Line 3: no user "nobody@acme.example"`) {
		t.Errorf("notes = %q", b.notes.Text)
	}
}

// A CSV with a bad row: the preview marks it, and only good rows are written.
func TestStoryImportWithBadRow(t *testing.T) {
	f := newFixture(t)
	f.c.show(screenImport)
	s := f.c.imports
	s.onFile("new.csv", strings.NewReader("email,name\nfrank@acme.example,Frank Fox\nnot-an-email,Bad Row\ngina@acme.example,Gina Gray\n"))

	equal(t, "preview rows", len(s.lines), 3)
	equal(t, "bad line", s.preview.text(1, 0), "3")
	if s.preview.text(1, 6) == "" {
		t.Errorf("the bad row has no message")
	}
	equal(t, "button", s.importNo.Text, "Import 2 users")
	before := f.c.dir.list.len()
	users, _ := f.o.Owner.Users(context.Background(), app.UserFilter{})
	equal(t, "nothing written by the preview", len(users), before)

	test.Tap(s.importNo)
	equal(t, "summary", s.summary.Text, "Imported 2 users.")
	equal(t, "list reloaded", f.c.dir.list.len(), before+2)
	if _, err := f.o.Owner.UserByLogin(context.Background(), "not-an-email"); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("bad row was written: %v", err)
	}
	equal(t, "header", s.file.Text, "Done. Choose another file to import more users.")

	// Someone already in the directory is left out in the preview already.
	s.onFile("again.csv", strings.NewReader("email,name\nALICE@acme.example,Alice Again\nhank@acme.example,Hank Hill\n"))
	equal(t, "button", s.importNo.Text, "Import 1 user")
	equal(t, "known user", s.preview.text(0, 6), "ALICE@acme.example is already in the directory.")
	equal(t, "new user", s.preview.text(1, 6), "")
}

// Settings switch the shell at once, and the choice outlives the window.
func TestStoryLayoutSwitch(t *testing.T) {
	f := newFixture(t)
	equal(t, "starts in Spaces", f.c.spaces != nil, true)
	f.c.show(screenSettings)
	s := f.c.settings
	s.layout.SetSelected("Unified")
	equal(t, "unified shell", f.c.unified != nil && f.c.spaces == nil, true)
	equal(t, "window shows it", f.d.showing(), f.c.unified.view)
	equal(t, "still on settings", f.c.unified.current, screenSettings)
	equal(t, "remembered", f.app.Preferences().String(PrefLayout), LayoutUnified)

	// The next window opens in Unified.
	d2 := newDesktop(f.app, f.backend, &Session{Directory: f.o.Owner, Resetter: &app.Resetter{Dir: f.o.Owner}}, testOptions())
	equal(t, "next window unified", d2.console.unified != nil, true)

	// The Directory entry's Users tab shows the same list.
	f.c.unified.show(screenUsers)
	equal(t, "directory tab", f.c.unified.dirTabs.Selected().Text, "Users")

	s.layout.SetSelected("Spaces")
	equal(t, "back to spaces", f.c.spaces != nil, true)
	equal(t, "remembered", f.app.Preferences().String(PrefLayout), LayoutSpaces)
}

// A wrong admin password resets nobody.
func TestStoryWrongAdminPassword(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, "not-my-password")
	test.Tap(r.confirm)
	if !strings.HasPrefix(r.status.Text, "That is not your password") {
		t.Errorf("status = %q", r.status.Text)
	}
	equal(t, "form still there", r.form.Visible(), true)
	equal(t, "confirm enabled again", r.confirm.Disabled(), false)
	events, err := f.o.Owner.Audit(context.Background(), app.AuditFilter{Action: "reset_password"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "resets in the audit log", len(events), 0)
	equal(t, "messages", len(f.sink.Messages()), 0)
}

// The skip reason comes first, and a helpdesk role can't set passwords.
func TestResetDialogExplains(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["carol@acme.example"])
	equal(t, "skip note", r.skipNote.Text, app.SkipDeactivated.Sentence())
	equal(t, "nothing to confirm", r.confirm.Disabled(), true)
	r = openResetDialog(f.c, f.users["erin@acme.example"])
	equal(t, "unlock shown for a locked user", r.options.unlock.Visible(), true)
	equal(t, "confirm offered", r.confirm.Disabled(), false)
	equal(t, "typing goes to the dialog", f.d.win.Canvas().Focused(), fyne.Focusable(r.verify))
	open := len(f.d.win.Canvas().Overlays().List())
	r.verify.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	equal(t, "Escape closes the dialog", len(f.d.win.Canvas().Overlays().List()), open-1)
	r = openResetDialog(f.c, f.users["erin@acme.example"])
	// While a reset runs, changing an option does not offer a second one.
	r.running = true
	r.mode.SetSelected(modeSetLabel)
	equal(t, "no second confirm while running", r.confirm.Disabled(), true)

	viewer := newConsole(f.d, Session{Directory: f.o.Viewer, Resetter: &app.Resetter{Dir: f.o.Viewer}}, mustActor(t, f.o.Viewer), f.c.org)
	r = openResetDialog(viewer, f.users["alice@acme.example"])
	equal(t, "a role that may not reset", r.confirm.Disabled(), true)
	r.emailPassword.SetChecked(false)
	equal(t, "still may not", r.confirm.Disabled(), true)

	c := newConsole(f.d, Session{Directory: f.o.Helpdesk, Resetter: &app.Resetter{Dir: f.o.Helpdesk}}, mustActor(t, f.o.Helpdesk), f.c.org)
	r = openResetDialog(c, f.users["alice@acme.example"])
	equal(t, "mode disabled", r.mode.Disabled(), true)
	if !strings.HasPrefix(r.modeNote.Text, "Set password is not available: ") {
		t.Errorf("mode note = %q", r.modeNote.Text)
	}
}

// A role without view_audit gets a sentence in the Audit view.
func TestAuditWithoutPermission(t *testing.T) {
	f := newFixture(t)
	c := newConsole(f.d, Session{Directory: f.o.Helpdesk, Resetter: &app.Resetter{Dir: f.o.Helpdesk}}, mustActor(t, f.o.Helpdesk), f.c.org)
	a := newAuditScreen(c)
	equal(t, "note", a.note.Text, "Your role may not view the audit log. Ask the owner for the permission “See the audit log” (Settings, Console users and roles).")
	equal(t, "banner hidden", a.banner.view.Visible(), false)

	a = newAuditScreen(f.c)
	if !strings.HasSuffix(a.note.Text, " events.") {
		t.Errorf("owner's audit note = %q", a.note.Text)
	}
}

// The Mail view lists deliveries and resends a failed one.
func TestMailViewResend(t *testing.T) {
	f := newFixture(t)
	f.sink.FailNext(550, "Mailbox unavailable")
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)

	f.c.show(screenMail)
	m := f.c.mail
	equal(t, "rows", len(m.deliveries), 1)
	equal(t, "state", m.table.text(0, 3), "Failed")
	m.onSelect(0)
	equal(t, "resend enabled", m.resend.Disabled(), false)
	u, _ := m.resendTarget()
	m.resendNow(u, "not-my-password")
	if !strings.HasPrefix(m.note.Text, "That is not your password") || !strings.HasSuffix(m.note.Text, " Nothing was sent.") {
		t.Errorf("wrong password: note = %q", m.note.Text)
	}
	equal(t, "in red", m.note.Importance, widget.DangerImportance)
	m.resendNow(u, f.o.Password)
	equal(t, "rows after resend", len(m.deliveries), 2)
	equal(t, "newest sent", m.table.text(0, 3), "Sent")
	if !strings.HasPrefix(m.note.Text, "A new one-time password is on its way to bob@acme.example. 2 messages.") {
		t.Errorf("after resend: note = %q", m.note.Text)
	}
}

// Sign in with a profile; without a keychain, "remember" says so.
func TestStorySignIn(t *testing.T) {
	f := newFixture(t)
	a := test.NewTempApp(t)
	d := newDesktop(a, f.backend, nil, testOptions())
	s := d.signIn
	u := mustURL(t, f.o.OwnerURL)
	test.Type(s.host, u.Hostname())
	test.Type(s.port, u.Port())
	test.Type(s.database, strings.TrimPrefix(u.Path, "/"))
	test.Type(s.role, "nobody")
	test.Type(s.password, "wrong")
	test.Tap(s.signIn)
	if s.status.Text == "" || d.console != nil {
		t.Fatalf("signed in with a wrong role")
	}

	s.role.SetText(u.User.Username())
	s.password.SetText(f.o.Password)
	s.remember.SetChecked(true)
	test.Tap(s.signIn)
	if d.console == nil {
		t.Fatalf("not signed in: %s", s.status.Text)
	}
	equal(t, "org", d.console.org.Name, "Acme Test")
	ps := loadProfiles(a.Preferences())
	equal(t, "profiles saved", len(ps), 1)
	for _, key := range []string{PrefProfiles, PrefLastProfile} {
		if strings.Contains(a.Preferences().String(key), f.o.Password) {
			t.Errorf("the password is in preference %s", key)
		}
	}
}

// Settings lists the saved profiles; Delete asks, then forgets one and its
// password.
func TestSettingsDeletesProfile(t *testing.T) {
	f := newFixture(t)
	kc := &memKeychain{secrets: map[string]string{}}
	f.backend.keychain = kc
	prefs := f.app.Preferences()
	p := Profile{Name: "office", Host: "db.office.example", Port: 5432, Database: "directory", Role: "alex"}
	saveProfile(prefs, p)
	kc.Set(KeychainService, p.keychainUser(), "secret")
	s := newSettingsScreen(f.c)
	equal(t, "rows", len(s.profileRows.Objects), 1)

	s.onDeleteProfile("office")
	s.confirmDelete.Dismiss()
	equal(t, "kept when the admin says no", len(loadProfiles(prefs)), 1)

	s.onDeleteProfile("office")
	s.confirmDelete.Confirm()
	equal(t, "profiles left", len(loadProfiles(prefs)), 0)
	equal(t, "rows left", len(s.profileRows.Objects), 0)
	if _, err := kc.Get(KeychainService, p.keychainUser()); err == nil {
		t.Fatal("the saved password survived the profile")
	}
	if !strings.Contains(s.profileNote.Text, "No saved profiles") {
		t.Fatalf("note = %q", s.profileNote.Text)
	}
}

// Settings edits a saved profile: a new name takes its saved password
// along, a name that is taken is refused with a sentence, a bad port keeps
// Save from submitting, and "Forget its saved password" does.
func TestSettingsEditsProfile(t *testing.T) {
	f := newFixture(t)
	kc := &memKeychain{secrets: map[string]string{}}
	f.backend.keychain = kc
	prefs := f.app.Preferences()
	office := Profile{Name: "office", Host: "db.office.example", Port: 5432, Database: "directory", Role: "alex"}
	branch := Profile{Name: "branch", Host: "db.branch.example", Port: 5432, Database: "resetdesk", Role: "alex"}
	saveProfile(prefs, office)
	saveProfile(prefs, branch)
	kc.Set(KeychainService, office.keychainUser(), "secret")
	s := newSettingsScreen(f.c)

	s.onEditProfile(office)
	s.edit.name.SetText("head office")
	s.edit.port.SetText("6432")
	s.edit.dialog.Submit()
	ps := loadProfiles(prefs)
	equal(t, "profiles", len(ps), 2)
	equal(t, "edited in place", ps[0], Profile{Name: "head office", Host: "db.office.example", Port: 6432, Database: "directory", Role: "alex"})
	equal(t, "note", s.profileNote.Text, `Saved "head office".`)
	if pw, err := kc.Get(KeychainService, ps[0].keychainUser()); err != nil || pw != "secret" {
		t.Errorf("the password did not move with the name: %q, %v", pw, err)
	}
	if _, err := kc.Get(KeychainService, office.keychainUser()); err == nil {
		t.Error("the password is still saved under the old name")
	}

	// A taken name or a bad port keeps Save from submitting: the form stays
	// as typed, with the reason under the field.
	s.onEditProfile(ps[0])
	s.edit.name.SetText("branch")
	s.edit.dialog.Submit()
	if err := s.edit.name.Validate(); err == nil || err.Error() != `A profile named "branch" is saved already.` {
		t.Errorf("taken name: %v", err)
	}
	equal(t, "nothing changed", loadProfiles(prefs)[0].Name, "head office")
	equal(t, "note kept", s.profileNote.Text, `Saved "head office".`)
	s.edit.dialog.Hide()

	s.onEditProfile(ps[0])
	s.edit.port.SetText("70000")
	s.edit.dialog.Submit()
	if err := s.edit.port.Validate(); err == nil || err.Error() != "The port must be a number between 1 and 65535." {
		t.Errorf("bad port: %v", err)
	}
	equal(t, "bad port not saved", loadProfiles(prefs)[0].Port, 6432)
	equal(t, "note kept", s.profileNote.Text, `Saved "head office".`)
	s.edit.dialog.Hide()

	// Renamed by case alone: the password stays, under the new name.
	s.onEditProfile(ps[0])
	s.edit.name.SetText("Head Office")
	s.edit.dialog.Submit()
	ps = loadProfiles(prefs)
	equal(t, "renamed by case", ps[0].Name, "Head Office")
	if pw, err := kc.Get(KeychainService, ps[0].keychainUser()); err != nil || pw != "secret" {
		t.Errorf("the password did not follow a rename by case: %q, %v", pw, err)
	}

	s.onEditProfile(ps[0])
	s.edit.role.SetText("sam")
	test.Tap(s.edit.forget)
	s.edit.dialog.Submit()
	equal(t, "role changed", loadProfiles(prefs)[0].Role, "sam")
	if _, err := kc.Get(KeychainService, ps[0].keychainUser()); err == nil {
		t.Error("the password was not forgotten")
	}
}

// memKeychain is a keychain in memory, for tests.
type memKeychain struct{ secrets map[string]string }

func (k *memKeychain) Get(service, user string) (string, error) {
	if s, ok := k.secrets[service+"/"+user]; ok {
		return s, nil
	}
	return "", errors.New("not found")
}

func (k *memKeychain) Set(service, user, pw string) error {
	k.secrets[service+"/"+user] = pw
	return nil
}

func (k *memKeychain) Delete(service, user string) error {
	delete(k.secrets, service+"/"+user)
	return nil
}

// Set passwords for two users without email: "Copy passwords" hands them
// over as login and password, one line each.
func TestStoryBulkSetPasswordsCopy(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"], f.users["bob@acme.example"]})
	b.mode.SetSelected(modeSetLabel)
	b.emailPassword.SetChecked(false)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "summary", b.summary.Text, "2 reset, 0 skipped.")
	equal(t, "copy shown", b.copyAll.Visible(), true)
	test.Tap(b.copyAll)
	test.Tap(b.copyAll)
	equal(t, "the copy note once", strings.Count(b.summary.Text, "Passwords copied"), 1)
	lines := strings.Split(strings.TrimSpace(f.app.Clipboard().Content()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "alice@acme.example\t") || !strings.HasPrefix(lines[1], "bob@acme.example\t") {
		t.Fatalf("clipboard lines: %d", len(lines))
	}
	for _, l := range lines {
		login, pw, _ := strings.Cut(l, "\t")
		ok, err := app.VerifyPassword(f.passwordHash(t, login), pw)
		if err != nil || !ok {
			t.Fatalf("%s: the copied password does not match the stored hash", login)
		}
	}
}

// The profile shows the user as the directory has them after each load.
func TestProfileFollowsReload(t *testing.T) {
	f := newFixture(t)
	f.c.users.openProfile(f.users["bob@acme.example"])
	p := f.c.users.profile
	equal(t, "Status", p.details.values[5].Text, "Confirmed")
	f.o.Exec(t, `UPDATE resetdesk.users SET status = 'deactivated', sso_managed = true WHERE primary_email = 'bob@acme.example'`)
	f.c.users.reload()
	equal(t, "Status", p.details.values[5].Text, "Deactivated")
	equal(t, "Managed by SSO", p.details.values[9].Text, "Yes")
}

// Signing out of a session that came without a saved profile (the demo,
// DATABASE_URL) offers it again on the sign-in screen.
func TestSignOutOffersTheSession(t *testing.T) {
	f := newFixture(t)
	f.c.sess.Again = Profile{Name: "Demo: Acme Test", Host: "127.0.0.1", Port: 5432, Database: "acme", Role: "olivia"}
	f.c.sess.AgainHint = "The password is northwind-demo."
	f.c.onSignOut()
	f.c.confirmSignOut.Confirm()
	s := f.d.signIn
	equal(t, "choice", s.profiles.Selected, newProfileChoice)
	equal(t, "database", s.database.Text, "acme")
	equal(t, "hint", s.status.Text, "The password is northwind-demo.")
	equal(t, "hint is not an error", s.status.Importance, widget.MediumImportance)
}

// Changing the theme in Settings makes the other screens anew (the GL
// driver would keep them in the old colours) without losing the loaded
// users, the selection or the place in Settings.
func TestThemeChangeRenewsScreens(t *testing.T) {
	f := newFixture(t)
	old := f.c.users
	loaded := f.c.dir.list.len()
	loads := f.c.dir.loads
	old.onRowChecked(f.users["bob@acme.example"].ID, true)
	old.status.SetSelected("Confirmed")
	old.openProfile(f.users["alice@acme.example"])
	f.c.show(screenMail)
	oldMail := f.c.mail
	f.c.show(screenSettings)
	f.c.settings.theme.SetSelected("Light")
	equal(t, "the old mail screen's relay line stopped", oldMail.relay.poll.ended(), true)
	equal(t, "theme saved", f.app.Preferences().String(PrefTheme), ThemeLight)
	if f.c.users == old {
		t.Fatal("the users screen was kept")
	}
	equal(t, "users carried over", f.c.dir.list.len(), loaded)
	equal(t, "not loaded again", f.c.dir.loads, loads)
	equal(t, "filter carried over", f.c.users.status.Selected, "Confirmed")
	equal(t, "rows shown", f.c.users.list.Length(), len(old.shown))
	if f.c.users.profile == nil || f.c.users.profile.user.ID != f.users["alice@acme.example"].ID {
		t.Error("the open profile was not carried over")
	}
	equal(t, "selection kept", f.c.dir.selected[f.users["bob@acme.example"].ID], true)
	equal(t, "mail screen dropped", f.c.mail == nil, true)
	equal(t, "still on Settings", f.c.spaces.current, screenSettings)
	f.c.show(screenMail)
	if f.c.mail == nil {
		t.Fatal("the mail screen did not come back")
	}
}

// A search that finds nobody says so in place of the list.
func TestSearchWithoutMatches(t *testing.T) {
	f := newFixture(t)
	test.Type(f.c.search, "zebra")
	equal(t, "rows", f.c.users.list.Length(), 0)
	equal(t, "shown", f.c.users.empty.Visible(), true)
	equal(t, "says why", f.c.users.empty.Text, `No user matches "zebra". Search looks at names, emails, mobile numbers and zuids.`)
	f.c.search.SetText("")
	equal(t, "gone with the search", f.c.users.empty.Visible(), false)
	f.c.users.status.SetSelected("Invited")
	f.c.users.lockedOnly.SetChecked(true)
	equal(t, "filters", f.c.users.empty.Text, "No user matches these filters.")
}

// The Audit view speaks the admin's language: who by name, what in words,
// and a filter by those words. A user it cannot find empties the table
// rather than leave other users' events under the message.
func TestAuditInWords(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	test.Type(r.verify, "not-my-password")
	test.Tap(r.confirm)
	r.verify.SetText(f.o.Password)
	test.Tap(r.confirm)

	f.c.show(screenAudit)
	a := f.c.audit
	a.action.SetSelected("Password reset")
	equal(t, "one reset", len(a.events), 1)
	owner := mustActor(t, f.o.Owner).User
	equal(t, "by", a.table.text(0, 1), owner.DisplayName+" ("+owner.DBRole+")")
	equal(t, "action", a.table.text(0, 2), "Password reset")
	equal(t, "user", a.table.text(0, 3), "alice@acme.example")
	equal(t, "details", a.table.text(0, 4), "Reset: one-time password, sent by email, mobile sessions cleared")

	a.action.SetSelected("Admin password check")
	equal(t, "two checks", len(a.events), 2)
	equal(t, "newest first", a.table.text(0, 4), "Right password")
	equal(t, "the wrong one", a.table.text(1, 4), "Wrong password")

	// The profile's activity uses the same words.
	f.c.users.openProfile(f.users["alice@acme.example"])
	found := false
	for _, l := range f.c.users.profile.lines {
		found = found || strings.HasPrefix(l.text, "Password reset by "+owner.DisplayName+": Reset: one-time password, sent by email")
	}
	if !found {
		t.Errorf("activity lines: %+v", f.c.users.profile.lines)
	}

	// Part of a name finds the user when only one matches.
	a.action.SetSelected("Password reset")
	a.user.SetText("alice and")
	a.reload()
	equal(t, "by part of a name", len(a.events), 1)
	a.user.SetText("acme")
	a.reload()
	if !strings.Contains(a.note.Text, ` users matching "acme".`) || len(a.events) != 1 {
		t.Errorf("many matches: note = %q, %d events", a.note.Text, len(a.events))
	}

	a.user.SetText("nobody@acme.example")
	a.reload()
	equal(t, "note", a.note.Text, `No user "nobody@acme.example" in this organization.`)
	equal(t, "no rows", len(a.events), 0)
}

// Settings says where mail goes even when its form is empty (the demo's
// sink, RESETDESK_SMTP_URL), and a test message with no host goes there.
func TestSettingsMailRoute(t *testing.T) {
	f := newFixture(t)
	f.c.show(screenSettings)
	s := f.c.settings
	if !strings.HasPrefix(s.mailRoute.Text, "Mail now goes to 127.0.0.1:") {
		t.Fatalf("route = %q", s.mailRoute.Text)
	}
	s.smtpHost.SetText("")
	s.testTo.SetText("alice@acme.example")
	test.Tap(s.testSend)
	equal(t, "sent through the server in use", s.testNote.Text, "The mail server accepted the test message to alice@acme.example.")
	equal(t, "the sink has it", len(f.sink.Messages()), 1)
}

// Audit details in words, for what the database may write, odd or not.
func TestDescribeEvent(t *testing.T) {
	for _, tc := range []struct {
		action  string
		details map[string]any
		want    string
	}{
		{"reset_password", map[string]any{"outcome": "skipped", "reason": "deactivated"}, "Skipped. " + app.SkipDeactivated.Sentence()},
		{"reset_password", map[string]any{"outcome": "skipped", "reason": "not_found"}, "Skipped. " + app.SkipNotFound.Sentence()},
		{"reset_password", map[string]any{"outcome": "skipped", "reason": "brand_new"}, "Skipped: brand_new."},
		{"reset_password", map[string]any{"outcome": "skipped"}, "Skipped."},
		{"reset_password", map[string]any{"outcome": "reset", "mode": "set_password", "force_change": true, "delivery": "password_notice", "batch_size": 3.0},
			"Reset: password set, must change it at next sign-in, notice sent (no password in it), one of 3"},
		{"reset_password", map[string]any{"outcome": "reset", "delivery": "one_time_password", "unlock": true, "unlocked": true},
			"Reset: one-time password, sent by email, unlocked"},
		{"reset_password", map[string]any{"outcome": "reset", "delivery": "one_time_password", "unlock": true, "unlocked": false, "batch_size": 3.0},
			"Reset: one-time password, sent by email, one of 3"},
		{"reset_password", map[string]any{"outcome": "reset", "delivery": "one_time_password", "unlock": true},
			"Reset: one-time password, sent by email, unlocked if it was locked"},
		{"complete_reset", map[string]any{"outcome": "wrong_code", "attempt": 2.0}, "Wrong one-time password (2 wrong for this code so far)"},
		{"complete_reset", map[string]any{"outcome": "wrong_code"}, "Wrong one-time password"},
		{"complete_reset", map[string]any{"outcome": "something else"}, "outcome=something else"},
		{"change_password", map[string]any{"outcome": "wrong_password", "attempt": 3.0, "by": "user"}, "Wrong temporary password (try 3 of 5)"},
		{"change_password", map[string]any{"outcome": "ok", "by": "user"}, "The user replaced their temporary password with their own"},
		{"complete_reset_unknown_login", map[string]any{"outcome": "no_live_code"}, "A login that names nobody; more such tries in the next 15 minutes are counted, not logged"},
		{"add_self_service_login", map[string]any{"db_role": "frontdesk"}, "Signs in as frontdesk"},
		{"demo_seeded", map[string]any{}, ""},
		{"add_role", map[string]any{"role": "helpdesk", "permissions": []any{"reset_password"}}, "helpdesk: Send one-time passwords"},
		{"unknown_action", map[string]any{"b": 2.0, "a": "x"}, "a=x, b=2"},
	} {
		if got, _ := describeEvent(tc.action, tc.details); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.action, tc.details, got, tc.want)
		}
	}
}

// "Letters and digits only" makes a password without symbols, on the
// desktop and on the phone.
func TestPlainPasswords(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	r.plain.SetChecked(true)
	if strings.ContainsAny(r.password.Text, "!#$%&*+-=?@_") || !strings.HasPrefix(r.strength.Text, "Strong: ") {
		t.Errorf("plain password %q (%s)", r.password.Text, r.strength.Text)
	}
	m := newMobile(f.app, f.backend, &Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter},
		mobileOptions{options: testOptions(), platform: platformAndroid, generate: func(int) (string, error) { return "q7R!vT2m#Lp9wXz4", nil }})
	p := newMobileResetPage(m, f.users["alice@acme.example"])
	equal(t, "the page's own generator first", p.password.Text, "q7R!vT2m#Lp9wXz4")
	p.plain.SetChecked(true)
	if strings.ContainsAny(p.password.Text, "!#$%&*+-=?@_") || len(p.password.Text) < 15 {
		t.Errorf("plain password on the phone %q", p.password.Text)
	}
}
