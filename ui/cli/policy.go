package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"resetdesk/app"
)

// policyNames lists the policies `policy set` takes, in the order `policy`
// shows them.
var policyNames = []string{"admins_may_set_passwords", "otp_ttl", "temp_password_ttl", "min_password_length",
	"sso_enabled", "require_reset_reason", "completion_instructions", "time_zone", "mail_relay"}

func runPolicy(ctx context.Context, env Env, args []string) int {
	fs := newFlags("policy", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) > 0 {
		return usageError(env, "usage: resetdesk policy, or resetdesk policy set NAME=VALUE ...")
	}
	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	_, org, err := dir.Actor(ctx)
	if err != nil {
		return fail(env, err)
	}
	printPolicies(env, org)
	return ExitOK
}

func runPolicySet(ctx context.Context, env Env, args []string) int {
	fs := newFlags("policy set", env)
	pos, err := parse(fs, args)
	if err != nil || len(pos) == 0 {
		return usageError(env, "usage: resetdesk policy set NAME=VALUE ... (names: %s)", strings.Join(policyNames, ", "))
	}
	// Read every assignment before connecting: a bad one changes nothing.
	var set []func(*app.Org)
	for _, a := range pos {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return usageError(env, "%q is not NAME=VALUE; names: %s", a, strings.Join(policyNames, ", "))
		}
		f, err := parsePolicy(strings.TrimSpace(name), value)
		if err != nil {
			return fail(env, err)
		}
		set = append(set, f)
	}
	dir, err := env.Connect(ctx)
	if err != nil {
		return fail(env, err)
	}
	defer dir.Close()
	_, org, err := dir.Actor(ctx)
	if err != nil {
		return fail(env, err)
	}
	for _, f := range set {
		f(&org)
	}
	if err := dir.SetOrgPolicies(ctx, org); err != nil {
		return fail(env, err)
	}
	if _, org, err = dir.Actor(ctx); err != nil {
		return fail(env, err)
	}
	printPolicies(env, org)
	return ExitOK
}

// parsePolicy returns what NAME=VALUE changes, or a sentence saying why it
// cannot. The database checks every value again.
func parsePolicy(name, value string) (func(*app.Org), error) {
	bad := func(format string, args ...any) (func(*app.Org), error) {
		return nil, app.Errorf(app.EINVALID, "%s: "+format, append([]any{name}, args...)...)
	}
	switch name {
	case "admins_may_set_passwords", "sso_enabled", "require_reset_reason", "mail_relay":
		var b bool
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "true", "on", "yes", "1":
			b = true
		case "false", "off", "no", "0":
		default:
			return bad("%q is not true or false.", value)
		}
		return func(o *app.Org) {
			switch name {
			case "admins_may_set_passwords":
				o.AdminsMaySetPasswords = b
			case "sso_enabled":
				o.SSOEnabled = b
			case "require_reset_reason":
				o.RequireResetReason = b
			default:
				o.MailRelay = b
			}
		}, nil
	case "otp_ttl", "temp_password_ttl":
		d, err := parseTTL(value)
		if err != nil {
			return bad("%q is not a duration such as 15m, 72h or 3d.", value)
		}
		// The database refuses these too, in a sentence that cannot say
		// which of the NAME=VALUE pairs it was.
		if name == "otp_ttl" && (d < time.Minute || d > 24*time.Hour) {
			return bad("a one-time password must stay valid for 1 minute to 24 hours, not %s.", strings.TrimSpace(value))
		}
		if name == "temp_password_ttl" && (d < time.Hour || d > 90*24*time.Hour) {
			return bad("a temporary password must stay valid for 1 hour to 90 days, not %s.", strings.TrimSpace(value))
		}
		return func(o *app.Org) {
			if name == "otp_ttl" {
				o.OTPTTL = d
			} else {
				o.TempPasswordTTL = d
			}
		}, nil
	case "min_password_length":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 8 || n > app.MaxPasswordLength {
			return bad("use a number of characters from 8 to %d (15 or more is recommended).", app.MaxPasswordLength)
		}
		return func(o *app.Org) { o.MinPasswordLength = n }, nil
	case "completion_instructions":
		// A script can write a line break as \n.
		text := strings.TrimSpace(strings.ReplaceAll(value, `\n`, "\n"))
		if n := utf8.RuneCountInString(text); n > app.MaxInstructionsLength {
			return bad("at most %d characters; these have %d.", app.MaxInstructionsLength, n)
		}
		if !utf8.ValidString(text) || strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
			return bad("line breaks are fine, other control characters (such as tabs) are not.")
		}
		return func(o *app.Org) { o.CompletionInstructions = text }, nil
	case "time_zone":
		tz := strings.TrimSpace(value)
		if _, err := time.LoadLocation(tz); err != nil || tz == "" || strings.EqualFold(tz, "local") {
			return bad("%q is not a time zone name such as Europe/Berlin, America/New_York or UTC.", value)
		}
		return func(o *app.Org) { o.TimeZone = tz }, nil
	}
	return nil, app.Errorf(app.EINVALID, "There is no policy %q. Policies: %s.", name, strings.Join(policyNames, ", "))
}

// parseTTL reads a Go duration, with d for days too (3d, 1d12h).
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, err
		}
		d := time.Duration(n) * 24 * time.Hour
		if rest != "" {
			r, err := time.ParseDuration(rest)
			if err != nil {
				return 0, err
			}
			d += r
		}
		return d, nil
	}
	return time.ParseDuration(s)
}

func formatTTL(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func printPolicies(env Env, o app.Org) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "organization\t%s (zoid %d)\n", oneLine(o.Name), o.ID)
	tz := o.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	for _, p := range [][2]string{
		{"admins_may_set_passwords", strconv.FormatBool(o.AdminsMaySetPasswords)},
		{"otp_ttl", formatTTL(o.OTPTTL)},
		{"temp_password_ttl", formatTTL(o.TempPasswordTTL)},
		{"min_password_length", strconv.Itoa(o.MinPasswordLength)},
		{"sso_enabled", strconv.FormatBool(o.SSOEnabled)},
		{"require_reset_reason", strconv.FormatBool(o.RequireResetReason)},
		{"completion_instructions", strconv.Quote(o.CompletionInstructions)},
		{"time_zone", tz},
		{"mail_relay", strconv.FormatBool(o.MailRelay)},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", p[0], p[1])
	}
	tw.Flush()
}
