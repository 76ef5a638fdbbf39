package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"resetdesk/data/pgbouncertest"
	"resetdesk/ui/cli"
)

// TestMain lets a test start this binary as `resetdesk ARGS` in a process
// of its own: with RESETDESK_TEST_CLI set, it runs the command line on its
// arguments instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("RESETDESK_TEST_CLI") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		// As main does: SIGTERM and Ctrl-C end the command's context.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, args, cliEnv(os.Getenv("DATABASE_URL")))
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// runProcess runs `resetdesk ARGS` as a separate process against dsn.
func runProcess(ctx context.Context, dsn string, args ...string) (code int, stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	// Debian containers' default locale: the command line must print nothing
	// about it (Fyne cannot parse "C").
	cmd.Env = []string{"RESETDESK_TEST_CLI=1", "DATABASE_URL=" + dsn, "LANG=C.UTF-8"}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "DATABASE_URL":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String(), nil
	}
	return 0, out.String(), errb.String(), err
}

// TestCommandLineBehindPgBouncer runs several processes of one admin at once
// through a real PgBouncer, in both pool modes, each listing and searching
// users while the others do; and a wrong password says so.
func TestCommandLineBehindPgBouncer(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'Member ' || i, 'member' || i || '@acme.test', 'confirmed'
	             FROM generate_series(1, 30) i`)
	for _, mode := range []pgbouncertest.Mode{pgbouncertest.Transaction, pgbouncertest.Session} {
		t.Run(string(mode), func(t *testing.T) {
			pool := pgbouncertest.Start(t, mode)
			admin := pool.URL(t, f.admin)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan string, 40)
			for p := range 4 {
				wg.Go(func() {
					for i := range 5 {
						n := p*5 + i + 1
						email := fmt.Sprintf("member%d@acme.test", n)
						code, out, stderr, err := runProcess(ctx, admin, "users", "--search", email, "--json")
						if err != nil || code != 0 || strings.Count(out, `"zuid"`) != 1 || !strings.Contains(out, email) {
							errs <- fmt.Sprintf("users --search %s: exit %d, %v\nstdout: %s\nstderr: %s", email, code, err, out, stderr)
						} else if stderr != "" {
							errs <- fmt.Sprintf("users --search %s wrote to stderr: %s", email, stderr)
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			if len(errs) > 0 {
				t.Fatalf("%d of 20 runs failed; first:\n%s", len(errs), <-errs)
			}

			code, out, stderr, err := runProcess(ctx, pool.URL(t, strings.Replace(f.admin, f.password, "wrong-password-1", 1)), "users")
			if err != nil || code != cli.ExitError || out != "" || !strings.Contains(stderr, "refused the password") {
				t.Fatalf("users with a wrong password: exit %d, %v\nstdout: %s\nstderr: %s", code, err, out, stderr)
			}
		})
	}
}

// TestCommandLineQuietUnderCLocale runs a command under LANG=C.UTF-8, where
// Fyne, linked into the same binary, used to print three lines of locale
// errors before main even ran.
func TestCommandLineQuietUnderCLocale(t *testing.T) {
	code, out, stderr, err := runProcess(context.Background(), "", "help")
	if err != nil || code != 0 || !strings.Contains(out, "Usage:") || stderr != "" {
		t.Fatalf("help under C.UTF-8: exit %d, %v\nstdout: %s\nstderr: %s", code, err, out, stderr)
	}
}
