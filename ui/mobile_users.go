package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/icons"
)

// mobileUsers is the users page: a search entry over a virtual list of
// finger-sized rows; a tapped row opens the user.
type mobileUsers struct {
	m    *Mobile
	page *mobilePage

	search     *backEntry
	searchIcon *widget.Icon   // in the search while it is empty
	clear      *widget.Button // in its place once something is typed
	refresh    *widget.Button // loads the list again: users added elsewhere show up
	count      *widget.Label
	loading    *fyne.Container
	banner     *errorBanner
	list       *widget.List
	// filters says which of the wide layout's filters narrow the list,
	// with a button that clears them: the phone has no filters of its own.
	filters      *fyne.Container
	filtersNote  *widget.Label
	clearFilters *widget.Button
	// ticked says how many users the wide layout has ticked: the phone
	// cannot tick, but keeps them for Reset Password once wide again.
	ticked      *fyne.Container
	tickedNote  *widget.Label
	clearTicked *widget.Button

	empty     *widget.Label // says why the list is empty, when it is
	emptyView *fyne.Container
	// The users, the search and the user open are the session's (m.dir).
	shown []int32 // rows of users that match the search

	lastSearch string // of the last refilter
}

func newMobileUsers(m *Mobile) *mobileUsers {
	s := &mobileUsers{m: m}
	s.search = newBackEntry(func() { m.onTypedKey(&fyne.KeyEvent{Name: mobile.KeyBack}) })
	s.search.PlaceHolder, s.search.OnChanged = "Search name, email, mobile or zuid", s.onSearch
	// A clear button once something is typed: a phone has no quick way to
	// select the text and delete it.
	s.clear = &widget.Button{Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: func() { s.search.SetText("") }}
	s.searchIcon = widget.NewIcon(theme.SearchIcon())
	s.search.ActionItem = container.NewStack(iconSlot(s.searchIcon, s.clear), s.clear)
	s.clear.Hide()
	s.refresh = &widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: s.reload}
	s.count = &widget.Label{Importance: widget.LowImportance}
	s.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading users…"))
	s.loading.Hide()
	s.banner = newErrorBanner(s.reload)
	s.list = widget.NewList(s.length, s.createRow, s.updateRow)
	s.list.OnSelected = s.onSelected
	s.empty = &widget.Label{Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}
	s.empty.Hide()
	s.emptyView = emptyNote(s.empty)
	s.filtersNote = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	s.clearFilters = &widget.Button{Text: "Clear filters", Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: s.onClearFilters}
	s.filters = container.NewBorder(nil, nil, nil, finger(s.clearFilters), s.filtersNote)
	s.filters.Hide()
	s.tickedNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.clearTicked = &widget.Button{Text: "Untick all", Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: s.onClearTicked}
	s.ticked = container.NewBorder(nil, nil, nil, finger(s.clearTicked), s.tickedNote)
	s.ticked.Hide()
	top := container.NewVBox(container.NewHBox(finger(m.offices.newButton())), s.search, s.count, s.filters, s.ticked, s.loading, s.banner.view)
	s.page = &mobilePage{title: "Users", content: container.NewBorder(container.NewPadded(top), nil, nil, nil,
		container.NewStack(s.list, s.emptyView)),
		actions: []fyne.CanvasObject{fingerSquare(s.refresh)}}
	m.dir.views["phone"] = s.apply
	return s
}

// reload loads every user again, off the Fyne goroutine.
func (s *mobileUsers) reload() {
	if s.gone() {
		return
	}
	s.m.loadUsers()
	s.showLoading()
}

// showLoading shows whether a load is under way.
func (s *mobileUsers) showLoading() {
	if s.m.dir.loading {
		s.loading.Show()
		s.refresh.Disable()
	} else {
		s.loading.Hide()
		s.refresh.Enable()
	}
}

// apply shows a load's answer, which the session has kept.
func (s *mobileUsers) apply(r usersLoad) {
	if s.gone() {
		return
	}
	s.showLoading()
	s.banner.show(r.err)
	if r.err == nil {
		s.refilter()
		if p := s.m.lastUser; p != nil {
			if u, ok := s.m.dir.list.userByID(p.user.ID); ok {
				p.setUser(u)
			}
		}
	}
	s.page.content.Refresh()
}

// render shows the session's list, search and filters as they are now,
// when the phone flow comes into the window.
func (s *mobileUsers) render() {
	s.search.OnChanged = nil // showing what was typed is not typing
	s.search.SetText(s.m.dir.query.text)
	s.search.OnChanged = s.onSearch
	s.lastSearch = s.search.Text // the list keeps its place
	s.showLoading()
	s.banner.show(s.m.dir.err)
	s.refilter()
	s.page.content.Refresh()
}

// gone says whether the flow dropped this page (the session ended, or the
// window went wide): its widgets may still be called, by a canvas that
// had one focused, and must not reach for the session.
func (s *mobileUsers) gone() bool { return s.m.users != s }

func (s *mobileUsers) onSearch(text string) {
	if s.gone() {
		return
	}
	s.m.dir.query.text = text
	s.refilter()
}

// onClearFilters clears the wide layout's filters, for the whole session.
func (s *mobileUsers) onClearFilters() {
	if s.gone() {
		return
	}
	q := &s.m.dir.query
	q.status, q.role, q.lockedOnly = "", roleAll, false
	s.refilter()
	s.page.content.Refresh()
}

// onClearTicked unticks the users the wide layout ticked.
func (s *mobileUsers) onClearTicked() {
	if s.gone() {
		return
	}
	clear(s.m.dir.selected)
	s.refilter()
	s.page.content.Refresh()
}

// tickedText says how many users are ticked, "" for none.
func tickedText(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 user ticked in the wide window: widen it to reset them together."
	}
	return fmt.Sprintf("%d users ticked in the wide window: widen it to reset them together.", n)
}

// filtersText names the filters of q that narrow the list, "" for none.
func filtersText(q userQuery) string {
	var on []string
	if q.status != "" {
		on = append(on, statusChoice(q.status))
	}
	if q.role != roleAll {
		on = append(on, roleChoices[q.role])
	}
	if q.lockedOnly {
		on = append(on, "Locked only")
	}
	if len(on) == 0 {
		return ""
	}
	return "Filtered: " + strings.Join(on, ", ")
}

// refilter applies the search, and the wide layout's filters, to the
// loaded users.
func (s *mobileUsers) refilter() {
	if s.search.Text == "" {
		s.clear.Hide()
		s.searchIcon.Show()
	} else {
		s.searchIcon.Hide()
		s.clear.Show()
	}
	q := s.m.dir.query
	list := s.m.dir.list
	s.shown = filterUsers(list, q, s.shown[:0])
	s.count.SetText(countText(len(s.shown), list.len()))
	if note := filtersText(q); note != "" {
		s.filtersNote.SetText(note)
		s.filters.Show()
	} else {
		s.filters.Hide()
	}
	if note := tickedText(len(s.m.dir.selected)); note != "" {
		s.tickedNote.SetText(note)
		s.ticked.Show()
	} else {
		s.ticked.Hide()
	}
	if list != nil {
		s.m.home.count.SetText(fmt.Sprintf("%d users in the directory", list.len()))
	}
	showEmpty(s.emptyView, s.empty, len(s.shown), list.len(), s.search.Text)
	s.list.UnselectAll()
	s.list.Refresh()
	if s.search.Text != s.lastSearch { // the first matches, not the old place; a reload keeps it
		s.lastSearch = s.search.Text
		s.list.ScrollToTop()
	}
}

func (s *mobileUsers) length() int {
	if s.gone() {
		return 0
	}
	return len(s.shown)
}

// shownUser is the user at row i.
func (s *mobileUsers) shownUser(i widget.ListItemID) app.User {
	return s.m.dir.list.user(int(s.shown[i]))
}

func (s *mobileUsers) createRow() fyne.CanvasObject { return newMobileUserRow() }

func (s *mobileUsers) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if s.gone() || i < 0 || i >= len(s.shown) {
		return
	}
	o.(*mobileUserRow).set(s.shownUser(i), s.m.now())
}

// onSelected opens the tapped user.
func (s *mobileUsers) onSelected(i widget.ListItemID) {
	s.list.Unselect(i)
	if !s.gone() && i >= 0 && i < len(s.shown) {
		s.open(s.shownUser(i))
	}
}

// open pushes u's page.
func (s *mobileUsers) open(u app.User) {
	s.m.dir.open = u.ID
	p := newMobileUserPage(s.m, u)
	s.m.lastUser = p
	s.m.nav.push(p.page)
}

// iconSlot shows icon centred in the room that button, which takes its
// place, has, with padding on either side: an icon alone sat against the
// field's edge, with the placeholder running into it (walk6 p9).
func iconSlot(icon *widget.Icon, button fyne.CanvasObject) *fyne.Container {
	return container.New(slotLayout{button}, icon)
}

type slotLayout struct{ like fyne.CanvasObject }

// MinSize is the button's, and no narrower than the icon with the inner
// padding on each side: Fyne's buttons in an entry ask for less.
func (l slotLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := l.like.MinSize()
	for _, o := range objects {
		s = s.Max(o.MinSize().AddWidthHeight(2*theme.InnerPadding(), 0))
	}
	return s
}

func (l slotLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		m := o.MinSize()
		o.Resize(m)
		o.Move(fyne.NewPos((size.Width-m.Width)/2, (size.Height-m.Height)/2))
	}
}

// backEntry is an entry that passes Android's Back key on: Fyne gives the
// focused widget every key, and an entry ignores Back, so a page with its
// cursor in the search would never go back.
type backEntry struct {
	widget.Entry
	onBack func()
}

func newBackEntry(onBack func()) *backEntry {
	e := &backEntry{onBack: onBack}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey goes back on Back, after letting go of the focus.
func (e *backEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != mobile.KeyBack {
		e.Entry.TypedKey(k)
		return
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
		c.Unfocus()
	}
	e.onBack()
}

// mobileUserRow is one line of the list: name over login, status and lock
// at the end, at least a finger tall.
type mobileUserRow struct {
	widget.BaseWidget
	user   app.User
	name   *widget.Label
	login  *widget.Label
	status *widget.Label
	lock   *widget.Icon
}

func newMobileUserRow() *mobileUserRow {
	r := &mobileUserRow{
		name:   &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		login:  &widget.Label{Truncation: fyne.TextTruncateEllipsis, Importance: widget.LowImportance},
		status: &widget.Label{},
		lock:   widget.NewIcon(theme.NewErrorThemedResource(icons.Lock)),
	}
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer lays the row out.
func (r *mobileUserRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(&rowsLayout{}, r.name, r.login)
	return widget.NewSimpleRenderer(finger(container.NewBorder(nil, nil, nil, container.NewHBox(r.lock, r.status), text)))
}

// set shows u in the row.
func (r *mobileUserRow) set(u app.User, now time.Time) {
	r.user = u
	r.name.SetText(u.DisplayName)
	r.login.SetText(u.Login())
	r.status.SetText(statusLabel(u.Status))
	r.status.Importance = statusImportance(u.Status)
	r.status.Refresh()
	if u.HasLock() {
		r.lock.Show()
	} else {
		r.lock.Hide()
	}
}

// rowsLayout stacks its objects top to bottom without the padding between
// them that a VBox adds: a name and its email read as one entry.
type rowsLayout struct{}

func (*rowsLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - theme.InnerPadding()
	}
	return s.AddWidthHeight(0, theme.InnerPadding())
}

func (*rowsLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - theme.InnerPadding()
	}
}

// mobileUserPage is one user: their details and Reset Password, disabled
// with the reason when the reset would skip them.
type mobileUserPage struct {
	m    *Mobile
	user app.User
	page *mobilePage

	name     *widget.Label
	details  *detailForm
	skipNote *widget.Label
	reset    *widget.Button
}

func newMobileUserPage(m *Mobile, u app.User) *mobileUserPage {
	p := &mobileUserPage{m: m}
	p.name = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}
	p.details = newDetailForm("Email", "Mobile", "Status", "Role", "Locked", "Zuid") // the search takes zuids: show them
	p.skipNote = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	p.reset = &widget.Button{Text: "Reset Password", Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: p.onReset}
	body := container.NewVBox(p.name, p.details.form, p.skipNote, finger(p.reset))
	p.page = &mobilePage{title: "User", content: newPageScroll(container.NewPadded(body)), onLeave: func() {
		if m.signedIn != nil && m.dir.open == u.ID {
			m.dir.open = 0 // gone back: no user is open
		}
	}}
	p.setUser(u)
	return p
}

// setUser shows u and whether they can be reset.
func (p *mobileUserPage) setUser(u app.User) {
	p.user = u
	p.name.SetText(u.DisplayName)
	locked := "No"
	switch {
	case u.Locked(p.m.now()):
		locked = "Until " + formatTime(u.LockedUntil, p.m.zone(), "")
	case u.HasLock():
		locked = "Yes: mail sign-in refused until a reset unlocks it (set to end " + formatTime(u.LockedUntil, p.m.zone(), "") + ")"
	}
	p.details.set(u.PrimaryEmail, u.MobileNumber, statusLabel(u.Status), u.Role, locked, strconv.FormatInt(u.ID, 10))
	if why := mobileResetRefusal(p.m, u, mobileDefaultOptions(p.m, u)); why != "" {
		p.skipNote.SetText(why)
		p.skipNote.Show()
		p.reset.Disable()
	} else {
		p.skipNote.Hide()
		p.reset.Enable()
	}
}

func (p *mobileUserPage) onReset() {
	if p.reset.Disabled() {
		return
	}
	r := newMobileResetPage(p.m, p.user)
	p.m.lastReset = r
	p.m.nav.push(r.page)
}

// mobileDefaultOptions are the options the Reset Password page starts
// with: Zoho's mobile flow sets a password, forces a change and clears
// mobile sessions, and does not email it. When the actor may not set
// passwords (DESIGN.md section 4 wins over the flow), a one-time password.
func mobileDefaultOptions(m *Mobile, u app.User) app.ResetOptions {
	o := app.ResetOptions{Mode: app.ModeSetPassword, ForceChange: true, ClearMobileSessions: true, Unlock: u.HasLock()}
	if app.CheckMayReset(m.actor, m.org, o) != nil {
		o.Mode, o.ForceChange = app.ModeOneTime, false
	}
	return o
}

// mobileResetRefusal is the sentence that says why u can't be reset with
// opts, or "" when they can.
func mobileResetRefusal(m *Mobile, u app.User, opts app.ResetOptions) string {
	if err := app.CheckMayReset(m.actor, m.org, opts); err != nil {
		return app.ErrorMessage(err)
	}
	return skipSentence(m.actor, u, app.SkipReasonFor(m.actor, m.org, u, opts))
}
