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
	{"hand_over", "User typed their password"},
	{"change_password", "User's own password"},
	{"complete_reset_unknown_login", "Code for an unknown login"},
	{"change_password_unknown_login", "Change for an unknown login"},
	{"add_self_service_login", "Self-service login added"},
	{"remove_self_service_login", "Self-service login removed"},
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

// eventLabel names what an event did for the Action column: an end
// user's refused try is not called their new password.
func eventLabel(e app.AuditEvent) string {
	if outcome, _ := e.Details["outcome"].(string); outcome != "" && outcome != "ok" {
		switch e.Action {
		case "complete_reset":
			return "One-time password refused"
		case "change_password":
			return "Temporary password refused"
		case "hand_over":
			return "User's password refused"
		}
	}
	return actionLabel(e.Action)
}

// auditScreen shows who did what, newest first, filtered by admin role,
// user and action. A role without view_audit gets a sentence instead.
type auditScreen struct {
	c    *console
	view *fyne.Container

	actor        *consoleEntry
	user         *consoleEntry
	action       *touchSelect
	filterButton *widget.Button
	note         *widget.Label
	loading      *fyne.Container
	banner       *errorBanner
	table        *textTable

	showChecks *widget.Check // right admin passwords, hidden by default

	all       []app.AuditEvent  // as loaded
	events    []app.AuditEvent  // shown
	queryNote string            // how the filters were read
	admins    map[string]string // console users' names by their role, for "By"
	loadSeq   int               // drops the answer of a load that a newer one replaced
}

func newAuditScreen(c *console) *auditScreen {
	s := &auditScreen{c: c}
	s.actor = newConsoleEntry()
	s.actor.PlaceHolder, s.actor.OnSubmitted = "Admin or role", func(string) { s.reload() }
	s.showChecks = &widget.Check{Text: "Right admin passwords", OnChanged: func(bool) { s.showEvents() }}
	s.user = newConsoleEntry()
	s.user.PlaceHolder, s.user.OnSubmitted = "User, email or zuid", func(string) { s.reload() }
	options := []string{allActions}
	for _, a := range auditActions {
		options = append(options, a.label)
	}
	s.action = newTouchSelect(options, allActions, func(string) { s.reload() }, c.opts.touch)
	// A choice is always made, so the placeholder never shows; Fyne sizes
	// a Select by it, and its "(Select one)" made the three columns of
	// filters, each as wide as the widest, push the page past the first
	// window at FYNE_SCALE=1.5.
	s.action.PlaceHolder = "Action"
	s.filterButton = &widget.Button{Text: "Filter", Icon: theme.SearchIcon(), OnTapped: s.reload}
	s.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading the audit log…"))
	s.banner = newErrorBanner(s.reload)
	s.table = newTextTable([]string{"Time", "By", "Action", "User", "Details"}, []float32{12.5, 14, 13.5, 16, 40},
		func() int { return len(s.events) }, s.cell)
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(s.showChecks, s.filterButton), container.NewGridWithColumns(3, s.actor, s.user, s.action))
	s.view = container.NewBorder(container.NewVBox(filters, s.note, s.loading, s.banner.view), nil, nil, nil, s.table.withDetail())
	s.reload()
	return s
}

// maxAuditUsers is how many users a user filter may name at once: each is
// a query of its own.
const maxAuditUsers = 25

// auditQuery is what the filters ask for: one filter per user named (one
// for all users when none is), and what to say above the table.
type auditQuery struct {
	filters []app.AuditFilter
	note    string // how the filters were read, when that needs saying
	problem string // why nothing can be shown
}

// filter reads the filter widgets. The admin filter takes a role or part
// of an admin's name, as the By column shows both; the user filter takes
// a login or part of a name or email, and several users when it matches
// several.
func (s *auditScreen) filter() auditQuery {
	f := app.AuditFilter{Limit: 1000}
	for _, a := range auditActions {
		if a.label == s.action.Selected {
			f.Action = a.code
		}
	}
	var q auditQuery
	if text := strings.TrimSpace(s.actor.Text); text != "" {
		role, problem := s.actorRole(text)
		if problem != "" {
			return auditQuery{problem: problem}
		}
		f.Actor = role
	}
	login := strings.TrimSpace(s.user.Text)
	if login == "" {
		q.filters = []app.AuditFilter{f}
		return q
	}
	if u, ok := s.c.users.userByLogin(login); ok {
		f.UserID = u.ID
		q.filters = []app.AuditFilter{f}
		return q
	}
	// Part of a name or email: every user it matches, up to a limit.
	list := s.c.dir.list
	rows := filterUsers(list, userQuery{text: login}, nil)
	switch {
	case len(rows) == 0:
		return auditQuery{problem: fmt.Sprintf("No user %q in this organization.", login)}
	case len(rows) > maxAuditUsers:
		return auditQuery{problem: fmt.Sprintf("%d users match %q: type more of the name or email, or the zuid.", len(rows), login)}
	case len(rows) > 1:
		q.note = fmt.Sprintf(" of the %d users matching %q", len(rows), login)
	}
	for _, r := range rows {
		uf := f
		uf.UserID = list.rows[r].id
		q.filters = append(q.filters, uf)
	}
	return q
}

// actorRole finds the database role the admin filter means: a role as it
// is, else the one console user whose name holds text.
func (s *auditScreen) actorRole(text string) (role, problem string) {
	admins := s.c.dir.list.adminNames()
	lower := strings.ToLower(text)
	for r := range admins {
		if strings.ToLower(r) == lower {
			return r, ""
		}
	}
	want := foldAccents(lower)
	var roles []string
	for r, name := range admins {
		if strings.Contains(foldAccents(strings.ToLower(name)), want) {
			roles = append(roles, r)
		}
	}
	switch len(roles) {
	case 0:
		// Not a console user we know by name: perhaps a role that has left,
		// or the database's own (resetdesk_passdb). The database decides.
		return text, ""
	case 1:
		return roles[0], ""
	}
	slices.Sort(roles)
	return "", fmt.Sprintf("%d admins match %q (%s): type more of the name, or the role.", len(roles), text, strings.Join(roles, ", "))
}

// reload loads the events that match the filters off the Fyne goroutine.
func (s *auditScreen) reload() {
	q := s.filter()
	if q.problem != "" {
		// The table must not go on showing events the filter no longer
		// describes, nor a load still under way fill it.
		s.loadSeq++
		s.loading.Hide()
		s.filterButton.Enable()
		s.all, s.events = nil, nil
		s.table.clearDetail()
		s.table.Refresh()
		s.note.SetText(q.problem)
		return
	}
	s.loadSeq++
	seq := s.loadSeq
	s.loading.Show()
	s.filterButton.Disable()
	s.c.spawn(func() {
		var events []app.AuditEvent
		var err error
		for _, f := range q.filters {
			var some []app.AuditEvent
			if some, err = s.c.sess.Directory.Audit(s.c.ctx, f); err != nil {
				break
			}
			events = append(events, some...)
		}
		if len(q.filters) > 1 {
			slices.SortStableFunc(events, func(a, b app.AuditEvent) int { return b.At.Compare(a.At) })
			events = events[:min(len(events), q.filters[0].Limit)]
		}
		fyne.Do(func() {
			if seq == s.loadSeq { // else a newer filter has been asked for since
				s.queryNote = q.note
				s.apply(events, err)
			}
		})
	})
}

// showEvents puts the loaded events that pass the checks filter in the
// table. A right admin password before each reset is noise, hidden unless
// asked for or filtered on.
func (s *auditScreen) showEvents() {
	s.events = s.events[:0]
	hidden := 0
	for _, e := range s.all {
		if !s.showChecks.Checked && s.action.Selected == allActions && e.Action == "verify_password" && e.Details["ok"] == true {
			hidden++
			continue
		}
		s.events = append(s.events, e)
	}
	s.table.clearDetail()
	s.table.Refresh()
	note := fmt.Sprintf("%d events%s.", len(s.events), s.queryNote)
	if hidden > 0 {
		note += fmt.Sprintf(" %d right admin passwords are hidden.", hidden)
	}
	s.note.SetText(note)
}

func (s *auditScreen) apply(events []app.AuditEvent, err error) {
	defer s.view.Refresh()
	s.loading.Hide()
	s.filterButton.Enable()
	s.all = events
	s.admins = s.c.dir.list.adminNames()
	if err != nil {
		s.all, s.events = nil, nil
		s.table.clearDetail()
		s.table.Refresh()
	}
	if app.ErrorCode(err) == app.EUNAUTHORIZED {
		s.banner.show(nil)
		s.note.SetText("Your role may not view the audit log. Ask the owner for the permission “See the audit log” (Settings, Console users and roles).")
		return
	}
	s.banner.show(err)
	if err == nil {
		s.showEvents()
	}
}

func (s *auditScreen) cell(row, col int) (string, widget.Importance) {
	e := s.events[row]
	switch col {
	case 0:
		return formatTime(e.At, s.c.zone(), ""), widget.MediumImportance
	case 1:
		switch e.Action {
		case "complete_reset", "change_password":
			// The user did it, through a self-service login, not an admin.
			return "The user, on " + e.Actor, widget.MediumImportance
		case "complete_reset_unknown_login", "change_password_unknown_login":
			return "Self-service login " + e.Actor, widget.MediumImportance
		}
		if name := s.admins[e.Actor]; name != "" {
			return name + " (" + e.Actor + ")", widget.MediumImportance
		}
		return e.Actor, widget.MediumImportance
	case 2:
		return eventLabel(e), widget.MediumImportance
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
		// 'unlock' is the option; 'unlocked' (since 0036) says whether
		// this user had a lock for the reset to clear. Older events know
		// only the option.
		if _, known := d["unlocked"]; known {
			if yes("unlocked") {
				parts = append(parts, "unlocked")
			}
		} else if yes("unlock") {
			parts = append(parts, "unlocked if it was locked")
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
				// Every wrong code counts here, but only near misses use the
				// code up (5 of them): "of 5" would be wrong.
				return fmt.Sprintf("Wrong one-time password (%d wrong for this code so far)", int(n)), widget.WarningImportance
			}
			return "Wrong one-time password", widget.WarningImportance
		case "expired":
			return "The one-time password had expired", widget.WarningImportance
		case "no_live_code":
			return "No one-time password was waiting", widget.WarningImportance
		case "exhausted":
			return "The right one-time password, after 5 wrong tries: it no longer worked", widget.WarningImportance
		case "busy":
			return "Another session held the code; nothing changed", widget.WarningImportance
		}
	case "hand_over":
		switch str("outcome") {
		case "ok":
			return "The user typed their own new password on the admin's device; the admin did not see it", widget.MediumImportance
		case "expired":
			return "The temporary password had expired before the user typed theirs", widget.WarningImportance
		case "no_ticket":
			return "Refused: no reset of this admin was waiting for the user's password", widget.WarningImportance
		}
	case "change_password":
		switch str("outcome") {
		case "ok":
			return "The user replaced their temporary password with their own", widget.MediumImportance
		case "wrong_password":
			if n, ok := d["attempt"].(float64); ok {
				return fmt.Sprintf("Wrong temporary password (try %d of 5)", int(n)), widget.WarningImportance
			}
			return "Wrong temporary password", widget.WarningImportance
		case "expired":
			return "The temporary password had expired", widget.WarningImportance
		case "no_ticket":
			return "No temporary password was waiting to be changed", widget.WarningImportance
		case "exhausted":
			return "The right temporary password, after 5 wrong tries: it could no longer be changed", widget.WarningImportance
		case "busy":
			return "Another session held the account; nothing changed", widget.WarningImportance
		}
	case "complete_reset_unknown_login", "change_password_unknown_login":
		return "A login that names nobody; more such tries in the next 15 minutes are counted, not logged", widget.WarningImportance
	case "add_self_service_login":
		return "Signs in as " + str("db_role"), widget.MediumImportance
	case "remove_self_service_login":
		return str("db_role") + " may no longer complete resets here", widget.MediumImportance
	case "send_test_mail":
		return "To " + str("to"), widget.MediumImportance
	case "add_role":
		if ps, ok := d["permissions"].([]any); ok {
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = app.Permission(fmt.Sprint(p)).Label()
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
