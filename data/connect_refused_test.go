package data_test

import (
	"context"
	"strings"
	"testing"

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
