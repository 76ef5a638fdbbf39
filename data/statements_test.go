package data_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// TestBulkResetStatementCount counts, with pg_stat_statements tracking nested
// statements, what the server runs for a reset of 1 user and of 300: the
// same number of statements, because the function works on arrays. Nested
// statements run as resetdesk_definer (SECURITY DEFINER), so both roles count.
// Left out: PostgreSQL's own foreign-key checks, which its triggers run per
// inserted row (SELECT 1 FROM ONLY ... FOR KEY SHARE); they are index probes
// inside our statements, not statements we send or write.
func TestBulkResetStatementCount(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	super, err := sql.Open("postgres", o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	var loaded string
	if err := super.QueryRow(`SELECT current_setting('shared_preload_libraries')`).Scan(&loaded); err != nil {
		t.Fatal(err)
	}
	if _, err := super.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil || loaded == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("pg_stat_statements is not loaded (%q, %v): scripts/test-postgres loads it", loaded, err)
		}
		t.Skipf("pg_stat_statements is not loaded (%q); restart the test cluster with scripts/test-postgres", loaded)
	}
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'User ' || i, 'user' || i || '@acme.test', 'confirmed'
	             FROM generate_series(1, 300) i`)
	users, err := o.Owner.Users(ctx, app.UserFilter{Search: "user"})
	if err != nil || len(users) != 300 {
		t.Fatalf("%d users: %v", len(users), err)
	}
	count := func(n int) (statements, calls int64) {
		t.Helper()
		if _, err := super.Exec(`SELECT pg_stat_statements_reset()`); err != nil {
			t.Fatal(err)
		}
		b := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: true}}
		for _, u := range users[:n] {
			b.Targets = append(b.Targets, app.ResetTarget{UserID: u.ID, CodeHash: app.HashCode("ABCDE-FGHJK")})
		}
		if _, err := o.Owner.ApplyReset(ctx, b); err != nil {
			t.Fatal(err)
		}
		const q = `
			SELECT count(*), coalesce(sum(calls), 0) FROM pg_stat_statements s
			 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			   AND s.userid IN (SELECT oid FROM pg_roles WHERE rolname IN ($1, 'resetdesk_definer'))
			   AND s.query NOT LIKE 'SELECT 1 FROM ONLY %FOR KEY SHARE OF x'`
		if err := super.QueryRow(q, o.Prefix+"_owner").Scan(&statements, &calls); err != nil {
			t.Fatal(err)
		}
		return statements, calls
	}
	count(1) // the first call in a session also runs one-time lookups; warm up
	s1, c1 := count(1)
	_, c300 := count(300)
	t.Logf("statements executed: %d for 1 user, %d for 300 users", c1, c300)
	if c1 < 5 || s1 < 5 {
		t.Fatalf("only %d statements counted for one user: nested tracking is not on", c1)
	}
	if c300 != c1 {
		rows, _ := super.Query(`SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements
			WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC LIMIT 14`)
		for rows != nil && rows.Next() {
			var c int64
			var q string
			rows.Scan(&c, &q)
			t.Logf("%6d  %s", c, q)
		}
		t.Fatalf("a reset of 300 users ran %d statements, of 1 user %d: the count must not grow", c300, c1)
	}
}
