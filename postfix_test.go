package main

import (
	"bytes"
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/postfixtest"
)

// TestPostfixStartTLSAuth resets a user through a real submission server:
// Debian's Postfix with Dovecot SASL, STARTTLS offered, AUTH only after TLS.
// With the right login the one-time password arrives and mail_deliveries
// says sent; with a wrong one the reset still stands, the delivery is failed
// and its last_error carries Postfix's own 535 in a sentence naming the server.
func TestPostfixStartTLSAuth(t *testing.T) {
	start := time.Now()
	o := pgtest.NewOrg(t)
	srv := postfixtest.Start(t)
	t.Logf("Postfix + Dovecot on %s, database ready, after %v", srv.Addr(), time.Since(start).Round(time.Millisecond))
	ctx := context.Background()

	o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT id, 'Pat Postfix', 'pat@acme.test', 'confirmed' FROM resetdesk.orgs`)
	actor, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := o.Owner.Users(ctx, app.UserFilter{Search: "pat@acme.test"})
	if err != nil || len(users) != 1 {
		t.Fatalf("users: %d, %v", len(users), err)
	}
	db, err := sql.Open("postgres", o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	pool, err := mail.LoadCAFile(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	mailer := func(host string, tls mail.TLSMode, password string) *mail.Mailer {
		t.Helper()
		m, err := mail.NewMailer(mail.Config{Host: host, Port: srv.Port(), TLS: tls,
			Username: srv.Username, Password: password, From: "ResetDesk <noreply@acme.test>",
			RootCAs: pool, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m.Backoff = nil // a refused login is final anyway; keep failures fast
		return m
	}
	good := mailer("localhost", mail.TLSStartTLS, srv.Password)
	bad := mailer("127.0.0.1", mail.TLSStartTLS, srv.Password+"-wrong")

	// The row the last reset left for pat, as the Mail view would read it.
	type row struct {
		id        int64
		status    string
		lastError sql.NullString
		attempts  int
	}
	lastDelivery := func() row {
		t.Helper()
		var r row
		err := db.QueryRow(`SELECT id, status, last_error, attempts FROM resetdesk.mail_deliveries
		                     WHERE to_address = 'pat@acme.test' ORDER BY id DESC LIMIT 1`).
			Scan(&r.id, &r.status, &r.lastError, &r.attempts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reset := func(m *mail.Mailer) app.ResetResult {
		t.Helper()
		r := app.Resetter{Dir: o.Owner, Mail: m}
		res, err := r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: users, Options: app.DefaultResetOptions()})
		if err != nil {
			t.Fatalf("reset: %v", err)
		}
		if len(res) != 1 || res[0].Outcome != app.OutcomeReset {
			t.Fatalf("reset: %+v", res)
		}
		return res[0]
	}

	// Settings' "Test connection": STARTTLS, then the login.
	if err := good.Check(ctx); err != nil {
		t.Fatalf("Check with the right password: %v", err)
	}
	err = bad.Check(ctx)
	if app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), "535") {
		t.Fatalf("Check with a wrong password: %v; want EUNAUTHORIZED with Postfix's 535", err)
	}

	// The right password: the code goes out and arrives.
	res := reset(good)
	if res.Delivery.Status != app.DeliverySent || res.Delivery.LastError != "" {
		t.Fatalf("delivery %s: %s", res.Delivery.Status, res.Delivery.LastError)
	}
	if r := lastDelivery(); r.id != res.Delivery.ID || r.status != "sent" || r.lastError.Valid || r.attempts != 1 {
		t.Fatalf("mail_deliveries after a good send: %+v, want id %d sent", r, res.Delivery.ID)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	msg := msgs[0]
	for _, want := range []string{"Delivered-To: pat@acme.test", "Return-Path: <noreply@acme.test>", "(using TLS", "Authenticated sender"} {
		if !bytes.Contains(msg, []byte(want)) {
			t.Errorf("the delivered message lacks %q:\n%s", want, headerOf(msg))
		}
	}
	code := mailedSecret(t, msg)
	if !codeRE.MatchString(code) {
		t.Fatalf("no one-time password in the delivered message:\n%s", msg)
	}
	var live int
	if err := db.QueryRow(`SELECT count(*) FROM resetdesk.one_time_passwords o JOIN resetdesk.users u ON u.id = o.user_id
	                        WHERE u.primary_email = 'pat@acme.test' AND o.code_hash = $1
	                          AND o.used_at IS NULL AND o.voided_at IS NULL`, app.HashCode(code)).Scan(&live); err != nil || live != 1 {
		t.Fatalf("the mailed code is not pat's live one-time password: %d rows, %v", live, err)
	}

	// A wrong password: the reset stands, the mail fails in Postfix's words.
	res = reset(bad)
	if res.Delivery.Status != app.DeliveryFailed {
		t.Fatalf("delivery with a wrong password: %s, want failed", res.Delivery.Status)
	}
	le := res.Delivery.LastError
	for _, want := range []string{
		"The mail server at 127.0.0.1:" + strconv.Itoa(srv.Port()) + " refused the login for user " + srv.Username,
		"535 5.7.8", "authentication failed",
	} {
		if !strings.Contains(le, want) {
			t.Errorf("last error lacks %q: %s", want, le)
		}
	}
	if strings.Contains(le, srv.Password) {
		t.Errorf("the last error holds the password")
	}
	t.Logf("last_error with a wrong password: %s", le)
	r := lastDelivery()
	if r.id != res.Delivery.ID || r.status != "failed" || r.lastError.String != le {
		t.Fatalf("mail_deliveries after a refused login: %+v, want id %d failed with %q", r, res.Delivery.ID, le)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages delivered after the refused login, want still 1", n)
	}

	// Without TLS, Postfix does not even offer AUTH (smtpd_tls_auth_only):
	// the Mailer says so rather than sending anything.
	err = mailer("127.0.0.1", mail.TLSNone, srv.Password).Check(ctx)
	if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "does not offer a login (AUTH)") {
		t.Fatalf("Check without TLS: %v; want AUTH not offered", err)
	}

	// And without a login, Postfix relays nothing.
	anon, err := mail.NewMailer(mail.Config{Host: "localhost", Port: srv.Port(), From: "noreply@acme.test", RootCAs: pool, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	anon.Backoff = nil
	errs := anon.Send(ctx, []app.Notice{{Kind: app.KindTest, To: "pat@acme.test", OrgName: "Acme Test"}})
	if len(errs) != 1 || !strings.Contains(app.ErrorMessage(errs[0]), "554 5.7.1") {
		t.Fatalf("send without a login: %v; want Postfix's 554 5.7.1 refusal", errs)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages delivered after the anonymous try, want still 1", n)
	}
	t.Logf("whole test before cleanup: %v", time.Since(start).Round(time.Millisecond))
}

// headerOf is the header block of a message, for failure output that does
// not print a one-time password.
func headerOf(msg []byte) []byte {
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		return msg[:i]
	}
	return msg
}
