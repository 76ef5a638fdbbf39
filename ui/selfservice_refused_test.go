package ui

import (
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// walk6 m3: a set-up whose login the database refuses (a console login,
// or a wrong password) is not saved, and the dialog says so; one whose
// server cannot be reached right now is saved, and says it does not work
// yet.
func TestRefusedSelfServiceSetUpIsNotSaved(t *testing.T) {
	f := newFixture(t)
	prefs := f.app.Preferences()
	end := mustURL(t, f.o.EndUserURL)
	port, _ := strconv.Atoi(end.Port())
	pw, _ := end.User.Password()
	good := app.SelfServiceSetup{Host: end.Hostname(), Port: port, Database: strings.TrimPrefix(end.Path, "/"), Login: end.User.Username(), Password: pw}
	console := good
	console.Login = mustURL(t, f.o.AdminURL).User.Username()
	console.Password = f.o.Password
	wrong := good
	wrong.Password = "not-its-password-at-all"
	down := good
	down.Port = freePort(t)
	t.Cleanup(func() {
		for _, s := range []app.SelfServiceSetup{good, console, wrong, down} {
			selfServiceSecrets.Delete(selfServiceKeychainUser(s))
		}
	})

	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	test.Tap(e.importer)
	im := e.imported
	for _, x := range []struct {
		what  string
		setup app.SelfServiceSetup
		says  string
	}{
		{"a console login", console, "Not saved: the login " + console.Login + " may not"},
		{"a wrong password", wrong, "Not saved: "},
	} {
		im.text.SetText(x.setup.Encode(true))
		test.Tap(im.save)
		if !strings.HasPrefix(im.note.Text, x.says) {
			t.Errorf("%s: the dialog says %q, want it to start %q", x.what, im.note.Text, x.says)
		}
		if got := loadSelfServiceSetup(prefs); got.Host != "" || got.Login != "" {
			t.Errorf("%s: saved anyway: %+v", x.what, got)
		}
		if _, kept := selfServiceSecrets.Load(selfServiceKeychainUser(x.setup)); kept {
			t.Errorf("%s: its password was kept", x.what)
		}
		equal(t, x.what+": still not set up", e.notSetUp.Visible(), true)
	}

	im.text.SetText(down.Encode(true))
	test.Tap(im.save)
	if !strings.HasPrefix(im.note.Text, "Saved, but it does not work yet: could not reach") {
		t.Errorf("a server down: the dialog says %q", im.note.Text)
	}
	equal(t, "a server down: saved", loadSelfServiceSetup(prefs).Port, down.Port)
}
