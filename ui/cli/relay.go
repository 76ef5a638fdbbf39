package cli

import (
	"bufio"
	"context"
	"fmt"

	"resetdesk/app"
)

// runRelay runs the office mail relay until stopped (SIGTERM or Ctrl-C).
func runRelay(ctx context.Context, env Env, args []string) int {
	fs := newFlags("relay", env)
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return usageError(env, "usage: resetdesk relay (DATABASE_URL of a relay login, RESETDESK_SMTP_URL, RESETDESK_MAIL_FROM)")
	}
	if env.Relay == nil {
		return fail(env, app.Errorf(app.EINTERNAL, "This build cannot run the mail relay."))
	}
	if err := env.Relay(ctx); err != nil {
		return fail(env, err)
	}
	return ExitOK
}

// runRelayAdd makes a login for `resetdesk relay`, as self-service add
// makes one for the end user's screens: the owner's connection or the DBA's.
func runRelayAdd(ctx context.Context, env Env, args []string) int {
	fs := newFlags("relay add", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk relay add LOGIN (its password on stdin)")
	}
	l := app.SelfServiceLogin{LoginRole: pos[0]}
	if l.Password, err = readSecret(env, bufio.NewReader(env.Stdin), "Database password for "+l.LoginRole+": "); err != nil {
		return fail(env, err)
	}
	if err := app.CheckRelayPassword(l.Password, l.LoginRole); err != nil {
		return fail(env, err)
	}
	sp, closer, err := selfServiceProvisioner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	defer closer.Close()
	rp, ok := sp.(app.RelayProvisioner)
	if !ok {
		return fail(env, app.Errorf(app.EINTERNAL, "This connection cannot add mail relay logins."))
	}
	if err := rp.AddRelayLogin(ctx, l); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "added mail relay login %s: it may send this database's queued mail, nothing else; run `resetdesk relay` with it\n", l.LoginRole)
	return ExitOK
}
