package data_test

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// asRole opens a plain connection as a console role, the way a tampered
// client would talk to the server.
func asRole(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func wantSQLState(t *testing.T, err error, code string) {
	t.Helper()
	var pqe *pq.Error
	if !errors.As(err, &pqe) || string(pqe.Code) != code {
		t.Fatalf("got error %v, want SQLSTATE %s", err, code)
	}
}

// TestTamperedClientIsRefused runs, as console roles, the statements a
// tampered client might send instead of calling the functions.
func TestTamperedClientIsRefused(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	for _, role := range []struct{ name, url string }{{"viewer", o.ViewerURL}, {"admin", o.AdminURL}, {"owner", o.OwnerURL}} {
		db := asRole(t, role.url)
		for _, q := range []string{
			`UPDATE resetdesk.users SET password_hash = NULL`,
			`UPDATE resetdesk.users SET role = 'owner' WHERE db_role = session_user`,
			`INSERT INTO resetdesk.users (org_id, primary_email) SELECT id, 'x@acme.test' FROM resetdesk.orgs`,
			`DELETE FROM resetdesk.audit_events`,
			`UPDATE resetdesk.orgs SET admins_may_set_passwords = true`,
			`INSERT INTO resetdesk.one_time_passwords (user_id, code_hash, expires_at, issued_by) VALUES (1, repeat('0', 64), now(), 'x')`,
			`UPDATE resetdesk.mail_deliveries SET status = 'sent'`,
			`SELECT password_hash FROM resetdesk.users`,
			`SELECT * FROM resetdesk.users`,
			`SELECT code_hash FROM resetdesk.one_time_passwords`,
			`SELECT token_hash FROM resetdesk.api_tokens`,
			`SELECT * FROM resetdesk.passdb`,
			`SELECT resetdesk.skip_reason(NULL, NULL, NULL, 'x', false)`,
		} {
			_, err := db.ExecContext(ctx, q)
			t.Run(role.name+"/"+q, func(t *testing.T) { wantSQLState(t, err, "42501") })
		}
	}
}

func TestResetNeedsPermission(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")

	// The viewer's role has no reset_password: the function itself refuses.
	_, err := o.Viewer.ApplyReset(ctx, otpBatch(id))
	if app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("viewer reset: got %v, want EUNAUTHORIZED", err)
	}
	db := asRole(t, o.ViewerURL)
	_, err = db.ExecContext(ctx, `SELECT * FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'one_time_password', ARRAY[NULL::text], ARRAY[repeat('a', 64)], false, false, true, true)`, id)
	wantSQLState(t, err, "42501")

	// Helpdesk may send one-time passwords but not set passwords.
	if _, err := o.Helpdesk.ApplyReset(ctx, otpBatch(id)); err != nil {
		t.Fatalf("helpdesk one-time reset: %v", err)
	}
	_, err = o.Helpdesk.ApplyReset(ctx, setBatch(id))
	if app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("helpdesk set password: got %v, want EUNAUTHORIZED", err)
	}
}

func TestSetPasswordFollowsOrgSwitch(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")

	_, err := o.Admin.ApplyReset(ctx, setBatch(id))
	if app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("admin set password with the switch off: got %v, want EUNAUTHORIZED", err)
	}
	if _, err := o.Owner.ApplyReset(ctx, setBatch(id)); err != nil {
		t.Fatalf("owner set password: %v", err)
	}
	_, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	org.AdminsMaySetPasswords = true
	if err := o.Admin.SetOrgPolicies(ctx, org); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("admin changes org policies: got %v, want EUNAUTHORIZED", err)
	}
	if err := o.Owner.SetOrgPolicies(ctx, org); err != nil {
		t.Fatal(err)
	}
	res, err := o.Admin.ApplyReset(ctx, setBatch(id))
	if err != nil || res[0].Outcome != app.OutcomeReset {
		t.Fatalf("admin set password with the switch on: %v %+v", err, res)
	}
}

// TestSkipReasonsAgree sets up one user per rule and checks that the
// database function skips exactly whom app.SkipReasonFor skips, for the
// same reason, in both modes and for each console role.
func TestSkipReasonsAgree(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	users := map[string]string{
		"ok":            `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, 'Ok', 'ok@acme.test', 'confirmed' FROM resetdesk.orgs`,
		"invited":       `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, 'Inv', 'inv@acme.test', 'invited' FROM resetdesk.orgs`,
		"deactivated":   `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, 'Dea', 'dea@acme.test', 'deactivated' FROM resetdesk.orgs`,
		"mobile":        `INSERT INTO resetdesk.users (org_id, display_name, mobile_number, primary_is_mobile, status) SELECT id, 'Mob', '+15550100', true, 'confirmed' FROM resetdesk.orgs`,
		"sso":           `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status, sso_managed) SELECT id, 'Sso', 'sso@acme.test', 'confirmed', true FROM resetdesk.orgs`,
		"undeliverable": `INSERT INTO resetdesk.users (org_id, display_name, primary_email, secondary_email, primary_email_undeliverable, status) SELECT id, 'Und', 'und@acme.test', 'und@home.test', true, 'confirmed' FROM resetdesk.orgs`,
		"noemail":       `INSERT INTO resetdesk.users (org_id, display_name, mobile_number, primary_is_mobile, status) SELECT id, 'Noe', '+15550101', false, 'confirmed' FROM resetdesk.orgs`,
		"locked":        `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status, locked_until) SELECT id, 'Loc', 'loc@acme.test', 'confirmed', now() + interval '1 hour' FROM resetdesk.orgs`,
	}
	for _, q := range users {
		o.Exec(t, q)
	}
	seen := map[app.SkipReason]bool{}
	for _, who := range []struct {
		name string
		dir  interface {
			Actor(context.Context) (app.Actor, app.Org, error)
			Users(context.Context, app.UserFilter) ([]app.User, error)
			ApplyReset(context.Context, app.ResetBatch) ([]app.AppliedReset, error)
		}
	}{{"owner", o.Owner}, {"admin", o.Admin}} {
		for _, opts := range []app.ResetOptions{
			{Mode: app.ModeOneTime, ClearMobileSessions: true},
			{Mode: app.ModeSetPassword, ForceChange: true},
			{Mode: app.ModeSetPassword, EmailPassword: true},
		} {
			actor, org, err := who.dir.Actor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, err := who.dir.Users(ctx, app.UserFilter{})
			if err != nil {
				t.Fatal(err)
			}
			b := app.ResetBatch{Options: opts}
			for _, u := range all {
				tg := app.ResetTarget{UserID: u.ID}
				if opts.Mode == app.ModeOneTime {
					tg.CodeHash = app.HashCode("ABCDE-FGHJK")
				} else {
					tg.PasswordHash = testHash
				}
				b.Targets = append(b.Targets, tg)
			}
			res, err := who.dir.ApplyReset(ctx, b)
			if err != nil {
				t.Fatalf("%s %s: %v", who.name, opts.Mode, err)
			}
			for i, r := range res {
				want := app.SkipReasonFor(actor, org, all[i], opts)
				if r.Reason != want || (want == "") != (r.Outcome == app.OutcomeReset) {
					t.Errorf("%s %+v, user %s: database says %s %q, app says %q", who.name, opts, all[i].Login(), r.Outcome, r.Reason, want)
				}
				seen[r.Reason] = true
			}
		}
	}
	for _, r := range app.SkipReasons {
		if !seen[r] {
			t.Errorf("skip reason %s never produced by the database", r)
		}
	}
}

func TestOwnerAndAdminsAreProtected(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for _, login := range []string{"owner@acme.test", "admin@acme.test", "help@acme.test"} {
		u, err := o.Owner.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		ids[login] = u.ID
	}
	cases := []struct {
		name string
		dir  interface {
			ApplyReset(context.Context, app.ResetBatch) ([]app.AppliedReset, error)
		}
		target string
		want   app.Outcome
	}{
		{"admin resets the owner", o.Admin, "owner@acme.test", app.OutcomeSkipped},
		{"owner resets themselves", o.Owner, "owner@acme.test", app.OutcomeSkipped},
		{"admin resets themselves", o.Admin, "admin@acme.test", app.OutcomeSkipped},
		{"helpdesk resets an admin", o.Helpdesk, "admin@acme.test", app.OutcomeSkipped},
		{"admin resets a helpdesk user", o.Admin, "help@acme.test", app.OutcomeSkipped},
		{"owner resets an admin", o.Owner, "admin@acme.test", app.OutcomeReset},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.dir.ApplyReset(ctx, otpBatch(ids[c.target]))
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Outcome != c.want || (c.want == app.OutcomeSkipped && res[0].Reason != app.SkipProtected) {
				t.Fatalf("got %s %q, want %s", res[0].Outcome, res[0].Reason, c.want)
			}
		})
	}
}

// testHash is a valid PHC argon2id string; what it hashes does not matter here.
var testHash = func() string {
	h, err := app.HashPassword("correct horse battery staple")
	if err != nil {
		panic(err)
	}
	return h
}()

func otpBatch(ids ...int64) app.ResetBatch {
	b := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: true}}
	for _, id := range ids {
		b.Targets = append(b.Targets, app.ResetTarget{UserID: id, CodeHash: app.HashCode("ABCDE-FGHJK")})
	}
	return b
}

func setBatch(ids ...int64) app.ResetBatch {
	b := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeSetPassword, ForceChange: true}}
	for _, id := range ids {
		b.Targets = append(b.Targets, app.ResetTarget{UserID: id, PasswordHash: testHash})
	}
	return b
}

// addUser inserts a member as the superuser and returns their zuid.
func addUser(t *testing.T, o *pgtest.Org, email, status string) int64 {
	t.Helper()
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, $1::text, $1::text, $2 FROM resetdesk.orgs`, email, status)
	u, err := o.Owner.UserByLogin(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestWrongAdminPasswordsLockResets: five wrong verifications in a row lock
// resets for that admin, in the database, and leave a trail in the audit log.
func TestWrongAdminPasswordsLockResets(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")
	if err := o.Admin.VerifyPassword(ctx, o.Password); err != nil {
		t.Fatalf("the right password: %v", err)
	}
	for i, want := range []string{
		"That is not your password (the one you signed in with as " + o.Prefix + "_admin).",
		"That is not your password (the one you signed in with as " + o.Prefix + "_admin).",
		"That is not your password (the one you signed in with as " + o.Prefix + "_admin). 2 tries left before resets lock for 15 minutes.",
		"That is not your password (the one you signed in with as " + o.Prefix + "_admin). 1 try left before resets lock for 15 minutes.",
		`^Resets are locked after 5 wrong passwords\. Try again after \d\d:\d\d [A-Z][A-Za-z0-9+-]*\.$`, // the zone named
	} {
		err := o.Admin.VerifyPassword(ctx, "wrong password")
		got := app.ErrorMessage(err)
		if ok := got == want || i == 4 && regexp.MustCompile(want).MatchString(got); !ok || app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %q, want %q", i+1, got, want)
		}
	}
	if err := o.Admin.VerifyPassword(ctx, o.Password); err == nil || !strings.Contains(app.ErrorMessage(err), "locked") {
		t.Fatalf("the right password while locked: %v", err)
	}
	// The lock is the database's: even a client that skips verification is refused.
	if _, err := o.Admin.ApplyReset(ctx, otpBatch(id)); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("reset while locked: %v", err)
	}
	// Other admins are not affected.
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(id)); err != nil {
		t.Fatalf("the owner's reset: %v", err)
	}
	var failures int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'verify_password' AND NOT (details->>'ok')::boolean AND actor = $1`,
		o.Prefix+"_admin").Scan(&failures); err != nil || failures != 5 {
		t.Fatalf("%d failed verifications audited, want 5 (%v)", failures, err)
	}
	// Fifteen minutes later the lock is gone.
	o.Exec(t, `UPDATE resetdesk.admin_verifications SET at = at - interval '16 minutes'`)
	if err := o.Admin.VerifyPassword(ctx, o.Password); err != nil {
		t.Fatalf("after the lock expired: %v", err)
	}
}

// TestCompletionCannotBeForged: a NULL or malformed code hash is refused, and
// a console role cannot redeem a code, not even one it chose itself; else
// reset_password alone would let it set any password.
func TestCompletionCannotBeForged(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "victim@acme.test", "confirmed")
	if _, err := o.Helpdesk.ApplyReset(ctx, otpBatch(id)); err != nil { // code ABCDE-FGHJK, chosen by helpdesk
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		url  string
		hash any
		want string
	}{
		{"NULL hash, any login", o.EndUserURL, nil, "22023"},
		{"not a SHA-256", o.EndUserURL, "ABCDE-FGHJK", "22023"},
		{"the helpdesk redeems its own code", o.HelpdeskURL, app.HashCode("ABCDE-FGHJK"), "42501"},
		{"the owner redeems it", o.OwnerURL, app.HashCode("ABCDE-FGHJK"), "42501"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := asRole(t, c.url).ExecContext(ctx, `SELECT resetdesk.self_service_try('complete_reset', 'victim@acme.test', $1, $2)`, c.hash, testHash)
			wantSQLState(t, err, c.want)
		})
	}
	var has bool
	if err := superDB(t, o).QueryRow(`SELECT password_hash IS NOT NULL FROM resetdesk.users WHERE id = $1`, id).Scan(&has); err != nil || has {
		t.Fatalf("a forged completion set a password (%v)", err)
	}
	// The user, with the code, still can.
	if s, err := o.EndUser.CompleteReset(ctx, "victim@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("the user's completion: %s %v", s, err)
	}
}

func TestResetRefusesNullMode(t *testing.T) {
	o := pgtest.NewOrg(t)
	id := addUser(t, o, "member@acme.test", "confirmed")
	_, err := asRole(t, o.HelpdeskURL).Exec(`SELECT * FROM resetdesk.reset_passwords(ARRAY[$1::bigint], NULL, ARRAY[NULL::text], ARRAY[NULL::text], false, false, true, true)`, id)
	wantSQLState(t, err, "22023")
}

// TestDeliveriesAreReportedByTheirSender: another admin cannot mark someone
// else's pending message as sent or put words in the server's mouth.
func TestDeliveriesAreReportedByTheirSender(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "member@acme.test", "confirmed")
	res, err := o.Admin.ApplyReset(ctx, otpBatch(id))
	if err != nil {
		t.Fatal(err)
	}
	d := res[0].Delivery
	d.Status, d.LastError = app.DeliveryFailed, "made up"
	if err := o.Helpdesk.RecordDeliveries(ctx, []app.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	ds, err := o.Admin.Deliveries(ctx, app.DeliveryFilter{UserID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliveryPending {
		t.Fatalf("after another admin's report: %+v %v", ds, err)
	}
}

// TestPolicyOutOfRange: the database refuses what the clients refuse
// before it, in a sentence.
func TestPolicyOutOfRange(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		set  func(*app.Org)
		want string
	}{
		{"min_password_length 5", func(o *app.Org) { o.MinPasswordLength = 5 }, "8 to 128 characters"},
		{"otp_ttl 2s", func(o *app.Org) { o.OTPTTL = 2 * time.Second }, "1 minute to 24 hours"},
		{"temp_password_ttl 91d", func(o *app.Org) { o.TempPasswordTTL = 91 * 24 * time.Hour }, "1 hour to 90 days"},
	} {
		_, org, err := o.Owner.Actor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.set(&org)
		if err := o.Owner.SetOrgPolicies(ctx, org); app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), c.want) {
			t.Errorf("%s: got %v (%q)", c.name, err, app.ErrorMessage(err))
		}
	}
}

// TestOrgsAreIsolated: an admin sees only their own org, whether the other
// org lives in the same database or in another one on the same server (the
// group roles are shared by the whole server).
func TestOrgsAreIsolated(t *testing.T) {
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	ctx := context.Background()
	// Another org in a's database, with a member and mail.
	a.Exec(t, `INSERT INTO resetdesk.orgs (name) VALUES ('Other Office')`)
	a.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT id, 'Secret Person', 'secret@other.test', 'confirmed' FROM resetdesk.orgs WHERE name = 'Other Office'`)
	a.Exec(t, `INSERT INTO resetdesk.sessions (user_id, kind) SELECT id, 'web' FROM resetdesk.users WHERE primary_email = 'secret@other.test'`)
	a.Exec(t, `INSERT INTO resetdesk.mail_deliveries (user_id, kind, to_address, created_by)
	           SELECT id, 'one_time_password', primary_email, 'someone_else' FROM resetdesk.users WHERE primary_email = 'secret@other.test'`)
	db := asRole(t, a.AdminURL)
	for _, q := range []string{
		`SELECT count(*) FROM resetdesk.users WHERE primary_email = 'secret@other.test'`,
		`SELECT count(*) FROM resetdesk.orgs WHERE name = 'Other Office'`,
		`SELECT count(*) FROM resetdesk.sessions s JOIN resetdesk.users u ON u.id = s.user_id`,
		`SELECT count(*) FROM resetdesk.mail_deliveries WHERE to_address = 'secret@other.test'`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows (%v), want 0", q, n, err)
		}
	}
	var own int
	if err := db.QueryRow(`SELECT count(*) FROM resetdesk.users`).Scan(&own); err != nil || own == 0 {
		t.Fatalf("the admin sees %d users of their own org (%v)", own, err)
	}

	// a's admin signs in to b's database: the role exists server-wide, but
	// CONNECT there is b's console logins' own (0039).
	other := asRole(t, pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_admin", a.Password))
	wantSQLState(t, other.PingContext(ctx), "42501")
	// Let in by the DBA, it still has nothing to see.
	b.Exec(t, `GRANT CONNECT ON DATABASE `+b.Prefix+`_db TO `+a.Prefix+`_admin`)
	for _, q := range []string{`SELECT count(*) FROM resetdesk.users`, `SELECT count(*) FROM resetdesk.audit_events`, `SELECT count(*) FROM resetdesk.orgs`} {
		var n int
		if err := other.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("in another office's database, %s: %d rows (%v), want 0", q, n, err)
		}
	}
	if _, err := other.ExecContext(ctx, `SELECT * FROM resetdesk.reset_passwords('{}', 'one_time_password', '{}', '{}', false, false, true, true)`); err == nil {
		t.Error("a's admin ran a reset in b's database")
	}
}
