package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// breakpoint is the width, in Fyne's units (a phone's or tablet's dp, a
// desktop's pixels at scale 1), below which the window shows the phone
// flow: Material's compact width. A window at least this wide, and tall
// enough on a touch screen (compactHeight), shows the Spaces or Unified
// shell.
const breakpoint float32 = 600

// compactHeight is the height below which a touch screen shows the phone
// flow at any width: a phone on its side is 844 wide but 390 tall, and the
// shells' top bar, filters and list would leave no room for rows. A
// desktop window is not held to it: at FYNE_SCALE=1.5 its first size is
// 480 units tall, and GLFW already keeps it as tall as the shell needs.
const compactHeight float32 = 480

// hysteresis is how far past a limit the window must go back before the
// layout changes again: a window resting on the edge, or a size that a
// window manager rounds, would otherwise flap between the layouts.
const hysteresis float32 = 32

// isNarrow says whether a window of size shows the phone flow, given
// whether it shows it now and whether it is a touch screen.
func isNarrow(size fyne.Size, now, touch bool) bool {
	width, height := breakpoint, compactHeight
	if now {
		width, height = width+hysteresis, height+hysteresis
	}
	return size.Width < width || touch && size.Height < height
}

// adaptiveRoot is the window's content for its whole life: it holds the
// layout showing and tells the window each size it is given. Fyne 2.7
// has no callback for a window's resize, but the canvas resizes its
// content on every one (a user's drag, a rotation, a split view on a
// tablet, Window.Resize), on the Fyne goroutine: this widget's Resize is
// that callback.
type adaptiveRoot struct {
	widget.BaseWidget
	content fyne.CanvasObject
	view    fyne.CanvasObject // content without the wide layout's wrappers
	onSize  func(fyne.Size)
}

func newAdaptiveRoot(onSize func(fyne.Size)) *adaptiveRoot {
	r := &adaptiveRoot{onSize: onSize}
	r.ExtendBaseWidget(r)
	return r
}

// Resize lays the content out, then tells the window its size.
func (r *adaptiveRoot) Resize(size fyne.Size) {
	r.BaseWidget.Resize(size)
	if r.onSize != nil {
		r.onSize(size) // a minimized window's too
	}
}

// set shows view as o (view, or view wrapped).
func (r *adaptiveRoot) set(view, o fyne.CanvasObject) {
	r.view, r.content = view, o
	r.Refresh()
}

// CreateRenderer lays the content out over the whole window.
func (r *adaptiveRoot) CreateRenderer() fyne.WidgetRenderer { return &adaptiveRenderer{r: r} }

type adaptiveRenderer struct{ r *adaptiveRoot }

func (a *adaptiveRenderer) Destroy() {}

// Layout gives the content the window, and no less than its minimum.
func (a *adaptiveRenderer) Layout(size fyne.Size) {
	if c := a.r.content; c != nil {
		c.Move(fyne.NewPos(0, 0))
		c.Resize(size.Max(c.MinSize()))
	}
}

func (a *adaptiveRenderer) MinSize() fyne.Size {
	if c := a.r.content; c != nil {
		return c.MinSize()
	}
	return fyne.Size{}
}

func (a *adaptiveRenderer) Objects() []fyne.CanvasObject {
	if a.r.content == nil {
		return nil
	}
	return []fyne.CanvasObject{a.r.content}
}

func (a *adaptiveRenderer) Refresh() {
	a.Layout(a.r.Size())
	if c := a.r.content; c != nil {
		c.Refresh()
	}
}

// show puts o in the window as it is: the sign-in and end user's screens,
// and the phone flow.
func (d *Desktop) show(o fyne.CanvasObject) { d.root.set(o, o) }

// showing is what the window shows: a screen's view, a shell's, or the
// phone flow's.
func (d *Desktop) showing() fyne.CanvasObject { return d.root.view }

// showWide puts a shell in the window, with finger-sized targets on a
// touch screen, in a horizontal scroll. The shells want 650 to 800 units
// of width, more than the breakpoint; GLFW keeps a window at least as
// wide as its content's minimum, so without the scroll a window could not
// be narrowed into the phone flow. Between the breakpoint and the shell's
// own minimum, the shell keeps its minimum and scrolls sideways: nothing
// is cut off out of reach.
func (d *Desktop) showWide(view fyne.CanvasObject) {
	o := view
	if d.opts.touch {
		o = touchSized(view)
	}
	d.root.set(view, container.NewHScroll(o))
}

// onSize follows the window's new size. A window that had a size and
// has none is minimized: GLFW on Windows sizes it to nothing (the content
// to less, by the padding). Its screens stop polling, and its layout
// stays as it was; restored, the screens poll again, at once where they
// missed a read.
func (d *Desktop) onSize(size fyne.Size) {
	if d.win.Canvas().Content() != d.root {
		return // Fyne sizing the content before it is the window's
	}
	sized := size.Width > 0 && size.Height > 0
	if minimized := d.laidOut && !sized; minimized != d.minimized {
		d.minimized = minimized
		d.repace()
	}
	if !sized {
		return
	}
	d.laidOut = true
	if c := d.console; c != nil && c.lastReset != nil && c.lastReset.open {
		// Fyne keeps a dialog's size: a hand-over must cover the window
		// grown around it, and any reset dialog fit one that shrank.
		c.lastReset.fit()
	}
	d.follow()
}

// follow switches the layout when the window's size asks for the other
// one, unless a reset is open: a reset dialog on the wide layout, or the
// phone's Reset Password, outcome or hand-over page (or its Mail page,
// with a form). The layout then waits until it closes, and follows the
// width once it has. Nothing of the reset is lost or moved under the
// admin's finger, and its password never shows in a layout it was not
// typed in.
func (d *Desktop) follow() {
	size := d.root.Size()
	if size.Width <= 0 || size.Height <= 0 {
		return // not laid out yet, or minimized
	}
	narrow := isNarrow(size, d.narrow, d.opts.touch)
	if narrow == d.narrow || d.held() {
		return
	}
	d.narrow = narrow
	// What has the keyboard focus leaves the window with its layout:
	// typing would go on into a widget no longer shown.
	d.win.Canvas().Unfocus()
	switch {
	case d.console != nil && narrow:
		d.phone.open(d.console, true)
	case d.console != nil:
		d.phone.forget()
		d.console.showWide()
	case d.endUser == nil:
		d.showSignIn()
	}
	if d.console != nil {
		d.console.viewChanged() // its screens out of view, or back in it
	}
}

// held says whether the layout must stay as it is for now: a reset is
// open, or an end user's form.
func (d *Desktop) held() bool {
	switch {
	case d.endUser != nil:
		return true
	case d.console == nil:
		return false
	case d.narrow:
		return d.phone.holding()
	}
	return d.resetsOpen > 0
}

// holdForReset keeps the layout while dlg, a reset dialog, shows.
func (d *Desktop) holdForReset(dlg interface{ SetOnClosed(func()) }) {
	d.resetsOpen++
	dlg.SetOnClosed(func() {
		d.resetsOpen = max(0, d.resetsOpen-1)
		d.follow()
	})
}

// showWide shows the session in the wide layout again: the shell chosen,
// on the screen it was left on, and the users screen as the session has
// it now (search, filters, selection, the user open; the list as loaded).
// A user open on the phone opens in the Users screen.
func (c *console) showWide() {
	c.search.OnChanged = nil // showing what was typed is not typing
	c.search.SetText(c.dir.query.text)
	c.search.OnChanged = c.onSearch
	c.users.render()
	if c.view() == nil {
		c.showShell()
	} else {
		c.d.showWide(c.view())
	}
	if c.dir.open != 0 {
		c.show(screenUsers)
	}
}

// touchTheme is the app's theme with more room inside buttons, fields,
// rows, tabs and checkboxes: each becomes at least 44 units tall (Apple's
// 44 pt, near Material's 48 dp), for a finger on a tablet.
type touchTheme struct{ fyne.Theme }

// Size widens the padding inside widgets; the rest is the app's.
func (t touchTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.Theme.Size(n)
	if n == theme.SizeNameInnerPadding {
		return max(s, 14)
	}
	return s
}

// touchSized shows o in touchTheme.
func touchSized(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, touchTheme{fyne.CurrentApp().Settings().Theme()})
}
