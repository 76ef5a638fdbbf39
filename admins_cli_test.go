package main

import (
	"strings"
	"testing"

	"resetdesk/data/pgtest"
)

// TestOwnerManagesAdminsFromTheCommandLine: the owner's own DATABASE_URL
// adds a custom role and a console user, changes the role and disables the
// user; no DBA involved. The owner's address is never taken over (S11), and
// a login that is no console user here is told so instead of seeing an
// empty list (D7), while the org's name and zoid name the office.
func TestOwnerManagesAdminsFromTheCommandLine(t *testing.T) {
	f := newFixture(t)
	p := f.prefix
	mustRun(t, 0, f.owner, "", "role", "add", p+"desk", "--permissions", "reset_password,view_audit")
	out := mustRun(t, 0, f.owner, f.password+"\n", "admin", "add", p+"_desk", "--email", "desk@acme.test", "--custom-role", p+"desk")
	if !strings.Contains(out, "added desk@acme.test as "+p+"desk") {
		t.Fatalf("admin add said: %s", out)
	}
	desk := pgtest.RoleURL(t, f.super, p+"_desk", f.password)
	out = mustRun(t, 0, desk, "", "users", "--json")
	if !strings.Contains(out, `"zoid": 6`) || !strings.Contains(out, `"name": "Acme Office"`) {
		t.Fatalf("users --json names no org:\n%s", out)
	}
	if _, _, stderr := run(t, desk, "", "users"); !strings.Contains(stderr, "in Acme Office (zoid ") {
		t.Fatalf("users names no org: %s", stderr)
	}

	code, _, stderr := run(t, f.owner, f.password+"\n", "admin", "add", p+"_take", "--email", "OWNER@acme.test")
	if code != 1 || !strings.Contains(stderr, "already a console user") {
		t.Fatalf("admin add with the owner's address: exit %d, %s", code, stderr)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE role = 'owner' AND db_role = $1`, p+"_owner"); n != 1 {
		t.Fatalf("the owner is gone")
	}

	mustRun(t, 0, f.owner, "", "admin", "set-role", "desk@acme.test", "admin")
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE primary_email = 'desk@acme.test' AND role = 'admin'`); n != 1 {
		t.Fatalf("set-role changed nothing")
	}
	code, _, stderr = run(t, f.admin, "", "admin", "disable", "desk@acme.test")
	if code != 1 || !strings.Contains(stderr, "manage_admins") {
		t.Fatalf("an admin without manage_admins disables: exit %d, %s", code, stderr)
	}
	mustRun(t, 0, f.owner, "", "admin", "disable", "desk@acme.test")
	for _, who := range []string{desk, f.enduser} {
		code, out, stderr := run(t, who, "", "users")
		if code != 1 || out != "" || !strings.Contains(stderr, "is not a ResetDesk admin in this database") {
			t.Fatalf("users as a login that is no console user: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
		}
	}
}
