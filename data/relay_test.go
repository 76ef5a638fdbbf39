package data_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// relayLogin adds a relay login to o (resetdesk relay add, as the DBA) and
// signs in as it.
func relayLogin(t *testing.T, o *pgtest.Org, name string) (*data.DB, string) {
	t.Helper()
	ctx := context.Background()
	role := o.Prefix + "_" + name
	if err := o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: o.Password}); err != nil {
		t.Fatalf("relay add: %v", err)
	}
	u := pgtest.RoleURL(t, o.SuperURL, role, o.Password)
	db, err := data.Open(ctx, u)
	if err != nil {
		t.Fatalf("sign in as the relay: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
}

var codeFormat = regexp.MustCompile(`^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{5}-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{5}$`)

// TestRelayKeepsCodesFromConsoles is issue 12's attack, as psql would run
// it: with the office mail relay on, hana (a custom role with only
// reset_password) cannot choose the code, read it, give it a hash of her
// own, mark its mail sent or redeem it. Until the relay sends the mail the
// code does not exist: its row has no hash, and nothing redeems it. The
// relay makes it, and the user completes with it.
func TestRelayKeepsCodesFromConsoles(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	id := addUser(t, o, "victim@acme.test", "confirmed")
	relay, relayURL := relayLogin(t, o, "relay")
	if keyed, err := relay.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatalf("the relay registers its key: %v", err)
	}
	hana := asRole(t, o.HelpdeskURL)
	chosen := app.HashCode("KNOWN-CODE1")

	var deliveryID int64
	var kind string
	err := hana.QueryRowContext(ctx, `SELECT delivery_id, delivery_kind FROM resetdesk.reset_passwords(ARRAY[$1::bigint],
	        'one_time_password', ARRAY[NULL::text], ARRAY[$2::text], false, false, false, false)`, id, chosen).Scan(&deliveryID, &kind)
	if err != nil || kind != "one_time_password" {
		t.Fatalf("hana's reset: %s %v", kind, err)
	}
	var stored sql.NullString
	if err := superDB(t, o).QueryRow(`SELECT code_hash FROM resetdesk.one_time_passwords WHERE user_id = $1 AND voided_at IS NULL`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored.Valid {
		t.Fatalf("the queued code already has a hash (%s; hana chose %s): someone could redeem it", stored.String, chosen)
	}

	var key string
	if err := hana.QueryRowContext(ctx, `SELECT public_key FROM resetdesk.relay_public_keys()`).Scan(&key); err != nil {
		t.Fatalf("hana reads the relay's public key to seal to: %v", err)
	}
	for _, c := range []struct{ name, query string }{
		{"read the outbox", `SELECT sealed FROM resetdesk.mail_secrets`},
		{"read the code's hash", `SELECT code_hash FROM resetdesk.one_time_passwords`},
		{"read the relay keys' table", `SELECT public_key FROM resetdesk.relay_keys`},
		{"take the message as a relay", `SELECT * FROM resetdesk.relay_next()`},
		{"give the code a hash of her own", `SELECT resetdesk.relay_set_code(` + itoa(deliveryID) + `, '` + chosen + `')`},
		{"register a relay key of her own", `SELECT resetdesk.relay_register_key('` + key + `')`},
		{"mark it sent as a relay", `SELECT resetdesk.relay_done(` + itoa(deliveryID) + `, 'sent', NULL, NULL)`},
		{"mark it sent as its sender", `SELECT resetdesk.record_deliveries(ARRAY[` + itoa(deliveryID) + `::bigint], '{sent}', '{NULL}', '{1}')`},
		{"mark it sent by hand", `UPDATE resetdesk.mail_deliveries SET status = 'sent'`},
		{"put in a hash by hand", `UPDATE resetdesk.one_time_passwords SET code_hash = '` + chosen + `'`},
		{"put in a secret of her own", `INSERT INTO resetdesk.mail_secrets VALUES (` + itoa(deliveryID) + `, 'x', '\x00', '\x00', now() + interval '1 hour')`},
		{"redeem a code", `SELECT resetdesk.self_service_try('complete_reset', 'victim@acme.test', '` + chosen + `', '` + testHash + `')`},
		{"make herself a relay", `SELECT resetdesk.add_relay_login('hana_relay', 'x')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hana.ExecContext(ctx, c.query)
			wantSQLState(t, err, "42501")
		})
	}
	// The one function that takes a (sealed) secret from a console takes
	// none for a code's message.
	sealedJunk := strings.Repeat("ab", 60)
	var n int
	if err := hana.QueryRowContext(ctx, `SELECT resetdesk.queue_password_mails(ARRAY[$1::bigint], ARRAY[$2], ARRAY[$3], ARRAY[$4])`,
		deliveryID, o.Prefix+"_relay", key, sealedJunk).Scan(&n); err != nil || n != 0 {
		t.Fatalf("queue_password_mails on a code's message: %d %v", n, err)
	}
	// The owner cannot read it either, nor a login outside ResetDesk take it.
	if _, err := asRole(t, o.OwnerURL).ExecContext(ctx, `SELECT sealed FROM resetdesk.mail_secrets`); err == nil {
		t.Fatal("the owner read the outbox")
	}
	stranger := asRole(t, o.StrangerURL)
	_, err = stranger.ExecContext(ctx, `SELECT * FROM resetdesk.relay_next()`)
	wantSQLState(t, err, "42501")
	_, err = stranger.ExecContext(ctx, `SELECT resetdesk.relay_set_code($1, $2)`, deliveryID, chosen)
	wantSQLState(t, err, "42501")
	// Before the relay has sent it, no code works, hana's least of all.
	if s, err := o.EndUser.CompleteReset(ctx, "victim@acme.test", chosen, testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("hana's code before the relay sent anything: %s %v", s, err)
	}

	ds, err := o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliveryQueued {
		t.Fatalf("hana's Mail view: %+v %v", ds, err)
	}

	// The relay takes it, makes the code, and says it went.
	var code string
	more, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		code = m.Notice.Secret
		if m.Notice.DeliveryID != deliveryID || m.Notice.To != "victim@acme.test" || m.Notice.OrgName != "Acme Test" || m.Notice.ExpiresAt.IsZero() {
			t.Errorf("the relay's message: %+v", m.Notice)
		}
		return data.RelayOutcome{Status: app.DeliverySent}
	})
	if err != nil || !more {
		t.Fatalf("relay: %v %v", more, err)
	}
	if err := superDB(t, o).QueryRow(`SELECT code_hash FROM resetdesk.one_time_passwords WHERE user_id = $1 AND voided_at IS NULL`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !codeFormat.MatchString(code) || app.HashCode(code) != stored.String {
		t.Fatalf("the relay's code %q is not the one whose hash is stored", code)
	}
	// The relay cannot redeem either: it is not an end-user login.
	_, err = asRole(t, relayURL).ExecContext(ctx, `SELECT resetdesk.self_service_try('complete_reset', 'victim@acme.test', $1, $2)`, stored.String, testHash)
	wantSQLState(t, err, "42501")
	req := app.SelfServiceRequest{Login: "Victim@acme.test", Secret: strings.ToLower(strings.ReplaceAll(code, "-", " ")),
		NewPassword: "Correct horse battery staple 2026!", Again: "Correct horse battery staple 2026!"}
	if s, err := app.CompleteReset(ctx, o.EndUser, req); err != nil || s != app.CompletionOK {
		t.Fatalf("the user's completion with the relay's code, typed loosely: %s %v", s, err)
	}
	ds, err = o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliverySent {
		t.Fatalf("after the relay: %+v %v", ds, err)
	}
}

// relayTx is one transaction of a relay login, as psql would hold it.
func relayTx(t *testing.T, url string) *sql.Tx {
	t.Helper()
	tx, err := asRole(t, url).Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// TestRelaySetCodeOnlyForItsMessage: a relay gives a hash only to the code
// of the message its own transaction took, and only while that reset is
// live; anything else is refused and nothing is stored.
func TestRelaySetCodeOnlyForItsMessage(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	addUser(t, o, "pat@acme.test", "confirmed")
	_, urlA := relayLogin(t, o, "relay_a")
	_, urlB := relayLogin(t, o, "relay_b")
	u, err := o.Helpdesk.UserByLogin(ctx, "pat@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	reset := func() {
		t.Helper()
		r := app.Resetter{Dir: o.Helpdesk}
		actor, org, err := o.Helpdesk.Actor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u}, Options: app.DefaultResetOptions()}); err != nil {
			t.Fatalf("reset: %v", err)
		}
	}
	hashOf := func() sql.NullString {
		t.Helper()
		var h sql.NullString
		if err := superDB(t, o).QueryRow(`SELECT code_hash FROM resetdesk.one_time_passwords ORDER BY id DESC LIMIT 1`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	hash := app.HashCode("ABCDE-FGHJK")
	reset()
	a := relayTx(t, urlA)
	var first int64
	if err := a.QueryRow(`SELECT id FROM resetdesk.relay_next()`).Scan(&first); err != nil {
		t.Fatalf("relay a takes the message: %v", err)
	}
	b := relayTx(t, urlB)
	_, err = b.Exec(`SELECT resetdesk.relay_set_code($1, $2)`, first, hash)
	wantSQLState(t, err, "42501") // taken by a, not b
	if _, err := asRole(t, urlB).Exec(`SELECT resetdesk.relay_done($1, 'sent', NULL, NULL)`, first); err != nil {
		t.Fatalf("relay b's relay_done: %v", err)
	}

	// A newer reset (Resend) replaces the code while relay a holds the
	// message: a may no longer give it a hash, and fails it unsent.
	reset()
	var live bool
	if err := a.QueryRow(`SELECT resetdesk.relay_set_code($1, $2)`, first, hash).Scan(&live); err != nil || live {
		t.Fatalf("relay_set_code on a replaced reset: %v %v", live, err)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := superDB(t, o).QueryRow(`SELECT status FROM resetdesk.mail_deliveries WHERE id = $1`, first).Scan(&status); err != nil || status != "pending" {
		t.Fatalf("relay b recorded relay a's message: %s %v", status, err)
	}
	if h := hashOf(); h.Valid {
		t.Fatalf("the newer code has a hash before any relay sent it: %s", h.String)
	}

	// An expired one is refused the same way; one no transaction took, or
	// that is not a code, is refused outright.
	a = relayTx(t, urlA)
	var second int64
	if err := a.QueryRow(`SELECT id FROM resetdesk.relay_next()`).Scan(&second); err != nil || second == first {
		t.Fatalf("relay a takes the newer message: %d %v", second, err)
	}
	o.Exec(t, `UPDATE resetdesk.one_time_passwords SET expires_at = now() - interval '1 second'`)
	if err := a.QueryRow(`SELECT resetdesk.relay_set_code($1, $2)`, second, hash).Scan(&live); err != nil || live {
		t.Fatalf("relay_set_code on an expired reset: %v %v", live, err)
	}
	a.Rollback()
	_, err = relayTx(t, urlA).Exec(`SELECT resetdesk.relay_set_code($1, $2)`, second, hash)
	wantSQLState(t, err, "42501")
	if h := hashOf(); h.Valid {
		t.Fatalf("a refused code got a hash: %s", h.String)
	}
}

// TestRelayKilledBeforeCommitSendsNewCode: a relay cut off after the mail
// server took the code's mail but before its commit stored nothing; the
// message goes out again with a new code, which works, while the first
// mail's code answers invalid.
func TestRelayKilledBeforeCommitSendsNewCode(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	id := addUser(t, o, "pat@acme.test", "confirmed")
	relay, _ := relayLogin(t, o, "relay")
	if _, err := asRole(t, o.HelpdeskURL).ExecContext(ctx, `SELECT 1 FROM resetdesk.reset_passwords(ARRAY[$1::bigint],
	        'one_time_password', ARRAY[NULL::text], ARRAY[$2::text], false, false, false, false)`, id, app.HashCode("ABCDE-FGHJK")); err != nil {
		t.Fatal(err)
	}
	super := superDB(t, o)
	var first string
	_, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		first = m.Notice.Secret
		// The mail server has it; now the relay dies.
		if _, err := super.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, o.Prefix+"_relay"); err != nil {
			t.Error(err)
		}
		return data.RelayOutcome{Status: app.DeliverySent}
	})
	if err == nil {
		t.Fatal("the relay's commit survived its connection's end")
	}
	var second string
	for range 3 { // the pool finds its dead connection first
		var more bool
		more, err = relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
			second = m.Notice.Secret
			return data.RelayOutcome{Status: app.DeliverySent}
		})
		if err == nil && more {
			break
		}
	}
	if err != nil || second == "" {
		t.Fatalf("the message was not sent again: %v", err)
	}
	if !codeFormat.MatchString(first) || !codeFormat.MatchString(second) || first == second {
		t.Fatalf("codes %q then %q: want two different codes", first, second)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(first), testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("the first mail's code: %s %v, want invalid", s, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(second), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("the second mail's code: %s %v", s, err)
	}
}

// TestRelaySealsEmailedPasswords: an emailed set password is refused, with
// nothing changed, while no relay has registered a key; once one has, the
// password waits only sealed to each relay's key, each relay opens its own
// copy, and nothing is left once it is sent. A relay whose key changed
// (its password did) can no longer find the copies sealed to the old one.
func TestRelaySealsEmailedPasswords(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	id := addUser(t, o, "quinn@acme.test", "confirmed")
	relayA, _ := relayLogin(t, o, "relay_a")
	super := superDB(t, o)
	u, err := o.Owner.UserByLogin(ctx, "quinn@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true, ForceChange: true}
	reset := func() ([]app.ResetResult, error) {
		r := app.Resetter{Dir: o.Owner}
		return r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u}, Options: opts})
	}
	var before sql.NullString
	if err := super.QueryRow(`SELECT password_hash FROM resetdesk.users WHERE id = $1`, id).Scan(&before); err != nil {
		t.Fatal(err)
	}

	_, err = reset()
	if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "not set up yet") {
		t.Fatalf("an emailed password with no relay key: %v", err)
	}
	var after sql.NullString
	var deliveries int
	if err := super.QueryRow(`SELECT password_hash, (SELECT count(*) FROM resetdesk.mail_deliveries) FROM resetdesk.users WHERE id = $1`, id).Scan(&after, &deliveries); err != nil {
		t.Fatal(err)
	}
	if after != before || deliveries != 0 {
		t.Fatalf("the refused reset changed something: hash %v -> %v, %d deliveries", before, after, deliveries)
	}

	if keyed, err := relayA.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatal(err)
	}
	relayB, _ := relayLogin(t, o, "relay_b")
	if keyed, err := relayB.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatal(err)
	}
	res, err := reset()
	if err != nil || res[0].Delivery.Status != app.DeliveryQueued || res[0].Password == "" {
		t.Fatalf("emailed set password with two relays: %v", err) // res holds the password: never printed
	}
	pw := res[0].Password
	rows, err := super.Query(`SELECT relay_role, sealed FROM resetdesk.mail_secrets WHERE delivery_id = $1 ORDER BY 1`, res[0].Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for rows.Next() {
		var role string
		var sealed []byte
		if err := rows.Scan(&role, &sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte(pw)) || len(sealed) != len(pw)+48 {
			t.Fatalf("what waits for %s is not a sealed box of the password (%d bytes)", role, len(sealed))
		}
		roles = append(roles, role)
	}
	rows.Close()
	if strings.Join(roles, ",") != o.Prefix+"_relay_a,"+o.Prefix+"_relay_b" {
		t.Fatalf("sealed for %v, want each relay", roles)
	}

	// Relay b's password changes: its new key cannot open what was sealed
	// to the old one, which is dropped as it registers.
	o.Exec(t, `ALTER ROLE `+o.Prefix+`_relay_b PASSWORD 'another-Pass-of-b-2026'`)
	b2, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_relay_b", "another-Pass-of-b-2026"))
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if more, err := b2.RelayOne(ctx, func(data.RelayMessage) data.RelayOutcome {
		t.Error("relay b took a message sealed to its old key")
		return data.RelayOutcome{Status: app.DeliverySent}
	}); err != nil || more {
		t.Fatalf("relay b with a new key: %v %v", more, err)
	}
	var left int
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.mail_secrets`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d sealed copies after b's key changed, want a's only (%v)", left, err)
	}

	var got string
	if more, err := relayA.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		got = m.Notice.Secret
		if !m.Notice.MustChange || m.Notice.Kind != app.KindPassword {
			t.Errorf("relay a's message: %+v", m.Notice)
		}
		return data.RelayOutcome{Status: app.DeliverySent}
	}); err != nil || !more {
		t.Fatalf("relay a: %v %v", more, err)
	}
	if got != pw {
		t.Fatal("relay a opened something other than the password set")
	}
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.mail_secrets`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d sealed copies left after sending (%v)", left, err)
	}
	req := app.SelfServiceRequest{Login: "quinn@acme.test", Secret: got,
		NewPassword: "Tangerine lanterns over Oslo 77", Again: "Tangerine lanterns over Oslo 77"}
	if s, err := app.ChangeTemporaryPassword(ctx, o.EndUser, req); err != nil || s != app.CompletionOK {
		t.Fatalf("quinn replaces the mailed temporary password: %s %v", s, err)
	}

	// Relay b's key changes again between the reset (which read the keys)
	// and the queueing: the client reads them again and seals to the new one.
	var b3 *data.DB
	dir := &keyChangingDir{DB: o.Owner, change: func() {
		o.Exec(t, `ALTER ROLE `+o.Prefix+`_relay_b PASSWORD 'a-third-Pass-of-b-2026'`)
		if b3, err = data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_relay_b", "a-third-Pass-of-b-2026")); err != nil {
			t.Fatal(err)
		}
		if keyed, err := b3.RegisterRelayKey(ctx); err != nil || !keyed {
			t.Fatal(err)
		}
	}}
	defer func() { b3.Close() }()
	r := app.Resetter{Dir: dir}
	res, err = r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u}, Options: opts})
	if err != nil || res[0].Delivery.Status != app.DeliveryQueued {
		t.Fatalf("emailed password while a relay's key changes: %v", err)
	}
	if err := super.QueryRow(`SELECT count(*) FROM resetdesk.mail_secrets WHERE delivery_id = $1`, res[0].Delivery.ID).Scan(&left); err != nil || left != 2 {
		t.Fatalf("%d sealed copies, want one for relay a and one for relay b's newest key (%v)", left, err)
	}
	got = ""
	if more, err := b3.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		got = m.Notice.Secret
		return data.RelayOutcome{Status: app.DeliverySent}
	}); err != nil || !more || got != res[0].Password {
		t.Fatalf("relay b with its newest key: %v %v, opened the password: %v", more, err, got == res[0].Password)
	}
}

// keyChangingDir is the owner's connection on which something happens
// between a reset and the queueing of its emailed passwords.
type keyChangingDir struct {
	*data.DB
	change func()
}

func (k *keyChangingDir) QueuePasswordMails(ctx context.Context, ids []int64, passwords []string) error {
	k.change()
	return k.DB.QueuePasswordMails(ctx, ids, passwords)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRelayWithoutPasswordSendsCodes: a relay that signs in without a
// password in its address (here from a password file, as peer or
// certificate authentication would) has no key. It still makes and sends
// codes; an emailed set password is refused at the reset, since no relay
// could open it.
func TestRelayWithoutPasswordSendsCodes(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	addUser(t, o, "pat@acme.test", "confirmed")
	_, withPassword := relayLogin(t, o, "relay")
	u, err := url.Parse(withPassword)
	if err != nil {
		t.Fatal("the relay's URL does not parse")
	}
	passfile := filepath.Join(t.TempDir(), "pgpass")
	line := strings.Join([]string{u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"), o.Prefix + "_relay", o.Password}, ":")
	if err := os.WriteFile(passfile, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.User = url.User(o.Prefix + "_relay")
	q := u.Query()
	q.Set("passfile", passfile)
	u.RawQuery = q.Encode()
	relay, err := data.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("sign in with the password file: %v", err)
	}
	defer relay.Close()
	if keyed, err := relay.RegisterRelayKey(ctx); err != nil || keyed {
		t.Fatalf("a relay without a password registered a key: %v %v", keyed, err)
	}

	pat, err := o.Owner.UserByLogin(ctx, "pat@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := app.Resetter{Dir: o.Owner}
	_, err = r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{pat},
		Options: app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true}})
	if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "not set up yet") {
		t.Fatalf("an emailed password with only a keyless relay: %v", err)
	}
	if _, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{pat}, Options: app.DefaultResetOptions()}); err != nil {
		t.Fatal(err)
	}
	var code string
	if more, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		code = m.Notice.Secret
		return data.RelayOutcome{Status: app.DeliverySent}
	}); err != nil || !more {
		t.Fatalf("the keyless relay: %v %v", more, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(code), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the keyless relay's code: %s %v", s, err)
	}
}

// relay_status answers with the server's clock, the one its times were
// written by, so that a console measures ages on it and not on its own.
func TestRelayStatusCarriesTheServersClock(t *testing.T) {
	o := pgtest.NewOrg(t)
	o.Exec(t, `INSERT INTO resetdesk.relay_heartbeats (db_role, instance, seen_at) VALUES ('relay', 'test', now() - interval '90 seconds')`)
	st, err := o.Owner.RelayStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Now.IsZero() {
		t.Fatal("relay_status returned no server time")
	}
	if age := st.Now.Sub(st.LastSeen); age < 90*time.Second || age > time.Hour {
		t.Errorf("last seen %v before the server's now, want 90 s or a little more", age)
	}
}

// TestRelayNoticeOfATemporaryPassword: a set password that was not emailed
// (handed over on paper or read out) still gets its notice through the
// relay, and that notice knows the password is temporary and until when, so
// that the mail can say where and by when to change it, in the office's
// words and time zone. A password the user may keep gives a plain notice.
func TestRelayNoticeOfATemporaryPassword(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true, time_zone = 'Europe/Berlin',
	        completion_instructions = 'Use the front-desk PC, or call Maria on 2114.'`)
	id := addUser(t, o, "rosa@acme.test", "confirmed")
	relay, _ := relayLogin(t, o, "relay")
	u, err := o.Owner.UserByLogin(ctx, "rosa@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{true, false} {
		r := app.Resetter{Dir: o.Owner}
		res, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{u},
			Options: app.ResetOptions{Mode: app.ModeSetPassword, ForceChange: force}})
		if err != nil || res[0].Delivery.Kind != app.KindPasswordNotice || res[0].Delivery.Status != app.DeliveryQueued {
			t.Fatalf("set password, force change %v, not emailed: %+v %v", force, res[0].Delivery, err)
		}
		var expires sql.NullTime
		if err := superDB(t, o).QueryRow(`SELECT password_expires_at FROM resetdesk.users WHERE id = $1`, id).Scan(&expires); err != nil {
			t.Fatal(err)
		}
		var got app.Notice
		if more, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
			got = m.Notice
			return data.RelayOutcome{Status: app.DeliverySent}
		}); err != nil || !more {
			t.Fatalf("the relay: %v %v", more, err)
		}
		if got.Kind != app.KindPasswordNotice || got.Secret != "" || got.TimeZone != "Europe/Berlin" ||
			got.Instructions != "Use the front-desk PC, or call Maria on 2114." {
			t.Errorf("force change %v: the relayed notice %+v", force, got)
		}
		if force {
			if !got.MustChange || !expires.Valid || !got.ExpiresAt.Equal(expires.Time) {
				t.Errorf("the notice of a temporary password: must change %v, expires %v, want true and %v",
					got.MustChange, got.ExpiresAt, expires.Time)
			}
		} else if got.MustChange || !got.ExpiresAt.IsZero() {
			t.Errorf("the notice of a password the user may keep: must change %v, expires %v", got.MustChange, got.ExpiresAt)
		}
	}
}
