package data_test

import (
	"context"
	"database/sql"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// TestResetOptions checks what each option changes in the database.
func TestResetOptions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		opts app.ResetOptions
		// what the database should say afterwards
		liveWeb, liveMobile, liveTokens int
		locked, mustChange, hasHash     bool
		expires                         bool
		delivery                        app.DeliveryKind
	}{
		{"one-time, clear mobile, unlock", app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: true, Unlock: true},
			0, 0, 0, false, false, false, false, app.KindOneTimePassword},
		{"one-time, keep mobile, stay locked", app.ResetOptions{Mode: app.ModeOneTime},
			0, 1, 1, true, false, false, false, app.KindOneTimePassword},
		{"set, force change, not emailed", app.ResetOptions{Mode: app.ModeSetPassword, ForceChange: true, ClearMobileSessions: true},
			0, 0, 0, true, true, true, true, app.KindPasswordNotice},
		{"set, no force change, emailed", app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true, Unlock: true},
			0, 1, 1, false, false, true, false, app.KindPassword},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := pgtest.NewOrg(t)
			id := addUser(t, o, "alex@acme.test", "confirmed")
			o.Exec(t, `UPDATE resetdesk.users SET locked_until = now() + interval '1 hour', password_hash = $2 WHERE id = $1`, id, testHash)
			o.Exec(t, `INSERT INTO resetdesk.sessions (user_id, kind) VALUES ($1, 'web'), ($1, 'mobile')`, id)
			o.Exec(t, `INSERT INTO resetdesk.api_tokens (user_id, name, token_hash) VALUES ($1, 'imap', repeat('b', 64))`, id)
			b := app.ResetBatch{Options: c.opts, Targets: []app.ResetTarget{{UserID: id}}}
			if c.opts.Mode == app.ModeOneTime {
				b.Targets[0].CodeHash = app.HashCode("ABCDE-FGHJK")
			} else {
				b.Targets[0].PasswordHash = testHash
			}
			res, err := o.Owner.ApplyReset(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Outcome != app.OutcomeReset || res[0].Delivery.Kind != c.delivery || res[0].Delivery.To != "alex@acme.test" {
				t.Fatalf("result %+v", res[0])
			}
			var web, mobile, tokens int
			var locked, mustChange, hasHash, expires bool
			super := superDB(t, o)
			err = super.QueryRow(`
				SELECT (SELECT count(*) FROM resetdesk.sessions WHERE user_id = u.id AND kind = 'web' AND revoked_at IS NULL),
				       (SELECT count(*) FROM resetdesk.sessions WHERE user_id = u.id AND kind = 'mobile' AND revoked_at IS NULL),
				       (SELECT count(*) FROM resetdesk.api_tokens WHERE user_id = u.id AND revoked_at IS NULL),
				       locked_until IS NOT NULL, must_change_password, password_hash IS NOT NULL, password_expires_at IS NOT NULL
				  FROM resetdesk.users u WHERE id = $1`, id).Scan(&web, &mobile, &tokens, &locked, &mustChange, &hasHash, &expires)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{web, mobile, tokens, locked, mustChange, hasHash, expires}
			want := []any{c.liveWeb, c.liveMobile, c.liveTokens, c.locked, c.mustChange, c.hasHash, c.expires}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("web, mobile, tokens, locked, must change, hash, expires = %v, want %v", got, want)
				}
			}
			var audits int
			if err := super.QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password' AND target_user_id = $1 AND actor = $2`,
				id, o.Prefix+"_owner").Scan(&audits); err != nil || audits != 1 {
				t.Fatalf("%d audit rows by the owner, %v", audits, err)
			}
		})
	}
}

// TestUndeliverablePrimaryGetsNotice: a user whose primary address bounces is
// skipped, and a notice (no secret) is queued for the secondary address.
func TestUndeliverablePrimaryGetsNotice(t *testing.T) {
	o := pgtest.NewOrg(t)
	id := addUser(t, o, "bounce@acme.test", "confirmed")
	o.Exec(t, `UPDATE resetdesk.users SET primary_email_undeliverable = true, secondary_email = 'bounce@home.test' WHERE id = $1`, id)
	res, err := o.Admin.ApplyReset(context.Background(), otpBatch(id))
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.Outcome != app.OutcomeSkipped || r.Reason != app.SkipPrimaryUndeliverable ||
		r.Delivery.Kind != app.KindUndeliverableNotice || r.Delivery.To != "bounce@home.test" {
		t.Fatalf("got %+v", r)
	}
	var codes int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.one_time_passwords WHERE user_id = $1`, id).Scan(&codes); err != nil || codes != 0 {
		t.Fatalf("a skipped user got %d codes (%v)", codes, err)
	}
}

func superDB(t *testing.T, o *pgtest.Org) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestResetAuditSaysWhoWasUnlocked: with "Unlock the account" on for a
// batch, the audit says "unlocked" only for the users who had a lock (a
// lapsed one included: the passdb refuses the password until it is
// cleared), and the option alone still shows as 'unlock'.
func TestResetAuditSaysWhoWasUnlocked(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	locked := addUser(t, o, "locked@acme.test", "confirmed")
	lapsed := addUser(t, o, "lapsed@acme.test", "confirmed")
	free := addUser(t, o, "free@acme.test", "confirmed")
	o.Exec(t, `UPDATE resetdesk.users SET locked_until = now() + interval '1 hour' WHERE id = $1`, locked)
	o.Exec(t, `UPDATE resetdesk.users SET locked_until = now() - interval '1 hour' WHERE id = $1`, lapsed)

	reset := func(unlock bool, ids ...int64) {
		t.Helper()
		b := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeOneTime, Unlock: unlock}}
		for _, id := range ids {
			b.Targets = append(b.Targets, app.ResetTarget{UserID: id, CodeHash: app.HashCode("ABCDE-FGHJK")})
		}
		if _, err := o.Owner.ApplyReset(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	super := superDB(t, o)
	unlocked := func(id int64) (option, done bool) {
		t.Helper()
		err := super.QueryRow(`SELECT (details->>'unlock')::boolean, (details->>'unlocked')::boolean
			  FROM resetdesk.audit_events WHERE action = 'reset_password' AND target_user_id = $1
			 ORDER BY id DESC LIMIT 1`, id).Scan(&option, &done)
		if err != nil {
			t.Fatal(err)
		}
		return option, done
	}

	// Without the option a lock stays, and nobody is said to be unlocked.
	reset(false, locked)
	if option, done := unlocked(locked); option || done {
		t.Errorf("reset without unlock: unlock %v, unlocked %v, want false, false", option, done)
	}

	reset(true, locked, lapsed, free)
	for _, c := range []struct {
		name string
		id   int64
		want bool
	}{{"locked", locked, true}, {"lapsed lock", lapsed, true}, {"never locked", free, false}} {
		option, done := unlocked(c.id)
		if !option || done != c.want {
			t.Errorf("%s user: unlock %v, unlocked %v, want true, %v", c.name, option, done, c.want)
		}
	}
	var still int
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.users WHERE id IN ($1, $2, $3) AND locked_until IS NOT NULL`,
		locked, lapsed, free).Scan(&still); err != nil || still != 0 {
		t.Fatalf("%d users still locked after the reset, %v", still, err)
	}
}
