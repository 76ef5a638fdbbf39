package main

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"resetdesk/mail/postfixtest"
)

// readmeDovecotSQL returns the lines of the README's dovecot-sql.conf.ext
// that say how to query (default_pass_scheme, password_query), with the
// connect line for the test's own database and login: Dovecot is set up as
// the README tells an office to.
func readmeDovecotSQL(t *testing.T, connect string) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```[a-z]*\n(# /etc/dovecot/dovecot-sql.conf.ext[^\n]*\n.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("the README has no dovecot-sql.conf.ext block")
	}
	conf := []string{"driver = pgsql", "connect = " + connect}
	for _, line := range strings.Split(string(block[1]), "\n") {
		key, _, _ := strings.Cut(line, "=")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if k := strings.TrimSpace(key); k == "driver" || k == "connect" {
			continue // ours: this test's server and Dovecot's login
		}
		conf = append(conf, line)
	}
	if !strings.Contains(strings.Join(conf, "\n"), "password_query") {
		t.Fatalf("no password_query in the README's block:\n%s", block[1])
	}
	return strings.Join(conf, "\n") + "\n"
}

// TestDovecotSignInAfterSelfService: a user finishes a one-time reset on a
// self-service login and signs in to a real Dovecot IMAP, configured as the
// README says, with the new password, however they type their address; the
// same after replacing a temporary password. The old passwords stop at once.
func TestDovecotSignInAfterSelfService(t *testing.T) {
	f := newFixture(t)
	u, err := url.Parse(f.super)
	if err != nil {
		t.Fatal(err)
	}
	// Dovecot's own login, granted the passdb of this database only.
	dovecotRole := f.prefix + "_dovecot"
	f.exec(t, "CREATE ROLE "+dovecotRole+" LOGIN PASSWORD '"+f.password+"'")
	f.exec(t, "GRANT CONNECT ON DATABASE "+strings.TrimPrefix(u.Path, "/")+" TO "+dovecotRole)
	f.exec(t, "GRANT SELECT ON resetdesk.passdb TO "+dovecotRole)
	connect := "host=" + u.Hostname() + " port=" + u.Port() + " dbname=" + strings.TrimPrefix(u.Path, "/") +
		" user=" + dovecotRole + " password=" + f.password + " sslmode=disable"
	imap := postfixtest.StartIMAP(t, readmeDovecotSQL(t, connect))
	login := func(user, pw string) error { return imap.Login(user, pw) }

	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nGrace.Hopper@Acme.test,Grace Hopper,confirmed\n"))
	old := "the-old-password-nobody-knew"
	mustRun(t, 0, f.owner, old+"\n", "reset", "Grace.Hopper@Acme.test", "--set-password", "--password-stdin")
	if err := login("grace.hopper@acme.test", old); err != nil {
		t.Fatalf("before the reset: %v\n%s", err, imap.Log())
	}

	// One-time reset, completed on the self-service login.
	mustRun(t, 0, f.admin, "", "reset", "grace.hopper@acme.test")
	if err := login("grace.hopper@acme.test", old); err == nil {
		t.Fatal("the old password still signs in after the reset")
	}
	code := f.lastCode(t, "Grace.Hopper@Acme.test")
	mine := "lantern-over-the-quiet-bay"
	mustRun(t, 0, f.enduser, strings.ToLower(code)+"\n"+mine+"\n"+mine+"\n", "complete-reset", "--email", "GRACE.HOPPER@acme.test")
	for _, as := range []string{"grace.hopper@acme.test", "Grace.Hopper@Acme.test", "GRACE.HOPPER@ACME.TEST"} {
		if err := login(as, mine); err != nil {
			t.Errorf("IMAP as %s with the new password: %v", as, err)
		}
	}
	if err := login("grace.hopper@acme.test", "lantern-over-the-quiet-ba"); err == nil {
		t.Error("a wrong password signs in")
	}

	// A temporary password, replaced on the self-service login.
	temp := "brisk-walrus-juggles-7-plums"
	mustRun(t, 0, f.owner, temp+"\n", "reset", "grace.hopper@acme.test", "--set-password", "--password-stdin", "--force-change")
	if err := login("grace.hopper@acme.test", temp); err != nil {
		t.Fatalf("the temporary password: %v", err)
	}
	mine2 := "second-lantern-by-the-pier"
	mustRun(t, 0, f.enduser, temp+"\n"+mine2+"\n"+mine2+"\n", "change-password", "--email", "Grace.Hopper@acme.TEST")
	if err := login("grace.hopper@acme.test", temp); err == nil {
		t.Error("the temporary password still signs in after the change")
	}
	for _, as := range []string{"grace.hopper@acme.test", "GRACE.HOPPER@ACME.TEST"} {
		if err := login(as, mine2); err != nil {
			t.Errorf("IMAP as %s after the change: %v", as, err)
		}
	}
	if t.Failed() {
		t.Log(imap.Log())
	}
}
