package data_test

import (
	"context"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// connects reports whether role can open a session on the test's database;
// a refusal must be PostgreSQL's "no CONNECT privilege" (42501).
func connects(t *testing.T, o *pgtest.Org, role string) bool {
	t.Helper()
	db := asRole(t, pgtest.RoleURL(t, o.SuperURL, role, o.Password))
	err := db.Ping()
	if err == nil {
		return true
	}
	wantSQLState(t, err, "42501")
	return false
}

// session reads a setting as role sees it in a new session.
func session(t *testing.T, o *pgtest.Org, role, setting string) string {
	t.Helper()
	var v string
	if err := asRole(t, pgtest.RoleURL(t, o.SuperURL, role, o.Password)).QueryRow("SHOW " + setting).Scan(&v); err != nil {
		t.Fatalf("SHOW %s as %s: %v", setting, role, err)
	}
	return v
}

// noParking checks that role, which may connect, can store nothing of its
// own on the server: no large object, no temporary table, no table in
// schema public.
func noParking(t *testing.T, who, url string) {
	t.Helper()
	db := asRole(t, url)
	for _, q := range []string{
		`SELECT lo_create(0)`,
		`SELECT lo_creat(-1)`,
		`SELECT lo_from_bytea(0, '\x00ff')`,
		`CREATE TEMP TABLE parked (x int)`,
		`CREATE TABLE public.parked (x int)`,
	} {
		_, err := db.Exec(q)
		var pqe *pq.Error
		if err == nil || !(asPQ(err, &pqe) && pqe.Code == "42501") {
			t.Errorf("%s: %s: %v, want permission denied", who, q, err)
		}
	}
}

func asPQ(err error, pqe **pq.Error) bool {
	e, ok := err.(*pq.Error)
	*pqe = e
	return ok
}

// TestDatabaseClosedToOutsiders: after setup only ResetDesk's logins (and
// those the DBA lets in by name) may connect, every kind of ResetDesk login
// still can, however it was made, and none can park data on the server.
// Console logins get their session timeouts, however they were made.
func TestDatabaseClosedToOutsiders(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, "CREATE ROLE "+o.Prefix+"_outsider LOGIN PASSWORD "+pq.QuoteLiteral(o.Password))
	if connects(t, o, o.Prefix+"_outsider") {
		t.Error("a login in no ResetDesk group connected to the directory's database")
	}

	// Made by the DBA and by the owner, each kind.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: o.Prefix + "_relay", Password: o.Password}))
	must(o.Owner.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: o.Prefix + "_relay2", Password: o.Password}))
	must(o.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: o.Prefix + "_kiosk2", Password: o.Password}))
	_, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: o.Prefix + "_admin2", Email: "admin2@acme.test", Password: o.Password})
	must(err)
	for _, r := range []string{"owner", "admin", "helpdesk", "viewer", "enduser", "stranger", "relay", "relay2", "kiosk2", "admin2"} {
		if !connects(t, o, o.Prefix+"_"+r) {
			t.Errorf("%s cannot connect", r)
		}
	}
	if _, err := o.EndUser.PasswordRules(ctx, "nobody@acme.test"); err != nil {
		t.Errorf("the self-service login: %v", err)
	}

	for who, url := range map[string]string{"stranger": o.StrangerURL, "owner": o.OwnerURL, "enduser": o.EndUserURL} {
		noParking(t, who, url)
	}

	for _, r := range []string{"owner", "admin", "helpdesk", "admin2"} {
		if s := session(t, o, o.Prefix+"_"+r, "statement_timeout"); s != "1min" {
			t.Errorf("%s's statement_timeout: %s, want 1min", r, s)
		}
		if s := session(t, o, o.Prefix+"_"+r, "idle_in_transaction_session_timeout"); s != "30s" {
			t.Errorf("%s's idle_in_transaction_session_timeout: %s, want 30s", r, s)
		}
	}
	if res, err := o.Super.Setup(ctx, data.SetupOptions{}); err != nil || len(res.Advice) != 0 {
		t.Fatalf("setup again as a superuser: advice %q, %v", res.Advice, err)
	}
}

// TestSetupClosesAnExistingDatabase: a database set up before any of this
// (CONNECT, TEMP, large objects and schema public open to PUBLIC, a
// Dovecot login that reads the passdb with no CONNECT of its own, console
// logins without timeouts) is closed by running setup again, and whoever
// worked before still works: the passdb readers, directly or through a
// group, and the self-service login. A timeout the DBA chose is kept.
func TestSetupClosesAnExistingDatabase(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	db, p := pq.QuoteIdentifier(o.Prefix+"_db"), o.Prefix
	pw := pq.QuoteLiteral(o.Password)
	for _, q := range []string{
		"GRANT CONNECT, TEMPORARY ON DATABASE " + db + " TO PUBLIC",
		"GRANT EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea) TO PUBLIC",
		"GRANT CREATE ON SCHEMA public TO PUBLIC",
		"REVOKE CONNECT ON DATABASE " + db + " FROM " + p + "_enduser, " + p + "_stranger",
		"CREATE ROLE " + p + "_outsider LOGIN PASSWORD " + pw,
		"CREATE ROLE " + p + "_dovecot LOGIN PASSWORD " + pw,
		"GRANT SELECT ON resetdesk.passdb TO " + p + "_dovecot",
		"CREATE ROLE " + p + "_mailreaders NOLOGIN",
		"GRANT SELECT ON resetdesk.passdb TO " + p + "_mailreaders",
		"CREATE ROLE " + p + "_imap2 LOGIN PASSWORD " + pw + " IN ROLE " + p + "_mailreaders",
		"ALTER ROLE " + p + "_admin RESET ALL",
		"ALTER ROLE " + p + "_helpdesk SET statement_timeout = '5min'",
	} {
		o.Exec(t, q)
	}
	if !connects(t, o, p+"_outsider") {
		t.Fatal("the arranged database is not open to PUBLIC")
	}

	if res, err := o.Super.Setup(ctx, data.SetupOptions{}); err != nil || len(res.Advice) != 0 {
		t.Fatalf("setup again: advice %q, %v", res.Advice, err)
	}
	if connects(t, o, p+"_outsider") {
		t.Error("after setup a login in no ResetDesk group still connects")
	}
	for _, r := range []string{"dovecot", "imap2"} {
		var n int
		if err := asRole(t, pgtest.RoleURL(t, o.SuperURL, p+"_"+r, o.Password)).QueryRow(`SELECT count(*) FROM resetdesk.passdb`).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s reads the passdb: %d rows, %v", r, n, err)
		}
	}
	if connects(t, o, p+"_stranger") {
		t.Error("a login whose CONNECT the DBA revoked got it back")
	}
	ss, err := data.Open(ctx, o.EndUserURL)
	if err != nil {
		t.Fatalf("the self-service login after the upgrade: %v", err)
	}
	defer ss.Close()
	if _, err := ss.PasswordRules(ctx, "nobody@acme.test"); err != nil {
		t.Errorf("the self-service login after the upgrade: %v", err)
	}
	noParking(t, "enduser", o.EndUserURL)
	if s := session(t, o, p+"_admin", "statement_timeout"); s != "1min" {
		t.Errorf("an existing console login's statement_timeout after the upgrade: %s, want 1min", s)
	}
	if s := session(t, o, p+"_admin", "idle_in_transaction_session_timeout"); s != "30s" {
		t.Errorf("an existing console login's idle_in_transaction_session_timeout after the upgrade: %s, want 30s", s)
	}
	if s := session(t, o, p+"_helpdesk", "statement_timeout"); s != "5min" {
		t.Errorf("the DBA's own statement_timeout for a console login became %s", s)
	}
}
