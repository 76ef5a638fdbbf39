package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// A password copied from a reset leaves the clipboard when the window
// closes, which is how the app quits, not only after a minute; and when
// the admin signs out. Something copied since stays where it is.
func TestCopiedPasswordLeavesWithTheSession(t *testing.T) {
	f := newFixture(t)
	copyAlicePassword := func() string {
		r := openResetDialog(f.c, f.users["alice@acme.example"])
		r.mode.SetSelected(modeSetLabel)
		r.emailPassword.SetChecked(false)
		test.Type(r.verify, f.o.Password)
		test.Tap(r.confirm)
		test.Tap(r.copy)
		pw := r.secret.Text
		if pw == "" || f.app.Clipboard().Content() != pw {
			t.Fatalf("nothing copied: status %q", r.status.Text)
		}
		test.Tap(r.close)
		return pw
	}

	copyAlicePassword()
	f.c.onSignOut()
	f.c.confirmSignOut.Confirm()
	equal(t, "clipboard after signing out", f.app.Clipboard().Content(), "")

	f = newFixture(t)
	copyAlicePassword()
	f.app.Clipboard().SetContent("a note of the admin's own")
	f.d.win.Close()
	equal(t, "the admin's own copy stays", f.app.Clipboard().Content(), "a note of the admin's own")

	f = newFixture(t)
	copyAlicePassword()
	f.d.win.Close()
	equal(t, "clipboard after the window closed", f.app.Clipboard().Content(), "")
}
