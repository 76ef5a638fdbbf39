package ui

import (
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// walk6 m2: the import dialog grows with what it shows: the labels a
// pasted line brings, then a refusal under them. Sized once at opening,
// it drew Cancel and Import below its panel and over its own message.
func TestImportDialogGrowsWithItsLines(t *testing.T) {
	f := newFixture(t)
	end := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(end.Port())
	refused := app.SelfServiceSetup{Host: end.Hostname(), Port: port, Database: strings.TrimPrefix(end.Path, "/"),
		Login: mustURL(t, f.o.AdminURL).User.Username(), Password: f.o.Password}
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(refused)) })
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	test.Tap(e.importer)
	im := e.imported
	abs := func(o fyne.CanvasObject) fyne.Position {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	}
	check := func(step string) {
		t.Helper()
		if got, need := im.body.Size().Height, im.body.MinSize().Height; got < need {
			t.Errorf("%s: the dialog gives its content %v units of height, it needs %v", step, got, need)
		}
		if im.note.Visible() && im.note.Text != "" {
			if noteEnd, buttons := abs(im.note).Y+im.note.Size().Height, abs(im.save).Y; noteEnd > buttons {
				t.Errorf("%s: the message ends at %v, under the buttons at %v", step, noteEnd, buttons)
			}
		}
	}
	check("opened")
	im.text.SetText(refused.Encode(true))
	check("line pasted")
	test.Tap(im.save)
	if !strings.HasPrefix(im.note.Text, "Not saved: ") {
		t.Fatalf("the console login was not refused: %q", im.note.Text)
	}
	check("refused")
}
