package data_test

import (
	"context"
	"testing"

	"resetdesk/data/pgtest"
)

// TestAnotherOfficeReadsNoLoginsOrKeys: two offices on one server, each its
// own database. The console groups are the server's, so a console login of
// office a that reaches office b's database (a DBA let it connect, or b
// was set up by an older ResetDesk) holds the same group grants there as
// b's own consoles. Until 0038 that was enough to read b's relay logins
// with their public keys (made from each relay's password: something to
// guess it against offline) and, for a's owner, b's self-service logins.
// Now both answer only to a console user of b.
func TestAnotherOfficeReadsNoLoginsOrKeys(t *testing.T) {
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	ctx := context.Background()
	relay, _ := relayLogin(t, b, "relay")
	if keyed, err := relay.RegisterRelayKey(ctx); err != nil || !keyed {
		t.Fatalf("b's relay registers its key: %v", err)
	}
	for _, who := range []string{"owner", "helpdesk"} {
		b.Exec(t, `GRANT CONNECT ON DATABASE `+b.Prefix+`_db TO `+a.Prefix+`_`+who)
	}
	inB := func(who string) string { return pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_"+who, a.Password) }

	for _, who := range []string{"owner", "helpdesk"} {
		t.Run(who+"'s relay keys", func(t *testing.T) {
			_, err := asRole(t, inB(who)).Exec(`SELECT * FROM resetdesk.relay_public_keys()`)
			wantSQLState(t, err, "42501")
		})
	}
	var n int
	if err := asRole(t, inB("owner")).QueryRow(`SELECT count(*) FROM resetdesk.self_service_logins`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a's owner reads %d of b's self-service logins (%v), want 0", n, err)
	}

	// b's own console users still read what they need.
	if err := asRole(t, b.HelpdeskURL).QueryRow(`SELECT count(*) FROM resetdesk.relay_public_keys()`).Scan(&n); err != nil || n != 1 {
		t.Errorf("b's helpdesk reads %d relay keys to seal to (%v), want 1", n, err)
	}
	if err := asRole(t, b.OwnerURL).QueryRow(`SELECT count(*) FROM resetdesk.self_service_logins`).Scan(&n); err != nil || n != 1 {
		t.Errorf("b's owner sees %d self-service logins (%v), want 1", n, err)
	}
	_, err := asRole(t, b.AdminURL).Exec(`SELECT * FROM resetdesk.self_service_logins`)
	wantSQLState(t, err, "42501")
}
