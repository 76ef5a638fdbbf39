// Command resetdesk is ResetDesk: without arguments it opens the app, with a
// command it runs headless for scripts (see `resetdesk help`). This file is
// the one place that knows every package: it wires data and mail into the
// app services that ui and ui/cli use.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
	_ "resetdesk/internal/clocale" // before Fyne reads the locale: C.UTF-8 is English
	"resetdesk/internal/errlog"
	"resetdesk/mail"
	"resetdesk/mail/sink"
	"resetdesk/ui/cli"
)

func main() {
	// Started again as the demo server's watchdog, this process does only
	// that; otherwise the demo's server is tied to it from here on.
	localpg.ServeWatchdog()
	// SIGTERM too: the demo must stop its private PostgreSQL however it is ended.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The causes of internal errors, for the admin to send; the sentences
	// they see name the file.
	app.SetInternalLog(errlog.Open(filepath.Join(cacheDir(), "resetdesk.log"), 1<<20).Record)
	args := os.Args[1:]
	if len(args) == 0 || args[0] == "demo" || isWindowFlag(args[0]) || isSelfServiceWindow(args) {
		if msg := noDisplay(runtime.GOOS, os.Getenv); msg != "" {
			fmt.Fprintln(os.Stderr, "resetdesk:", msg)
			os.Exit(1)
		}
		os.Exit(runGUI(ctx, args))
	}
	refuseCommandsInGUIBuild()
	os.Exit(cli.Run(ctx, args, cliEnv(os.Getenv("DATABASE_URL"))))
}

// noDisplay says, in a sentence, why the window cannot open on goos when
// getenv names no X11 or Wayland display, or "" when it can try. Without
// one GLFW would panic with a stack trace.
func noDisplay(goos string, getenv func(string) string) string {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return "" // Windows and macOS always have their own; phones run no main
	}
	if getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
		return ""
	}
	return "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set). " +
		"Start it from a desktop session, or inside Xvfb (xvfb-run resetdesk demo); commands such as resetdesk help need no display."
}

// isWindowFlag reports whether arg is one of the window's flags: -mobile,
// -platform ios|android, -size WxH (either with one dash or two).
func isWindowFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return strings.HasPrefix(arg, "-") && (name == "mobile" || name == "size" || name == "platform")
}

// isSelfServiceWindow reports whether args open the end user's window
// (`resetdesk self-service`, perhaps with -mobile) rather than a
// self-service command such as `self-service add`.
func isSelfServiceWindow(args []string) bool {
	return args[0] == "self-service" && (len(args) == 1 || strings.HasPrefix(args[1], "-"))
}

// cliEnv connects the command line to the database at dsn and the mail
// server of the environment.
func cliEnv(dsn string) cli.Env {
	return cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Connect: func(ctx context.Context) (cli.Directory, error) {
			db, err := data.Open(ctx, dsn)
			if err != nil {
				return nil, err
			}
			db.ConfirmWithSignInPassword()
			return db, nil
		},
		Provision: func(ctx context.Context) (app.Provisioner, error) {
			return data.OpenAdmin(ctx, dsn)
		},
		Mailer: mailerFromEnv,
		SelfService: func(ctx context.Context) (app.SelfService, error) {
			db, err := data.Open(ctx, dsn)
			if err != nil {
				return nil, err
			}
			return db, nil
		},
		MailSink: runSink,
		Relay:    func(ctx context.Context) error { return relayFromEnv(ctx, dsn) },
	}
}

// mailerFromEnv builds the mailer of RESETDESK_SMTP_URL, or nil without one.
func mailerFromEnv() (app.Mailer, error) {
	raw := os.Getenv("RESETDESK_SMTP_URL")
	if raw == "" {
		return nil, nil
	}
	cfg, err := mail.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	if from := os.Getenv("RESETDESK_MAIL_FROM"); from != "" {
		cfg.From = from
	}
	if ca := os.Getenv("RESETDESK_SMTP_CA_FILE"); ca != "" {
		if cfg.RootCAs, err = mail.LoadCAFile(ca); err != nil {
			return nil, err
		}
	}
	return mail.NewMailer(cfg)
}

// cacheDir is ResetDesk's folder in the user's cache folder: the demo's
// cluster and mail live there.
func cacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "resetdesk")
}

// report prints err for whoever runs the command: its sentence and, when
// it has one, its cause, without secrets.
func report(err error) { fmt.Fprintln(os.Stderr, "resetdesk:", app.Redact(err.Error())) }

func runSink(ctx context.Context, listen, dir string, ready func(addr string)) error {
	s, err := sink.Start(listen, dir)
	if err != nil {
		return err
	}
	ready(s.Addr())
	<-ctx.Done()
	return s.Close()
}
