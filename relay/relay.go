// Package relay is the office mail relay, `resetdesk relay`: with the org's
// mail_relay policy on, every message of a reset waits in an outbox that
// only the relay's login can take; the relay sends it through the office's
// SMTP server. No admin's device ever learns a one-time code or holds the
// SMTP password, and no secret waits in the database in plaintext.
//
// Each message is taken, sent and recorded in one database transaction
// that holds its row locked (FOR UPDATE SKIP LOCKED), so two relays never
// send the same message, and a relay that dies lets go of the message it
// held. A one-time password's code is made by the relay inside that
// transaction, right before the mail goes, and only its hash is written
// there; an emailed set password arrives sealed to the relay's key.
//
// That makes delivery at least once, with a new code each time. A relay
// killed after the mail server took a code's mail but before its commit
// leaves no hash behind: that mail's code never works (the user who tries
// it gets the usual "invalid"), and the message goes out again with a new
// code that does. This is the shape we want: the user always ends up with
// a working code, no code is ever kept anywhere to send again, and the
// worst case is one extra mail whose code fails plainly. At most once would
// lose the code for good in the same case, and with it the user's access
// until an admin resets again; sending the same code twice would need the
// code stored between the two tries.
package relay

import (
	"context"
	"time"

	"resetdesk/app"
	"resetdesk/data"
)

// Queue is the outbox as the relay's login sees it (data.DB).
type Queue interface {
	RelayOne(ctx context.Context, send func(data.RelayMessage) data.RelayOutcome) (bool, error)
	RelayHeartbeat(ctx context.Context, instance string) error
}

// Relay sends the outbox until its context ends.
type Relay struct {
	Queue Queue
	Mail  app.Mailer
	// Wake receives when a reset queued mail (LISTEN/NOTIFY); nil: poll only.
	Wake <-chan struct{}
	// Instance names this relay in its heartbeat (host and process).
	Instance string
	// Poll is how often the outbox is looked at without a wake-up, and
	// the heartbeat's period: 0 means 10 s.
	Poll time.Duration
	// MaxAttempts is how many times a message the mail server turns away
	// for now (4xx, unreachable) is tried before it fails: 0 means 10.
	MaxAttempts int
	// Backoff is the wait before the next try after n tries: nil means
	// 5 s doubling up to 5 minutes.
	Backoff func(n int) time.Duration
	// Log receives one line per event, without secrets; nil: nothing.
	Log func(format string, args ...any)
}

// Run sends what is queued, then waits for a wake-up or the next poll, and
// says it is alive every Poll. A database or mail server that is down is
// waited for. It returns nil when ctx ends; a message being sent then is
// finished and recorded first.
func (r *Relay) Run(ctx context.Context) error {
	poll := r.Poll
	if poll <= 0 {
		poll = 10 * time.Second
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	down := false
	for {
		err := r.Queue.RelayHeartbeat(ctx, r.Instance)
		if err == nil {
			err = r.drain(ctx)
		}
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil && !down:
			r.logf("the database is not answering, retrying every %s: %s", poll, app.ErrorMessage(err))
			down = true
		case err == nil && down:
			r.logf("the database answers again")
			down = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.Wake:
		case <-tick.C:
		}
	}
}

// drain sends due messages until none is left or ctx ends.
func (r *Relay) drain(ctx context.Context) error {
	for ctx.Err() == nil {
		// The send itself is not cut short by ctx: a message begun is
		// finished and its outcome recorded.
		more, err := r.Queue.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
			return r.send(context.WithoutCancel(ctx), m)
		})
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// send sends one message and says what became of it.
func (r *Relay) send(ctx context.Context, m data.RelayMessage) data.RelayOutcome {
	errs, _ := app.SendCounted(ctx, r.Mail, []app.Notice{m.Notice})
	err := errs[0]
	n := m.Attempts + 1
	switch {
	case err == nil:
		r.logf("delivery %d (%s): sent", m.Notice.DeliveryID, m.Notice.Kind)
		return data.RelayOutcome{Status: app.DeliverySent}
	case app.ErrorCode(err) == app.EUNAVAILABLE && n < r.maxAttempts():
		wait := r.backoff(n)
		r.logf("delivery %d (%s): try %d failed, next in %s: %s", m.Notice.DeliveryID, m.Notice.Kind, n, wait, app.ErrorMessage(err))
		return data.RelayOutcome{Status: app.DeliveryPending, Error: app.ErrorMessage(err), RetryAfter: wait}
	default:
		r.logf("delivery %d (%s): failed: %s", m.Notice.DeliveryID, m.Notice.Kind, app.ErrorMessage(err))
		return data.RelayOutcome{Status: app.DeliveryFailed, Error: app.ErrorMessage(err)}
	}
}

func (r *Relay) maxAttempts() int {
	if r.MaxAttempts > 0 {
		return r.MaxAttempts
	}
	return 10
}

func (r *Relay) backoff(n int) time.Duration {
	if r.Backoff != nil {
		return r.Backoff(n)
	}
	d := 5 * time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

func (r *Relay) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}
