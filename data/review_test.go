package data_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// heldTx is a transaction of url's login left open on purpose, with the
// login's idle-in-transaction timeout switched off first: a session
// default (ALTER ROLE ... SET) binds nobody, any login may SET it.
func heldTx(t *testing.T, url string) *sql.Tx {
	t.Helper()
	db := asRole(t, url)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`SET idle_in_transaction_session_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// queryRower is a *sql.DB or a *sql.Tx.
type queryRower interface {
	QueryRow(query string, args ...any) *sql.Row
}

// tryAt records an attempt of kind (complete_reset or change_password) for
// login as url's login, committed, and returns its token: the first of the
// two calls a client makes (migration 0030). "" means the self-service
// login is at its limits and no attempt was made (0031).
func tryAt(t *testing.T, url, kind, login, proof string) string {
	t.Helper()
	var token sql.NullString
	if err := asRole(t, url).QueryRow(`SELECT resetdesk.self_service_try($1, $2, $3, $4)`, kind, login, proof, testHash).Scan(&token); err != nil {
		t.Fatalf("%s for %s: %v", kind, login, err)
	}
	return token.String
}

// answerIn answers the attempt token in q (a transaction left open, or a
// connection): the second call.
func answerIn(t *testing.T, q queryRower, token string) string {
	t.Helper()
	var s string
	if err := q.QueryRow(`SELECT resetdesk.self_service_answer($1)`, token).Scan(&s); err != nil {
		t.Fatalf("answer: %v", err)
	}
	return s
}

// TestHeldCodeDoesNotStallTheRelay: an admin resets pat again in a
// transaction left open (the code row the relay would give a hash is held,
// voided but not yet committed); a self-service login types a wrong code
// for kim in one too. The relay sends kim's code meanwhile instead of
// waiting on pat's, and once the admin commits, pat's new code.
func TestHeldCodeDoesNotStallTheRelay(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	pat := addUser(t, o, "pat@acme.test", "confirmed")
	kim := addUser(t, o, "kim@acme.test", "confirmed")
	relay, _ := relayLogin(t, o, "relay")
	if _, err := o.Helpdesk.ApplyReset(ctx, otpBatch(pat)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Helpdesk.ApplyReset(ctx, otpBatch(kim)); err != nil {
		t.Fatal(err)
	}

	admin := heldTx(t, o.HelpdeskURL)
	if _, err := admin.Exec(`SELECT 1 FROM resetdesk.reset_passwords(ARRAY[$1::bigint], 'one_time_password', ARRAY[NULL::text],
	        ARRAY[repeat('0', 64)], false, false, false, false)`, pat); err != nil {
		t.Fatalf("the admin's reset left open: %v", err)
	}
	kiosk := heldTx(t, o.EndUserURL)
	if s := answerIn(t, kiosk, tryAt(t, o.EndUserURL, "complete_reset", "kim@acme.test", strings.Repeat("0", 64))); s != "invalid" {
		t.Fatalf("the kiosk's wrong code for kim: %s", s)
	}

	sent := map[string]string{}
	send := func(m data.RelayMessage) data.RelayOutcome {
		sent[m.Notice.To] = m.Notice.Secret
		return data.RelayOutcome{Status: app.DeliverySent}
	}
	for i := 0; i < 3 && sent["kim@acme.test"] == ""; i++ {
		if _, err := relay.RelayOne(ctx, send); err != nil {
			t.Fatalf("relay round %d, with pat's code held: %v", i+1, err)
		}
	}
	if sent["kim@acme.test"] == "" || sent["pat@acme.test"] != "" {
		t.Fatalf("with pat's code held the relay sent %v: want kim's code only", sent)
	}
	// The kiosk's answer left open holds nothing kim's attempt needs (0030).
	if s, err := o.EndUser.CompleteReset(ctx, "kim@acme.test", app.HashCode(sent["kim@acme.test"]), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("kim completes with the relay's code: %s %v", s, err)
	}

	if err := admin.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3 && sent["pat@acme.test"] == ""; i++ {
		if _, err := relay.RelayOne(ctx, send); err != nil {
			t.Fatalf("relay round %d after the admin's commit: %v", i+1, err)
		}
	}
	if s, err := o.EndUser.CompleteReset(ctx, "pat@acme.test", app.HashCode(sent["pat@acme.test"]), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the code of the newer reset: %s %v (sent %v)", s, err, sent)
	}
}

// TestRolledBackGuessesCount: a self-service login that read the answer to
// a wrong code and then rolled back (BEGIN; complete_reset; ROLLBACK, or
// one query string that ends in an error) took its count back; only a
// shared budget, which one login could spend for the whole office, bounded
// it. Now an attempt is answered only once the transaction that made it
// has committed (0030): in the same transaction, in one query string or
// after a rollback there is no answer, and an answer rolled back leaves
// the attempt counted. Five near misses so answered use vic's code up;
// ten far misses so answered use up this login's tries for ann.
func TestRolledBackGuessesCount(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	ann := addMember(t, o, "ann@acme.test", "Ann Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID, ann.ID)); err != nil { // code ABCDE-FGHJK
		t.Fatal(err)
	}
	rogue := asRole(t, o.EndUserURL)
	rogue.SetMaxOpenConns(1)
	near := pgtest.NearMisses("ABCDE-FGHJK", 5, false)

	// The one-call function of old answers nobody.
	_, err := rogue.Exec(`SELECT resetdesk.complete_reset('vic@acme.test', $1, $2)`, app.HashCode(near[0]), testHash)
	wantSQLState(t, err, "0A000")
	// Attempt and answer in one transaction.
	tx, err := rogue.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var token string
	if err := tx.QueryRow(`SELECT resetdesk.self_service_try('complete_reset', 'vic@acme.test', $1, $2)`, app.HashCode(near[0]), testHash).Scan(&token); err != nil {
		t.Fatal(err)
	}
	var s string
	err = tx.QueryRow(`SELECT resetdesk.self_service_answer($1)`, token).Scan(&s)
	wantSQLState(t, err, "25000")
	tx.Rollback()
	// ... and the attempt rolled back: nothing to answer afterwards.
	err = rogue.QueryRow(`SELECT resetdesk.self_service_answer($1)`, token).Scan(&s)
	wantSQLState(t, err, "22023")
	// One query string is one transaction.
	_, err = rogue.Exec(`SELECT resetdesk.self_service_answer(resetdesk.self_service_try('complete_reset', 'vic@acme.test', '` +
		app.HashCode(near[0]) + `', '` + testHash + `'))`)
	wantSQLState(t, err, "25000")

	// Committed attempts whose answers are rolled back still count.
	rolledBack := func(login, code string) string {
		t.Helper()
		token := tryAt(t, o.EndUserURL, "complete_reset", login, app.HashCode(code))
		if token == "" {
			return "limited"
		}
		tx, err := rogue.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return answerIn(t, tx, token)
	}
	for i, guess := range near {
		if s := rolledBack("vic@acme.test", guess); s != "invalid" {
			t.Fatalf("near miss %d, answer rolled back: %s", i+1, s)
		}
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionExhausted {
		t.Fatalf("vic's right code after 5 near misses whose answers were rolled back: %s %v, want exhausted", s, err)
	}
	for i, guess := range pgtest.NearMisses("ABCDE-FGHJK", 10, true) {
		if s := rolledBack("ann@acme.test", guess); s != "invalid" {
			t.Fatalf("far miss %d for ann, answer rolled back: %s", i+1, s)
		}
	}
	if s := rolledBack("ann@acme.test", "ABCDE-FGHJK"); s != "limited" {
		t.Fatalf("ann's right code at the same login after 10 failures rolled back: %s, want limited", s)
	}
}

// TestHeldCodeDoesNotBlockResets: a self-service login that types a wrong
// code for pat and kim, and a wrong temporary password for lee, in a
// transaction it never ends does not stop the office resetting them:
// pat's Resend and a bulk reset of all three go through, and each
// completes with what the newest reset gave them.
func TestHeldCodeDoesNotBlockResets(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	pat := addUser(t, o, "pat@acme.test", "confirmed")
	kim := addUser(t, o, "kim@acme.test", "confirmed")
	lee := addMember(t, o, "lee@acme.test", "Lee Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(pat, kim)); err != nil {
		t.Fatal(err)
	}
	setTemporary(t, o, lee, "Temporary-Password-1")
	kiosk := heldTx(t, o.EndUserURL)
	for _, q := range []struct{ fn, login string }{
		{"complete_reset", "pat@acme.test"}, {"complete_reset", "kim@acme.test"}, {"change_password", "lee@acme.test"},
	} {
		if s := answerIn(t, kiosk, tryAt(t, o.EndUserURL, q.fn, q.login, strings.Repeat("0", 64))); s != "invalid" {
			t.Fatalf("the kiosk's wrong %s for %s: %s", q.fn, q.login, s)
		}
	}
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(pat)); err != nil {
		t.Fatalf("pat's Resend while a kiosk holds pat's code: %v", err)
	}
	b := otpBatch(pat, kim, lee.ID)
	b.Targets[0].CodeHash = app.HashCode("NEWCO-DEPAT")
	if _, err := o.Owner.ApplyReset(ctx, b); err != nil {
		t.Fatalf("a bulk reset of pat, kim and lee while a kiosk holds what it typed for them: %v", err)
	}
	for login, code := range map[string]string{"pat@acme.test": "NEWCO-DEPAT", "lee@acme.test": "ABCDE-FGHJK"} {
		if s, err := o.EndUser.CompleteReset(ctx, login, app.HashCode(code), testHash); err != nil || s != app.CompletionOK {
			t.Fatalf("%s completes with the newest code: %s %v", login, s, err)
		}
	}
}

// TestTurnsCannotBeTaken: attempts at one code take turns by an advisory
// lock (0025). Advisory locks are open to every login, so their keys must
// not be guessable: an admin who takes, for the whole of its session, every
// key an attempt at vic's code could plausibly use does not make vic's
// completion answer busy.
func TestTurnsCannotBeTaken(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	var otp int64
	if err := superDB(t, o).QueryRow(`SELECT max(id) FROM resetdesk.one_time_passwords`).Scan(&otp); err != nil {
		t.Fatal(err)
	}
	admin := asRole(t, o.AdminURL)
	admin.SetMaxOpenConns(1)
	var n int
	if err := admin.QueryRow(`SELECT count(*) FROM (SELECT pg_advisory_lock(k, i::integer)
	        FROM unnest(ARRAY[1380205361, 1380205362]) k, generate_series($1::bigint - 5, $1::bigint + 5) i) x`, otp).Scan(&n); err != nil || n != 22 {
		t.Fatalf("the admin takes the keys: %d %v", n, err)
	}
	if _, err := admin.Exec(`SELECT pg_advisory_lock($1::bigint)`, otp); err != nil {
		t.Fatal(err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("vic's right code while an admin holds the plausible turns: %s %v", s, err)
	}
}

// TestFunctionGrantsFollowTheDesign reads every ResetDesk function's
// EXECUTE grants and settings from the catalog, so that a function added
// or replaced later keeps the rules of DESIGN section 3: PUBLIC runs only
// the two address and name checks; the end user's group runs exactly the
// end user's functions and the relay's group exactly the relay's, and
// neither shares one with the consoles; every SECURITY DEFINER function
// fixes its search_path (pg_catalog first, pg_temp last); and every one
// that a console or the owner calls and that writes waits on a lock for
// a few seconds at most.
func TestFunctionGrantsFollowTheDesign(t *testing.T) {
	o := pgtest.NewOrg(t)
	rows, err := superDB(t, o).Query(`
		SELECT p.proname, p.prosecdef, p.provolatile::text, coalesce(array_to_string(p.proconfig, '|'), ''),
		       coalesce((SELECT string_agg(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, ',' ORDER BY 1)
		                   FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
		                  WHERE x.privilege_type = 'EXECUTE' AND x.grantee <> p.proowner), '')
		  FROM pg_proc p
		 WHERE p.pronamespace = 'resetdesk'::regnamespace
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
		 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	in := func(list, name string) bool {
		for _, g := range strings.Split(list, ",") {
			if g == name {
				return true
			}
		}
		return false
	}
	endUser := map[string]bool{"complete_reset": true, "change_password": true, "password_policy": true,
		"self_service_try": true, "self_service_answer": true}
	relay := map[string]bool{"relay_next": true, "relay_done": true, "relay_heartbeat": true, "relay_set_code": true, "relay_register_key": true}
	public := map[string]bool{"valid_address": true, "valid_name": true}
	var seen int
	for rows.Next() {
		var name, volatility, config, grantees string
		var definer bool
		if err := rows.Scan(&name, &definer, &volatility, &config, &grantees); err != nil {
			t.Fatal(err)
		}
		seen++
		if in(grantees, "PUBLIC") != public[name] {
			t.Errorf("%s: PUBLIC may run it: %v (grants %s)", name, in(grantees, "PUBLIC"), grantees)
		}
		if in(grantees, "resetdesk_self_service") != endUser[name] {
			t.Errorf("%s: the end user's group may run it: %v (grants %s)", name, in(grantees, "resetdesk_self_service"), grantees)
		}
		if in(grantees, "resetdesk_relay") != relay[name] {
			t.Errorf("%s: the relay's group may run it: %v (grants %s)", name, in(grantees, "resetdesk_relay"), grantees)
		}
		console := in(grantees, "resetdesk_console") || in(grantees, "resetdesk_owner") || in(grantees, "resetdesk_admin")
		if console && (endUser[name] || relay[name]) {
			t.Errorf("%s: a console may run an end user's or relay's function (grants %s)", name, grantees)
		}
		if definer && !regexp.MustCompile(`(^|\|)search_path=pg_catalog, ([a-z_]+, )*pg_temp(\||$)`).MatchString(config) {
			t.Errorf("%s: SECURITY DEFINER without a search_path of pg_catalog first, pg_temp last: %q", name, config)
		}
		// with_change_tickets writes no table: it only sets a variable.
		if definer && console && volatility == "v" && name != "with_change_tickets" && !strings.Contains(config, "lock_timeout=") {
			t.Errorf("%s: a console's function that may wait on a lock has no lock_timeout: %q", name, config)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("read only %d functions", seen)
	}
}

// TestSecretsTablesAreNobodys: the tables of wrong guesses (and whether
// each was near the code), the advisory locks' secret, the relays' keys and
// sealed passwords, the attempt trail and the codes' near-miss counts are
// read by no login but through the functions: not a console of any rank,
// the end user's login, the relay's, nor a stranger the DBA let connect.
func TestSecretsTablesAreNobodys(t *testing.T) {
	o := pgtest.NewOrg(t)
	_, relayURL := relayLogin(t, o, "relay")
	for _, who := range []struct{ name, url string }{
		{"owner", o.OwnerURL}, {"admin", o.AdminURL}, {"helpdesk", o.HelpdeskURL}, {"enduser", o.EndUserURL},
		{"relay", relayURL}, {"stranger", o.StrangerURL},
	} {
		db := asRole(t, who.url)
		for _, q := range []string{
			`SELECT otp_id, near FROM resetdesk.code_misses`,
			`SELECT * FROM resetdesk.ticket_misses`,
			`SELECT secret FROM resetdesk.advisory_secret`,
			`SELECT near_misses FROM resetdesk.one_time_passwords`,
			`SELECT code_hash FROM resetdesk.one_time_passwords`,
			`SELECT * FROM resetdesk.relay_keys`,
			`SELECT sealed FROM resetdesk.mail_secrets`,
			`SELECT * FROM resetdesk.self_service_attempts`,
			`SELECT * FROM resetdesk.self_service_tries`,
			`SELECT resetdesk.answer_complete_reset(t) FROM (SELECT NULL::resetdesk.self_service_tries t) x`,
			`SELECT resetdesk.code_tries(NULL, 'vic@acme.test')`,
			`SELECT nextval('resetdesk.self_service_budget')`,
			`SELECT setval('resetdesk.self_service_budget', 1)`,
			`SELECT resetdesk.self_service_turn(1, 1)`,
		} {
			_, err := db.Exec(q)
			t.Run(who.name+"/"+q, func(t *testing.T) { wantSQLState(t, err, "42501") })
		}
	}
}

// TestRelayKeysAreTheirOwn: a relay login registers a key for itself only.
// A second relay registering a key of its choosing leaves the first's key
// as it was (it gets a sealed copy of its own, as any relay does); no
// console, end user's login or stranger registers one at all.
func TestRelayKeysAreTheirOwn(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	a, _ := relayLogin(t, o, "relay_a")
	_, urlB := relayLogin(t, o, "relay_b")
	if keyed, err := a.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatalf("relay a registers its key: %v", err)
	}
	keys := func() map[string]string {
		t.Helper()
		rows, err := asRole(t, o.OwnerURL).Query(`SELECT db_role, public_key FROM resetdesk.relay_public_keys()`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var r, k string
			if err := rows.Scan(&r, &k); err != nil {
				t.Fatal(err)
			}
			out[r] = k
		}
		return out
	}
	before := keys()
	chosen := strings.Repeat("ab", 32)
	if _, err := asRole(t, urlB).Exec(`SELECT resetdesk.relay_register_key($1)`, chosen); err != nil {
		t.Fatalf("relay b registers a key it chose: %v", err)
	}
	after := keys()
	if after[o.Prefix+"_relay_a"] != before[o.Prefix+"_relay_a"] || after[o.Prefix+"_relay_b"] != chosen || len(after) != 2 {
		t.Fatalf("keys before %v, after relay b's registration %v", before, after)
	}
	for _, url := range []string{o.OwnerURL, o.AdminURL, o.HelpdeskURL, o.EndUserURL, o.StrangerURL} {
		_, err := asRole(t, url).Exec(`SELECT resetdesk.relay_register_key($1)`, chosen)
		wantSQLState(t, err, "42501")
	}
	if got := keys(); len(got) != 2 || got[o.Prefix+"_relay_a"] != before[o.Prefix+"_relay_a"] {
		t.Fatalf("keys after the others tried: %v", got)
	}
}

// TestLoginSpellingsShareALimit: the typed login's limit counts every
// spelling that names the same user (case, spaces around it) as one, so
// respelling the login buys a guesser no more tries.
func TestLoginSpellingsShareALimit(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	spellings := []string{"vic@acme.test", "VIC@ACME.TEST", " vic@acme.test", "Vic@Acme.Test  ", "vIc@aCmE.tEsT"}
	for i, guess := range pgtest.NearMisses("ABCDE-FGHJK", 10, true) {
		if s, err := o.EndUser.CompleteReset(ctx, spellings[i%len(spellings)], app.HashCode(guess), testHash); err != nil || s != app.CompletionInvalid {
			t.Fatalf("wrong code %d as %q: %s %v", i+1, spellings[i%len(spellings)], s, err)
		}
	}
	for _, login := range spellings {
		if s, err := o.EndUser.CompleteReset(ctx, login, app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionLimited {
			t.Fatalf("the right code as %q after 10 wrong ones in other spellings: %s %v, want limited", login, s, err)
		}
	}
}

// TestKioskCannotShieldAnAdmin: a self-service login types a wrong code for
// an admin's login in a transaction it never ends (the audit row of that
// attempt names the admin). The owner still removes the admin from the
// console at once, and the admin's login can no longer act as one.
func TestKioskCannotShieldAnAdmin(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	adam, err := o.Owner.UserByLogin(ctx, "admin@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	kiosk := heldTx(t, o.EndUserURL)
	if s := answerIn(t, kiosk, tryAt(t, o.EndUserURL, "complete_reset", "admin@acme.test", strings.Repeat("0", 64))); s != "invalid" {
		t.Fatalf("the kiosk's wrong code for the admin: %s", s)
	}
	if err := o.Owner.RemoveConsoleUser(ctx, adam.ID); err != nil {
		t.Fatalf("the owner removes the admin while a kiosk holds a transaction naming them: %v", err)
	}
	if _, err := asRole(t, o.AdminURL).Exec(`SELECT * FROM resetdesk.reset_passwords(ARRAY[1::bigint], 'one_time_password',
	        ARRAY[NULL::text], ARRAY[repeat('0', 64)], false, false, false, false)`); err == nil {
		t.Fatal("the removed admin still resets")
	}
}
