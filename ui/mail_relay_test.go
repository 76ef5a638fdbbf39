package ui

import (
	"errors"
	"testing"
	"time"

	"resetdesk/app"
)

func TestRelayHealth(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.Local)
	for _, c := range []struct {
		name string
		st   app.RelayStatus
		err  error
		want string
	}{
		{"never ran, two waiting", app.RelayStatus{Waiting: 2, Oldest: now.Add(-5 * time.Minute)},
			nil, "The office mail relay has never run: queued messages wait until it does. 2 messages wait, the oldest since " + formatTime(now.Add(-5*time.Minute), "") + ". "},
		{"running, nothing waits", app.RelayStatus{LastSeen: now.Add(-3 * time.Second)},
			nil, "The office mail relay is running (seen " + formatTime(now.Add(-3*time.Second), "") + "). Nothing waits for it. "},
		{"down, one waits", app.RelayStatus{LastSeen: now.Add(-2 * time.Minute), Waiting: 1, Oldest: now.Add(-90 * time.Second)},
			nil, "The office mail relay is down: last seen " + formatTime(now.Add(-2*time.Minute), "") + ". 1 message waits, since " + formatTime(now.Add(-90*time.Second), "") + ". "},
		{"unreadable", app.RelayStatus{}, errors.New("x"), "The office mail relay's state could not be read: Internal error. "},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := relayHealth(c.st, c.err, now); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
