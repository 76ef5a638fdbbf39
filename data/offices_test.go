package data_test

import (
	"context"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
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

// TestConsoleLoginsConnectToTheirOfficeOnly: until 0039 setup granted
// CONNECT to the server-wide group resetdesk_console, so any office's
// console user could open a session in any other office's database and
// read what no grant closes there, such as how many users it has
// (pg_class.reltuples) and how many resets and mails it makes
// (pg_stat_user_tables). Now each console login may connect to its own
// office's database only, however it was made (setup, the DBA's admin
// add, the owner's), and loses it when the owner disables or removes it.
// A database set up before keeps its console logins working when setup
// runs again, and the group loses its CONNECT there.
func TestConsoleLoginsConnectToTheirOfficeOnly(t *testing.T) {
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	ctx := context.Background()
	for _, who := range []string{"owner", "admin", "helpdesk", "viewer"} {
		db := asRole(t, pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_"+who, a.Password))
		t.Run(who+" in another office", func(t *testing.T) { wantSQLState(t, db.PingContext(ctx), "42501") })
		if !connects(t, a, a.Prefix+"_"+who) {
			t.Errorf("a's %s cannot connect to a's database", who)
		}
	}

	// The owner's console users: in while active, out once disabled or removed.
	add := func(name string) int64 {
		t.Helper()
		id, err := a.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: a.Prefix + "_" + name, Email: name + "@acme.test", Password: a.Password})
		if err != nil {
			t.Fatalf("the owner adds %s: %v", name, err)
		}
		if !connects(t, a, a.Prefix+"_"+name) {
			t.Fatalf("%s, just added by the owner, cannot connect", name)
		}
		db := asRole(t, pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_"+name, a.Password))
		wantSQLState(t, db.PingContext(ctx), "42501")
		return id
	}
	dana, rob := add("dana"), add("rob")
	if err := a.Owner.DisableConsoleUser(ctx, dana); err != nil {
		t.Fatal(err)
	}
	if err := a.Owner.RemoveConsoleUser(ctx, rob); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"dana", "rob"} {
		if connects(t, a, a.Prefix+"_"+who) {
			t.Errorf("%s connects after the owner took their access", who)
		}
	}

	// b as an older setup left it: CONNECT for the group, none per login.
	db := b.Prefix + "_db"
	b.Exec(t, `GRANT CONNECT ON DATABASE `+db+` TO resetdesk_console`)
	for _, who := range []string{"owner", "admin", "helpdesk", "viewer"} {
		b.Exec(t, `REVOKE CONNECT ON DATABASE `+db+` FROM `+b.Prefix+`_`+who)
	}
	strangerIn := func() error {
		return asRole(t, pgtest.RoleURL(t, b.SuperURL, a.Prefix+"_admin", a.Password)).PingContext(ctx)
	}
	if err := strangerIn(); err != nil {
		t.Fatalf("the arranged database is not open to the console group: %v", err)
	}
	if res, err := b.Super.Setup(ctx, data.SetupOptions{}); err != nil || len(res.Advice) != 0 {
		t.Fatalf("setup again: advice %q, %v", res.Advice, err)
	}
	wantSQLState(t, strangerIn(), "42501")
	for _, who := range []string{"owner", "admin", "helpdesk", "viewer"} {
		if !connects(t, b, b.Prefix+"_"+who) {
			t.Errorf("b's %s cannot connect after setup", who)
		}
	}
}

// TestADroppedLoginsNameOpensNothing: login roles are the server's, and
// rows here named them by name only. Once the DBA drops a login, another
// office may make one with the same name (adam moved there). Until 0041
// that login was the old row's: the owner's remove of a disabled console
// user revoked the other office's adam's group (locking him out there),
// and setup granted CONNECT here to whoever bore a registered name, which
// made them this office's admin or relay. Now every row keeps its login's
// OID and counts only for that role.
func TestADroppedLoginsNameOpensNothing(t *testing.T) {
	a, b := pgtest.NewOrg(t), pgtest.NewOrg(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// dropAndTake drops a's login name (as a DBA would, with what it was
	// granted here) and makes b's owner a login of that name in b.
	dropAndTake := func(name string, take func(string) error) {
		t.Helper()
		a.Exec(t, `BEGIN; SET LOCAL ROLE resetdesk_provisioner; REVOKE CONNECT ON DATABASE `+a.Prefix+`_db FROM `+name+`; COMMIT`)
		a.Exec(t, `DROP OWNED BY `+name)
		a.Exec(t, `DROP ROLE `+name)
		if err := take(name); err != nil {
			t.Fatalf("b's owner takes the name %s: %v", name, err)
		}
	}
	asB := func(name string) string { return pgtest.RoleURL(t, a.SuperURL, name, b.Password) }

	// A disabled console user's login, dropped, its name taken in b.
	dana := a.Prefix + "_dana"
	danaID, err := a.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: dana, Email: "dana@acme.test", Password: a.Password})
	must(err)
	must(a.Owner.DisableConsoleUser(ctx, danaID))
	dropAndTake(dana, func(n string) error {
		_, err := b.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: n, Email: "dana@b.test", Password: b.Password})
		return err
	})
	if err := a.Owner.SetConsoleRole(ctx, danaID, a.Prefix+"helpdesk"); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("a's owner sets the role of the row whose login b now has: %v", err)
	}
	must(a.Owner.RemoveConsoleUser(ctx, danaID))
	var perms []byte
	if err := asRole(t, pgtest.RoleURL(t, b.SuperURL, dana, b.Password)).QueryRow(`SELECT resetdesk.my_permissions()::text`).Scan(&perms); err != nil {
		t.Errorf("b's %s after a's owner removed a's old row of that name: %v", dana, err)
	}

	// A confirmed console user's and a relay's login, dropped, names taken in b.
	erin := a.Prefix + "_erin"
	_, err = a.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: erin, Email: "erin@acme.test", Password: a.Password})
	must(err)
	mail := a.Prefix + "_mailrelay"
	must(a.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: mail, Password: a.Password}))
	desk := a.Prefix + "_desk"
	must(a.Super.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: desk, Password: a.Password}))
	dropAndTake(erin, func(n string) error {
		_, err := b.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: n, Email: "erin@b.test", Password: b.Password})
		return err
	})
	dropAndTake(mail, func(n string) error {
		return b.Owner.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: n, Password: b.Password})
	})
	dropAndTake(desk, func(n string) error {
		return b.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: n, Password: b.Password})
	})
	if _, err := a.Super.Setup(ctx, data.SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{erin, mail, desk} {
		wantSQLState(t, asRole(t, asB(n)).PingContext(ctx), "42501")
	}
	// Even let in by hand, none of them is a's.
	for _, n := range []string{erin, mail, desk} {
		a.Exec(t, `GRANT CONNECT ON DATABASE `+a.Prefix+`_db TO `+n)
	}
	for _, c := range []struct{ who, query string }{
		{erin, `SELECT resetdesk.my_permissions()`},
		{mail, `SELECT * FROM resetdesk.relay_next()`},
		{desk, `SELECT resetdesk.self_service_try('complete_reset', 'owner@acme.test', repeat('0', 64), '` + testHash + `')`},
	} {
		_, err := asRole(t, asB(c.who)).Exec(c.query)
		t.Run(c.who, func(t *testing.T) { wantSQLState(t, err, "42501") })
	}
	var n int
	if err := asRole(t, asB(erin)).QueryRow(`SELECT count(*) FROM resetdesk.users`).Scan(&n); err != nil || n != 0 {
		t.Errorf("b's %s reads %d of a's users (%v)", erin, n, err)
	}
	// a's owner takes back the self-service registration: b's login of
	// that name keeps its LOGIN.
	must(a.Owner.RemoveSelfServiceLogin(ctx, desk))
	if err := asRole(t, pgtest.RoleURL(t, b.SuperURL, desk, b.Password)).PingContext(ctx); err != nil {
		t.Errorf("b's self-service login %s after a's owner removed a's registration of that name: %v", desk, err)
	}
}
