package ui

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// shownTexts are the texts of every label and entry under o.
func shownTexts(o fyne.CanvasObject) []string {
	var out []string
	for _, x := range test.LaidOutObjects(o) {
		switch w := x.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Entry:
			out = append(out, w.Text)
		}
	}
	return out
}

// The hand-over on the desktop: the admin sets a password with "Let the
// user type it", confirms, and the dialog becomes Bob's form; Bob types
// his own password; the admin never sees the temporary one, the audit
// says the user typed it.
func TestStoryHandOverDesktop(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	equal(t, "hand-over hidden in one-time mode", r.setBox.Visible(), false)
	r.mode.SetSelected(modeSetLabel)
	equal(t, "hand-over offered", r.resetForm.handOver.Visible(), true)
	test.Tap(r.resetForm.handOver)
	equal(t, "note", r.handOverNote.Visible(), true)
	equal(t, "no password to type", r.generator.Visible(), false)
	equal(t, "no email", r.emailPassword.Visible(), false)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	h := r.handOverForm
	if h == nil {
		t.Fatalf("no hand-over form: %q", r.status.Text)
	}
	temp := h.handOver.temp
	if temp == "" {
		t.Fatal("the form holds no temporary password")
	}
	for _, text := range shownTexts(r.scroll) {
		if strings.Contains(text, temp) {
			t.Fatalf("the temporary password shows: %q", text)
		}
	}
	equal(t, "outcome hidden", r.outcomeBox.Visible(), false)
	equal(t, "title", h.title.Text, "Choose your new password")

	const mine = "Brass-compass-over-fjords"
	for _, c := range []struct{ pw, again, want string }{
		{mine, mine + "x", "The two new passwords differ: type the same password twice."},
		{"Brown-bear-in-the-forest-9", "Brown-bear-in-the-forest-9", "The password contains your name or email address: choose one that does not."},
	} {
		h.password.SetText(c.pw)
		h.again.SetText(c.again)
		test.Tap(h.submit)
		equal(t, "refusal", h.status.Text, c.want)
	}
	h.password.SetText(mine)
	h.again.SetText(mine)
	test.Tap(h.submit)
	equal(t, "done", h.done.Text, "Your new password is set. Sign in to your mail with it.")
	if !f.passwordWorks(t, "bob@acme.example", mine) {
		t.Error("Bob's password does not work")
	}
	equal(t, "must change cleared", f.user(t, "bob@acme.example").MustChangePassword, false)
	equal(t, "temporary forgotten", h.handOver.temp, "")
	events, err := f.o.Owner.Audit(f.c.ctx, app.AuditFilter{Action: "hand_over"})
	if err != nil || len(events) != 1 || events[0].Details["typed_by"] != "user" {
		t.Errorf("audit: %+v %v", events, err)
	}
	test.Tap(h.doneBack)
	equal(t, "dialog closed", f.c.win.Canvas().Overlays().Top() == nil, true)
}

// Closing the hand-over before the user finishes changes nothing more: the
// old password is gone, the temporary one must change, nobody knows it.
func TestHandOverClosedUnfinished(t *testing.T) {
	f := newFixture(t)
	r := openResetDialog(f.c, f.users["alice@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.resetForm.handOver)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	h := r.handOverForm
	if h == nil {
		t.Fatalf("no hand-over form: %q", r.status.Text)
	}
	temp := h.handOver.temp
	test.Type(h.password, "Half-typed-and-walked-away")
	test.Tap(h.back)
	equal(t, "dialog closed", f.c.win.Canvas().Overlays().Top() == nil, true)
	equal(t, "temporary forgotten", h.handOver.temp, "")
	equal(t, "typed forgotten", h.password.Text, "")
	u := f.user(t, "alice@acme.example")
	equal(t, "must change", u.MustChangePassword, true)
	if !f.passwordWorks(t, "alice@acme.example", temp) || f.passwordWorks(t, "alice@acme.example", "Half-typed-and-walked-away") {
		t.Error("the account is not as the reset left it")
	}
}

// The hand-over on the phone: Reset Password, the admin's password, then
// the page is the user's.
func TestStoryHandOverPhone(t *testing.T) {
	f, h := phoneHandOver(t)
	equal(t, "page", f.m.nav.top().title, "Your new password")
	if s := h.submit.Size().Height; s < fingerSize() {
		t.Errorf("the button is %v tall", s)
	}
	const mine = "Quiet-lantern-on-the-pier"
	test.Type(h.password, mine)
	test.Type(h.again, mine)
	test.Tap(h.submit)
	equal(t, "done", h.doneBox.Visible(), true)
	if !f.passwordWorks(t, "bob@acme.example", mine) {
		t.Error("Bob's password does not work")
	}
	test.Tap(h.doneBack)
	equal(t, "back at the users", f.m.nav.top(), f.m.users.page)
}

// phoneHandOver opens Bob's Reset Password page on an Android phone, sets
// a password with "Let the user type it", confirms with the admin's
// password, and returns the page that is now the user's.
func phoneHandOver(t *testing.T) (*mobileFixture, *endUserForm) {
	t.Helper()
	f := newMobileFixture(t, platformAndroid, nil)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	p := f.openUser(t, "bob@acme.example")
	r := newMobileResetPage(f.m, p.user)
	f.m.nav.push(r.page)
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.resetForm.handOver)
	test.Tap(r.reset)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	h := f.m.lastHandOver
	if h == nil {
		t.Fatalf("no hand-over page: %q", r.status.Text)
	}
	return f, h
}

// Print slip after a set password that was not emailed: the PDF opens in
// the viewer and holds the password; the bulk dialog makes one PDF with a
// page per user reset.
func TestPrintSlipFromResets(t *testing.T) {
	f := newFixture(t)
	var opened []*url.URL
	f.c.opts.openURL = func(u *url.URL) error { opened = append(opened, u); return nil }
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	r.emailPassword.SetChecked(false)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	pw := r.result.Password
	test.Tap(r.printSlip)
	if len(opened) != 1 {
		t.Fatalf("no slip opened: %q", r.slipNote.Text)
	}
	raw, err := os.ReadFile(opened[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, raw); !strings.Contains(text, pw) || !strings.Contains(text, "bob@acme.example") {
		t.Errorf("the slip lacks the login or the password:\n%s", text)
	}
	r.onClose()

	f.c.users.onRowChecked(f.users["alice@acme.example"].ID, true)
	f.c.users.onRowChecked(f.users["carol@acme.example"].ID, true) // deactivated: skipped, no page
	f.c.users.onRowChecked(f.users["bob@acme.example"].ID, true)
	test.Tap(f.c.users.resetSelected)
	b := f.c.lastBulk
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	test.Tap(b.slips)
	if len(opened) != 2 {
		t.Fatalf("no slips opened: %q", b.summary.Text)
	}
	raw, err = os.ReadFile(opened[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if pages := strings.Count(strings.TrimRight(pdfText(t, raw), "\f\n"), "\f") + 1; pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
	removeSlips()
}

// A tablet shows the desktop's dialogs, but a slip cannot be printed
// there (errNoSlipOnMobile), so neither dialog offers it.
func TestNoPrintSlipOnATablet(t *testing.T) {
	f := newFixture(t)
	old := deviceIsMobile
	deviceIsMobile = func() bool { return true }
	t.Cleanup(func() { deviceIsMobile = old })
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	r.emailPassword.SetChecked(false)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "reset", r.result.Outcome, app.OutcomeReset)
	equal(t, "password shown", r.secretBox.Visible(), true)
	equal(t, "dialog's Print slip", r.printSlip.Visible(), false)
	r.onClose()

	f.c.users.onRowChecked(f.users["bob@acme.example"].ID, true)
	test.Tap(f.c.users.resetSelected)
	b := f.c.lastBulk
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	if !strings.Contains(b.summary.Text, "1 reset") {
		t.Fatalf("bulk summary: %q", b.summary.Text)
	}
	equal(t, "bulk's Print slips", b.slips.Visible(), false)
}
