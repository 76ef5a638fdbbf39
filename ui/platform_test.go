package ui

import (
	"net/url"
	"testing"

	"fyne.io/fyne/v2"

	"resetdesk/app"
)

// The -mobile preview places the users entry as the platform asked for
// does, whatever system it runs on: top right for iOS, bottom right for
// Android.
func TestPreviewPlatformPlacement(t *testing.T) {
	for _, platform := range []string{PlatformIOS, PlatformAndroid} {
		t.Run(platform, func(t *testing.T) {
			f := newFixture(t)
			sess := Session{Directory: f.o.Owner, Resetter: f.d.console.sess.Resetter}
			spec := WindowSpec{Start: sess.starter(), Size: PhoneSize(), Touch: true, Platform: platform}
			// NewWindow's options, with the test's clock and work on the
			// test's goroutine.
			o := spec.apply(mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword,
				openURL: func(*url.URL) error { return nil }})
			d := startWindow(f.app, f.backend, spec.Start, o, spec.Size)
			m := d.phone
			if m.home == nil {
				t.Fatalf("the phone flow shows no home page: %s", d.signIn.status.Text)
			}
			equal(t, "platform", m.opts.platform, platform)
			win := d.win.Canvas().Size()
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.home.entry)
			size := m.home.entry.Size()
			top := pos.Y < fingerSize()
			bottom := win.Height-(pos.Y+size.Height) < fingerSize()
			if platform == PlatformIOS && !top || platform == PlatformAndroid && !bottom {
				t.Errorf("users entry at %v size %v in a %v window", pos, size, win)
			}
		})
	}
}
