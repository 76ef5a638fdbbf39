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
