package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// offices is two directories, each set up for its own org, and a profile
// saved for each: "HQ" for Acme Test, whose password the keychain holds,
// and "Branch Test" for the org of that name, whose password it does not.
type offices struct {
	*fixture
	branchOrg  *pgtest.Org
	kc         *memKeychain
	hq, branch Profile
}

func newOffices(t *testing.T) *offices {
	t.Helper()
	f := newFixture(t)
	o := &offices{fixture: f, branchOrg: pgtest.NewOrg(t), kc: &memKeychain{secrets: map[string]string{}}}
	o.branchOrg.Exec(t, `UPDATE resetdesk.orgs SET name = 'Branch Test'`)
	rows, bad, err := app.ParseImportCSV(strings.NewReader("email,name,mobile,status\nzed@branch.example,Zed Zimmer,,confirmed\n"))
	if err != nil || len(bad) > 0 {
		t.Fatalf("seed: %v %v", err, bad)
	}
	if _, err := o.branchOrg.Owner.ImportUsers(context.Background(), rows); err != nil {
		t.Fatalf("import: %v", err)
	}
	f.backend.keychain = o.kc
	o.hq = profileOf(t, "HQ", f.o.OwnerURL)
	o.branch = profileOf(t, "Branch Test", o.branchOrg.OwnerURL)
	prefs := f.app.Preferences()
	saveProfile(prefs, o.hq)
	saveProfile(prefs, o.branch)
	prefs.SetString(PrefLastProfile, o.hq.Name)
	o.kc.Set(KeychainService, o.hq.keychainUser(), f.o.Password)
	return o
}

func profileOf(t *testing.T, name, rawURL string) Profile {
	u := mustURL(t, rawURL)
	port, _ := strconv.Atoi(u.Port())
	return Profile{Name: name, Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Role: u.User.Username()}
}

// pick opens the office menu under button and chooses the profile named name.
func pick(t *testing.T, win fyne.Window, o *officeSwitch, button *widget.Button, name string) {
	t.Helper()
	test.Tap(button)
	var menu *widget.Menu
	for _, ob := range test.LaidOutObjects(win.Canvas().Overlays().Top()) {
		if m, ok := ob.(*widget.PopUpMenu); ok {
			menu = m.Menu
		}
	}
	if menu == nil {
		t.Fatalf("the office button opened no menu")
	}
	for i, it := range o.menu().Items {
		if it.Label == name {
			test.Tap(menu.Items[i].(fyne.Tappable))
			return
		}
	}
	t.Fatalf("the office menu does not offer %q", name)
}

// onlyBranch fails unless list holds Branch Test's one user and nobody of Acme's.
func onlyBranch(t *testing.T, list *userList) {
	t.Helper()
	if list == nil {
		t.Fatal("no users loaded")
	}
	found := false
	for i := range list.len() {
		u := list.user(i)
		if strings.HasSuffix(u.PrimaryEmail, "@acme.example") {
			t.Errorf("after the switch, the list shows %s", u.PrimaryEmail)
		}
		found = found || u.PrimaryEmail == "zed@branch.example"
	}
	if !found {
		t.Error("after the switch, Zed Zimmer is not listed")
	}
}

// An IT person signs in to HQ, searches, selects and opens a user, then
// switches to the branch office from the top bar: the password is asked
// for (the keychain has none), the title names the branch, and the users,
// the search, the selection and the open profile are the branch's, made
// anew. Back to HQ takes no password (the keychain has it), from the
// Unified shell's top bar.
func TestStorySwitchOfficesOnDesktop(t *testing.T) {
	f := newOffices(t)
	a := test.NewTempApp(t)
	saveProfile(a.Preferences(), f.hq)
	saveProfile(a.Preferences(), f.branch)
	a.Preferences().SetString(PrefLastProfile, f.hq.Name)
	d := newDesktop(a, f.backend, nil, testOptions())
	d.win.Resize(fyne.NewSize(1000, 640))
	equal(t, "title before sign-in", d.win.Title(), "ResetDesk")
	equal(t, "profile chosen", d.signIn.profiles.Selected, "HQ")
	test.Tap(d.signIn.signIn)
	c := d.console
	if c == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	equal(t, "title", d.win.Title(), "Acme Test (HQ) — ResetDesk")
	equal(t, "office button", c.offices.button.Text, "Acme Test (HQ)")

	test.Type(c.search, "alice")
	alice := c.users.shownUser(0)
	c.dir.selected[alice.ID] = true
	c.users.openProfile(alice)
	c.show(screenMail)
	c.show(screenUsers)
	if c.mail == nil {
		t.Fatal("Mail was not built")
	}

	pick(t, d.win, c.offices, c.offices.button, "Branch Test")
	if c.offices.prompt == nil || d.console != c {
		t.Fatal("no password asked for a profile the keychain does not hold")
	}
	test.Type(c.offices.password, f.branchOrg.Password)
	c.offices.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter signs in
	b := d.console
	if b == c {
		t.Fatalf("still in the first office: %s", c.offices.said)
	}
	if c.ctx.Err() == nil {
		t.Error("the first office's session is still open")
	}
	equal(t, "title", d.win.Title(), "Branch Test — ResetDesk")
	equal(t, "office button", b.offices.button.Text, "Branch Test")
	equal(t, "org", b.org.Name, "Branch Test")
	equal(t, "search", b.search.Text, "")
	equal(t, "selection", len(b.dir.selected), 0)
	equal(t, "no profile open", b.users.profile == nil, true)
	equal(t, "mail made anew", b.mail == nil, true)
	equal(t, "no dialog left", d.win.Canvas().Overlays().Top() == nil, true)
	onlyBranch(t, b.dir.list)
	equal(t, "rows", b.users.list.Length(), b.dir.list.len())
	equal(t, "last profile", a.Preferences().String(PrefLastProfile), "Branch Test")
	if _, err := f.kc.Get(KeychainService, f.branch.keychainUser()); err == nil {
		t.Error("a typed password went into the keychain unasked")
	}

	// Back to HQ from the Unified shell: the keychain has its password.
	b.setLayout(LayoutUnified)
	pick(t, d.win, b.offices, b.offices.button, "HQ")
	if d.console == b {
		t.Fatalf("still in the branch: %s", b.offices.said)
	}
	equal(t, "no password asked", b.offices.prompt == nil, true)
	equal(t, "title", d.win.Title(), "Acme Test (HQ) — ResetDesk")
	if d.console.unified == nil {
		t.Error("the switch left the Unified shell")
	}
	if _, ok := d.console.dir.list.userByID(alice.ID); !ok {
		t.Error("HQ's users are not listed again")
	}

	d.signOut()
	equal(t, "title after sign-out", d.win.Title(), "ResetDesk")
}

// A reset under way keeps the office open, with a sentence; once it has
// finished the switch goes ahead. A wrong password keeps the office too.
func TestSwitchOfficeWaitsForReset(t *testing.T) {
	f := newOffices(t)
	c := f.c
	var queued []func()
	c.opts.spawn = func(w func()) { queued = append(queued, w) }
	r := openResetDialog(c, f.users["bob@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "reset queued", len(queued), 1)

	c.offices.choose(f.branch)
	equal(t, "still open", f.d.console, c)
	equal(t, "said", c.offices.said, "A password reset is under way in Acme Test. Switch offices once it has finished.")
	equal(t, "no password asked", c.offices.prompt == nil, true)

	c.opts.spawn = testOptions().spawn
	queued[0]()
	equal(t, "outcome", r.outcome.Text, "The password of Bob Brown was reset.")
	r.onClose()

	c.offices.choose(f.branch)
	test.Type(c.offices.password, "not the password")
	c.offices.prompt.Submit()
	equal(t, "still open after a wrong password", f.d.console, c)
	if !strings.Contains(strings.ToLower(c.offices.said), "password") {
		t.Errorf("said %q", c.offices.said)
	}
	equal(t, "button back", c.offices.button.Text, "Acme Test")
	equal(t, "button enabled", c.offices.button.Disabled(), false)

	// Signed out while the branch opened: the branch's session closes
	// unseen, and the sign-in screen stays.
	queued = nil
	c.opts.spawn = func(w func()) { queued = append(queued, w) }
	c.offices.choose(f.branch)
	equal(t, "keychain asked", len(queued), 1)
	queued[0]()
	test.Type(c.offices.password, f.branchOrg.Password)
	c.offices.prompt.Submit()
	equal(t, "sign-in queued", len(queued), 2)
	f.d.signOut()
	c.opts.spawn = testOptions().spawn
	for _, w := range queued[1:] {
		w()
	}
	equal(t, "no console", f.d.console == nil, true)
	equal(t, "title", f.d.win.Title(), "ResetDesk")
	equal(t, "sign-in screen", f.d.showing(), f.d.signIn.view)

	d := newDesktop(f.app, f.backend, &Session{Directory: f.o.Owner, Resetter: c.sess.Resetter}, testOptions())
	d.console.offices.choose(f.branch)
	test.Type(d.console.offices.password, f.branchOrg.Password)
	d.console.offices.prompt.Submit()
	equal(t, "switched", d.console.org.Name, "Branch Test")
}

// On the phone the users page names the office; two taps and the password
// open the branch's users page, its pages made anew.
func TestStorySwitchOfficesOnPhone(t *testing.T) {
	f := newOffices(t)
	a := test.NewTempApp(t)
	saveProfile(a.Preferences(), f.hq)
	saveProfile(a.Preferences(), f.branch)
	a.Preferences().SetString(PrefLastProfile, f.hq.Name)
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.touch = true
	m := newMobile(a, f.backend, nil, o)
	test.Tap(m.signIn.signIn)
	if m.nav == nil {
		t.Fatalf("not signed in: %s", m.signIn.status.Text)
	}
	equal(t, "title", m.win.Title(), "Acme Test (HQ) — ResetDesk")
	test.Tap(m.home.entry)
	users := m.users
	test.Type(users.search, "ALICE")
	users.list.Select(0)
	equal(t, "user open", m.lastUser.user.PrimaryEmail, "alice@acme.example")
	m.nav.onBack()

	pick(t, m.win, m.offices, m.offices.button, "Branch Test")
	// The password prompt's buttons are a thumb's size, and an empty
	// password is refused in the prompt.
	pr := m.offices.prompt
	for name, b := range map[string]*widget.Button{"cancel": pr.cancel, "sign in": pr.signIn} {
		if h := b.Size().Height; h < 44 {
			t.Errorf("the prompt's %s button is %v tall, want 44 or more", name, h)
		}
	}
	test.Tap(pr.signIn)
	equal(t, "still in the first office", m.users, users)
	test.Type(m.offices.password, f.branchOrg.Password)
	test.Tap(pr.signIn)
	if m.users == users {
		t.Fatalf("still in the first office: %s", m.offices.said)
	}
	equal(t, "title", m.win.Title(), "Branch Test — ResetDesk")
	equal(t, "the branch's users page", m.nav.top(), m.users.page)
	equal(t, "under its home", len(m.nav.pages), 2)
	equal(t, "home names the branch", m.home.page.title, "Branch Test")
	equal(t, "no user open", m.lastUser == nil, true)
	equal(t, "search", m.users.search.Text, "")
	onlyBranch(t, m.dir.list)
	equal(t, "rows", m.users.list.Length(), m.dir.list.len())
	equal(t, "office button", m.offices.button.Text, "Branch Test")
}

// TestOfficeTitleNamesTheOrgOnce (walk6 p5): a profile named after its
// office, such as the demo's "Demo: Northwind Traders", is not put in
// brackets after the org's own name.
func TestOfficeTitleNamesTheOrgOnce(t *testing.T) {
	for _, c := range []struct{ org, profile, want string }{
		{"Northwind Traders", "", "Northwind Traders"},
		{"Northwind Traders", "northwind traders ", "Northwind Traders"},
		{"Northwind Traders", "Demo: Northwind Traders", "Demo: Northwind Traders"},
		{"Acme Test", "HQ", "Acme Test (HQ)"},
		{"Acme", "Acme Test", "Acme Test"},
		{"Acme Test", "Acme", "Acme Test (Acme)"},
	} {
		equal(t, c.org+" / "+c.profile, officeTitle(app.Org{Name: c.org}, c.profile), c.want)
	}
}
