package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// hintsFit fails for each hint of form wider than the field it is under:
// a form's hint is one line of text that Fyne neither wraps nor cuts.
func hintsFit(t *testing.T, name string, form *widget.Form) {
	t.Helper()
	for _, it := range form.Items {
		if it.HintText == "" || !it.Widget.Visible() {
			continue
		}
		w := fyne.MeasureText(it.HintText, theme.CaptionTextSize(), fyne.TextStyle{}).Width + theme.InnerPadding()
		if field := it.Widget.Size().Width; field == 0 || w > field {
			t.Errorf("%s, %s: the hint %q is %v wide under a field of %v", name, it.Text, it.HintText, w, field)
		}
	}
}

// The end user's form and the sign-in keep their words inside their
// fields: the one-time password's hint, and the CA file's placeholder,
// which the field showed cut with a scroll bar of its own.
func TestHintsAndPlaceholdersFitTheirFields(t *testing.T) {
	f := newFixture(t)
	f.d.signOut()
	s := f.d.signIn
	ca := s.identity.caFile
	if !ca.Visible() {
		t.Fatal("the CA file field does not show")
	}
	w := fyne.MeasureText(ca.PlaceHolder, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
	if field := ca.Size().Width; field == 0 || w > field {
		t.Errorf("the CA file's placeholder %q is %v wide in a field of %v", ca.PlaceHolder, w, field)
	}
	hintsFit(t, "sign-in", s.form)

	for _, open := range []*widget.Button{s.endUserCode, s.endUserTemporary} {
		test.Tap(open)
		e := f.d.endUser
		if e == nil || f.d.showing() != e.view {
			t.Fatalf("%s: the end user's form does not show", open.Text)
		}
		hintsFit(t, open.Text, e.form)
		test.Tap(e.back)
	}
}
