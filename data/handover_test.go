package data_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// setForHandOver has dir's role reset the user id with the hand-over's
// options and returns the temporary password, which only this process saw.
func setForHandOver(t *testing.T, dir *data.DB, id int64) (app.User, string) {
	t.Helper()
	ctx := context.Background()
	actor, org, err := dir.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := dir.Users(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var u app.User
	for _, x := range users {
		if x.ID == id {
			u = x
		}
	}
	r := &app.Resetter{Dir: dir}
	res, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u}, Options: app.HandOverMode(app.DefaultResetOptions())})
	if err != nil || len(res) != 1 || res[0].Password == "" {
		t.Fatalf("reset for a hand-over: %+v %v", res, err)
	}
	return u, res[0].Password
}

// TestHandOver: the user types their own password on the admin's device
// after the admin's set-password reset. The database allows it only to the
// role that made that reset, with the set-password rules, once, and says so
// in the audit; a self-service login may not call it at all.
func TestHandOver(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	org := app.Org{MinPasswordLength: 15}
	o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	id := addUser(t, o, "victoria@acme.test", "confirmed")
	u, temp := setForHandOver(t, o.Owner, id)
	const mine = "Violet-harbour-morning-tide"

	// Another admin, even one who may set passwords, holds no ticket.
	if s, err := app.HandOver(ctx, o.Admin, org, u, temp, mine, mine); err != nil || s != app.CompletionInvalid {
		t.Errorf("another admin: %s %v", s, err)
	}
	// A role without set_password is refused outright.
	if _, err := app.HandOver(ctx, o.Helpdesk, org, u, temp, mine, mine); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("helpdesk: %v", err)
	}
	// The self-service login is not a console role.
	if _, err := o.EndUser.HandOverPassword(ctx, id, app.ChangeProof(u.PrimaryEmail, temp), testHash); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("self-service login: %v", err)
	}
	// A proof of another password is not the ticket.
	if s, err := app.HandOver(ctx, o.Owner, org, u, temp+"x", mine, mine); err != nil || s != app.CompletionInvalid {
		t.Errorf("wrong temporary password: %s %v", s, err)
	}
	// Bad input never reaches the database.
	if _, err := app.HandOver(ctx, o.Owner, org, u, temp, mine, mine+"!"); app.ErrorMessage(err) != "The two new passwords differ: type the same password twice." {
		t.Errorf("entries differ: %v", err)
	}
	if _, err := app.HandOver(ctx, o.Owner, org, u, temp, "Victoria-harbour-morning", "Victoria-harbour-morning"); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("the login in it: %v", err)
	}

	if s, err := app.HandOver(ctx, o.Owner, org, u, temp, mine, mine); err != nil || s != app.CompletionOK {
		t.Fatalf("the owner's own reset: %s %v", s, err)
	}
	var hash string
	var mustChange, expires bool
	super := superDB(t, o)
	if err := super.QueryRow(`SELECT password_hash, must_change_password, password_expires_at IS NOT NULL FROM resetdesk.users WHERE id = $1`, id).
		Scan(&hash, &mustChange, &expires); err != nil {
		t.Fatal(err)
	}
	if ok, _ := app.VerifyPassword(hash, mine); !ok || mustChange || expires {
		t.Errorf("after the hand-over: works %v, must change %v, expires %v", ok, mustChange, expires)
	}
	// Once only: the ticket went with the temporary password.
	if s, err := app.HandOver(ctx, o.Owner, org, u, temp, mine+"2", mine+"2"); err != nil || s != app.CompletionInvalid {
		t.Errorf("a second hand-over: %s %v", s, err)
	}
	var typedBy sql.NullString
	if err := super.QueryRow(`SELECT details->>'typed_by' FROM resetdesk.audit_events WHERE action = 'hand_over' AND target_user_id = $1 AND details->>'outcome' = 'ok'`, id).
		Scan(&typedBy); err != nil || typedBy.String != "user" {
		t.Errorf("audit: %v %v", typedBy, err)
	}

	// With the owner's switch off, an admin's own reset cannot be handed
	// over either: it sets a password.
	id2 := addUser(t, o, "wes@acme.test", "confirmed")
	u2, temp2 := setForHandOver(t, o.Admin, id2)
	o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = false`)
	if _, err := app.HandOver(ctx, o.Admin, org, u2, temp2, mine, mine); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("admin with the switch off: %v", err)
	}
	o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	if s, err := app.HandOver(ctx, o.Admin, org, u2, temp2, mine, mine); err != nil || s != app.CompletionOK {
		t.Errorf("admin with the switch on: %s %v", s, err)
	}
}

// TestHandOverFollowsWhoMayBeReset: a hand-over is a set-password reset
// finished later, so a user who became a console user (or was deactivated)
// after the reset is refused, and the change ticket died with that change.
func TestHandOverFollowsWhoMayBeReset(t *testing.T) {
	ctx := context.Background()
	o := pgtest.NewOrg(t)
	org := app.Org{MinPasswordLength: 15}
	o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	const mine = "Violet-harbour-morning-tide"

	id := addUser(t, o, "xavier@acme.test", "confirmed")
	u, temp := setForHandOver(t, o.Admin, id)
	o.Exec(t, `UPDATE resetdesk.users SET status = 'deactivated' WHERE id = `+strconv.FormatInt(id, 10))
	if _, err := app.HandOver(ctx, o.Admin, org, u, temp, mine, mine); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("deactivated since the reset: %v", err)
	}
	super := superDB(t, o)
	var tickets int
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.change_tickets WHERE user_id = $1`, id).Scan(&tickets); err != nil || tickets != 0 {
		t.Errorf("change tickets left after the status changed: %d %v", tickets, err)
	}
}

// TestEndUserHashCostIsOurs: an end user holding a valid code cannot store
// a hash with another cost; the refusal is a sentence about the hash, not
// the table's check with the user's row in its detail.
func TestEndUserHashCostIsOurs(t *testing.T) {
	o := pgtest.NewOrg(t)
	super := superDB(t, o)
	for _, h := range []string{
		"$argon2id$v=19$m=8,t=9000000,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA",
	} {
		var ok bool
		if err := super.QueryRow(`SELECT resetdesk.valid_phc($1)`, h).Scan(&ok); err != nil || ok {
			t.Errorf("valid_phc(%s) = %v %v", h, ok, err)
		}
	}
	var ok bool
	if err := super.QueryRow(`SELECT resetdesk.valid_phc($1)`, testHash).Scan(&ok); err != nil || !ok {
		t.Errorf("valid_phc of our own hash = %v %v", ok, err)
	}
}

// TestConsoleFunctionsGiveUpOnLocks: every console function that takes row
// locks has a lock_timeout, so no login's open transaction stalls it.
func TestConsoleFunctionsGiveUpOnLocks(t *testing.T) {
	o := pgtest.NewOrg(t)
	super := superDB(t, o)
	rows, err := super.Query(`
		SELECT p.proname
		  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'resetdesk' AND p.prosecdef
		   AND p.proname IN ('set_org_policies', 'add_console_user', 'save_custom_role', 'set_console_role',
		                     'disable_console_user', 'remove_console_user', 'add_self_service_login',
		                     'hand_over_password', 'reset_passwords', 'import_users', 'self_service_try', 'self_service_answer')
		   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'lock_timeout=%')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s has no lock_timeout", name)
	}
}
