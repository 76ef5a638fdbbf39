package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"resetdesk/app"
)

// resultJSON is one user of `reset --json`, in the Zoho Mail API's shape.
type resultJSON struct {
	ZUID      int64  `json:"zuid,omitempty"`
	Email     string `json:"email"`
	Result    string `json:"result"`
	Reason    string `json:"reason,omitempty"`
	Message   string `json:"message,omitempty"`
	Delivery  string `json:"delivery,omitempty"`
	MailError string `json:"mail_error,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
	Password  string `json:"password,omitempty"`
}

func runReset(ctx context.Context, env Env, args []string) int {
	fs := newFlags("reset", env)
	file := fs.String("file", "", "a CSV file of users (column email or zuid; at most 300)")
	setPw := fs.Bool("set-password", false, "set a password instead of emailing a one-time password")
	fs.Bool("generate", false, "with --set-password: generate a password per user (the default)")
	pwStdin := fs.Bool("password-stdin", false, "with --set-password: read the password for one user from stdin")
	force := fs.Bool("force-change", false, "with --set-password: the user must change it at next sign-in")
	emailPw := fs.Bool("email-password", false, "with --set-password: email the password to the user")
	clearMobile := fs.Bool("clear-mobile-sessions", true, "also revoke mobile sessions and API tokens")
	unlock := fs.Bool("unlock", false, "unlock locked accounts")
	asJSON := fs.Bool("json", false, "print JSON in the Zoho Mail API's shape")
	verifiedBy := fs.String("verified-by", "", "how you verified the user: in_person, call_back, manager_approval or ticket (for the audit log; the org may require it)")
	reason := fs.String("reason", "", "why the reset is done, one line (for the audit log; the org may require it)")
	targets, err := parse(fs, args)
	if err != nil {
		return ExitUsage
	}
	if !*setPw && (*pwStdin || *force || *emailPw) {
		return usageError(env, "--password-stdin, --force-change and --email-password need --set-password")
	}
	var bad []resultJSON
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return fail(env, app.Errorf(app.EINVALID, "Cannot open %s: %v", *file, errors.Unwrap(err)))
		}
		more, rowErrs, err := app.ParseTargetsCSV(f)
		f.Close()
		if err != nil {
			return fail(env, err)
		}
		targets = append(targets, more...)
		for _, r := range rowErrs {
			bad = append(bad, resultJSON{Email: r.Email, Result: "skipped", Reason: "bad_row",
				Message: fmt.Sprintf("%s line %d: %s", *file, r.Line, r.Message)})
		}
	}
	if len(targets) == 0 && len(bad) == 0 {
		return usageError(env, "name the users to reset (email or zuid), or give --file FILE.csv")
	}
	opts := app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: *clearMobile, Unlock: *unlock,
		VerifiedBy: app.VerificationMethod(strings.TrimSpace(*verifiedBy)), Reason: strings.TrimSpace(*reason)}
	if err := app.CheckResetReason(app.Org{}, opts); err != nil {
		return usageError(env, "%s", app.ErrorMessage(err))
	}
	if *setPw {
		opts.Mode, opts.ForceChange, opts.EmailPassword = app.ModeSetPassword, *force, *emailPw
		if *pwStdin {
			if len(targets) != 1 {
				return usageError(env, "--password-stdin sets the password of one user; name exactly one")
			}
			if opts.Password, err = readSecret(env, bufio.NewReader(env.Stdin), "New password: "); err != nil {
				return fail(env, err)
			}
		}
	}

	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	actor, org, all, err := actorAndUsers(ctx, dir, app.UserFilter{})
	if err != nil {
		return fail(env, err)
	}
	users, unknown := resolve(all, targets)
	for _, t := range unknown {
		bad = append(bad, resultJSON{Email: t, Result: "skipped", Reason: "not_found", Message: "No such user in this organization."})
	}
	var results []app.ResetResult
	if len(users) > 0 {
		mailer, err := env.Mailer()
		if err != nil {
			return fail(env, err)
		}
		r := &app.Resetter{Dir: dir, Mail: mailer}
		results, err = r.Reset(ctx, app.ResetRequest{Actor: actor, Org: org, Users: users, Options: opts})
		if err != nil && results == nil {
			return fail(env, err)
		} else if err != nil {
			fmt.Fprintln(env.Stderr, "resetdesk: the resets stand, but recording the mail outcome failed:", app.ErrorMessage(err))
		}
	}
	if opts.Password != "" {
		// The admin typed it: printing it back would put it in every log of
		// this command's output. Only a generated password is shown.
		for i := range results {
			results[i].Password = ""
		}
	}
	return printResults(env, org, results, bad, *asJSON)
}

// resolve finds the users named by email, zuid or mobile number in all, the
// whole list read in one query, whatever the number of targets.
func resolve(all []app.User, targets []string) ([]app.User, []string) {
	index := make(map[string]app.User, 2*len(all))
	for _, u := range all {
		index[strconv.FormatInt(u.ID, 10)] = u
		if u.PrimaryEmail != "" {
			index[strings.ToLower(u.PrimaryEmail)] = u
		} else if u.MobileNumber != "" {
			index[u.MobileNumber] = u
		}
	}
	var users []app.User
	var unknown []string
	for _, t := range targets {
		if u, ok := index[strings.ToLower(strings.TrimSpace(t))]; ok {
			users = append(users, u)
		} else {
			unknown = append(unknown, t)
		}
	}
	return users, unknown
}

func printResults(env Env, org app.Org, results []app.ResetResult, bad []resultJSON, asJSON bool) int {
	code := ExitOK
	if len(bad) > 0 {
		code = ExitSkipped
	}
	out := make([]resultJSON, 0, len(results)+len(bad))
	for _, r := range results {
		j := resultJSON{ZUID: r.User.ID, Email: r.User.Login(), Result: string(r.Outcome), Reason: string(r.Reason),
			Message: r.Reason.Sentence(), Password: r.Password}
		if r.Delivery.ID != 0 {
			j.Delivery = string(r.Delivery.Kind) + ":" + string(r.Delivery.Status)
			j.MailError = r.Delivery.LastError
		}
		if !r.ExpiresAt.IsZero() {
			j.ExpiresAt = r.ExpiresAt.Format(time.RFC3339)
		}
		if r.Outcome != app.OutcomeReset || r.Delivery.Status == app.DeliveryFailed {
			code = ExitSkipped
		}
		out = append(out, j)
	}
	out = append(out, bad...)
	if asJSON {
		if c := writeJSON(env, map[string]any{"status": okStatus, "org": orgOf(org), "data": out}); c != ExitOK {
			return c
		}
		return code
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ZUID\tLOGIN\tRESULT\tMAIL\tPASSWORD\tNOTE")
	for _, j := range out {
		zuid := ""
		if j.ZUID != 0 {
			zuid = strconv.FormatInt(j.ZUID, 10)
		}
		note := j.Message
		if j.MailError != "" {
			note = strings.TrimSpace(note + " Mail: " + j.MailError)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", zuid, oneLine(j.Email), j.Result, j.Delivery, j.Password, oneLine(note))
	}
	tw.Flush()
	fmt.Fprintf(env.Stderr, "in %s (zoid %d)\n", oneLine(org.Name), org.ID)
	return code
}

func runResend(ctx context.Context, env Env, args []string) int {
	fs := newFlags("resend", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return usageError(env, "usage: resetdesk resend EMAIL|ZUID")
	}
	// A resend is a new one-time reset of the same user: the earlier code is
	// voided, because the secret was never stored to send again.
	return runReset(ctx, env, []string{pos[0]})
}

func runMailSink(ctx context.Context, env Env, args []string) int {
	fs := newFlags("mail-sink", env)
	listen := fs.String("listen", "127.0.0.1:2525", "address to listen on (loopback only)")
	dir := fs.String("dir", "", "directory for .eml files")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 || *dir == "" {
		return usageError(env, "usage: resetdesk mail-sink --listen ADDR --dir DIR")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	err := env.MailSink(ctx, *listen, *dir, func(addr string) {
		fmt.Fprintf(env.Stdout, "mail sink on %s, writing to %s; RESETDESK_SMTP_URL=smtp://%s?tls=none\n", addr, *dir, addr)
	})
	if err != nil {
		return fail(env, err)
	}
	return ExitOK
}
