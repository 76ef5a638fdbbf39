package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"resetdesk/app"
)

// dumpDatabase is every row of every table of the test database, as a
// superuser reads them (catalogs included, after ANALYZE has filled
// pg_statistic with the most common values of each column), one text.
func (f *relayFixture) dumpDatabase(t *testing.T) []byte {
	t.Helper()
	if _, err := f.super.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	rows, err := f.super.Query(`SELECT format('%I.%I', n.nspname, c.relname)
	                              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	                             WHERE c.relkind IN ('r', 'p', 'm') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 50 {
		t.Fatalf("only %d tables to read", len(tables))
	}
	var dump bytes.Buffer
	for _, table := range tables {
		rows, err := f.super.Query(`SELECT t::text FROM ` + table + ` t`)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		for rows.Next() {
			var line []byte
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			dump.Write(line)
			dump.WriteByte('\n')
		}
		rows.Close()
	}
	return dump.Bytes()
}

// secretForms is how a secret could sit in a table: as typed, without its
// dash, in lower case, as hex (a bytea's text form) and as base64.
func secretForms(s string) []string {
	forms := []string{s, strings.ReplaceAll(s, "-", ""), strings.ToLower(s), strings.ToLower(strings.ReplaceAll(s, "-", "")),
		hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))}
	return forms
}

// findSecret names the first form of secret found in dump ("" if none).
func findSecret(dump []byte, secret string) string {
	for _, f := range secretForms(secret) {
		if bytes.Contains(dump, []byte(f)) {
			return f
		}
	}
	return ""
}

// TestRelayLeavesNoSecretAtRest: with the office mail relay on, a helpdesk
// role's one-time reset and the owner's emailed set password go out
// through a real Postfix. A superuser who reads every table of the
// database, while the mail waits and after it went, finds neither the code
// nor the password in any form; and both work for the user: the code
// completes the reset, the password is replaced with the user's own.
func TestRelayLeavesNoSecretAtRest(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test", "quinn@acme.test")
	relayReset(t, f.o.Helpdesk, users[:1], app.DefaultResetOptions())
	res := relayReset(t, f.o.Owner, users[1:], app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true, ForceChange: true})
	if res[0].Delivery.Status != app.DeliveryQueued || res[0].Password == "" {
		t.Fatalf("the owner's emailed password: %s, %v", res[0].Delivery.Status, res[0].Password != "")
	}
	password := res[0].Password
	if form := findSecret(f.dumpDatabase(t), password); form != "" {
		t.Fatalf("the emailed password waits in the database in plain text (as %d characters)", len(form))
	}

	f.startRelay(t, f.mailer(t, f.srv.Password))
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())
	if len(got["pat@acme.test"]) != 1 || len(got["quinn@acme.test"]) != 1 {
		t.Fatalf("delivered: pat %d, quinn %d; want one each", len(got["pat@acme.test"]), len(got["quinn@acme.test"]))
	}
	code := mailedSecret(t, got["pat@acme.test"][0])
	if !codeRE.MatchString(code) {
		t.Fatal("no code in pat's mail")
	}
	if mailedSecret(t, got["quinn@acme.test"][0]) != password {
		t.Fatal("quinn's mail does not carry the password set")
	}
	dump := f.dumpDatabase(t)
	if form := findSecret(dump, code); form != "" {
		t.Fatalf("the mailed code is in the database in plain text (as %d characters)", len(form))
	}
	if form := findSecret(dump, password); form != "" {
		t.Fatalf("the mailed password is in the database in plain text (as %d characters)", len(form))
	}
	// The dump can find a secret: pat's code's hash is there.
	if !bytes.Contains(dump, []byte(app.HashCode(code))) {
		t.Fatal("the dump lacks the hash of pat's code: it does not read what it should")
	}

	typed := strings.ToLower(strings.Replace(code, "-", " ", 1))
	s, err := app.CompleteReset(ctx, f.o.EndUser, app.SelfServiceRequest{Login: "pat@acme.test", Secret: typed,
		NewPassword: "Correct horse battery staple 2026!", Again: "Correct horse battery staple 2026!"})
	if err != nil || s != app.CompletionOK {
		t.Fatalf("pat completes with the mailed code: %s %v", s, err)
	}
	s, err = app.ChangeTemporaryPassword(ctx, f.o.EndUser, app.SelfServiceRequest{Login: "quinn@acme.test", Secret: password,
		NewPassword: "Tangerine lanterns over Oslo 77", Again: "Tangerine lanterns over Oslo 77"})
	if err != nil || s != app.CompletionOK {
		t.Fatalf("quinn replaces the mailed password: %s %v", s, err)
	}
}

// TestRelayKilledAfterSendMailsANewCode: a relay cut off between Postfix's
// 250 and its commit. The user gets the mail twice, with two different
// codes: the first answers invalid, the second completes the reset.
func TestRelayKilledAfterSendMailsANewCode(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	users := f.addUsers(t, "pat@acme.test")
	relayReset(t, f.o.Helpdesk, users, app.DefaultResetOptions())
	k := &killingMailer{m: f.mailer(t, f.srv.Password), super: f.super, role: f.o.Prefix + "_relay", at: 1}
	f.startRelay(t, k)
	f.waitSettled(t)
	got := messagesTo(f.srv.Messages())["pat@acme.test"]
	if len(got) != 2 {
		t.Fatalf("pat received %d messages, want 2 (the first one's record was cut off)", len(got))
	}
	first, second := mailedSecret(t, got[0]), mailedSecret(t, got[1])
	if !codeRE.MatchString(first) || !codeRE.MatchString(second) || first == second {
		t.Fatal("want two different codes in pat's two messages")
	}
	newPassword := "Correct horse battery staple 2026!"
	req := app.SelfServiceRequest{Login: "pat@acme.test", Secret: first, NewPassword: newPassword, Again: newPassword}
	if s, err := app.CompleteReset(ctx, f.o.EndUser, req); err != nil || s != app.CompletionInvalid {
		t.Fatalf("the first mail's code: %s %v, want invalid", s, err)
	}
	req.Secret = second
	if s, err := app.CompleteReset(ctx, f.o.EndUser, req); err != nil || s != app.CompletionOK {
		t.Fatalf("the second mail's code: %s %v", s, err)
	}
}
