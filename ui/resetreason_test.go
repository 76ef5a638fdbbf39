package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// When the owner requires it, the reset form asks how the admin verified
// the user and why; without both, nothing is reset and the form says so;
// with both, the reset goes through and the audit row holds them.
func TestResetFormAsksHowAndWhy(t *testing.T) {
	f := newFixture(t)
	plain := openResetDialog(f.c, f.users["bob@acme.example"])
	equal(t, "fields hidden while not required", plain.why.Visible(), false)
	plain.onClose()

	f.o.Exec(t, `UPDATE resetdesk.orgs SET require_reset_reason = true`)
	f.c.org.RequireResetReason = true
	r := openResetDialog(f.c, f.users["bob@acme.example"])
	equal(t, "fields shown", r.why.Visible(), true)
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	if !strings.Contains(r.status.Text, "requires how the user was verified") {
		t.Fatalf("without how and why: %q", r.status.Text)
	}
	r.verifiedBy.SetSelected(verificationWords[app.VerifiedCallBack])
	r.reason.SetText("HD-4411: locked out after the holidays")
	test.Tap(r.confirm)
	if !r.outcomeBox.Visible() {
		t.Fatalf("with how and why: %q", r.status.Text)
	}
	events, err := f.o.Owner.Audit(f.c.ctx, app.AuditFilter{Action: "reset_password"})
	if err != nil || len(events) != 1 || events[0].Details["verified_by"] != "call_back" ||
		events[0].Details["verification_reason"] != "HD-4411: locked out after the holidays" {
		t.Fatalf("audit: %+v %v", events, err)
	}
}
