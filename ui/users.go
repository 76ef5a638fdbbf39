package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/icons"
)

// roleFilter narrows the list by kind of role.
type roleFilter int

// The role filters.
const (
	roleAll     roleFilter = iota
	roleAdmins             // console users: owner, admins, custom roles
	roleMembers            // everyone else
)

// userQuery is what the admin typed and chose above the list.
type userQuery struct {
	text       string     // matched case-insensitively against name, email, mobile and zuid
	status     app.Status // "" for all
	role       roleFilter
	lockedOnly bool
}

// Labels of the filter choices.
var (
	statusChoices = []string{"All statuses", "Invited", "Confirmed", "Deactivated"}
	roleChoices   = []string{"All roles", "Admins", "Members"}
)

// usersScreen is the virtual list of all users with search, filters, bulk
// selection and a menu per row; a tapped row opens the user's profile in
// its place.
type usersScreen struct {
	c    *console
	view *fyne.Container // the list, or a profile

	listView   *fyne.Container
	selectAll  *widget.Check // ticks every row the filters show
	status     *touchSelect
	role       *touchSelect
	lockedOnly *widget.Check
	count      *widget.Label
	refresh    *widget.Button
	loading    *widget.Activity
	empty      *widget.Label // says why the list is empty, when it is
	emptyView  *fyne.Container
	banner     *errorBanner
	list       *widget.List

	selectionBar  *fyne.Container
	selectedLabel *widget.Label
	resetSelected *widget.Button
	clearSelected *widget.Button

	// The users, the filters, the selection and the user open are the
	// session's (c.dir): this screen shows them.
	shown []int32 // rows of users that pass the filters

	lastQuery userQuery // of the last refilter

	profile *profileScreen // the profile showing, if any
}

func newUsersScreen(c *console) *usersScreen {
	s := &usersScreen{c: c}
	q := c.dir.query
	s.status = newTouchSelect(statusChoices, statusChoice(q.status), s.onStatus, c.opts.touch)
	s.role = newTouchSelect(roleChoices, roleChoices[q.role], s.onRole, c.opts.touch)
	s.lockedOnly = &widget.Check{Text: "Locked only", Checked: q.lockedOnly, OnChanged: s.onLockedOnly}
	s.selectAll = &widget.Check{Text: "Select all", OnChanged: s.onSelectAll}
	// The count wraps rather than widen the page ("1,234 of 100,000 users"
	// beside the filters is wider than the first window at FYNE_SCALE=1.5).
	s.count = &widget.Label{Alignment: fyne.TextAlignTrailing, Wrapping: fyne.TextWrapWord}
	s.refresh = &widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: s.reload}
	s.loading = widget.NewActivity()
	s.loading.Hide()
	s.banner = newErrorBanner(s.reload)
	s.list = widget.NewList(s.length, s.createRow, s.updateRow)
	s.list.OnSelected = s.onRowSelected

	// The words wrap rather than widen the page: "12 selected (9 hidden by
	// the filters)" and both buttons on one line are wider than the first
	// window at FYNE_SCALE=1.5, and would push the whole shell sideways.
	s.selectedLabel = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	s.resetSelected = &widget.Button{Text: "Reset Password", Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: s.onResetSelected}
	s.clearSelected = &widget.Button{Text: "Clear selection", Icon: theme.ContentClearIcon(), OnTapped: s.onClearSelection}
	s.selectionBar = container.NewBorder(nil, nil, nil, container.NewHBox(s.resetSelected, s.clearSelected), s.selectedLabel)
	s.selectionBar.Hide()

	// Nothing that comes and goes sits above the list: a line appearing
	// there would push the rows down under the pointer, and the next tick
	// would land on someone else. The selection's actions take the bottom
	// edge; loading is a spinner in the filter row.
	filters := container.NewBorder(nil, nil, container.NewHBox(s.selectAll, s.status, s.role, s.lockedOnly),
		container.NewHBox(s.loading, s.refresh), s.count)
	top := container.NewVBox(filters, s.banner.view)
	s.empty = &widget.Label{Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord, Importance: widget.MediumImportance}
	s.empty.Hide()
	s.emptyView = emptyNote(s.empty)
	s.listView = container.NewBorder(top, s.selectionBar, nil, nil, container.NewStack(s.list, s.emptyView))
	s.view = container.NewStack(s.listView)
	c.dir.views["wide"] = s.apply
	return s
}

// reload loads every user of the org again, off the Fyne goroutine.
func (s *usersScreen) reload() {
	s.c.loadUsers()
	s.showLoading()
}

// showLoading shows whether a load is under way.
func (s *usersScreen) showLoading() {
	if !s.c.dir.loading {
		s.loading.Stop()
		s.loading.Hide()
		s.refresh.Enable()
		return
	}
	s.loading.Show()
	s.loading.Start()
	s.refresh.Disable()
	if s.c.dir.list.len() == 0 {
		s.count.SetText("Loading users…")
	}
}

// apply shows a load's answer, which the session has kept. While the
// phone flow shows, it waits: render shows the answer when the shell comes
// back, and 100,000 users are not filtered twice meanwhile.
func (s *usersScreen) apply(r usersLoad) {
	if s.c.d.narrow {
		return
	}
	defer s.listView.Refresh() // the banner comes and goes
	s.showLoading()
	s.banner.show(r.err)
	if r.err != nil {
		s.count.SetText(countText(len(s.shown), s.c.dir.list.len()))
		return
	}
	s.refilter()
	if s.profile != nil {
		if u, ok := s.userByID(s.profile.user.ID); ok {
			s.profile.setUser(u)
			// Its mail, sessions and activity changed too, after a reset.
			s.profile.reload()
		}
	}
}

// render shows the session's state as it is now, when the wide layout
// comes back: the filters, the list, the selection and the user open.
// The profile of the user open is made anew (and loads their activity);
// the list is not loaded again.
func (s *usersScreen) render() {
	q := s.c.dir.query
	s.status.SetSelected(statusChoice(q.status))
	s.role.SetSelected(roleChoices[q.role])
	s.lockedOnly.SetChecked(q.lockedOnly)
	s.showLoading()
	s.banner.show(s.c.dir.err)
	s.refilter()
	if u, ok := s.c.openUser(); ok {
		if s.profile == nil || s.profile.user.ID != u.ID {
			s.openProfile(u)
		}
	} else {
		s.showList()
	}
}

// statusChoice is the status filter's label for st ("" for all): the
// status as the screens name it.
func statusChoice(st app.Status) string {
	if st == "" {
		return statusChoices[0]
	}
	return statusLabel(st)
}

func (s *usersScreen) onStatus(label string) {
	s.c.dir.query.status = ""
	for _, st := range []app.Status{app.StatusInvited, app.StatusConfirmed, app.StatusDeactivated} {
		if statusChoice(st) == label {
			s.c.dir.query.status = st
		}
	}
	s.refilter()
}

func (s *usersScreen) onRole(label string) {
	s.c.dir.query.role = roleFilter(max(0, slices.Index(roleChoices, label)))
	s.refilter()
}

func (s *usersScreen) onLockedOnly(on bool) {
	s.c.dir.query.lockedOnly = on
	s.refilter()
}

// refilter applies the search and filters to the loaded users.
func (s *usersScreen) refilter() {
	q := s.c.dir.query
	s.shown = filterUsers(s.c.dir.list, q, s.shown[:0])
	s.count.SetText(countText(len(s.shown), s.c.dir.list.len()))
	showEmpty(s.emptyView, s.empty, len(s.shown), s.c.dir.list.len(), q.text)
	s.list.UnselectAll()
	s.list.Refresh()
	s.showSelection() // the filters may hide some of it, or show it all
	// New filters: the first matches are the ones to see, and a list left
	// scrolled halfway would hide them above. A reload keeps the place.
	if q != s.lastQuery {
		s.lastQuery = q
		s.list.ScrollToTop()
	}
}

// userByID returns a loaded user.
func (s *usersScreen) userByID(id int64) (app.User, bool) { return s.c.dir.list.userByID(id) }

// userByLogin finds a loaded user by email, mobile number or zuid.
func (s *usersScreen) userByLogin(login string) (app.User, bool) {
	return s.c.dir.list.userByLogin(login)
}

// shownUser is the user at row i of the list.
func (s *usersScreen) shownUser(i widget.ListItemID) app.User {
	return s.c.dir.list.user(int(s.shown[i]))
}

func (s *usersScreen) length() int { return len(s.shown) }

func (s *usersScreen) createRow() fyne.CanvasObject { return newUserRow(s) }

func (s *usersScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	u := s.shownUser(i)
	o.(*userRow).set(u, s.c.dir.selected[u.ID], s.c.now())
}

// onRowSelected opens the profile of the tapped row.
func (s *usersScreen) onRowSelected(i widget.ListItemID) {
	s.list.Unselect(i)
	if i >= 0 && i < len(s.shown) {
		s.openProfile(s.shownUser(i))
	}
}

// onRowChecked adds the user to the bulk selection or takes them out.
func (s *usersScreen) onRowChecked(id int64, checked bool) {
	if checked {
		s.c.dir.selected[id] = true
	} else {
		delete(s.c.dir.selected, id)
	}
	s.showSelection()
}

func (s *usersScreen) showSelection() {
	shown := s.shownSelected()
	s.selectAll.OnChanged = nil
	s.selectAll.SetChecked(len(s.shown) > 0 && shown == len(s.shown))
	s.selectAll.OnChanged = s.onSelectAll
	selected := s.c.dir.selected
	if len(selected) == 0 {
		if s.selectionBar.Visible() {
			s.selectionBar.Hide()
			s.listView.Refresh()
		}
		return
	}
	text := fmt.Sprintf("%d selected", len(selected))
	if hidden := len(selected) - shown; hidden > 0 {
		// Reset Password takes them too: say so while they are out of sight.
		text += fmt.Sprintf(" (%d hidden by the filters)", hidden)
	}
	s.selectedLabel.SetText(text)
	if !s.selectionBar.Visible() {
		s.selectionBar.Show()
		s.listView.Refresh()
	}
}

// shownSelected counts the selected users that the filters show. The
// selection is looked up in the shown rows, which are in order, so that a
// small selection costs little over a large list.
func (s *usersScreen) shownSelected() int {
	n := 0
	list, selected := s.c.dir.list, s.c.dir.selected
	if len(selected) > len(s.shown) {
		for _, i := range s.shown {
			if selected[list.rows[i].id] {
				n++
			}
		}
		return n
	}
	for id := range selected {
		if i, ok := list.indexOf(id); ok {
			if _, found := slices.BinarySearch(s.shown, int32(i)); found {
				n++
			}
		}
	}
	return n
}

// onSelectAll ticks every row the filters show, or unticks them; users
// the filters hide keep their ticks.
func (s *usersScreen) onSelectAll(on bool) {
	for _, i := range s.shown {
		if id := s.c.dir.list.rows[i].id; on {
			s.c.dir.selected[id] = true
		} else {
			delete(s.c.dir.selected, id)
		}
	}
	s.showSelection()
	s.list.Refresh()
}

func (s *usersScreen) onClearSelection() {
	clear(s.c.dir.selected)
	s.showSelection()
	s.list.Refresh()
}

// selectedUsers returns the selection in list order.
func (s *usersScreen) selectedUsers() []app.User {
	var out []app.User
	list := s.c.dir.list
	for i := range list.len() {
		if s.c.dir.selected[list.rows[i].id] {
			out = append(out, list.user(i))
		}
	}
	return out
}

// onResetSelected opens the bulk reset with the selection.
func (s *usersScreen) onResetSelected() {
	b := openBulkReset(s.c, s.selectedUsers())
	// Once they are reset, the selection has done its job: kept, a second
	// Reset Password would reset the same people again.
	b.onFinished = s.onClearSelection
}

// rowMenu is the three-dots menu of a row.
func (s *usersScreen) rowMenu(u app.User) *fyne.Menu {
	return fyne.NewMenu("",
		&fyne.MenuItem{Label: "Reset Password", Icon: theme.ViewRefreshIcon(), Action: func() { openResetDialog(s.c, u) }},
		&fyne.MenuItem{Label: "View profile", Icon: theme.AccountIcon(), Action: func() { s.openProfile(u) }},
	)
}

// openProfile shows u's profile in place of the list.
func (s *usersScreen) openProfile(u app.User) {
	s.c.dir.open = u.ID
	if s.profile != nil {
		s.profile.close()
	}
	s.profile = newProfileScreen(s.c, u)
	s.view.Objects = []fyne.CanvasObject{s.profile.view}
	s.view.Refresh()
	s.profile.reload()
	s.c.viewChanged()
}

// showList goes back from a profile to the list.
func (s *usersScreen) showList() {
	s.c.dir.open = 0
	if s.profile == nil {
		return
	}
	s.profile.close()
	s.profile = nil
	s.view.Objects = []fyne.CanvasObject{s.listView}
	s.view.Refresh()
}

// userRow is one line of the users list.
type userRow struct {
	widget.BaseWidget
	s      *usersScreen
	user   app.User
	check  *widget.Check
	name   *widget.Label
	login  *widget.Label
	status *widget.Label
	role   *widget.Label
	lock   *widget.Icon
	more   *widget.Button
}

// lockIcon marks a locked account in a row.
var lockIcon = theme.NewErrorThemedResource(icons.Lock)

func newUserRow(s *usersScreen) *userRow {
	r := &userRow{s: s,
		name:   &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		login:  &widget.Label{Truncation: fyne.TextTruncateEllipsis},
		status: &widget.Label{},
		role:   &widget.Label{Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis},
		lock:   widget.NewIcon(lockIcon),
	}
	r.check = &widget.Check{OnChanged: r.onChecked}
	r.more = &widget.Button{Icon: theme.MoreVerticalIcon(), Importance: widget.LowImportance, OnTapped: r.onMore}
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer lays the row out: checkbox, name and login, then status,
// role, lock and menu at the end.
func (r *userRow) CreateRenderer() fyne.WidgetRenderer {
	// The end columns keep one width on every row, so that the name and
	// login columns line up from row to row.
	fixed := func(o fyne.CanvasObject, ems float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(ems*theme.TextSize(), o.MinSize().Height), o)
	}
	// The lock keeps its place when hidden, so that the columns line up.
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSquareSize(theme.IconInlineSize()))
	lock := container.NewStack(room, container.NewCenter(r.lock))
	var check, more fyne.CanvasObject = r.check, r.more
	if r.s.c.opts.touch {
		// A tablet: the checkbox and the ⋮ are a finger's size by their own
		// measure, not only by the shell's touch theme. The list sizes
		// every row from one template, which it may make outside that
		// theme: its rows were then 40 units tall, the boxes too small.
		check, more = fingerSquare(r.check), fingerSquare(r.more)
	}
	end := container.NewHBox(fixed(r.status, 7), fixed(r.role, 9), lock, more)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, check, end,
		container.New(nameLoginLayout{}, r.name, r.login)))
}

// nameLoginLayout gives a row's login 65% of the room and its name 35%:
// an office's emails are longer than its names, and with two equal halves
// the email was cut ("admin@northw…") beside a name column with room to
// spare. Every row shares the split, so the columns line up. In a narrow
// row (the Unified layout at scale 1.5) 35% cut everyday names ("Ana
// Müll…"): the name then gets up to nameColumnEms, never more than half.
type nameLoginLayout struct{}

// nameColumnEms is the width, in text heights, that a first and last name
// of an office usually needs in bold.
const nameColumnEms = 7.5

func (nameLoginLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	name, login := objects[0].MinSize(), objects[1].MinSize()
	return fyne.NewSize(name.Width+theme.Padding()+login.Width, max(name.Height, login.Height))
}

func (nameLoginLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	room := size.Width - theme.Padding()
	nameWidth := max(room*0.35, min(nameColumnEms*theme.TextSize(), room*0.5))
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(fyne.NewSize(nameWidth, size.Height))
	objects[1].Move(fyne.NewPos(nameWidth+theme.Padding(), 0))
	objects[1].Resize(fyne.NewSize(size.Width-nameWidth-theme.Padding(), size.Height))
}

// set shows u in the row.
func (r *userRow) set(u app.User, selected bool, now time.Time) {
	r.user = u
	r.check.OnChanged = nil
	r.check.SetChecked(selected)
	r.check.OnChanged = r.onChecked
	r.name.SetText(u.DisplayName)
	r.login.SetText(u.Login())
	r.status.SetText(statusLabel(u.Status))
	r.status.Importance = statusImportance(u.Status)
	r.status.Refresh()
	role := u.Role
	if u.SSOManaged {
		role += " · SSO" // signs in elsewhere: a reset here would be skipped
	}
	r.role.SetText(role)
	// Shown or hidden, never an icon without an image: a recycled row
	// once kept drawing the lock of the user it showed before.
	if u.HasLock() {
		r.lock.Show()
	} else {
		r.lock.Hide()
	}
}

func (r *userRow) onChecked(checked bool) { r.s.onRowChecked(r.user.ID, checked) }

func (r *userRow) onMore() {
	showMenuUnder(r.s.rowMenu(r.user), r.more, r.s.c.opts.touch)
}

// statusLabel is a status as the screens name it.
func statusLabel(s app.Status) string {
	switch s {
	case app.StatusInvited:
		return "Invited"
	case app.StatusConfirmed:
		return "Confirmed"
	case app.StatusDeactivated:
		return "Deactivated"
	}
	return string(s)
}

func statusImportance(s app.Status) widget.Importance {
	switch s {
	case app.StatusConfirmed:
		return widget.SuccessImportance
	case app.StatusDeactivated:
		return widget.LowImportance
	}
	return widget.WarningImportance
}

// showEmpty says, in place of an empty list, why it is empty.
func showEmpty(view *fyne.Container, l *widget.Label, shown, total int, text string) {
	defer view.Refresh() // lays the note out for its new text
	switch {
	case shown > 0 || total == 0:
		l.Hide()
		return
	case strings.TrimSpace(text) != "":
		l.SetText(fmt.Sprintf("No user matches %q. Search looks at names, emails, mobile numbers and zuids.", strings.TrimSpace(text)))
	default:
		l.SetText("No user matches these filters.")
	}
	l.Show()
}

// emptyNote places the label that explains an empty list over the list:
// across the list's width, in its middle. container.NewCenter would give a
// word-wrapped label only its narrowest width, one letter a line, and the
// window would grow to hold that column.
func emptyNote(l *widget.Label) *fyne.Container {
	return container.New(emptyNoteLayout{}, l)
}

// emptyNoteLayout asks for no room of its own: the note sits over a list
// that already has its size, so that no message, however long, makes the
// window grow.
type emptyNoteLayout struct{}

func (emptyNoteLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

func (emptyNoteLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	w := max(size.Width-2*pad, 0)
	for _, o := range objects {
		// A wrapped label's height follows its width: give it the width
		// first, then ask.
		o.Resize(fyne.NewSize(w, o.Size().Height))
		h := min(o.MinSize().Height, size.Height)
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos(pad, (size.Height-h)/2))
	}
}

// countText says how many users the list shows, of how many loaded.
func countText(shown, total int) string {
	if shown == total {
		return fmt.Sprintf("%d users", total)
	}
	return fmt.Sprintf("%d of %d users", shown, total)
}
