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
	"sync"
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
	// A wake-up is a hint and nothing more: PostgreSQL has no privileges on
	// channels, so any login that can connect may NOTIFY the relay's.
	Wake <-chan struct{}
	// WakeGap is the least time between two looks at the outbox that
	// wake-ups cause, so that a flood of notifications cannot keep the
	// relay busy: 0 means 250 ms. The first wake-up after a quiet spell
	// is acted on at once.
	WakeGap time.Duration
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

	retryAt time.Time // when the soonest message this relay put back is due; zero: none
}

// Run sends what is queued, then waits for a wake-up, the next poll or the
// next retry it scheduled. It says it is alive every time it looks and
// every Poll besides, sending or not: a bulk reset of 300 messages, or a
// mail server that takes its time, must not make the relay look down in
// Settings. A database or mail server that is down is waited for: the
// database is tried again after 1 s, doubling up to Poll. It returns nil
// when ctx ends; a message being sent then is finished and recorded first.
func (r *Relay) Run(ctx context.Context) error {
	poll := r.Poll
	if poll <= 0 {
		poll = 10 * time.Second
	}
	var beats sync.WaitGroup
	defer beats.Wait()
	beatCtx, stopBeats := context.WithCancel(ctx)
	defer stopBeats()
	beats.Go(func() {
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-t.C:
				// Errors show in the loop below, which probes the database.
				_ = r.Queue.RelayHeartbeat(beatCtx, r.Instance)
			}
		}
	})
	wait := time.NewTimer(poll)
	defer wait.Stop()
	down := time.Duration(0) // how long to wait before trying a database that is down
	for {
		looked := time.Now()
		err := r.Queue.RelayHeartbeat(ctx, r.Instance)
		if err == nil && down > 0 {
			r.logf("the outbox can be read again")
			down = 0
		}
		if err == nil {
			err = r.drain(ctx)
		}
		if ctx.Err() != nil {
			r.logf("stopped")
			return nil
		}
		next := poll
		switch {
		case err != nil && down == 0:
			// Unreachable, or refused: a login no longer registered as a
			// relay, say, which its owner can mend while this one waits.
			what := "the outbox cannot be read"
			if app.ErrorCode(err) == app.EUNAVAILABLE {
				what = "the database is not answering"
			}
			r.logf("%s, trying again: %s", what, app.ErrorMessage(err))
			down = min(time.Second, poll)
			next = down
		case err != nil:
			down = min(2*down, poll)
			next = down
		}
		if !r.retryAt.IsZero() {
			next = min(next, max(time.Until(r.retryAt), 0))
		}
		wait.Reset(next)
		select {
		case <-ctx.Done():
			r.logf("stopped")
			return nil
		case <-r.Wake:
			if !r.sleep(ctx, r.wakeGap()-time.Since(looked)) {
				r.logf("stopped")
				return nil
			}
		case <-wait.C:
		}
	}
}

func (r *Relay) wakeGap() time.Duration {
	if r.WakeGap > 0 {
		return r.WakeGap
	}
	return 250 * time.Millisecond
}

// sleep waits d (nothing when d <= 0) and says whether ctx is still going.
func (r *Relay) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// drain sends due messages until none is left or ctx ends.
func (r *Relay) drain(ctx context.Context) error {
	if !r.retryAt.IsZero() && !r.retryAt.After(time.Now()) {
		r.retryAt = time.Time{} // due now: this drain takes it
	}
	for ctx.Err() == nil {
		// The send itself is not cut short by ctx: a message begun is
		// finished and its outcome recorded.
		var out data.RelayOutcome
		more, err := r.Queue.RelayOne(ctx, func(m data.RelayMessage) data.RelayOutcome {
			stopping := context.AfterFunc(ctx, func() {
				r.logf("stopping once delivery %d is sent and recorded", m.Notice.DeliveryID)
			})
			defer stopping()
			begun := time.Now()
			out = r.send(context.WithoutCancel(ctx), m)
			// The database counts the wait from its transaction's start,
			// before the send: without the send's own time, a send slower
			// than the backoff (a server that times out) would leave the
			// message due at once, and the oldest message would be tried
			// over and over while the others wait behind it.
			if out.Status == app.DeliveryPending {
				out.RetryAfter += time.Since(begun)
			}
			return out
		})
		if err != nil || !more {
			return err
		}
		if out.Status == app.DeliveryPending {
			// Counted from the commit: never before the database's due time.
			if at := time.Now().Add(out.RetryAfter); r.retryAt.IsZero() || at.Before(r.retryAt) {
				r.retryAt = at
			}
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
