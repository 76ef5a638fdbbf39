// Package cli is ResetDesk's command line: the same app services as the
// window, for scripts and for the DBA's one-time set-up. It knows nothing of
// PostgreSQL or SMTP; main hands it the connections through Env.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"resetdesk/app"
)

// Exit codes, as DESIGN.md section 6 promises them to scripts.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitSkipped = 3
)

// Directory is a console user's connection.
type Directory interface {
	app.Directory
	Close() error
}

// Env is what a command may use. main fills it from the environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Connect signs in as the console role of DATABASE_URL.
	Connect func(ctx context.Context) (Directory, error)
	// Provision opens DATABASE_URL as a DBA, for setup, role add and admin add.
	Provision func(ctx context.Context) (app.Provisioner, error)
	// Mailer returns the configured mailer, or nil when none is configured.
	Mailer func() (app.Mailer, error)
	// SelfService connects as the self-service login of DATABASE_URL, for
	// complete-reset and change-password.
	SelfService func(ctx context.Context) (app.SelfService, error)
	// Relay runs the office mail relay until ctx ends.
	Relay func(ctx context.Context) error
	// MailSink runs the local SMTP sink until ctx ends.
	MailSink func(ctx context.Context, listen, dir string, ready func(addr string)) error
}

type command struct {
	name, args, help string
	run              func(ctx context.Context, env Env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"setup", "--org NAME --owner-email EMAIL --owner-role ROLE [--owner-name NAME]", "create or upgrade the schema, roles, org and owner (owner password on stdin)", runSetup},
		{"role add", "NAME --permissions reset_password,set_password,...", "create or update a custom role", runRoleAdd},
		{"admin add", "ROLE --email EMAIL [--name NAME] [--admin | --custom-role NAME] [--promote]", "add a console user with their own login role (password on stdin); --promote makes an existing member one", runAdminAdd},
		{"admin set-role", "EMAIL|ZUID admin|CUSTOM_ROLE", "give a console user another role", runAdminChange("set-role")},
		{"admin disable", "EMAIL|ZUID", "disable a console user", runAdminChange("disable")},
		{"admin remove", "EMAIL|ZUID", "make a console user a member again", runAdminChange("remove")},
		{"import", "FILE.csv", "add users from a CSV file (email,name,mobile,secondary_email,role,status; at most 300)", runImport},
		{"users", "[--search Q] [--json]", "list users", runUsers},
		{"reset", "[EMAIL|ZUID ...] [--file FILE.csv] [--set-password [--generate | --password-stdin]] [--force-change] [--email-password] [--clear-mobile-sessions=true|false] [--unlock] [--verified-by HOW --reason TEXT] [--json]", "reset passwords", runReset},
		{"resend", "EMAIL|ZUID", "send a new one-time password, voiding the earlier one", runResend},
		{"relay add", "LOGIN", "a database login for the office mail relay (password on stdin; the owner's connection or the DBA's)", runRelayAdd},
		{"relay", "", "the office mail relay: send the queued mail until stopped (DATABASE_URL of a relay login, RESETDESK_SMTP_URL)", runRelay},
		{"complete-reset", "--email EMAIL", "end user: one-time password, then the new password twice, on stdin (a self-service login)", runCompleteReset},
		{"change-password", "--email EMAIL", "end user: temporary password, then the new password twice, on stdin (a self-service login)", runChangePassword},
		{"self-service add", "LOGIN", "a database login for the end user's screens (password on stdin; the owner's connection or the DBA's)", runSelfServiceAdd},
		{"self-service list", "", "the office's self-service logins: when and by whom each was made, when it was last used (the owner's connection or the DBA's)", runSelfServiceList},
		{"self-service remove", "LOGIN", "take a self-service login back at once (its password went astray, or was changed by whoever holds it)", runSelfServiceRemove},
		{"policy set", "NAME=VALUE ...", "change the organization's policies (the owner): " + strings.Join(policyNames, ", "), runPolicySet},
		{"policy", "", "show the organization's policies", runPolicy},
		{"mail-sink", "--listen ADDR --dir DIR", "a local SMTP sink that writes .eml files", runMailSink},
	}
}

// Run runs the command in args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return ExitOK
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(ctx, env, args[len(words):])
		}
	}
	fmt.Fprintf(env.Stderr, "resetdesk: unknown command %q\n\n", strings.Join(args, " "))
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  resetdesk [-mobile [-platform ios|android]] [-size WxH]\n      open the app; its layout follows the window's width (the phone's pages below 600 wide,")
	fmt.Fprintln(w, "      the desktop shells above); -mobile previews a phone (390x844, finger-sized targets),")
	fmt.Fprintln(w, "      placing its controls as iOS or Android does with -platform (default: the system's own, iOS on a Mac),")
	fmt.Fprintln(w, "      -size opens the window at WxH (-size 1024x1366: an iPad; with -mobile, with touch)")
	fmt.Fprintln(w, "  resetdesk demo [-mobile [-platform ios|android]] [-size WxH]\n      open the app on a private demo stack")
	fmt.Fprintln(w, "  resetdesk self-service [-mobile]\n      end user: open the app on the forms that set your own password (a front-desk PC, a shortcut)")
	for _, c := range commands {
		fmt.Fprintf(w, "  resetdesk %s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\nEnvironment: DATABASE_URL (or PG*), RESETDESK_SMTP_URL, RESETDESK_MAIL_FROM, RESETDESK_SMTP_CA_FILE.")
	fmt.Fprintln(w, "Exit codes: 0 done, 3 done with some users skipped, 2 usage, 1 error.")
}

// parse parses flags wherever they appear among the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// fail prints err as the sentence an admin reads and returns the exit code.
func fail(env Env, err error) int {
	fmt.Fprintln(env.Stderr, "resetdesk:", app.ErrorMessage(err))
	if app.ErrorCode(err) == app.EINTERNAL {
		fmt.Fprintln(env.Stderr, "details:", app.Redact(err.Error()))
	}
	return ExitError
}

func usageError(env Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "resetdesk: "+format+"\n", args...)
	return ExitUsage
}

// errNoLine is the cause of readSecret's error when stdin has no more lines.
var errNoLine = errors.New("no line on standard input")

// readSecret reads one line from stdin without echo when it is a terminal.
// Secrets come on stdin, never as arguments, so they stay out of `ps` and
// shell history.
func readSecret(env Env, r *bufio.Reader, prompt string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		return string(b), err
	}
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", &app.Error{Code: app.EINVALID, Err: errNoLine,
			Message: fmt.Sprintf("Expected %s on standard input.", strings.ToLower(strings.TrimSuffix(prompt, ": ")))}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runSetup(ctx context.Context, env Env, args []string) int {
	fs := newFlags("setup", env)
	var o app.SetupOptions
	fs.StringVar(&o.OrgName, "org", "", "the organization's name")
	fs.StringVar(&o.OwnerEmail, "owner-email", "", "the owner's email")
	fs.StringVar(&o.OwnerRole, "owner-role", "", "the owner's PostgreSQL login role")
	fs.StringVar(&o.OwnerName, "owner-name", "", "the owner's display name")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return usageError(env, "setup takes only flags")
	}
	p, err := env.Provision(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer p.Close()
	need, err := p.NeedsOrg(ctx)
	if err != nil {
		return fail(env, err)
	}
	if need {
		if o.OrgName == "" || o.OwnerEmail == "" || o.OwnerRole == "" {
			return usageError(env, "the first setup needs --org, --owner-email and --owner-role")
		}
		if o.OwnerPassword, err = readSecret(env, bufio.NewReader(env.Stdin), "Owner's database password: "); err != nil {
			return fail(env, err)
		}
	}
	res, err := p.Setup(ctx, o)
	if err != nil {
		return fail(env, err)
	}
	for _, m := range res.Applied {
		fmt.Fprintf(env.Stdout, "applied migration %s\n", m)
	}
	if res.OrgCreated {
		fmt.Fprintf(env.Stdout, "created organization %q (zoid %d) with owner %s (role %s)\n", o.OrgName, res.OrgID, o.OwnerEmail, o.OwnerRole)
	} else {
		fmt.Fprintf(env.Stdout, "organization %d already set up; schema is current\n", res.OrgID)
	}
	if len(res.Advice) > 0 {
		fmt.Fprintf(env.Stdout, "Setup could not close all of this database to logins outside ResetDesk: it is not a superuser here. "+
			"As a superuser (or the service's administrator), run:\n  %s\n", strings.Join(res.Advice, "\n  "))
	}
	return ExitOK
}

func runRoleAdd(ctx context.Context, env Env, args []string) int {
	fs := newFlags("role add", env)
	perms := fs.String("permissions", "", "comma-separated: reset_password,set_password,import_users,manage_admins,view_audit")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk role add NAME --permissions reset_password,...")
	}
	ps := permissionList(*perms)
	// The owner's own connection, or a DBA's.
	m, dir, err := manager(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if m != nil {
		defer dir.Close()
		err = m.SaveCustomRole(ctx, pos[0], ps)
	} else {
		var p app.Provisioner
		if p, err = env.Provision(ctx); err != nil {
			return fail(env, err)
		}
		defer p.Close()
		err = p.AddRole(ctx, pos[0], ps)
	}
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "role %s: %s\n", pos[0], *perms)
	return ExitOK
}

func runAdminAdd(ctx context.Context, env Env, args []string) int {
	fs := newFlags("admin add", env)
	var o app.ConsoleUserOptions
	fs.StringVar(&o.Email, "email", "", "the admin's email")
	fs.StringVar(&o.Name, "name", "", "the admin's display name")
	fs.StringVar(&o.CustomRole, "custom-role", "", "a custom role instead of admin")
	fs.BoolVar(&o.Promote, "promote", false, "make an existing member of the directory this console user, keeping their name, mobile number and secondary email")
	fs.Bool("admin", false, "a full admin (the default)")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 || o.Email == "" {
		return usageError(env, "usage: resetdesk admin add ROLE --email EMAIL [--admin | --custom-role NAME] [--promote]")
	}
	o.LoginRole = pos[0]
	if o.Password, err = readSecret(env, bufio.NewReader(env.Stdin), "Database password for "+o.LoginRole+": "); err != nil {
		return fail(env, err)
	}
	// The owner's own connection, or a DBA's.
	m, dir, err := manager(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if m != nil {
		defer dir.Close()
		_, err = m.AddConsoleUser(ctx, o)
	} else {
		var p app.Provisioner
		if p, err = env.Provision(ctx); err != nil {
			return fail(env, err)
		}
		defer p.Close()
		err = p.AddAdmin(ctx, o)
	}
	if err != nil {
		return fail(env, err)
	}
	kind := "admin"
	if o.CustomRole != "" {
		kind = o.CustomRole
	}
	verb := "added"
	if o.Promote {
		verb = "promoted"
	}
	fmt.Fprintf(env.Stdout, "%s %s as %s with login role %s\n", verb, o.Email, kind, o.LoginRole)
	return ExitOK
}

func runImport(ctx context.Context, env Env, args []string) int {
	fs := newFlags("import", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk import FILE.csv")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fail(env, app.Errorf(app.EINVALID, "Cannot open %s: %v", pos[0], errors.Unwrap(err)))
	}
	defer f.Close()
	rows, bad, err := app.ParseImportCSV(f)
	if err != nil {
		return fail(env, err)
	}
	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	var res app.ImportResult
	if len(rows) > 0 {
		if res, err = dir.ImportUsers(ctx, rows); err != nil {
			return fail(env, err)
		}
	}
	bad = append(bad, res.Rows...)
	sortRowErrors(bad)
	fmt.Fprintf(env.Stdout, "imported %d of %d users from %s\n", res.Imported, len(rows)+len(bad)-len(res.Rows), pos[0])
	for _, b := range bad {
		fmt.Fprintf(env.Stdout, "line %d: %s\n", b.Line, b.Message)
	}
	if len(bad) > 0 {
		return ExitSkipped
	}
	return ExitOK
}

func sortRowErrors(rs []app.RowError) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Line < rs[j-1].Line; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// userJSON is a user as `users --json` prints them.
type userJSON struct {
	ZUID         int64      `json:"zuid"`
	Name         string     `json:"name"`
	Email        string     `json:"email,omitempty"`
	Mobile       string     `json:"mobile,omitempty"`
	Status       app.Status `json:"status"`
	Role         string     `json:"role"`
	Locked       bool       `json:"locked"`
	SSO          bool       `json:"sso,omitempty"`
	MustChange   bool       `json:"must_change_password,omitempty"`
	HasPassword  bool       `json:"has_password"`
	Undeliverabe bool       `json:"primary_email_undeliverable,omitempty"`
}

func runUsers(ctx context.Context, env Env, args []string) int {
	fs := newFlags("users", env)
	search := fs.String("search", "", "filter by name, email, mobile or zuid")
	asJSON := fs.Bool("json", false, "print JSON")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return usageError(env, "usage: resetdesk users [--search Q] [--json]")
	}
	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	_, org, users, err := actorAndUsers(ctx, dir, app.UserFilter{Search: *search})
	if err != nil {
		return fail(env, err)
	}
	now := time.Now()
	if *asJSON {
		out := make([]userJSON, len(users))
		for i, u := range users {
			out[i] = userJSON{ZUID: u.ID, Name: u.DisplayName, Email: u.PrimaryEmail, Mobile: u.MobileNumber,
				Status: u.Status, Role: u.Role, Locked: u.HasLock(), SSO: u.SSOManaged, MustChange: u.MustChangePassword,
				HasPassword: u.HasPassword, Undeliverabe: u.PrimaryEmailUndeliverable}
		}
		return writeJSON(env, map[string]any{"status": okStatus, "org": orgOf(org), "data": out})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ZUID\tNAME\tLOGIN\tSTATUS\tROLE\tLOCKED")
	for _, u := range users {
		locked := ""
		switch {
		case u.Locked(now):
			locked = "locked"
		case u.HasLock():
			locked = "locked (lapsed, a reset clears it)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, oneLine(u.DisplayName), u.Login(), u.Status, u.Role, locked)
	}
	tw.Flush()
	fmt.Fprintf(env.Stderr, "%d users in %s (zoid %d)\n", len(users), oneLine(org.Name), org.ID)
	return ExitOK
}

// orgJSON names the org a command acted in: the same zoid repeats in every
// office's database, so the name says which office it was.
type orgJSON struct {
	ZOID int64  `json:"zoid"`
	Name string `json:"name"`
}

func orgOf(o app.Org) orgJSON { return orgJSON{ZOID: o.ID, Name: o.Name} }

// actorAndUsers reads the signed-in console user, their org and the users
// the filter selects, in one round trip where the directory can: the
// command line connects for each command, and on a slow link every
// statement counts. A role that is no console user here is EUNAUTHORIZED,
// never an empty list.
func actorAndUsers(ctx context.Context, dir Directory, f app.UserFilter) (app.Actor, app.Org, []app.User, error) {
	if d, ok := dir.(interface {
		ActorAndUsers(context.Context, app.UserFilter) (app.Actor, app.Org, []app.User, error)
	}); ok {
		return d.ActorAndUsers(ctx, f)
	}
	actor, org, err := dir.Actor(ctx)
	if err != nil {
		return actor, org, nil, err
	}
	users, err := dir.Users(ctx, f)
	return actor, org, users, err
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

var okStatus = map[string]any{"code": 200, "description": "success"}

func writeJSON(env Env, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(env, err)
	}
	return ExitOK
}
