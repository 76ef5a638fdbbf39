package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// fingerTall is the least height of a target a finger taps: Apple's 44 pt.
const fingerTall = 44

// targetHeights measures the buttons, fields, checks and drop-downs shown
// in o, by a name that says which.
func targetHeights(o fyne.CanvasObject) map[string]float32 {
	heights := map[string]float32{}
	for _, obj := range test.LaidOutObjects(o) {
		if !obj.Visible() || obj.Size().Height == 0 {
			continue // hidden, or in a part of the dialog not shown
		}
		var name string
		switch w := obj.(type) {
		case *widget.Button:
			name = fmt.Sprintf("button %q", w.Text)
			if w.Text == "" {
				name = fmt.Sprintf("icon button %p", w)
			}
		case *keyButton:
			name = fmt.Sprintf("button %q", w.Text)
			if w.Text == "" {
				name = fmt.Sprintf("icon button %p", w)
			}
		case *widget.Entry:
			name = fmt.Sprintf("entry %q %p", w.PlaceHolder, w)
		case *keyEntry:
			name = fmt.Sprintf("entry %q %p", w.PlaceHolder, w)
		case *widget.Check:
			name = fmt.Sprintf("check %q", w.Text)
		case *widget.Select:
			name = fmt.Sprintf("drop-down %q", w.Selected)
		case *touchSelect:
			name = fmt.Sprintf("drop-down %q", w.Selected)
		default:
			continue
		}
		heights[name] = obj.Size().Height
	}
	return heights
}

// checkTargets says whether each of heights is finger-tall on a touch
// screen, and keeps Fyne's pointer size, under 44, on a desktop.
func checkTargets(t *testing.T, where string, touch bool, heights map[string]float32) {
	t.Helper()
	if len(heights) == 0 {
		t.Errorf("%s: no button, field or check found", where)
	}
	for name, h := range heights {
		if touch && h < fingerTall {
			t.Errorf("%s on a tablet: %s is %v tall, want %v or more", where, name, h, fingerTall)
		}
		if !touch && h >= fingerTall {
			t.Errorf("%s on a desktop: %s is %v tall, want Fyne's size, under %v", where, name, h, fingerTall)
		}
	}
}

// checkDialog measures the dialog open, the window's top overlay, and
// closes it.
func checkDialog(t *testing.T, win fyne.Window, where string, touch bool) {
	t.Helper()
	top := win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("%s: no dialog open", where)
	}
	checkTargets(t, where, touch, targetHeights(top))
	win.Canvas().Overlays().Remove(top)
}

// On a tablet every dialog of the shells is finger-sized: the sign-out
// question, Settings' Edit and Delete profile, Resend's password, the
// office switch's password, a sentence with an OK button, the file
// dialogs, and the self-service set-up's import. On a desktop the same
// dialogs keep Fyne's sizes.
func TestStoryTabletDialogs(t *testing.T) {
	f := newFixture(t)
	alice := f.users["alice@acme.example"]
	for _, touch := range []bool{false, true} {
		o := mobileOptions{options: testOptions(), platform: platformIOS, generate: app.GeneratePassword}
		o.touch = touch
		sess := Session{Directory: f.o.Owner, Resetter: f.c.sess.Resetter}
		d := startWindow(f.app, f.backend, sess.starter(), o, tabletSize)
		wideShows(t, d)
		c := d.console
		office := profileOf(t, "Branch", f.o.OwnerURL)
		saveProfile(c.prefs, office)
		dialogs := []struct {
			name string
			open func()
		}{
			{"sign-out question", c.onSignOut},
			{"Settings' Edit profile", func() {
				c.show(screenSettings)
				c.settings.showProfiles()
				c.settings.onEditProfile(office)
			}},
			{"Settings' Delete profile", func() { c.settings.onDeleteProfile(office.Name) }},
			{"Resend's password", func() { askResend(c, alice, func(string) {}) }},
			{"office switch's password", func() { c.offices.askPassword(office) }},
			{"a sentence (error)", func() { c.offices.say("Could not open Branch", "The server did not answer.") }},
			{"Import's file dialog", func() {
				c.show(screenImport)
				c.imports.onChoose()
			}},
			{"bulk's file dialog", func() {
				c.show(screenUsers)
				c.users.onRowChecked(alice.ID, true)
				test.Tap(c.users.resetSelected)
				c.lastBulk.onAttach()
			}},
			{"self-service set-up's import", func() {
				c.lastBulk.dlg.Hide()
				c.show(screenSettings)
				c.settings.selfService.onImport()
			}},
		}
		for _, dlg := range dialogs {
			dlg.open()
			checkDialog(t, d.win, dlg.name, touch)
		}
		d.win.Close()
	}
}

// On a tablet the sign-in screen's certificate question is finger-sized,
// and so is the end user's form, whole in its column; on a desktop both
// keep Fyne's sizes.
func TestStoryTabletSignInDialogAndEndUserForm(t *testing.T) {
	f := newFixture(t)
	for _, touch := range []bool{false, true} {
		a := test.NewTempApp(t)
		o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
		o.touch = touch
		d := startWindow(a, f.backend, nil, o, tabletSize)
		d.signIn.confirmCertificate(&app.CertificateToConfirm{Server: "db.acme.example:5432",
			Fingerprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"})
		checkDialog(t, d.win, "sign-in's certificate question", touch)

		for _, kind := range []endUserKind{endUserCode, endUserTemporary} {
			open := d.signIn.endUserCode
			if kind == endUserTemporary {
				open = d.signIn.endUserTemporary
			}
			test.Tap(open)
			e := d.endUser
			if e == nil || d.showing() != e.view {
				t.Fatalf("touch %v: the end user's form does not show", touch)
			}
			where := fmt.Sprintf("end user's form %d", kind)
			checkTargets(t, where, touch, targetHeights(e.box))
			// Nothing typed, nothing to say: no empty line above the button.
			if gap := e.buttonRow.Position().Y - (e.form.Position().Y + e.form.Size().Height); gap > theme.Padding() {
				t.Errorf("%s, touch %v: %v units between the form and its button, want %v", where, touch, gap, theme.Padding())
			}
			if got, need := e.box.Size().Height, e.box.MinSize().Height; got < need {
				t.Errorf("%s, touch %v: the form has %v units of height, needs %v", where, touch, got, need)
			}
			// A refusal, a line more: the column grows with it.
			e.showError(app.Errorf(app.EINVALID, "That one-time password is not right. Check it in your email and type it again."))
			if got, need := e.box.Size().Height, e.box.MinSize().Height; got < need {
				t.Errorf("%s with a refusal, touch %v: the form has %v units of height, needs %v", where, touch, got, need)
			}
			test.Tap(e.back)
		}
		d.win.Close()
	}
}

// signInGap is the room between Sign in and the last thing above it that
// shows something: the form or the keychain's check, or the status line
// when it says something. An empty status line counts as room.
func signInGap(s *signInScreen) float32 {
	var above fyne.CanvasObject
	for _, o := range s.box.Objects {
		if o == s.buttonRow {
			break
		}
		if o.Visible() && (o != s.status || s.status.Text != "") {
			above = o
		}
	}
	return s.buttonRow.Position().Y - (above.Position().Y + above.Size().Height)
}

// With nothing to say, the sign-in screen leaves no line's gap above Sign
// in: on a desktop, on a tablet, and in the phone's layout. A refusal
// takes that room, and gives it back once the form changes.
func TestSignInNoGapAboveSignIn(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name  string
		touch bool
		size  fyne.Size
	}{
		{"desktop", false, wideSize},
		{"tablet", true, tabletSize},
		{"phone", true, narrowSize},
		{"desktop narrowed", false, narrowSize},
	} {
		a := test.NewTempApp(t)
		o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
		o.touch = c.touch
		d := startWindow(a, f.backend, nil, o, c.size)
		s := d.signIn
		if gap := signInGap(s); gap > theme.Padding() {
			t.Errorf("%s: %v units above Sign in, want the padding, %v", c.name, gap, theme.Padding())
		}
		test.Tap(s.signIn) // nothing typed: a refusal
		if s.status.Text == "" || !s.status.Visible() {
			t.Fatalf("%s: no refusal shown (%q)", c.name, s.status.Text)
		}
		if gap := signInGap(s); gap > theme.Padding() {
			t.Errorf("%s: %v units between the refusal and Sign in", c.name, gap)
		}
		test.Type(s.host, "db")
		if s.status.Text != "" {
			t.Errorf("%s: the refusal stays after typing: %q", c.name, s.status.Text)
		}
		if gap := signInGap(s); gap > theme.Padding() {
			t.Errorf("%s: %v units above Sign in after typing, want %v", c.name, gap, theme.Padding())
		}
		d.win.Close()
	}
}

// 1.30: every dialog ends in one style of button, Fyne's confirm
// dialog's: the buttons that close it centred at the bottom, the way back
// with a cross, the way ahead in the primary colour with a tick. The
// reset dialogs had left-aligned buttons of text only.
func TestDialogsShareOneButtonStyle(t *testing.T) {
	f := newFixture(t)
	cv := f.d.win.Canvas()
	alice, bob := f.users["alice@acme.example"], f.users["bob@acme.example"]
	for _, c := range []struct {
		name    string
		open    func()
		dismiss string // "" when the dialog has only a way ahead
		ahead   string
	}{
		{"reset", func() { openResetDialog(f.c, alice) }, "Cancel", "Yes, Confirm"},
		{"reset's outcome", func() {
			r := openResetDialog(f.c, bob)
			test.Type(r.verify, f.o.Password)
			test.Tap(r.confirm)
		}, "", "Close"},
		{"bulk", func() { openBulkReset(f.c, []app.User{alice, bob}) }, "Cancel", "Reset Password"},
		{"bulk's results", func() {
			b := openBulkReset(f.c, []app.User{alice, bob})
			test.Type(b.verify, f.o.Password)
			test.Tap(b.confirm)
		}, "", "Close"},
		{"sign out", f.c.onSignOut, "Cancel", "Sign out"},
		{"resend", func() { askResend(f.c, alice, func(string) {}) }, "Cancel", "Yes, Confirm"},
		{"a sentence", func() { showInformation("Not saved", "The results could not be saved.", f.d.win, false) }, "", "OK"},
	} {
		c.open()
		top := cv.Overlays().Top()
		if top == nil {
			t.Fatalf("%s: no dialog open", c.name)
		}
		var row []*keyButton
		for _, o := range test.LaidOutObjects(top) {
			b, ok := o.(*keyButton)
			if !ok || !b.Visible() || b.Size().Width == 0 || b.Text == "" || (b.Text != c.dismiss && b.Text != c.ahead) {
				continue
			}
			row = append(row, b)
			switch {
			case b.Text == c.dismiss && (b.Icon == nil || b.Icon.Name() != theme.CancelIcon().Name() || b.Importance != widget.MediumImportance):
				t.Errorf("%s: %q is not the way back with a cross", c.name, b.Text)
			case b.Text == c.ahead && (b.Icon == nil || b.Icon.Name() != theme.ConfirmIcon().Name() || b.Importance != widget.HighImportance):
				t.Errorf("%s: %q is not the way ahead with a tick in the primary colour", c.name, b.Text)
			}
		}
		want := 2
		if c.dismiss == "" {
			want = 1
		}
		if len(row) != want {
			t.Fatalf("%s: %d closing buttons shown, want %d", c.name, len(row), want)
		}
		d := fyne.CurrentApp().Driver()
		left := d.AbsolutePositionForObject(row[0]).X
		last := row[len(row)-1]
		right := d.AbsolutePositionForObject(last).X + last.Size().Width
		middle := d.AbsolutePositionForObject(top).X + top.Size().Width/2
		if got := (left + right) / 2; got < middle-1 || got > middle+1 {
			t.Errorf("%s: the buttons' middle is at %v, the dialog's at %v", c.name, got, middle)
		}
		for cv.Overlays().Top() != nil {
			cv.Overlays().Top().Hide()
		}
	}
}
