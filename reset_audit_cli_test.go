package main

import (
	"strings"
	"testing"
)

// TestTypedPasswordIsNotPrintedBack (S12): --password-stdin keeps the typed
// password out of stdout, as a table and as JSON; a generated one is shown.
func TestTypedPasswordIsNotPrintedBack(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nvic@acme.test,Vic,confirmed\nmia@acme.test,Mia,confirmed\n"))
	const typed = "Typed-by-the-owner-2026!"
	for _, args := range [][]string{
		{"reset", "vic@acme.test", "--set-password", "--password-stdin"},
		{"reset", "vic@acme.test", "--set-password", "--password-stdin", "--json"},
	} {
		out := mustRun(t, 0, f.owner, typed+"\n", args...)
		if strings.Contains(out, typed) {
			t.Fatalf("resetdesk %s printed the typed password:\n%s", strings.Join(args, " "), out)
		}
	}
	if !verifies(t, f.passwordHash(t, "vic@acme.test"), typed) {
		t.Fatal("the typed password was not stored")
	}
	out := mustRun(t, 0, f.owner, "", "reset", "mia@acme.test", "--set-password", "--json")
	if !strings.Contains(out, `"password":`) {
		t.Fatalf("a generated password is not shown: %s", out)
	}
}

// TestResetFlagsRecordHowAndWhy: --verified-by and --reason reach the audit
// log; when the org requires them, a reset without them is refused with the
// database's sentence and changes nothing.
func TestResetFlagsRecordHowAndWhy(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nvic@acme.test,Vic,confirmed\n"))
	f.exec(t, `UPDATE resetdesk.orgs SET require_reset_reason = true`)
	code, _, errOut := run(t, f.admin, "", "reset", "vic@acme.test")
	if code != 1 || !strings.Contains(errOut, "requires how the user was verified") {
		t.Fatalf("without the flags: exit %d, %s", code, errOut)
	}
	if code, _, errOut := run(t, f.admin, "", "reset", "vic@acme.test", "--verified-by", "telepathy", "--reason", "x"); code != 2 || !strings.Contains(errOut, "in_person") {
		t.Fatalf("an unknown method: exit %d, %s", code, errOut)
	}
	mustRun(t, 0, f.admin, "", "reset", "vic@acme.test", "--verified-by", "call_back", "--reason", "HD-4411 locked out")
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password'
		AND details->>'verified_by' = 'call_back' AND details->>'verification_reason' = 'HD-4411 locked out'`); n != 1 {
		t.Fatalf("%d audit rows with how and why, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password'`); n != 1 {
		t.Fatalf("%d reset audit rows, want 1: the refused reset left a trace", n)
	}
}

// TestCommandLineConfirmsItsPassword: when the database does not see the
// command's connection as fresh (as behind PgBouncer, made here by a zero
// window), `reset` proves the password it signed in with and goes on;
// where the proof is not possible either, it stops with the sentence.
func TestCommandLineConfirmsItsPassword(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nvic@acme.test,Vic,confirmed\n"))
	f.exec(t, `CREATE OR REPLACE FUNCTION resetdesk.reauth_window() RETURNS interval LANGUAGE sql STABLE AS $$ SELECT interval '0' $$`)
	mustRun(t, 0, f.admin, "", "reset", "vic@acme.test")
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password' AND details->>'reauth' = 'verified'`); n != 1 {
		t.Fatalf("%d resets on a proven password, want 1", n)
	}
	f.exec(t, `DROP FUNCTION resetdesk.scram_verifier()`)
	code, _, errOut := run(t, f.admin, "", "reset", "vic@acme.test")
	if code != 1 || !strings.Contains(errOut, "moments") {
		t.Fatalf("without a fresh connection or a proof: exit %d, %s", code, errOut)
	}
}
