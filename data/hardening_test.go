package data_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// The tests in this file attack the database as psql would, each as the role
// named, for the findings of issue 13 (security-and-deployments.md).

// TestResetReasonPolicyIsTheOwners: only the owner turns the policy on, it
// reads back, and a client that knows only the five older policies leaves it
// as it is.
func TestResetReasonPolicyIsTheOwners(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	_, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.RequireResetReason {
		t.Fatal("a new org requires a reason")
	}
	org.RequireResetReason = true
	if err := o.Admin.SetOrgPolicies(ctx, org); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("the admin sets it: %v", err)
	}
	if err := o.Owner.SetOrgPolicies(ctx, org); err != nil {
		t.Fatal(err)
	}
	if _, got, err := o.Admin.Actor(ctx); err != nil || !got.RequireResetReason {
		t.Fatalf("after the owner set it, the admin reads %+v (%v)", got, err)
	}
	owner := asRole(t, o.OwnerURL)
	if _, err := owner.Exec(`SELECT resetdesk.set_org_policies(false, '15 minutes', '72 hours', 15, false)`); err != nil {
		t.Fatalf("the five-policy call: %v", err)
	}
	if _, got, err := o.Owner.Actor(ctx); err != nil || !got.RequireResetReason {
		t.Fatalf("the five-policy call changed it: %+v (%v)", got, err)
	}
	var audited bool
	if err := superDB(t, o).QueryRow(`SELECT (details->>'require_reset_reason')::boolean FROM resetdesk.audit_events
		WHERE action = 'set_org_policies' ORDER BY id DESC LIMIT 1`).Scan(&audited); err != nil || !audited {
		t.Fatalf("the audit row: %v %v", audited, err)
	}
}

// setReauthWindow changes how fresh a connection must be to vouch for the
// admin's password; zero makes every connection, even a new one, too old.
func setReauthWindow(t *testing.T, o *pgtest.Org, window string) {
	t.Helper()
	o.Exec(t, `CREATE OR REPLACE FUNCTION resetdesk.reauth_window() RETURNS interval
		LANGUAGE sql STABLE AS $$ SELECT '`+window+`'::interval $$`)
}

const psqlReset = `SELECT * FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'one_time_password',
	ARRAY[NULL::text], ARRAY[repeat('a', 64)], false, false, true, true)`

// TestReauthIsTheDatabases (S6): an "ok" is the database's finding on a
// connection authenticated moments ago, never the client's word; a reset
// needs one; and a locked admin cannot end the lock, not even with the right
// password on a brand-new connection.
func TestReauthIsTheDatabases(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")

	// A session that is not fresh (the window is zero): the client's "ok"
	// is refused, and so is a reset with no verification.
	setReauthWindow(t, o, "0")
	psql := asRole(t, o.AdminURL)
	_, err := psql.ExecContext(ctx, `SELECT resetdesk.record_verification(true)`)
	wantSQLState(t, err, "42501")
	_, err = psql.ExecContext(ctx, psqlReset, id)
	wantSQLState(t, err, "42501")
	if _, err := o.Admin.ApplyReset(ctx, otpBatch(id)); app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), "Confirm your password") {
		t.Fatalf("the app's reset with no verification: %v", err)
	}

	// The app's verification signs in again; the database records it, and
	// one reset uses it up.
	setReauthWindow(t, o, "1 minute")
	if err := o.Admin.VerifyPassword(ctx, o.Password); err != nil {
		t.Fatalf("the right password: %v", err)
	}
	setReauthWindow(t, o, "0")
	if res, err := o.Admin.ApplyReset(ctx, otpBatch(id)); err != nil || res[0].Outcome != app.OutcomeReset {
		t.Fatalf("the reset after a verification: %+v %v", res, err)
	}
	if _, err := o.Admin.ApplyReset(ctx, otpBatch(id)); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a second reset on one verification: %v", err)
	}

	// Five failures lock; then neither the client's "ok" nor the right
	// password on a new connection ends the lock.
	setReauthWindow(t, o, "1 minute")
	for range 5 {
		if _, err := psql.ExecContext(ctx, `SELECT resetdesk.record_verification(false)`); err != nil {
			t.Fatal(err)
		}
	}
	fresh := asRole(t, o.AdminURL)
	var until sql.NullTime
	if err := fresh.QueryRowContext(ctx, `SELECT resetdesk.record_verification(true)`).Scan(&until); err != nil || !until.Valid {
		t.Fatalf("an ok on a fresh connection while locked: until %v, %v", until, err)
	}
	if err := psql.QueryRowContext(ctx, `SELECT resetdesk.my_verification_lock()`).Scan(&until); err != nil || !until.Valid {
		t.Fatalf("the lock after the ok: %v %v", until, err)
	}
	_, err = asRole(t, o.AdminURL).ExecContext(ctx, psqlReset, id)
	wantSQLState(t, err, "42501")
	if err := o.Admin.VerifyPassword(ctx, o.Password); app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), "locked") {
		t.Fatalf("the app's verification while locked: %v", err)
	}
	// Another admin is not locked.
	if _, err := asRole(t, o.OwnerURL).ExecContext(ctx, psqlReset, id); err != nil {
		t.Fatalf("the owner's reset on a fresh connection: %v", err)
	}
}

// TestResetRecordsHowTheUserWasVerified: with the policy on, a reset without
// how and why is refused, as psql would send it; with both it goes through
// and both are in the audit row. Bad values are refused with or without it.
func TestResetRecordsHowTheUserWasVerified(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")
	o.Exec(t, `UPDATE resetdesk.orgs SET require_reset_reason = true`)
	db := asRole(t, o.AdminURL)
	const withReason = `SELECT * FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'one_time_password',
		ARRAY[NULL::text], ARRAY[repeat('a', 64)], false, false, true, true, $2, $3)`
	_, err := db.ExecContext(ctx, psqlReset, id)
	wantSQLState(t, err, "22023")
	for _, c := range [][2]any{{"call_back", nil}, {nil, "asked by phone"}, {"carrier_pigeon", "x"}, {"ticket", "line one\r\nline two"},
		{"ticket", strings.Repeat("x", 501)}} {
		_, err := db.ExecContext(ctx, withReason, id, c[0], c[1])
		wantSQLState(t, err, "22023")
	}
	if _, err := db.ExecContext(ctx, withReason, id, "call_back", "locked out after the holidays"); err != nil {
		t.Fatal(err)
	}
	var by, why string
	if err := superDB(t, o).QueryRow(`SELECT details->>'verified_by', details->>'verification_reason' FROM resetdesk.audit_events
		WHERE action = 'reset_password' AND target_user_id = $1`, id).Scan(&by, &why); err != nil || by != "call_back" || why != "locked out after the holidays" {
		t.Fatalf("audit: %q %q %v", by, why, err)
	}
	// The app says the same before it asks.
	_, org, err := o.Admin.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := app.ResetOptions{Mode: app.ModeOneTime, VerifiedBy: app.VerifiedTicket, Reason: "HD-4411"}
	if err := app.CheckResetReason(org, opts); err != nil {
		t.Fatal(err)
	}
	b := otpBatch(id)
	b.Options = opts
	if _, err := o.Admin.ApplyReset(ctx, b); err != nil {
		t.Fatalf("the app's reset with a reason: %v", err)
	}
}

// TestUnknownIdsShareOneAuditRow (S7): 300 ids that name nobody write one
// audit row, not 300.
func TestUnknownIdsShareOneAuditRow(t *testing.T) {
	o := pgtest.NewOrg(t)
	db := asRole(t, o.AdminURL)
	_, err := db.Exec(`SELECT * FROM resetdesk.reset_passwords(ARRAY(SELECT g::bigint FROM generate_series(1, 300) g), 'one_time_password',
		array_fill(NULL::text, ARRAY[300]), array_fill(repeat('a', 64), ARRAY[300]), false, false, true, true)`)
	if err != nil {
		t.Fatal(err)
	}
	var rows, count int
	if err := superDB(t, o).QueryRow(`SELECT count(*), max((details->>'count')::int) FROM resetdesk.audit_events WHERE action = 'reset_password'`).Scan(&rows, &count); err != nil || rows != 1 || count != 300 {
		t.Fatalf("%d audit rows, count %d (%v); want one row counting 300", rows, count, err)
	}
}

// secondOrg adds another org to o's database with a confirmed admin, as a
// DBA would for a second office sharing the database, and returns the
// admin's URL.
func secondOrg(t *testing.T, o *pgtest.Org) string {
	t.Helper()
	role := o.Prefix + "_zed"
	o.Exec(t, `INSERT INTO resetdesk.orgs (name) VALUES ('Beta Office')`)
	o.Exec(t, `CREATE ROLE `+role+` LOGIN PASSWORD '`+o.Password+`' IN ROLE resetdesk_admin`)
	o.Exec(t, `GRANT CONNECT ON DATABASE `+o.Prefix+`_db TO `+role)
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status, role, db_role)
		SELECT id, 'Zed', 'zed@beta.test', 'confirmed', 'admin', $1 FROM resetdesk.orgs WHERE name = 'Beta Office'`, role)
	return pgtest.RoleURL(t, o.SuperURL, role, o.Password)
}

// TestOneLoginOneRow (S3): another org's admin cannot import an address
// that is already a login here, in any case; the app says why per row.
func TestOneLoginOneRow(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	zedURL := secondOrg(t, o)
	zed := asRole(t, zedURL)
	var id sql.NullInt64
	var reason sql.NullString
	err := zed.QueryRowContext(ctx, `SELECT user_id, reason FROM resetdesk.import_users('{1}', '{OWNER@Acme.test}', '{Olivia Lookalike}', '{""}', '{""}', '{confirmed}')`).Scan(&id, &reason)
	if err != nil || id.Valid || reason.String != "taken" {
		t.Fatalf("importing the owner's login into another org: id %v, reason %q, %v", id, reason.String, err)
	}
	var n int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.users WHERE primary_email = 'owner@acme.test'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows for the owner's login (%v)", n, err)
	}
	// Straight into the table (as the DBA): the index refuses too.
	_, err = superDB(t, o).Exec(`INSERT INTO resetdesk.users (org_id, primary_email, status) SELECT max(id), 'Admin@ACME.test', 'confirmed' FROM resetdesk.orgs`)
	wantSQLState(t, err, "23505")

	// Through the app: the row is left out with a sentence, the rest imported.
	zdb, err := data.Open(ctx, zedURL)
	if err != nil {
		t.Fatal(err)
	}
	defer zdb.Close()
	res, err := zdb.ImportUsers(ctx, []app.ImportRow{
		{Line: 2, Email: "help@acme.test", Name: "Hana Again", Status: app.StatusConfirmed},
		{Line: 3, Email: "new@beta.test", Name: "New", Status: app.StatusConfirmed},
		{Line: 4, Email: "zed@beta.test", Name: "Zed", Status: app.StatusConfirmed},
	})
	if err != nil || res.Imported != 1 || len(res.Rows) != 2 ||
		!strings.Contains(res.Rows[0].Message, "another organization") || !strings.Contains(res.Rows[1].Message, "already in the directory") {
		t.Fatalf("import: %+v %v", res, err)
	}
}

// TestStoredHashesAreOurs (S5): a cost bomb or a hash with other
// parameters is refused from every writer: a reset, a completion, the DBA.
func TestStoredHashesAreOurs(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "mia@acme.test", "confirmed")
	salt, key := "MDEyMzQ1Njc4OWFiY2RlZg", strings.Repeat("A", 43)
	for _, h := range []string{
		"$argon2id$v=19$m=8,t=9000000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=0,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "AAAA",
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
	} {
		_, err := asRole(t, o.OwnerURL).ExecContext(ctx, `SELECT * FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'set_password',
			ARRAY[$2], ARRAY[NULL::text], false, false, true, true)`, id, h)
		wantSQLState(t, err, "23514")
		_, err = superDB(t, o).Exec(`UPDATE resetdesk.users SET password_hash = $1 WHERE id = $2`, h, id)
		wantSQLState(t, err, "23514")
	}
	// The end user's completion too: a code first, then a bomb for a password.
	if _, err := asRole(t, o.OwnerURL).ExecContext(ctx, psqlReset, id); err != nil {
		t.Fatal(err)
	}
	_, err := asRole(t, o.EndUserURL).ExecContext(ctx, `SELECT resetdesk.self_service_try('complete_reset', 'mia@acme.test', repeat('a', 64), $1)`,
		"$argon2id$v=19$m=8,t=9000000,p=1$"+salt+"$"+key)
	// Refused by the function's own check (0019), before the table's,
	// whose detail would show the user's row to the self-service login.
	wantSQLState(t, err, "22023")
	if pqe := (*pq.Error)(nil); errors.As(err, &pqe) && strings.Contains(pqe.Detail, "mia@acme.test") {
		t.Errorf("the refusal shows the user's row: %s", pqe.Detail)
	}
	// Ours still go in, and the app names the rule.
	if _, err := o.Owner.ApplyReset(ctx, setBatch(id)); err != nil {
		t.Fatalf("a hash of ours: %v", err)
	}
	b := setBatch(id)
	b.Targets[0].PasswordHash = "$argon2id$v=19$m=8,t=9000000,p=1$" + salt + "$" + key
	if _, err := o.Owner.ApplyReset(ctx, b); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("the app's error for a foreign hash: %v", err)
	}
}

// TestImportLimitsInTheDatabase (S10): the row limit counts every array,
// and addresses and names are checked whoever calls.
func TestImportLimitsInTheDatabase(t *testing.T) {
	o := pgtest.NewOrg(t)
	db := asRole(t, o.AdminURL)
	_, err := db.Exec(`SELECT * FROM resetdesk.import_users(NULL, ARRAY(SELECT 'u' || g || '@acme.test' FROM generate_series(1, 1000) g),
		NULL, NULL, NULL, array_fill('confirmed'::text, ARRAY[1000]))`)
	wantSQLState(t, err, "22023")
	_, err = db.Exec(`SELECT * FROM resetdesk.import_users(ARRAY(SELECT g FROM generate_series(1, 301) g),
		ARRAY(SELECT 'u' || g || '@acme.test' FROM generate_series(1, 301) g), array_fill(''::text, ARRAY[301]),
		array_fill(''::text, ARRAY[301]), array_fill(''::text, ARRAY[301]), array_fill('confirmed'::text, ARRAY[301]))`)
	wantSQLState(t, err, "54000")
	for _, row := range [][2]string{
		{"crlf@acme.test\r\nBcc: attacker@evil.test", "Crlf"},
		{"a@acme.test, attacker@evil.test", "List"},
		{`"Spoof" <attacker@evil.test>`, "Spoof"},
		{"nodomain@", "No domain"},
		{strings.Repeat("a", 250) + "@acme.test", "Long"},
		{"name@acme.test", "Two\r\nlines"},
	} {
		_, err := db.Exec(`SELECT * FROM resetdesk.import_users('{2}', ARRAY[$1], ARRAY[$2], '{""}', '{""}', '{confirmed}')`, row[0], row[1])
		wantSQLState(t, err, "22023")
	}
	var n int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.users WHERE role = 'member'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d members after refused imports (%v)", n, err)
	}
}

// TestMailRowsAreBounded (S7, S9): a test message needs a permission and one
// sane address; a delivery report cannot store megabytes or absurd counts.
func TestMailRowsAreBounded(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	_, err := asRole(t, o.ViewerURL).ExecContext(ctx, `SELECT resetdesk.create_test_delivery('me@acme.test')`)
	wantSQLState(t, err, "42501")
	admin := asRole(t, o.AdminURL)
	for _, to := range []string{strings.Repeat("x", 5000000), "a@acme.test\r\nBcc: b@evil.test", "a@acme.test, b@evil.test"} {
		_, err := admin.ExecContext(ctx, `SELECT resetdesk.create_test_delivery($1)`, to)
		wantSQLState(t, err, "22023")
	}
	if _, err := o.Admin.CreateTestDelivery(ctx, "me@acme.test"); err != nil {
		t.Fatal(err)
	}

	id := addUser(t, o, "vic@acme.test", "confirmed")
	res, err := o.Admin.ApplyReset(ctx, otpBatch(id))
	if err != nil {
		t.Fatal(err)
	}
	did := res[0].Delivery.ID
	_, err = admin.ExecContext(ctx, `SELECT resetdesk.record_deliveries(ARRAY[$1::bigint], '{sent}', '{NULL}', '{2000000000}')`, did)
	wantSQLState(t, err, "22023")
	_, err = admin.ExecContext(ctx, `SELECT resetdesk.record_deliveries(ARRAY[$1::bigint], '{sent}', '{NULL}', '{1,1}')`, did)
	wantSQLState(t, err, "22023")
	if _, err := admin.ExecContext(ctx, `SELECT resetdesk.record_deliveries(ARRAY[$1::bigint], '{failed}', ARRAY[repeat('x', 5000000)], '{1}')`, did); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := superDB(t, o).QueryRow(`SELECT length(last_error) FROM resetdesk.mail_deliveries WHERE id = $1`, did).Scan(&n); err != nil || n > 1000 {
		t.Fatalf("stored %d characters of error (%v)", n, err)
	}
}

// TestCustomRolesStayInTheirOrg (D6): custom roles are read only by their
// own org, in this database or from another office's.
func TestCustomRolesStayInTheirOrg(t *testing.T) {
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	count := func(url string) int {
		var n int
		if err := asRole(t, url).QueryRow(`SELECT count(*) FROM resetdesk.roles`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(a.ViewerURL); n != 2 {
		t.Fatalf("a's viewer sees %d of its org's custom roles, want 2", n)
	}
	if n := count(secondOrg(t, a)); n != 0 {
		t.Fatalf("another org's admin sees %d custom roles", n)
	}
	// a's owner has no CONNECT on b's database (0039); let in by the DBA,
	// it sees nothing there either.
	b.Exec(t, `GRANT CONNECT ON DATABASE `+b.Prefix+`_db TO `+a.Prefix+`_owner`)
	if n := count(pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_owner", a.Password)); n != 0 {
		t.Fatalf("a's owner in b's database sees %d custom roles", n)
	}
}

// TestPassdbServesOnlyWhomItShould (R1, R2, R4, R7): lower-case logins, no
// hash for locked (even after the lock's time), deactivated or invited
// users, and a grant that reaches one database only.
func TestPassdbServesOnlyWhomItShould(t *testing.T) {
	o, other := pgtest.NewOrg(t), pgtest.NewOrg(t)
	reader := o.Prefix + "_dovecot"
	o.Exec(t, `CREATE ROLE `+reader+` LOGIN PASSWORD '`+o.Password+`'`)
	o.Exec(t, `GRANT CONNECT ON DATABASE `+o.Prefix+`_db TO `+reader) // as the README says
	o.Exec(t, `GRANT SELECT ON resetdesk.passdb TO `+reader)
	for login, state := range map[string]string{
		"Grace.Hopper@Acme.test": "",
		"locked@acme.test":       "locked_until = now() + interval '1 hour',",
		"lapsed@acme.test":       "locked_until = now() - interval '1 hour',",
		"gone@acme.test":         "status = 'deactivated',",
		"new@acme.test":          "status = 'invited',",
	} {
		o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, 'x', $1::text, 'confirmed' FROM resetdesk.orgs`, login)
		o.Exec(t, `UPDATE resetdesk.users SET `+state+` password_hash = $2 WHERE primary_email = $1`, login, testHash)
	}
	dovecot := asRole(t, pgtest.RoleURL(t, o.SuperURL, reader, o.Password))
	hash := func(login string) sql.NullString {
		var h sql.NullString
		if err := dovecot.QueryRow(`SELECT password_hash FROM resetdesk.passdb WHERE login = $1`, login).Scan(&h); err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		return h
	}
	if !hash("grace.hopper@acme.test").Valid {
		t.Error("a login with capitals is not found as Dovecot sends it (%Lu)")
	}
	for _, login := range []string{"locked@acme.test", "lapsed@acme.test", "gone@acme.test", "new@acme.test"} {
		if hash(login).Valid {
			t.Errorf("passdb serves a hash for %s", login)
		}
	}
	// The same login in another office's database: nothing.
	_, err := asRole(t, pgtest.RoleURL(t, other.SuperURL, reader, o.Password)).Exec(`SELECT 1 FROM resetdesk.passdb`)
	wantSQLState(t, err, "42501")
	// Nor through the old server-wide group.
	o.Exec(t, `GRANT resetdesk_passdb TO `+reader)
	_, err = asRole(t, pgtest.RoleURL(t, other.SuperURL, reader, o.Password)).Exec(`SELECT 1 FROM resetdesk.passdb`)
	wantSQLState(t, err, "42501")
	o.Exec(t, `REVOKE resetdesk_passdb FROM `+reader)
	// And no login can park data in temporary tables (S13).
	_, err = asRole(t, o.EndUserURL).Exec(`CREATE TEMP TABLE t (x int)`)
	wantSQLState(t, err, "42501")
}

// TestFreshSetupGrantsTheOldPassdbGroupNothing: a Dovecot login left in the
// old server-wide group resetdesk_passdb keeps its own grant in the databases
// it read before the upgrade (0016), but a database set up afterwards, for a
// new office, gives it nothing (0033).
func TestFreshSetupGrantsTheOldPassdbGroupNothing(t *testing.T) {
	o := pgtest.NewOrg(t)
	reader := o.Prefix + "_olddovecot"
	o.Exec(t, `CREATE ROLE `+reader+` LOGIN`)
	o.Exec(t, `GRANT resetdesk_passdb TO `+reader)
	// Revoked before the roles are dropped: another test's setup running now
	// would otherwise grant it something in a database we cannot clean.
	t.Cleanup(func() { o.Exec(t, `REVOKE resetdesk_passdb FROM `+reader) })
	fresh := pgtest.NewOrg(t)
	super := asRole(t, fresh.SuperURL)
	var can bool
	if err := super.QueryRow(`SELECT has_table_privilege($1, 'resetdesk.passdb', 'SELECT')`, reader).Scan(&can); err != nil {
		t.Fatal(err)
	}
	if can {
		t.Error("a new office's passdb is readable by a Dovecot login still in the old group resetdesk_passdb")
	}
	var announced int
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'grant_passdb'`).Scan(&announced); err != nil {
		t.Fatal(err)
	}
	if announced != 0 {
		t.Errorf("the new office's audit announces %d passdb grants that were taken back", announced)
	}
}

// TestNoLoginStallsAReset (S4): a self-service login that holds a
// transaction open around complete_reset holds nothing a reset needs
// (0025): the admin's reset of that user goes through at once. Another
// admin's reset of the user left open delays it by seconds, not forever,
// and the admin reads why.
func TestNoLoginStallsAReset(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "vic@acme.test", "confirmed")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(id)); err != nil {
		t.Fatal(err)
	}
	holder, err := asRole(t, o.EndUserURL).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	answerIn(t, holder, tryAt(t, o.EndUserURL, "complete_reset", "vic@acme.test", strings.Repeat("0", 64)))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := o.Admin.ApplyReset(ctx, otpBatch(id)); err != nil {
		t.Fatalf("the admin's reset while a self-service login holds a transaction: %v", err)
	}
	holder.Rollback()

	other, err := asRole(t, o.OwnerURL).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `SELECT 1 FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'one_time_password',
	        ARRAY[NULL::text], ARRAY[repeat('0', 64)], false, false, false, false)`, id); err != nil {
		t.Fatal(err)
	}
	_, err = o.Admin.ApplyReset(ctx, otpBatch(id))
	if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "Another session is holding") {
		t.Fatalf("the admin's reset while the owner's holds the user: %v (%s)", err, app.ErrorMessage(err))
	}
	other.Rollback()
	if _, err := o.Admin.ApplyReset(context.Background(), otpBatch(id)); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
}

// TestReauthByProof: the app proves the typed password to the database
// against a one-time challenge (no new connection, so it works behind a
// pooler). A forged proof is a failure the database counts itself; a
// challenge serves once, for a minute, for the role it was issued to.
// Without the superuser's verifier reader, the app falls back to signing
// in again.
func TestReauthByProof(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")
	setReauthWindow(t, o, "0") // no connection counts as fresh: only a proof helps
	failures := func() int {
		var n int
		if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.admin_verifications WHERE NOT ok AND db_role = $1`, o.Prefix+"_admin").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := o.Admin.VerifyPassword(ctx, "wrong password"); app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), "not your password") {
		t.Fatalf("a wrong password: %v", err)
	}
	if n := failures(); n != 1 {
		t.Fatalf("%d failures recorded, want 1", n)
	}
	if err := o.Admin.VerifyPassword(ctx, o.Password); err != nil {
		t.Fatalf("the right password: %v", err)
	}
	if _, err := o.Admin.ApplyReset(ctx, otpBatch(id)); err != nil {
		t.Fatalf("the reset after a proof: %v", err)
	}

	psql := asRole(t, o.AdminURL)
	challenge := func(db *sql.DB) string {
		var nonce string
		if err := db.QueryRow(`SELECT nonce FROM resetdesk.begin_verification()`).Scan(&nonce); err != nil {
			t.Fatal(err)
		}
		return nonce
	}
	forged := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	nonce := challenge(psql)
	var ok bool
	if err := psql.QueryRow(`SELECT ok FROM resetdesk.finish_verification($1, $2)`, nonce, forged).Scan(&ok); err != nil || ok {
		t.Fatalf("a forged proof: ok %v, %v", ok, err)
	}
	if n := failures(); n != 2 {
		t.Fatalf("%d failures recorded after a forged proof, want 2", n)
	}
	_, err := psql.Exec(`SELECT * FROM resetdesk.finish_verification($1, $2)`, nonce, forged)
	wantSQLState(t, err, "42501") // used
	_, err = asRole(t, o.HelpdeskURL).Exec(`SELECT * FROM resetdesk.finish_verification($1, $2)`, challenge(psql), forged)
	wantSQLState(t, err, "42501") // another role's
	nonce = challenge(psql)
	o.Exec(t, `UPDATE resetdesk.reauth_challenges SET created_at = created_at - interval '2 minutes' WHERE nonce = $1`, nonce)
	_, err = psql.Exec(`SELECT * FROM resetdesk.finish_verification($1, $2)`, nonce, forged)
	wantSQLState(t, err, "42501") // expired

	// A hosted server where setup could not create the reader: the app
	// signs in again instead, and the database judges that connection.
	o.Exec(t, `DROP FUNCTION resetdesk.scram_verifier()`)
	setReauthWindow(t, o, "1 minute")
	if err := o.Admin.VerifyPassword(ctx, o.Password); err != nil {
		t.Fatalf("the right password, signing in again: %v", err)
	}
	if err := o.Admin.VerifyPassword(ctx, "wrong password"); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("a wrong password, signing in again: %v", err)
	}
	if n := failures(); n != 3 {
		t.Fatalf("%d failures recorded, want 3", n)
	}
}
