package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
	"resetdesk/data/pgtest"
)

// pgCtl runs pg_ctl on the cluster in dir as the OS user that owns it, the
// way a DBA restarts a server: same data, same port.
func pgCtl(t *testing.T, dir string, args ...string) {
	t.Helper()
	bindir := os.Getenv(localpg.BinDirEnv)
	if bindir == "" {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
		if len(matches) == 0 {
			if os.Getenv("CI") != "" {
				t.Fatal("no pg_ctl under /usr/lib/postgresql: CI must install the PostgreSQL server (bash scripts/setup-deps)")
			}
			t.Skip("no pg_ctl under /usr/lib/postgresql")
		}
		bindir = filepath.Dir(matches[len(matches)-1])
	}
	cmd := append([]string{filepath.Join(bindir, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-w"}, args...)
	if os.Geteuid() == 0 {
		cmd = append([]string{"runuser", "-u", "postgres", "--"}, cmd...)
	}
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
	}
}

// stoppableDemo starts a private PostgreSQL server, in a new folder whose
// name starts with prefix, and seeds the demo in it: a test may stop and
// start this server with pgCtl on dir, which the shared test server must
// never be. super is its superuser, in the demo's database. Like the other
// server tests, it fails under CI when the server cannot be started, and
// skips elsewhere.
func stoppableDemo(t *testing.T, prefix string) (dir string, info data.DemoInfo, super *sql.DB) {
	t.Helper()
	if _, err := exec.LookPath("runuser"); err != nil && os.Geteuid() == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("runuser is missing: CI runs as root and needs it to start PostgreSQL (util-linux)")
		}
		t.Skip("runuser is missing")
	}
	dir = pgtest.ClusterDir(t, prefix)
	ctx := context.Background()
	c, err := localpg.Start(ctx, dir)
	if err != nil {
		if os.Getenv("CI") == "" && app.ErrorCode(err) == app.EUNAVAILABLE {
			t.Skip(app.ErrorMessage(err))
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	pw := make([]byte, 12)
	rand.Read(pw) // never fails: see crypto/rand
	info, err = data.SeedDemo(ctx, c.SuperURL(), data.DemoOptions{Password: hex.EncodeToString(pw)})
	if err != nil {
		t.Fatal(err)
	}
	super, err = sql.Open("postgres", strings.Replace(c.SuperURL(), "/postgres?", "/"+info.Database+"?", 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { super.Close() })
	return dir, info, super
}

// TestDatabaseStoppedMidBatch stops the PostgreSQL server while a bulk reset
// waits inside it: nothing of the batch remains, the admin reads a
// sentence, and when the server is back the same connection pool runs the
// same batch without the app being restarted.
func TestDatabaseStoppedMidBatch(t *testing.T) {
	ctx := context.Background()
	dir, info, super := stoppableDemo(t, "resetdesk-stop-")
	db, err := data.Open(ctx, info.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	actor, org, err := db.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := db.Users(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var batch app.ResetBatch
	batch.Options = app.DefaultResetOptions()
	last := int64(0)
	for _, u := range users {
		if app.SkipReasonFor(actor, org, u, batch.Options) == "" {
			batch.Targets = append(batch.Targets, app.ResetTarget{UserID: u.ID, CodeHash: app.HashCode("ABCDE-FGHJK")})
			last = max(last, u.ID)
		}
	}
	if len(batch.Targets) < 200 {
		t.Fatalf("only %d eligible demo users", len(batch.Targets))
	}
	counts := func() string {
		t.Helper()
		var s string
		if err := super.QueryRow(`SELECT format('%s codes, %s audit rows, %s deliveries',
		         (SELECT count(*) FROM resetdesk.one_time_passwords WHERE voided_at IS NULL),
		         (SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password'),
		         (SELECT count(*) FROM resetdesk.mail_deliveries))`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := counts()

	hold, err := super.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(`SELECT 1 FROM resetdesk.users WHERE id = $1 FOR UPDATE`, last); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.ApplyReset(ctx, batch)
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		hold.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'`, info.OwnerRole).Scan(&n)
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reset never reached the held row")
		}
	}
	pgCtl(t, dir, "-m", "fast", "stop")
	err = <-done
	if app.ErrorCode(err) != app.EUNAVAILABLE {
		t.Fatalf("got %v, want EUNAVAILABLE", err)
	}
	t.Logf("the admin reads: %s", app.ErrorMessage(err))
	if _, err := db.Users(ctx, app.UserFilter{}); app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "Could not reach the database") {
		t.Fatalf("listing users while the server is down: %v", err)
	}

	pgCtl(t, dir, "-l", filepath.Join(dir, "server.log"), "start")
	if after := counts(); after != before {
		t.Fatalf("the stopped batch left traces: before %s, after %s", before, after)
	}
	res, err := db.ApplyReset(ctx, batch)
	if err != nil {
		t.Fatalf("the same batch on the same pool after the restart: %v", err)
	}
	for _, r := range res {
		if r.Outcome != app.OutcomeReset {
			t.Fatalf("%d: %s %s", r.UserID, r.Outcome, r.Reason)
		}
	}
}
