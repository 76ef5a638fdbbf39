package ui

import (
	"strings"
	"testing"
)

// Stories for what walk5 (a new admin's re-walk of issue 15) found; each
// names its item in notes/walk5/findings.md.

// N1: with the office mail relay on, Resend on a profile says what it did:
// the new code is queued for the relay, and the old one stops working.
func TestProfileResendThroughTheRelaySaysSo(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET mail_relay = true`)
	f.c.org.MailRelay = true
	bob := f.users["bob@acme.example"]
	f.c.users.openProfile(bob)
	p := f.c.users.profile
	p.resendNow(f.o.Password)
	equal(t, "note shown", p.mailNote.Visible(), true)
	equal(t, "resend said", p.mailNote.Text,
		"A new one-time password to bob@acme.example went to the office mail relay, which sends it. The one sent before no longer works.")
	if !strings.Contains(p.delivery.Text, "bob@acme.example") {
		t.Errorf("latest reset email = %q", p.delivery.Text)
	}
}
