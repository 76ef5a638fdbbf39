package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// pollCounter fires a poller's timer by hand and counts the database reads
// its work makes.
type pollCounter struct {
	t     *testing.T
	reads func() int32
	what  string
}

func (c pollCounter) want(n int32, when string) {
	c.t.Helper()
	if got := c.reads(); got != n {
		c.t.Fatalf("%s: %s read %d times, want %d", when, c.what, got, n)
	}
}

// waits reports the poller's pending firing, failing unless it waits as
// want says.
func (c pollCounter) waits(p *poller, want bool, when string) int {
	c.t.Helper()
	gen, waits := p.pending()
	if waits != want {
		c.t.Fatalf("%s: polling %v, want %v", when, waits, want)
	}
	return gen
}

// fire fires the poller's pending firing and says whether it still polls.
func (c pollCounter) fire(p *poller, when string) {
	c.t.Helper()
	gen := c.waits(p, true, when)
	p.fired(gen)
	c.waits(p, true, when+", after the firing")
}

// On a phone the app in the background reads nothing: the Mail page's
// relay line stops its timer, and a firing already on its way asks
// nothing. Back in front, it reads once at once, then polls again.
// (The poll is an hour: the story fires each timer by hand.)
func TestStoryPhoneInTheBackgroundReadsNothing(t *testing.T) {
	old := deviceIsMobile
	deviceIsMobile = func() bool { return true }
	t.Cleanup(func() { deviceIsMobile = old })
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	dir := &countingRelayDir{DB: f.o.Owner}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.poll = time.Hour
	sess := Session{Directory: dir, Resetter: f.c.sess.Resetter}
	m := startWindow(f.app, f.backend, sess.starter(), o, phoneSize).phone
	if m.nav == nil || !m.org.MailRelay {
		t.Fatal("no phone signed in with the relay on")
	}
	c := pollCounter{t: t, reads: dir.reads.Load, what: "the relay's health"}
	exited, entered := lifecycleHooks(t, f.app)

	m.openMail(nil)
	line := m.lastMail.relay.poll
	c.want(1, "the Mail page opened")
	c.fire(line, "in front")
	c.want(2, "a poll in front")

	gen := c.waits(line, true, "before leaving")
	exited()
	c.waits(line, false, "in the background")
	line.fired(gen)
	c.want(2, "a firing on its way as the app left")

	entered()
	c.want(3, "back in front")
	c.fire(line, "back in front")
	c.want(4, "a poll back in front")

	// Away again, however briefly: what shows may be old, so it reads.
	exited()
	entered()
	c.want(5, "back from a second trip")
}

// A computer's window without the focus may show beside the app the admin
// types in: a profile waiting for its user reads one firing in three
// there, and on the admin's return reads at once if a firing was skipped
// since, and only then.
func TestStoryUnfocusedWindowReadsLess(t *testing.T) {
	f, d, p, dir := profileWaiting(t)
	c := pollCounter{t: t, reads: dir.reads.Load, what: "the user"}
	exited, entered := lifecycleHooks(t, f.app)
	n := dir.reads.Load()

	exited()
	equal(t, "the profile still shows", d.console.inView(), screenUsers)
	c.fire(p.polls, "unfocused")
	c.fire(p.polls, "unfocused")
	c.want(n, "two firings unfocused")
	c.fire(p.polls, "unfocused")
	c.want(n+1, "the third firing unfocused")

	entered()
	c.want(n+1, "focused right after a read: nothing was skipped")
	exited()
	c.fire(p.polls, "unfocused")
	c.want(n+1, "a skipped firing")
	entered()
	c.want(n+2, "focused after a skipped firing")
	c.fire(p.polls, "focused")
	c.want(n+3, "every firing reads in front")
}

// Windows' GLFW sizes a minimized window to nothing: its screens read
// nothing, and its layout stays wide. Restored, the profile reads at once.
func TestStoryMinimizedWindowReadsNothing(t *testing.T) {
	_, d, p, dir := profileWaiting(t)
	c := pollCounter{t: t, reads: dir.reads.Load, what: "the user"}
	n := dir.reads.Load()

	gen := c.waits(p.polls, true, "before minimizing")
	d.win.Resize(fyne.NewSize(0, 0))
	c.waits(p.polls, false, "minimized")
	equal(t, "still wide", d.narrow, false)
	p.polls.fired(gen)
	c.want(n, "a firing on its way as the window went")

	d.win.Resize(wideSize)
	wideShows(t, d)
	c.want(n+1, "restored")
	c.fire(p.polls, "restored")
	c.want(n+2, "a poll after restoring")
}

// profileWaiting opens a wide window whose profile of Bob waits for him
// to use the one-time password just sent, with the poll an hour: stories
// fire each timer by hand.
func profileWaiting(t *testing.T) (*fixture, *Desktop, *profileScreen, *countingUserDir) {
	t.Helper()
	f, d, dir := profileWindow(t)
	bob := f.users["bob@acme.example"]
	d.console.users.openProfile(bob)
	p := d.console.users.profile
	sendBobOneTime(t, f, d.console, p)
	return f, d, p, dir
}

// profileWindow opens a wide window signed in as the owner, whose reads of
// a user dir counts, with the poll an hour: stories fire each timer by
// hand.
func profileWindow(t *testing.T) (*fixture, *Desktop, *countingUserDir) {
	t.Helper()
	f := newFixture(t)
	dir := &countingUserDir{DB: f.o.Owner}
	o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
	o.poll = time.Hour
	sess := Session{Directory: dir, Resetter: f.c.sess.Resetter}
	d := startWindow(f.app, f.backend, sess.starter(), o, wideSize)
	if d.console == nil {
		t.Fatal("not signed in")
	}
	return f, d, dir
}

// sendBobOneTime sends Bob a one-time password from a reset dialog, and
// checks that p, his profile, then waits for him.
func sendBobOneTime(t *testing.T, f *fixture, c *console, p *profileScreen) {
	t.Helper()
	r := openResetDialog(c, f.users["bob@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if r.result.Delivery.Kind != app.KindOneTimePassword {
		t.Fatalf("the reset sent %q: %s %s", r.result.Delivery.Kind, r.status.Text, r.delivery.Text)
	}
	test.Tap(r.close)
	p.reload()
	equal(t, "waiting for Bob", p.awaitingUser(), true)
}
