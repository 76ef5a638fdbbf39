package ui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

func TestRelayHealth(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.Local)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, c := range []struct {
		name string
		st   app.RelayStatus
		err  error
		want string
		imp  widget.Importance
	}{
		{"running, nothing waits", app.RelayStatus{LastSeen: ago(3 * time.Second)}, nil,
			"The mail relay was last seen 3 seconds ago; nothing waiting.", widget.SuccessImportance},
		{"seen this instant", app.RelayStatus{LastSeen: now}, nil,
			"The mail relay was last seen just now; nothing waiting.", widget.SuccessImportance},
		{"running, one message", app.RelayStatus{LastSeen: ago(time.Second), Waiting: 1, Oldest: ago(40 * time.Second)}, nil,
			"The mail relay was last seen 1 second ago; 1 message waiting, for 40 seconds.", widget.SuccessImportance},
		{"running, old messages", app.RelayStatus{LastSeen: ago(5 * time.Second), Waiting: 3, Oldest: ago(12 * time.Minute)}, nil,
			"The mail relay was last seen 5 seconds ago; 3 messages waiting, the oldest for 12 minutes. " +
				"That is long: the mail server may be turning the relay away (the Mail view shows its words).", widget.WarningImportance},
		{"the issue's example: down", app.RelayStatus{LastSeen: ago(2 * time.Minute), Waiting: 3, Oldest: ago(5 * time.Minute)}, nil,
			"The mail relay was last seen 2 minutes ago and seems to be down; 3 messages waiting, the oldest for 5 minutes. " +
				"They go out once it is back.", widget.DangerImportance},
		{"down for days, nothing waits", app.RelayStatus{LastSeen: ago(75 * time.Hour)}, nil,
			"The mail relay was last seen 3 days ago and seems to be down; nothing waiting.", widget.DangerImportance},
		{"down for hours, one waits", app.RelayStatus{LastSeen: ago(3 * time.Hour), Waiting: 1, Oldest: ago(61 * time.Minute)}, nil,
			"The mail relay was last seen 3 hours ago and seems to be down; 1 message waiting, for 61 minutes. They go out once it is back.",
			widget.DangerImportance},
		{"never ran, two waiting", app.RelayStatus{Waiting: 2, Oldest: ago(5 * time.Minute)}, nil,
			"The mail relay has never run here; 2 messages waiting, the oldest for 5 minutes. They go out once it runs. " +
				"Start resetdesk relay near the database (the README's \"office mail relay\" says how).", widget.DangerImportance},
		{"unreadable", app.RelayStatus{}, errors.New("x"), "The mail relay's state could not be read: internal error.", widget.WarningImportance},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, imp := relayHealth(c.st, c.err, now)
			if got != c.want || imp != c.imp {
				t.Errorf("got  %q (%v)\nwant %q (%v)", got, imp, c.want, c.imp)
			}
		})
	}
}
