package relay_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/sink"
	"resetdesk/relay"
)

// countingQueue counts how often the relay looks at the outbox.
type countingQueue struct {
	relay.Queue
	looks atomic.Int64
}

func (q *countingQueue) RelayOne(ctx context.Context, send func(data.RelayMessage) data.RelayOutcome) (bool, error) {
	q.looks.Add(1)
	return q.Queue.RelayOne(ctx, send)
}

// TestNotifyFloodIsOnlyAHint: PostgreSQL has no privileges on channels, so
// any login may NOTIFY the relay's channel; the self-service login, whose
// password every office PC holds, is the one tried here. A flood of
// notifications, in one transaction and in many, while a bulk reset's mail
// waits, makes the relay neither send a message twice nor skip one, and
// it looks at the outbox at most once per wake-up gap, however many
// notifications arrive: it does not spin on them.
func TestNotifyFloodIsOnlyAHint(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	role := o.Prefix + "_relay"
	if err := o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: o.Password}); err != nil {
		t.Fatal(err)
	}
	relayURL := pgtest.RoleURL(t, o.SuperURL, role, o.Password)
	db, err := data.Open(ctx, relayURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	sk, err := sink.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sk.Close() })
	cfg, err := mail.ParseURL("smtp://" + sk.Addr() + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	cfg.From = "ResetDesk <noreply@acme.test>"
	m, err := mail.NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}

	wake, stop, err := relay.Listen(relayURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	q := &countingQueue{Queue: db}
	const gap = 200 * time.Millisecond
	r := &relay.Relay{Queue: q, Mail: m, Wake: wake, Instance: "flood-test", Poll: time.Hour, WakeGap: gap}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the relay ended with %v", err)
		}
	}()

	// The flood, from the self-service login, while mail is queued.
	kiosk, err := sql.Open("postgres", o.EndUserURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kiosk.Close() })
	kiosk.SetMaxOpenConns(4)
	var users []app.User
	for i := range 20 {
		login := "user" + string(rune('a'+i)) + "@acme.test"
		o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, $1::text, $1::text, 'confirmed' FROM resetdesk.orgs`, login)
		u, err := o.Owner.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	start := time.Now()
	var notified atomic.Int64
	flood := func(each int) {
		var w sync.WaitGroup
		for range 4 {
			w.Go(func() {
				for range each {
					if _, err := kiosk.Exec(`SELECT pg_notify('resetdesk_outbox', '')`); err != nil {
						t.Errorf("the self-service login's NOTIFY: %v", err)
						return
					}
					notified.Add(1)
				}
			})
		}
		w.Wait()
	}
	background := make(chan struct{})
	go func() {
		defer close(background)
		flood(250)
	}()
	if _, err := kiosk.Exec(`SELECT count(pg_notify('resetdesk_outbox', g::text)) FROM generate_series(1, 20000) g`); err != nil {
		t.Fatalf("20,000 notifications in one transaction: %v", err)
	}
	actor, org, err := o.Helpdesk.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs := app.Resetter{Dir: o.Helpdesk}
	if _, err := rs.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: users, Options: app.DefaultResetOptions()}); err != nil {
		t.Fatalf("a bulk reset with the relay on: %v", err)
	}
	// Every message goes, once, while notifications keep coming; then
	// 2,000 more come with nothing to send.
	deadline := time.Now().Add(60 * time.Second)
	for len(sk.Messages()) < len(users) && time.Now().Before(deadline) {
		flood(5)
	}
	flood(500)
	// The first flood too has ended before anything is counted, or
	// reports to t, or finds the kiosk's pool closed by the cleanup.
	<-background
	elapsed := time.Since(start)
	time.Sleep(2 * gap) // a message sent twice would have time to arrive
	per := map[string]int{}
	for _, msg := range sk.Messages() {
		for _, to := range msg.To {
			per[strings.ToLower(to)]++
		}
	}
	if len(per) != len(users) {
		t.Fatalf("mail for %d addresses after the flood, want %d: %v", len(per), len(users), per)
	}
	for to, n := range per {
		if n != 1 {
			t.Errorf("%s received %d messages, want 1", to, n)
		}
	}
	// One look per gap at most, plus the first and the messages' own:
	// a relay that slowed down looks less often, never more.
	looks := q.looks.Load()
	bound := int64(elapsed/gap) + 2 + int64(2*len(users))
	t.Logf("%d notifications over %v; the relay looked at the outbox %d times (bound %d)", notified.Load()+20000, elapsed, looks, bound)
	if looks > bound {
		t.Fatalf("the relay looked at the outbox %d times in %v of notifications, more than once per %v (%d)", looks, elapsed, gap, bound)
	}
}
