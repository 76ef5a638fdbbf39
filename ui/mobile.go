package ui

import (
	"net/url"
	"runtime"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/icons"
)

// The platforms whose conventions the mobile shell follows. They differ in
// where the users entry sits (DESIGN.md section 5): top right on iOS,
// bottom right on Android.
const (
	platformIOS     = "ios"
	platformAndroid = "android"
)

// PlatformIOS and PlatformAndroid name the platforms for WindowSpec's
// Platform: the -mobile preview shows either placement on any system.
const (
	PlatformIOS     = platformIOS
	PlatformAndroid = platformAndroid
)

// phoneSize is the window of a phone preview on a desktop (-mobile): an
// iPhone's logical portrait screen. On a phone the window is the screen.
var phoneSize = fyne.NewSize(390, 844)

// PhoneSize is the window of the -mobile preview.
func PhoneSize() fyne.Size { return phoneSize }

// Mobile is the phone flow: a stack of pages (home, users list, a user,
// Reset Password, the outcome) with a back button, as Zoho One's mobile app
// resets a password. It shows in the app's window (Desktop) while the
// window is narrow; its pages exist while it shows, made from the session
// that both layouts share.
//
// container.Navigation (Fyne 2.7) was not used: it has a forward button a
// phone does not want and no place for a page's own actions in its bar.
type Mobile struct {
	app            fyne.App
	backend        Backend
	win            fyne.Window
	host           *Desktop
	signIn         *signInScreen // the window's
	confirmSignOut *phoneConfirm
	opts           mobileOptions

	// Set while the flow shows a signed-in session.
	*signedIn
	nav     *mobileNav
	home    *mobileHome
	users   *mobileUsers
	offices *officeSwitch // the users page's menu of the other offices

	// The pages opened last, so that tests can reach their widgets.
	lastUser     *mobileUserPage
	lastReset    *mobileResetPage
	lastOutcome  *mobileOutcomePage
	lastHandOver *endUserForm
	lastMail     *mobileMailPage
}

// mobileOptions are what tests change beside options: the platform, how a
// URL is opened, and the password generator.
type mobileOptions struct {
	options
	platform string // platformIOS or platformAndroid
	openURL  func(*url.URL) error
	generate func(minLen int) (string, error)
}

func defaultMobileOptions(a fyne.App) mobileOptions {
	return mobileOptions{options: defaultOptions(), platform: defaultPlatform(), openURL: a.OpenURL, generate: app.GeneratePassword}
}

// defaultPlatform is the platform the app runs on. A preview on a desktop
// follows the Mac's phones on a Mac and Android elsewhere.
func defaultPlatform() string {
	switch runtime.GOOS {
	case "ios", "darwin":
		return platformIOS
	}
	return platformAndroid
}

// newMobile opens the window phone-sized, at the sign-in screen or
// signed in with s, and returns its phone flow.
func newMobile(a fyne.App, b Backend, s *Session, o mobileOptions) *Mobile {
	return startWindow(a, b, s.starter(), o, phoneSize).phone
}

// newPhone makes the phone flow of window d, showing nothing yet.
func newPhone(d *Desktop, o mobileOptions) *Mobile {
	return &Mobile{app: d.app, backend: d.backend, win: d.win, host: d, opts: o}
}

// open shows session c in the phone flow: its home page; with atUsers
// (the window narrowed) the users page above it, and the user open, if
// any, above that. The list is the session's: shown, not loaded again.
func (m *Mobile) open(c *console, atUsers bool) {
	m.forget()
	m.signedIn = c.signedIn
	m.offices = newOfficeSwitch(m.app, m.backend, m.win, m.signedIn, m.host.switchOffice)
	m.nav = newMobileNav(m.opts.platform)
	m.users = newMobileUsers(m)
	m.home = newMobileHome(m)
	m.nav.push(m.home.page)
	if atUsers {
		m.nav.push(m.users.page)
		if u, ok := m.openUser(); ok {
			m.users.open(u)
		}
	}
	m.users.render()
	m.nav.onShow = m.host.follow
	m.host.show(m.nav.view)
}

// holding says whether the page showing holds the layout: any page but
// home, the users page and a user's. Those are the Reset Password page,
// its outcome with SHARE, the hand-over, and the Mail page with its mail
// server form: made anew in another layout, they would lose what was
// typed, or a password on screen.
func (m *Mobile) holding() bool {
	if m.nav == nil {
		return false
	}
	switch top := m.nav.top(); {
	case top == m.home.page, top == m.users.page:
		return false
	case m.lastUser != nil && top == m.lastUser.page:
		return false
	}
	return true
}

// onSignOut asks, then signs out: a thumb slips.
func (m *Mobile) onSignOut() {
	m.confirmSignOut = askOnPhone(m.win, "Sign out", m.signOutQuestion(), "Sign out", func(yes bool) {
		if yes {
			m.signOut()
		}
	})
}

// signOut ends the session and goes back to the sign-in screen.
func (m *Mobile) signOut() { m.host.signOut() }

// forget drops the pages of the session showing: it ended, or the
// window went wide. A page's widget with the keyboard focus lets go of it
// first: the canvas would keep it, and tell it when the focus moves on
// (a click elsewhere, another window), and the users list then drew a row
// from the session dropped here (walk6 B1).
func (m *Mobile) forget() {
	if m.nav != nil && m.win.Canvas().Focused() != nil {
		m.win.Canvas().Unfocus()
	}
	if m.signedIn != nil {
		delete(m.dir.views, "phone")
	}
	if m.lastMail != nil && m.lastMail.relay != nil {
		m.lastMail.relay.stop() // its page is gone
	}
	m.signedIn = nil
	m.nav, m.home, m.users, m.offices = nil, nil, nil, nil
	m.lastUser, m.lastReset, m.lastOutcome, m.lastHandOver, m.lastMail = nil, nil, nil, nil, nil
}

// onTypedKey takes Android's Back key (and Escape in the preview): it
// closes a pop-up, else goes back a page, and leaves the app only from the
// first page, as Android apps do. Without it Fyne's driver ends the app at
// once, with a password on screen lost.
func (m *Mobile) onTypedKey(k *fyne.KeyEvent) {
	if k.Name != mobile.KeyBack && k.Name != fyne.KeyEscape {
		return
	}
	if top := m.win.Canvas().Overlays().Top(); top != nil {
		top.Hide()
		return
	}
	if m.nav != nil && len(m.nav.pages) > 1 {
		m.nav.onBack()
		return
	}
	if k.Name != mobile.KeyBack {
		return
	}
	if d, ok := m.app.Driver().(interface{ GoBack() }); ok {
		d.GoBack()
	}
}

// onUsers is the users entry: the list, on top of the home page.
func (m *Mobile) onUsers() {
	m.nav.popTo(m.home.page)
	m.nav.push(m.users.page)
}

// mobilePage is one screen of the stack.
type mobilePage struct {
	title   string
	content fyne.CanvasObject
	actions []fyne.CanvasObject // at the right of the top bar
	fab     fyne.CanvasObject   // Android: the floating button at the bottom right
	onLeave func()              // called when the page is popped
}

// mobileNav is the stack of pages under a top bar with the back button,
// the page's title and its actions.
type mobileNav struct {
	platform string
	pages    []*mobilePage
	view     *fyne.Container
	back     *widget.Button
	title    *widget.Label
	actions  *fyne.Container
	body     *fyne.Container
	bottom   *fyne.Container
	edge     *edgeSwipe // iOS: a swipe from the left edge goes back
	onShow   func()     // after each page change: the window may change layout
}

func newMobileNav(platform string) *mobileNav {
	n := &mobileNav{platform: platform}
	n.back = &widget.Button{Icon: theme.NavigateBackIcon(), Importance: widget.LowImportance, OnTapped: n.onBack}
	n.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	if platform == platformIOS {
		n.title.Alignment = fyne.TextAlignCenter
	}
	n.actions = container.NewHBox()
	n.body = container.NewStack()
	n.bottom = container.NewHBox()
	// The spacers centre the title's line in the finger-tall bar.
	title := container.NewVBox(layout.NewSpacer(), n.title, layout.NewSpacer())
	// Android's title starts after the back button; iOS centres it on
	// the screen, whatever the widths of the back button and the actions.
	row := container.NewBorder(nil, nil, fingerSquare(n.back), n.actions, title)
	if platform == platformIOS {
		row = container.New(iosBarLayout{title: n.title}, fingerSquare(n.back), title, n.actions)
	}
	bar := container.New(fingerLayout{}, row)
	n.edge = newEdgeSwipe(platform, n.onBack)
	n.view = container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), n.bottom, nil, nil,
		container.NewStack(n.body, container.NewBorder(nil, nil, n.edge, nil)))
	return n
}

// iosBarLayout lays out iOS's top bar as UIKit's navigation bar does:
// the back button at the left, the actions at the right, and the title
// centred on the whole bar, so that it sits in the middle of the screen
// on every page. A title too long for the room the wider side leaves on
// both sides takes the room between the two instead, centred there, and
// ends in "…" if it must.
type iosBarLayout struct{ title *widget.Label }

func (l iosBarLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		if o.Visible() {
			m := o.MinSize()
			s = fyne.NewSize(s.Width+m.Width, max(s.Height, m.Height))
		}
	}
	return s.AddWidthHeight(2*theme.Padding(), 0)
}

func (l iosBarLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	back, title, actions := objects[0], objects[1], objects[2]
	width := func(o fyne.CanvasObject) float32 {
		if !o.Visible() {
			return 0
		}
		return o.MinSize().Width
	}
	left, right := width(back), width(actions)
	back.Move(fyne.NewPos(0, 0))
	back.Resize(fyne.NewSize(left, size.Height))
	actions.Move(fyne.NewPos(size.Width-right, 0))
	actions.Resize(fyne.NewSize(right, size.Height))

	pad := l.title.Theme().Size(theme.SizeNamePadding)
	side := max(left, right) + pad
	x, w := side, size.Width-2*side
	if l.titleWidth() > w {
		x, w = left+pad, size.Width-left-right-2*pad
	}
	title.Move(fyne.NewPos(x, 0))
	title.Resize(fyne.NewSize(max(w, 0), size.Height))
}

// titleWidth is the width of the whole title, uncut: the label's own
// minimum is that of "…", since it truncates.
func (l iosBarLayout) titleWidth() float32 {
	th := l.title.Theme()
	text := fyne.MeasureText(l.title.Text, th.Size(theme.SizeNameText), l.title.TextStyle)
	return text.Width + 2*th.Size(theme.SizeNameInnerPadding)
}

// top is the page showing.
func (n *mobileNav) top() *mobilePage {
	if len(n.pages) == 0 {
		return nil
	}
	return n.pages[len(n.pages)-1]
}

// push shows p above the current page.
func (n *mobileNav) push(p *mobilePage) {
	n.pages = append(n.pages, p)
	n.show()
}

// replace shows p in place of the current page, which is left.
func (n *mobileNav) replace(p *mobilePage) {
	n.leave(n.top())
	n.pages[len(n.pages)-1] = p
	n.show()
}

// popTo goes back to p, leaving every page above it.
func (n *mobileNav) popTo(p *mobilePage) {
	for len(n.pages) > 1 && n.top() != p {
		n.leave(n.top())
		n.pages = n.pages[:len(n.pages)-1]
	}
	n.show()
}

func (n *mobileNav) onBack() {
	if len(n.pages) < 2 {
		return
	}
	n.popTo(n.pages[len(n.pages)-2])
}

func (n *mobileNav) leave(p *mobilePage) {
	if p != nil && p.onLeave != nil {
		p.onLeave()
	}
}

// show lays out the top page: its title, its actions, the back button
// when there is a page to go back to, and Android's floating button.
func (n *mobileNav) show() {
	p := n.top()
	if len(n.pages) > 1 {
		n.back.Show()
		if n.platform == platformIOS {
			n.back.SetText(backLabel(n.pages[len(n.pages)-2].title))
		}
	} else {
		n.back.Hide()
	}
	n.edge.setActive(len(n.pages) > 1)
	n.title.SetText(p.title)
	n.actions.Objects = p.actions
	n.body.Objects = []fyne.CanvasObject{p.content}
	n.bottom.Objects = nil
	if p.fab != nil {
		n.bottom.Objects = []fyne.CanvasObject{layout.NewSpacer(), container.NewPadded(p.fab)}
	}
	n.view.Refresh()
	if n.onShow != nil {
		n.onShow()
	}
}

// backLabel is the text of iOS's back button: the page it leads to, or
// "Back" when that title (a long organisation's name) would crowd out the
// title of the page showing.
func backLabel(title string) string {
	if utf8.RuneCountInString(title) > 12 {
		return "Back"
	}
	return title
}

// fingerSize is the least height of anything a thumb taps: two inline
// icons with their padding, 48 in the default theme (Material's touch
// target), and larger with larger themes.
func fingerSize() float32 {
	return 2 * (theme.Size(theme.SizeNameInlineIcon) + theme.Padding())
}

// popUpWidth is the width of a pop-up on the phone: the window's, less a
// margin on each side.
func popUpWidth(win fyne.Window) float32 {
	return win.Canvas().Size().Width - 4*theme.Padding()
}

// fingerLayout stacks its objects and makes them at least fingerSize tall,
// and as wide when square: an icon button is otherwise narrower than a
// thumb.
type fingerLayout struct{ square bool }

func (l fingerLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	shown := false
	for _, o := range objects {
		if o.Visible() {
			s = s.Max(o.MinSize())
			shown = true
		}
	}
	if l.square && !shown {
		return fyne.Size{} // a hidden back button leaves no gap
	}
	s.Height = max(s.Height, fingerSize())
	if l.square {
		s.Width = max(s.Width, fingerSize())
	}
	return s
}

func (fingerLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// finger wraps o to a finger's height.
func finger(o fyne.CanvasObject) *fyne.Container { return container.New(fingerLayout{}, o) }

// fingerSquare wraps o to at least a finger's height and width: for icon
// buttons.
func fingerSquare(o fyne.CanvasObject) *fyne.Container {
	return container.New(fingerLayout{square: true}, o)
}

// mobileHome is the first page: the org, who is signed in, and the users
// entry where the platform puts it.
type mobileHome struct {
	m       *Mobile
	page    *mobilePage
	entry   *widget.Button // the users entry: in the top bar on iOS, floating on Android
	count   *widget.Label
	mail    *widget.Button // the Mail page: the relay's health, or this phone's mail server
	signOut *widget.Button
}

func newMobileHome(m *Mobile) *mobileHome {
	h := &mobileHome{m: m}
	h.count = &widget.Label{Alignment: fyne.TextAlignCenter}
	h.signOut = &widget.Button{Text: "Sign out", Icon: theme.LogoutIcon(), Importance: widget.LowImportance, OnTapped: m.onSignOut}
	h.mail = newMobileMailEntry(m)
	where := "Users at the bottom right"
	h.page = &mobilePage{title: m.org.Name}
	if m.opts.platform == platformIOS {
		where = "the users icon (the shield) at the top right"
		h.entry = &widget.Button{Icon: icons.Themed(icons.Admin), Importance: widget.LowImportance, OnTapped: m.onUsers}
		h.page.actions = []fyne.CanvasObject{fingerSquare(h.entry)}
	} else {
		h.entry = &widget.Button{Text: "Users", Icon: icons.Themed(icons.Admin), Importance: widget.HighImportance, OnTapped: m.onUsers}
		h.page.fab = finger(h.entry)
	}
	who := m.actor.User.DisplayName
	if m.sess.Role != "" {
		who += " (" + m.sess.Role + ")"
	}
	logo := widget.NewIcon(icons.AppIcon)
	body := container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(2*fingerSize()), logo)),
		&widget.Label{Text: m.org.Name, Alignment: fyne.TextAlignCenter, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText,
			Wrapping: fyne.TextWrapWord},
		&widget.Label{Text: "Signed in as " + who, Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord},
		h.count,
		&widget.Label{Text: "Tap " + where + " to find a user and reset their password.", Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord},
		container.NewCenter(container.NewHBox(finger(h.mail), finger(h.signOut))),
	)
	h.page.content = newPageScroll(container.NewPadded(body))
	return h
}
