package data_test

import (
	"context"
	"net/url"
	"testing"

	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// TestARestoredDatabaseFindsItsLogins: since 0041 a row counts only for the
// role with the OID it was linked to. Moving an office to another server
// (pg_dumpall --roles-only, then pg_dump and pg_restore; Debian's
// pg_upgradecluster in its default mode) makes every role again with a new
// OID, which locked every admin out of the restored database for good.
// A copy of the database (CREATE DATABASE ... TEMPLATE) stands in for the
// restore here: it too has a new OID.
// Setup in the restored database (a new database OID) links the rows to
// the logins of their names again (0042); in the database the role was
// made again beside (the same OID), the newcomer stays a stranger.
func TestARestoredDatabaseFindsItsLogins(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	admin := o.Prefix + "_admin"

	// The new server's admin login: the same name and password, a new OID.
	o.Exec(t, `ALTER ROLE `+admin+` RENAME TO `+admin+`_gone`)
	o.Exec(t, `CREATE ROLE `+admin+` LOGIN PASSWORD '`+o.Password+`' IN ROLE resetdesk_admin`)

	// The restored database: a copy, which has a new OID as a restore's
	// has, and the rows as they were. (pg_dump itself is not used: the
	// tests run on servers of other versions than Debian's pg_dump.)
	base := asRole(t, pgtest.SuperURL(t))
	restored := o.Prefix + "_restored"
	if _, err := base.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, o.Prefix+"_db"); err != nil {
		t.Fatal(err)
	}
	if _, err := base.ExecContext(ctx, `CREATE DATABASE `+restored+` TEMPLATE `+o.Prefix+`_db`); err != nil {
		t.Fatalf("copy the database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := base.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+restored+` WITH (FORCE)`); err != nil {
			t.Errorf("drop the restored database: %v", err)
		}
	})
	u, err := url.Parse(o.SuperURL)
	if err != nil {
		t.Fatal("the test server's URL does not parse")
	}
	u.Path = "/" + restored
	restoredURL := u.String()

	setup := func(url string) {
		t.Helper()
		a, err := data.OpenAdmin(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.Setup(ctx, data.SetupOptions{}); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	actor := func(dbURL string) error {
		t.Helper()
		db, err := data.Open(ctx, pgtest.RoleURL(t, dbURL, admin, o.Password))
		if err != nil {
			return err
		}
		defer db.Close()
		_, _, err = db.Actor(ctx)
		return err
	}

	setup(restoredURL)
	if err := actor(restoredURL); err != nil {
		t.Errorf("the admin, made again on the new server, in the restored database after setup: %v", err)
	}
	setup(o.SuperURL)
	if err := actor(o.SuperURL); err == nil {
		t.Errorf("a login made again with the admin's name is the admin of the database it was not restored into")
	}
}
