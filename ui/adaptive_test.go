package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// Sizes the stories resize the window to.
var (
	wideSize   = fyne.NewSize(1000, 640)
	narrowSize = fyne.NewSize(420, 800)
	tabletSize = fyne.NewSize(1024, 1366) // an iPad in portrait
)

// phoneShows says whether the window shows the phone flow of the session
// open, at page p.
func phoneShows(t *testing.T, d *Desktop, p *mobilePage) {
	t.Helper()
	m := d.phone
	if !d.narrow || m.nav == nil || d.showing() != m.nav.view {
		t.Fatalf("the phone flow does not show: narrow %v, showing %T", d.narrow, d.showing())
	}
	if top := m.nav.top(); top != p {
		t.Fatalf("phone page %q, want %q", top.title, p.title)
	}
}

// wideShows says whether the window shows the console's shell.
func wideShows(t *testing.T, d *Desktop) {
	t.Helper()
	if d.narrow || d.console == nil || d.showing() != d.console.view() || d.phone.nav != nil {
		t.Fatalf("the wide layout does not show: narrow %v, showing %T", d.narrow, d.showing())
	}
}

// The admin narrows the window with a search typed, a role filter, two
// users ticked and Alice's profile open: the phone flow shows Alice's page
// over the users page, the search and the filter say the same, and the
// list was not loaded again. On the phone they go back, search again and
// open Bob; widened, the window shows Bob's profile in the shell they
// chose, with that search, the filter and the ticks. No load either way.
func TestStoryResizeKeepsState(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	alice, bob := f.users["alice@acme.example"], f.users["bob@acme.example"]
	test.Type(c.search, "acme")
	c.users.role.SetSelected("Members")
	c.users.onRowChecked(alice.ID, true)
	c.users.onRowChecked(bob.ID, true)
	c.users.openProfile(alice)
	loads := c.dir.loads
	rows := c.users.list.Length()

	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.lastUser.page)
	equal(t, "the same session", m.signedIn, c.signedIn)
	equal(t, "Alice open", m.lastUser.user.ID, alice.ID)
	equal(t, "under it, the users page", m.nav.pages[len(m.nav.pages)-2], m.users.page)
	equal(t, "search", m.users.search.Text, "acme")
	equal(t, "the same rows", m.users.list.Length(), rows)
	equal(t, "the filter said", m.users.filters.Visible(), true)
	equal(t, "filter named", m.users.filtersNote.Text, "Filtered: Members")
	equal(t, "not loaded again", c.dir.loads, loads)

	m.nav.onBack()
	equal(t, "no user open", c.dir.open, int64(0))
	m.users.search.SetText("")
	test.Type(m.users.search, "bob")
	equal(t, "one match", m.users.list.Length(), 1)
	m.users.list.Select(0)
	phoneShows(t, d, m.lastUser.page)

	d.win.Resize(wideSize)
	wideShows(t, d)
	equal(t, "Spaces", c.spaces != nil, true)
	equal(t, "on Users", c.spaces.current, screenUsers)
	equal(t, "search", c.search.Text, "bob")
	equal(t, "filter", c.users.role.Selected, "Members")
	if p := c.users.profile; p == nil || p.user.ID != bob.ID {
		t.Fatalf("Bob's profile is not open: %v", p)
	}
	equal(t, "two ticked", len(c.dir.selected), 2)
	equal(t, "the bar says so", c.users.selectedLabel.Text, "2 selected (1 hidden by the filters)")
	equal(t, "not loaded again", c.dir.loads, loads)

	// Back on the list, the search shows Bob alone, as on the phone.
	c.users.showList()
	equal(t, "rows", c.users.list.Length(), 1)
	equal(t, "Bob", c.users.shownUser(0).ID, bob.ID)
}

// The Unified shell comes back as the Unified shell, on the screen it
// was left on; the phone's Clear filters clears them for the shell too.
func TestStoryResizeUnified(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	c.setLayout(LayoutUnified)
	c.show(screenMail)
	c.users.lockedOnly.SetChecked(true)
	loads := c.dir.loads

	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.users.page)
	equal(t, "locked only", m.users.list.Length(), 1)
	equal(t, "filter named", m.users.filtersNote.Text, "Filtered: Locked only")
	test.Tap(m.users.clearFilters)
	equal(t, "cleared", m.users.filters.Visible(), false)
	equal(t, "everyone", m.users.list.Length(), c.dir.list.len())

	d.win.Resize(wideSize)
	wideShows(t, d)
	equal(t, "Unified", c.unified != nil, true)
	equal(t, "still on Mail", c.unified.current, screenMail)
	equal(t, "filter cleared", c.users.lockedOnly.Checked, false)
	equal(t, "not loaded again", c.dir.loads, loads)
}

// A window resting on the breakpoint does not flap: narrowing switches
// below breakpoint, widening only from breakpoint+hysteresis; a touch
// screen too short for the shells (a phone on its side) shows the phone
// flow too, a desktop window does not.
// The layout follows the content's size: the window's, less its padding.
func TestLayoutHysteresis(t *testing.T) {
	f := newFixture(t)
	d := f.d
	pad := 2 * theme.Padding()
	for _, step := range []struct {
		w, h   float32
		narrow bool
	}{
		{breakpoint + pad + 1, 640, false},
		{breakpoint + pad - 1, 640, true},
		{breakpoint + pad + 1, 640, true},
		{breakpoint + hysteresis + pad - 1, 640, true},
		{breakpoint + hysteresis + pad, 640, false},
		{breakpoint + pad, 640, false},
		{844, 390, false}, // a desktop window: as tall as GLFW lets it be
	} {
		d.win.Resize(fyne.NewSize(step.w, step.h))
		if d.narrow != step.narrow {
			t.Fatalf("at %vx%v narrow = %v, want %v", step.w, step.h, d.narrow, step.narrow)
		}
	}
	if d.console == nil {
		t.Fatal("the session ended")
	}

	// A touch screen that short is a phone on its side.
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.touch = true
	sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter}
	phone := startWindow(f.app, f.backend, sess.starter(), o, fyne.NewSize(844, 390))
	for _, step := range []struct {
		w, h   float32
		narrow bool
	}{
		{844, 390, true},
		{844, compactHeight + hysteresis + pad - 1, true},
		{844, compactHeight + hysteresis + pad, false},
		{844, compactHeight + pad - 1, true},
	} {
		phone.win.Resize(fyne.NewSize(step.w, step.h))
		if phone.narrow != step.narrow {
			t.Fatalf("touch at %vx%v narrow = %v, want %v", step.w, step.h, phone.narrow, step.narrow)
		}
	}
}

// A reset dialog holds the wide layout while it is open: narrowed, the
// window keeps the dialog and what was typed in it, and switches once the
// dialog closes. On the phone, the Reset Password page (and then the
// outcome) holds the phone flow the same way: widening waits until the
// admin leaves the page.
func TestStoryResetHoldsLayout(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	alice := f.users["alice@acme.example"]
	r := openResetDialog(c, alice)
	test.Type(r.verify, "half typed")

	d.win.Resize(narrowSize)
	wideShows(t, d)
	equal(t, "dialog kept", c.lastReset, r)
	equal(t, "typed kept", r.verify.Text, "half typed")
	test.Tap(r.cancel)
	phoneShows(t, d, d.phone.users.page)

	// On the phone: Alice, Reset Password, then the window widens.
	m := d.phone
	m.users.open(alice)
	test.Tap(m.lastUser.reset)
	page := m.lastReset
	equal(t, "reset page", m.nav.top(), page.page)
	password := page.password.Text
	d.win.Resize(wideSize)
	phoneShows(t, d, page.page)
	equal(t, "password kept", page.password.Text, password)

	// A real reset, then the outcome with SHARE: still held.
	test.Tap(page.reset)
	test.Type(page.verify, f.o.Password)
	test.Tap(page.confirm)
	o := m.lastOutcome
	if o == nil {
		t.Fatalf("no outcome: %q", page.status.Text)
	}
	phoneShows(t, d, o.page)
	equal(t, "outcome", o.outcome.Text, "The password of Alice Anders was reset.")

	// Done: the layout catches up with the width at once.
	test.Tap(o.done)
	wideShows(t, d)
	equal(t, "the password left with its page", o.secret.Text, "")
	equal(t, "no user open after Done", c.users.profile == nil, true)
}

// A load under way when the window narrows answers to the phone flow.
func TestStoryLoadAnswersAfterResize(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	var queued []func()
	c.signedIn.opts.spawn = func(work func()) { queued = append(queued, work) }
	f.o.Exec(t, `UPDATE resetdesk.users SET display_name = 'Alice Renamed' WHERE primary_email = 'alice@acme.example'`)
	c.users.reload()
	equal(t, "wide shows loading", c.users.loading.Visible(), true)

	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.users.page)
	equal(t, "phone shows loading", m.users.loading.Visible(), true)
	for len(queued) > 0 {
		work := queued[0]
		queued = queued[1:]
		work()
	}
	equal(t, "loaded", m.users.loading.Visible(), false)
	found := false
	for i := range m.users.list.Length() {
		found = found || m.users.shownUser(i).DisplayName == "Alice Renamed"
	}
	equal(t, "the new name on the phone", found, true)
}

// Before signing in, the sign-in screen follows the width too, and keeps
// what was typed.
func TestSignInFollowsWidth(t *testing.T) {
	f := newFixture(t)
	a := test.NewTempApp(t)
	d := newDesktop(a, f.backend, nil, testOptions())
	d.win.Resize(wideSize)
	equal(t, "centred", d.showing(), d.signIn.view)
	d.signIn.host.SetText("db.acme.example")
	d.win.Resize(narrowSize)
	if _, ok := d.showing().(*container.Scroll); !ok || d.showing() == d.signIn.view {
		t.Fatalf("narrow sign-in shows %T", d.showing())
	}
	if h := d.signIn.signIn.Size().Height; h < fingerSize() {
		t.Errorf("Sign in is %v tall, want a finger's %v", h, fingerSize())
	}
	equal(t, "typed kept", d.signIn.host.Text, "db.acme.example")
	d.win.Resize(wideSize)
	equal(t, "centred again", d.showing(), d.signIn.view)

	// An end user's form holds the layout while it shows; back at the
	// sign-in, the window takes the width's.
	test.Tap(d.signIn.endUserCode)
	e := d.endUser
	equal(t, "the end user's form", d.showing(), e.view)
	test.Type(e.login, "bob@acme.example")
	d.win.Resize(narrowSize)
	equal(t, "held", d.showing(), e.view)
	equal(t, "typed kept", e.login.Text, "bob@acme.example")
	test.Tap(e.back)
	equal(t, "narrow sign-in", d.narrow, true)
	if _, ok := d.showing().(*container.Scroll); !ok || d.showing() == d.signIn.view {
		t.Fatalf("back from the form shows %T", d.showing())
	}
}

// A tablet (touch) wide enough gets the Spaces shell with targets of 44
// units or more, in the reset dialog too; in a narrow split it gets the
// phone flow, whose users entry sits where the platform puts it.
func TestStoryTablet(t *testing.T) {
	for _, platform := range []string{platformIOS, platformAndroid} {
		t.Run(platform, func(t *testing.T) {
			f := newFixture(t)
			// A desktop keeps Fyne's menus, a pointer's size; at scale
			// 1.5 (1100 pixels, 733 units) the row's menu keeps off the
			// window's right edge.
			f.d.win.Resize(fyne.NewSize(733, 480))
			test.Type(f.c.search, "alice")
			test.Tap(rowFor(t, f.d.win, f.users["alice@acme.example"].ID).more)
			for i, h := range menuItemHeights(t, f.d.win, "desktop's row menu") {
				if h >= 44 {
					t.Errorf("desktop's row menu item %d is %v tall, want Fyne's size", i, h)
				}
			}

			o := mobileOptions{options: testOptions(), platform: platform, generate: app.GeneratePassword}
			o.touch = true
			sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter}
			d := startWindow(f.app, f.backend, sess.starter(), o, tabletSize)
			wideShows(t, d)
			c := d.console
			test.Type(c.search, "b")
			targets := map[string]fyne.CanvasObject{
				"refresh": c.users.refresh, "status filter": c.users.status, "locked only": c.users.lockedOnly,
				"search": c.search, "office": c.offices.button, "admin icon": c.spaces.admin,
			}
			for _, o := range test.LaidOutObjects(d.win.Content()) {
				if r, ok := o.(*userRow); ok && r.Visible() {
					targets["row"], targets["row menu"], targets["row check"] = r, r.more, r.check
					break
				}
			}
			if len(targets) != 9 {
				t.Fatalf("no row laid out")
			}
			r := openResetDialog(c, f.users["alice@acme.example"])
			targets["dialog's confirm"], targets["dialog's cancel"], targets["dialog's password"] = r.confirm, r.cancel, r.verify
			for name, o := range targets {
				if h := o.Size().Height; h < 44 {
					t.Errorf("%s is %v tall, want 44 or more", name, h)
				}
			}
			test.Tap(r.cancel)

			// With the owner asking how the user was verified, that
			// drop-down's choices are finger-tall too.
			c.org.RequireResetReason = true
			r = openResetDialog(c, f.users["alice@acme.example"])
			test.Tap(r.verifiedBy)
			for i, h := range menuItemHeights(t, d.win, "dialog's verified-by drop-down") {
				if h < 44 {
					t.Errorf("dialog's verified-by item %d is %v tall, want 44 or more", i, h)
				}
			}
			test.Tap(r.cancel)
			c.org.RequireResetReason = false

			// The pop-up menus are overlays, outside the shell's theme:
			// their items are finger-tall too, and the row's menu keeps
			// a padding from the window's right edge.
			menus := map[string]func(){
				"row menu":         func() { test.Tap(targets["row menu"].(fyne.Tappable)) },
				"admin menu":       c.spaces.onAdmin,
				"office menu":      func() { test.Tap(c.offices.button) },
				"status drop-down": func() { test.Tap(c.users.status) },
				"role drop-down":   func() { test.Tap(c.users.role) },
			}
			for name, open := range menus {
				open()
				for i, h := range menuItemHeights(t, d.win, name) {
					if h < 44 {
						t.Errorf("%s's item %d is %v tall, want 44 or more", name, i, h)
					}
				}
			}
			// The touch drop-down still chooses.
			test.Tap(c.users.role)
			for _, o := range test.LaidOutObjects(d.win.Canvas().Overlays().Top()) {
				if m, ok := o.(*widget.PopUpMenu); ok {
					test.Tap(m.Items[1].(fyne.Tappable))
				}
			}
			equal(t, "role chosen", c.users.role.Selected, roleChoices[1])
			c.users.role.SetSelected(roleChoices[0])

			// The other screens' drop-downs: Audit's action, Settings'
			// mail server security, console users' roles, and the server
			// identity in a saved profile's form, a dialog of its own.
			c.show(screenAudit)
			c.show(screenSettings)
			others := map[string]fyne.Tappable{
				"audit's action": c.audit.action, "settings' TLS": c.settings.smtpTLS, "settings' new admin role": c.settings.admins.role,
			}
			for email, sel := range c.settings.admins.roleOf {
				others["settings' role of "+email] = sel
			}
			if len(others) < 4 {
				t.Fatalf("Settings lists no console user whose role can change")
			}
			saveProfile(c.prefs, Profile{Name: "Office", Host: "db.acme.example", Port: 5432, Database: "resetdesk", Role: "olivia"})
			c.settings.showProfiles()
			c.settings.onEditProfile(loadProfiles(c.prefs)[0])
			others["profile's server identity"] = c.settings.edit.identity.mode
			for name, sel := range others {
				test.Tap(sel)
				for i, h := range menuItemHeights(t, d.win, name) {
					if h < 44 {
						t.Errorf("%s's item %d is %v tall, want 44 or more", name, i, h)
					}
				}
			}
			c.settings.edit.dialog.Hide()
			c.show(screenUsers)

			c.users.onRowChecked(f.users["alice@acme.example"].ID, true)
			test.Tap(c.users.resetSelected)
			b := c.lastBulk
			for name, o := range map[string]fyne.CanvasObject{"bulk's confirm": b.confirm, "bulk's cancel": b.cancel, "bulk's password": b.verify, "bulk's add": b.add} {
				if h := o.Size().Height; h < 44 {
					t.Errorf("%s is %v tall, want 44 or more", name, h)
				}
			}
			test.Tap(b.cancel)
			c.users.onRowChecked(f.users["alice@acme.example"].ID, false)

			// Split view: the phone flow, at the users page; back home, the
			// users entry is where the platform puts it.
			d.win.Resize(fyne.NewSize(507, 1366))
			m := d.phone
			phoneShows(t, d, m.users.page)
			equal(t, "search kept", m.users.search.Text, "b")
			m.nav.onBack()
			win := d.win.Canvas().Size()
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.home.entry)
			size := m.home.entry.Size()
			if right := win.Width - (pos.X + size.Width); right > fingerSize() {
				t.Errorf("entry is %v from the right edge", right)
			}
			top := pos.Y < fingerSize()
			bottom := win.Height-(pos.Y+size.Height) < fingerSize()
			if platform == platformIOS && !top || platform == platformAndroid && !bottom {
				t.Errorf("entry at %v size %v in a %v window", pos, size, win)
			}
			if !strings.Contains(m.home.count.Text, "users in the directory") {
				t.Errorf("home count = %q", m.home.count.Text)
			}
		})
	}
}

// menuItemHeights measures the items of the menu open in win, checks that
// it keeps a padding from the window's right edge, and closes it.
func menuItemHeights(t *testing.T, win fyne.Window, name string) []float32 {
	t.Helper()
	overlay := win.Canvas().Overlays().Top()
	var pop *widget.PopUpMenu
	for _, o := range test.LaidOutObjects(overlay) {
		if m, ok := o.(*widget.PopUpMenu); ok {
			pop = m
		}
	}
	if pop == nil {
		t.Fatalf("%s: no menu open", name)
	}
	defer win.Canvas().Overlays().Remove(overlay)
	if right := win.Canvas().Size().Width - (pop.Position().X + pop.Size().Width); right < theme.Padding() {
		t.Errorf("%s is %v from the window's right edge, want %v or more", name, right, theme.Padding())
	}
	var heights []float32
	for _, it := range pop.Items {
		if _, ok := it.(fyne.Tappable); ok {
			heights = append(heights, it.Size().Height)
		}
	}
	if len(heights) == 0 {
		t.Errorf("%s has no items", name)
	}
	return heights
}

// signInFingerSized checks that the sign-in screen showing in d has
// targets of 44 units or more, drop-downs' choices included, and that the
// form has the room its taller rows need.
func signInFingerSized(t *testing.T, d *Desktop, when string) {
	t.Helper()
	s := d.signIn
	targets := map[string]fyne.CanvasObject{
		"profile": s.profiles, "server identity": s.identity.mode, "host": s.host, "password": s.password,
		"Sign in": s.signIn, "end user's code": s.endUserCode,
	}
	selects := map[string]*touchSelect{"profile": s.profiles, "server identity": s.identity.mode}
	if s.identity.local.Visible() { // a server on this computer: one line and a button in place of the drop-down
		targets["server identity"] = s.identity.choose
		delete(selects, "server identity")
	}
	for name, o := range targets {
		if h := o.Size().Height; h < 44 {
			t.Errorf("%s: %s is %v tall, want 44 or more", when, name, h)
		}
	}
	if got, need := s.box.Size().Height, s.box.MinSize().Height; got < need {
		t.Errorf("%s: the form has %v units of height, needs %v", when, got, need)
	}
	for name, sel := range selects {
		test.Tap(sel)
		for i, h := range menuItemHeights(t, d.win, when+": "+name) {
			if h < 44 {
				t.Errorf("%s: %s's choice %d is %v tall, want 44 or more", when, name, i, h)
			}
		}
	}
}

// On a tablet the sign-in screen is finger-sized from its first showing,
// after signing out, in a narrow split and widened again, and after a
// second sign-in and sign-out: the touch sizing is the screen's own, not
// something set on it afterwards.
func TestStoryTabletSignOutSignIn(t *testing.T) {
	f := newFixture(t)
	a := test.NewTempApp(t)
	hq := profileOf(t, "HQ", f.o.OwnerURL)
	saveProfile(a.Preferences(), hq)
	a.Preferences().SetString(PrefLastProfile, hq.Name)
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.touch = true
	d := startWindow(a, f.backend, nil, o, tabletSize)
	equal(t, "wide sign-in", d.showing(), d.signIn.view)
	signInFingerSized(t, d, "first showing")

	signIn := func(when string) {
		t.Helper()
		equal(t, when+": profile", d.signIn.profiles.Selected, "HQ")
		d.signIn.password.SetText(f.o.Password)
		test.Tap(d.signIn.signIn)
		if d.console == nil {
			t.Fatalf("%s: not signed in: %s", when, d.signIn.status.Text)
		}
		wideShows(t, d)
	}
	signIn("first sign-in")
	d.signOut()
	equal(t, "signed out", d.showing(), d.signIn.view)
	signInFingerSized(t, d, "after signing out")

	d.win.Resize(fyne.NewSize(507, 1366))
	equal(t, "narrow", d.narrow, true)
	signInFingerSized(t, d, "in a narrow split")
	d.win.Resize(tabletSize)
	equal(t, "widened", d.showing(), d.signIn.view)
	signInFingerSized(t, d, "widened again")

	signIn("second sign-in")
	d.signOut()
	signInFingerSized(t, d, "after the second sign-out")
}

// A tablet's sign-in screen: the profile and server-identity drop-downs
// have finger-tall choices; a desktop's keep Fyne's.
func TestTabletSignInDropDowns(t *testing.T) {
	f := newFixture(t)
	for _, touch := range []bool{false, true} {
		a := test.NewTempApp(t)
		o := testOptions()
		o.touch = touch
		d := newDesktop(a, f.backend, nil, o)
		d.win.Resize(tabletSize)
		for name, sel := range map[string]*touchSelect{"profile": d.signIn.profiles, "server identity": d.signIn.identity.mode} {
			test.Tap(sel)
			for i, h := range menuItemHeights(t, d.win, name) {
				if touch && h < 44 || !touch && h >= 44 {
					t.Errorf("touch %v: %s's item %d is %v tall", touch, name, i, h)
				}
			}
		}
		d.win.Close()
	}
}
