package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// auditActions are the actions the directory records, for the filter.
var auditActions = []string{"All actions", "reset_password", "import_user", "complete_reset", "send_test_mail", "set_org_policies"}

// auditScreen shows who did what, newest first, filtered by admin role,
// user and action. A role without view_audit gets a sentence instead.
type auditScreen struct {
	c    *console
	view *fyne.Container

	actor        *widget.Entry
	user         *widget.Entry
	action       *widget.Select
	filterButton *widget.Button
	note         *widget.Label
	loading      *fyne.Container
	banner       *errorBanner
	table        *textTable

	events []app.AuditEvent
}

func newAuditScreen(c *console) *auditScreen {
	s := &auditScreen{c: c}
	s.actor = &widget.Entry{PlaceHolder: "Admin role", OnSubmitted: func(string) { s.reload() }}
	s.user = &widget.Entry{PlaceHolder: "User email or zuid", OnSubmitted: func(string) { s.reload() }}
	s.action = &widget.Select{Options: auditActions, Selected: auditActions[0], OnChanged: func(string) { s.reload() }}
	s.filterButton = &widget.Button{Text: "Filter", Icon: theme.SearchIcon(), OnTapped: s.reload}
	s.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading the audit log…"))
	s.banner = newErrorBanner(s.reload)
	s.table = newTextTable([]string{"Time", "Admin role", "Action", "User", "Details"}, []float32{10.5, 12, 10, 16, 34},
		func() int { return len(s.events) }, s.cell)
	filters := container.NewGridWithColumns(4, s.actor, s.user, s.action, s.filterButton)
	s.view = container.NewBorder(container.NewVBox(filters, s.note, s.loading, s.banner.view), nil, nil, nil, s.table.withDetail())
	s.reload()
	return s
}

// filter turns the filter widgets into an AuditFilter; ok is false, with a
// sentence, when the user is not known.
func (s *auditScreen) filter() (app.AuditFilter, string) {
	f := app.AuditFilter{Actor: strings.TrimSpace(s.actor.Text), Limit: 1000}
	if s.action.Selected != auditActions[0] {
		f.Action = s.action.Selected
	}
	if login := strings.TrimSpace(s.user.Text); login != "" {
		u, ok := s.c.users.userByLogin(login)
		if !ok {
			return f, fmt.Sprintf("No user %q in this organization.", login)
		}
		f.UserID = u.ID
	}
	return f, ""
}

// reload loads the events that match the filters off the Fyne goroutine.
func (s *auditScreen) reload() {
	f, problem := s.filter()
	if problem != "" {
		s.note.SetText(problem)
		return
	}
	s.loading.Show()
	s.filterButton.Disable()
	s.c.spawn(func() {
		events, err := s.c.sess.Directory.Audit(s.c.ctx, f)
		fyne.Do(func() { s.apply(events, err) })
	})
}

func (s *auditScreen) apply(events []app.AuditEvent, err error) {
	defer s.view.Refresh()
	s.loading.Hide()
	s.filterButton.Enable()
	s.events = events
	s.table.clearDetail()
	s.table.Refresh()
	if app.ErrorCode(err) == app.EUNAUTHORIZED {
		s.banner.show(nil)
		s.note.SetText("Your role may not view the audit log. Ask the owner for the view_audit permission.")
		return
	}
	s.banner.show(err)
	if err == nil {
		s.note.SetText(fmt.Sprintf("%d events.", len(events)))
	}
}

func (s *auditScreen) cell(row, col int) (string, widget.Importance) {
	e := s.events[row]
	switch col {
	case 0:
		return formatTime(e.At, ""), widget.MediumImportance
	case 1:
		return e.Actor, widget.MediumImportance
	case 2:
		return e.Action, widget.MediumImportance
	case 3:
		if e.TargetUserID == 0 {
			return "", widget.MediumImportance
		}
		if u, ok := s.c.users.userByID(e.TargetUserID); ok {
			return u.Login(), widget.MediumImportance
		}
		return fmt.Sprint(e.TargetUserID), widget.MediumImportance
	case 4:
		return detailsText(e.Details), widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// detailsText shows an event's details as key=value pairs in a stable order.
func detailsText(d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if d[k] == nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, d[k]))
	}
	return strings.Join(parts, ", ")
}
