package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// typeShortcut sends a shortcut the way Fyne's desktop driver does: to the
// focused widget when it takes shortcuts, and only otherwise to the canvas.
func typeShortcut(cv fyne.Canvas, s fyne.Shortcut) {
	if w, ok := cv.Focused().(fyne.Shortcutable); ok {
		w.TypedShortcut(s)
		return
	}
	cv.(fyne.Shortcutable).TypedShortcut(s)
}

// 1.15: Ctrl+F reaches the search while a field of the console has the
// keyboard, and the fields keep their own shortcuts (select all, copy,
// paste).
func TestCtrlFFromAFieldGoesToTheSearch(t *testing.T) {
	f := newFixture(t)
	cv := f.d.win.Canvas()
	f.c.show(screenAudit)
	actor := f.c.audit.actor
	cv.Focus(actor)
	test.Type(actor, "acme")
	typeShortcut(cv, findShortcut)
	if cv.Focused() != f.c.search {
		t.Fatalf("Ctrl+F in the audit's filter left the keyboard on %T", cv.Focused())
	}
	equal(t, "the filter keeps its text", actor.Text, "acme")

	clip := test.NewClipboard()
	cv.Focus(actor)
	typeShortcut(cv, &fyne.ShortcutSelectAll{})
	typeShortcut(cv, &fyne.ShortcutCopy{Clipboard: clip})
	equal(t, "copied from the filter", clip.Content(), "acme")
	cv.Focus(f.c.search)
	typeShortcut(cv, &fyne.ShortcutPaste{Clipboard: clip})
	equal(t, "pasted into the search", f.c.search.Text, "acme")

	f.c.show(screenSettings)
	cv.Focus(f.c.settings.minLength)
	typeShortcut(cv, findShortcut)
	if cv.Focused() != f.c.search {
		t.Fatalf("Ctrl+F in a settings field left the keyboard on %T", cv.Focused())
	}
}

// 1.15: Escape closes the reset dialog while one of its checkboxes has the
// keyboard, as it does from the admin's password.
func TestEscapeFromAResetCheckboxClosesTheDialog(t *testing.T) {
	f := newFixture(t)
	cv := f.d.win.Canvas()
	open := len(cv.Overlays().List())
	r := openResetDialog(f.c, f.users["erin@acme.example"])
	equal(t, "the dialog is open", len(cv.Overlays().List()), open+1)
	cv.Focus(r.options.unlock)
	cv.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	equal(t, "Escape closes the dialog", len(cv.Overlays().List()), open)
}

// pressEscape presses Escape as Fyne's desktop driver delivers it: to the
// widget with the keyboard, or to the window's canvas when none has it.
func pressEscape(cv fyne.Canvas) {
	esc := &fyne.KeyEvent{Name: fyne.KeyEscape}
	if f := cv.Focused(); f != nil {
		f.TypedKey(esc)
		return
	}
	if on := cv.(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey(); on != nil {
		on(esc)
	}
}

// tabStops are the widgets Tab visits in the dialog open, in order.
func tabStops(cv fyne.Canvas) []fyne.Focusable {
	var stops []fyne.Focusable
	for range 200 {
		cv.FocusNext()
		f := cv.Focused()
		if f == nil || (len(stops) > 0 && f == stops[0]) {
			break
		}
		stops = append(stops, f)
	}
	cv.Unfocus()
	return stops
}

// escapeClosesFromEverywhere opens a dialog with open, and checks that
// Escape closes it with nothing focused and from each of its Tab stops,
// opening it again for each; it reports how many stops it tried.
func escapeClosesFromEverywhere(t *testing.T, cv fyne.Canvas, name string, open func()) int {
	t.Helper()
	before := len(cv.Overlays().List())
	open()
	if len(cv.Overlays().List()) != before+1 {
		t.Fatalf("%s: no dialog opened", name)
	}
	stops := tabStops(cv)
	for i := -1; i < len(stops); i++ {
		if i >= 0 {
			open()
			cv.Unfocus()
			for range i + 1 {
				cv.FocusNext()
			}
		}
		what := "nothing focused"
		if f := cv.Focused(); f != nil {
			what = fmt.Sprintf("stop %d, %T", i, f)
			if b, ok := f.(*keyButton); ok {
				what += fmt.Sprintf(" %q", b.Text)
			}
			if c, ok := f.(*wrapCheck); ok {
				what += fmt.Sprintf(" %q", c.Text)
			}
		}
		pressEscape(cv)
		if got := len(cv.Overlays().List()); got != before {
			t.Errorf("%s: Escape with %s left the dialog open", name, what)
			for len(cv.Overlays().List()) > before {
				cv.Overlays().Top().Hide()
			}
		}
	}
	return len(stops)
}

// 1.15: Escape closes a dialog wherever its keyboard focus is: the reset
// dialog from its mode's options, the verification drop-down and the
// reason, the generator, the boxes and the buttons, in either mode and
// after the outcome; the bulk dialog from its list of users, the add
// field, the form and, after the run, the results table and its buttons;
// and the questions (sign out, resend, delete a profile, close without
// the passwords, a sentence with OK).
func TestEscapeClosesEveryDialogFromEveryStop(t *testing.T) {
	f := newFixture(t)
	cv := f.d.win.Canvas()
	f.c.org.RequireResetReason = true // the verification drop-down and the reason show
	alice, bob := f.users["alice@acme.example"], f.users["bob@acme.example"]
	stops := map[string]int{}
	stops["reset, one-time"] = escapeClosesFromEverywhere(t, cv, "reset, one-time", func() { openResetDialog(f.c, alice) })
	stops["reset, set password"] = escapeClosesFromEverywhere(t, cv, "reset, set password", func() {
		openResetDialog(f.c, alice).mode.SetSelected(modeSetLabel)
	})
	stops["reset, outcome"] = escapeClosesFromEverywhere(t, cv, "reset, outcome", func() {
		r := openResetDialog(f.c, bob)
		r.mode.SetSelected(modeSetLabel)
		r.emailPassword.SetChecked(false)
		r.verifiedBy.SetSelected(r.verifiedBy.Options[0])
		test.Type(r.reason, "ticket 12")
		test.Type(r.verify, f.o.Password)
		test.Tap(r.confirm)
		if !r.outcomeBox.Visible() {
			t.Fatalf("reset, outcome: no outcome (%s)", r.status.Text)
		}
	})
	stops["bulk"] = escapeClosesFromEverywhere(t, cv, "bulk", func() {
		b := openBulkReset(f.c, []app.User{alice, bob})
		b.onShowAdd()
	})
	stops["bulk, results"] = escapeClosesFromEverywhere(t, cv, "bulk, results", func() {
		b := openBulkReset(f.c, []app.User{alice, bob})
		b.verifiedBy.SetSelected(b.verifiedBy.Options[0])
		test.Type(b.reason, "ticket 12")
		test.Type(b.verify, f.o.Password)
		test.Tap(b.confirm)
		if !b.resultBox.Visible() {
			t.Fatalf("bulk, results: no results (%s)", b.status.Text)
		}
	})
	stops["sign out"] = escapeClosesFromEverywhere(t, cv, "sign out", f.c.onSignOut)
	stops["resend"] = escapeClosesFromEverywhere(t, cv, "resend", func() { askResend(f.c, alice, func(string) {}) })
	f.c.show(screenSettings)
	stops["delete profile"] = escapeClosesFromEverywhere(t, cv, "delete profile", func() { f.c.settings.onDeleteProfile("Branch") })
	stops["a sentence"] = escapeClosesFromEverywhere(t, cv, "a sentence", func() { showInformation("Not saved", "The results could not be saved.", f.d.win, false) })
	// Each dialog's stops were found, or nothing was checked but the canvas.
	for name, n := range stops {
		if n < 1 {
			t.Errorf("%s: no Tab stop found, want its buttons and fields", name)
		}
	}
	if n := stops["reset, set password"]; n < 10 {
		t.Errorf("reset, set password: %d Tab stops, want the options, the fields, the boxes and the buttons", n)
	}
}
