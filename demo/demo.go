// Package demo starts the private stack behind `resetdesk demo` (DESIGN.md
// section 7): a PostgreSQL cluster under the user's cache folder, an org
// seeded with people who cover every rule of a reset, an SMTP sink that
// keeps each message as an .eml file, and the office mail relay that sends
// the org's queued mail to that sink. main wires it; nothing else imports
// it.
//
// The demo org has the relay on (data.SeedDemo turns it on once), so that
// the demo shows the safer of the two ways mail leaves: PostgreSQL queues
// each message and the relay, not the admin's window, makes the one-time
// password as it mails it,
// exactly as in an office that runs `resetdesk relay`; and the -mobile
// preview resets without any mail settings, as a phone would. The relay
// runs whatever the policy says: when the owner turns it off in Settings,
// it idles and the window mails the sink directly, as in direct mode.
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
	"resetdesk/mail"
	"resetdesk/mail/sink"
	"resetdesk/relay"
)

// Password is the database password of the demo's console roles (the
// owner, an admin and a helpdesk user): what the demo admin types at "Enter
// your password for verification". The cluster listens on loopback only
// and holds made-up people, so a published password is fine.
const Password = "northwind-demo"

// Stack is a running demo: the seeded org's names and URLs, where its mail
// goes, and a mailer that sends there.
type Stack struct {
	data.DemoInfo
	MailDir string
	Mailer  app.Mailer

	closers []func() error
}

// Start brings the stack up in dir (the cluster in dir/demo-pg, the mail in
// dir/demo-mail), creating the cluster on first use. On failure it stops
// what it had started.
func Start(ctx context.Context, dir string) (_ *Stack, err error) {
	s := &Stack{MailDir: filepath.Join(dir, "demo-mail")}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	cluster, err := localpg.Start(ctx, filepath.Join(dir, "demo-pg"))
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, cluster.Stop)
	if s.DemoInfo, err = data.SeedDemo(ctx, cluster.SuperURL(), data.DemoOptions{Password: Password}); err != nil {
		if app.ErrorCode(err) == app.ECONFLICT { // made by another ResetDesk: its people are made up
			return nil, &app.Error{Code: app.ECONFLICT, Err: err,
				Message: app.ErrorMessage(err) + " The demo's people are made up: delete " + filepath.Join(dir, "demo-pg") + " to start the demo afresh."}
		}
		return nil, err
	}
	if err := os.MkdirAll(s.MailDir, 0o700); err != nil {
		return nil, &app.Error{Code: app.EINTERNAL, Message: "The demo cannot create its mail folder " + s.MailDir + ".", Err: err}
	}
	sk, err := sink.Start("127.0.0.1:0", s.MailDir)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, sk.Close)
	cfg, err := mail.ParseURL("smtp://" + sk.Addr() + "?tls=none")
	if err != nil {
		return nil, err
	}
	cfg.From = "ResetDesk <noreply@northwind.example>"
	if s.Mailer, err = mail.NewMailer(cfg); err != nil {
		return nil, err
	}
	if err := s.startRelay(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// relayPoll is how often the demo's relay says it is alive and looks at
// the outbox without being woken: Settings calls a relay down after a
// minute of silence.
const relayPoll = 10 * time.Second

// startRelay runs the office mail relay in this process, signed in as the
// demo's relay login, woken by LISTEN as `resetdesk relay` is, sending to
// the sink. It runs until Close.
func (s *Stack) startRelay(ctx context.Context) error {
	db, err := data.Open(ctx, s.RelayURL)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, db.Close)
	wake, stop, err := relay.Listen(s.RelayURL, nil)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, stop)
	// The relay outlives Start's ctx (the command line's signal context
	// ends only at exit): Close stops it and waits for the message it may
	// be sending.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &relay.Relay{Queue: db, Mail: s.Mailer, Wake: wake, Instance: fmt.Sprintf("resetdesk demo:%d", os.Getpid()), Poll: relayPoll}
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	s.closers = append(s.closers, func() error {
		cancel()
		return <-done
	})
	return nil
}

// MailRoute says where the demo's mail goes, for Settings: the relay's and
// the window's alike.
func (s *Stack) MailRoute() string { return "the demo's own mail sink, as .eml files in " + s.MailDir }

// Hint is the line the sign-in screen shows after signing out of the demo.
func (s *Stack) Hint() string {
	return fmt.Sprintf("The demo's console roles (%s and the other admins) all have the password %s. "+
		"To finish a one-time reset as the user would, choose %q below and type the code from the newest mail in %s.",
		s.OwnerRole, Password, "I have a one-time password", s.MailDir)
}

// Banner is what the command line prints once the demo is up.
func (s *Stack) Banner() string {
	return fmt.Sprintf("resetdesk demo: %s, %d users; signed in as %s (password for verification: %s); "+
		"mail goes through the demo's mail relay to %s",
		s.OrgName, s.Users, s.OwnerRole, Password, s.MailDir)
}

// Close stops the relay, the sink, then the cluster.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
