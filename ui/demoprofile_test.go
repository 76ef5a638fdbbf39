package ui

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// demoAgain makes f's session look like the demo's: offered again after
// sign-out under the demo's name and hint, never saved.
func demoAgain(t *testing.T, f *fixture, hint string) Profile {
	u := mustURL(t, f.o.OwnerURL)
	port, _ := strconv.Atoi(u.Port())
	again := Profile{Name: "Demo: Acme Test", Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"),
		Role: u.User.Username(), Temporary: true}
	f.c.sess.Again, f.c.sess.AgainHint = again, hint
	return again
}

// walk6 M1: signing out of the demo and in again, twice, and once as
// another of its roles, saves no profile (the demo's port is new each
// run), and each sign-out offers the demo again with its name and hint.
func TestDemoSignInsSaveNoProfile(t *testing.T) {
	f := newFixture(t)
	const hint = "The demo's console roles all have the password northwind-demo."
	again := demoAgain(t, f, hint)
	admin := mustURL(t, f.o.AdminURL).User.Username()
	for i, role := range []string{again.Role, again.Role, admin, again.Role} {
		f.d.signOut()
		s := f.d.signIn
		equal(t, "name offered after sign-out "+strconv.Itoa(i), s.name.Text, again.Name)
		equal(t, "hint after sign-out "+strconv.Itoa(i), s.status.Text, hint)
		s.role.SetText(role)
		test.Type(s.password, f.o.Password)
		test.Tap(s.signIn)
		if f.d.console == nil {
			t.Fatalf("sign-in %d as %s: not signed in: %s", i, role, s.status.Text)
		}
		if ps := loadProfiles(f.app.Preferences()); len(ps) != 0 {
			t.Fatalf("sign-in %d as %s saved %+v", i, role, ps)
		}
		if title := f.d.win.Title(); strings.Contains(title, "@") {
			t.Errorf("sign-in %d as %s: the title %q names a profile", i, role, title)
		}
		equal(t, "role offered next", f.d.console.sess.Again.Role, role)
	}
}

// walk6 M1: a profile an older build saved for the demo names a port gone
// since. Signing in with it says so and offers the demo; the demo, once
// started, forgets every such profile, so the next start does not open on
// one.
func TestStaleDemoProfileOffersTheDemo(t *testing.T) {
	f := newFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	prefs := f.app.Preferences()
	saveProfile(prefs, Profile{Name: "Demo: Northwind Traders", Host: "127.0.0.1", Port: gone, Database: demoDatabase, Role: "demo_helpdesk"})
	saveProfile(prefs, Profile{Name: "demo_owner@127.0.0.1", Host: "127.0.0.1", Port: gone, Database: demoDatabase, Role: "demo_owner"})
	saveProfile(prefs, Profile{Name: "Office", Host: "db.office.example", Port: 5432, Database: "resetdesk", Role: "maria"})
	started := 0
	f.d.offerDemo(&Starter{What: "Starting the demo…", Start: func(context.Context) (Session, error) {
		started++
		sess := Session{Directory: f.o.Owner, Resetter: &app.Resetter{Dir: f.o.Owner, Mail: f.backend.currentMailer()}}
		sess.Again = Profile{Name: "Demo: Acme Test", Host: "127.0.0.1", Port: 1, Database: demoDatabase, Role: "demo_owner", Temporary: true}
		return sess, nil
	}})
	f.d.signOut()
	s := f.d.signIn
	s.fillProfiles() // as at the start after the older build
	s.profiles.SetSelected("demo_owner@127.0.0.1")
	equal(t, "port filled in", s.port.Text, strconv.Itoa(gone))
	test.Type(s.password, "northwind-demo")
	test.Tap(s.signIn)
	if f.d.console != nil {
		t.Fatal("signed in to a closed port")
	}
	if !strings.Contains(s.status.Text, "Could not reach") || !strings.Contains(s.status.Text, "earlier run of the demo") {
		t.Errorf("the refusal says %q", s.status.Text)
	}
	equal(t, "demo offered", s.demoRow.Visible(), true)
	test.Type(s.password, "x")
	equal(t, "demo offer goes with the sentence", s.demoRow.Visible(), false)
	test.Tap(s.signIn)
	equal(t, "demo offered again", s.demoRow.Visible(), true)
	test.Tap(s.demoButton)
	equal(t, "demo started", started, 1)
	if f.d.console == nil {
		t.Fatalf("the demo did not open: %s", s.status.Text)
	}
	var names []string
	for _, p := range loadProfiles(prefs) {
		names = append(names, p.Name)
	}
	equal(t, "profiles left", strings.Join(names, ", "), "Office")
	equal(t, "profile list", strings.Join(s.profiles.Options, ", "), "Office, "+newProfileChoice)
}

// A server of the office's own that cannot be reached offers the demo
// too, without claiming the profile was the demo's.
func TestUnreachableServerOffersTheDemo(t *testing.T) {
	f := newFixture(t)
	f.d.offerDemo(&Starter{What: "Starting the demo…", Start: func(context.Context) (Session, error) {
		return Session{}, app.Errorf(app.EUNAVAILABLE, "The demo could not start.")
	}})
	f.d.signOut()
	s := f.d.signIn
	s.host.SetText("127.0.0.1")
	s.port.SetText("1")
	s.role.SetText("maria")
	test.Type(s.password, "secret")
	test.Tap(s.signIn)
	if !strings.Contains(s.status.Text, "Could not reach") || strings.Contains(s.status.Text, "demo") {
		t.Errorf("the refusal says %q", s.status.Text)
	}
	equal(t, "demo offered", s.demoRow.Visible(), true)
	test.Tap(s.demoButton)
	equal(t, "the demo's failure", s.status.Text, "The demo could not start.")
	equal(t, "back on the sign-in screen", f.d.showing(), s.view)
}

// walk6 p2: after signing out of the demo in a 1100x720 window, the end
// user's way in is on screen without scrolling, under the hint that says
// to choose it "below": the server identity, which a server on this
// computer does not need, takes one line instead of six. A server off
// this computer gets the fields back.
func TestDemoSignInShowsTheEndUsersWayIn(t *testing.T) {
	f := newFixture(t)
	f.d.win.Resize(fyne.NewSize(1100, 720))
	demoAgain(t, f, "The demo's console roles (demo_owner and the other admins) all have the password northwind-demo. "+
		"To finish a one-time reset as the user would, choose \"I have a one-time password\" below and type the code "+
		"from the newest mail in /home/someone.with.a.long.name/.cache/resetdesk/demo-mail.")
	f.d.signOut()
	s := f.d.signIn
	winH := f.d.win.Canvas().Size().Height
	for _, b := range []fyne.CanvasObject{s.endUserCode, s.endUserTemporary} {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		if !b.Visible() || pos.Y+b.Size().Height > winH {
			t.Errorf("%q ends at %v, below the window's %v", b.(*widget.Button).Text, pos.Y+b.Size().Height, winH)
		}
	}
	equal(t, "identity on this computer", s.identity.local.Visible(), true)
	equal(t, "no CA file asked", s.identity.verify.Visible(), false)
	test.Tap(s.identity.choose) // a tunnel to another server, say
	equal(t, "mode offered on request", s.identity.mode.Visible(), true)
	s.host.SetText("db.office.example")
	equal(t, "identity off this computer", s.identity.local.Visible(), false)
	equal(t, "CA file asked", s.identity.caFile.Visible() && s.identity.verify.Visible(), true)
	equal(t, "mode offered", s.identity.mode.Visible(), true)
}
