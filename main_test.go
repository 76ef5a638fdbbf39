package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
	"resetdesk/mail/sink"
	"resetdesk/ui/cli"
)

// run runs one command as `resetdesk ARGS` would, against dsn, with stdin.
func run(t *testing.T, dsn, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := cliEnv(dsn)
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errb
	code = cli.Run(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, want int, dsn, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, dsn, stdin, args...)
	if code != want {
		t.Fatalf("resetdesk %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

type fixture struct {
	super, owner, admin string
	enduser             string // a self-service login, as a front-desk PC would use
	prefix, password    string
	sink                *sink.Sink
	db                  *sql.DB // superuser, for looking at what landed
}

// newFixture sets up a directory with the command line itself, as a DBA would.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	super, prefix := pgtest.NewDatabase(t)
	f := &fixture{super: super, prefix: prefix, password: "Owner-" + prefix + "-pass"}
	mustRun(t, 0, super, f.password+"\n", "setup", "--org", "Acme Office", "--owner-email", "owner@acme.test",
		"--owner-role", prefix+"_owner", "--owner-name", "Olivia Owner")
	out := mustRun(t, 0, super, "", "setup")
	if !strings.Contains(out, "already set up") || strings.Contains(out, "applied migration") || strings.Contains(out, "could not close") {
		t.Fatalf("second setup should change nothing, said: %s", out)
	}
	mustRun(t, 0, super, "", "role", "add", prefix+"helpdesk", "--permissions", "reset_password,view_audit")
	mustRun(t, 0, super, f.password+"\n", "admin", "add", prefix+"_admin", "--email", "admin@acme.test", "--name", "Adam Admin")
	mustRun(t, 0, super, f.password+"\n", "self-service", "add", prefix+"_enduser")
	f.owner = pgtest.RoleURL(t, super, prefix+"_owner", f.password)
	f.enduser = pgtest.RoleURL(t, super, prefix+"_enduser", f.password)
	f.admin = pgtest.RoleURL(t, super, prefix+"_admin", f.password)

	s, err := sink.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.sink = s
	t.Setenv("RESETDESK_SMTP_URL", "smtp://"+s.Addr()+"?tls=none")
	t.Setenv("RESETDESK_MAIL_FROM", "ResetDesk <noreply@acme.test>")
	db, err := sql.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	return f
}

func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportFromCSV imports an Excel-flavoured file: byte order mark, CRLF,
// quoted commas, non-ASCII names, a duplicate and an invalid address.
func TestImportFromCSV(t *testing.T) {
	f := newFixture(t)
	csv := "\ufeffemail,name,mobile,secondary_email,role,status\r\n" +
		"zoe@acme.test,\"Ångström, Zoë\",,,member,confirmed\r\n" +
		"li@acme.test,李雷,,,,confirmed\r\n" +
		"not-an-address,Bad Row,,,,\r\n" +
		"ZOE@acme.test,Zoë Again,,,,\r\n" +
		",Mobile Only,+1 555 0100,,,confirmed\r\n"
	out := mustRun(t, cli.ExitSkipped, f.owner, "", "import", writeFile(t, "users.csv", csv))
	for _, want := range []string{"imported 3 of 5", "line 4:", "line 5:"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE role = 'member'`); n != 3 {
		t.Fatalf("%d members after import, want 3", n)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE display_name = 'Ångström, Zoë'`); n != 1 {
		t.Fatalf("the quoted non-ASCII name did not arrive intact")
	}

	// The same file again: everything is already there, nothing doubles.
	out = mustRun(t, cli.ExitSkipped, f.owner, "", "import", writeFile(t, "again.csv", csv))
	if !strings.Contains(out, "imported 0") || !strings.Contains(out, "already in the directory") {
		t.Fatalf("second import said:\n%s", out)
	}

	// 301 rows are refused whole.
	var big strings.Builder
	big.WriteString("email,name\n")
	for i := range 301 {
		fmt.Fprintf(&big, "user%d@acme.test,User %d\n", i, i)
	}
	code, _, errOut := run(t, f.owner, "", "import", writeFile(t, "big.csv", big.String()))
	if code != cli.ExitError || !strings.Contains(errOut, "at most 300") {
		t.Fatalf("301 rows: exit %d, %s", code, errOut)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE role = 'member'`); n != 3 {
		t.Fatalf("%d members after the refused import, want still 3", n)
	}

	var doc struct {
		Data []struct {
			Email  string `json:"email"`
			Name   string `json:"name"`
			Mobile string `json:"mobile"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, 0, f.admin, "", "users", "--search", "zoë", "--json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Data) != 1 || doc.Data[0].Email != "zoe@acme.test" {
		t.Fatalf("users --search zoë: %+v", doc.Data)
	}
}

var codeRE = regexp.MustCompile(`^[A-Z2-9]{5}-[A-Z2-9]{5}$`)

// mailedSecret returns the secret a message carries: the indented line of
// its plain-text part, as a user would copy it.
func mailedSecret(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			text, err := io.ReadAll(p) // multipart decodes quoted-printable
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(text), "\n") {
				if strings.HasPrefix(line, "    ") {
					return strings.TrimSpace(line)
				}
			}
			return ""
		}
	}
}

// lastCode returns the one-time password in the newest message to addr.
func (f *fixture) lastCode(t *testing.T, addr string) string {
	t.Helper()
	msgs := f.sink.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].To) == 1 && msgs[i].To[0] == addr {
			if c := mailedSecret(t, msgs[i].Data); codeRE.MatchString(c) {
				return c
			}
		}
	}
	t.Fatalf("no one-time password mailed to %s among %d messages", addr, len(msgs))
	return ""
}

func (f *fixture) passwordHash(t *testing.T, email string) string {
	t.Helper()
	var h sql.NullString
	if err := f.db.QueryRow(`SELECT password_hash FROM resetdesk.users WHERE primary_email = $1`, email).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h.String
}

func verifies(t *testing.T, phc, pw string) bool {
	t.Helper()
	ok, err := app.VerifyPassword(phc, pw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return ok
}

// TestOneTimeResetEndToEnd: an admin resets a user, the user gets the code
// by mail and sets a new password with it; the hash verifies, with our code
// and with Dovecot's; the old password and the used code stop working.
func TestOneTimeResetEndToEnd(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex Müller,confirmed\n"))
	old, err := app.HashPassword("the old password, long enough")
	if err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE resetdesk.users SET password_hash = $1 WHERE primary_email = 'alex@acme.test'`, old)
	f.exec(t, `INSERT INTO resetdesk.sessions (user_id, kind) SELECT id, k FROM resetdesk.users, unnest(ARRAY['web','mobile']) k WHERE primary_email = 'alex@acme.test'`)

	var doc struct {
		Status struct{ Code int } `json:"status"`
		Data   []struct {
			ZUID     int64  `json:"zuid"`
			Result   string `json:"result"`
			Delivery string `json:"delivery"`
		} `json:"data"`
	}
	out := mustRun(t, 0, f.admin, "", "reset", "alex@acme.test", "--json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if doc.Status.Code != 200 || len(doc.Data) != 1 || doc.Data[0].Result != "reset" || doc.Data[0].Delivery != "one_time_password:sent" {
		t.Fatalf("reset --json: %s", out)
	}
	if h := f.passwordHash(t, "alex@acme.test"); h != "" {
		t.Fatal("the old password still has a hash after a one-time reset")
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.sessions WHERE revoked_at IS NULL`); n != 0 {
		t.Fatalf("%d sessions still live after the reset", n)
	}
	code := f.lastCode(t, "alex@acme.test")

	// Resend voids the first code.
	mustRun(t, 0, f.admin, "", "resend", "alex@acme.test")
	second := f.lastCode(t, "alex@acme.test")
	if second == code {
		t.Fatal("resend mailed the same code")
	}
	newPw := "purple-otter-rides-a-tram"
	c, _, errOut := run(t, f.enduser, code+"\n"+newPw+"\n", "complete-reset", "--email", "alex@acme.test")
	if c != cli.ExitError || !strings.Contains(errOut, "not valid") {
		t.Fatalf("the voided first code: exit %d, %s", c, errOut)
	}
	mustRun(t, 0, f.enduser, second+"\n"+newPw+"\n", "complete-reset", "--email", "alex@acme.test")

	h := f.passwordHash(t, "alex@acme.test")
	if !verifies(t, h, newPw) || verifies(t, h, "the old password, long enough") {
		t.Fatal("the stored hash does not verify the new password alone")
	}
	if out, err := exec.Command("doveadm", "pw", "-t", "{ARGON2ID}"+h, "-p", newPw).CombinedOutput(); err != nil {
		if _, lookErr := exec.LookPath("doveadm"); lookErr != nil && os.Getenv("CI") == "" {
			t.Log("doveadm not installed; skipping the Dovecot cross-check (scripts/setup-deps installs it)")
		} else {
			t.Fatalf("doveadm pw -t does not verify the hash: %v: %s", err, out)
		}
	}
	// The used code cannot be used twice.
	c, _, errOut = run(t, f.enduser, second+"\nanother-long-password-here\n", "complete-reset", "--email", "alex@acme.test")
	if c != cli.ExitError || !strings.Contains(errOut, "not valid") {
		t.Fatalf("reusing the code: exit %d, %s", c, errOut)
	}
	if !verifies(t, f.passwordHash(t, "alex@acme.test"), newPw) {
		t.Fatal("a rejected attempt changed the password")
	}
}

// TestOneTimePasswordLimits: five wrong codes that come near the code (their
// hash begins as its does: what a guesser cannot aim at) void it, and an
// expired code does not work.
func TestOneTimePasswordLimits(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nbo@acme.test,Bo,confirmed\ncy@acme.test,Cy,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "bo@acme.test", "cy@acme.test")
	good := f.lastCode(t, "bo@acme.test")
	pw := "a-perfectly-fine-passphrase"
	for i, wrong := range pgtest.NearMisses(good, 5, false) {
		_, _, errOut := run(t, f.enduser, wrong+"\n"+pw+"\n", "complete-reset", "--email", "bo@acme.test")
		// The fifth answers like the others: only the right code may
		// learn that the code is used up.
		if !strings.Contains(errOut, "not valid") {
			t.Fatalf("attempt %d: %s", i, errOut)
		}
	}
	c, _, errOut := run(t, f.enduser, good+"\n"+pw+"\n", "complete-reset", "--email", "bo@acme.test")
	if c != cli.ExitError || !strings.Contains(errOut, "Too many wrong attempts") {
		t.Fatalf("the right code on the sixth attempt: exit %d, %s", c, errOut)
	}

	cy := f.lastCode(t, "cy@acme.test")
	f.exec(t, `UPDATE resetdesk.one_time_passwords SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM resetdesk.users WHERE primary_email = 'cy@acme.test')`)
	c, _, errOut = run(t, f.enduser, cy+"\n"+pw+"\n", "complete-reset", "--email", "cy@acme.test")
	if c != cli.ExitError || !strings.Contains(errOut, "expired") {
		t.Fatalf("expired code: exit %d, %s", c, errOut)
	}
	if f.passwordHash(t, "bo@acme.test") != "" || f.passwordHash(t, "cy@acme.test") != "" {
		t.Fatal("a failed completion set a password")
	}
}

// TestSetPasswordBatchLeavesNoSecret resets a batch in set-password mode,
// some emailed, then dumps the whole database and looks for every secret
// that was handed out.
func TestSetPasswordBatchLeavesNoSecret(t *testing.T) {
	f := newFixture(t)
	var rows strings.Builder
	rows.WriteString("email,name,status\n")
	for i := range 20 {
		fmt.Fprintf(&rows, "u%02d@acme.test,User %02d,confirmed\n", i, i)
	}
	rows.WriteString("gone@acme.test,Gone,deactivated\n")
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", rows.String()))
	var targets strings.Builder
	targets.WriteString("email\n")
	for i := range 20 {
		fmt.Fprintf(&targets, "u%02d@acme.test\n", i)
	}
	targets.WriteString("gone@acme.test\nnobody@acme.test\n")
	out := mustRun(t, cli.ExitSkipped, f.owner, "", "reset", "--file", writeFile(t, "t.csv", targets.String()),
		"--set-password", "--generate", "--force-change", "--json")
	var doc struct {
		Data []struct {
			Email, Result, Reason, Password string
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	reasons := map[string]string{}
	for _, d := range doc.Data {
		reasons[d.Email] = d.Result + "/" + d.Reason
		if d.Result == "reset" {
			if d.Password == "" || !verifies(t, f.passwordHash(t, d.Email), d.Password) {
				t.Fatalf("%s: the printed password does not match the stored hash", d.Email)
			}
			secrets = append(secrets, d.Password)
		}
	}
	if len(secrets) != 20 || reasons["gone@acme.test"] != "skipped/deactivated" || reasons["nobody@acme.test"] != "skipped/not_found" {
		t.Fatalf("results: %d reset, %v", len(secrets), reasons)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE must_change_password AND password_expires_at > now()`); n != 20 {
		t.Fatalf("%d users must change a temporary password, want 20", n)
	}
	// Emailed passwords and one-time codes too.
	mustRun(t, 0, f.owner, "", "reset", "u00@acme.test", "--set-password", "--email-password")
	mustRun(t, 0, f.owner, "", "reset", "u01@acme.test")
	for _, m := range f.sink.Messages() {
		if c := mailedSecret(t, m.Data); c != "" {
			secrets = append(secrets, c)
		}
	}
	if len(secrets) < 22 {
		t.Fatalf("found %d secrets to look for, want at least 22", len(secrets))
	}
	dump, err := exec.Command("pg_dump", "--data-only", f.super).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if len(dump) < 1000 {
		t.Fatalf("the dump is suspiciously small (%d bytes)", len(dump))
	}
	for i, s := range secrets {
		if bytes.Contains(dump, []byte(s)) || bytes.Contains(dump, []byte(strings.ReplaceAll(s, "-", ""))) {
			t.Fatalf("secret #%d is in the database dump", i)
		}
	}
}

// TestNoMailServerRefusesOneTimeReset: without a mail server, a one-time
// reset would throw the codes away and lock users out; it is refused and
// nothing changes. Setting a password still works.
func TestNoMailServerRefusesOneTimeReset(t *testing.T) {
	f := newFixture(t)
	t.Setenv("RESETDESK_SMTP_URL", "")
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\n"))
	code, _, errOut := run(t, f.admin, "", "reset", "alex@acme.test")
	if code != cli.ExitError || !strings.Contains(errOut, "No mail server is configured") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'reset_password'`); n != 0 {
		t.Fatalf("%d resets recorded", n)
	}
	mustRun(t, 3, f.owner, "", "reset", "alex@acme.test", "--set-password")
}

// TestCompletionFollowsOrgPolicy: with a minimum of 20, the end user's
// 16-character password is refused with the reason, and the code still works.
func TestCompletionFollowsOrgPolicy(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE resetdesk.orgs SET min_password_length = 20`)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test")
	code := f.lastCode(t, "alex@acme.test")
	c, _, errOut := run(t, f.enduser, code+"\nsixteen-chars-ok\n", "complete-reset", "--email", "alex@acme.test")
	if c != cli.ExitError || !strings.Contains(errOut, "20") {
		t.Fatalf("a 16-character password under a 20 minimum: exit %d, %s", c, errOut)
	}
	mustRun(t, 0, f.enduser, code+"\nthis-one-has-twenty-six-ch\n", "complete-reset", "--email", "alex@acme.test")
}

// TestPolicyCommand: the owner reads and changes the org's policies from the
// command line; an admin is refused by the database, bad values by a
// sentence, and neither changes anything.
func TestPolicyCommand(t *testing.T) {
	f := newFixture(t)
	out := mustRun(t, 0, f.owner, "", "policy")
	for _, want := range []string{"otp_ttl                   15m", "temp_password_ttl         3d", "mail_relay                false", "time_zone                 UTC"} {
		if !strings.Contains(out, want) {
			t.Fatalf("policy shows no %q:\n%s", want, out)
		}
	}
	out = mustRun(t, 0, f.owner, "", "policy", "set", "otp_ttl=30m", "temp_password_ttl=2d", "min_password_length=16",
		`completion_instructions=Use the front-desk PC,\nor call Maria on 2114.`, "time_zone=Europe/Berlin", "mail_relay=on",
		"admins_may_set_passwords=true")
	for _, want := range []string{"otp_ttl                   30m", "temp_password_ttl         2d", "min_password_length       16",
		`"Use the front-desk PC,\nor call Maria on 2114."`, "Europe/Berlin", "mail_relay                true"} {
		if !strings.Contains(out, want) {
			t.Fatalf("after policy set, no %q:\n%s", want, out)
		}
	}
	before := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'set_org_policies'`)
	for _, c := range []struct {
		url  string
		args []string
		want string
	}{
		{f.admin, []string{"otp_ttl=20m"}, "Only the owner"},
		{f.owner, []string{"otp_ttl=20m", "min_password_length=4"}, "from 8 to"},
		{f.owner, []string{"otp_ttl=3h", "completion_instructions=" + strings.Repeat("x", 501)}, "at most 500"},
		{f.owner, []string{"completion_instructions=tab\there"}, "control characters"},
		{f.owner, []string{"time_zone=Mars/Olympus"}, "not a time zone"},
		{f.owner, []string{"otp_ttl=48h"}, "otp_ttl: a one-time password must stay valid for 1 minute to 24 hours, not 48h."},
		{f.owner, []string{"otp_ttl=2s"}, "otp_ttl: a one-time password must stay valid for 1 minute to 24 hours, not 2s."},
		{f.owner, []string{"temp_password_ttl=91d"}, "temp_password_ttl: a temporary password must stay valid for 1 hour to 90 days, not 91d."},
		{f.owner, []string{"colour=blue"}, "no policy"},
	} {
		c2, _, errOut := run(t, c.url, "", append([]string{"policy", "set"}, c.args...)...)
		if c2 != cli.ExitError || !strings.Contains(errOut, c.want) {
			t.Errorf("policy set %v: exit %d, %s", c.args, c2, errOut)
		}
	}
	if after := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'set_org_policies'`); after != before {
		t.Fatal("a refused policy change was saved")
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.orgs WHERE otp_ttl = '30 minutes' AND min_password_length = 16 AND mail_relay`); n != 1 {
		t.Fatal("a refused policy change altered the org")
	}
}

// TestChangePasswordCommand: a user whose password an admin set with
// --force-change replaces it with change-password; a wrong temporary
// password or a weak new one changes nothing.
func TestChangePasswordCommand(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nJo.Park@Acme.test,Jo Park,confirmed\n"))
	temp := "crisp-heron-counts-9-pebbles"
	mustRun(t, 0, f.owner, temp+"\n", "reset", "jo.park@acme.test", "--set-password", "--password-stdin", "--force-change")
	mine := "slow-river-under-the-bridge"
	for _, c := range []struct{ stdin, want string }{
		{"wrong-temporary-password\n" + mine + "\n" + mine + "\n", "not a temporary password"},
		{temp + "\n" + mine + "\n" + mine + "x\n", "differ"},
		{temp + "\nshort\nshort\n", "too short"},
		{temp + "\njo.park-rules-the-world\njo.park-rules-the-world\n", "your name or email"},
	} {
		code, _, errOut := run(t, f.enduser, c.stdin, "change-password", "--email", "JO.PARK@acme.test")
		if code != cli.ExitError || !strings.Contains(errOut, c.want) {
			t.Fatalf("want %q: exit %d, %s", c.want, code, errOut)
		}
	}
	if !verifies(t, f.passwordHash(t, "Jo.Park@Acme.test"), temp) {
		t.Fatal("a refused change touched the temporary password")
	}
	out := mustRun(t, 0, f.enduser, temp+"\n"+mine+"\n"+mine+"\n", "change-password", "--email", "JO.PARK@acme.test")
	if !strings.Contains(out, "Your new password is set") {
		t.Fatalf("change-password said: %s", out)
	}
	h := f.passwordHash(t, "Jo.Park@Acme.test")
	if !verifies(t, h, mine) || verifies(t, h, temp) {
		t.Fatal("the stored hash is not the new password alone")
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.users WHERE lower(primary_email::text) = 'jo.park@acme.test' AND NOT must_change_password AND password_expires_at IS NULL`); n != 1 {
		t.Fatal("after the change the password must still change or expires")
	}
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'change_password' AND details->>'outcome' = 'ok' AND details->>'by' = 'user' AND actor = $1`, f.prefix+"_enduser"); n != 1 {
		t.Fatal("the audit does not name the self-service login and the user")
	}
	// A console login may not do it.
	code, _, errOut := run(t, f.admin, temp+"\n"+mine+"\n"+mine+"\n", "change-password", "--email", "jo.park@acme.test")
	if code != cli.ExitError || !strings.Contains(errOut, "only a self-service login may") {
		t.Fatalf("an admin changed a password: exit %d, %s", code, errOut)
	}
}

// TestMailSaysWhereAndHow: with the org's instructions and time zone set,
// the one-time and temporary-password mails name the screen, carry the
// office's words and give the deadline in the org's zone.
func TestMailSaysWhereAndHow(t *testing.T) {
	f := newFixture(t)
	mustRun(t, 0, f.owner, "", "policy", "set", "completion_instructions=Use the front-desk PC, or call Maria on 2114.", "time_zone=Asia/Tokyo")
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\nbo@acme.test,Bo,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test")
	mustRun(t, 0, f.owner, "", "reset", "bo@acme.test", "--set-password", "--force-change", "--email-password")
	for _, c := range []struct{ to, screen string }{
		{"alex@acme.test", "'I have a one-time password'"},
		{"bo@acme.test", "'Change a temporary password'"},
	} {
		var text string
		for _, m := range f.sink.Messages() {
			if len(m.To) == 1 && m.To[0] == c.to {
				text = string(m.Data)
			}
		}
		text = strings.ReplaceAll(text, "=\r\n", "")
		for _, want := range []string{c.screen, "Use the front-desk PC, or call Maria on 2114.", " JST"} {
			if !strings.Contains(text, want) {
				t.Errorf("the mail to %s does not say %q", c.to, want)
			}
		}
	}
}

// TestSelfServiceAddByOwner: the owner makes a self-service login with their
// own connection, and it finishes a reset; an admin may not make one, and a
// taken name is refused with a sentence.
func TestSelfServiceAddByOwner(t *testing.T) {
	f := newFixture(t)
	kiosk := f.prefix + "_kiosk"
	out := mustRun(t, 0, f.owner, f.password+"\n", "self-service", "add", kiosk)
	if !strings.Contains(out, "added self-service login "+kiosk) {
		t.Fatalf("self-service add said: %s", out)
	}
	code, _, errOut := run(t, f.admin, f.password+"\n", "self-service", "add", f.prefix+"_kiosk2")
	if code != cli.ExitError || !strings.Contains(errOut, "Only the owner") {
		t.Fatalf("an admin added a self-service login: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, f.owner, f.password+"\n", "self-service", "add", kiosk)
	if code != cli.ExitError || !strings.Contains(errOut, "already exists") {
		t.Fatalf("adding %s twice: exit %d, %s", kiosk, code, errOut)
	}
	if n := f.count(t, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, f.prefix+"_kiosk2"); n != 0 {
		t.Fatal("the refused login exists")
	}
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test")
	pw := "a-kiosk-typed-passphrase"
	mustRun(t, 0, pgtest.RoleURL(t, f.super, kiosk, f.password), f.lastCode(t, "alex@acme.test")+"\n"+pw+"\n"+pw+"\n",
		"complete-reset", "--email", "alex@acme.test")
	if n := f.count(t, `SELECT count(*) FROM resetdesk.audit_events WHERE action = 'add_self_service_login' AND actor = $1`, f.prefix+"_owner"); n != 1 {
		t.Fatal("the audit does not say the owner added the login")
	}
	// The owner takes it back: the same code path as the DBA's, refused to
	// an admin.
	code, _, errOut = run(t, f.admin, "", "self-service", "remove", kiosk)
	if code != cli.ExitError || !strings.Contains(errOut, "Only the owner") {
		t.Fatalf("an admin removed a self-service login: exit %d, %s", code, errOut)
	}
	out = mustRun(t, 0, f.owner, "", "self-service", "remove", kiosk)
	if !strings.Contains(out, "removed self-service login "+kiosk) {
		t.Fatalf("self-service remove said: %s", out)
	}
	code, _, errOut = run(t, pgtest.RoleURL(t, f.super, kiosk, f.password), "x\n"+pw+"\n"+pw+"\n", "complete-reset", "--email", "alex@acme.test")
	if code != cli.ExitError {
		t.Fatalf("the removed login completed a reset: exit %d, %s", code, errOut)
	}
}

// TestSelfServiceList: the owner lists the office's self-service logins,
// with who made each and whether it was used; an admin and a login that
// may read nothing get a sentence, not a list.
func TestSelfServiceList(t *testing.T) {
	f := newFixture(t)
	kiosk := f.prefix + "_kiosk"
	mustRun(t, 0, f.owner, f.password+"\n", "self-service", "add", kiosk)
	mustRun(t, 0, f.owner, "", "import", writeFile(t, "u.csv", "email,name,status\nalex@acme.test,Alex,confirmed\n"))
	mustRun(t, 0, f.admin, "", "reset", "alex@acme.test")
	pw := "a-kiosk-typed-passphrase"
	mustRun(t, 0, pgtest.RoleURL(t, f.super, kiosk, f.password), f.lastCode(t, "alex@acme.test")+"\n"+pw+"\n"+pw+"\n",
		"complete-reset", "--email", "alex@acme.test")

	code, out, errOut := run(t, f.owner, "", "self-service", "list")
	if code != cli.ExitOK {
		t.Fatalf("the owner's list: exit %d, %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "LAST USED") {
		t.Fatalf("want a heading and two logins, got:\n%s", out)
	}
	// The fixture's login, made by the DBA, first; then the kiosk, made by
	// the owner, which finished Alex's reset.
	enduser, kioskLine := strings.Fields(lines[1]), strings.Fields(lines[2])
	if enduser[0] != f.prefix+"_enduser" || enduser[len(enduser)-1] != "never" || kioskLine[0] != kiosk {
		t.Errorf("want %s_enduser, never used, then %s:\n%s", f.prefix, kiosk, out)
	}
	if !strings.Contains(lines[2], f.prefix+"_owner") {
		t.Errorf("the kiosk's line does not say the owner made it: %s", lines[2])
	}
	if kioskLine[len(kioskLine)-1] == "never" {
		t.Errorf("the kiosk finished a reset, but its line says never used: %s", lines[2])
	}
	if !strings.Contains(errOut, "2 self-service logins") {
		t.Errorf("no count on stderr: %s", errOut)
	}

	// The DBA's connection lists them too, in UTC.
	if out := mustRun(t, 0, f.super, "", "self-service", "list"); !strings.Contains(out, kiosk) || !strings.Contains(out, " UTC") {
		t.Errorf("the DBA's list:\n%s", out)
	}
	code, out, errOut = run(t, f.admin, "", "self-service", "list")
	if code != cli.ExitError || out != "" || !strings.Contains(errOut, "Only the owner") {
		t.Fatalf("an admin's list: exit %d, %q, %s", code, out, errOut)
	}
	code, out, errOut = run(t, f.enduser, "", "self-service", "list")
	if code != cli.ExitError || out != "" || !strings.Contains(errOut, "may not read the office's self-service logins") {
		t.Fatalf("a self-service login's list: exit %d, %q, %s", code, out, errOut)
	}
	code, _, errOut = run(t, f.owner, "", "self-service", "list", "extra")
	if code != cli.ExitUsage || !strings.Contains(errOut, "usage: resetdesk self-service list") {
		t.Fatalf("an extra argument: exit %d, %s", code, errOut)
	}
}
