package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// kathmandu is 5 hours 45 ahead of UTC: no machine the tests run on keeps
// its clock there, so a time shown in it can only come from the org's zone.
const kathmandu = "Asia/Kathmandu"

// inKathmandu is t as the screens must show it for an org in Kathmandu.
func inKathmandu(t *testing.T, at time.Time) string {
	t.Helper()
	loc, err := time.LoadLocation(kathmandu)
	if err != nil {
		t.Fatal(err)
	}
	return at.In(loc).Format("2006-01-02 15:04 -0700")
}

// orgInKathmandu sets the org's time_zone as `resetdesk policy set` would
// and gives the session the org as the database now has it, as Settings
// does after saving the policies.
func orgInKathmandu(t *testing.T, f *fixture, s *signedIn) {
	t.Helper()
	f.o.Exec(t, `UPDATE resetdesk.orgs SET time_zone = $1, completion_instructions = 'Use the front-desk PC, or call Maria on 2114.'`, kathmandu)
	_, org, err := f.o.Owner.Actor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.org = org
}

// TestTimesAreInTheOrgsZone (walk6 p1): with the org's time zone set, the
// reset dialog's outcome, the profile, its activity, the Audit and the Mail
// views give times in that zone and say which, whatever zone the device is
// in, so that they agree with the mail the user gets.
func TestTimesAreInTheOrgsZone(t *testing.T) {
	f := newFixture(t)
	orgInKathmandu(t, f, f.c.signedIn)

	r := openResetDialog(f.c, f.users["bob@acme.example"])
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "one-time outcome", r.expiry.Text, "The one-time password works until "+inKathmandu(t, r.result.ExpiresAt)+".")
	test.Tap(r.close)

	r = openResetDialog(f.c, f.users["alice@acme.example"])
	r.mode.SetSelected(modeSetLabel)
	test.Tap(r.emailPassword) // handed over on paper
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	equal(t, "set password outcome", r.expiry.Text, "The new password expires "+inKathmandu(t, r.result.ExpiresAt)+" if it is not used.")
	test.Tap(r.close)

	alice := f.user(t, "alice@acme.example")
	f.c.users.openProfile(alice)
	p := f.c.users.profile
	if want := "The temporary password expires " + inKathmandu(t, alice.PasswordExpiresAt) + "."; !strings.Contains(p.sessions.Text, want) {
		t.Errorf("the profile does not say %q:\n%s", want, p.sessions.Text)
	}
	if len(p.lines) == 0 || !strings.HasPrefix(p.activityText(0), inKathmandu(t, p.lines[0].at)+"  ") {
		t.Errorf("the activity's newest line: %v", p.lines)
	}

	f.c.show(screenAudit)
	a := f.c.audit
	if len(a.events) == 0 {
		t.Fatal("the audit log shows nothing")
	}
	equal(t, "audit time", a.table.text(0, 0), inKathmandu(t, a.events[0].At))

	f.c.show(screenMail)
	m := f.c.mail
	if len(m.deliveries) == 0 {
		t.Fatal("the Mail view shows nothing")
	}
	equal(t, "mail time", m.table.text(0, 0), inKathmandu(t, m.deliveries[0].CreatedAt))
}

// TestShortTimeDayIsTheOrgs: "today" is the day in the org's zone: 23:30
// UTC is already tomorrow in Kathmandu, so the date shows.
func TestShortTimeDayIsTheOrgs(t *testing.T) {
	loc := orgZone(kathmandu)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	equal(t, "same day", shortTime(now.Add(time.Hour), now, loc), "18:45 +0545")
	equal(t, "next day there", shortTime(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), now, loc), "2026-12-01 05:15 +0545")
	equal(t, "no zone is UTC", shortTime(now, now, orgZone("")), "12:00 UTC")
}

// TestMobileShareSaysWhereAndByWhen (walk6 p1, m8): the message that hands
// a temporary password over from the phone says, like the mails, which
// screen to change it on, by when in the org's zone, and the office's words.
func TestMobileShareSaysWhereAndByWhen(t *testing.T) {
	f := newMobileFixture(t, platformIOS, nil)
	orgInKathmandu(t, f.fixture, f.m.signedIn)
	m := f.m
	p := f.openUser(t, "alice@acme.example")
	test.Tap(p.reset)
	r := m.lastReset
	equal(t, "force change ticked", r.forceChange.Checked, true)
	test.Tap(r.reset)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	o := m.lastOutcome
	if o == nil {
		t.Fatalf("no outcome; pop-up says %q", r.status.Text)
	}
	text := o.shareText()
	for _, want := range []string{
		"replace it by " + inKathmandu(t, o.result.ExpiresAt),
		"choose '" + endUserTemporaryLabel + "'",
		"From your office: Use the front-desk PC, or call Maria on 2114.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the shared message does not say %q:\n%s", want, strings.ReplaceAll(text, o.result.Password, "…"))
		}
	}
	if want := "The new password expires " + inKathmandu(t, o.result.ExpiresAt) + " if it is not used."; o.expiry.Text != want {
		t.Errorf("the phone's outcome says %q, want %q", o.expiry.Text, want)
	}
}
