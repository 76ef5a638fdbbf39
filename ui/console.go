package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// Layout names, as stored under PrefLayout.
const (
	LayoutSpaces  = "spaces"
	LayoutUnified = "unified"
)

// screenID names an entry of the navigation.
type screenID string

// The screens of the console.
const (
	screenUsers    screenID = "users"
	screenImport   screenID = "import"
	screenMail     screenID = "mail"
	screenAudit    screenID = "audit"
	screenSettings screenID = "settings"
)

// navItem is one screen of the navigation. Both shells are built from this
// registry, so a screen is added in one place.
type navItem struct {
	id        screenID
	title     string
	icon      func() fyne.Resource
	directory bool // the Unified shell shows it as a tab under Directory
	build     func(c *console) fyne.CanvasObject
}

// navigation is the console's registry of screens, in menu order. It is
// filled in init because the screens it builds refer back to it.
var navigation []navItem

func init() {
	navigation = []navItem{
		{id: screenUsers, title: "Users", icon: theme.AccountIcon, directory: true,
			build: func(c *console) fyne.CanvasObject { return c.users.view }},
		{id: screenImport, title: "Import", icon: theme.UploadIcon, directory: true,
			build: func(c *console) fyne.CanvasObject { c.imports = newImportScreen(c); return c.imports.view }},
		{id: screenMail, title: "Mail", icon: theme.MailComposeIcon,
			build: func(c *console) fyne.CanvasObject { c.mail = newMailScreen(c); return c.mail.view }},
		{id: screenAudit, title: "Audit", icon: theme.HistoryIcon,
			build: func(c *console) fyne.CanvasObject { c.audit = newAuditScreen(c); return c.audit.view }},
		{id: screenSettings, title: "Settings", icon: theme.SettingsIcon,
			build: func(c *console) fyne.CanvasObject { c.settings = newSettingsScreen(c); return c.settings.view }},
	}
}

// console is the desktop's signed-in session: the screens built so far
// and the shell that shows them.
type console struct {
	*signedIn
	d              *Desktop
	win            fyne.Window
	confirmSignOut *confirmDialog
	prefs          fyne.Preferences

	search      *consoleEntry  // the top bar's search, which filters the users list
	searchIcon  *widget.Icon   // in the search, while it is empty
	clearSearch *widget.Button // in the search, once something is typed
	offices     *officeSwitch  // the top bar's menu of the other offices
	users       *usersScreen
	imports     *importScreen
	mail        *mailScreen
	audit       *auditScreen
	settings    *settingsScreen
	built       map[screenID]fyne.CanvasObject

	// The dialogs opened last, so that tests can reach their widgets.
	lastReset *resetDialog
	lastBulk  *bulkReset

	layout  string
	spaces  *spacesShell  // set while the Spaces shell shows
	unified *unifiedShell // set while the Unified shell shows
}

func newConsole(d *Desktop, s Session, actor app.Actor, org app.Org) *console {
	c := &console{signedIn: newSignedIn(d.app, s, actor, org, d.opts), d: d, win: d.win, prefs: d.app.Preferences(),
		built: map[screenID]fyne.CanvasObject{}}
	c.search = newConsoleEntry()
	c.search.PlaceHolder, c.search.OnChanged = "Search name, email, mobile or zuid", c.onSearch
	// A clear button once something is typed, as on the phone, in place of
	// the magnifier.
	c.searchIcon = widget.NewIcon(theme.SearchIcon())
	c.clearSearch = &widget.Button{Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: func() { c.search.SetText("") }}
	c.clearSearch.Hide()
	c.search.ActionItem = container.NewStack(iconSlot(c.searchIcon, c.clearSearch), c.clearSearch)
	c.offices = newOfficeSwitch(d.app, d.backend, d.win, c.signedIn, d.switchOffice)
	c.users = newUsersScreen(c)
	c.users.reload()
	return c
}

// screen returns the content of id, building it the first time.
func (c *console) screen(id screenID) fyne.CanvasObject {
	if o, ok := c.built[id]; ok {
		return o
	}
	for _, n := range navigation {
		if n.id == id {
			o := n.build(c)
			c.built[id] = o
			return o
		}
	}
	return widget.NewLabel("Unknown screen.")
}

// showShell shows the shell the preferences ask for.
func (c *console) showShell() {
	c.setLayout(c.prefs.StringWithFallback(PrefLayout, LayoutSpaces))
}

// setLayout switches to the Spaces or Unified shell at once and remembers
// the choice. The screens keep their state: only the frame changes.
func (c *console) setLayout(layout string) {
	if layout != LayoutUnified {
		layout = LayoutSpaces
	}
	current := screenUsers
	if c.spaces != nil {
		current = c.spaces.current
	} else if c.unified != nil {
		current = c.unified.current
	}
	c.prefs.SetString(PrefLayout, layout)
	c.layout = layout
	c.spaces, c.unified = nil, nil
	if layout == LayoutUnified {
		c.unified = newUnifiedShell(c)
		c.d.showWide(c.unified.view)
	} else {
		c.spaces = newSpacesShell(c)
		c.d.showWide(c.spaces.view)
	}
	c.show(current)
}

// view is the shell showing, nil before the first.
func (c *console) view() fyne.CanvasObject {
	switch {
	case c.spaces != nil:
		return c.spaces.view
	case c.unified != nil:
		return c.unified.view
	}
	return nil
}

// onSignOut asks before it signs out: the button sits beside the search,
// where a slip of the pointer lands.
func (c *console) onSignOut() {
	c.confirmSignOut = c.askSignOut(c.win, func() {
		if c.d.console == c {
			c.d.signOut()
		}
	})
}

// renewScreens makes every screen but Settings anew, and the shell, after
// the theme changed. Fyne redraws in the new theme only what the window
// shows; under the GL driver the screens out of sight, and the list rows
// waiting in pools, kept the old theme's colours. The users screen shows
// the session's list, filters, selection and open user again; the other
// screens load again when shown.
func (c *console) renewScreens() {
	if c.users.profile != nil {
		c.users.profile.close() // the new users screen opens its own
	}
	c.users = newUsersScreen(c)
	c.users.render()
	for id := range c.built {
		if id != screenSettings {
			delete(c.built, id)
		}
	}
	if c.mail != nil {
		c.mail.relay.stop() // else its line reloads every poll until sign-out
	}
	c.imports, c.mail, c.audit = nil, nil, nil
	c.setLayout(c.layout)
}

// inView is the wide layout's screen that the window shows: none while
// the phone flow, the sign-in or another session shows.
func (c *console) inView() screenID {
	switch {
	case c.d.console != c || c.d.narrow:
		return ""
	case c.spaces != nil:
		return c.spaces.current
	case c.unified != nil:
		return c.unified.current
	}
	return ""
}

// arrived is told that the shell went from one screen to another. Settings
// opened from another screen starts at its top, as a page opened anew
// does, not where it was left. A new shell (the layout switched, or the
// theme renewed the screens) comes from no screen, so Settings open then
// stays where the admin was.
func (c *console) arrived(from, to screenID) {
	if to == screenSettings && from != "" && from != to && c.settings != nil {
		c.settings.scroll.ScrollToTop()
	}
}

// viewChanged tells the screens that poll whether they are in view: after
// a tab, the shell or the layout changed. Out of view, they do not ask the
// database anything.
func (c *console) viewChanged() {
	id := c.inView()
	if c.settings != nil {
		c.settings.relay.setInView(id == screenSettings)
	}
	if c.mail != nil {
		c.mail.relay.setInView(id == screenMail)
	}
	if c.users != nil && c.users.profile != nil {
		c.users.profile.setInView(id == screenUsers)
	}
}

// close ends the session, and every poll of its screens at once.
func (c *console) close() {
	c.stopPolls()
	c.signedIn.close()
}

// end ends the session as signedIn.end does, and every poll of its
// screens at once.
func (c *console) end() (again Profile, hint string) {
	c.stopPolls()
	return c.signedIn.end()
}

// stopPolls stops the polls of the screens for good: the session ends.
// Its end would stop them too, a moment later, on another goroutine.
func (c *console) stopPolls() {
	if c.settings != nil {
		c.settings.relay.stop()
	}
	if c.mail != nil {
		c.mail.relay.stop()
	}
	if c.users != nil && c.users.profile != nil {
		c.users.profile.close()
	}
}

// show brings screen id forward in the current shell.
func (c *console) show(id screenID) {
	if c.spaces != nil {
		c.spaces.show(id)
	} else if c.unified != nil {
		c.unified.show(id)
	}
}

// onSearch filters the users list as the admin types, bringing it forward.
func (c *console) onSearch(text string) {
	c.dir.query.text = text
	if text == "" {
		c.clearSearch.Hide()
		c.searchIcon.Show()
	} else {
		c.searchIcon.Hide()
		c.clearSearch.Show()
	}
	if (c.spaces != nil && c.spaces.current != screenUsers) || (c.unified != nil && c.unified.current != screenUsers) {
		c.show(screenUsers)
	}
	c.users.showList()
	c.users.refilter()
}

// reloadAfterReset refreshes what a reset may have changed.
func (c *console) reloadAfterReset() {
	c.users.reload()
	if c.mail != nil {
		c.mail.reload()
	}
}
