package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/relay"
)

// runRelay runs `resetdesk relay`: the relay login of dsn sends through m
// (the mail server of the environment), woken by LISTEN, until ctx ends.
func runRelay(ctx context.Context, dsn string, m app.Mailer, logger *log.Logger, poll time.Duration) error {
	return runRelayWith(ctx, dsn, m, logger, relay.Relay{Poll: poll})
}

// runRelayWith is runRelay with the relay's timings (Poll, MaxAttempts,
// Backoff) taken from tune; its other fields are filled in here.
func runRelayWith(ctx context.Context, dsn string, m app.Mailer, logger *log.Logger, tune relay.Relay) error {
	if !app.MailReady(m) {
		return app.Errorf(app.EINVALID, "The relay sends through the office's mail server: set RESETDESK_SMTP_URL (and RESETDESK_MAIL_FROM).")
	}
	db, err := data.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// Before anything else, so that a relay without a key says so at once.
	keyed, err := db.RegisterRelayKey(ctx)
	if err != nil {
		return err
	}
	if !keyed {
		logger.Print("this relay signed in without a password, so it has no key: it sends one-time passwords and notices, " +
			"but emailed set passwords cannot be sealed to it (give its password in DATABASE_URL or PGPASSWORD)")
	}
	wake, stop, err := relay.Listen(dsn, func() { logger.Printf("listening for queued mail again") })
	if err != nil {
		return err
	}
	defer stop()
	host, _ := os.Hostname()
	r := &tune
	r.Queue, r.Mail, r.Wake, r.Instance = db, m, wake, host+":"+strconv.Itoa(os.Getpid())
	r.Log = func(format string, args ...any) { logger.Print(app.Redact(fmt.Sprintf(format, args...))) }
	logger.Printf("sending the outbox of %s", db.Server())
	return r.Run(ctx)
}

// relayFromEnv runs the relay of dsn with the mail server of the environment.
func relayFromEnv(ctx context.Context, dsn string) error {
	m, err := mailerFromEnv()
	if err != nil {
		return err
	}
	return runRelay(ctx, dsn, m, log.New(os.Stderr, "resetdesk relay: ", log.LstdFlags), 0)
}
