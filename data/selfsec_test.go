package data_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgbouncertest"
	"resetdesk/data/pgtest"
)

// TestHeldAttemptsHoldNoTurn: whoever holds the self-service login (its
// password is on every office PC) opens transactions it never ends: in one
// it answers a wrong code for vic and mia and a wrong temporary password
// for lee, in another it makes attempts for all three and never commits
// them, with its idle timeout SET off. Until 0030 such an open attempt held
// the user's turn and every later attempt answered busy for as long as the
// session lasted. Now each of them finishes at once.
func TestHeldAttemptsHoldNoTurn(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	mia := addMember(t, o, "mia@acme.test", "Mia Member")
	lee := addMember(t, o, "lee@acme.test", "Lee Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID, mia.ID)); err != nil {
		t.Fatal(err)
	}
	setTemporary(t, o, lee, "Temporary-Password-1")

	answered := heldTx(t, o.EndUserURL)
	unmade := heldTx(t, o.EndUserURL)
	for _, a := range []struct{ kind, login string }{
		{"complete_reset", "vic@acme.test"}, {"complete_reset", "mia@acme.test"}, {"change_password", "lee@acme.test"},
	} {
		if s := answerIn(t, answered, tryAt(t, o.EndUserURL, a.kind, a.login, strings.Repeat("0", 64))); s != "invalid" {
			t.Fatalf("the held wrong %s for %s: %s", a.kind, a.login, s)
		}
		var token string
		if err := unmade.QueryRow(`SELECT resetdesk.self_service_try($1, $2, $3, $4)`, a.kind, a.login, strings.Repeat("1", 64), testHash).Scan(&token); err != nil {
			t.Fatal(err)
		}
	}
	for _, login := range []string{"vic@acme.test", "mia@acme.test"} {
		if s, err := o.EndUser.CompleteReset(ctx, login, app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
			t.Fatalf("%s's right code while attempts for them are held open: %s %v", login, s, err)
		}
	}
	proof := app.ChangeProof("lee@acme.test", "Temporary-Password-1")
	if s, err := o.EndUser.ChangePassword(ctx, "lee@acme.test", proof, testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("lee's change while attempts for lee are held open: %s %v", s, err)
	}
}

// TestAnswersNeedTheirOwnLogin: an attempt's token answers only for the
// login that made it; another self-service login gets no answer, so a
// token seen elsewhere tells it nothing.
func TestAnswersNeedTheirOwnLogin(t *testing.T) {
	o := pgtest.NewOrg(t)
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(context.Background(), otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	token := tryAt(t, o.EndUserURL, "complete_reset", "vic@acme.test", app.HashCode("ABCDE-FGHJK"))
	kiosks(t, o, 1)
	var s string
	err := asRole(t, pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_kiosk0", o.Password)).QueryRow(`SELECT resetdesk.self_service_answer($1)`, token).Scan(&s)
	wantSQLState(t, err, "22023")
	for _, url := range []string{o.OwnerURL, o.HelpdeskURL, o.StrangerURL} {
		err := asRole(t, url).QueryRow(`SELECT resetdesk.self_service_answer($1)`, token).Scan(&s)
		wantSQLState(t, err, "42501")
	}
	if s := answerIn(t, asRole(t, o.EndUserURL), token); s != "ok" {
		t.Fatalf("the login that made it: %s", s)
	}
}

// TestSelfServiceBehindPgBouncer: the two calls of an attempt are two
// transactions, so behind PgBouncer in transaction pooling each may land on
// another server connection: the answer finds the attempt all the same,
// for many kiosks at once, and a wrong code, a right one and a changed
// temporary password each get their answer.
func TestSelfServiceBehindPgBouncer(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	pool := pgbouncertest.Start(t, pgbouncertest.Transaction)
	var ids []int64
	for i := range 12 {
		ids = append(ids, addMember(t, o, fmt.Sprintf("m%d@acme.test", i), "Member").ID)
	}
	lee := addMember(t, o, "lee@acme.test", "Lee Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(ids...)); err != nil {
		t.Fatal(err)
	}
	setTemporary(t, o, lee, "Temporary-Password-1")
	kiosk, err := data.Open(ctx, pool.URL(t, o.EndUserURL))
	if err != nil {
		t.Fatal(err)
	}
	defer kiosk.Close()
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for i := range ids {
		wg.Go(func() {
			login := fmt.Sprintf("m%d@acme.test", i)
			if s, err := kiosk.CompleteReset(ctx, login, app.HashCode("WRONG-CODE0"), testHash); err != nil || s != app.CompletionInvalid {
				errs <- fmt.Errorf("%s, a wrong code: %s %v", login, s, err)
				return
			}
			if s, err := kiosk.CompleteReset(ctx, login, app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
				errs <- fmt.Errorf("%s, the right code: %s %v", login, s, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s, err := kiosk.ChangePassword(ctx, "lee@acme.test", app.ChangeProof("lee@acme.test", "Temporary-Password-1"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("lee's change through PgBouncer: %s %v", s, err)
	}
}

// TestOneLoginCannotRefuseEveryone: a self-service login whose password
// went astray makes 600 attempts for as many logins in one statement.
// Until 0031 its failures counted towards a limit of 500 in all, and every
// self-service login in the office then answered limited to everyone for
// 15 minutes. Now it reaches its own limit of 100, adds no rows past it,
// and another self-service login finishes vic's reset.
func TestOneLoginCannotRefuseEveryone(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	rogue := kiosks(t, o, 1)[0]
	rogueURL := pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_kiosk0", o.Password)
	var made int
	if err := asRole(t, rogueURL).QueryRow(`SELECT count(resetdesk.self_service_try('complete_reset', 'x' || g || '@acme.test', repeat('0', 64), $1))
	        FROM generate_series(1, 600) g`, testHash).Scan(&made); err != nil || made != 100 {
		t.Fatalf("600 attempts in one statement: %d made (%v), want 100", made, err)
	}
	if s, err := rogue.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionLimited {
		t.Fatalf("the rogue login past its limit: %s %v, want limited", s, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("vic at another self-service login: %s %v", s, err)
	}
}

// TestSetupLockNamesItsHolder: setup, upgrades and the demo seed take turns
// by an advisory lock with a fixed key, and advisory locks are open to
// every login: the self-service login takes it for its whole session.
// Until now a setup or upgrade then waited for ever; now it gives up after
// its wait, names the session that holds the lock, and works once that
// session lets go.
func TestSetupLockNamesItsHolder(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	kiosk := asRole(t, o.EndUserURL)
	kiosk.SetMaxOpenConns(1)
	var got bool
	if err := kiosk.QueryRow(`SELECT pg_try_advisory_lock(7353001)`).Scan(&got); err != nil || !got {
		t.Fatalf("the self-service login takes the set-up lock: %v %v", got, err)
	}
	data.ShortenSetupLockWait(t, time.Second)
	again := data.SetupOptions{OrgName: "Acme Test", OwnerEmail: "owner@acme.test", OwnerName: "Olivia Owner",
		OwnerRole: o.Prefix + "_owner", OwnerPassword: o.Password}
	_, err := o.Super.Setup(ctx, again)
	if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), o.Prefix+"_enduser") ||
		!strings.Contains(app.ErrorMessage(err), "pg_terminate_backend(") {
		t.Fatalf("setup while the self-service login holds the set-up lock: %v (%s)", err, app.ErrorMessage(err))
	}
	t.Logf("setup said: %s", app.ErrorMessage(err))
	if _, err := kiosk.Exec(`SELECT pg_advisory_unlock(7353001)`); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Super.Setup(ctx, again); err != nil {
		t.Fatalf("setup once the lock is let go: %v", err)
	}
}

// TestSelfServiceLoginsHaveAConnectionLimit: a self-service login holds at
// most data.SelfServiceConnectionLimit connections, whether the DBA or the
// owner made it, and setup gives the limit to a registered login that has
// none (one the DBA set is kept). Whoever holds the login's password opens
// connections until the server refuses, and an admin still signs in.
func TestSelfServiceLoginsHaveAConnectionLimit(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	if err := o.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: o.Prefix + "_frontdesk", Password: o.Password}); err != nil {
		t.Fatal(err)
	}
	kiosks(t, o, 2)
	o.Exec(t, `ALTER ROLE `+o.Prefix+`_kiosk0 CONNECTION LIMIT -1`)
	o.Exec(t, `ALTER ROLE `+o.Prefix+`_kiosk1 CONNECTION LIMIT 5`)
	again := data.SetupOptions{OrgName: "Acme Test", OwnerEmail: "owner@acme.test", OwnerName: "Olivia Owner",
		OwnerRole: o.Prefix + "_owner", OwnerPassword: o.Password}
	if _, err := o.Super.Setup(ctx, again); err != nil {
		t.Fatal(err)
	}
	limit := data.SelfServiceConnectionLimit
	for role, want := range map[string]int{"_enduser": limit, "_frontdesk": limit, "_kiosk0": limit, "_kiosk1": 5} {
		var got int
		if err := superDB(t, o).QueryRow(`SELECT rolconnlimit FROM pg_roles WHERE rolname = $1`, o.Prefix+role).Scan(&got); err != nil || got != want {
			t.Errorf("%s: connection limit %d (%v), want %d", role, got, err, want)
		}
	}

	hog := asRole(t, o.EndUserURL)
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var refused error
	for range limit + 1 {
		c, err := hog.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			refused = err
			break
		}
		conns = append(conns, c)
	}
	wantSQLState(t, refused, "53300")
	var held int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, o.Prefix+"_enduser").Scan(&held); err != nil || held != limit {
		t.Fatalf("the self-service login holds %d connections when refused (%v), want %d", held, err, limit)
	}
	admin, err := data.Open(ctx, o.AdminURL)
	if err != nil {
		t.Fatalf("an admin signs in while the self-service login holds all it may: %v", err)
	}
	admin.Close()
}

// TestAnAttemptIsAnsweredOnce: one committed wrong attempt for vic,
// answered 50 times, writes one audit row naming vic, and each answer is
// the first's; an answer rolled back wrote nothing that stays.
func TestAnAttemptIsAnsweredOnce(t *testing.T) {
	o := pgtest.NewOrg(t)
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(context.Background(), otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	kiosk := asRole(t, o.EndUserURL)
	token := tryAt(t, o.EndUserURL, "complete_reset", "vic@acme.test", strings.Repeat("0", 64))
	tx, err := kiosk.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if s := answerIn(t, tx, token); s != "invalid" {
		t.Fatalf("the answer rolled back: %s", s)
	}
	tx.Rollback()
	for i := range 50 {
		if s := answerIn(t, kiosk, token); s != "invalid" {
			t.Fatalf("answer %d: %s", i+1, s)
		}
	}
	var rows int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'complete_reset' AND target_user_id = $1`, vic.ID).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d audit rows about vic for one attempt answered 51 times (%v), want 1", rows, err)
	}
}

// TestRemoveASelfServiceLogin: every role may change its own password, so
// whoever holds a shared self-service login can lock every device out of
// it with one statement and keep it. The owner takes such a login back:
// even the session still open can complete nothing, and it cannot sign in
// again. The DBA can as well; nobody else can, and a console login is no
// self-service login to remove.
func TestRemoveASelfServiceLogin(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	frontdesk := o.Prefix + "_frontdesk"
	if err := o.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: frontdesk, Password: o.Password}); err != nil {
		t.Fatal(err)
	}
	url := pgtest.RoleURL(t, o.SuperURL, frontdesk, o.Password)
	held := asRole(t, url)
	held.SetMaxOpenConns(1)
	if _, err := held.Exec(`ALTER ROLE ` + frontdesk + ` PASSWORD 'the-holder-keeps-it-now'`); err != nil {
		t.Fatalf("a self-service login changes its own password: %v", err)
	}

	if err := o.Helpdesk.RemoveSelfServiceLogin(ctx, frontdesk); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("the helpdesk removes it: %v", err)
	}
	if err := o.Owner.RemoveSelfServiceLogin(ctx, o.Prefix+"_admin"); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("the owner removes a console login as a self-service one: %v", err)
	}
	if err := o.Owner.RemoveSelfServiceLogin(ctx, frontdesk); err != nil {
		t.Fatalf("the owner removes it: %v", err)
	}
	_, err := held.Exec(`SELECT resetdesk.self_service_try('complete_reset', 'vic@acme.test', $1, $2)`, app.HashCode("ABCDE-FGHJK"), testHash)
	wantSQLState(t, err, "42501")
	again, err := sql.Open("postgres", pgtest.RoleURL(t, o.SuperURL, frontdesk, "the-holder-keeps-it-now"))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	wantSQLState(t, again.Ping(), "28000")

	if err := o.Super.RemoveSelfServiceLogin(ctx, o.Prefix+"_enduser"); err != nil {
		t.Fatalf("the DBA removes the other one: %v", err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("the removed login completes vic's reset: %s %v", s, err)
	}
	var rows int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM resetdesk.audit_events WHERE action = 'remove_self_service_login'`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d audit rows for two removals (%v)", rows, err)
	}
}
