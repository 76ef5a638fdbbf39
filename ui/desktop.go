package ui

import (
	"net/url"
	"os"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"resetdesk/app"
	"resetdesk/icons"
)

// Desktop is the app's one window, on a desktop, a tablet or a phone: sign
// in first, then the signed-in session in the layout the window's width
// asks for (adaptive.go): the Spaces or Unified shell (the console) when
// wide, the phone's pages when narrow. Both layouts show the one session.
type Desktop struct {
	app     fyne.App
	backend Backend
	win     fyne.Window
	opts    options

	root   *adaptiveRoot // the window's content: tells the width, holds the layout showing
	narrow bool          // the phone flow shows (before sign-in: the phone's sign-in)
	phone  *Mobile       // the phone flow; its pages exist while it shows
	// behind: the app left the foreground (lifecycle hooks); minimized:
	// the window has no size (Windows); laidOut: it had one once. They
	// set how often the session's screens poll (Desktop.paceLevel).
	behind, minimized, laidOut bool

	signIn  *signInScreen
	endUser *endUserForm // the end user's form showing, if any
	// selfService is the last session's self-service login (the demo's),
	// for the end user's forms on a computer that has no set-up.
	selfService app.SelfServiceSetup
	console     *console // nil until signed in; both layouts' session
	// resetsOpen counts the reset dialogs showing: while one shows, the
	// layout does not change (adaptive.go).
	resetsOpen int
}

// options are what tests change: how work leaves the Fyne goroutine, the
// clock, how often an open profile that waits for its user reloads, and
// whether the screen is touched rather than pointed at.
type options struct {
	spawn   func(func()) // runs slow work; go f() in the app, f() in tests
	now     func() time.Time
	openURL func(*url.URL) error // nil: the app's OpenURL (a slip's PDF viewer)
	poll    time.Duration        // 0: never (tests call poll themselves)
	// touch makes the wide layout's targets finger-sized: a tablet
	// (fyne.CurrentDevice().IsMobile()), or the -mobile preview.
	touch bool
}

func defaultOptions() options {
	return options{spawn: func(f func()) { go f() }, now: time.Now, poll: 20 * time.Second}
}

// WindowSpec says how the window opens: with a session st makes (the demo,
// DATABASE_URL) or at the sign-in screen (nil); at Size (zero: the
// desktop's first size); Touch for finger-sized targets in the wide
// layout, which a phone or tablet wants, and the -mobile preview shows;
// and the phone's Platform.
type WindowSpec struct {
	Start *Starter
	// Demo starts the demo from the sign-in screen, which offers it when a
	// server cannot be reached; nil offers none.
	Demo  *Starter
	Size  fyne.Size
	Touch bool
	// Platform is the phone flow's placement, PlatformIOS or
	// PlatformAndroid; "" for the system's own (iOS on a Mac).
	Platform string
}

// NewWindow returns the app's window. Call ShowAndRun, or Window().Show()
// and run the app yourself. Its layout follows its width from then on.
//
// Given a Starter, the window says what it does, then shows the signed-in
// session (a second window, with the first closed under the pointer,
// crashed Fyne's GLFW driver), or the sign-in screen with the reason.
func NewWindow(a fyne.App, b Backend, spec WindowSpec) *Desktop {
	d := startWindow(a, b, spec.Start, spec.apply(defaultMobileOptions(a)), spec.Size)
	d.offerDemo(spec.Demo)
	return d
}

// offerDemo lets the sign-in screen start the demo with st (nil: no demo
// to offer) in this window, as a Starter would at opening.
func (d *Desktop) offerDemo(st *Starter) {
	if st == nil {
		d.signIn.startDemo = nil
		return
	}
	d.signIn.startDemo = func() { resume(*st, d.signIn, d.show, d.showSignIn) }
}

// apply sets what spec asks for in o.
func (spec WindowSpec) apply(o mobileOptions) mobileOptions {
	o.touch = spec.Touch
	if spec.Platform != "" {
		o.platform = spec.Platform
	}
	return o
}

func newDesktopStarting(a fyne.App, b Backend, st Starter, o options) *Desktop {
	return startWindow(a, b, &st, wideOptions(a, o), fyne.Size{})
}

func newDesktop(a fyne.App, b Backend, s *Session, o options) *Desktop {
	return startWindow(a, b, s.starter(), wideOptions(a, o), fyne.Size{})
}

// wideOptions are o with the phone flow's defaults, for a window that
// tests open wide.
func wideOptions(a fyne.App, o options) mobileOptions {
	m := defaultMobileOptions(a)
	m.options = o
	return m
}

// ScreenPixels, set by main where the platform can tell, is the size in
// pixels of the screen a window opens on, or zero when unknown; the
// previews (-mobile, -size) fit it. Nil: never known (tests, phones).
var ScreenPixels func(fyne.App) fyne.Size

func startWindow(a fyne.App, b Backend, st *Starter, o mobileOptions, size fyne.Size) *Desktop {
	applyThemePreference(a)
	d := &Desktop{app: a, backend: b, opts: o.options, win: a.NewWindow("ResetDesk")}
	d.win.SetIcon(icons.AppIcon)
	if size.IsZero() {
		size = firstWindowSize(userScale(a))
	} else {
		var screen fyne.Size
		if ScreenPixels != nil {
			screen = ScreenPixels(a)
		}
		size = fitScreen(size, screen, userScale(a))
	}
	d.narrow = isNarrow(size, false, o.touch)
	d.phone = newPhone(d, o)
	d.signIn = newSignInScreen(d.app, d.backend, d.win, d.opts.spawn, o.touch, d.openConsole)
	d.phone.signIn = d.signIn
	d.root = newAdaptiveRoot(d.onSize)
	d.win.SetContent(d.root)
	d.win.Resize(size)
	d.win.SetOnClosed(d.onClosed)
	watchForeground(d)
	d.win.Canvas().SetOnTypedKey(d.onTypedKey)
	// Ctrl+F (Cmd+F on a Mac) goes to the users search, as in a browser.
	d.win.Canvas().AddShortcut(findShortcut, func(fyne.Shortcut) { d.onFind() })
	if st == nil {
		d.showSignIn()
	} else {
		resume(*st, d.signIn, d.show, d.showSignIn)
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

// screenMargin is what fitScreen leaves of the screen, in pixels, to a
// window's title bar and a desktop's panel.
const screenMargin float32 = 96

// fitScreen is size, in Fyne's units, made no larger than a screen of
// screen pixels at scale: the -mobile preview is 390x844 units, 1266
// pixels tall at FYNE_SCALE=1.5, and a 1200-pixel screen hid its bottom
// with Android's Users button (walk6 m6). A shorter phone is still a
// phone. An unknown screen (zero) leaves size as it is.
func fitScreen(size, screen fyne.Size, scale float32) fyne.Size {
	if screen.IsZero() {
		return size
	}
	s := max(scale, 1)
	most := fyne.NewSize((screen.Width-screenMargin)/s, (screen.Height-screenMargin)/s)
	return fyne.NewSize(min(size.Width, most.Width), min(size.Height, most.Height))
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

// showSignIn shows the sign-in screen, laid out for the width: centred
// when wide, a scrolling page with a finger-tall Sign in when narrow. On
// a touch screen, a tablet's or a phone's, it shows in touchTheme in
// both layouts, each time it shows: after a sign-out, and after the
// window crossed the breakpoint, as at the start.
func (d *Desktop) showSignIn() {
	d.signIn.onEndUser = d.showEndUser
	d.endUser = nil
	if d.narrow {
		d.signIn.buttonRow.Objects = []fyne.CanvasObject{finger(d.signIn.signIn)}
		d.signIn.buttonRow.Layout = layout.NewVBoxLayout()
		d.showTouchable(newPageScroll(container.NewPadded(d.signIn.box)))
		d.follow() // an end user's form, closing, may have held the layout
		return
	}
	d.signIn.buttonRow.Objects = []fyne.CanvasObject{d.signIn.signIn}
	d.signIn.buttonRow.Layout = layout.NewHBoxLayout()
	d.showTouchable(d.signIn.view)
	d.signIn.relayout() // laid out again, in this theme
	d.follow()          // an end user's form, closing, may have held the layout
}

// showTouchable shows view, in touchTheme on a touch screen: a screen of
// the window's own, outside the shells, which showWide sizes.
func (d *Desktop) showTouchable(view fyne.CanvasObject) {
	o := view
	if d.opts.touch {
		o = touchSized(view)
	}
	d.root.set(view, o)
}

// showEndUser shows the end user's form of kind in place of the sign-in;
// narrow, its button is a finger-tall bar. On a touch screen it shows in
// touchTheme in both layouts, as the sign-in does. The layout stays as it
// is while the form shows: what the user typed stays where they typed it.
func (d *Desktop) showEndUser(kind endUserKind) {
	d.endUser = newEndUserForm(d.backend, d.app.Preferences(), d.win, d.opts.spawn, kind, d.showSignIn)
	d.endUser.touch = d.opts.touch
	d.endUser.useFallback(d.selfService)
	if d.narrow {
		d.endUser.forPhone()
		d.showTouchable(newPageScroll(container.NewPadded(d.endUser.box)))
	} else {
		d.showTouchable(d.endUser.view)
	}
	d.endUser.focus()
}

// openConsole opens a signed-in session: the console, which loads the
// users, in the layout the width asks for. Narrow, the phone's home page
// shows first, as the phone app opens.
func (d *Desktop) openConsole(s Session, actor app.Actor, org app.Org) {
	if s.SelfService.Host != "" {
		d.selfService = s.SelfService
	}
	if s.Again.Temporary {
		// The demo runs: the profiles older builds saved for its earlier
		// runs name ports it left, and would open the next start on one.
		if gone := forgetDemoProfiles(d.app.Preferences()); len(gone) > 0 {
			d.signIn.fillProfiles()
			if kc := d.backend.Keychain(); kc != nil {
				d.opts.spawn(func() {
					for _, p := range gone {
						_ = kc.Delete(KeychainService, p.keychainUser()) // nothing saved is fine
					}
				})
			}
		}
	}
	d.console = newConsole(d, s, actor, org)
	d.console.pace.set(d.paceLevel())
	d.win.SetTitle(windowTitle(d.console.signedIn))
	if d.narrow {
		d.phone.open(d.console, false)
		return
	}
	d.console.showShell()
}

// switchOffice closes the console open and opens the one of session s,
// made anew; narrow, at the phone's users page, where the switch was made.
func (d *Desktop) switchOffice(s Session, actor app.Actor, org app.Org) {
	if d.console != nil {
		d.console.close()
	}
	d.phone.forget()
	d.resetsOpen = 0
	d.openConsole(s, actor, org)
	if d.narrow {
		d.phone.onUsers()
	}
}

// signOut closes the session and goes back to the sign-in screen.
func (d *Desktop) signOut() {
	var again Profile
	var hint string
	d.win.Canvas().Unfocus() // before its widgets lose their session
	if d.console != nil {
		again, hint = d.console.end()
		d.console = nil
	}
	d.phone.forget()
	d.resetsOpen = 0
	d.win.SetTitle("ResetDesk")
	d.showSignIn()
	d.signIn.offer(again, hint)
}

func (d *Desktop) onClosed() {
	unwatchForeground(d)
	removeSlips()
	if d.endUser != nil {
		d.endUser.close()
	}
	if d.console != nil {
		d.console.close()
	}
}

// onFind puts the keyboard in the search box of the console showing, unless
// a dialog is open over it.
func (d *Desktop) onFind() {
	c := d.console
	if d.narrow || c == nil || d.showing() != c.view() || d.win.Canvas().Overlays().Top() != nil {
		return
	}
	d.win.Canvas().Focus(c.search)
}

// onTypedKey gives the phone flow Android's Back key (and Escape) while it
// shows; on the desktop, Escape closes a dialog in which nothing has the
// keyboard.
func (d *Desktop) onTypedKey(k *fyne.KeyEvent) {
	if d.narrow {
		d.phone.onTypedKey(k)
		return
	}
	if k.Name == fyne.KeyEscape {
		escapeFrom(nil, d.win.Canvas())
	}
}
