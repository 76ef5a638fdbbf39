package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/mail/postfixtest"
	"resetdesk/relay"
)

// TestRelaySurvivesPostgresRestart restarts the relay's PostgreSQL (a
// private one: pg_ctl stop and start, same data and port) under a running
// relay that polls only once an hour, so that only its LISTEN connection
// can wake it. A message queued before the restart, one queued as the
// server comes back (before the relay has noticed), and two queued after
// it has listened again all reach the mailbox once, and the relay's
// heartbeat carries on, without the relay being started again. Then the
// server stops while a message is with Postfix: that one goes out again
// once the server is back (at least once), and only its new code works.
func TestRelaySurvivesPostgresRestart(t *testing.T) {
	ctx := context.Background()
	dir, info, super := stoppableDemo(t, "resetdesk-relay-restart-")
	emails := []string{"before@acme.test", "during@acme.test", "after1@acme.test", "after2@acme.test", "inflight@acme.test"}
	for _, e := range emails {
		if _, err := super.Exec(`INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
		                         SELECT id, $1::text, $1::text, 'confirmed' FROM resetdesk.orgs`, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := super.Exec(`UPDATE resetdesk.orgs SET mail_relay = true`); err != nil {
		t.Fatal(err)
	}

	srv := postfixtest.Start(t)
	gm := &gateMailer{m: postfixMailer(t, srv, srv.Password)}
	logs, _ := startRelayAt(t, info.RelayURL, gm, relay.Relay{Poll: time.Hour}, srv.Password)

	// waitFor polls the server (reconnecting as needed) until q is true.
	waitFor := func(what, q string, args ...any) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var ok bool
			err := super.QueryRow(q, args...).Scan(&ok)
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 90 s, still not %s (%v); the relay's log:\n%s", what, err, logs.String())
			}
		}
	}
	listening := func() {
		t.Helper()
		waitFor("listening", `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND query LIKE 'LISTEN %')`, info.RelayRole)
	}
	// reset makes a one-time reset as the helpdesk user, on a connection
	// made for it, from a device with no mail settings.
	reset := func(email string) {
		t.Helper()
		db, err := data.Open(ctx, info.HelpdeskURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		u, err := db.UserByLogin(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if d := relayReset(t, db, []app.User{u}, app.DefaultResetOptions())[0].Delivery; d.Status != app.DeliveryQueued {
			t.Fatalf("the reset of %s: %+v", email, d)
		}
	}
	sent := func(email string) {
		t.Helper()
		waitFor(email+"'s message sent", `SELECT coalesce((SELECT status = 'sent' FROM resetdesk.mail_deliveries
		                                    WHERE to_address = $1 ORDER BY id DESC LIMIT 1), false)`, email)
	}

	listening()
	reset("before@acme.test")
	sent("before@acme.test")

	pgCtl(t, dir, "-m", "fast", "stop")
	// -l: without it the new server would write to pg_ctl's output, a pipe
	// that this test reads to its end, which then never comes.
	pgCtl(t, dir, "-l", filepath.Join(dir, "server.log"), "start")
	var restarted time.Time
	if err := super.QueryRow(`SELECT now()`).Scan(&restarted); err != nil {
		t.Fatal(err)
	}
	reset("during@acme.test")
	sent("during@acme.test")
	listening()
	for _, e := range []string{"after1@acme.test", "after2@acme.test"} {
		reset(e)
		sent(e)
	}
	if !strings.Contains(logs.String(), "listening for queued mail again") {
		t.Errorf("the relay did not say it listens again:\n%s", logs.String())
	}
	waitFor("seen since the restart", `SELECT max(seen_at) > $1 FROM resetdesk.relay_heartbeats WHERE db_role = $2`, restarted, info.RelayRole)

	// The server stops while the relay sends: Postfix takes the message,
	// the record of it is lost with the connection, and the relay, trying
	// the database again until it answers, sends it again with a new code
	// (at least once), the only one that works.
	arrived, release := gm.arm()
	reset("inflight@acme.test")
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatalf("the relay took no message in 60 s; its log:\n%s", logs.String())
	}
	pgCtl(t, dir, "-m", "fast", "stop")
	close(release)
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(logs.String(), "the database is not answering"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the relay never found the database gone; its log:\n%s", logs.String())
		}
	}
	pgCtl(t, dir, "-l", filepath.Join(dir, "server.log"), "start")
	sent("inflight@acme.test")
	if !strings.Contains(logs.String(), "the outbox can be read again") {
		t.Errorf("the relay did not say the outbox can be read again:\n%s", logs.String())
	}

	got := messagesTo(srv.Messages())
	for _, e := range emails[:4] {
		if len(got[e]) != 1 {
			t.Errorf("%s received %d messages, want 1", e, len(got[e]))
		}
	}
	if n := len(got["inflight@acme.test"]); n != 2 {
		t.Fatalf("the message in flight as the server stopped went out %d times, want 2 (at least once)", n)
	}
	self, err := data.Open(ctx, info.SelfServiceURL)
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	first, second := mailedSecret(t, got["inflight@acme.test"][0]), mailedSecret(t, got["inflight@acme.test"][1])
	if s, err := self.CompleteReset(ctx, "inflight@acme.test", app.HashCode(first), testPasswordHash(t)); err != nil || s == app.CompletionOK {
		t.Fatalf("the code whose record was lost: %s %v", s, err)
	}
	if s, err := self.CompleteReset(ctx, "inflight@acme.test", app.HashCode(second), testPasswordHash(t)); err != nil || s != app.CompletionOK {
		t.Fatalf("the code sent again: %s %v", s, err)
	}
}

// gateMailer sends through m; once armed, it holds the next message until
// released, having said that it holds one.
type gateMailer struct {
	m       app.Mailer
	mu      sync.Mutex
	arrived chan struct{}
	release chan struct{}
}

func (g *gateMailer) arm() (arrived, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.arrived, g.release = make(chan struct{}), make(chan struct{})
	return g.arrived, g.release
}

func (g *gateMailer) Send(ctx context.Context, notices []app.Notice) []error {
	g.mu.Lock()
	arrived, release := g.arrived, g.release
	g.arrived, g.release = nil, nil
	g.mu.Unlock()
	if arrived != nil {
		close(arrived)
		<-release
	}
	return g.m.Send(ctx, notices)
}
