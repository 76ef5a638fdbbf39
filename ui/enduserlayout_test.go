package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// walk6 m1: on a desktop, the end user's form keeps its fields and its
// button where they are while lines come and go under it: the policy line
// as the password is typed, a refusal, and the refusal going at the next
// keystroke. Centred in the window, each line moved them all, and a click
// aimed at a field or the button landed on another.
func TestEndUserFormStaysPutWhileTyping(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	f.setUpSelfService(t)
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	targets := map[string]fyne.CanvasObject{"email": e.login, "code": e.secret, "password": e.password,
		"again": e.again, "button": e.submit}
	where := func() map[string]fyne.Position {
		at := map[string]fyne.Position{}
		for name, o := range targets {
			at[name] = fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		}
		return at
	}
	first := where()
	check := func(step string) {
		t.Helper()
		for name, pos := range where() {
			if pos != first[name] {
				t.Errorf("%s: the %s moved from %v to %v", step, name, first[name], pos)
			}
		}
	}
	for _, x := range []struct {
		entry *widget.Entry
		text  string
	}{{e.login, "alice@acme.example"}, {e.secret, "AAAAA-BBBBB"}, {e.password, "short1"}, {e.again, "short1"}} {
		test.Type(x.entry, x.text)
		check(fmt.Sprintf("typing %q", x.text))
	}
	if !e.strength.Visible() {
		t.Fatal("no policy line for a short password")
	}
	test.Tap(e.submit)
	if !e.status.Visible() || e.status.Text == "" {
		t.Fatal("a short password was not refused")
	}
	check("after the refusal")
	test.Type(e.login, "x")
	if e.status.Visible() {
		t.Fatal("the refusal stayed after a keystroke")
	}
	check("once the refusal went")
}
