// Package pgtest gives each test its own database on the real PostgreSQL
// server named by RESETDESK_TEST_DATABASE_URL (a superuser URL; scripts/test
// starts one). Without it a test skips, except under CI, where it fails: a
// test that cannot reach its server must not pass silently.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
)

// SuperURL returns the test server's superuser URL, skipping or failing the
// test when there is none.
func SuperURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("RESETDESK_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("RESETDESK_TEST_DATABASE_URL is not set; CI must start PostgreSQL (scripts/test does)")
		}
		t.Skip("RESETDESK_TEST_DATABASE_URL is not set; run the tests with `bash scripts/test`")
	}
	return u
}

// withDatabase returns rawURL pointing at database name and, when user is
// not empty, signing in as user with password.
func withDatabase(t testing.TB, rawURL, name, user, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal("RESETDESK_TEST_DATABASE_URL is not a URL") // the error would quote its password
	}
	u.Path = "/" + name
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// RoleURL returns superURL signed in as role with password instead.
func RoleURL(t testing.TB, superURL, role, password string) string {
	t.Helper()
	u, err := url.Parse(superURL)
	if err != nil {
		t.Fatal("the test server's URL does not parse") // the error would quote its password
	}
	return withDatabase(t, superURL, strings.TrimPrefix(u.Path, "/"), role, password)
}

// ClusterDir makes a folder for a private PostgreSQL cluster (localpg, the
// demo), or for a cache folder that will hold one, removed at cleanup. Run as root, the cluster runs as the postgres
// OS user, which must reach the folder: it is under /var/tmp, not in
// t.TempDir, where it can (else the system's temporary folder), and
// readable by all. prefix starts its name.
func ClusterDir(t testing.TB, prefix string) string {
	t.Helper()
	base := "/var/tmp"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// NewDatabase creates an empty database for this test, dropped at cleanup,
// and returns its superuser URL and a unique prefix for role names.
func NewDatabase(t testing.TB) (superURL, prefix string) {
	t.Helper()
	base := SuperURL(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix = "t" + hex.EncodeToString(b)
	name := prefix + "_db"
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		rows, err := db.QueryContext(ctx, `SELECT rolname FROM pg_roles WHERE rolname LIKE $1 OR rolname LIKE $2`,
			prefix+`\_%`, `resetdesk\_role\_`+prefix+`%`)
		if err != nil {
			t.Errorf("list test roles: %v", err)
			return
		}
		var roles []string
		for rows.Next() {
			var r string
			rows.Scan(&r)
			roles = append(roles, r)
		}
		rows.Close()
		for _, r := range roles {
			if err := dropRole(ctx, db, r); err != nil {
				t.Errorf("drop test role %s: %v", r, err)
			}
		}
	})
	return withDatabase(t, base, name, "", ""), prefix
}

// dropRole drops a test role. Roles are cluster-wide, so another test's
// database may hold a grant to it for a moment (a setup that is between two
// migrations): that answer is retried until the context ends.
func dropRole(ctx context.Context, db *sql.DB, role string) error {
	for {
		_, err := db.ExecContext(ctx, "DROP ROLE "+pq.QuoteIdentifier(role))
		var pqe *pq.Error
		if err == nil || !errors.As(err, &pqe) || pqe.Code != "2BP01" {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Org is a set-up directory with an owner, an admin and a helpdesk user
// whose custom role has only reset_password, each signed in as their own role.
type Org struct {
	SuperURL string
	Prefix   string
	Super    *data.Admin
	Owner    *data.DB
	Admin    *data.DB
	Helpdesk *data.DB // custom role "helpdesk": reset_password only
	Viewer   *data.DB // custom role "viewer": view_audit only
	EndUser  *data.DB // a self-service login (resetdesk self-service add): completes resets
	// Stranger is a login in no ResetDesk group that the DBA let connect
	// to this database for something else (another service's login).
	Stranger *data.DB
	// URLs to sign in as each console user.
	OwnerURL, AdminURL, HelpdeskURL, ViewerURL, EndUserURL, StrangerURL string
	// Password is the database password every console role above was given.
	Password string
}

// NewOrg runs setup in a fresh database and adds the console users of Org.
func NewOrg(t testing.TB) *Org {
	t.Helper()
	ctx := context.Background()
	super, prefix := NewDatabase(t)
	o := &Org{SuperURL: super, Prefix: prefix, Password: "test-" + prefix + "-Pass!"}
	sa, err := data.OpenAdmin(ctx, super)
	if err != nil {
		t.Fatalf("open superuser: %v", err)
	}
	t.Cleanup(func() { sa.Close() })
	o.Super = sa
	_, err = sa.Setup(ctx, data.SetupOptions{OrgName: "Acme Test", OwnerEmail: "owner@acme.test", OwnerName: "Olivia Owner",
		OwnerRole: prefix + "_owner", OwnerPassword: o.Password})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sa.AddRole(ctx, prefix+"helpdesk", []app.Permission{app.PermResetPassword}))
	must(sa.AddRole(ctx, prefix+"viewer", []app.Permission{app.PermViewAudit}))
	must(sa.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_admin", Email: "admin@acme.test", Name: "Adam Admin", Password: o.Password}))
	must(sa.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_helpdesk", Email: "help@acme.test", Name: "Hana Helpdesk",
		Password: o.Password, CustomRole: prefix + "helpdesk"}))
	must(sa.AddAdmin(ctx, data.AdminOptions{LoginRole: prefix + "_viewer", Email: "viewer@acme.test", Name: "Vic Viewer",
		Password: o.Password, CustomRole: prefix + "viewer"}))
	open := func(role string) (*data.DB, string) {
		t.Helper()
		u := withDatabase(t, super, prefix+"_db", prefix+"_"+role, o.Password)
		db, err := data.Open(ctx, u)
		if err != nil {
			t.Fatalf("sign in as %s: %v", role, err)
		}
		t.Cleanup(func() { db.Close() })
		return db, u
	}
	o.Owner, o.OwnerURL = open("owner")
	o.Admin, o.AdminURL = open("admin")
	o.Helpdesk, o.HelpdeskURL = open("helpdesk")
	o.Viewer, o.ViewerURL = open("viewer")
	must(sa.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: prefix + "_enduser", Password: o.Password}))
	o.EndUser, o.EndUserURL = open("enduser")
	stranger := pq.QuoteIdentifier(prefix + "_stranger")
	if err := sa.ExecRaw(ctx, "CREATE ROLE "+stranger+" LOGIN PASSWORD "+pq.QuoteLiteral(o.Password)); err != nil {
		t.Fatalf("create the stranger role: %v", err)
	}
	if err := sa.ExecRaw(ctx, "GRANT CONNECT ON DATABASE "+pq.QuoteIdentifier(prefix+"_db")+" TO "+stranger); err != nil {
		t.Fatalf("let the stranger connect: %v", err)
	}
	o.Stranger, o.StrangerURL = open("stranger")
	return o
}

// Exec runs SQL as the superuser in the test database, for arranging states
// that no console user could create (a locked user, a session, a bounce).
func (o *Org) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if err := o.Super.ExecRaw(context.Background(), query, args...); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

// NearMisses returns n codes other than code whose hashes (app.HashCode)
// begin with the same 3 hex digits as code's: the wrong codes that count
// against a live code (migration 0021). If far, the codes' hashes begin
// differently instead: wrong codes that cost the code nothing.
func NearMisses(code string, n int, far bool) []string {
	want := app.HashCode(code)[:3]
	var out []string
	a := app.CodeAlphabet
	for i := 0; len(out) < n; i++ {
		c := make([]byte, app.CodeLength)
		for j, k := 0, i; j < len(c); j, k = j+1, k/len(a) {
			c[j] = a[k%len(a)]
		}
		guess := string(c[:5]) + "-" + string(c[5:])
		if (app.HashCode(guess)[:3] == want) != far && app.HashCode(guess) != app.HashCode(code) {
			out = append(out, guess)
		}
	}
	return out
}
