package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// tapFirstRow taps the first row of the phone's users list where a
// finger would, so that the list takes the keyboard focus as it does
// under a mouse.
func tapFirstRow(t *testing.T, m *Mobile) {
	t.Helper()
	c := m.win.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.users.list)
	test.TapCanvas(c, pos.AddXY(20, 10))
	if c.Focused() != m.users.list {
		t.Fatalf("the list does not have the focus after a tap: %T", c.Focused())
	}
	if m.lastUser == nil || m.nav.top() != m.lastUser.page {
		t.Fatalf("the tap opened no user")
	}
}

// walk6 B1: the admin narrows the window, taps a user in the phone list
// and widens it again; the phone's pages are gone but the list kept the
// keyboard focus. When the focus then moves (another window, a click on
// the search) the list was told it lost the focus and drew its row from
// the dropped session: a nil pointer panic that closed the app. Now the
// list lets go of the focus with its pages, and typing after widening
// goes nowhere near them.
func TestStoryWidenAfterTappingPhoneRow(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	d.win.Canvas().Focus(c.search)
	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.users.page)
	if d.win.Canvas().Focused() == c.search {
		t.Fatalf("the shell's search, gone from the window, kept the focus")
	}
	tapFirstRow(t, m)
	list := m.users.list

	d.win.Resize(wideSize)
	wideShows(t, d)
	focused := d.win.Canvas().Focused()
	d.win.Canvas().Unfocus() // another window takes the focus: this panicked
	if focused == list {
		t.Fatalf("the phone's list, gone from the window, kept the focus")
	}
	d.win.Canvas().Focus(c.search)
	test.Type(c.search, "bob")
	equal(t, "the search typed in the shell", c.search.Text, "bob")
	list.FocusLost() // even a late call from the driver draws nothing from the dropped session
	equal(t, "the shell still shows", d.showing(), c.view())
}

// walk6 B1 on the phone: Users, a user tapped, Back, Back, Sign out,
// Sign out; a tap on the sign-in screen's Role field moved the focus from
// the dropped list and panicked.
func TestMobileStorySignOutAfterTappingRow(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	m := f.m
	test.Tap(m.home.entry)
	tapFirstRow(t, m)
	list := m.users.list
	m.nav.onBack()
	m.nav.onBack()
	equal(t, "home", m.nav.top(), m.home.page)
	// A button does not take the focus from the list under a mouse: tap
	// them as the driver does, without test.Tap's unfocusing.
	m.home.signOut.OnTapped()
	m.confirmSignOut.Confirm()
	equal(t, "signed out", m.nav == nil, true)
	focused := m.win.Canvas().Focused()
	s := m.signIn
	m.win.Canvas().Focus(s.role) // a click on the Role field: this panicked
	if focused == list {
		t.Fatalf("the phone's list kept the focus after signing out")
	}
	equal(t, "the Role field has the focus", m.win.Canvas().Focused(), fyne.Focusable(s.role))
	test.Type(s.role, "x")
	list.FocusLost()
}

// walk6 m5: an office opened with a long profile name, "Northwind
// Traders (demo_owner@127.0.0.1)", made the top bar wider than a window
// just past the breakpoint: at 640 the search showed three letters and
// Sign out, the admin icon and the rows' menus were off to the right. The
// button now shortens the name; the window's title has it whole.
func TestStoryLongOfficeNameFitsJustPastBreakpoint(t *testing.T) {
	f := newFixture(t)
	profile := "demo_owner@127.0.0.1 on the front-desk computer"
	sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter, Profile: profile}
	d := newDesktop(f.app, f.backend, &sess, testOptions())
	c := d.console
	test.Type(c.search, "acme")
	for _, u := range f.users {
		c.users.onRowChecked(u.ID, true)
	}
	d.win.Resize(fyne.NewSize(breakpoint+hysteresis+8, 640))
	wideShows(t, d)
	if w := c.view().MinSize().Width; w > breakpoint+hysteresis {
		t.Fatalf("the shell wants %v units, wider than the window that shows it", w)
	}
	if got := c.offices.button.Text; !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, c.org.Name) {
		t.Fatalf("office button %q", got)
	}
	if !strings.Contains(d.win.Title(), profile) {
		t.Fatalf("the window's title %q lost the profile's name", d.win.Title())
	}
	if w := c.search.Size().Width; w < 120 {
		t.Fatalf("the search is %v units wide", w)
	}
}

// phoneEndUser signs the phone out and opens the end user's form of kind
// on its sign-in screen, in the touch theme a phone has.
func phoneEndUser(t *testing.T, kind endUserKind) (*mobileFixture, *endUserForm) {
	t.Helper()
	f := newMobileFixture(t, platformAndroid, nil)
	d := f.m.host
	d.opts.touch = true
	d.signOut()
	d.signIn.onEndUser(kind)
	if d.endUser == nil {
		t.Fatalf("no end user's form")
	}
	return f, d.endUser
}

// walk6 m4: on the phone the end user's forms asked for 417 units, so the
// 390-unit preview widened and a phone would cut them off: "Back to
// sign-in" sat beside "Change a temporary password". Both forms now fit a
// 360-unit phone in the touch theme.
func TestPhoneEndUserFormsFit360(t *testing.T) {
	for _, kind := range []endUserKind{endUserCode, endUserTemporary} {
		f, _ := phoneEndUser(t, kind)
		if w := f.m.win.Content().MinSize().Width; w > 360 {
			t.Errorf("form %d wants %v units, wider than a 360-unit phone", kind, w)
		}
	}
}

// walk6 p11: the phone's Done after an end user's success was a small
// button at the left; like the phone's other last steps it is now a
// finger-tall bar across the page.
func TestPhoneEndUserDoneIsFullWidth(t *testing.T) {
	_, h := phoneHandOver(t)
	const mine = "Quiet-lantern-on-the-pier"
	test.Type(h.password, mine)
	test.Type(h.again, mine)
	test.Tap(h.submit)
	equal(t, "done", h.doneBox.Visible(), true)
	if s := h.doneBack.Size(); s.Height < fingerSize() || s.Width < h.done.Size().Width-1 {
		t.Errorf("Done is %v; the sentence above it is %v wide", s, h.done.Size())
	}
}

// walk6 m6: the -mobile preview at FYNE_SCALE=1.5 was 1266 pixels tall on
// a 1200-pixel screen. It now fits the screen, and stays as it was where
// it fits or the screen is unknown.
func TestPreviewFitsTheScreen(t *testing.T) {
	tall := fitScreen(phoneSize, fyne.NewSize(1600, 1200), 1.5)
	if px := tall.Height * 1.5; px > 1200-screenMargin {
		t.Errorf("the preview is %v pixels tall on a 1200-pixel screen", px)
	}
	equal(t, "width kept", tall.Width, phoneSize.Width)
	equal(t, "fits at scale 1", fitScreen(phoneSize, fyne.NewSize(1920, 1080), 1), phoneSize)
	equal(t, "an unknown screen", fitScreen(phoneSize, fyne.Size{}, 2), phoneSize)
	if s := fitScreen(fyne.NewSize(1024, 1366), fyne.NewSize(1920, 1080), 1); s.Height > 1080 || s.Width != 1024 {
		t.Errorf("a tablet preview on a 1080p screen is %v", s)
	}
}

// walk6 p9: the phone's search icon sat against the field's edge, and the
// placeholder ran into it. The icon now has the theme's padding on both
// sides, as the clear button that takes its place has.
func TestPhoneSearchIconHasRoom(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	m := f.m
	test.Tap(m.home.entry)
	s := m.users
	drv := fyne.CurrentApp().Driver()
	icon, entry := drv.AbsolutePositionForObject(s.searchIcon), drv.AbsolutePositionForObject(s.search)
	right := entry.X + s.search.Size().Width - (icon.X + s.searchIcon.Size().Width)
	if right < theme.Padding() {
		t.Errorf("the icon ends %v units from the field's right edge", right)
	}
	if w := s.searchIcon.Size().Width; w > theme.IconInlineSize()+0.5 {
		t.Errorf("the icon is drawn %v wide", w)
	}
	test.Type(s.search, "a")
	if w := s.clear.Size().Width; w < right+s.searchIcon.Size().Width {
		t.Errorf("the clear button, in the icon's place, is %v wide", w)
	}
}

// walk6 p4: narrowed with users ticked, the phone list gave no sign of
// them, though they stayed ticked for the wide layout's Reset Password.
// The list now says how many, and can untick them.
func TestPhoneShowsTickedUsers(t *testing.T) {
	f := newFixture(t)
	d, c := f.d, f.c
	c.users.onRowChecked(f.users["alice@acme.example"].ID, true)
	c.users.onRowChecked(f.users["bob@acme.example"].ID, true)
	d.win.Resize(narrowSize)
	m := d.phone
	phoneShows(t, d, m.users.page)
	equal(t, "said", m.users.ticked.Visible(), true)
	equal(t, "how many", m.users.tickedNote.Text, "2 users ticked in the wide window: widen it to reset them together.")
	test.Tap(m.users.clearTicked)
	equal(t, "unticked", len(c.dir.selected), 0)
	equal(t, "nothing to say", m.users.ticked.Visible(), false)
	d.win.Resize(wideSize)
	wideShows(t, d)
	equal(t, "the shell has none ticked", c.users.selectionBar.Visible(), false)
}
