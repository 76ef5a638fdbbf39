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
//
// The session's screens poll less (see paceLevel).
func (d *Desktop) onExitedForeground() {
	if deviceIsMobile() && d.phone != nil {
		d.phone.conceal()
	}
	d.behind = true
	d.repace()
}

// onEnteredForeground shows the password again, and takes a copied one off
// the clipboard if its minute passed while the app was away: a phone stops
// the app's timers in the background.
//
// The session's screens poll as before, and read at once what they
// missed.
func (d *Desktop) onEnteredForeground() {
	if d.console != nil {
		d.console.clip.forgetIfOverdue()
	}
	if d.phone != nil {
		d.phone.reveal()
	}
	d.behind = false
	d.repace()
}

// paceLevel is how often the session's screens poll as the window is
// seen. A phone or tablet in the background stops the app's work, and a
// read would cost its battery and data: none. A minimized window on
// Windows shows nothing: none. A computer's window that lost the focus
// may show beside the app the admin types in, or be minimized (Fyne's
// GLFW driver does not say which outside Windows): fewer.
func (d *Desktop) paceLevel() paceLevel {
	switch {
	case d.minimized, d.behind && deviceIsMobile():
		return paceHidden
	case d.behind:
		return paceBehind
	}
	return paceFront
}

// repace tells the session how often its screens poll now.
func (d *Desktop) repace() {
	if d.console != nil {
		d.console.pace.set(d.paceLevel())
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
