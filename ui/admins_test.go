package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// The owner's story in Settings: a custom role made, a console user added
// with it, their role changed, then disabled; each step through the owner's
// own connection, and the new login gets exactly what the screen said.
func TestSettingsOwnerManagesConsoleUsers(t *testing.T) {
	f := newFixture(t)
	p := f.o.Prefix
	f.c.show(screenSettings)
	a := f.c.settings.admins
	if a.add.Disabled() {
		t.Fatalf("the owner's card is closed: %s", a.note.Text)
	}
	for _, login := range []string{"admin@acme.test", "help@acme.test"} {
		if a.roleOf[login] == nil {
			t.Fatalf("%s is not listed", login)
		}
	}

	a.roleName.SetText(p + "desk")
	a.rolePerms[app.PermResetPassword].SetChecked(true)
	a.rolePerms[app.PermViewAudit].SetChecked(true)
	test.Tap(a.saveRole)
	equal(t, "role saved", a.note.Text, "Saved the role "+p+"desk.")
	if !strings.Contains(a.roles.Text, p+"desk: Send one-time passwords, See the audit log") {
		t.Fatalf("the roles line: %s", a.roles.Text)
	}
	// The boxes say what the role may do in office words, not the
	// permissions' names in the database.
	for _, ch := range a.rolePerms {
		if strings.Contains(ch.Text, "_") {
			t.Errorf("a permission reads %q", ch.Text)
		}
	}
	equal(t, "the box for set_password", a.rolePerms[app.PermSetPassword].Text, "Set passwords")

	test.Type(a.login, p+"_dee")
	test.Type(a.email, "dee@acme.test")
	test.Type(a.name, "Dee Desk")
	a.role.SetSelected(p + "desk")
	test.Type(a.password, f.o.Password)
	test.Tap(a.add)
	if !strings.HasPrefix(a.note.Text, "Added dee@acme.test as "+p+"desk.") {
		t.Fatalf("add: %s", a.note.Text)
	}
	equal(t, "password not kept in the form", a.password.Text, "")
	dee, err := data.Open(context.Background(), pgtest.RoleURL(t, f.o.SuperURL, p+"_dee", f.o.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer dee.Close()
	actor, _, err := dee.Actor(context.Background())
	if err != nil || actor.User.Role != p+"desk" {
		t.Fatalf("the new login: %+v, %v", actor.User, err)
	}

	sel := a.roleOf["dee@acme.test"]
	if sel == nil {
		t.Fatal("the new console user is not listed")
	}
	sel.SetSelected(app.RoleAdmin)
	equal(t, "role changed", a.note.Text, "dee@acme.test is now admin.")
	if actor, _, _ = dee.Actor(context.Background()); actor.User.Role != app.RoleAdmin {
		t.Fatalf("after the change the login is %q", actor.User.Role)
	}

	test.Tap(a.disableOf["dee@acme.test"])
	if !strings.HasPrefix(a.note.Text, "dee@acme.test is disabled") {
		t.Fatalf("disable: %s", a.note.Text)
	}
	if _, _, err := dee.Actor(context.Background()); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a disabled login still acts: %v", err)
	}
	if a.disableOf["dee@acme.test"] != nil {
		t.Error("a disabled user still offers Disable")
	}

	// The owner's own address is refused, with the database's sentence.
	test.Type(a.login, p+"_take")
	test.Type(a.email, "owner@acme.test")
	test.Type(a.password, f.o.Password)
	test.Tap(a.add)
	if !strings.Contains(a.note.Text, "already a console user") {
		t.Fatalf("the owner's address: %s", a.note.Text)
	}
}
