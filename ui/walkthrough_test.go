package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"resetdesk/app"
)

// Stories for what trying the app as a new admin found
// (shared/findings/walkthrough.md); each names its item.

// 2.1: Android's Back key closes a pop-up first, then goes back one page
// at a time, and leaves the home page to the system.
func TestMobileBackKey(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	m := f.m
	back := func() { m.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: mobile.KeyBack}) }
	p := f.openUser(t, "alice@acme.example")
	test.Tap(p.reset)
	equal(t, "reset page", m.nav.top(), m.lastReset.page)
	back()
	equal(t, "back to the user", m.nav.top(), p.page)
	back()
	equal(t, "back to the list", m.nav.top(), m.users.page)
	back()
	equal(t, "back home", m.nav.top(), m.home.page)
	back()
	equal(t, "home stays: the system takes Back from here", m.nav.top(), m.home.page)

	test.Tap(m.home.signOut)
	if m.win.Canvas().Overlays().Top() == nil {
		t.Fatal("sign out asked nothing")
	}
	back()
	equal(t, "pop-up closed", m.win.Canvas().Overlays().Top() == nil, true)
	equal(t, "still signed in", m.nav != nil, true)
}

// 2.2, 1.2: a search that finds nobody says so on a line or two across
// the list, and the window does not grow to hold it.
func TestEmptySearchKeepsTheWindow(t *testing.T) {
	f := newFixture(t)
	w := f.d.win
	before := w.Canvas().Size()
	test.Type(f.c.search, "zzzqqq")
	l := f.c.users.empty
	equal(t, "shown", l.Visible(), true)
	if h := w.Content().MinSize().Height; h > before.Height {
		t.Errorf("the content asks for %v px, the window is %v", h, before.Height)
	}
	equal(t, "window size", w.Canvas().Size(), before)
	if l.Size().Width < f.c.users.list.Size().Width/2 {
		t.Errorf("the message is %v wide in a list %v wide", l.Size().Width, f.c.users.list.Size().Width)
	}
	if h := l.Size().Height; h > 5*theme.TextSize() {
		t.Errorf("the message is %v px tall: more than two lines", h)
	}

	mf := newMobileFixture(t, platformAndroid, nil)
	m := mf.m
	test.Tap(m.home.entry)
	size := m.win.Canvas().Size()
	test.Type(m.users.search, "07700 900999")
	equal(t, "phone: shown", m.users.empty.Visible(), true)
	equal(t, "phone: window size", m.win.Canvas().Size(), size)
	if h := m.win.Content().MinSize().Height; h > size.Height {
		t.Errorf("phone: the content asks for %v px, the window is %v", h, size.Height)
	}
	if m.users.empty.Size().Width < size.Width/2 {
		t.Errorf("phone: the message is %v wide", m.users.empty.Size().Width)
	}
}

// 2.4, 2.10: on the phone a new search starts at the top of the list, and
// the refresh button brings users added elsewhere.
func TestMobileSearchScrollsUpAndRefreshes(t *testing.T) {
	f := newMobileFixture(t, platformIOS, nil)
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for _, n := range []string{"amy", "ben", "cat", "dev", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lou", "max", "ned", "oli", "pam", "quin", "rob", "sue", "tom"} {
		csv.WriteString(n + "@acme.example,Extra " + strings.ToUpper(n[:1]) + n[1:] + "\n")
	}
	rows, bad, err := app.ParseImportCSV(strings.NewReader(csv.String()))
	if err != nil || len(bad) > 0 {
		t.Fatalf("csv: %v %v", err, bad)
	}
	if _, err := f.o.Owner.ImportUsers(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	m := f.m
	test.Tap(m.home.entry)
	s := m.users
	before := s.users.len()
	test.Type(s.search, "extra")
	equal(t, "not loaded yet", s.list.Length(), 0)
	if len(m.nav.top().actions) == 0 {
		t.Fatal("the users page has no actions")
	}
	test.Tap(s.refresh)
	equal(t, "loaded", s.users.len(), before+20)
	equal(t, "found", s.list.Length(), 20)
	if w := s.refresh.Size(); w.Width < 44 || w.Height < 44 {
		t.Errorf("refresh is %v, want at least 44x44", w)
	}

	s.list.ScrollToBottom()
	if s.list.GetScrollOffset() == 0 {
		t.Fatal("the list did not scroll")
	}
	test.Type(s.search, " r")
	equal(t, "fewer", s.list.Length() < 20, true)
	equal(t, "back at the top", s.list.GetScrollOffset(), float32(0))
}

// 2.3, 2.6: a long organisation name neither crowds iOS's back button into
// the title nor runs off the home page, and the top bar's buttons are
// thumb-sized.
func TestMobileLongOrgName(t *testing.T) {
	f := newMobileFixture(t, platformIOS, nil)
	m := f.m
	m.org.Name = "Northwind Traders International Holdings Ltd"
	m.open(m.sess, m.actor, m.org)
	m.win.Resize(fyne.NewSize(360, 640))
	equal(t, "window keeps its width", m.win.Canvas().Size().Width, float32(360))
	test.Tap(m.home.entry)
	equal(t, "back says Back", m.nav.back.Text, "Back")
	for name, b := range map[string]fyne.CanvasObject{"back": m.nav.back, "users entry": m.home.entry} {
		if s := b.Size(); s.Width < 44 || s.Height < 44 {
			t.Errorf("%s is %v, want at least 44x44", name, s)
		}
	}
	equal(t, "short titles stay", backLabel("Users"), "Users")
}

// 2.12: where no keychain exists, "Remember password" is not offered.
func TestNoKeychainNoRemember(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = nil
	s := newSignInScreen(f.app, f.backend, f.d.win, testOptions().spawn, nil)
	equal(t, "remember hidden", s.remember.Visible(), false)
	f.backend.keychain = &memKeychain{}
	s = newSignInScreen(f.app, f.backend, f.d.win, testOptions().spawn, nil)
	equal(t, "remember offered", s.remember.Visible(), true)
}
