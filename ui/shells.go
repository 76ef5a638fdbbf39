package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/icons"
)

// topBar is the bar both shells share: the office open (its button lists
// the others), the search, and whatever the shell puts at the right.
func topBar(c *console, right ...fyne.CanvasObject) fyne.CanvasObject {
	org := c.offices.newButton()
	who := &widget.Label{Text: c.actor.User.DisplayName, Importance: widget.LowImportance}
	signOut := &widget.Button{Text: "Sign out", Icon: theme.LogoutIcon(), Importance: widget.LowImportance, OnTapped: c.onSignOut}
	end := container.NewHBox(append([]fyne.CanvasObject{who, signOut}, right...)...)
	start := container.NewHBox(widget.NewIcon(icons.AppIcon), org)
	return container.NewVBox(container.NewBorder(nil, nil, start, end, c.search), widget.NewSeparator())
}

// spacesShell is Zoho's Spaces layout: a top bar with the org, the search
// and the admin icon at the top right; the admin panel below it has its
// tabs (Users first) on the left.
type spacesShell struct {
	c       *console
	view    fyne.CanvasObject
	admin   *tipButton
	menu    *fyne.Menu // the admin panel's sections, under the admin icon
	tabs    *container.AppTabs
	items   map[screenID]*container.TabItem
	current screenID
}

func newSpacesShell(c *console) *spacesShell {
	s := &spacesShell{c: c, items: map[screenID]*container.TabItem{}}
	s.admin = newTipButton(icons.Themed(icons.Admin), "Admin panel", s.onAdmin)
	s.tabs = &container.AppTabs{}
	s.menu = fyne.NewMenu("Admin panel")
	for _, n := range navigation {
		item := &container.TabItem{Text: n.title, Icon: n.icon(), Content: container.NewStack()}
		s.items[n.id] = item
		s.tabs.Append(item)
		s.menu.Items = append(s.menu.Items, &fyne.MenuItem{Label: n.title, Icon: n.icon(), Action: func() { s.openSection(n.id) }})
	}
	s.tabs.SetTabLocation(container.TabLocationLeading)
	s.tabs.OnSelected = s.onTab
	s.view = container.NewStack(container.NewBorder(topBar(c, s.admin), nil, nil, nil, s.tabs), s.admin.layer)
	return s
}

// onAdmin opens the admin panel's menu under the icon, as Zoho One's admin
// icon does: its sections, Users first.
func (s *spacesShell) onAdmin() {
	s.admin.hideTip()
	showMenuUnder(s.menu, s.admin, s.c.opts.touch)
}

// openSection shows a section of the admin panel; Users shows the list.
func (s *spacesShell) openSection(id screenID) {
	s.show(id)
	if id == screenUsers {
		s.c.users.showList()
	}
}

func (s *spacesShell) onTab(item *container.TabItem) {
	for id, it := range s.items {
		if it == item {
			s.fill(id)
		}
	}
}

// fill puts the screen into its tab the first time the tab shows.
func (s *spacesShell) fill(id screenID) {
	from := s.current
	s.current = id
	stack := s.items[id].Content.(*fyne.Container)
	if len(stack.Objects) == 0 {
		stack.Objects = []fyne.CanvasObject{s.c.screen(id)}
		stack.Refresh()
	}
	s.c.arrived(from, id)
	s.c.viewChanged()
}

func (s *spacesShell) show(id screenID) {
	if item := s.items[id]; item != nil {
		s.fill(id)
		s.tabs.Select(item)
	}
}

// tipButton is an icon button that names itself while the pointer rests
// on it: Fyne's buttons have no tooltip. The tip is drawn in layer, which
// the shell lays over its view, not in a pop-up: a pop-up would take the
// next click for itself, and the button would not get it.
type tipButton struct {
	widget.Button
	tip   *fyne.Container // the tip's box: a background and the text
	layer *fyne.Container // over the shell's view; holds tip
}

func newTipButton(icon fyne.Resource, tip string, tapped func()) *tipButton {
	b := &tipButton{}
	b.Icon, b.Importance, b.OnTapped = icon, widget.LowImportance, tapped
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = theme.Color(theme.ColorNameInputBorder), 1, theme.InputRadiusSize()
	b.tip = container.NewStack(bg, container.NewPadded(&widget.Label{Text: tip}))
	b.tip.Hide()
	b.layer = container.NewWithoutLayout(b.tip)
	b.ExtendBaseWidget(b)
	return b
}

// MouseIn shows the tip under the button, kept inside the layer.
func (b *tipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	d := fyne.CurrentApp().Driver()
	size := b.tip.MinSize()
	pos := d.AbsolutePositionForObject(b).Subtract(d.AbsolutePositionForObject(b.layer)).AddXY(0, b.Size().Height)
	pos.X = max(0, min(pos.X+b.Size().Width-size.Width, b.layer.Size().Width-size.Width))
	b.tip.Resize(size)
	b.tip.Move(pos)
	b.tip.Show()
}

// MouseOut hides the tip.
func (b *tipButton) MouseOut() {
	b.Button.MouseOut()
	b.hideTip()
}

func (b *tipButton) hideTip() { b.tip.Hide() }

// unifiedShell is Zoho's Unified layout: a left menu whose Directory entry
// holds the Users and Import tabs, then Mail, Audit and Settings.
type unifiedShell struct {
	c       *console
	view    fyne.CanvasObject
	menu    *widget.List
	entries []unifiedEntry
	body    *fyne.Container
	dirTabs *container.AppTabs
	dirItem map[screenID]*container.TabItem
	current screenID
}

// unifiedEntry is a line of the left menu: Directory, or a screen of its own.
type unifiedEntry struct {
	title string
	icon  fyne.Resource
	id    screenID // "" for Directory
}

func newUnifiedShell(c *console) *unifiedShell {
	s := &unifiedShell{c: c, body: container.NewStack(), dirItem: map[screenID]*container.TabItem{}}
	s.entries = []unifiedEntry{{title: "Directory", icon: theme.FolderIcon()}}
	s.dirTabs = &container.AppTabs{}
	for _, n := range navigation {
		if n.directory {
			item := &container.TabItem{Text: n.title, Icon: n.icon(), Content: container.NewStack()}
			s.dirItem[n.id] = item
			s.dirTabs.Append(item)
		} else {
			s.entries = append(s.entries, unifiedEntry{title: n.title, icon: n.icon(), id: n.id})
		}
	}
	s.dirTabs.OnSelected = s.onDirTab
	s.menu = widget.NewList(
		func() int { return len(s.entries) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.FolderIcon()), widget.NewLabel("Directory"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(s.entries[i].icon)
			row.Objects[1].(*widget.Label).SetText(s.entries[i].title)
		})
	s.menu.OnSelected = s.onMenu
	// A fixed column, not a split: the menu's entries are short, and a
	// split's handle showed as a stray bar beside the list (walk6 p7)
	// while its 16% share took room the names needed at scale 1.5.
	menu := container.NewBorder(nil, nil, nil, widget.NewSeparator(), s.menu)
	s.view = container.NewBorder(topBar(c), nil, menu, nil, s.body)
	return s
}

func (s *unifiedShell) onMenu(i widget.ListItemID) {
	e := s.entries[i]
	if e.id == "" {
		s.showDirectory(s.dirTab())
		return
	}
	from := s.current
	s.current = e.id
	s.body.Objects = []fyne.CanvasObject{s.c.screen(e.id)}
	s.body.Refresh()
	s.c.arrived(from, e.id)
	s.c.viewChanged()
}

// dirTab is the Directory tab showing now.
func (s *unifiedShell) dirTab() screenID {
	for id, it := range s.dirItem {
		if it == s.dirTabs.Selected() {
			return id
		}
	}
	return screenUsers
}

func (s *unifiedShell) showDirectory(id screenID) {
	s.current = id
	s.fillDir(id)
	s.body.Objects = []fyne.CanvasObject{s.dirTabs}
	s.body.Refresh()
	s.c.viewChanged()
}

func (s *unifiedShell) onDirTab(item *container.TabItem) {
	for id, it := range s.dirItem {
		if it == item {
			s.current = id
			s.fillDir(id)
		}
	}
	s.c.viewChanged()
}

func (s *unifiedShell) fillDir(id screenID) {
	stack := s.dirItem[id].Content.(*fyne.Container)
	if len(stack.Objects) == 0 {
		stack.Objects = []fyne.CanvasObject{s.c.screen(id)}
		stack.Refresh()
	}
}

func (s *unifiedShell) show(id screenID) {
	if item := s.dirItem[id]; item != nil {
		s.menu.Select(0)
		s.dirTabs.Select(item)
		s.showDirectory(id)
		return
	}
	for i, e := range s.entries {
		if e.id == id {
			s.menu.Select(i)
		}
	}
}
