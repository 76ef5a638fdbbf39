package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// A lock whose time has passed still keeps the user out of mail (the passdb
// view refuses any locked_until), so the console shows it and the reset
// offers to clear it, ticked, and the reset does clear it.
func TestStoryLapsedLockStillShownAndCleared(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.users SET locked_until = '2001-02-03 04:05:00+00' WHERE primary_email = 'alice@acme.example'`)
	f.c.users.reload()
	alice := f.user(t, "alice@acme.example")
	if alice.LockedUntil.IsZero() || alice.Locked(fixedNow) {
		t.Fatalf("seed: alice's lock should have lapsed at %v, is %v", fixedNow, alice.LockedUntil)
	}

	equal(t, "the row shows the lapsed lock", rowFor(t, f.d.win, alice.ID).lock.Visible(), true)
	f.c.users.lockedOnly.SetChecked(true)
	found := false
	for _, i := range f.c.users.shown {
		found = found || f.c.dir.list.user(int(i)).ID == alice.ID
	}
	equal(t, "Locked only keeps her", found, true)
	f.c.users.lockedOnly.SetChecked(false)

	summary := sessionSummary(alice, fixedNow, time.UTC)
	if !strings.HasPrefix(summary, "Locked: ") || !strings.Contains(summary, "until a reset unlocks the account") {
		t.Errorf("profile says %q", summary)
	}

	r := openResetDialog(f.c, alice)
	equal(t, "Unlock offered", r.options.unlock.Visible(), true)
	equal(t, "and ticked", r.options.unlock.Checked, true)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if !strings.HasSuffix(r.outcome.Text, "was reset.") {
		t.Fatalf("reset: %q %q", r.outcome.Text, r.status.Text)
	}
	r.onClose()

	if after := f.user(t, "alice@acme.example"); !after.LockedUntil.IsZero() {
		t.Errorf("locked_until after the reset = %v, want none", after.LockedUntil)
	}
	equal(t, "the row drops the lock", rowFor(t, f.d.win, alice.ID).lock.Visible(), false)
}

// The phone says the same: the user page names the lapsed lock and the
// reset page starts with Unlock ticked.
func TestMobileLapsedLockStillShown(t *testing.T) {
	f := newMobileFixture(t, platformAndroid, nil)
	f.o.Exec(t, `UPDATE resetdesk.users SET locked_until = '2001-02-03 04:05:00+00' WHERE primary_email = 'erin@acme.example'`)
	f.m.users.reload()
	p := f.openUser(t, "erin@acme.example")
	if locked := p.details.values[4].Text; !strings.HasPrefix(locked, "Yes: mail sign-in refused until a reset unlocks it") {
		t.Errorf("Locked = %q", locked)
	}
	equal(t, "reset starts with Unlock", mobileDefaultOptions(f.m, p.user).Unlock, true)
}
