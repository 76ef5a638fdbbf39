package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// A new admin previews a file with rows that can't be imported, in the
// first window's size: each left-out row shows the name (and role) the
// file gave, so they see whose row it is, and why it is left out in full,
// wrapped in its row and in view without scrolling sideways or choosing
// the row.
func TestStoryImportLeftOutRowsReadable(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	f.c.show(screenImport)
	s := f.c.imports
	s.onFile("people.csv", strings.NewReader("email,name,mobile,role\n"+
		"frank@acme.example,Frank Fox,,\n"+
		"not-an-email,Bad Row,,\n"+
		"boss@acme.example,Boss Person,,admin\n"+
		"ALICE@acme.example,Alice Again,,\n"+
		",Nobody Here,07700 900999x,\n"))

	equal(t, "head", s.file.Text, "people.csv: 1 user to import, 4 rows left out.")
	const (
		colName   = 2
		colMobile = 3
		colRole   = 4
	)
	for i, want := range []struct{ line, name string }{
		{"2", "Frank Fox"}, {"3", "Bad Row"}, {"4", "Boss Person"}, {"5", "Alice Again"}, {"6", "Nobody Here"},
	} {
		equal(t, "line", s.preview.text(i, 0), want.line)
		equal(t, "name on line "+want.line, s.preview.text(i, colName), want.name)
	}
	equal(t, "the bad email as typed", s.preview.text(1, 1), "not-an-email")
	equal(t, "the role that keeps Boss out", s.preview.text(2, colRole), "admin")
	equal(t, "the mobile number as typed", s.preview.text(4, colMobile), "07700 900999x")

	boss := "Owners and admins can't be imported: add them in Settings, Console users and roles, which gives them their own sign-in."
	equal(t, "Boss's problem, whole", s.preview.text(2, previewProblemCol), boss)

	// Drawn: the sentence wraps in its cell, which is tall enough for all
	// of it, and the cell lies within the window.
	win := f.d.win.Canvas().Size()
	shown := labelsOn(f.d.win.Content(), boss)
	if len(shown) != 1 {
		t.Fatalf("Boss's problem is drawn %d times, want once", len(shown))
	}
	l := shown[0]
	equal(t, "wraps", l.Wrapping, fyne.TextWrapWord)
	equal(t, "not cut", l.Truncation, fyne.TextTruncateOff)
	var drawn []string
	var bottom float32
	for _, o := range test.WidgetRenderer(test.WidgetRenderer(l).Objects()[0].(fyne.Widget)).Objects() {
		if txt, ok := o.(*canvas.Text); ok && txt.Visible() && txt.Text != "" {
			drawn = append(drawn, txt.Text)
			bottom = max(bottom, txt.Position().Y+txt.Size().Height)
		}
	}
	if len(drawn) < 2 || strings.Join(drawn, " ") != boss {
		t.Errorf("Boss's problem is drawn as %q", drawn)
	}
	if bottom > l.Size().Height {
		t.Errorf("its last line ends at %v, below its cell's %v", bottom, l.Size().Height)
	}
	line := (&widget.Label{Text: "Mg"}).MinSize().Height
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(l)
	if at.X+l.Size().Width > win.Width {
		t.Errorf("the Problem cell ends at x=%v, past the window's %v: the admin must scroll sideways to read it", at.X+l.Size().Width, win.Width)
	}
	// So too in the smallest desktop window the app is made for.
	f.d.win.Resize(fyne.NewSize(1024, 640))
	shown = labelsOn(f.d.win.Content(), boss)
	if len(shown) != 1 {
		t.Fatalf("at 1024x640 Boss's problem is drawn %d times, want once", len(shown))
	}
	if end := fyne.CurrentApp().Driver().AbsolutePositionForObject(shown[0]).X + shown[0].Size().Width; end > f.d.win.Canvas().Size().Width {
		t.Errorf("at 1024x640 the Problem cell ends at x=%v, past the window's %v", end, f.d.win.Canvas().Size().Width)
	}
	// A row with nothing wrong keeps one line's height.
	equal(t, "a good row's height", s.preview.text(0, previewProblemCol), "")
	for _, name := range labelsOn(f.d.win.Content(), "Frank Fox") {
		if name.Size().Height > line {
			t.Errorf("Frank's row is %v tall, more than a line (%v)", name.Size().Height, line)
		}
	}
}
