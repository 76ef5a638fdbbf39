package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"resetdesk/app"
)

// N15 (notes/walk5/findings.md): in the first window at FYNE_SCALE=1.5
// (1100x720 pixels), the bulk results show the Password column, the one
// the admin must hand over, without a sideways scroll.
func TestBulkPasswordsInViewAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	f.o.Exec(t, `UPDATE resetdesk.orgs SET admins_may_set_passwords = true`)
	f.d.win.Resize(fyne.NewSize(1100/1.5, 720/1.5))
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"], f.users["bob@acme.example"]})
	b.mode.SetSelected(modeSetLabel)
	b.emailPassword.SetChecked(false)
	test.Type(b.verify, f.o.Password)
	test.Tap(b.confirm)
	equal(t, "summary", b.summary.Text, "2 reset, 0 skipped.")

	equal(t, "the column after User", b.table.headers[bulkColUser+1], "Password")
	// Where the Password column ends: the columns before it, each with
	// its separator, then its own width.
	end := float32(0)
	for col := range bulkColPassword + 1 {
		if col > 0 {
			end += theme.SeparatorThicknessSize()
		}
		end += b.table.widths[col] * theme.TextSize()
	}
	if w := b.table.Size().Width; w == 0 || end > w {
		t.Errorf("the Password column ends at %.0f units, past the results table's %.0f", end, w)
	}
	for row := range 2 {
		if pw := b.table.text(row, bulkColPassword); len(pw) < 8 {
			t.Errorf("row %d: Password cell %q", row, pw)
		}
	}
}

// 4.6 (notes/walk5/walkthrough.md): the notice a reset sends to the
// secondary address of a user whose primary one bounces says how to reach
// the office, in the office's own completion instructions, as the owner
// set them (resetdesk policy set) and a sign-in reads them.
func TestBounceNoticeSaysHowToReachTheOffice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org := f.c.org
	org.CompletionInstructions = "Call Maria on 2114."
	if err := f.o.Owner.SetOrgPolicies(ctx, org); err != nil {
		t.Fatal(err)
	}
	_, signedIn, err := f.o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.c.org = signedIn
	f.o.Exec(t, `UPDATE resetdesk.users SET primary_email_undeliverable = true, secondary_email = 'bob.home@elsewhere.example' WHERE primary_email = 'bob@acme.example'`)
	r := openResetDialog(f.c, f.user(t, "bob@acme.example"))
	test.Type(r.verify, f.o.Password)
	test.Tap(r.confirm)
	msgs := f.sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "bob.home@elsewhere.example" {
		t.Fatalf("sink got %d messages: %+v", len(msgs), msgs)
	}
	for _, want := range []string{"Please contact the office", "From your office:", "Call Maria on 2114."} {
		if !strings.Contains(string(msgs[0].Data), want) {
			t.Errorf("the notice does not say %q:\n%s", want, msgs[0].Data)
		}
	}
}

// N3: the bulk dialog offers "Unlock the account" only while a user in its
// list has a lock (Erin's, in the fixture) for the reset to clear.
func TestBulkOffersUnlockOnlyForALock(t *testing.T) {
	f := newFixture(t)
	b := openBulkReset(f.c, []app.User{f.users["alice@acme.example"], f.users["bob@acme.example"]})
	equal(t, "nobody locked: no unlock", b.options.unlock.Visible(), false)
	b.addUsers([]app.User{f.users["erin@acme.example"]})
	equal(t, "Erin locked: unlock offered", b.options.unlock.Visible(), true)
	equal(t, "and ticked", b.options.unlock.Checked, true)
	b.onRemove(f.users["erin@acme.example"].ID)
	equal(t, "Erin removed: no unlock", b.options.unlock.Visible(), false)
}
