package data_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

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
// reset_password) cannot choose the code, read it, mark its mail sent or
// redeem it. The relay's login reads it, and the user completes with it.
func TestRelayKeepsCodesFromConsoles(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	id := addUser(t, o, "victim@acme.test", "confirmed")
	relay, relayURL := relayLogin(t, o, "relay")
	hana := asRole(t, o.HelpdeskURL)
	chosen := app.HashCode("KNOWN-CODE1")

	var deliveryID int64
	var kind string
	err := hana.QueryRowContext(ctx, `SELECT delivery_id, delivery_kind FROM resetdesk.reset_passwords(ARRAY[$1::bigint],
	        'one_time_password', ARRAY[NULL::text], ARRAY[$2::text], false, false, false, false)`, id, chosen).Scan(&deliveryID, &kind)
	if err != nil || kind != "one_time_password" {
		t.Fatalf("hana's reset: %s %v", kind, err)
	}
	var stored string
	if err := superDB(t, o).QueryRow(`SELECT code_hash FROM resetdesk.one_time_passwords WHERE user_id = $1 AND voided_at IS NULL`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == chosen {
		t.Fatal("the code is the one hana chose")
	}

	for _, c := range []struct{ name, query string }{
		{"read the outbox", `SELECT secret FROM resetdesk.mail_secrets`},
		{"read the code's hash", `SELECT code_hash FROM resetdesk.one_time_passwords`},
		{"read the codes", `SELECT code FROM resetdesk.one_time_codes`},
		{"take the message as a relay", `SELECT * FROM resetdesk.relay_next()`},
		{"mark it sent as a relay", `SELECT resetdesk.relay_done(` + itoa(deliveryID) + `, 'sent', NULL, NULL)`},
		{"mark it sent as its sender", `SELECT resetdesk.record_deliveries(ARRAY[` + itoa(deliveryID) + `::bigint], '{sent}', '{NULL}', '{1}')`},
		{"mark it sent by hand", `UPDATE resetdesk.mail_deliveries SET status = 'sent'`},
		{"put in a code of her own", `INSERT INTO resetdesk.mail_secrets VALUES (` + itoa(deliveryID) + `, 'KNOWN-CODE1', now() + interval '1 hour')`},
		{"redeem a code", `SELECT resetdesk.complete_reset('victim@acme.test', '` + chosen + `', '` + testHash + `')`},
		{"make herself a relay", `SELECT resetdesk.add_relay_login('hana_relay', 'x')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hana.ExecContext(ctx, c.query)
			wantSQLState(t, err, "42501")
		})
	}
	// The one function that takes a secret from a console takes none for a code.
	var n int
	if err := hana.QueryRowContext(ctx, `SELECT resetdesk.queue_password_mails(ARRAY[$1::bigint], '{KNOWN-CODE1}')`, deliveryID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("queue_password_mails on a code's message: %d %v", n, err)
	}
	// The owner cannot read it either, nor a login outside ResetDesk take it.
	if _, err := asRole(t, o.OwnerURL).ExecContext(ctx, `SELECT code FROM resetdesk.one_time_codes`); err == nil {
		t.Fatal("the owner read the outbox")
	}
	_, err = asRole(t, o.StrangerURL).ExecContext(ctx, `SELECT * FROM resetdesk.relay_next()`)
	wantSQLState(t, err, "42501")

	ds, err := o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliveryQueued {
		t.Fatalf("hana's Mail view: %+v %v", ds, err)
	}

	// The relay takes it, with the code, and says it went.
	var code string
	more, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		code = m.Notice.Secret
		if m.Notice.DeliveryID != deliveryID || m.Notice.To != "victim@acme.test" || m.Notice.OrgName != "Acme Test" {
			t.Errorf("the relay's message: %+v", m.Notice)
		}
		return data.RelayOutcome{Status: app.DeliverySent}
	})
	if err != nil || !more {
		t.Fatalf("relay: %v %v", more, err)
	}
	if !codeFormat.MatchString(code) || app.HashCode(code) != stored {
		t.Fatalf("the relay's code %q is not the stored one", code)
	}
	var left int
	if err := superDB(t, o).QueryRow(`SELECT (SELECT count(*) FROM resetdesk.mail_secrets) + (SELECT count(*) FROM resetdesk.one_time_codes)`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("secrets left after sending: %d %v", left, err)
	}
	// The relay cannot redeem either: it is not an end-user login.
	_, err = asRole(t, relayURL).ExecContext(ctx, `SELECT resetdesk.complete_reset('victim@acme.test', $1, $2)`, stored, testHash)
	wantSQLState(t, err, "42501")
	if s, err := o.EndUser.CompleteReset(ctx, "victim@acme.test", app.HashCode(code), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("the user's completion with the relay's code: %s %v", s, err)
	}
	ds, err = o.Helpdesk.Deliveries(ctx, app.DeliveryFilter{UserID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != app.DeliverySent {
		t.Fatalf("after the relay: %+v %v", ds, err)
	}
}

// TestRelayCodesAreUniform: the database's codes use the whole alphabet in
// every position, roughly evenly (a chi-square bound that a fair source
// fails about once in a million runs).
func TestRelayCodesAreUniform(t *testing.T) {
	o := pgtest.NewOrg(t)
	const n = 3200
	rows, err := superDB(t, o).Query(`SELECT resetdesk.new_one_time_code() FROM generate_series(1, $1)`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := map[rune]int{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		if !codeFormat.MatchString(c) {
			t.Fatalf("code %q", c)
		}
		for _, r := range c {
			if r != '-' {
				counts[r]++
			}
		}
	}
	if len(counts) != len(app.CodeAlphabet) {
		t.Fatalf("%d characters used, want %d", len(counts), len(app.CodeAlphabet))
	}
	want := float64(n*app.CodeLength) / float64(len(app.CodeAlphabet))
	var chi float64
	for _, c := range counts {
		chi += (float64(c) - want) * (float64(c) - want) / want
	}
	if chi > 80 { // 31 degrees of freedom: p < 1e-6
		t.Fatalf("chi-square %.1f: the characters are not evenly drawn %v", chi, counts)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
