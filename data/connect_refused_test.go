package data_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgbouncertest"
	"resetdesk/data/pgtest"
)

// TestAnotherOfficesLoginIsToldItMayNotConnect: since 0039 a console login
// may connect to its own office's database only. An IT person who signs in
// to another office's database with the wrong office's login is told that
// the role may not connect there, directly and through PgBouncer (which
// passes the server's refusal on in a message of its own), never that the
// password was wrong nor that the connection was lost.
func TestAnotherOfficesLoginIsToldItMayNotConnect(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	stranger := pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_admin", a.Password)
	check := func(t *testing.T, url string) {
		t.Helper()
		db, err := data.Open(ctx, url)
		if err == nil {
			db.Close()
			t.Fatal("a's admin signed in to b's database")
		}
		msg := app.ErrorMessage(err)
		if app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(msg, "may not connect to the database") {
			t.Fatalf("a's admin signing in to b's database: %v (%s)", err, msg)
		}
	}
	t.Run("direct", func(t *testing.T) { check(t, stranger) })
	for _, mode := range []pgbouncertest.Mode{pgbouncertest.Transaction, pgbouncertest.Session} {
		t.Run(string(mode), func(t *testing.T) {
			pool := pgbouncertest.Start(t, mode)
			check(t, pool.URL(t, stranger))
		})
	}
}

// TestCONNECTFollowsTheConsoleUser: a console user's CONNECT (0039) is the
// login's own, so it outlives a change of role, both ways, and a member
// removed from the console and added again under a new login connects
// with the new login only.
func TestCONNECTFollowsTheConsoleUser(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	p := o.Prefix
	id, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_sam", Email: "sam@acme.test", Password: o.Password})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{p + "helpdesk", string(app.RoleAdmin)} {
		if err := o.Owner.SetConsoleRole(ctx, id, role); err != nil {
			t.Fatalf("set sam's role to %s: %v", role, err)
		}
		if !connects(t, o, p+"_sam") {
			t.Fatalf("sam cannot connect once made %s", role)
		}
	}
	if err := o.Owner.RemoveConsoleUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_sam2", Email: "sam@acme.test", Password: o.Password, Promote: true}); err != nil {
		t.Fatalf("add sam again: %v", err)
	}
	if !connects(t, o, p+"_sam2") {
		t.Error("sam's new login cannot connect")
	}
	if connects(t, o, p+"_sam") {
		t.Error("sam's removed login connects")
	}
}

// TestNonOwnerUpgradeKeepsTheConsoleIn: a hosted DBA that does not own
// the database upgrades an office set up before the provisioner held
// CONNECT with the grant option, where the console group had CONNECT.
// Setup can neither grant the console logins CONNECT of their own nor
// revoke the group's, so it asks a superuser for both; the console logins
// must be named, or the group's REVOKE locks every console user out.
func TestNonOwnerUpgradeKeepsTheConsoleIn(t *testing.T) {
	ctx := context.Background()
	super, prefix := pgtest.NewDatabase(t)
	sdb := asRole(t, super)
	exec := func(q string) {
		t.Helper()
		if _, err := sdb.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	master, pw := prefix+"_master", "Master-"+prefix+"-pass"
	db := prefix + "_db"
	exec("CREATE ROLE " + master + " LOGIN CREATEROLE PASSWORD " + pq.QuoteLiteral(pw))
	exec("GRANT CREATE ON DATABASE " + db + " TO " + master)
	t.Cleanup(func() {
		if _, err := asRole(t, super).Exec("DROP OWNED BY " + master + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	a, err := data.OpenAdmin(ctx, pgtest.RoleURL(t, super, master, pw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	opts := data.SetupOptions{OrgName: "Tenant", OwnerEmail: "owen@tenant.test", OwnerRole: prefix + "_owner", OwnerPassword: pw}
	superDo := func(res data.SetupResult, err error) data.SetupResult {
		t.Helper()
		if err != nil { // PostgreSQL 16 and later: the ADMIN option on groups made by another role
			for _, line := range strings.Split(app.ErrorMessage(err), "\n") {
				if line = strings.TrimSpace(line); strings.HasPrefix(line, "GRANT ") {
					exec(line)
				}
			}
			if res, err = a.Setup(ctx, opts); err != nil {
				t.Fatalf("setup after the grants it asked for: %v", err)
			}
		}
		for _, line := range res.Advice {
			exec(line)
		}
		return res
	}
	superDo(a.Setup(ctx, opts))

	// As an older setup left it: CONNECT for the console group, none of
	// the provisioner's (its grant option went, and its grants with it).
	exec("REVOKE GRANT OPTION FOR CONNECT ON DATABASE " + db + " FROM resetdesk_provisioner CASCADE")
	exec("GRANT CONNECT ON DATABASE " + db + " TO resetdesk_console")
	if !connects(t, &pgtest.Org{SuperURL: super, Password: pw}, prefix+"_owner") {
		t.Fatal("the arranged database lets the owner in only through the console group, and not even so")
	}

	res := superDo(a.Setup(ctx, opts))
	if !strings.Contains(strings.Join(res.Advice, "\n"), "REVOKE CONNECT ON DATABASE "+db+" FROM resetdesk_console;") {
		t.Fatalf("no advice to take CONNECT from the console group: %q", res.Advice)
	}
	if !connects(t, &pgtest.Org{SuperURL: super, Password: pw}, prefix+"_owner") {
		t.Fatalf("the owner is locked out by the advice %q", res.Advice)
	}
}
