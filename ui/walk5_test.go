package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// Stories for what walk5 (a new admin's re-walk of issue 15) found; each
// names its item in notes/walk5/findings.md.

// N1: with the office mail relay on, Resend on a profile says what it did:
// the new code is queued for the relay, and the old one stops working.
func TestProfileResendThroughTheRelaySaysSo(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	f.c.org.MailRelay = true
	bob := f.users["bob@acme.example"]
	f.c.users.openProfile(bob)
	p := f.c.users.profile
	p.resendNow(f.o.Password)
	equal(t, "note shown", p.mailNote.Visible(), true)
	equal(t, "resend said", p.mailNote.Text,
		"A new one-time password to bob@acme.example went to the office mail relay, which sends it. The one sent before no longer works.")
	if !strings.Contains(p.delivery.Text, "bob@acme.example") {
		t.Errorf("latest reset email = %q", p.delivery.Text)
	}
}

// N2: at FYNE_SCALE=1.5 the first window (1100 x 720 pixels) is 733 units
// wide. The Audit page fits it in both shells, instead of pushing the
// shell sideways and cutting Sign out and the admin icon off at the right.
func TestAuditFitsTheFirstWindowAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	const width = 1100 / 1.5
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenAudit)
		if w := f.d.root.view.MinSize().Width; w > width {
			t.Errorf("%s shell with Audit wants %.0f units of width, more than the %.0f of the first window at scale 1.5", layout, w, width)
		}
	}
	// The fields still share a wide window: the entries grow too.
	f.c.setLayout(LayoutSpaces)
	f.c.show(screenAudit)
	f.d.win.Resize(wideSize)
	a := f.c.audit
	if a.actor.Size().Width < 2*a.actor.MinSize().Width || a.user.Size().Width != a.actor.Size().Width {
		t.Errorf("in a wide window the filters are %v, %v and %v wide", a.actor.Size().Width, a.user.Size().Width, a.action.Size().Width)
	}
}

// 1.13 and 2.20: on their own row the owner reads that it is them, not
// the rule for everyone, and no database jargon about their sign-in; on
// an admin's row the owner reads, in office words, that the reset leaves
// the admin's ResetDesk sign-in alone and how to end it. The phone says
// the same on the owner's own row.
func TestResetOnYourOwnRowSaysItIsYou(t *testing.T) {
	f := newFixture(t)
	var me, admin app.User
	for _, u := range f.users {
		switch {
		case u.ID == f.c.actor.User.ID:
			me = u
		case u.Role == app.RoleAdmin:
			admin = u
		}
	}
	if me.ID == 0 || admin.ID == 0 {
		t.Fatalf("the fixture's list has no owner (%d) or admin (%d) row", me.ID, admin.ID)
	}
	r := openResetDialog(f.c, me)
	equal(t, "own row", r.skipNote.Text, "This is you, the owner: nobody resets the owner's password here.")
	note := r.form.Objects[0].(*widget.Label)
	equal(t, "no sign-in note on a refused reset", note.Visible(), false)
	r.onClose()

	r = openResetDialog(f.c, admin)
	note = r.form.Objects[0].(*widget.Label)
	equal(t, "sign-in note on an admin's reset", note.Visible(), true)
	if strings.Contains(note.Text, "ALTER ROLE") || strings.Contains(note.Text, "DBA") ||
		!strings.Contains(note.Text, "Disable in Settings, Console users and roles") {
		t.Errorf("admin's sign-in note = %q", note.Text)
	}
	r.onClose()

	phone, _ := barePhone(t, f, f.o.Owner)
	equal(t, "phone, own row", mobileResetRefusal(phone, me, app.ResetOptions{Mode: app.ModeOneTime}),
		"This is you, the owner: nobody resets the owner's password here.")
}

// 2.16: SHARE for a user who signs in with a mobile number and has no
// email does not offer a plain "Email", which opened a mail to nobody: it
// says the mail is for another address, and Message is there.
func TestShareForAUserWithoutEmail(t *testing.T) {
	f := newFixture(t)
	rows, bad, err := app.ParseImportCSV(strings.NewReader("email,name,mobile,status\n,Ingrid OBrien,+447700900224,confirmed\n"))
	if err != nil || len(bad) > 0 {
		t.Fatalf("csv: %v %v", err, bad)
	}
	if _, err := f.o.Owner.ImportUsers(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	ingrid := f.user(t, "+447700900224")
	phone, _ := barePhone(t, f, f.o.Owner)
	var opened []*url.URL
	phone.opts.openURL = func(u *url.URL) error { opened = append(opened, u); return nil }
	p := newMobileUserPage(phone, ingrid)
	phone.nav.push(p.page)
	test.Tap(p.reset)
	o := confirmOnPhone(t, phone, phone.lastReset, f.o.Password)
	test.Tap(o.share)
	equal(t, "email choice", o.shareEmail.Text, "Email to another address…")
	if o.shareMessage == nil {
		t.Error("no Message choice for a user with a mobile number")
	}
	test.Tap(o.shareEmail)
	if len(opened) != 1 || opened[0].Scheme != "mailto" || opened[0].Opaque != "" {
		t.Fatalf("opened %v", opened)
	}
}

// N4: the question before bulk results lose passwords speaks of one user
// in the singular, and has no large question mark drawn behind its words.
func TestBulkCloseQuestionForOneUser(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"]})
	b.mode.SetSelected(modeSetLabel)
	b.emailPassword.SetChecked(false)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	test.Tap(b.close)
	if b.confirmClose == nil {
		t.Fatal("Close asked nothing")
	}
	const want = "The new password of 1 user was not emailed and has not been copied. " +
		"Closing loses it, and that user would have to be reset again. Close anyway?"
	top := f.c.win.Canvas().Overlays().Top()
	var texts []string
	for _, o := range test.LaidOutObjects(top) {
		if img, ok := o.(*canvas.Image); ok && img.Resource != nil && img.Resource.Name() == theme.QuestionIcon().Name() {
			t.Error("the question draws Fyne's large question mark")
		}
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
			if l.Text == want && l.Size().Width < 300 {
				t.Errorf("the question is squeezed into %v units", l.Size())
			}
		}
	}
	if !strings.Contains(strings.Join(texts, "|"), want) {
		t.Errorf("the question says %q", texts)
	}
	if w := top.Size().Width; w > f.c.win.Canvas().Size().Width {
		t.Errorf("the question is %v wide in a %v window", w, f.c.win.Canvas().Size().Width)
	}
	b.confirmClose.Dismiss()
	equal(t, "kept", b.results[0].Password != "", true)
}

// 1.15: Ctrl+F (Cmd+F on a Mac) puts the keyboard in the users search,
// from wherever the console is, but not from under an open dialog.
func TestCtrlFGoesToTheSearch(t *testing.T) {
	f := newFixture(t)
	cv := f.d.win.Canvas()
	find := &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	f.c.show(screenAudit)
	cv.Unfocus()
	cv.(fyne.Shortcutable).TypedShortcut(find)
	if cv.Focused() != f.c.search {
		t.Fatalf("Ctrl+F focused %T", cv.Focused())
	}
	test.Type(f.c.search, "bob")
	equal(t, "typed into the search", f.c.search.Text, "bob")

	cv.Unfocus()
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	cv.Unfocus()
	cv.(fyne.Shortcutable).TypedShortcut(find)
	if cv.Focused() == f.c.search {
		t.Error("Ctrl+F reached the search under the reset dialog")
	}
	r.onClose()
}

// N12: bulk results say a notice was sent, not that the password was,
// when the new password was not emailed.
func TestBulkResultsSayANoticeWasSent(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"]})
	b.mode.SetSelected(modeSetLabel)
	b.emailPassword.SetChecked(false)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	mail, _ := b.resultCell(0, bulkColMail)
	equal(t, "mail column", mail, "notice sent")
	b.onClose()

	b = openBulkReset(f.c, []app.User{f.users["bob@acme.example"]})
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	mail, _ = b.resultCell(0, bulkColMail)
	equal(t, "mail column, one-time password", mail, "sent")
}

// N14: with one user to reset, the list is one row tall and the options
// below get the height the blank rows took; with many, the list still
// keeps half.
func TestBulkListIsAsTallAsItsRows(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(733, 480)) // the first window at FYNE_SCALE=1.5
	// middle is the container of the users list and the options under it.
	middle := func(b *bulkReset) *fyne.Container {
		for _, o := range b.form.Objects {
			if c, ok := o.(*fyne.Container); ok && len(c.Objects) == 2 && c.Objects[0] == b.targets {
				return c
			}
		}
		t.Fatal("no list-and-options container in the form")
		return nil
	}
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"]})
	row := b.targets.CreateItem().MinSize().Height
	if h := b.targets.Size().Height; h > row+theme.SeparatorThicknessSize()+1 {
		t.Errorf("one user's list is %v tall; a row is %v", h, row)
	}
	m := middle(b)
	if options := m.Objects[1]; options.Size().Height < m.Size().Height-2*row-2*theme.Padding() {
		t.Errorf("the options get %v of %v", options.Size().Height, m.Size().Height)
	}
	b.onClose()

	var many []app.User
	for _, u := range f.users {
		many = append(many, u)
	}
	b = openBulkReset(f.c, many)
	m = middle(b)
	if h, half := b.targets.Size().Height, (m.Size().Height-theme.Padding())/2; h < half-1 || h > half+1 {
		t.Errorf("with %d users the list is %v tall, want half (%v)", len(many), h, half)
	}
}

// N10: the desktop's search has a clear button once something is typed,
// as the phone's has, in place of the magnifier.
func TestDesktopSearchClears(t *testing.T) {
	f := newFixture(t)
	all := f.c.users.list.Length()
	var clear *widget.Button
	for _, o := range test.LaidOutObjects(f.c.search) {
		if b, ok := o.(*widget.Button); ok && b.Icon != nil && b.Icon.Name() == theme.ContentClearIcon().Name() {
			clear = b
		}
	}
	if clear == nil {
		t.Fatal("the search has no clear button")
	}
	equal(t, "hidden while empty", clear.Visible(), false)
	test.Type(f.c.search, "bob")
	equal(t, "shown once typed", clear.Visible(), true)
	equal(t, "filtered", f.c.users.list.Length() < all, true)
	test.Tap(clear)
	equal(t, "search emptied", f.c.search.Text, "")
	equal(t, "every user again", f.c.users.list.Length(), all)
	equal(t, "hidden again", clear.Visible(), false)
}

// N9: once the screen is the user's (hand-over), it covers the window: the
// directory around it, other people's names and emails, is out of sight.
func TestHandOverCoversTheDirectory(t *testing.T) {
	f := newFixture(t)
	openHandOver(t, f, "bob@acme.example")
	if msg := handOverUncovered(t, f.c.win); msg != "" {
		t.Errorf("%s in a %v window", msg, f.c.win.Canvas().Size())
	}
}

// openHandOver confirms a set-password reset of login with "Let the user
// type it", so that the window becomes the user's.
func openHandOver(t *testing.T, f *fixture, login string) {
	t.Helper()
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	r := openResetDialog(f.c, f.users[login])
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.resetForm.handOver)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if r.handOverForm == nil {
		t.Fatalf("no hand-over form: %q", r.status.Text)
	}
}

// handOverUncovered says where the user's screen leaves the window's edges
// uncovered, or "" when it covers them.
func handOverUncovered(t *testing.T, w fyne.Window) string {
	t.Helper()
	win := w.Canvas().Size()
	pop, ok := w.Canvas().Overlays().Top().(*widget.PopUp)
	if !ok {
		t.Fatalf("overlay %T", w.Canvas().Overlays().Top())
	}
	pos, size := pop.Content.Position(), pop.Content.Size()
	if pos.X > 2*theme.Padding() || pos.Y > 2*theme.Padding() || size.Width < win.Width-4*theme.Padding() || size.Height < win.Height-4*theme.Padding() {
		return fmt.Sprintf("the user's screen is %v at %v: the directory shows around it", size, pos)
	}
	return ""
}

// N13: a reset nothing can allow (the user is protected, deactivated, not
// confirmed or SSO's) shows its sentence and Close, not the modes, options
// and the admin's password for nothing.
func TestRefusedResetShowsItsSentenceAndClose(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["carol@acme.example"]) // deactivated
	equal(t, "sentence", r.skipNote.Text, app.SkipDeactivated.Sentence())
	equal(t, "sentence shown", r.skipNote.Visible(), true)
	equal(t, "modes", r.mode.Visible(), false)
	equal(t, "admin's password", r.check.Visible(), false)
	equal(t, "Yes, Confirm", r.confirm.Visible(), false)
	equal(t, "Close", r.close.Visible(), true)
	test.Tap(r.close)
	equal(t, "closed", f.c.win.Canvas().Overlays().Top() == nil, true)

	// A user who can be reset still gets the whole form.
	r = openResetDialog(f.c, f.users["bob@acme.example"])
	equal(t, "modes for Bob", r.mode.Visible(), true)
	equal(t, "password for Bob", r.check.Visible(), true)
	equal(t, "confirm for Bob", r.confirm.Visible(), true)
	r.onClose()
}
