package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// The shells and the reset dialog as markup. Only members show in the list,
// because console users' custom role names carry each test's random prefix.
func TestGoldens(t *testing.T) {
	f := newFixture(t)
	f.c.users.role.SetSelected("Members")
	w := f.d.win

	test.AssertRendersToMarkup(t, "spaces_shell.xml", w.Canvas())

	openResetDialog(f.c, f.users["alice@acme.example"])
	test.AssertRendersToMarkup(t, "reset_dialog.xml", w.Canvas())
	f.c.lastReset.onClose()

	f.c.setLayout(LayoutUnified)
	test.AssertRendersToMarkup(t, "unified_shell.xml", w.Canvas())
}
