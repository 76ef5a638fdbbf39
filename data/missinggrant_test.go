package data_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
	"resetdesk/data/pgtest"
)

// On a server where resetdesk_definer has lost pg_read_all_stats (on a
// hosted server, the DBA who granted it was removed), a reset on a fresh
// connection, and the check of an admin's password by signing in again,
// say which grant is missing and who can put it back, not "Confirm your
// password first"; the cause goes to the log. Granted again, resets work.
// Grants to roles are the whole server's, so the test revokes it on a
// private server, never on the one other tests share.
func TestResetSaysTheGrantIsMissing(t *testing.T) {
	ctx := context.Background()
	c, err := localpg.Start(ctx, filepath.Join(pgtest.ClusterDir(t, "grant-pg"), "pg"))
	if err != nil {
		t.Fatalf("a private PostgreSQL: %v (%s)", err, app.ErrorMessage(err))
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	super, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	exec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(super, `CREATE DATABASE grantdir`)
	superDir := strings.Replace(c.SuperURL(), "/postgres?", "/grantdir?", 1)
	sa, err := data.OpenAdmin(ctx, superDir)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	const password = "Grant-Owner-Pass-1234"
	if _, err := sa.Setup(ctx, data.SetupOptions{OrgName: "Grant Office", OwnerEmail: "owner@grant.test", OwnerName: "Olivia Owner",
		OwnerRole: "grant_owner", OwnerPassword: password}); err != nil {
		t.Fatal(err)
	}
	dirDB, err := sql.Open("postgres", superDir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirDB.Close()
	owner := url.URL{Scheme: "postgres", User: url.UserPassword("grant_owner", password),
		Host: "127.0.0.1:" + strconv.Itoa(c.Port()), Path: "/grantdir", RawQuery: "sslmode=disable"}
	signIn := func() *data.DB {
		t.Helper()
		db, err := data.Open(ctx, owner.String())
		if err != nil {
			t.Fatalf("%v (%s)", err, app.ErrorMessage(err))
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := signIn()
	if _, err := db.ImportUsers(ctx, []app.ImportRow{{Line: 2, Email: "vic@grant.test", Name: "Vic", Status: app.StatusConfirmed}}); err != nil {
		t.Fatal(err)
	}
	vic, err := db.UserByLogin(ctx, "vic@grant.test")
	if err != nil {
		t.Fatal(err)
	}
	reset := func(db *data.DB) error {
		t.Helper()
		res, err := db.ApplyReset(ctx, otpBatch(vic.ID))
		if err == nil && (len(res) != 1 || res[0].Outcome != app.OutcomeReset) {
			t.Fatalf("reset: %+v", res)
		}
		return err
	}
	if err := reset(db); err != nil {
		t.Fatalf("a reset on a fresh connection, with the grant: %v", err)
	}

	var logged []error
	app.SetInternalLog(func(cause error) string { logged = append(logged, cause); return "the test's log" })
	t.Cleanup(func() { app.SetInternalLog(nil) })
	saysTheGrant := func(what string, err error) {
		t.Helper()
		want := "The database is missing a grant that resets need, so no reset can be confirmed. " +
			"Ask whoever looks after the database to run `resetdesk setup` again, " +
			"or to run this as a superuser: GRANT pg_read_all_stats TO resetdesk_definer; " +
			"What went wrong is written in the test's log, for whoever supports ResetDesk."
		logged = nil
		if got := app.ErrorMessage(err); got != want {
			t.Fatalf("%s: %q (%v), want %q", what, got, err, want)
		}
		var pqe *pq.Error
		if len(logged) != 1 || !errors.As(logged[0], &pqe) || pqe.Code != "42501" ||
			!strings.Contains(logged[0].Error(), "resetdesk_definer lacks the privileges of pg_read_all_stats") {
			t.Fatalf("%s: logged %v", what, logged)
		}
	}

	exec(super, `REVOKE pg_read_all_stats FROM resetdesk_definer`)
	saysTheGrant("a reset on a fresh connection", reset(signIn()))

	// A hosted server's DBA cannot let the database read SCRAM verifiers:
	// the password is checked by signing in again, which needs the grant too.
	exec(dirDB, `DROP FUNCTION resetdesk.scram_verifier()`)
	saysTheGrant("the check of the password", signIn().VerifyPassword(ctx, password))

	// A wrong password is still a wrong password.
	if err := signIn().VerifyPassword(ctx, "Not-The-Password-1"); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a wrong password without the grant: %v (%s)", err, app.ErrorMessage(err))
	}

	exec(super, `GRANT pg_read_all_stats TO resetdesk_definer`)
	if err := reset(signIn()); err != nil {
		t.Fatalf("a reset once granted again: %v (%s)", err, app.ErrorMessage(err))
	}
	db = signIn()
	if err := db.VerifyPassword(ctx, password); err != nil {
		t.Fatalf("the check of the password once granted again: %v (%s)", err, app.ErrorMessage(err))
	}
}
