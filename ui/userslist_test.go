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

// Stories for the users list's own findings (notes/walk5/findings.md N2,
// N8, N7, and N13 on the owner's own row).

// N2, second half: at FYNE_SCALE=1.5 the first window (1100 x 720 pixels)
// is 733 units wide. With 125 users ticked and then hidden by a filter, the
// selection bar ("3 selected (3 hidden by the filters)", Reset Password,
// Clear selection) and the count beside the filters ("4 of 129 users") fit
// it in both shells, instead of pushing the shell
// sideways and cutting Sign out off at the right.
func TestHiddenSelectionFitsTheFirstWindowAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	const width = 1100 / 1.5
	// An office's worth: three-digit counts make the words longest.
	f.o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'Member ' || i, 'member' || i || '@acme.example', 'confirmed'
	             FROM generate_series(1, 120) i`)
	u := f.c.users
	u.reload()
	u.role.SetSelected("Admins")
	bare := map[string]float32{}
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenUsers)
		bare[layout] = f.d.root.view.MinSize().Width
	}
	u.role.SetSelected("Members")
	test.Tap(u.selectAll)
	u.role.SetSelected("Admins")
	if !strings.Contains(u.selectedLabel.Text, "hidden by the filters") {
		t.Fatalf("the bar says %q", u.selectedLabel.Text)
	}
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenUsers)
		equal(t, layout+": bar shown", u.selectionBar.Visible(), true)
		if w := f.d.root.view.MinSize().Width; w > width {
			t.Errorf("%s shell with a hidden selection wants %.0f units of width, more than the %.0f of the first window at scale 1.5", layout, w, width)
		}
		// Whatever the numbers, the bar never sets the page's width: the
		// words wrap before they widen the shell.
		if w := f.d.root.view.MinSize().Width; w > bare[layout] {
			t.Errorf("%s shell: the selection bar widens the page from %.0f to %.0f units", layout, bare[layout], w)
		}
	}
}

// N8: on a tablet (touch and wide) the users list's rows are a finger's
// size, as the drop-downs and the dialogs' buttons are: each row, its ⋮
// and its checkbox at least 44 units tall and the ⋮ and the checkbox as
// wide, where a desktop keeps Fyne's pointer-sized row.
func TestTabletUserRowsAreFingerSized(t *testing.T) {
	f := newFixture(t)
	desk := firstUserRow(t, f.d.win.Content())
	if h := desk.Size().Height; h >= 44 {
		t.Errorf("a desktop's row is %v tall, want Fyne's size", h)
	}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.touch = true
	sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter}
	fingerSized := func(when string, d *Desktop) {
		t.Helper()
		wideShows(t, d)
		r := firstUserRow(t, d.win.Content())
		for name, s := range map[string]fyne.Size{"row": r.Size(), "row menu": r.more.Size(), "row check": r.check.Size()} {
			if s.Height < 44 {
				t.Errorf("%s: tablet's %s is %v tall, want 44 or more", when, name, s.Height)
			}
			if name != "row" && s.Width < 44 {
				t.Errorf("%s: tablet's %s is %v wide, want 44 or more", when, name, s.Width)
			}
		}
	}
	started := startWindow(f.app, f.backend, sess.starter(), o, tabletSize)
	fingerSized("started signed in", started)
	// The list sizes all its rows from a template it may make outside the
	// shell's touch theme (the real app did: rows 40 units apart): the
	// template is finger-tall by itself.
	if h := started.console.users.createRow().MinSize().Height; h < 44 {
		t.Errorf("tablet's row template is %v tall, want 44 or more", h)
	}
	if h := f.c.users.createRow().MinSize().Height; h >= 44 {
		t.Errorf("desktop's row template is %v tall, want Fyne's size", h)
	}

	// Signed in from the sign-in screen, as an admin starts the app.
	a := test.NewTempApp(t)
	hq := profileOf(t, "HQ", f.o.OwnerURL)
	saveProfile(a.Preferences(), hq)
	a.Preferences().SetString(PrefLastProfile, hq.Name)
	d := startWindow(a, f.backend, nil, o, tabletSize)
	d.signIn.password.SetText(f.o.Password)
	test.Tap(d.signIn.signIn)
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	fingerSized("signed in", d)
}

// firstUserRow is the first row of the users list laid out in o.
func firstUserRow(t *testing.T, o fyne.CanvasObject) *userRow {
	t.Helper()
	for _, o := range test.LaidOutObjects(o) {
		if r, ok := o.(*userRow); ok && r.Visible() {
			return r
		}
	}
	t.Fatal("no row laid out")
	return nil
}

// N7: at FYNE_SCALE=1.5 (the first window is 733 units wide) the demo's
// admin's email shows whole in its row, where the two equal columns cut it
// ("admin@northw…") beside a short name with room to spare.
func TestUsersListShowsTheWholeEmailAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	const email = "admin@northwind.example"
	f.o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           VALUES ((SELECT id FROM resetdesk.orgs), 'Ada Admin', '`+email+`', 'confirmed')`)
	f.c.users.reload()
	f.d.win.Resize(fyne.NewSize(1100/1.5, 720/1.5))
	test.Type(f.c.search, "northwind")
	r := firstUserRow(t, f.d.win.Content())
	equal(t, "row", r.login.Text, email)
	need := fyne.MeasureText(email, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
	if w := r.login.Size().Width; w < need {
		t.Errorf("the email column is %.0f units wide, the email needs %.0f: it is cut", w, need)
	}
	if w := r.name.Size().Width; w < fyne.MeasureText("Ada Admin", theme.TextSize(), fyne.TextStyle{Bold: true}).Width+2*theme.InnerPadding() {
		t.Errorf("the name column is %.0f units wide: the name is cut", w)
	}
}

// walk6 p7: in the Unified layout at scale 1.5 in the first window (1100
// pixels, 733 units) a row showed "Ana Müll…", and the menu's split drew a
// stray handle beside the list. The name column has room for an everyday
// name, the login keeps most of an address, and the menu is a plain column.
func TestUnifiedRowsShowNamesAtScale15(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status, locked_until)
	           SELECT id, 'Ana Müller', 'ana.muller@northwind.example', 'confirmed', '2999-01-01' FROM resetdesk.orgs`)
	f.c.users.reload()
	f.c.setLayout(LayoutUnified)
	f.c.show(screenUsers)
	f.d.win.Resize(fyne.NewSize(1100/1.5, 720/1.5))
	test.Type(f.c.search, "muller")
	var row *userRow
	for _, o := range test.LaidOutObjects(f.d.win.Content()) {
		switch o := o.(type) {
		case *userRow:
			if o.Visible() && o.user.DisplayName == "Ana Müller" {
				row = o
			}
		case *container.Split:
			t.Errorf("the Unified shell holds a split, whose handle shows beside the list")
		}
	}
	if row == nil {
		t.Fatal("no row shows Ana Müller")
	}
	need := func(l *widget.Label) float32 {
		return fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
	}
	if w := row.name.Size().Width; w < need(row.name) {
		t.Errorf("the name column is %.0f units wide, %q needs %.0f", w, row.name.Text, need(row.name))
	}
	if w := row.login.Size().Width; w < 0.7*need(row.login) {
		t.Errorf("the login column is %.0f units wide, too little of the %.0f that %q needs", w, need(row.login), row.login.Text)
	}
}
