package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
	"resetdesk/internal/errlog"
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

// An internal error in the window (here a DATABASE_URL the standard
// library cannot parse, with a password in it) leaves its cause in the
// log file, without the password, and the sentence names the file.
func TestInternalErrorLeavesItsCauseInTheLog(t *testing.T) {
	f := newFixture(t)
	logPath := filepath.Join(t.TempDir(), "resetdesk.log")
	app.SetInternalLog(errlog.Open(logPath, 1<<16).Record)
	t.Cleanup(func() { app.SetInternalLog(nil) })
	const password = "s3cret-Pass"
	start := Starter{What: "Signing in with DATABASE_URL…", Start: func(context.Context) (Session, error) {
		//lint:ignore SA1007 the bad escape is the point: the parser's own error carries the password
		_, err := url.Parse("postgres://olivia:" + password + "@db.office.example/%zz")
		return Session{}, fmt.Errorf("open the database: %w", err)
	}}
	d := newDesktopStarting(f.app, f.backend, start, testOptions())
	shown := d.signIn.status.Text
	if !strings.HasPrefix(shown, "Internal error.") || !strings.Contains(shown, logPath) {
		t.Fatalf("the window says %q", shown)
	}
	body, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if log := string(body); !strings.Contains(log, `invalid URL escape "%zz"`) || strings.Contains(log, password) {
		t.Fatalf("log = %q", log)
	}
}

// refusingKeychain is a keychain that is there but takes nothing: locked,
// or its access denied.
type refusingKeychain struct{ memKeychain }

func (refusingKeychain) Set(service, user, pw string) error {
	return errors.New("the keyring daemon denied access")
}

// A password the keychain does not take says why: no keychain, or the
// keychain's refusal, whose words go to the log without the password.
func TestKeepInKeychainSaysWhy(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "resetdesk.log")
	app.SetInternalLog(errlog.Open(logPath, 1<<16).Record)
	t.Cleanup(func() { app.SetInternalLog(nil) })
	const password = "s3cret-Pass"
	kept := &memKeychain{secrets: map[string]string{}}
	for _, c := range []struct {
		name string
		kc   Keychain
		want string
	}{
		{"kept", kept, ""},
		{"no keychain", nil, noKeychainSentence},
		{"refused", &refusingKeychain{}, "Not saved: the keychain refused it. What went wrong is written in " + logPath + ", for whoever supports ResetDesk."},
	} {
		equal(t, c.name, keepInKeychain(c.kc, "olivia@db.office.example", password), c.want)
	}
	equal(t, "kept password", kept.secrets[KeychainService+"/olivia@db.office.example"], password)
	body, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if log := string(body); !strings.Contains(log, "the keyring daemon denied access") || strings.Contains(log, password) {
		t.Fatalf("log = %q", log)
	}
}

// A keychain that refuses the self-service login's password leaves the
// set-up working for this run, and says why it will not last.
func TestSelfServiceKeychainRefuses(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &refusingKeychain{}
	u := mustURL(t, f.o.EndUserURL)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	setup := app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Login: u.User.Username(), Password: pw}
	msg, err := storeSelfServiceSetup(f.backend, f.app.Preferences(), setup)
	t.Cleanup(func() { selfServiceSecrets.Delete(selfServiceKeychainUser(setup)) })
	want := "Self-service works on this device until ResetDesk closes: the self-service login's password is not kept after that. " +
		"Not saved: the keychain refused it."
	if err != nil || !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, " Import the set-up again next time.") {
		t.Fatalf("%q %v", msg, err)
	}
	equal(t, "kept for this run", selfServicePassword(f.backend.keychain, setup), pw)
}
