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

// phoneSize is the window of a mobile preview on a desktop: an iPhone's
// logical portrait screen. On a phone the window is the screen.
var phoneSize = fyne.NewSize(390, 844)

// Mobile is the phone app's one window: sign in, then a stack of pages
// (home, users list, a user, Reset Password, the outcome) with a back
// button, as Zoho One's mobile app resets a password.
//
// container.Navigation (Fyne 2.7) was not used: it has a forward button a
// phone does not want and no place for a page's own actions in its bar.
type Mobile struct {
	app            fyne.App
	backend        Backend
	win            fyne.Window
	confirmSignOut *phoneConfirm
	opts           mobileOptions

	signIn  *signInScreen
	endUser *endUserForm // the end user's form showing, if any
	// selfService is the last session's self-service login (the demo's).
	selfService app.SelfServiceSetup

	// Set while signed in.
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

// NewMobile returns the mobile window showing the sign-in screen. On a
// desktop (the -mobile preview) the window is phone-sized.
func NewMobile(a fyne.App, b Backend) *Mobile {
	return newMobile(a, b, nil, defaultMobileOptions(a))
}

// NewMobileStarting returns the mobile window signed in with the session
// st makes, as the demo and DATABASE_URL open.
func NewMobileStarting(a fyne.App, b Backend, st Starter) *Mobile {
	return startMobile(a, b, &st, defaultMobileOptions(a))
}

func newMobile(a fyne.App, b Backend, s *Session, o mobileOptions) *Mobile {
	return startMobile(a, b, s.starter(), o)
}

func startMobile(a fyne.App, b Backend, st *Starter, o mobileOptions) *Mobile {
	applyThemePreference(a)
	m := &Mobile{app: a, backend: b, opts: o, win: a.NewWindow("ResetDesk")}
	m.win.SetIcon(icons.AppIcon)
	m.win.Resize(phoneSize)
	m.win.SetOnClosed(m.onClosed)
	m.win.Canvas().SetOnTypedKey(m.onTypedKey)
	m.signIn = newSignInScreen(a, b, m.win, o.spawn, m.open)
	if st == nil {
		m.showSignIn()
	} else {
		resume(*st, m.signIn, m.showSignIn)
	}
	return m
}

// Window returns the app's window.
func (m *Mobile) Window() fyne.Window { return m.win }

// ShowAndRun shows the window and runs the app until it is closed.
func (m *Mobile) ShowAndRun() { m.win.ShowAndRun() }

func (m *Mobile) showSignIn() {
	m.signIn.onEndUser = m.showEndUser
	m.endUser = nil
	m.signIn.buttonRow.Objects = []fyne.CanvasObject{finger(m.signIn.signIn)}
	m.signIn.buttonRow.Layout = layout.NewVBoxLayout()
	m.win.SetContent(container.NewVScroll(container.NewPadded(m.signIn.box)))
}

// showEndUser shows the end user's form of kind in place of the sign-in,
// its button a finger-tall bar.
func (m *Mobile) showEndUser(kind endUserKind) {
	m.endUser = newEndUserForm(m.backend, m.app.Preferences(), m.win, m.opts.spawn, kind, m.showSignIn)
	m.endUser.useFallback(m.selfService)
	m.endUser.forPhone()
	m.win.SetContent(container.NewVScroll(container.NewPadded(m.endUser.box)))
	m.endUser.focus()
}

// open shows the home page of a signed-in session and loads the users.
func (m *Mobile) open(s Session, actor app.Actor, org app.Org) {
	if s.SelfService.Host != "" {
		m.selfService = s.SelfService
	}
	m.signedIn = newSignedIn(m.app, s, actor, org, m.opts.options)
	m.win.SetTitle(windowTitle(m.signedIn))
	m.offices = newOfficeSwitch(m.app, m.backend, m.win, m.signedIn, m.switchOffice)
	m.nav = newMobileNav(m.opts.platform)
	m.users = newMobileUsers(m)
	m.home = newMobileHome(m)
	m.nav.push(m.home.page)
	m.win.SetContent(m.nav.view)
	m.users.reload()
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
func (m *Mobile) signOut() {
	again, hint := m.end()
	m.forget()
	m.win.SetTitle("ResetDesk")
	m.showSignIn()
	m.signIn.offer(again, hint)
}

// forget drops the pages of the session that ended.
func (m *Mobile) forget() {
	m.signedIn = nil
	m.nav, m.home, m.users, m.offices = nil, nil, nil, nil
	m.lastUser, m.lastReset, m.lastOutcome, m.lastHandOver, m.lastMail = nil, nil, nil, nil, nil
}

// switchOffice closes the session open and opens session s, its pages
// made anew, at its users page: where the switch was made.
func (m *Mobile) switchOffice(s Session, actor app.Actor, org app.Org) {
	m.close()
	m.forget()
	m.open(s, actor, org)
	m.onUsers()
}

func (m *Mobile) onClosed() {
	removeSlips()
	if m.endUser != nil {
		m.endUser.close()
	}
	if m.signedIn != nil {
		m.close()
	}
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
	bar := container.New(fingerLayout{}, container.NewBorder(nil, nil, fingerSquare(n.back), n.actions, title))
	n.edge = newEdgeSwipe(platform, n.onBack)
	n.view = container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), n.bottom, nil, nil,
		container.NewStack(n.body, container.NewBorder(nil, nil, n.edge, nil)))
	return n
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
	h.page.content = container.NewVScroll(container.NewPadded(body))
	return h
}
