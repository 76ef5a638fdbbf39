package ui

import (
	"sync"

	"fyne.io/fyne/v2"
)

// Fyne's Lifecycle keeps one hook of each kind per app, and an app may have
// more than one window: the app's hooks are set once, here, and tell each
// window that watches.
var foreground = struct {
	mu      sync.Mutex
	windows map[fyne.App][]*Desktop
}{windows: map[fyne.App][]*Desktop{}}

// watchForeground tells d when its app leaves the foreground and comes back.
func watchForeground(d *Desktop) {
	foreground.mu.Lock()
	defer foreground.mu.Unlock()
	ds, hooked := foreground.windows[d.app]
	foreground.windows[d.app] = append(ds, d)
	if hooked {
		return
	}
	a := d.app
	a.Lifecycle().SetOnExitedForeground(func() { eachWindow(a, (*Desktop).onExitedForeground) })
	a.Lifecycle().SetOnEnteredForeground(func() { eachWindow(a, (*Desktop).onEnteredForeground) })
}

// unwatchForeground forgets d, closed.
func unwatchForeground(d *Desktop) {
	foreground.mu.Lock()
	defer foreground.mu.Unlock()
	ds := foreground.windows[d.app]
	for i, w := range ds {
		if w == d {
			ds = append(ds[:i:i], ds[i+1:]...)
			break
		}
	}
	// The entry stays, empty: the hooks are set and must not be set twice.
	foreground.windows[d.app] = ds
}

func eachWindow(a fyne.App, f func(*Desktop)) {
	foreground.mu.Lock()
	ds := append([]*Desktop(nil), foreground.windows[a]...)
	foreground.mu.Unlock()
	for _, d := range ds {
		f(d)
	}
}

// onExitedForeground hides the password the phone flow shows, on a phone
// or tablet: the system's app switcher shows a picture of the screen. On a
// computer the window loses focus while the admin types the password
// elsewhere, so it stays. The clipboard keeps what Copy put there: the
// admin left the app to paste it.
func (d *Desktop) onExitedForeground() {
	if deviceIsMobile() && d.phone != nil {
		d.phone.conceal()
	}
}

// onEnteredForeground shows the password again, and takes a copied one off
// the clipboard if its minute passed while the app was away: a phone stops
// the app's timers in the background.
func (d *Desktop) onEnteredForeground() {
	if d.console != nil {
		d.console.clip.forgetIfOverdue()
	}
	if d.phone != nil {
		d.phone.reveal()
	}
}

// conceal hides the password on the outcome page and its QR code.
func (m *Mobile) conceal() {
	if m.lastOutcome != nil {
		m.lastOutcome.conceal()
	}
}

// reveal shows what conceal hid.
func (m *Mobile) reveal() {
	if m.lastOutcome != nil {
		m.lastOutcome.reveal()
	}
}
