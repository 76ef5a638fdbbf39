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

// auditActions are the actions the directory records, as the Audit view
// names them; the filter offers them in this order.
var auditActions = []struct{ code, label string }{
	{"reset_password", "Password reset"},
	{"verify_password", "Admin password check"},
	{"complete_reset", "User's new password"},
	{"import_user", "User imported"},
	{"set_org_policies", "Policies changed"},
	{"add_console_user", "Console user added"},
	{"add_role", "Custom role saved"},
	{"demo_seeded", "Demo data made"},
	{"send_test_mail", "Test message"},
}

const allActions = "All actions"

// actionLabel names an action code; an unknown one shows as it is.
func actionLabel(code string) string {
	for _, a := range auditActions {
		if a.code == code {
			return a.label
		}
	}
	return code
}

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

	events  []app.AuditEvent
	admins  map[string]string // console users' names by their role, for "By"
	loadSeq int               // drops the answer of a load that a newer one replaced
}

func newAuditScreen(c *console) *auditScreen {
	s := &auditScreen{c: c}
	s.actor = &widget.Entry{PlaceHolder: "Admin's role name", OnSubmitted: func(string) { s.reload() }}
	s.user = &widget.Entry{PlaceHolder: "User: email, zuid or part of the name", OnSubmitted: func(string) { s.reload() }}
	options := []string{allActions}
	for _, a := range auditActions {
		options = append(options, a.label)
	}
	s.action = &widget.Select{Options: options, Selected: allActions, OnChanged: func(string) { s.reload() }}
	s.filterButton = &widget.Button{Text: "Filter", Icon: theme.SearchIcon(), OnTapped: s.reload}
	s.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading the audit log…"))
	s.banner = newErrorBanner(s.reload)
	s.table = newTextTable([]string{"Time", "By", "Action", "User", "Details"}, []float32{10.5, 14, 11, 16, 40},
		func() int { return len(s.events) }, s.cell)
	filters := container.NewBorder(nil, nil, nil, s.filterButton, container.NewGridWithColumns(3, s.actor, s.user, s.action))
	s.view = container.NewBorder(container.NewVBox(filters, s.note, s.loading, s.banner.view), nil, nil, nil, s.table.withDetail())
	s.reload()
	return s
}

// filter turns the filter widgets into an AuditFilter; ok is false, with a
// sentence, when the user is not known.
func (s *auditScreen) filter() (app.AuditFilter, string) {
	f := app.AuditFilter{Actor: strings.TrimSpace(s.actor.Text), Limit: 1000}
	for _, a := range auditActions {
		if a.label == s.action.Selected {
			f.Action = a.code
		}
	}
	if login := strings.TrimSpace(s.user.Text); login != "" {
		u, ok := s.c.users.userByLogin(login)
		if !ok {
			// Part of a name or email does, when it names one user.
			list := s.c.users.users
			switch rows := filterUsers(list, userQuery{text: login, now: s.c.now()}, nil); len(rows) {
			case 0:
				return f, fmt.Sprintf("No user %q in this organization.", login)
			case 1:
				u = list.user(int(rows[0]))
			default:
				return f, fmt.Sprintf("%d users match %q: type more of the name or email, or the zuid.", len(rows), login)
			}
		}
		f.UserID = u.ID
	}
	return f, ""
}

// reload loads the events that match the filters off the Fyne goroutine.
func (s *auditScreen) reload() {
	f, problem := s.filter()
	if problem != "" {
		// The table must not go on showing events the filter no longer
		// describes, nor a load still under way fill it.
		s.loadSeq++
		s.loading.Hide()
		s.filterButton.Enable()
		s.events = nil
		s.table.clearDetail()
		s.table.Refresh()
		s.note.SetText(problem)
		return
	}
	s.loadSeq++
	seq := s.loadSeq
	s.loading.Show()
	s.filterButton.Disable()
	s.c.spawn(func() {
		events, err := s.c.sess.Directory.Audit(s.c.ctx, f)
		fyne.Do(func() {
			if seq == s.loadSeq { // else a newer filter has been asked for since
				s.apply(events, err)
			}
		})
	})
}

func (s *auditScreen) apply(events []app.AuditEvent, err error) {
	defer s.view.Refresh()
	s.loading.Hide()
	s.filterButton.Enable()
	s.events = events
	s.admins = s.c.users.users.adminNames()
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
		if name := s.admins[e.Actor]; name != "" {
			return name + " (" + e.Actor + ")", widget.MediumImportance
		}
		return e.Actor, widget.MediumImportance
	case 2:
		return actionLabel(e.Action), widget.MediumImportance
	case 3:
		if e.TargetUserID == 0 {
			return "", widget.MediumImportance
		}
		if u, ok := s.c.users.userByID(e.TargetUserID); ok {
			return u.Login(), widget.MediumImportance
		}
		return fmt.Sprint(e.TargetUserID), widget.MediumImportance
	case 4:
		return describeEvent(e.Action, e.Details)
	}
	return "", widget.MediumImportance
}

// describeEvent says what an event's details mean, in words; what it does
// not know shows as key=value pairs.
func describeEvent(action string, d map[string]any) (string, widget.Importance) {
	str := func(k string) string {
		if v, ok := d[k].(string); ok {
			return v
		}
		return ""
	}
	yes := func(k string) bool { v, _ := d[k].(bool); return v }
	switch action {
	case "reset_password":
		if str("outcome") == "skipped" {
			why := app.SkipReason(str("reason")).Sentence()
			if !strings.HasPrefix(why, "Skipped") { // unknown reasons say it themselves
				why = strings.TrimSpace("Skipped. " + why)
			}
			return why, widget.WarningImportance
		}
		var parts []string
		if str("mode") == string(app.ModeSetPassword) {
			parts = append(parts, "password set")
			if yes("force_change") {
				parts = append(parts, "must change it at next sign-in")
			}
		} else {
			parts = append(parts, "one-time password")
		}
		switch str("delivery") {
		case "one_time_password", "password":
			parts = append(parts, "sent by email")
		case "password_notice":
			parts = append(parts, "notice sent (no password in it)")
		}
		if yes("clear_mobile_sessions") {
			parts = append(parts, "mobile sessions cleared")
		}
		if yes("unlock") {
			parts = append(parts, "unlocked")
		}
		if n, ok := d["batch_size"].(float64); ok && n > 1 {
			parts = append(parts, fmt.Sprintf("one of %d", int(n)))
		}
		return "Reset: " + strings.Join(parts, ", "), widget.MediumImportance
	case "verify_password":
		if yes("ok") {
			return "Right password", widget.MediumImportance
		}
		if str("locked_until") != "" {
			return "Wrong password; resets locked for a while", widget.DangerImportance
		}
		return "Wrong password", widget.WarningImportance
	case "complete_reset":
		switch str("outcome") {
		case "ok":
			return "The user set a new password with their one-time password", widget.MediumImportance
		case "wrong_code":
			if n, ok := d["attempt"].(float64); ok {
				return fmt.Sprintf("Wrong one-time password (try %d of 5)", int(n)), widget.WarningImportance
			}
			return "Wrong one-time password", widget.WarningImportance
		case "expired":
			return "The one-time password had expired", widget.WarningImportance
		case "no_live_code":
			return "No one-time password was waiting", widget.WarningImportance
		}
	case "send_test_mail":
		return "To " + str("to"), widget.MediumImportance
	case "add_role":
		if ps, ok := d["permissions"].([]any); ok {
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = fmt.Sprint(p)
			}
			return str("role") + ": " + strings.Join(names, ", "), widget.MediumImportance
		}
	case "demo_seeded":
		if n, ok := d["users"].(float64); ok {
			return fmt.Sprintf("%d users", int(n)), widget.MediumImportance
		}
	case "add_console_user":
		return "Role " + str("role") + ", signs in as " + str("db_role"), widget.MediumImportance
	}
	return detailsText(d), widget.MediumImportance
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
