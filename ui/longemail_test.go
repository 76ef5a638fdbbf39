package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"resetdesk/app"
)

// longEmail is a login longer than a row's email column at any width.
const longEmail = "maximiliana.wilhelmina.vonbergenstein-hohenzollern.accounts.payable@northwind-traders-international.example"

// A long email at 733 units wide (1100 pixels at scale 1.5): the users
// list ends it in "…" within its column, and the window keeps its width;
// the profile shows it whole, wrapped and selectable, its name heading
// ends in "…" rather than widening the window, and Resend's question
// keeps inside the window.
func TestLongEmailEndsInAnEllipsisAndShowsWholeInTheProfile(t *testing.T) {
	f := newFixture(t)
	rows, bad, err := app.ParseImportCSV(strings.NewReader("email,name,status\n" + longEmail + "," +
		strings.Repeat("Maximiliana Wilhelmina ", 4) + "Vonbergenstein,confirmed\n"))
	if err != nil || len(bad) > 0 {
		t.Fatalf("csv: %v %v", err, bad)
	}
	if _, err := f.o.Owner.ImportUsers(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	size := fyne.NewSize(733, 480)
	f.d.win.Resize(size)
	f.c.users.reload()
	u := f.user(t, longEmail)
	fits := func(what string) {
		t.Helper()
		if w := f.d.win.Content().MinSize().Width; w > size.Width {
			t.Errorf("%s: the window needs %v units, has %v", what, w, size.Width)
		}
	}
	f.c.search.SetText("maximiliana")
	r := rowFor(t, f.d.win, u.ID)
	equal(t, "the row's email, whole in the label", r.login.Text, longEmail)
	equal(t, "the row's email ends in …", r.login.Truncation, fyne.TextTruncateEllipsis)
	if right, room := r.login.Position().X+r.login.Size().Width, r.Size().Width; right > room {
		t.Errorf("the email's label ends at %v, past its row (%v)", right, room)
	}
	fits("the list")

	f.c.users.openProfile(u)
	p := f.c.users.profile
	email := p.details.values[1]
	equal(t, "the profile's email, whole", email.Text, longEmail)
	equal(t, "the profile's email is selectable", email.Selectable, true)
	if email.Wrapping == fyne.TextWrapOff {
		t.Error("the profile's email does not wrap")
	}
	equal(t, "the heading ends in …", p.title.Truncation, fyne.TextTruncateEllipsis)
	fits("the profile")

	askResend(f.c, u, func(string) {})
	top := f.d.win.Canvas().Overlays().Top()
	if w := top.MinSize().Width; w > size.Width {
		t.Errorf("Resend's question needs %v units, the window has %v", w, size.Width)
	}
	top.Hide()
}
