package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The user, handed the admin's window to type their own password, makes
// the window bigger (or maximizes it): their screen still covers all of
// it, and the directory, other people's names and emails, stays out of
// sight.
func TestHandOverCoversTheWindowAfterAResize(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.resetForm.handOver)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if r.handOverForm == nil {
		t.Fatalf("no hand-over form: %q", r.status.Text)
	}
	before := f.d.win.Canvas().Size()
	f.d.win.Resize(before.Add(fyne.NewSize(400, 300)))
	win := f.d.win.Canvas().Size()
	if win == before {
		t.Fatalf("the window stayed %v", win)
	}
	pop, ok := f.d.win.Canvas().Overlays().Top().(*widget.PopUp)
	if !ok {
		t.Fatalf("overlay %T", f.d.win.Canvas().Overlays().Top())
	}
	pos, size := pop.Content.Position(), pop.Content.Size()
	if pos.X > 2*theme.Padding() || pos.Y > 2*theme.Padding() || size.Width < win.Width-4*theme.Padding() || size.Height < win.Height-4*theme.Padding() {
		t.Errorf("after the window grew from %v to %v, the user's screen is %v at %v: the directory shows around it", before, win, size, pos)
	}
}
