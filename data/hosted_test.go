package data_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// TestHostedSetup runs setup as a hosted service's master user: LOGIN,
// CREATEROLE and CREATEDB, not a superuser, owner of its database. Then the
// whole life: a custom role, an admin, both signing in, a reset, setup again.
//
// On PostgreSQL 16 and later a role's creator may grant it; the shared test
// server's groups were made by its superuser, so there setup must first say
// which grants it lacks, in SQL that works when run as it is. On a fresh
// server (and on 15 and older, where CREATEROLE may grant any group) it
// needs none.
func TestHostedSetup(t *testing.T) {
	ctx := context.Background()
	super, prefix := pgtest.NewDatabase(t)
	sdb, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	exec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	master, pw := prefix+"_master", "Master-"+prefix+"-pass"
	dbName := prefix + "_hosted"
	exec(sdb, "CREATE ROLE "+master+" LOGIN CREATEROLE CREATEDB PASSWORD "+pq.QuoteLiteral(pw))
	masterURL := pgtest.RoleURL(t, super, master, pw)
	mdb, err := sql.Open("postgres", masterURL)
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	exec(mdb, "CREATE DATABASE "+dbName) // the master owns it
	t.Cleanup(func() {
		// Before NewDatabase's cleanup drops the roles: the hosted
		// database, and what the master granted or owns in the test's.
		db, err := sql.Open("postgres", super)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		for _, q := range []string{"DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)", "DROP OWNED BY " + master + " CASCADE"} {
			if _, err := db.Exec(q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	hostedURL := func(role, password string) string {
		u, _ := url.Parse(pgtest.RoleURL(t, super, role, password))
		u.Path = "/" + dbName
		return u.String()
	}

	a, err := data.OpenAdmin(ctx, hostedURL(master, pw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	opts := data.SetupOptions{OrgName: "Hosted Office", OwnerEmail: "owen@hosted.test", OwnerRole: prefix + "_owner", OwnerPassword: pw}
	res, err := a.Setup(ctx, opts)
	if err != nil {
		msg := app.ErrorMessage(err)
		if !strings.Contains(msg, "not a superuser") || !strings.Contains(msg, "GRANT") {
			t.Fatalf("setup as %s: %v (%s)", master, err, msg)
		}
		// The message's SQL, run as it stands by the superuser.
		for _, line := range strings.Split(msg, "\n") {
			if line = strings.TrimSpace(line); strings.HasPrefix(line, "GRANT ") || strings.HasPrefix(line, "ALTER ROLE ") {
				exec(sdb, line)
			}
		}
		if res, err = a.Setup(ctx, opts); err != nil {
			t.Fatalf("setup after the grants it asked for: %v", err)
		}
	}
	// Large objects are a superuser's to close (and schema public on 14
	// and older): setup says how, and the rest it closed itself.
	if !strings.Contains(strings.Join(res.Advice, "\n"), "REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid)") {
		t.Fatalf("setup as %s gave no advice on large objects: %q", master, res.Advice)
	}
	u, _ := url.Parse(super)
	u.Path = "/" + dbName
	hostedSuper, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer hostedSuper.Close()
	for _, line := range res.Advice {
		exec(hostedSuper, line)
	}
	if err := a.AddRole(ctx, prefix+"desk", []app.Permission{app.PermResetPassword, app.PermViewAudit}); err != nil {
		t.Fatalf("role add as %s: %v", master, err)
	}
	if err := a.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_admin", Email: "adam@hosted.test", Password: pw}); err != nil {
		t.Fatalf("admin add as %s: %v", master, err)
	}
	if err := a.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_desk", Email: "hana@hosted.test", Password: pw, CustomRole: prefix + "desk"}); err != nil {
		t.Fatalf("admin add --custom-role as %s: %v", master, err)
	}
	if res, err := a.Setup(ctx, opts); err != nil || res.OrgCreated || len(res.Applied) != 0 || len(res.Advice) != 0 {
		t.Fatalf("setup again: %+v, %v", res, err)
	}
	exec(sdb, "CREATE ROLE "+prefix+"_outsider LOGIN PASSWORD "+pq.QuoteLiteral(pw))
	outsider, err := sql.Open("postgres", hostedURL(prefix+"_outsider", pw))
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()
	var pqe *pq.Error
	if err := outsider.Ping(); !errors.As(err, &pqe) || pqe.Code != "42501" {
		t.Fatalf("a login in no ResetDesk group connecting to the hosted database: %v", err)
	}

	owner, err := data.Open(ctx, hostedURL(prefix+"_owner", pw))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.ImportUsers(ctx, []app.ImportRow{{Line: 2, Email: "vic@hosted.test", Name: "Vic", Status: app.StatusConfirmed}}); err != nil {
		t.Fatal(err)
	}
	desk, err := data.Open(ctx, hostedURL(prefix+"_desk", pw))
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	vic, err := desk.UserByLogin(ctx, "vic@hosted.test")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := desk.ApplyReset(ctx, otpBatch(vic.ID)); err != nil || res[0].Outcome != app.OutcomeReset {
		t.Fatalf("reset by the custom role: %+v, %v", res, err)
	}
	noParking(t, "the hosted custom role", hostedURL(prefix+"_desk", pw))
	admin, err := data.Open(ctx, hostedURL(prefix+"_admin", pw))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if ev, err := admin.Audit(ctx, app.AuditFilter{}); err != nil || len(ev) == 0 {
		t.Fatalf("the admin's audit: %d events, %v", len(ev), err)
	}
}

// TestHostedSetupSaysWhatIsMissing runs setup as a CREATEROLE role in a
// database it neither owns nor may create in: it must name the grant, and
// change nothing.
func TestHostedSetupSaysWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	super, prefix := pgtest.NewDatabase(t)
	sdb, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	master, pw := prefix+"_master", "Master-"+prefix+"-pass"
	if _, err := sdb.Exec("CREATE ROLE " + master + " LOGIN CREATEROLE PASSWORD " + pq.QuoteLiteral(pw)); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15 and later give PUBLIC no CREATE on schema public, but
	// CREATE on a database is never PUBLIC's.
	a, err := data.OpenAdmin(ctx, pgtest.RoleURL(t, super, master, pw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.Setup(ctx, data.SetupOptions{OrgName: "X", OwnerEmail: "o@x.test", OwnerRole: prefix + "_owner", OwnerPassword: pw})
	want := "GRANT CREATE ON DATABASE " + prefix + "_db TO " + master + ";"
	if !strings.Contains(app.ErrorMessage(err), want) {
		t.Fatalf("setup without CREATE on the database: %v (%s), want it to say %s", err, app.ErrorMessage(err), want)
	}
	var schemas int
	if err := sdb.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname = 'resetdesk'`).Scan(&schemas); err != nil || schemas != 0 {
		t.Fatalf("a refused setup left %d schemas (%v)", schemas, err)
	}
}

// TestHostedSetupByANonOwner: a DBA that may create in the database but
// does not own it cannot close it to PUBLIC itself. Setup says how, in SQL
// a superuser runs as it stands, without shutting the DBA, the console or
// the owner's later self-service logins out; then only they connect.
func TestHostedSetupByANonOwner(t *testing.T) {
	ctx := context.Background()
	super, prefix := pgtest.NewDatabase(t)
	sdb, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := sdb.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	master, pw := prefix+"_master", "Master-"+prefix+"-pass"
	exec("CREATE ROLE " + master + " LOGIN CREATEROLE PASSWORD " + pq.QuoteLiteral(pw))
	exec("GRANT CREATE ON DATABASE " + prefix + "_db TO " + master)
	t.Cleanup(func() {
		db, err := sql.Open("postgres", super)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP OWNED BY " + master + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	a, err := data.OpenAdmin(ctx, pgtest.RoleURL(t, super, master, pw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	opts := data.SetupOptions{OrgName: "Tenant", OwnerEmail: "owen@tenant.test", OwnerRole: prefix + "_owner", OwnerPassword: pw}
	res, err := a.Setup(ctx, opts)
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
	advice := strings.Join(res.Advice, "\n")
	if !strings.Contains(advice, "REVOKE CONNECT, TEMPORARY ON DATABASE "+prefix+"_db FROM PUBLIC;") {
		t.Fatalf("a setup that could not close the database gave no such advice: %q", res.Advice)
	}
	for _, line := range res.Advice {
		exec(line)
	}
	if res, err := a.Setup(ctx, opts); err != nil || len(res.Advice) != 0 {
		t.Fatalf("setup again, after the advice: %q, %v", res.Advice, err)
	}
	owner, err := data.Open(ctx, pgtest.RoleURL(t, super, prefix+"_owner", pw))
	if err != nil {
		t.Fatalf("the owner after the advice: %v", err)
	}
	defer owner.Close()
	if err := owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: prefix + "_kiosk", Password: pw}); err != nil {
		t.Fatal(err)
	}
	if err := a.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: prefix + "_kiosk2", Password: pw}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"_kiosk", "_kiosk2"} { // the owner's, the DBA's
		kiosk, err := data.Open(ctx, pgtest.RoleURL(t, super, prefix+k, pw))
		if err != nil {
			t.Fatalf("a self-service login made after the advice: %v", err)
		}
		defer kiosk.Close()
		if _, err := kiosk.PasswordRules(ctx, "anyone@tenant.test"); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE ROLE " + prefix + "_outsider LOGIN PASSWORD " + pq.QuoteLiteral(pw))
	outsider, err := sql.Open("postgres", pgtest.RoleURL(t, super, prefix+"_outsider", pw))
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()
	var pqe *pq.Error
	if err := outsider.Ping(); !errors.As(err, &pqe) || pqe.Code != "42501" {
		t.Fatalf("an outsider after the advice: %v", err)
	}
}

// TestHostedSetupAfterAnotherDBA: two hosted DBAs (master users of two
// offices on one server) set up a database each; the first made the
// server-wide groups, or found them. The second's setup works, or says
// which grants it lacks in SQL a superuser runs as it stands. Then the
// first DBA is removed the way PostgreSQL asks (DROP OWNED BY, DROP
// ROLE), which on 16 and later revokes every membership it granted: the
// second office's owner and admins still sign in and work, and setup
// runs again.
func TestHostedSetupAfterAnotherDBA(t *testing.T) {
	ctx := context.Background()
	super, prefix := pgtest.NewDatabase(t)
	sdb, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() }) // after the cleanups below
	exec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pw := "Master-" + prefix + "-pass"
	dbURL := func(role, password, db string) string {
		u, _ := url.Parse(pgtest.RoleURL(t, super, role, password))
		u.Path = "/" + db
		return u.String()
	}
	// setUp runs setup as master in its own new database, running as the
	// superuser what a first attempt asks for.
	setUp := func(master, db string, opts data.SetupOptions) *data.Admin {
		t.Helper()
		exec(sdb, "CREATE ROLE "+master+" LOGIN CREATEROLE CREATEDB PASSWORD "+pq.QuoteLiteral(pw))
		mdb, err := sql.Open("postgres", pgtest.RoleURL(t, super, master, pw))
		if err != nil {
			t.Fatal(err)
		}
		exec(mdb, "CREATE DATABASE "+db)
		mdb.Close()
		t.Cleanup(func() {
			for _, q := range []string{"DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", "DROP OWNED BY " + master + " CASCADE"} {
				if _, err := sdb.Exec(q); err != nil && !strings.Contains(err.Error(), "does not exist") {
					t.Errorf("%s: %v", q, err)
				}
			}
		})
		a, err := data.OpenAdmin(ctx, dbURL(master, pw, db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		if _, err := a.Setup(ctx, opts); err != nil {
			msg := app.ErrorMessage(err)
			if !strings.Contains(msg, "not a superuser") || !strings.Contains(msg, "GRANT") {
				t.Fatalf("setup as %s: %v (%s)", master, err, msg)
			}
			for _, line := range strings.Split(msg, "\n") {
				if line = strings.TrimSpace(line); strings.HasPrefix(line, "GRANT ") || strings.HasPrefix(line, "ALTER ROLE ") {
					exec(sdb, line)
				}
			}
			if _, err := a.Setup(ctx, opts); err != nil {
				t.Fatalf("setup as %s after the grants it asked for: %v", master, err)
			}
		}
		return a
	}
	first, second := prefix+"_first", prefix+"_second"
	setUp(first, prefix+"_a", data.SetupOptions{OrgName: "A", OwnerEmail: "owen@a.test", OwnerRole: prefix + "_owner_a", OwnerPassword: pw})
	b := setUp(second, prefix+"_b", data.SetupOptions{OrgName: "B", OwnerEmail: "owen@b.test", OwnerRole: prefix + "_owner_b", OwnerPassword: pw})
	if err := b.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_admin_b", Email: "adam@b.test", Password: pw}); err != nil {
		t.Fatalf("admin add as %s: %v", second, err)
	}

	// The first DBA goes: its database, what it owns and granted, itself.
	exec(sdb, "DROP DATABASE "+prefix+"_a WITH (FORCE)")
	exec(sdb, "DROP OWNED BY "+first+" CASCADE")
	exec(sdb, "DROP ROLE "+first)

	owner, err := data.Open(ctx, dbURL(prefix+"_owner_b", pw, prefix+"_b"))
	if err != nil {
		t.Fatalf("the second office's owner, once the first DBA is gone: %v", err)
	}
	defer owner.Close()
	if _, err := owner.ImportUsers(ctx, []app.ImportRow{{Line: 2, Email: "vic@b.test", Name: "Vic", Status: app.StatusConfirmed}}); err != nil {
		t.Fatalf("the owner's import, once the first DBA is gone: %v", err)
	}
	admin, err := data.Open(ctx, dbURL(prefix+"_admin_b", pw, prefix+"_b"))
	if err != nil {
		t.Fatalf("the second office's admin, once the first DBA is gone: %v", err)
	}
	defer admin.Close()
	vic, err := admin.UserByLogin(ctx, "vic@b.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_admin_b2", Email: "ada@b.test", Password: pw}); err != nil {
		t.Fatalf("admin add as %s, once the first DBA is gone: %v", second, err)
	}
	admin2, err := data.Open(ctx, dbURL(prefix+"_admin_b2", pw, prefix+"_b"))
	if err != nil {
		t.Fatalf("an admin added once the first DBA is gone: %v", err)
	}
	defer admin2.Close()
	if _, err := admin2.UserByLogin(ctx, "vic@b.test"); err != nil {
		t.Fatal(err)
	}
	// What the first DBA granted with its own ADMIN option went with it:
	// on a fresh server, pg_read_all_stats to resetdesk_definer, which a
	// reset's check of the admin's password needs. Setup asks for it
	// again, this time to the definer itself.
	opts := data.SetupOptions{OrgName: "B", OwnerEmail: "owen@b.test", OwnerRole: prefix + "_owner_b", OwnerPassword: pw}
	if _, err := b.Setup(ctx, opts); err != nil {
		msg := app.ErrorMessage(err)
		if !strings.Contains(msg, "GRANT pg_read_all_stats TO resetdesk_definer;") {
			t.Fatalf("setup as %s, once the first DBA is gone: %v (%s)", second, err, msg)
		}
		exec(sdb, "GRANT pg_read_all_stats TO resetdesk_definer")
		if _, err := b.Setup(ctx, opts); err != nil {
			t.Fatalf("setup as %s after the grant it asked for: %v", second, err)
		}
	}
	if res, err := admin.ApplyReset(ctx, otpBatch(vic.ID)); err != nil || res[0].Outcome != app.OutcomeReset {
		t.Fatalf("a reset by the admin, after setup again: %+v, %v", res, err)
	}
}
