package data_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// TestConnectionCutMidBatch cuts the admin's connection while a reset of
// 300 users is inside the database: nothing of the batch may remain, the
// admin gets a sentence, and the same batch goes through afterwards on a
// fresh connection from the pool.
func TestConnectionCutMidBatch(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'User ' || i, 'user' || i || '@acme.test', 'confirmed'
	             FROM generate_series(1, 300) i`)
	o.Exec(t, `INSERT INTO resetdesk.sessions (user_id, kind) SELECT id, 'web' FROM resetdesk.users WHERE role = 'member'`)
	users, err := o.Owner.Users(ctx, app.UserFilter{Search: "user"})
	if err != nil || len(users) != 300 {
		t.Fatalf("%d users: %v", len(users), err)
	}
	ids := make([]int64, len(users))
	last := int64(0)
	for i, u := range users {
		ids[i] = u.ID
		last = max(last, u.ID)
	}
	super := superDB(t, o)

	// Hold the row of the highest zuid so the reset stops midway through
	// locking its targets (it locks in id order).
	hold, err := super.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT 1 FROM resetdesk.users WHERE id = $1 FOR UPDATE`, last); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := o.Owner.ApplyReset(ctx, otpBatch(ids...))
		done <- err
	}()
	// database/sql quietly retries a statement whose connection broke before
	// it began, on a fresh connection; so keep cutting every connection of
	// the owner that waits on the held row until the reset gives up.
	deadline := time.After(20 * time.Second)
	cuts := 0
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-deadline:
			t.Fatal("the reset never gave up")
		case <-time.After(10 * time.Millisecond):
		}
		var n int
		if err := super.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		                           WHERE usename = $1 AND wait_event_type = 'Lock'`, o.Prefix+"_owner").Scan(&n); err != nil {
			t.Fatal(err)
		}
		cuts += n
	}
	t.Logf("cut %d connections", cuts)
	if cuts == 0 {
		t.Fatal("the reset ended before any connection was cut")
	}
	if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "Nothing was changed") {
		t.Fatalf("got %v (%q), want EUNAVAILABLE saying nothing was changed", err, app.ErrorMessage(err))
	}
	hold.Rollback()

	var codes, audits, deliveries, revoked int
	err = super.QueryRow(`SELECT (SELECT count(*) FROM resetdesk.one_time_passwords),
	                             (SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password'),
	                             (SELECT count(*) FROM resetdesk.mail_deliveries),
	                             (SELECT count(*) FROM resetdesk.sessions WHERE revoked_at IS NOT NULL)`).Scan(&codes, &audits, &deliveries, &revoked)
	if err != nil {
		t.Fatal(err)
	}
	if codes+audits+deliveries+revoked != 0 {
		t.Fatalf("after the cut: %d codes, %d audit rows, %d deliveries, %d revoked sessions; want none", codes, audits, deliveries, revoked)
	}

	res, err := o.Owner.ApplyReset(ctx, otpBatch(ids...))
	if err != nil {
		t.Fatalf("the same batch after the cut: %v", err)
	}
	for _, r := range res {
		if r.Outcome != app.OutcomeReset {
			t.Fatalf("%d: %s %s", r.UserID, r.Outcome, r.Reason)
		}
	}
}

// TestConcurrentResetsOfOneUser: two admins reset the same user at the same
// moment. Both resets are audited, one after the other; only the newer code
// is live and works.
func TestConcurrentResetsOfOneUser(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	id := addUser(t, o, "alex@acme.test", "confirmed")
	codes := map[string]string{"owner": "OWNER-CODE1", "admin": "ADMIN-CODE2"}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	start := make(chan struct{})
	for who, dir := range map[string]*struct {
		apply func(context.Context, app.ResetBatch) ([]app.AppliedReset, error)
	}{"owner": {o.Owner.ApplyReset}, "admin": {o.Admin.ApplyReset}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := otpBatch(id)
			b.Targets[0].CodeHash = app.HashCode(codes[who])
			<-start
			_, err := dir.apply(ctx, b)
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	super := superDB(t, o)
	var live, newest string
	var audits int
	if err := super.QueryRow(`SELECT (SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password' AND target_user_id = $1),
	                                 (SELECT string_agg(code_hash, ',') FROM resetdesk.one_time_passwords WHERE user_id = $1 AND voided_at IS NULL),
	                                 (SELECT code_hash FROM resetdesk.one_time_passwords WHERE user_id = $1 ORDER BY id DESC LIMIT 1)`, id).
		Scan(&audits, &live, &newest); err != nil {
		t.Fatal(err)
	}
	if audits != 2 || live != newest {
		t.Fatalf("%d audit rows, live codes %q, newest %q: want 2 audits and only the newest live", audits, live, newest)
	}
	older := codes["owner"]
	if app.HashCode(older) == newest {
		older = codes["admin"]
	}
	h := testHash
	if s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", app.HashCode(older), h); err != nil || s != app.CompletionInvalid {
		t.Fatalf("the older code: %s, %v", s, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "alex@acme.test", newest, h); err != nil || s != app.CompletionOK {
		t.Fatalf("the newer code: %s, %v", s, err)
	}
}

// TestConcurrentOverlappingImports runs two imports that share 50 of their
// 150 rows at the same moment: 250 users result, each once, and every row
// is either imported by one of them or reported as already present.
func TestConcurrentOverlappingImports(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	rows := func(from, to int) []app.ImportRow {
		var rs []app.ImportRow
		for i := from; i < to; i++ {
			rs = append(rs, app.ImportRow{Line: i - from + 2, Email: fmt.Sprintf("u%03d@acme.test", i), Name: fmt.Sprintf("User %d", i), Status: app.StatusConfirmed})
		}
		return rs
	}
	var wg sync.WaitGroup
	results := make([]app.ImportResult, 2)
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, dir := range []*data.DB{o.Owner, o.Admin} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = dir.ImportUsers(ctx, rows(i*100, i*100+150))
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	imported := results[0].Imported + results[1].Imported
	present := len(results[0].Rows) + len(results[1].Rows)
	var members, distinct int
	if err := superDB(t, o).QueryRow(`SELECT count(*), count(DISTINCT primary_email) FROM resetdesk.users WHERE role = 'member'`).Scan(&members, &distinct); err != nil {
		t.Fatal(err)
	}
	if members != 250 || distinct != 250 || imported != 250 || present != 50 {
		t.Fatalf("%d members (%d distinct), %d imported, %d reported present; want 250, 250, 250, 50", members, distinct, imported, present)
	}
}
