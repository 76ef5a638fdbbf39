package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// wholeInView reports whether o, as laid out in win, lies wholly inside
// every scroll that holds it: nothing of it is scrolled out of sight.
func wholeInView(win fyne.Window, o fyne.CanvasObject) bool {
	d := fyne.CurrentApp().Driver()
	at, size := d.AbsolutePositionForObject(o), o.Size()
	for _, s := range test.LaidOutObjects(win.Canvas().Overlays().Top()) {
		sc, ok := s.(*container.Scroll)
		if !ok || !holds(sc.Content, o) {
			continue
		}
		top := d.AbsolutePositionForObject(sc)
		if at.Y < top.Y || at.Y+size.Height > top.Y+sc.Size().Height {
			return false
		}
	}
	return true
}

// holds reports whether o is parent or lies under it.
func holds(parent, o fyne.CanvasObject) bool {
	for _, c := range test.LaidOutObjects(parent) {
		if c == o {
			return true
		}
	}
	return false
}

// walk6 m7: at scale 1.5 the first window is 733 by 480 units. Resetting a
// locked user's password there, the dialog scrolled and its bottom edge cut
// the admin's password field to its top border: the admin typed into a
// field they could not see. The field stays in view however long the form.
func TestResetDialogShowsTheAdminPasswordAtScale15(t *testing.T) {
	f := newFixture(t)
	f.c.setLayout(LayoutUnified)
	f.c.show(screenUsers)
	for _, size := range []fyne.Size{{Width: 1100 / 1.5, Height: 720 / 1.5}, {Width: 1100, Height: 720}, {Width: 600, Height: 380}} {
		f.d.win.Resize(size)
		r := openResetDialog(f.c, f.users["erin@acme.example"])
		if !r.options.unlock.Visible() {
			t.Fatalf("Erin is locked, but the dialog offers no unlock")
		}
		if f.d.win.Canvas().Focused() != r.verify {
			t.Errorf("%v: the admin's password field does not have the keyboard", size)
		}
		if !wholeInView(f.d.win, r.verify) {
			t.Errorf("%v: the admin's password field is scrolled out of sight", size)
		}
		for _, mode := range []string{modeSetLabel, modeOneTimeLabel} {
			r.mode.SetSelected(mode)
			if !wholeInView(f.d.win, r.verify) {
				t.Errorf("%v, %s: the admin's password field is scrolled out of sight", size, mode)
			}
		}
		r.onClose()
	}
}
