package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// lifecycleHooks are the hooks the app set on its Lifecycle, as a phone's
// driver calls them when the app leaves the foreground and comes back.
func lifecycleHooks(t *testing.T, a fyne.App) (exited, entered func()) {
	t.Helper()
	l, ok := a.Lifecycle().(interface {
		OnExitedForeground() func()
		OnEnteredForeground() func()
	})
	if !ok {
		t.Fatalf("the test app's lifecycle %T does not give its hooks", a.Lifecycle())
	}
	exited, entered = l.OnExitedForeground(), l.OnEnteredForeground()
	if exited == nil || entered == nil {
		t.Fatal("the app set no foreground hooks")
	}
	return exited, entered
}

// On a phone, the password and its QR code hide while the app is in the
// background (the app switcher shows the screen) and show again on return;
// a copied password stays for the paste, and is taken off the clipboard on
// return once its minute passed, though the stopped timer did not fire.
func TestShareHidesInTheBackground(t *testing.T) {
	old := deviceIsMobile
	deviceIsMobile = func() bool { return true }
	t.Cleanup(func() { deviceIsMobile = old })
	f := newMobileFixture(t, platformAndroid, nil)
	m := f.m
	p := newMobileUserPage(m, f.users["bob@acme.example"])
	m.nav.push(p.page)
	test.Tap(p.reset)
	o := confirmOnPhone(t, m, m.lastReset, f.o.Password)
	shown := o.secret.Text
	if shown == "" {
		t.Fatal("no password on the outcome page")
	}
	exited, entered := lifecycleHooks(t, f.app)

	test.Tap(o.share)
	test.Tap(o.shareCopy)
	copied := f.app.Clipboard().Content()
	test.Tap(o.share)
	test.Tap(o.shareQR)
	if o.qr == nil {
		t.Fatal("no QR code")
	}

	exited()
	equal(t, "password in the background", o.secret.Text, "")
	equal(t, "QR code in the background", o.qr.Visible(), false)
	equal(t, "clipboard kept for the paste", f.app.Clipboard().Content(), copied)

	entered()
	equal(t, "password back", o.secret.Text, shown)
	equal(t, "QR code back", o.qr.Visible(), true)
	equal(t, "clipboard within its minute", f.app.Clipboard().Content(), copied)

	// Away for two minutes: the timer did not fire, the clock moved.
	m.clip.now = func() time.Time { return fixedNow.Add(2 * time.Minute) }
	exited()
	entered()
	equal(t, "clipboard after its minute", f.app.Clipboard().Content(), "")
}

// On a computer the window loses focus while the admin types the password
// elsewhere: the password stays on screen.
func TestShareStaysOnAComputerWhenFocusLeaves(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	m := f.m
	p := newMobileUserPage(m, f.users["bob@acme.example"])
	m.nav.push(p.page)
	test.Tap(p.reset)
	o := confirmOnPhone(t, m, m.lastReset, f.o.Password)
	shown := o.secret.Text
	exited, entered := lifecycleHooks(t, f.app)
	exited()
	equal(t, "password while away", o.secret.Text, shown)
	entered()
	equal(t, "password back", o.secret.Text, shown)
}
