package ui

import (
	"context"
	"sync/atomic"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
)

// countingUserDir counts how often a user is read, as a profile's reload
// does first.
type countingUserDir struct {
	*data.DB
	reads atomic.Int32
}

func (d *countingUserDir) UserByLogin(ctx context.Context, login string) (app.User, error) {
	d.reads.Add(1)
	return d.DB.UserByLogin(ctx, login)
}

// A profile waiting for its user to use the one-time password reloads by
// itself only while the Users screen shows it: not behind another tab, not
// while the window shows the phone flow. Back in view it reloads at once.
// It stops once the user has a password, and for good when the list takes
// its place or the session ends. (The poll is an hour: the story fires
// each timer by hand.)
func TestStoryProfilePollsOnlyInView(t *testing.T) {
	f, d, dir := profileWindow(t)
	c := d.console
	reads := func(want int32, when string) {
		t.Helper()
		if got := dir.reads.Load(); got != want {
			t.Fatalf("%s: the user was read %d times, want %d", when, got, want)
		}
	}
	polls := func(p *profileScreen, want bool, when string) int {
		t.Helper()
		gen, waits := p.polls.pending()
		if waits != want {
			t.Fatalf("%s: polling %v, want %v", when, waits, want)
		}
		return gen
	}

	bob := f.users["bob@acme.example"]
	c.users.openProfile(bob)
	p := c.users.profile
	polls(p, false, "nothing sent yet")
	sendBobOneTime(t, f, c, p)
	n := dir.reads.Load()
	gen := polls(p, true, "waiting, in view")
	p.polls.fired(gen)
	reads(n+1, "a poll")
	gen = polls(p, true, "after a poll")

	c.show(screenAudit)
	polls(p, false, "Audit in view")
	p.polls.fired(gen)
	reads(n+1, "a late firing behind Audit")
	c.show(screenUsers)
	reads(n+2, "back on Users")
	polls(p, true, "back on Users")

	d.win.Resize(narrowSize)
	polls(p, false, "phone flow")
	reads(n+2, "narrowed")
	d.win.Resize(wideSize)
	wideShows(t, d)
	equal(t, "the same profile", c.users.profile, p)
	reads(n+3, "widened")
	gen = polls(p, true, "widened")

	// Bob sets his password: the next poll shows it, and polling ends.
	hash, err := app.HashPassword("Bobs-Own-New-Passphrase-9")
	if err != nil {
		t.Fatal(err)
	}
	f.o.Exec(t, `UPDATE resetdesk.users SET password_hash = $2, password_changed_at = now(), must_change_password = false WHERE id = $1`, bob.ID, hash)
	p.polls.fired(gen)
	reads(n+4, "the poll that finds Bob's password")
	equal(t, "no longer waiting", p.awaitingUser(), false)
	polls(p, false, "nothing to wait for")

	c.users.showList()
	equal(t, "closed profile's poller ended", p.polls.ended(), true)
	c.users.openProfile(bob)
	q := c.users.profile
	d.signOut()
	equal(t, "poller ended at sign-out", q.polls.ended(), true)
}
