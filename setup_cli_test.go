package main

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/data/pgtest"
)

// TestSetupPrintsWhatOnlyASuperuserCanClose: `resetdesk setup` run by a DBA
// that is no superuser and does not own the database succeeds, and prints,
// as SQL to run as it stands, what it could not close itself.
func TestSetupPrintsWhatOnlyASuperuserCanClose(t *testing.T) {
	super, prefix := pgtest.NewDatabase(t)
	db, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	master, pw := prefix+"_master", "Master-"+prefix+"-pass"
	exec("CREATE ROLE " + master + " LOGIN CREATEROLE PASSWORD " + pq.QuoteLiteral(pw))
	exec("GRANT CREATE ON DATABASE " + prefix + "_db TO " + master)
	t.Cleanup(func() {
		d, err := sql.Open("postgres", super)
		if err != nil {
			t.Error(err)
			return
		}
		defer d.Close()
		if _, err := d.Exec("DROP OWNED BY " + master + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	url := pgtest.RoleURL(t, super, master, pw)
	args := []string{"setup", "--org", "Tenant", "--owner-email", "owen@tenant.test", "--owner-role", prefix + "_owner"}
	code, out, errOut := run(t, url, pw+"\n", args...)
	if code != 0 { // PostgreSQL 16 and later: the ADMIN option on groups another role made
		for _, line := range strings.Split(errOut, "\n") {
			if line = strings.TrimSpace(line); strings.HasPrefix(line, "GRANT ") {
				exec(line)
			}
		}
		out = mustRun(t, 0, url, pw+"\n", args...)
	}
	for _, want := range []string{
		"Setup could not close all of this database to logins outside ResetDesk",
		"  GRANT CONNECT ON DATABASE " + prefix + "_db TO " + master + ";",
		"  REVOKE CONNECT, TEMPORARY ON DATABASE " + prefix + "_db FROM PUBLIC;",
		"  REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer), pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("setup as %s does not say %q:\n%s", master, want, out)
		}
	}
}
