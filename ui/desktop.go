package ui

import (
	"net/url"
	"os"
	"strconv"
	"time"

	"fyne.io/fyne/v2"

	"resetdesk/app"
	"resetdesk/icons"
)

// Desktop is the desktop app's one window: sign in first, then the console.
type Desktop struct {
	app     fyne.App
	backend Backend
	win     fyne.Window
	opts    options

	signIn  *signInScreen
	endUser *endUserForm // the end user's form showing, if any
	// selfService is the last session's self-service login (the demo's),
	// for the end user's forms on a computer that has no set-up.
	selfService app.SelfServiceSetup
	console     *console // nil until signed in
}

// options are what tests change: how work leaves the Fyne goroutine, the
// clock, and how often an open profile that waits for its user reloads.
type options struct {
	spawn   func(func()) // runs slow work; go f() in the app, f() in tests
	now     func() time.Time
	openURL func(*url.URL) error // nil: the app's OpenURL (a slip's PDF viewer)
	poll    time.Duration        // 0: never (tests call poll themselves)
}

func defaultOptions() options {
	return options{spawn: func(f func()) { go f() }, now: time.Now, poll: 20 * time.Second}
}

// NewDesktop returns the desktop window showing the sign-in screen. Call
// ShowAndRun, or Window().Show() and run the app yourself.
func NewDesktop(a fyne.App, b Backend) *Desktop {
	return newDesktop(a, b, nil, defaultOptions())
}

// NewDesktopStarting returns the desktop window signed in with the
// session st makes, as the demo and DATABASE_URL open: the window says what
// st does, then becomes the console (a second window, with the first
// closed under the pointer, crashed Fyne's GLFW driver), or shows the
// sign-in screen with the reason.
func NewDesktopStarting(a fyne.App, b Backend, st Starter) *Desktop {
	return newDesktopStarting(a, b, st, defaultOptions())
}

func newDesktopStarting(a fyne.App, b Backend, st Starter, o options) *Desktop {
	return startDesktop(a, b, &st, o)
}

func newDesktop(a fyne.App, b Backend, s *Session, o options) *Desktop {
	return startDesktop(a, b, s.starter(), o)
}

func startDesktop(a fyne.App, b Backend, st *Starter, o options) *Desktop {
	applyThemePreference(a)
	d := &Desktop{app: a, backend: b, opts: o, win: a.NewWindow("ResetDesk")}
	d.win.SetIcon(icons.AppIcon)
	d.win.Resize(firstWindowSize(userScale(a)))
	d.win.SetOnClosed(d.onClosed)
	if st == nil {
		d.showSignIn()
	} else {
		d.signIn = newSignInScreen(d.app, d.backend, d.win, d.opts.spawn, d.openConsole)
		resume(*st, d.signIn, d.showSignIn)
	}
	return d
}

// firstWindowSize is the desktop window's first size: 1100x720 at scale 1,
// and at a larger scale as many pixels, no more: 1100x720 units at
// FYNE_SCALE=1.5 would be 1650x1080 pixels, past the edges of most
// screens, with the admin icon and the rows' menus out of reach. A window
// too small for the console grows to its minimum.
func firstWindowSize(scale float32) fyne.Size {
	s := max(scale, 1)
	return fyne.NewSize(1100/s, 720/s)
}

// userScale is the scale the admin asked for, as Fyne's desktop driver
// reads it: FYNE_SCALE, else the app's settings; 1 when unset.
func userScale(a fyne.App) float32 {
	if env := os.Getenv("FYNE_SCALE"); env != "" && env != "auto" {
		if v, err := strconv.ParseFloat(env, 32); err == nil && v > 0 {
			return float32(v)
		}
	}
	if v := a.Settings().Scale(); v > 0 {
		return v
	}
	return 1
}

// Window returns the app's window.
func (d *Desktop) Window() fyne.Window { return d.win }

// ShowAndRun shows the window and runs the app until it is closed.
func (d *Desktop) ShowAndRun() { d.win.ShowAndRun() }

func (d *Desktop) showSignIn() {
	if d.signIn == nil {
		d.signIn = newSignInScreen(d.app, d.backend, d.win, d.opts.spawn, d.openConsole)
	}
	d.signIn.onEndUser = d.showEndUser
	d.endUser = nil
	d.win.SetContent(d.signIn.view)
}

// showEndUser shows the end user's form of kind in place of the sign-in.
func (d *Desktop) showEndUser(kind endUserKind) {
	d.endUser = newEndUserForm(d.backend, d.app.Preferences(), d.win, d.opts.spawn, kind, d.showSignIn)
	d.endUser.useFallback(d.selfService)
	d.win.SetContent(d.endUser.view)
	d.endUser.focus()
}

// openConsole shows the console of a signed-in session.
func (d *Desktop) openConsole(s Session, actor app.Actor, org app.Org) {
	if s.SelfService.Host != "" {
		d.selfService = s.SelfService
	}
	d.console = newConsole(d, s, actor, org)
	d.win.SetTitle(windowTitle(d.console.signedIn))
	d.console.showShell()
}

// switchOffice closes the console open and opens the one of session s,
// made anew.
func (d *Desktop) switchOffice(s Session, actor app.Actor, org app.Org) {
	if d.console != nil {
		d.console.close()
	}
	d.openConsole(s, actor, org)
}

// signOut closes the session and goes back to the sign-in screen.
func (d *Desktop) signOut() {
	var again Profile
	var hint string
	if d.console != nil {
		again, hint = d.console.end()
		d.console = nil
	}
	d.win.SetTitle("ResetDesk")
	d.showSignIn()
	d.signIn.offer(again, hint)
}

func (d *Desktop) onClosed() {
	removeSlips()
	if d.endUser != nil {
		d.endUser.close()
	}
	if d.console != nil {
		d.console.close()
	}
}
