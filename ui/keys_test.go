package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
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
