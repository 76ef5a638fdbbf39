package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"resetdesk/app"
)

func runCompleteReset(ctx context.Context, env Env, args []string) int {
	return runSelfService(ctx, env, args, "complete-reset", "One-time password: ", app.CompleteReset, app.CompletionStatus.Sentence)
}

func runChangePassword(ctx context.Context, env Env, args []string) int {
	return runSelfService(ctx, env, args, "change-password", "Temporary password: ", app.ChangeTemporaryPassword, app.CompletionStatus.ChangeSentence)
}

// runSelfService reads the secret and the new password twice from stdin and
// has the database check them. From a pipe the second new password may be
// left out: a script has no typing to guard against.
func runSelfService(ctx context.Context, env Env, args []string, name, prompt string,
	do func(context.Context, app.SelfService, app.SelfServiceRequest) (app.CompletionStatus, error),
	sentence func(app.CompletionStatus) string) int {
	fs := newFlags(name, env)
	email := fs.String("email", "", "your email address (your login)")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 || *email == "" {
		return usageError(env, "usage: resetdesk %s --email EMAIL (%s then the new password twice, on stdin)", name, prompt[:len(prompt)-2])
	}
	in := bufio.NewReader(env.Stdin)
	r := app.SelfServiceRequest{Login: *email}
	var err error
	if r.Secret, err = readSecret(env, in, prompt); err != nil {
		return fail(env, err)
	}
	if r.NewPassword, err = readSecret(env, in, "New password: "); err != nil {
		return fail(env, err)
	}
	if r.Again, err = readSecret(env, in, "New password again: "); err != nil {
		if isTerminal(env.Stdin) || !errors.Is(err, errNoLine) {
			return fail(env, err)
		}
		r.Again = r.NewPassword
	}
	s, err := env.SelfService(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer s.Close()
	status, err := do(ctx, s, r)
	if err != nil {
		return fail(env, err)
	}
	if status != app.CompletionOK {
		fmt.Fprintln(env.Stderr, "resetdesk:", sentence(status))
		return ExitError
	}
	fmt.Fprintln(env.Stdout, sentence(status))
	return ExitOK
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// selfServiceProvisioner picks the path of DATABASE_URL's role: a console
// user (the database lets only the owner) adds the login through a database
// function; any other role is taken for the DBA.
func selfServiceProvisioner(ctx context.Context, env Env) (app.SelfServiceProvisioner, io.Closer, error) {
	dir, err := env.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := dir.Actor(ctx); err == nil {
		if sp, ok := dir.(app.SelfServiceProvisioner); ok {
			return sp, dir, nil
		}
	} else if app.ErrorCode(err) != app.EUNAUTHORIZED {
		dir.Close()
		return nil, nil, err
	}
	dir.Close()
	p, err := env.Provision(ctx)
	if err != nil {
		return nil, nil, err
	}
	sp, ok := p.(app.SelfServiceProvisioner)
	if !ok {
		p.Close()
		return nil, nil, app.Errorf(app.EINTERNAL, "This connection cannot add self-service logins.")
	}
	return sp, p, nil
}

func runSelfServiceAdd(ctx context.Context, env Env, args []string) int {
	fs := newFlags("self-service add", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk self-service add LOGIN (its password on stdin)")
	}
	l := app.SelfServiceLogin{LoginRole: pos[0]}
	if l.Password, err = readSecret(env, bufio.NewReader(env.Stdin), "Database password for "+l.LoginRole+": "); err != nil {
		return fail(env, err)
	}
	sp, closer, err := selfServiceProvisioner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	defer closer.Close()
	if err := sp.AddSelfServiceLogin(ctx, l); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "added self-service login %s: it may complete resets and change temporary passwords in this database, nothing else\n", l.LoginRole)
	return ExitOK
}

func runSelfServiceRemove(ctx context.Context, env Env, args []string) int {
	fs := newFlags("self-service remove", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk self-service remove LOGIN")
	}
	sp, closer, err := selfServiceProvisioner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	defer closer.Close()
	if err := sp.RemoveSelfServiceLogin(ctx, pos[0]); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "removed self-service login %s: it completes no resets here any more; devices that used it need a set-up with another login\n", pos[0])
	return ExitOK
}

// runSelfServiceList lists the office's self-service logins, as Settings
// does for the owner: each with when and by whom it was made, and when it
// last finished (or tried) a reset or a password change.
func runSelfServiceList(ctx context.Context, env Env, args []string) int {
	fs := newFlags("self-service list", env)
	if pos, err := parse(fs, args); err != nil || len(pos) != 0 {
		return usageError(env, "usage: resetdesk self-service list")
	}
	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	// Times in the office's zone when the connection is a console user's;
	// a DBA's has no office, and reads UTC.
	zone, console := time.UTC, false
	if _, org, err := dir.Actor(ctx); err == nil {
		console = true
		if loc, err := time.LoadLocation(org.TimeZone); org.TimeZone != "" && err == nil {
			zone = loc
		}
	}
	lister, ok := dir.(app.SelfServiceLoginLister)
	if !ok {
		return fail(env, app.Errorf(app.EINTERNAL, "This connection cannot list self-service logins."))
	}
	list, err := lister.SelfServiceLogins(ctx)
	if err != nil {
		if app.ErrorCode(err) == app.EUNAUTHORIZED && !console {
			fmt.Fprintln(env.Stderr, "resetdesk: This database login may not read the office's self-service logins: "+
				"run the command with the owner's connection (DATABASE_URL with the owner's login).")
			return ExitError
		}
		return fail(env, err)
	}
	at := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04 MST") }
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tMADE\tMADE BY\tLAST USED")
	for _, l := range list {
		used := "never"
		if !l.LastUsed.IsZero() {
			used = at(l.LastUsed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Login, at(l.CreatedAt), l.CreatedBy, used)
	}
	tw.Flush()
	if len(list) == 0 {
		fmt.Fprintln(env.Stderr, "No self-service logins yet: add one with resetdesk self-service add LOGIN, or in Settings.")
	} else {
		fmt.Fprintf(env.Stderr, "%d self-service logins\n", len(list))
	}
	return ExitOK
}
