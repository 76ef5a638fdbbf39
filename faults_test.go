package main

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"resetdesk/app"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/sink"
)

// mailFixture is an org with five confirmed members and a Resetter whose
// mailer points at addr.
type mailFixture struct {
	o     *pgtest.Org
	super *sql.DB
	req   app.ResetRequest
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	o := pgtest.NewOrg(t)
	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'User ' || i, 'user' || i || '@acme.test', 'confirmed'
	             FROM generate_series(1, 5) i`)
	ctx := context.Background()
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := o.Owner.Users(ctx, app.UserFilter{Search: "user"})
	if err != nil || len(users) != 5 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	super, err := sql.Open("postgres", o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { super.Close() })
	return &mailFixture{o: o, super: super, req: app.ResetRequest{Actor: actor, Org: org, Users: users, Options: app.DefaultResetOptions()}}
}

func (f *mailFixture) reset(t *testing.T, addr string) []app.ResetResult {
	t.Helper()
	cfg, err := mail.ParseURL("smtp://" + addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	cfg.From, cfg.Timeout = "noreply@acme.test", 5*time.Second
	m, err := mail.NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Backoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}
	res, err := (&app.Resetter{Dir: f.o.Owner, Mail: m}).Reset(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != app.OutcomeReset {
			t.Fatalf("%s: %s %s", r.User.Login(), r.Outcome, r.Reason)
		}
	}
	return res
}

// rows returns each user's latest delivery: status and last_error.
func (f *mailFixture) rows(t *testing.T) map[string][2]string {
	t.Helper()
	rs, err := f.super.Query(`SELECT DISTINCT ON (to_address) to_address, status, coalesce(last_error, '')
	                            FROM resetdesk.mail_deliveries ORDER BY to_address, id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string][2]string{}
	for rs.Next() {
		var to, status, msg string
		rs.Scan(&to, &status, &msg)
		out[to] = [2]string{status, msg}
	}
	return out
}

// liveCodes counts users with a live one-time password: the resets stand
// whatever happened to the mail.
func (f *mailFixture) liveCodes(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.super.QueryRow(`SELECT count(DISTINCT user_id) FROM resetdesk.one_time_passwords WHERE voided_at IS NULL AND used_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMailServerDown(t *testing.T) {
	f := newMailFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, r := range f.reset(t, addr) {
		if r.Delivery.Status != app.DeliveryFailed || !strings.Contains(r.Delivery.LastError, "127.0.0.1") {
			t.Fatalf("%s: %+v", r.User.Login(), r.Delivery)
		}
	}
	for to, row := range f.rows(t) {
		if row[0] != "failed" || row[1] == "" {
			t.Fatalf("%s: %v", to, row)
		}
	}
	if n := f.liveCodes(t); n != 5 {
		t.Fatalf("%d live codes, want 5: the resets must stand", n)
	}
}

func TestMailRecipientFaults(t *testing.T) {
	f := newMailFixture(t)
	s, err := sink.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetReject(func(rcpt string) *gosmtp.SMTPError {
		if rcpt == "user2@acme.test" {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "User unknown in virtual mailbox table"}
		}
		return nil
	})
	s.FailNext(451, "4.3.0 Try again later") // the first message: temporary, retried
	s.DropAfter(2)                           // then the connection dies after two more
	f.reset(t, s.Addr())
	rows := f.rows(t)
	for i := 1; i <= 5; i++ {
		to := "user" + string(rune('0'+i)) + "@acme.test"
		row := rows[to]
		if to == "user2@acme.test" {
			if row[0] != "failed" || !strings.Contains(row[1], "550") || !strings.Contains(row[1], "User unknown") {
				t.Fatalf("%s: %v, want failed with the server's words", to, row)
			}
			continue
		}
		if row[0] != "sent" {
			t.Fatalf("%s: %v, want sent after the retries", to, row)
		}
	}
	if got := len(s.Messages()); got != 4 {
		t.Fatalf("the sink holds %d messages, want 4", got)
	}
	var retried int
	if err := f.super.QueryRow(`SELECT count(*) FROM resetdesk.mail_deliveries WHERE attempts > 1`).Scan(&retried); err != nil || retried < 1 {
		t.Fatalf("%d deliveries record more than one attempt (%v); the 451 was retried", retried, err)
	}
	if n := f.liveCodes(t); n != 5 {
		t.Fatalf("%d live codes, want 5", n)
	}

	// Resend for the one that failed: a fresh code, the old one void.
	before := f.liveCodes(t)
	f.req.Users = f.req.Users[1:2]
	s.SetReject(nil)
	res := f.reset(t, s.Addr())
	if res[0].Delivery.Status != app.DeliverySent || f.liveCodes(t) != before {
		t.Fatalf("resend: %+v", res[0].Delivery)
	}
}

// TestPendingAfterCrash: rows of messages whose sending was never confirmed
// stay pending, which screens show as "not confirmed sent"; a late report
// cannot turn a sent message into a failed one.
func TestPendingAfterCrash(t *testing.T) {
	f := newMailFixture(t)
	ctx := context.Background()
	b := app.ResetBatch{Options: app.DefaultResetOptions()}
	for _, u := range f.req.Users {
		b.Targets = append(b.Targets, app.ResetTarget{UserID: u.ID, CodeHash: app.HashCode("ABCDE-FGHJK")})
	}
	applied, err := f.o.Owner.ApplyReset(ctx, b) // ... and the app dies before sending
	if err != nil {
		t.Fatal(err)
	}
	for to, row := range f.rows(t) {
		if row[0] != "pending" {
			t.Fatalf("%s: %v", to, row)
		}
	}
	d := applied[0].Delivery
	d.Status = app.DeliverySent
	if err := f.o.Owner.RecordDeliveries(ctx, []app.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	d.Status, d.LastError = app.DeliveryFailed, "late"
	if err := f.o.Owner.RecordDeliveries(ctx, []app.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.o.Owner.Deliveries(ctx, app.DeliveryFilter{UserID: d.UserID})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliverySent {
		t.Fatalf("%+v %v", ds, err)
	}
}
