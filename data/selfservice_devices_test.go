package data_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// A SCRAM-SHA-256 verifier in the form add_self_service_login accepts,
// for a password nobody knows.
var anyVerifier = "SCRAM-SHA-256$4096:" + base64.StdEncoding.EncodeToString([]byte("sixteen-byte-slt")) + "$" +
	base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))) + ":" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", 32)))

// TestDeviceLoginsAreTheOwners: Settings makes a self-service login per
// device on the owner's connection and lists them with when each was last
// used. A second login of the same name is a conflict. Every other
// console role, a manager of console users included, and the self-service
// login itself are refused by PostgreSQL, with psql as with the client:
// none can read the list, make a login, take one back, or reach the table
// or CREATE ROLE around the functions. Nothing they tried changed the
// logins.
func TestDeviceLoginsAreTheOwners(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	p := o.Prefix
	reception, phone := p+"_enduser_reception", p+"_enduser_maria_phone"
	for _, login := range []string{reception, phone} {
		if err := o.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: login, Password: o.Password}); err != nil {
			t.Fatalf("the owner adds %s: %v", login, err)
		}
	}
	if err := o.Owner.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: reception, Password: o.Password}); app.ErrorCode(err) != app.ECONFLICT ||
		app.ErrorMessage(err) != "The role "+reception+" already exists on this server. Choose another name." {
		t.Fatalf("the same name again: %v", err)
	}

	// The reception's login tries a code for vic: the audit shows it used.
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	kiosk, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, reception, o.Password))
	if err != nil {
		t.Fatalf("the new login signs in: %v", err)
	}
	defer kiosk.Close()
	if s, err := kiosk.CompleteReset(ctx, "vic@acme.test", app.HashCode("WRONG-CODES"), testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("a wrong code at the reception: %s %v", s, err)
	}

	list, err := o.Owner.SelfServiceLogins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	used := map[string]bool{}
	for _, l := range list {
		names = append(names, l.Login)
		used[l.Login] = !l.LastUsed.IsZero()
		if l.CreatedAt.IsZero() || l.CreatedBy == "" {
			t.Errorf("%s: made %v by %q", l.Login, l.CreatedAt, l.CreatedBy)
		}
	}
	if got, want := strings.Join(names, " "), p+"_enduser "+reception+" "+phone; got != want {
		t.Fatalf("listed %s, want %s", got, want)
	}
	if !used[reception] || used[phone] {
		t.Errorf("last used: %v", used)
	}

	if err := o.Owner.SaveCustomRole(ctx, p+"mgr", []app.Permission{app.PermManageAdmins, app.PermResetPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Owner.AddConsoleUser(ctx, app.ConsoleUserOptions{LoginRole: p + "_mgr", Email: "mgr@acme.test", Password: o.Password, CustomRole: p + "mgr"}); err != nil {
		t.Fatal(err)
	}
	others := map[string]string{
		"admin": o.AdminURL, "helpdesk": o.HelpdeskURL, "viewer": o.ViewerURL, "self-service login": o.EndUserURL,
		"manager of console users": pgtest.RoleURL(t, o.SuperURL, p+"_mgr", o.Password),
	}
	for who, url := range others {
		psql := asRole(t, url)
		for _, stmt := range []struct {
			sql  string
			args []any
		}{
			{`SELECT resetdesk.add_self_service_login($1, $2)`, []any{p + "_" + strings.ReplaceAll(who, " ", "_") + "_own", anyVerifier}},
			{`SELECT resetdesk.remove_self_service_login($1)`, []any{reception}},
			{`SELECT db_role FROM resetdesk.self_service_logins`, nil},
			{`INSERT INTO resetdesk.self_service_logins (db_role) VALUES ($1)`, []any{p + "_admin"}},
			{`DELETE FROM resetdesk.self_service_logins WHERE db_role = $1`, []any{phone}},
			{`CREATE ROLE ` + p + `_sneaky LOGIN PASSWORD 'whatever-it-is' IN ROLE resetdesk_self_service`, nil},
			{`ALTER ROLE ` + phone + ` NOLOGIN`, nil},
		} {
			_, err := psql.ExecContext(ctx, stmt.sql, stmt.args...)
			if err == nil {
				t.Errorf("the %s ran %s", who, stmt.sql)
				continue
			}
			if pqe := (*pq.Error)(nil); !errors.As(err, &pqe) || pqe.Code != "42501" {
				t.Errorf("the %s, %s: %v, want permission denied", who, stmt.sql, err)
			}
		}
	}
	for _, db := range []*data.DB{o.Admin, o.Helpdesk, o.Viewer} {
		if _, err := db.SelfServiceLogins(ctx); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("a console user who is not the owner lists them: %v", err)
		}
		if err := db.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: p + "_late", Password: o.Password}); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("a console user who is not the owner adds one: %v", err)
		}
		if err := db.RemoveSelfServiceLogin(ctx, reception); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("a console user who is not the owner removes one: %v", err)
		}
	}
	after, err := o.Owner.SelfServiceLogins(ctx)
	if err != nil || len(after) != len(list) {
		t.Fatalf("after the refusals: %d logins (%v), want %d", len(after), err, len(list))
	}
	var roles int
	if err := superDB(t, o).QueryRow(`SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2) OR rolname LIKE $3`,
		p+"_sneaky", p+"_late", p+`\_%\_own`).Scan(&roles); err != nil || roles != 0 {
		t.Errorf("%d roles made by the refused (%v)", roles, err)
	}
	var canLogin bool
	if err := superDB(t, o).QueryRow(`SELECT rolcanlogin FROM pg_roles WHERE rolname = $1`, phone).Scan(&canLogin); err != nil || !canLogin {
		t.Errorf("the phone's login may log in: %v (%v)", canLogin, err)
	}

	if err := o.Owner.RemoveSelfServiceLogin(ctx, reception); err != nil {
		t.Fatal(err)
	}
	if s, err := kiosk.CompleteReset(ctx, "vic@acme.test", app.HashCode("WRONG-CODES"), testHash); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("the reception after its removal: %s %v", s, err)
	}
	after, err = o.Owner.SelfServiceLogins(ctx)
	if err != nil || len(after) != 2 || after[1].Login != phone {
		t.Errorf("after removing the reception: %+v %v", after, err)
	}
	phoneDB, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, phone, o.Password))
	if err != nil {
		t.Fatalf("the phone's login after the reception's removal: %v", err)
	}
	defer phoneDB.Close()
	if _, err := phoneDB.PasswordRules(ctx, "vic@acme.test"); err != nil {
		t.Errorf("the phone still works: %v", err)
	}
}
