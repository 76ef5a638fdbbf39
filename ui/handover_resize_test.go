package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// The user, handed the admin's window to type their own password, makes
// the window bigger (or maximizes it): their screen still covers all of
// it, and the directory, other people's names and emails, stays out of
// sight.
func TestHandOverCoversTheWindowAfterAResize(t *testing.T) {
	f := newFixture(t)
	openHandOver(t, f, "bob@acme.example")
	before := f.d.win.Canvas().Size()
	f.d.win.Resize(before.Add(fyne.NewSize(400, 300)))
	win := f.d.win.Canvas().Size()
	if win == before {
		t.Fatalf("the window stayed %v", win)
	}
	if msg := handOverUncovered(t, f.d.win); msg != "" {
		t.Errorf("after the window grew from %v to %v, %s", before, win, msg)
	}
}
