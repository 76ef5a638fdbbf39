package data_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// addMember adds a confirmed member and returns them as the console sees them.
func addMember(t *testing.T, o *pgtest.Org, email, name string) app.User {
	t.Helper()
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT min(id), $2, $1, 'confirmed' FROM resetdesk.orgs`, email, name)
	u, err := o.Owner.UserByLogin(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// setTemporary has the owner set pw as u's password, to be changed, as the
// app's Resetter does (which adds the change ticket).
func setTemporary(t *testing.T, o *pgtest.Org, u app.User, pw string) {
	t.Helper()
	ctx := context.Background()
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &app.Resetter{Dir: o.Owner}
	res, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u},
		Options: app.ResetOptions{Mode: app.ModeSetPassword, Password: pw, ForceChange: true}})
	if err != nil || res[0].Outcome != app.OutcomeReset {
		t.Fatalf("set a temporary password: %+v %v", res, err)
	}
}

// rawDB opens url with database/sql, to look at rows or act as psql would.
func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func storedHash(t *testing.T, o *pgtest.Org, id int64) (hash string, mustChange bool, expires sql.NullTime) {
	t.Helper()
	var h sql.NullString
	row := rawDB(t, o.SuperURL).QueryRow(`SELECT password_hash, must_change_password, password_expires_at FROM resetdesk.users WHERE id = $1`, id)
	if err := row.Scan(&h, &mustChange, &expires); err != nil {
		t.Fatal(err)
	}
	return h.String, mustChange, expires
}

// TestSelfServiceOnlyForItsGroup: the end user's functions answer a
// registered self-service login and refuse console roles, a plain login, and
// a member of the group that this database did not register.
func TestSelfServiceOnlyForItsGroup(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	addMember(t, o, "vic@acme.test", "Vic Member")
	if err := o.Super.ExecRaw(ctx, "CREATE ROLE "+o.Prefix+"_unregistered LOGIN PASSWORD "+pq.QuoteLiteral(o.Password)+" IN ROLE resetdesk_self_service"); err != nil {
		t.Fatal(err)
	}
	// Another office's kiosk, say, that this DBA let connect for something else.
	if err := o.Super.ExecRaw(ctx, "GRANT CONNECT ON DATABASE "+o.Prefix+"_db TO "+o.Prefix+"_unregistered"); err != nil {
		t.Fatal(err)
	}
	unregistered, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_unregistered", o.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer unregistered.Close()
	for name, db := range map[string]*data.DB{"owner": o.Owner, "admin": o.Admin, "helpdesk": o.Helpdesk,
		"stranger": o.Stranger, "unregistered": unregistered} {
		if _, err := db.PasswordRules(ctx, "vic@acme.test"); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("%s read the rules: %v", name, err)
		}
		if s, err := db.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("%s completed a reset: %s %v", name, s, err)
		}
		if s, err := db.ChangePassword(ctx, "vic@acme.test", app.ChangeProof("vic@acme.test", "x"), testHash); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("%s changed a password: %s %v", name, s, err)
		}
	}
	if _, err := o.EndUser.PasswordRules(ctx, "vic@acme.test"); err != nil {
		t.Fatalf("the self-service login: %v", err)
	}
	if err := o.Super.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: o.Prefix + "_enduser", Password: o.Password}); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("adding an existing login: %v", err)
	}
}

// TestChangeTemporaryPassword: the user replaces a temporary password with
// their own; it then never expires, needs no change, and the temporary one
// is gone. Wrong, expired and reused temporary passwords change nothing.
func TestChangeTemporaryPassword(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	u := addMember(t, o, "Grace.Hopper@Acme.test", "Grace Hopper")
	temp := "brisk-walrus-juggles-7-plums"
	setTemporary(t, o, u, temp)
	req := app.SelfServiceRequest{Login: "grace.hopper@acme.test", Secret: "not-the-temporary-one", NewPassword: "my-own-quiet-harbour-lamp", Again: "my-own-quiet-harbour-lamp"}
	if s, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); err != nil || s != app.CompletionInvalid {
		t.Fatalf("wrong temporary password: %s %v", s, err)
	}
	req.Secret = temp
	req.Again = "my-own-quiet-harbour-lamp!"
	if _, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("two entries that differ: %v", err)
	}
	req.NewPassword, req.Again = "grace.hopper-is-my-name", "grace.hopper-is-my-name"
	if _, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("a password with the login in it: %v", err)
	}
	h, must, _ := storedHash(t, o, u.ID)
	if ok, _ := app.VerifyPassword(h, temp); !ok || !must {
		t.Fatal("a refused change touched the temporary password")
	}
	req.NewPassword, req.Again = "my-own-quiet-harbour-lamp", "my-own-quiet-harbour-lamp"
	if s, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); err != nil || s != app.CompletionOK {
		t.Fatalf("the right temporary password: %s %v", s, err)
	}
	h, must, expires := storedHash(t, o, u.ID)
	if ok, _ := app.VerifyPassword(h, req.NewPassword); !ok || must || expires.Valid {
		t.Fatalf("after the change: verifies %v, must change %v, expires %v", ok, must, expires)
	}
	req.NewPassword, req.Again = "another-harbour-lamp-lit", "another-harbour-lamp-lit"
	if s, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); err != nil || s != app.CompletionInvalid {
		t.Fatalf("the temporary password a second time: %s %v", s, err)
	}

	// Expired: the right temporary password says so; nothing changes.
	setTemporary(t, o, u, temp)
	o.Exec(t, `UPDATE resetdesk.users SET password_expires_at = now() - interval '1 second' WHERE id = $1`, u.ID)
	if s, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); err != nil || s != app.CompletionExpired {
		t.Fatalf("an expired temporary password: %s %v", s, err)
	}
	// A one-time reset afterwards leaves no ticket behind.
	setTemporary(t, o, u, temp)
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(u.ID)); err != nil {
		t.Fatal(err)
	}
	var tickets int
	if err := rawDB(t, o.SuperURL).QueryRow(`SELECT count(*) FROM resetdesk.change_tickets`).Scan(&tickets); err != nil || tickets != 0 {
		t.Fatalf("%d tickets after a one-time reset: %v", tickets, err)
	}
}

// TestChangeTicketsNeedTheirReset: a console user cannot plant a ticket
// without setting that user's password in the same statement.
func TestChangeTicketsNeedTheirReset(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	u := addMember(t, o, "mia@acme.test", "Mia")
	ticket := app.ChangeTicket(app.ChangeProof("mia@acme.test", "chosen-by-the-helpdesk"))
	if _, err := rawDB(t, o.HelpdeskURL).Exec(`SELECT resetdesk.with_change_tickets($1, $2)`, pq.Int64Array{u.ID}, pq.StringArray{ticket}); err != nil {
		t.Fatal(err)
	}
	b := otpBatch(u.ID)
	b.Targets[0].ChangeTicket = ticket
	if _, err := o.Helpdesk.ApplyReset(ctx, b); err != nil {
		t.Fatal(err)
	}
	var tickets int
	if err := rawDB(t, o.SuperURL).QueryRow(`SELECT count(*) FROM resetdesk.change_tickets`).Scan(&tickets); err != nil || tickets != 0 {
		t.Fatalf("%d tickets from a one-time reset: %v", tickets, err)
	}
	if s, err := o.EndUser.ChangePassword(ctx, "mia@acme.test", app.ChangeProof("mia@acme.test", "chosen-by-the-helpdesk"), testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("a planted ticket: %s %v", s, err)
	}
}

// TestSelfServiceAnswersRevealNothing: an unknown login gets the answer of a
// wrong code and the same rules; probes leave one audit row, not thousands;
// the typed login is limited after 10 failures; a code another session holds
// answers busy at once.
func TestSelfServiceAnswersRevealNothing(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	u := addMember(t, o, "alex@acme.test", "Alex")
	o.Exec(t, `UPDATE resetdesk.orgs SET min_password_length = 17`)
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(u.ID)); err != nil {
		t.Fatal(err)
	}
	known, err1 := o.EndUser.PasswordRules(ctx, "alex@acme.test")
	unknown, err2 := o.EndUser.PasswordRules(ctx, "nobody@acme.test")
	if err1 != nil || err2 != nil || known != unknown || known.MinLength != 17 {
		t.Fatalf("rules: known %+v %v, unknown %+v %v", known, err1, unknown, err2)
	}
	wrong := app.HashCode("WRONG-CODE0")
	for i := range 4 {
		a, err1 := o.EndUser.CompleteReset(ctx, "alex@acme.test", wrong, testHash)
		b, err2 := o.EndUser.CompleteReset(ctx, "nobody@acme.test", wrong, testHash)
		if err1 != nil || err2 != nil || a != b || a != app.CompletionInvalid {
			t.Fatalf("attempt %d: known %s %v, unknown %s %v", i, a, err1, b, err2)
		}
	}
	for range 20 {
		if _, err := o.EndUser.CompleteReset(ctx, "nobody-else@acme.test", wrong, testHash); err != nil {
			t.Fatal(err)
		}
	}
	var probes int
	if err := rawDB(t, o.SuperURL).QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'complete_reset_unknown_login'`).Scan(&probes); err != nil || probes != 1 {
		t.Fatalf("%d audit rows for 24 probes of unknown logins: %v", probes, err)
	}
	if s, _ := o.EndUser.CompleteReset(ctx, "nobody-else@acme.test", wrong, testHash); s != app.CompletionLimited {
		t.Fatalf("the 21st failure for one login: %s", s)
	}

	// Another session holds alex's code row: a wrong code does not need it
	// (0025) and answers invalid at once. Another self-service attempt at
	// the code whose answer is left open holds nothing either (0030): the
	// next attempt is answered at once, not busy.
	tx, err := rawDB(t, o.SuperURL).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM resetdesk.one_time_passwords WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL FOR UPDATE`, u.ID); err != nil {
		t.Fatal(err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", wrong, testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("a wrong code while the code's row is held: %s %v", s, err)
	}
	tx.Rollback()
	other := heldTx(t, o.EndUserURL)
	if first := answerIn(t, other, tryAt(t, o.EndUserURL, "complete_reset", "alex@acme.test", wrong)); first != "invalid" {
		t.Fatalf("the attempt left open: %s", first)
	}
	start := time.Now()
	s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", wrong, testHash)
	if err != nil || s != app.CompletionInvalid {
		t.Fatalf("while another attempt's answer is left open: %s %v, want invalid", s, err)
	}
	t.Logf("answered %s in %v", s, time.Since(start))
}

// TestSelfServiceNeverWaits: while another session holds the user's row (an
// admin's reset in progress, or a stray transaction), the right code answers
// busy within the function's lock timeout and changes nothing; afterwards it
// works.
func TestSelfServiceNeverWaits(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	u := addMember(t, o, "alex@acme.test", "Alex")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(u.ID)); err != nil {
		t.Fatal(err)
	}
	tx, err := rawDB(t, o.SuperURL).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM resetdesk.users WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", app.HashCode("ABCDE-FGHJK"), testHash)
	waited := time.Since(start)
	if err != nil || s != app.CompletionBusy {
		t.Fatalf("a held user row: %s %v", s, err)
	}
	t.Logf("answered busy after %v", waited)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("after the lock went: %s %v", s, err)
	}
}
