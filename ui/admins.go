package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// adminsCard is Settings' "Console users and roles": the owner, or a console
// user with manage_admins, lists the console users and custom roles, adds a
// console user, creates or changes a custom role, changes a console user's
// role and disables one. PostgreSQL checks every step; this card only asks,
// and shows the database's sentence when it refuses.
type adminsCard struct {
	c    *console
	mgr  app.AdminManager // nil when the session cannot manage (no such service)
	card *widget.Card
	view fyne.CanvasObject

	rows  *fyne.Container // a line per console user: a handful, so no virtual list
	roles *widget.Label   // the custom roles and their permissions
	note  *widget.Label

	login    *widget.Entry
	email    *widget.Entry
	name     *widget.Entry
	role     *touchSelect
	password *widget.Entry
	promote  *widget.Check
	add      *widget.Button

	roleName  *widget.Entry
	rolePerms map[app.Permission]*widget.Check
	saveRole  *widget.Button

	custom []app.CustomRole
	// Per console user, the widgets a test reaches: by login (email).
	roleOf    map[string]*touchSelect
	disableOf map[string]*widget.Button
}

// adminsLoad is what the card shows, read off the UI goroutine.
type adminsLoad struct {
	users []app.User
	roles []app.CustomRole
}

func newAdminsCard(c *console) *adminsCard {
	a := &adminsCard{c: c, roleOf: map[string]*touchSelect{}, disableOf: map[string]*widget.Button{}}
	a.mgr, _ = c.sess.Directory.(app.AdminManager)
	a.rows = container.NewVBox()
	a.roles = &widget.Label{Wrapping: fyne.TextWrapWord}
	a.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	a.login = &widget.Entry{PlaceHolder: "Their PostgreSQL login, e.g. acme_adam"}
	a.email = &widget.Entry{PlaceHolder: "adam@office.example"}
	a.name = &widget.Entry{PlaceHolder: "Optional"}
	a.role = newTouchSelect([]string{app.RoleAdmin}, app.RoleAdmin, nil, c.opts.touch)
	a.password = &widget.Entry{Password: true, PlaceHolder: "At least 12 characters; tell them in person"}
	a.promote = &widget.Check{Text: "Already in the directory"}
	a.add = &widget.Button{Text: "Add console user", Icon: theme.ContentAddIcon(), OnTapped: a.onAdd}
	a.roleName = &widget.Entry{PlaceHolder: "helpdesk"}
	a.rolePerms = map[app.Permission]*widget.Check{}
	perms := container.NewVBox()
	for _, p := range app.AllPermissions {
		a.rolePerms[p] = &widget.Check{Text: p.Label()}
		perms.Add(a.rolePerms[p])
	}
	a.saveRole = &widget.Button{Text: "Save role", Icon: theme.DocumentSaveIcon(), OnTapped: a.onSaveRole}
	addForm := &widget.Form{Items: []*widget.FormItem{
		{Text: "Login", Widget: a.login},
		{Text: "Email", Widget: a.email},
		{Text: "Name", Widget: a.name},
		{Text: "Role", Widget: a.role},
		{Text: "Database password", Widget: a.password},
		{Text: "", Widget: a.promote, HintText: "Make that member a console user, keeping their details"},
	}}
	roleForm := &widget.Form{Items: []*widget.FormItem{
		{Text: "Custom role", Widget: a.roleName},
		{Text: "Permissions", Widget: perms, HintText: "Setting passwords also needs Send one-time passwords."},
	}}
	a.view = container.NewVBox(a.rows, a.roles,
		widget.NewLabelWithStyle("Add a console user", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		addForm, container.NewHBox(a.add),
		widget.NewLabelWithStyle("Create or change a custom role", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		roleForm, container.NewHBox(a.saveRole), a.note)
	a.card = widget.NewCard("Console users and roles", "", a.view)
	if a.mgr == nil || !(c.actor.IsOwner() || c.actor.Has(app.PermManageAdmins)) {
		for _, w := range []fyne.Disableable{a.login, a.email, a.name, a.role, a.password, a.promote, a.add, a.roleName, a.saveRole} {
			w.Disable()
		}
		for _, ch := range a.rolePerms {
			ch.Disable()
		}
		a.say(widget.LowImportance, "Only the owner, or a console user whose role may manage console users and roles, manages console users and roles.")
		return a
	}
	a.reload()
	return a
}

func (a *adminsCard) say(importance widget.Importance, text string) {
	a.note.Importance = importance
	a.note.SetText(text)
}

// reload reads the console users and roles off the UI goroutine.
func (a *adminsCard) reload() {
	ctx := a.c.ctx
	a.c.spawn(func() {
		l, err := a.load(ctx)
		fyne.Do(func() { a.apply(l, err) })
	})
}

func (a *adminsCard) load(ctx context.Context) (adminsLoad, error) {
	var l adminsLoad
	var err error
	if l.users, err = a.mgr.ConsoleUsers(ctx); err != nil {
		return l, err
	}
	l.roles, err = a.mgr.CustomRoles(ctx)
	return l, err
}

func (a *adminsCard) apply(l adminsLoad, err error) {
	if err != nil {
		a.say(widget.DangerImportance, app.ErrorMessage(err))
		return
	}
	a.custom = l.roles
	options := []string{app.RoleAdmin}
	var lines []string
	for _, r := range l.roles {
		options = append(options, r.Name)
		ps := make([]string, len(r.Permissions))
		for i, p := range r.Permissions {
			ps[i] = p.Label()
		}
		if len(ps) == 0 {
			ps = []string{"no permissions"}
		}
		lines = append(lines, fmt.Sprintf("%s: %s", r.Name, strings.Join(ps, ", ")))
	}
	a.role.Options = options
	a.role.Refresh()
	if len(lines) == 0 {
		a.roles.SetText("No custom roles yet.")
	} else {
		a.roles.SetText("Custom roles. " + strings.Join(lines, "; ") + ".")
	}
	a.rows.RemoveAll()
	clear(a.roleOf)
	clear(a.disableOf)
	for _, u := range l.users {
		a.rows.Add(a.row(u, options))
	}
}

// row is one console user: who, their role (changeable but for the owner
// and oneself) and Disable.
func (a *adminsCard) row(u app.User, options []string) fyne.CanvasObject {
	who := &widget.Label{Text: fmt.Sprintf("%s <%s>, login %s", u.DisplayName, u.PrimaryEmail, u.DBRole), Truncation: fyne.TextTruncateEllipsis}
	if u.Role == app.RoleOwner || u.ID == a.c.actor.User.ID || u.Status == app.StatusDeactivated {
		state := u.Role
		switch {
		case u.Status == app.StatusDeactivated:
			state += ", disabled"
		case u.ID == a.c.actor.User.ID:
			state += " (you)"
		}
		return container.NewBorder(nil, nil, nil, widget.NewLabel(state), who)
	}
	sel := newTouchSelect(options, u.Role, nil, a.c.opts.touch)
	if !slices.Contains(options, u.Role) {
		sel.Options = append(slices.Clone(options), u.Role)
	}
	sel.OnChanged = func(role string) { a.onSetRole(u, role) }
	disable := &widget.Button{Text: "Disable", Icon: theme.CancelIcon(), Importance: widget.DangerImportance}
	disable.OnTapped = func() { a.onDisable(u) }
	a.roleOf[strings.ToLower(u.PrimaryEmail)] = sel
	a.disableOf[strings.ToLower(u.PrimaryEmail)] = disable
	return container.NewBorder(nil, nil, nil, container.NewHBox(sel, disable), who)
}

// run does one change off the UI goroutine, then says how it went and
// reloads the list.
func (a *adminsCard) run(busy []fyne.Disableable, change func(ctx context.Context) (string, error)) {
	for _, w := range busy {
		w.Disable()
	}
	a.say(widget.MediumImportance, "Saving…")
	ctx := a.c.ctx
	a.c.spawn(func() {
		msg, err := change(ctx)
		fyne.Do(func() {
			for _, w := range busy {
				w.Enable()
			}
			if err != nil {
				a.say(widget.DangerImportance, app.ErrorMessage(err))
				return
			}
			a.say(widget.SuccessImportance, msg)
			a.reload()
		})
	})
}

func (a *adminsCard) onAdd() {
	o := app.ConsoleUserOptions{LoginRole: strings.TrimSpace(a.login.Text), Email: strings.TrimSpace(a.email.Text),
		Name: strings.TrimSpace(a.name.Text), Password: a.password.Text, Promote: a.promote.Checked}
	roleLabel := a.role.Selected
	if roleLabel != app.RoleAdmin {
		o.CustomRole = roleLabel
	}
	if o.LoginRole == "" || o.Email == "" || o.Password == "" {
		a.say(widget.DangerImportance, "Give the login, the email and a database password.")
		return
	}
	a.run([]fyne.Disableable{a.add}, func(ctx context.Context) (string, error) {
		if _, err := a.mgr.AddConsoleUser(ctx, o); err != nil {
			return "", err
		}
		fyne.Do(func() {
			a.login.SetText("")
			a.email.SetText("")
			a.name.SetText("")
			a.password.SetText("")
			a.promote.SetChecked(false)
		})
		return fmt.Sprintf("Added %s as %s. They sign in as %s with the password you gave.", o.Email, roleLabel, o.LoginRole), nil
	})
}

func (a *adminsCard) onSaveRole() {
	name := strings.TrimSpace(a.roleName.Text)
	var perms []app.Permission
	for _, p := range app.AllPermissions {
		if a.rolePerms[p].Checked {
			perms = append(perms, p)
		}
	}
	if name == "" {
		a.say(widget.DangerImportance, "Name the custom role.")
		return
	}
	a.run([]fyne.Disableable{a.saveRole}, func(ctx context.Context) (string, error) {
		if err := a.mgr.SaveCustomRole(ctx, name, perms); err != nil {
			return "", err
		}
		return fmt.Sprintf("Saved the role %s.", name), nil
	})
}

func (a *adminsCard) onSetRole(u app.User, role string) {
	if role == u.Role {
		return
	}
	a.run(nil, func(ctx context.Context) (string, error) {
		if err := a.mgr.SetConsoleRole(ctx, u.ID, role); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s is now %s.", u.PrimaryEmail, role), nil
	})
}

func (a *adminsCard) onDisable(u app.User) {
	a.run(nil, func(ctx context.Context) (string, error) {
		if err := a.mgr.DisableConsoleUser(ctx, u.ID); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s is disabled: their login can do nothing in ResetDesk.", u.PrimaryEmail), nil
	})
}
