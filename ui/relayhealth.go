package ui

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// A running relay says it is alive every 10 s (relay.Relay's Poll): after
// relayDownAfter without a word it is called down. A message that has
// waited relayLateAfter while the relay runs has met trouble: the relay
// retries a mail server that turns it away for up to 5 minutes between
// tries.
const (
	relayDownAfter = time.Minute
	relayLateAfter = 5 * time.Minute
)

// relayIntro says what the relay changes, above its health.
const relayIntro = "Mail goes through the office mail relay: PostgreSQL queues each reset's message and resetdesk relay, " +
	"running near the database, sends it. No admin's computer or phone needs a mail server, or ever sees a one-time password."

// relayHealth says in an office admin's words how the office mail relay is
// doing: when it was last seen, how many messages wait and for how long;
// and how much that needs attention: danger when it has never run or has
// not been seen for relayDownAfter (mail does not leave), warning when a
// message has waited relayLateAfter or the state could not be read. Ages
// are measured on the database server's clock (st.Now), the one that wrote
// the times; device, this computer's or phone's clock, stands in only when
// st has none.
func relayHealth(st app.RelayStatus, err error, device time.Time) (string, widget.Importance) {
	if err != nil {
		return "The mail relay's state could not be read: " + app.AfterColon(app.ErrorMessage(err)), widget.WarningImportance
	}
	now := serverNow(st, device)
	waiting := "nothing waiting."
	switch st.Waiting {
	case 0:
	case 1:
		waiting = "1 message waiting, for " + durationWords(now.Sub(st.Oldest)) + "."
	default:
		waiting = fmt.Sprintf("%d messages waiting, the oldest for %s.", st.Waiting, durationWords(now.Sub(st.Oldest)))
	}
	switch {
	case st.LastSeen.IsZero():
		text := "The mail relay has never run here; " + waiting
		if st.Waiting > 0 {
			text += " They go out once it runs."
		}
		return text + " Start resetdesk relay near the database (the README's \"office mail relay\" says how).", widget.DangerImportance
	case now.Sub(st.LastSeen) > relayDownAfter:
		text := "The mail relay was last seen " + agoWords(now.Sub(st.LastSeen)) + " and seems to be down; " + waiting
		if st.Waiting > 0 {
			text += " They go out once it is back."
		}
		return text, widget.DangerImportance
	}
	text := "The mail relay was last seen " + agoWords(now.Sub(st.LastSeen)) + "; " + waiting
	if st.Waiting > 0 && now.Sub(st.Oldest) > relayLateAfter {
		return text + " That is long: the mail server may be turning the relay away (the Mail view shows its words).", widget.WarningImportance
	}
	return text, widget.SuccessImportance
}

// agoWords is how long ago something happened: "just now", "1 second ago",
// "5 minutes ago".
func agoWords(d time.Duration) string {
	if d < time.Second {
		return "just now"
	}
	return durationWords(d) + " ago"
}

// durationWords is d in the largest whole unit that fits, at least a
// second: "1 second", "5 minutes", "2 hours", "3 days".
func durationWords(d time.Duration) string {
	n, unit := int(d/time.Second), "second"
	switch {
	case d >= 48*time.Hour:
		n, unit = int(d/(24*time.Hour)), "day"
	case d >= 2*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	case d >= time.Minute:
		n, unit = int(d/time.Minute), "minute"
	}
	if n <= 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// serverNow is the clock st's times are measured against: the database
// server's as it answered, or device's when st does not carry it. A device
// clock a few minutes off would otherwise call a running relay down.
func serverNow(st app.RelayStatus, device time.Time) time.Time {
	if st.Now.IsZero() {
		return device
	}
	return st.Now
}

// relayStatusLine is the relay's health in a sentence, with Refresh:
// Settings and the phone's Mail page show it while the org's mail_relay
// policy is on (the Mail view shows the same sentence). It reads the
// health again every options.poll while it is in view, and only then.
type relayStatusLine struct {
	s       *signedIn
	text    *widget.Label
	refresh *widget.Button
	view    *fyne.Container
	poll    *poller
	inView  bool // its screen shows in the window
}

// newRelayStatusLine makes the line, out of view until setInView; touch
// makes Refresh a thumb's size.
func newRelayStatusLine(s *signedIn, touch bool) *relayStatusLine {
	r := &relayStatusLine{s: s}
	r.text = &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Asking the database about the mail relay…"}
	r.refresh = &widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: r.reload}
	var refresh fyne.CanvasObject = r.refresh
	if touch {
		refresh = fingerSquare(r.refresh)
	}
	r.view = container.NewBorder(nil, nil, nil, refresh, r.text)
	// "Last seen 3 seconds ago" must not stay on a screen left open for
	// an hour; a read still on its way is not asked again.
	r.poll = newPoller(s.ctx, s.opts.poll, func() {
		if !r.refresh.Disabled() {
			r.reload()
		}
	})
	return r
}

// setInView says whether the line's screen shows in the window.
func (r *relayStatusLine) setInView(on bool) {
	r.inView = on
	r.sync()
}

// showLine shows the line, reading the health now, or hides it.
func (r *relayStatusLine) showLine(on bool) {
	if on {
		r.view.Show()
		r.reload()
	} else {
		r.view.Hide()
	}
	r.sync()
}

// sync polls while the line is in view: its screen shows and the line is
// not hidden. Back in view after a while out of it, it reads the health
// at once: the sentence it shows is old.
func (r *relayStatusLine) sync() {
	if r.poll.follow(r.inView && r.view.Visible()) {
		r.reload()
	}
}

// stop ends the reloads for good: the screen showing the line went away.
func (r *relayStatusLine) stop() { r.poll.stop() }

// reload asks the database off the Fyne goroutine.
func (r *relayStatusLine) reload() {
	r.refresh.Disable()
	s := r.s
	s.spawn(func() {
		st, err := loadRelayStatus(s)
		fyne.Do(func() {
			r.refresh.Enable()
			r.apply(st, err)
		})
	})
}

// apply shows st measured on the database server's clock, whatever the
// session's (the device's) says.
func (r *relayStatusLine) apply(st app.RelayStatus, err error) {
	r.poll.fresh()
	text, imp := relayHealth(st, err, r.s.now())
	r.text.Importance = imp
	r.text.SetText(text)
}

// loadRelayStatus reads the relay's health on s's connection.
func loadRelayStatus(s *signedIn) (app.RelayStatus, error) {
	q, ok := s.sess.Directory.(app.RelayQueue)
	if !ok {
		return app.RelayStatus{}, app.Errorf(app.EINTERNAL, "This connection cannot see the mail relay.")
	}
	return q.RelayStatus(s.ctx)
}

// queuedFollower turns an outcome's "queued for the office mail relay, not
// sent yet" into what became of the message once the relay has sent it or
// given up, usually a second later. It asks after 1, 2, 4, 8 and 16 s
// (every session whose options poll; tests call check themselves); past
// that, Mail and the user's profile tell the rest.
type queuedFollower struct {
	batch   *batchFollower // nil when d was not queued
	settled atomic.Bool    // the relay sent or failed it: the down note is stale
}

// followQueued follows d, the message a reset queued, and hands show its
// sentence once settled: a batchFollower of one. First, if the relay is
// down or never ran, show gets the queued sentence with why it waits.
// Anything but a queued message is not followed.
func followQueued(s *signedIn, d app.Delivery, show func(string)) *queuedFollower {
	f := &queuedFollower{}
	f.batch = followQueuedBatch(s, []app.Delivery{d}, func(settled []app.Delivery) {
		f.settled.Store(true)
		show(deliverySentence(settled[0]))
	})
	if f.batch == nil {
		return f
	}
	s.spawn(func() {
		st, err := loadRelayStatus(s)
		if note := relayDownNote(st, err, s.now()); note != "" {
			fyne.Do(func() {
				if !f.batch.stopped.Load() && !f.settled.Load() {
					show(deliverySentence(d) + " " + note)
				}
			})
		}
	})
	return f
}

// relayDownNote says why a queued message waits when the relay is down or
// never ran; "" while it runs, or when its state cannot be read. As
// relayHealth, it measures on the server's clock.
func relayDownNote(st app.RelayStatus, err error, device time.Time) string {
	now := serverNow(st, device)
	switch {
	case err != nil:
		return ""
	case st.LastSeen.IsZero():
		return "No mail relay has run here yet: it waits until one does."
	case now.Sub(st.LastSeen) > relayDownAfter:
		return "The mail relay was last seen " + agoWords(now.Sub(st.LastSeen)) + ": it waits until the relay is back."
	}
	return ""
}

// check reads the message's state once, off the Fyne goroutine, and shows
// it if the relay has settled it; it reports whether it had.
func (f *queuedFollower) check() bool { return f.batch.check() }

// stop ends the following: the outcome went away.
func (f *queuedFollower) stop() {
	if f != nil {
		f.batch.stop()
	}
}

// batchFollower follows queued messages, a bulk reset's or one reset's
// (queuedFollower): each look reads every message still queued in one query, and
// hands show those the relay has sent or given up. It asks on the same
// schedule, and stops once none is queued or on stop.
type batchFollower struct {
	s       *signedIn
	show    func(settled []app.Delivery) // on the Fyne goroutine
	mu      sync.Mutex
	queued  []int64
	stopped atomic.Bool
}

// followQueuedBatch follows the queued messages among ds; nil when none is.
func followQueuedBatch(s *signedIn, ds []app.Delivery, show func([]app.Delivery)) *batchFollower {
	var ids []int64
	for _, d := range ds {
		if d.Status == app.DeliveryQueued && d.ID != 0 {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	f := &batchFollower{s: s, show: show, queued: ids}
	if s.opts.poll > 0 {
		f.after(time.Second)
	}
	return f
}

func (f *batchFollower) after(wait time.Duration) {
	time.AfterFunc(wait, func() {
		if f.stopped.Load() || f.s.ctx.Err() != nil {
			return
		}
		if !f.check() && wait < 16*time.Second {
			f.after(2 * wait)
		}
	})
}

// check reads the messages still queued in one query, off the Fyne
// goroutine, and shows those settled since; it reports whether none is
// queued any more.
func (f *batchFollower) check() bool {
	if f == nil {
		return true
	}
	f.mu.Lock()
	ids := slices.Clone(f.queued)
	f.mu.Unlock()
	if len(ids) == 0 {
		return true
	}
	ds, err := f.s.sess.Directory.Deliveries(f.s.ctx, app.DeliveryFilter{IDs: ids})
	if err != nil {
		return false // the next look, or Mail, will tell
	}
	var settled []app.Delivery
	done := make(map[int64]bool)
	for _, d := range ds {
		if d.Status != app.DeliveryQueued {
			settled = append(settled, d)
			done[d.ID] = true
		}
	}
	f.mu.Lock()
	f.queued = slices.DeleteFunc(f.queued, func(id int64) bool { return done[id] })
	left := len(f.queued)
	f.mu.Unlock()
	if len(settled) > 0 {
		fyne.Do(func() {
			if !f.stopped.Load() {
				f.show(settled)
			}
		})
	}
	return left == 0
}

// stop ends the following: the results went away.
func (f *batchFollower) stop() {
	if f != nil {
		f.stopped.Store(true)
	}
}
