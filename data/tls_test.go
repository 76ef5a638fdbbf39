package data_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
)

// TestTLSWithRealServer runs a private PostgreSQL that offers TLS with a
// certificate of a CA made here (the shared test server has no TLS), and
// checks each way of proving it, the sentences of each failure, and that
// "Enter your password for verification" proves the server again.
func TestTLSWithRealServer(t *testing.T) {
	ctx := context.Background()
	c, err := localpg.Start(ctx, filepath.Join(t.TempDir(), "tls-pg"))
	if app.ErrorCode(err) == app.EUNAVAILABLE && os.Getenv("CI") == "" {
		t.Skip(app.ErrorMessage(err)) // no PostgreSQL server installed; CI has one
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	officeCA, otherCA := newTestCA(t, "Office CA"), newTestCA(t, "Other CA")
	first := officeCA.valid(t, "127.0.0.1")
	if err := c.ServeTLS(ctx, first.certPEM, first.keyPEM); err != nil {
		t.Fatal(err)
	}

	// A directory with an owner who signs in with SCRAM, as setup makes it.
	const password = "Tls-Owner-Pass-1234"
	super, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, `CREATE DATABASE tlsdir`); err != nil {
		t.Fatal(err)
	}
	superDir := strings.Replace(c.SuperURL(), "/postgres?", "/tlsdir?", 1)
	sa, err := data.OpenAdmin(ctx, superDir)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	if _, err := sa.Setup(ctx, data.SetupOptions{OrgName: "TLS Office", OwnerEmail: "owner@tls.test", OwnerName: "Olivia Owner",
		OwnerRole: "tls_owner", OwnerPassword: password}); err != nil {
		t.Fatal(err)
	}
	server := "127.0.0.1:" + strconv.Itoa(c.Port())
	dsn := func(host, query string) string {
		u := url.URL{Scheme: "postgres", User: url.UserPassword("tls_owner", password), Host: host + ":" + strconv.Itoa(c.Port()), Path: "/tlsdir", RawQuery: query}
		return u.String()
	}
	rootcert := func(ca *testCA) string { return "sslmode=verify-full&sslrootcert=" + url.QueryEscape(ca.file) }

	signedIn := func(t *testing.T, dsn string, trust data.Trust) *data.DB {
		t.Helper()
		db, err := data.OpenTrusted(ctx, dsn, trust)
		if err != nil {
			t.Fatalf("%v (%q)", err, app.ErrorMessage(err))
		}
		t.Cleanup(func() { db.Close() })
		if _, _, err := db.Actor(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	refused := func(t *testing.T, dsn string, trust data.Trust, want string) error {
		t.Helper()
		_, err := data.OpenTrusted(ctx, dsn, trust)
		msg := app.ErrorMessage(err)
		if app.ErrorCode(err) != app.EUNTRUSTED || !strings.Contains(msg, want) || !strings.Contains(msg, "127.0.0.1") {
			t.Fatalf("got %v\n(%q), want %q", err, msg, want)
		}
		return err
	}

	t.Run("verify-full with the office CA as sslrootcert", func(t *testing.T) {
		db := signedIn(t, dsn("127.0.0.1", rootcert(officeCA)), data.Trust{})
		// Signing in again from the sign-in screen keeps the CA.
		if got := db.Trust().CAFile; got != officeCA.file {
			t.Errorf("CA file to sign in again with: %q", got)
		}
	})
	t.Run("verify-full with the system's roots and the profile's CA file", func(t *testing.T) {
		signedIn(t, dsn("127.0.0.1", "sslmode=verify-full"), data.Trust{CAFile: officeCA.file})
	})
	t.Run("another CA", func(t *testing.T) {
		refused(t, dsn("127.0.0.1", rootcert(otherCA)), data.Trust{}, "no authority trusted here has signed")
		refused(t, dsn("127.0.0.1", "sslmode=verify-full"), data.Trust{}, "no authority trusted here has signed")
	})
	t.Run("another name", func(t *testing.T) {
		refused(t, dsn("localhost", rootcert(officeCA)), data.Trust{}, "a certificate for another name (127.0.0.1)")
	})

	// PostgreSQL 17 also takes TLS from the first byte, without the
	// SSLRequest (sslnegotiation=direct, with ALPN). Older servers do not:
	// scripts/test-pg-versions runs this on 17 and 18.
	var version int
	if err := super.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version >= 170000 {
		t.Run("direct TLS", func(t *testing.T) {
			signedIn(t, dsn("127.0.0.1", rootcert(officeCA)+"&sslnegotiation=direct"), data.Trust{})
			refused(t, dsn("127.0.0.1", rootcert(otherCA)+"&sslnegotiation=direct"), data.Trust{}, "no authority trusted here has signed")
		})
	}

	var pinned *data.DB
	t.Run("pin on first use", func(t *testing.T) {
		err := refused(t, dsn("127.0.0.1", ""), data.Trust{Pinned: true}, "First connection to "+server)
		var confirm *app.CertificateToConfirm
		if !errors.As(err, &confirm) || confirm.Fingerprint != data.Fingerprint(first.der) {
			t.Fatalf("got %v", err)
		}
		pinned, err = data.OpenTrusted(ctx, dsn("127.0.0.1", ""), data.Trust{Pinned: true, Pin: confirm.Fingerprint})
		if err != nil {
			t.Fatalf("%v (%q)", err, app.ErrorMessage(err))
		}
		if got := pinned.Trust(); !got.Pinned || got.Pin != confirm.Fingerprint {
			t.Errorf("trust to sign in again with: %+v", got)
		}
		if err := pinned.VerifyPassword(ctx, password); err != nil {
			t.Fatalf("verification on the pinned server: %v", err)
		}
	})
	if pinned == nil {
		t.FailNow()
	}
	defer pinned.Close()

	expired := officeCA.issue(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "127.0.0.1")
	if err := c.ServeTLS(ctx, expired.certPEM, expired.keyPEM); err != nil {
		t.Fatal(err)
	}
	t.Run("expired", func(t *testing.T) {
		refused(t, dsn("127.0.0.1", rootcert(officeCA)), data.Trust{}, "expired or not yet valid")
	})

	// The server's certificate changes (a new key, the same CA): the pin
	// refuses it, for a new sign-in and for the password check before a
	// reset on a session that was already open, where that check signs in
	// again. Where the database checks a proof of the password instead, the
	// proof travels on the connection proven before, and no password at all
	// goes to whoever holds the new certificate.
	changed := officeCA.valid(t, "127.0.0.1")
	if err := c.ServeTLS(ctx, changed.certPEM, changed.keyPEM); err != nil {
		t.Fatal(err)
	}
	t.Run("changed certificate", func(t *testing.T) {
		refused(t, dsn("127.0.0.1", ""), data.Trust{Pinned: true, Pin: data.Fingerprint(first.der)}, "different certificate from the one pinned")
		if err := pinned.VerifyPassword(ctx, password); err != nil {
			t.Fatalf("the proof on the connection proven before: %v", err)
		}
		if err := sa.ExecRaw(ctx, `DROP FUNCTION resetdesk.scram_verifier()`); err != nil { // as on a server setup could not read verifiers on
			t.Fatal(err)
		}
		err := pinned.VerifyPassword(ctx, password)
		if app.ErrorCode(err) != app.EUNTRUSTED || !strings.Contains(app.ErrorMessage(err), "different certificate") {
			t.Fatalf("verification: %v", err)
		}
		signedIn(t, dsn("127.0.0.1", rootcert(officeCA)), data.Trust{}) // the CA still vouches for it
	})
}
