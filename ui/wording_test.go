package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// One admin, one window: Reset Password for Erin (locked) in the wide
// layout, then, the window narrowed, on the phone's page. Every option
// reads the same in both; on the phone the unlock box is not listed under
// "Active login sessions". A helpdesk admin's phone says once that Reset
// Password sends a one-time password.
func TestStoryResetWordsAlike(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	erin := f.users["erin@acme.example"]
	labels := func(r *resetForm) map[string]string {
		return map[string]string{
			"plain": r.plain.Text, "force": r.forceChange.Text, "email": r.emailPassword.Text,
			"web": r.options.webSessions.Text, "mobile": r.options.clearMobile.Text, "unlock": r.options.unlock.Text,
		}
	}

	r := openResetDialog(c, erin)
	equal(t, "desktop offers unlock", r.options.unlock.Visible(), true)
	desk := labels(r.resetForm)
	test.Tap(r.cancel)

	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.users.page)
	m.users.open(erin)
	test.Tap(m.lastUser.reset)
	p := m.lastReset
	equal(t, "phone offers unlock", p.options.unlock.Visible(), true)
	phone := labels(p.resetForm)
	for k, want := range map[string]string{
		"plain":  "Letters and digits only (easier to read out, or to type on a phone)",
		"force":  "Force users to change the password on login",
		"email":  "Email the new password to the user",
		"web":    "Web sessions will be cleared automatically",
		"mobile": "Clear mobile sessions and API tokens",
		"unlock": "Unlock the account",
	} {
		equal(t, "desktop "+k, desk[k], want)
		equal(t, "phone "+k, phone[k], want)
	}

	// The heading's group holds the two session boxes and nothing else;
	// the unlock box follows it.
	group, at := sessionsGroup(t, p.fields)
	equal(t, "sessions group", len(group.Objects), 3)
	equal(t, "web under the heading", group.Objects[1], fyne.CanvasObject(p.options.webSessions))
	equal(t, "mobile under the heading", group.Objects[2], fyne.CanvasObject(p.options.clearMobile))
	equal(t, "unlock after the group", p.fields.Objects[at+1], fyne.CanvasObject(p.options.unlock))

	helpdesk := Session{Directory: f.o.Helpdesk, Resetter: &app.Resetter{Dir: f.o.Helpdesk}}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	h := newMobile(f.app, f.backend, &helpdesk, o)
	hr := newMobileResetPage(h, f.users["bob@acme.example"])
	equal(t, "helpdesk note", hr.modeNote.Text,
		"Set password is not available: your role may not set passwords. Reset Password emails the user a one-time password instead.")
	// The desktop, which offers the choice, keeps the refusal's advice.
	hc := newConsole(f.d, helpdesk, mustActor(t, f.o.Helpdesk), c.org)
	hd := openResetDialog(hc, f.users["bob@acme.example"])
	equal(t, "desktop helpdesk note", hd.modeNote.Text,
		"Set password is not available: your role may not set passwords. Send a one-time password instead.")
}

// sessionsGroup finds, among the form's rows, the box headed "Active login
// sessions", and its place.
func sessionsGroup(t *testing.T, fields *fyne.Container) (*fyne.Container, int) {
	t.Helper()
	for i, o := range fields.Objects {
		box, ok := o.(*fyne.Container)
		if !ok || len(box.Objects) == 0 {
			continue
		}
		if l, ok := box.Objects[0].(*widget.Label); ok && l.Text == "Active login sessions" {
			return box, i
		}
	}
	t.Fatalf("no 'Active login sessions' heading among the form's rows")
	return container.NewVBox(), -1
}
