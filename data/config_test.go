package data_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/lib/pq"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

func TestSSLModeDefaults(t *testing.T) {
	cases := []struct {
		dsn  string
		want pq.SSLMode
	}{
		{"postgres://alex@db.office.example/directory", pq.SSLModeVerifyFull},
		{"postgres://alex@10.0.0.5:5432/directory", pq.SSLModeVerifyFull},
		{"host=db.office.example user=alex dbname=directory", pq.SSLModeVerifyFull},
		{"postgres://alex@127.0.0.1/directory", pq.SSLModePrefer},
		{"postgres://alex@localhost/directory", pq.SSLModePrefer},
		{"postgres://alex@[::1]/directory", pq.SSLModePrefer},
		{"host=/var/run/postgresql user=alex", pq.SSLModeDisable},
		{"postgres://alex@db.office.example/directory?sslmode=verify-full", pq.SSLModeVerifyFull},
		{"postgres://alex@db.office.example/directory?sslmode=disable", pq.SSLModeDisable},
	}
	for _, c := range cases {
		cfg, err := data.ParseConfig(c.dsn)
		if err != nil {
			t.Fatalf("%s: %v", c.dsn, err)
		}
		if cfg.SSLMode != c.want {
			t.Errorf("%s: sslmode %q, want %q", c.dsn, cfg.SSLMode, c.want)
		}
	}
}

// TestTLSRequiredIsRefused connects with sslmode=require, the default for a
// server on another machine, to the test server, which offers no TLS: the
// admin reads why, and no password was sent.
func TestTLSRequiredIsRefused(t *testing.T) {
	u, err := url.Parse(pgtest.SuperURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sslmode", "require")
	u.RawQuery = q.Encode()
	_, err = data.Open(context.Background(), u.String())
	if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "does not offer TLS") {
		t.Fatalf("got %v (%q)", err, app.ErrorMessage(err))
	}
}

func TestWrongDatabasePassword(t *testing.T) {
	o := pgtest.NewOrg(t)
	_, err := data.Open(context.Background(), pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_admin", "not the password"))
	want := "refused the password for role " + o.Prefix + "_admin"
	if app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), want) {
		t.Fatalf("got %v (%q)", err, app.ErrorMessage(err))
	}
}

// TestBadAddressHidesPassword: a connection string that does not parse is
// refused without quoting it, since it may carry the password.
func TestBadAddressHidesPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://alice:S3cret-Pa55word@db%20office:5432/resetdesk",
		"postgres://alice:S3cret-Pa55word@[::1/resetdesk",
	} {
		_, err := data.Open(context.Background(), dsn)
		if app.ErrorCode(err) != app.EINVALID || strings.Contains(err.Error(), "S3cret") {
			t.Fatalf("%v", err)
		}
	}
}

// TestDatabasePasswordsAreASCII: a login role's password that psql would
// normalize differently (SASLprep) is refused with the reason.
func TestDatabasePasswordsAreASCII(t *testing.T) {
	o := pgtest.NewOrg(t)
	for _, pw := range []string{"short", "pässwörd-with-umlauts", "has spaces in it ok"} {
		err := o.Super.AddAdmin(context.Background(), data.AdminOptions{LoginRole: o.Prefix + "_x", Email: "x@acme.test", Password: pw})
		if app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%q: %v", pw, err)
		}
	}
}
