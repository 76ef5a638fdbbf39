package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
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

// On a phone Fyne's OpenURL reports nothing when no app takes the link:
// after Email or Message the chooser stays, with Copy and Show QR code
// still offered and a line saying to use them if nothing opened.
func TestShareOnAPhoneKeepsCopyAndQRAfterALink(t *testing.T) {
	old := deviceIsMobile
	deviceIsMobile = func() bool { return true }
	t.Cleanup(func() { deviceIsMobile = old })
	f := newMobileFixture(t, platformAndroid, nil)
	f.o.Exec(t, `UPDATE resetdesk.users SET mobile_number = '+1 555 0100' WHERE primary_email = 'bob@acme.example'`)
	m := f.m
	m.users.reload()
	p := f.openUser(t, "bob@acme.example")
	test.Tap(p.reset)
	o := confirmOnPhone(t, m, m.lastReset, f.o.Password)
	for _, c := range []struct {
		name string
		tap  func() *widget.Button
		note string
	}{
		{"Email", func() *widget.Button { return o.shareEmail }, "If the mail app did not open, this device has none: use Copy or Show QR code."},
		{"Message", func() *widget.Button { return o.shareMessage }, "If the messages app did not open, this device has none: use Copy or Show QR code."},
	} {
		test.Tap(o.share)
		b := c.tap()
		if b == nil {
			t.Fatalf("no %s choice", c.name)
		}
		test.Tap(b)
		equal(t, c.name+": chooser still showing", m.win.Canvas().Overlays().Top() != nil, true)
		equal(t, c.name+": note shown", o.shareNote.Visible(), true)
		equal(t, c.name+": note", o.shareNote.Text, c.note)
		equal(t, c.name+": Copy offered", o.shareCopy.Visible(), true)
		equal(t, c.name+": QR offered", o.shareQR.Visible(), true)
		test.Tap(o.shareCopy)
		equal(t, c.name+": Copy works", f.app.Clipboard().Content(), o.shareText())
		o.shareDialog.Hide()
	}
	equal(t, "links opened", len(f.opened), 2)
}
