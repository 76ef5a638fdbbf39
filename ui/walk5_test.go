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

// N2: at FYNE_SCALE=1.5 the first window (1100 x 720 pixels) is 733 units
// wide. The Audit page fits it in both shells, instead of pushing the
// shell sideways and cutting Sign out and the admin icon off at the right.
func TestAuditFitsTheFirstWindowAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	const width = 1100 / 1.5
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenAudit)
		if w := f.d.root.view.MinSize().Width; w > width {
			t.Errorf("%s shell with Audit wants %.0f units of width, more than the %.0f of the first window at scale 1.5", layout, w, width)
		}
	}
	// The fields still share a wide window: the entries grow too.
	f.c.setLayout(LayoutSpaces)
	f.c.show(screenAudit)
	f.d.win.Resize(wideSize)
	a := f.c.audit
	if a.actor.Size().Width < 2*a.actor.MinSize().Width || a.user.Size().Width != a.actor.Size().Width {
		t.Errorf("in a wide window the filters are %v, %v and %v wide", a.actor.Size().Width, a.user.Size().Width, a.action.Size().Width)
	}
}
