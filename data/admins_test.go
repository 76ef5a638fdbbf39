package data_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// TestOwnerManagesConsoleUsers is the owner's story with their own
// connection: a custom role, an admin and a custom-role user added, a role
// changed, a user disabled and one removed; each new login signs in and
// PostgreSQL gives it exactly its role's permissions.
func TestOwnerManagesConsoleUsers(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	p := o.Prefix
	signIn := func(login string) *data.DB {
		t.Helper()
		db, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, login, o.Password))
		if err != nil {
			t.Fatalf("sign in as %s: %v", login, err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	perms := func(db *data.DB) string {
		t.Helper()
		a, _, err := db.Actor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ps []string
		for _, p := range a.Permissions {
			ps = append(ps, string(p))
		}
		return strings.Join(ps, ",")
	}

	if err := o.Owner.SaveCustomRole(ctx, p+"desk", []app.Permission{app.PermResetPassword, app.PermViewAudit}); err != nil {
		t.Fatalf("save a custom role: %v", err)
	}
	adamID, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_adam", Email: "adam2@acme.test", Name: "Adam Two", Password: o.Password})
	if err != nil {
		t.Fatalf("add an admin: %v", err)
	}
	deskID, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_desk", Email: "desk@acme.test", Password: o.Password, CustomRole: p + "desk"})
	if err != nil {
		t.Fatalf("add a custom-role user: %v", err)
	}
	adam, desk := signIn(p+"_adam"), signIn(p+"_desk")
	if got := perms(adam); got != "reset_password,set_password,import_users,view_audit" {
		t.Fatalf("the new admin's permissions: %s", got)
	}
	if got := perms(desk); got != "reset_password,view_audit" {
		t.Fatalf("the custom-role user's permissions: %s", got)
	}
	if ev, err := desk.Audit(ctx, app.AuditFilter{}); err != nil || len(ev) == 0 {
		t.Fatalf("view_audit reads the log: %d, %v", len(ev), err)
	}

	if err := o.Owner.SetConsoleRole(ctx, adamID, p+"helpdesk"); err != nil {
		t.Fatalf("change the admin's role: %v", err)
	}
	if got := perms(adam); got != "reset_password" {
		t.Fatalf("after the change: %s", got)
	}
	if _, err := adam.Audit(ctx, app.AuditFilter{}); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("the audit log after losing view_audit: %v", err)
	}

	if err := o.Owner.DisableConsoleUser(ctx, deskID); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if _, _, err := desk.Actor(ctx); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a disabled user's actor: %v", err)
	}
	if us, err := desk.Users(ctx, app.UserFilter{}); len(us) != 0 {
		t.Fatalf("a disabled user still reads %d users (%v)", len(us), err)
	}

	if err := o.Owner.RemoveConsoleUser(ctx, adamID); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, _, err := adam.Actor(ctx); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a removed admin's actor: %v", err)
	}
	u, err := o.Owner.UserByLogin(ctx, "adam2@acme.test")
	if err != nil || u.Role != app.RoleMember || u.DBRole != "" {
		t.Fatalf("the removed admin's row: %+v, %v", u, err)
	}
	var granted int
	superDB(t, o).QueryRowContext(ctx, `SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1`, p+"_adam").Scan(&granted)
	if granted != 0 {
		t.Fatalf("the removed admin's login keeps %d group memberships", granted)
	}
}

// TestAdminAddNeverTakesOverAnAddress is S11: the owner's address, another
// console user's, and a member's without an explicit promotion are refused,
// through the owner's connection and the DBA's alike.
func TestAdminAddNeverTakesOverAnAddress(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	p := o.Prefix
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, mobile_number, status)
	           SELECT id, 'Mia Member', 'mia@acme.test', '+15550001', 'confirmed' FROM resetdesk.orgs`)
	for _, email := range []string{"OWNER@acme.test", "admin@acme.test", "mia@acme.test"} {
		_, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_x", Email: email, Password: o.Password})
		if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "already") {
			t.Errorf("owner's admin add %s: %v", email, err)
		}
		err = o.Super.AddAdmin(ctx, data.AdminOptions{LoginRole: p + "_y", Email: email, Password: o.Password})
		if c := app.ErrorCode(err); (c != app.ECONFLICT && c != app.EINVALID) || !strings.Contains(app.ErrorMessage(err), "already") {
			t.Errorf("DBA's admin add %s: %v", email, err)
		}
	}
	if a, _, err := o.Owner.Actor(ctx); err != nil || a.User.Role != app.RoleOwner {
		t.Fatalf("the owner after the attempts: %+v, %v", a.User, err)
	}
	if _, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_mia", Email: "mia@acme.test", Password: o.Password, Promote: true}); err != nil {
		t.Fatalf("promote a member: %v", err)
	}
	u, err := o.Owner.UserByLogin(ctx, "mia@acme.test")
	if err != nil || u.Role != app.RoleAdmin || u.DisplayName != "Mia Member" || u.MobileNumber != "+15550001" {
		t.Fatalf("the promoted member: %+v, %v", u, err)
	}
}

// TestManageAdminsCannotEscalate attacks the provisioner's functions as
// psql would: without manage_admins, with it but trying to give more than
// one holds, with names and verifiers built to inject, and by reaching for
// the provisioner's CREATEROLE directly.
func TestManageAdminsCannotEscalate(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	p := o.Prefix
	if _, err := o.Helpdesk.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_h1", Email: "h1@acme.test", Password: o.Password, CustomRole: p + "helpdesk"}); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("admin add without manage_admins: %v", err)
	}
	if err := o.Owner.SaveCustomRole(ctx, p+"mgr", []app.Permission{app.PermManageAdmins, app.PermResetPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_mgr", Email: "mgr@acme.test", Password: o.Password, CustomRole: p + "mgr"}); err != nil {
		t.Fatal(err)
	}
	mgr, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, p+"_mgr", o.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	if _, err := mgr.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_h2", Email: "h2@acme.test", Password: o.Password, CustomRole: p + "helpdesk"}); err != nil {
		t.Fatalf("manage_admins adds a role within its own permissions: %v", err)
	}
	for _, role := range []string{"", p + "viewer"} { // admin; view_audit
		if _, err := mgr.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_h3", Email: "h3@acme.test", Password: o.Password, CustomRole: role}); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("manage_admins gives %q, beyond its own permissions: %v", role, err)
		}
	}
	if err := mgr.SaveCustomRole(ctx, p+"more", []app.Permission{app.PermSetPassword}); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("manage_admins makes a role with set_password: %v", err)
	}
	admin, _ := o.Owner.UserByLogin(ctx, "admin@acme.test")
	if err := mgr.DisableConsoleUser(ctx, admin.ID); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("manage_admins disables an admin, who holds more: %v", err)
	}
	owner, _ := o.Owner.UserByLogin(ctx, "owner@acme.test")
	if err := o.Admin.DisableConsoleUser(ctx, owner.ID); err == nil {
		t.Errorf("an admin disabled the owner")
	}
	self, _ := o.Owner.UserByLogin(ctx, "mgr@acme.test")
	if err := mgr.RemoveConsoleUser(ctx, self.ID); err == nil {
		t.Errorf("a console user removed themselves")
	}

	// Straight at the SQL, as the owner: injected names, a plain or forged
	// password, the owner's group, and the provisioner itself.
	owners, err := sql.Open("postgres", o.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owners.Close()
	verifier := "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$" + strings.Repeat("A", 43) + "=:" + strings.Repeat("B", 43) + "="
	for _, c := range []struct{ name, q string }{
		{"quote in the login", `SELECT resetdesk.add_console_user('x" SUPERUSER --', $1, 'i1@acme.test', '', 'admin', false)`},
		{"a pg_ login", `SELECT resetdesk.add_console_user('pg_mine', $1, 'i2@acme.test', '', 'admin', false)`},
		{"the owner's group", `SELECT resetdesk.add_console_user('` + p + `_i3', $1, 'i3@acme.test', '', 'owner', false)`},
		{"a system role as a custom role", `SELECT resetdesk.add_console_user('` + p + `_i4', $1, 'i4@acme.test', '', 'pg_execute_server_program', false)`},
		{"a plain password", `SELECT resetdesk.add_console_user('` + p + `_i5', 'plain-password-1', 'i5@acme.test', '', 'admin', false)`},
		{"a verifier with SQL", `SELECT resetdesk.add_console_user('` + p + `_i6', $1 || ''' SUPERUSER', 'i6@acme.test', '', 'admin', false)`},
		{"a custom role named to inject", `SELECT resetdesk.save_custom_role('x"; DROP ROLE postgres; --', '{}')`},
		{"the provisioner's CREATEROLE", `SET ROLE resetdesk_provisioner`},
		{"an internal check", `SELECT resetdesk.manage_group('admin')`},
	} {
		var args []any
		if strings.Contains(c.q, "$1") {
			args = append(args, verifier)
		}
		if _, err := owners.ExecContext(ctx, c.q, args...); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	var bad int
	superDB(t, o).QueryRowContext(ctx, `SELECT count(*) FROM pg_roles WHERE rolname LIKE $1 AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication)`, p+`\_%`).Scan(&bad)
	if bad != 0 {
		t.Fatalf("%d of the test's logins hold a role attribute", bad)
	}
}
