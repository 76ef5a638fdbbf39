package data_test

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// seedTestDemo seeds a demo into a database of its own on the test server
// (dropped at cleanup) with role names no other test uses.
func seedTestDemo(t *testing.T) (superURL string, opt data.DemoOptions, info data.DemoInfo) {
	t.Helper()
	ctx := context.Background()
	superURL, prefix := pgtest.NewDatabase(t)
	opt = data.DemoOptions{Password: "demo-" + prefix + "-Pass!", Database: prefix + "_demo", RolePrefix: prefix}
	t.Cleanup(func() { dropDatabase(t, superURL, opt.Database) })
	start := time.Now()
	info, err := data.SeedDemo(ctx, superURL, opt)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded %d users, %d sessions, %d API tokens, %d deliveries, %d audit events in %v",
		info.Users, info.Sessions, info.APITokens, info.Deliveries, info.AuditEvents, time.Since(start).Round(time.Millisecond))
	return superURL, opt, info
}

// dropDatabase runs before pgtest drops the roles (cleanups run last in,
// first out), so the demo's roles own nothing by then.
func dropDatabase(t *testing.T, superURL, name string) {
	db, err := sql.Open("postgres", superURL)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	if _, err := db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
		t.Errorf("drop demo database: %v", err)
	}
}

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	superURL, opt, info := seedTestDemo(t)
	if !info.Seeded || info.OrgName != data.DemoOrgName || info.OwnerRole != opt.RolePrefix+"_owner" {
		t.Fatalf("info %+v", info)
	}
	if info.Sessions < 100 || info.APITokens < 40 || info.Deliveries < 5 || info.AuditEvents < 5 {
		t.Errorf("too little activity: %+v", info)
	}

	owner, err := data.Open(ctx, info.OwnerURL)
	if err != nil {
		t.Fatalf("sign in as the owner: %v", err)
	}
	defer owner.Close()
	actor, org, err := owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !actor.IsOwner() || org.Name != data.DemoOrgName || !org.AdminsMaySetPasswords || org.SSOEnabled || !org.MailRelay {
		t.Fatalf("actor %+v, org %+v", actor, org)
	}
	users, err := owner.Users(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) < 250 || len(users) != info.Users {
		t.Fatalf("the owner sees %d users, info says %d", len(users), info.Users)
	}

	// Every reason of section 4 occurs, and most users can be reset.
	reasons := map[app.SkipReason]int{}
	now := time.Now()
	var locked, withPassword, tempPassword int
	logins := map[string]bool{}
	for _, u := range users {
		reasons[app.SkipReasonFor(actor, org, u, app.DefaultResetOptions())]++
		if u.Locked(now) {
			locked++
		}
		if u.HasPassword {
			withPassword++
		}
		if u.MustChangePassword && u.PasswordExpiresAt.After(now) {
			tempPassword++
		}
		if logins[strings.ToLower(u.Login())] {
			t.Errorf("two users sign in as %s", u.Login())
		}
		logins[strings.ToLower(u.Login())] = true
	}
	t.Logf("the owner's one-time reset of everyone: %d eligible, skipped %v", reasons[""], reasons)
	for _, r := range app.SkipReasons {
		if reasons[r] == 0 {
			t.Errorf("no user is skipped for %s; reasons: %v", r, reasons)
		}
	}
	if reasons[""] < 200 {
		t.Errorf("only %d users can be reset; reasons: %v", reasons[""], reasons)
	}
	if locked < 5 || withPassword < 200 || tempPassword < 3 {
		t.Errorf("locked %d, with a password %d, temporary password %d", locked, withPassword, tempPassword)
	}
	for _, name := range []string{"Zoë Ångström", "José Núñez", "李雷"} {
		found, err := owner.Users(ctx, app.UserFilter{Search: name})
		if err != nil || len(found) != 1 {
			t.Errorf("search %q: %d users, %v", name, len(found), err)
		}
	}
	zoe, err := owner.UserByLogin(ctx, "zoe.angstrom@northwind.example")
	if err != nil || zoe.DisplayName != "Zoë Ångström" {
		t.Errorf("Zoë: %+v, %v", zoe, err)
	}

	// The mail history has each state, and a bounce in the server's words.
	ds, err := owner.Deliveries(ctx, app.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[app.DeliveryStatus]int{}
	var bounce bool
	for _, d := range ds {
		states[d.Status]++
		bounce = bounce || strings.HasPrefix(d.LastError, "550 5.1.1 <") && strings.Contains(d.LastError, "User unknown")
	}
	if states[app.DeliverySent] == 0 || states[app.DeliveryFailed] == 0 || states[app.DeliveryPending] != 1 || !bounce {
		t.Errorf("deliveries by state %v, bounce %v", states, bounce)
	}
	events, err := owner.Audit(ctx, app.AuditFilter{Action: "reset_password"})
	if err != nil || len(events) < 5 {
		t.Errorf("reset events: %d, %v", len(events), err)
	}

	// The admin and the helpdesk user sign in with the same password; the
	// helpdesk's role may only reset.
	for _, c := range []struct {
		url   string
		perms []app.Permission
	}{
		{info.AdminURL, app.BuiltinPermissions(app.RoleAdmin)},
		{info.HelpdeskURL, []app.Permission{app.PermResetPassword}},
	} {
		db, err := data.Open(ctx, c.url)
		if err != nil {
			t.Fatalf("sign in: %v", err)
		}
		a, _, err := db.Actor(ctx)
		db.Close()
		if err != nil || !slices.Equal(a.Permissions, c.perms) {
			t.Errorf("%s: permissions %v, want %v (%v)", a.User.DBRole, a.Permissions, c.perms, err)
		}
	}

	// Sessions happen in order: created, last seen, then perhaps revoked.
	u, err := url.Parse(superURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + opt.Database
	sdb, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var disordered int
	if err := sdb.QueryRow(`SELECT count(*) FROM resetdesk.sessions
	                         WHERE last_seen_at < created_at OR last_seen_at > coalesce(revoked_at, now())`).Scan(&disordered); err != nil {
		t.Fatal(err)
	}
	if disordered > 0 {
		t.Errorf("%d demo sessions were seen before they began or after they were revoked", disordered)
	}

	// Seeding again changes nothing.
	before := demoFingerprint(t, superURL, opt.Database)
	again, err := data.SeedDemo(ctx, superURL, opt)
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if again.Seeded || again.Users != info.Users || again.AuditEvents != info.AuditEvents || again.OwnerURL != info.OwnerURL {
		t.Errorf("second seed: %+v, first %+v", again, info)
	}
	if after := demoFingerprint(t, superURL, opt.Database); after != before {
		t.Errorf("the second seed changed the directory:\n%s\n%s", before, after)
	}

	// A caller that lost the password gets its new one working.
	opt.Password = "another-" + opt.Password
	healed, err := data.SeedDemo(ctx, superURL, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{healed.HelpdeskURL, healed.SelfServiceURL, healed.RelayURL} {
		db, err := data.Open(ctx, u)
		if err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		db.Close()
	}

	// The self-service login finishes a one-time reset, as "I have a
	// one-time password" does after signing out of the demo.
	if healed.SelfServiceRole == "" || healed.SelfServiceURL == "" {
		t.Fatalf("the demo names no self-service login: %+v", healed)
	}
	member, err := owner.Users(ctx, app.UserFilter{Search: "@northwind.example"})
	if err != nil {
		t.Fatal(err)
	}
	var target app.User
	for _, m := range member {
		if m.Role == app.RoleMember && m.Status == app.StatusConfirmed && !m.SSOManaged && !m.PrimaryIsMobile &&
			!m.PrimaryEmailUndeliverable && m.PrimaryEmail != "" {
			target = m
			break
		}
	}
	// The demo's relay is on: the code the client sent is not the one; the
	// demo's relay login reads the database's, as `resetdesk demo`'s
	// in-process relay does before it mails it.
	applied, err := owner.ApplyReset(ctx, otpBatch(target.ID))
	if err != nil {
		t.Fatal(err)
	}
	if d := applied[0].Delivery; d.Status != app.DeliveryQueued {
		t.Fatalf("the demo's one-time password is %s, want queued for the relay", d.Status)
	}
	relay, err := data.Open(ctx, healed.RelayURL)
	if err != nil {
		t.Fatalf("sign in as the demo's relay login %s: %v", healed.RelayRole, err)
	}
	var code, to string
	took, err := relay.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
		code, to = m.Notice.Secret, m.Notice.To
		return data.RelayOutcome{Status: app.DeliverySent}
	})
	relay.Close()
	if err != nil || !took || to != target.PrimaryEmail || code == "" || code == "ABCDE-FGHJK" {
		t.Fatalf("the demo's relay took %v (%v): a code %q for %s, want a database-made code for %s", took, err, code, to, target.PrimaryEmail)
	}
	self, err := data.Open(ctx, healed.SelfServiceURL)
	if err != nil {
		t.Fatalf("sign in as the demo's self-service login: %v", err)
	}
	typed := strings.ToLower(strings.Replace(code, "-", " ", 1))
	s, err := app.CompleteReset(ctx, self, app.SelfServiceRequest{Login: strings.ToUpper(target.PrimaryEmail),
		Secret: typed, NewPassword: "a-demo-users-own-passphrase", Again: "a-demo-users-own-passphrase"})
	self.Close()
	if err != nil || s != app.CompletionOK {
		t.Fatalf("the demo's self-service login completing %s: %s %v", target.PrimaryEmail, s, err)
	}
}

// demoFingerprint sums up every table the demo writes, as the superuser
// sees them.
func demoFingerprint(t *testing.T, superURL, database string) string {
	t.Helper()
	u, err := url.Parse(superURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const q = `
		SELECT concat_ws(' ',
		    (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM resetdesk.orgs o),
		    (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM resetdesk.users u),
		    (SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM resetdesk.sessions s),
		    (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM resetdesk.api_tokens x),
		    (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM resetdesk.one_time_passwords p),
		    (SELECT md5(string_agg(r::text, ',' ORDER BY name)) FROM resetdesk.roles r),
		    (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM resetdesk.audit_events e),
		    (SELECT md5(string_agg(d::text, ',' ORDER BY id)) FROM resetdesk.mail_deliveries d))`
	var fp string
	if err := db.QueryRow(q).Scan(&fp); err != nil {
		t.Fatal(err)
	}
	return fp
}

func TestSeedDemoRefusesAnotherOrg(t *testing.T) {
	o := pgtest.NewOrg(t)
	u, err := url.Parse(o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = data.SeedDemo(context.Background(), o.SuperURL, data.DemoOptions{
		Password: o.Password, Database: strings.TrimPrefix(u.Path, "/"), RolePrefix: o.Prefix + "_demo"})
	if app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(app.ErrorMessage(err), "Acme Test") {
		t.Fatalf("seeding a database with another org: %v", err)
	}
}

func TestSeedDemoOptions(t *testing.T) {
	for _, opt := range []data.DemoOptions{
		{Password: "short"},
		{Password: "long enough password", Database: "Robert'); DROP TABLE"},
		{Password: "long enough password", RolePrefix: "Bad-Prefix"},
		{Password: "long enough password", RolePrefix: "pg_demo"},
	} {
		_, err := data.SeedDemo(context.Background(), "postgres://nobody@127.0.0.1:1/x", opt)
		if app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}
