package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// Stories for the users list's own findings (notes/walk5/findings.md N2,
// N8, N7, and N13 on the owner's own row).

// N2, second half: at FYNE_SCALE=1.5 the first window (1100 x 720 pixels)
// is 733 units wide. With 125 users ticked and then hidden by a filter, the
// selection bar ("3 selected (3 hidden by the filters)", Reset Password,
// Clear selection) and the count beside the filters ("4 of 129 users") fit
// it in both shells, instead of pushing the shell
// sideways and cutting Sign out off at the right.
func TestHiddenSelectionFitsTheFirstWindowAtScaleOneAndAHalf(t *testing.T) {
	f := newFixture(t)
	const width = 1100 / 1.5
	// An office's worth: three-digit counts make the words longest.
	f.o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'Member ' || i, 'member' || i || '@acme.example', 'confirmed'
	             FROM generate_series(1, 120) i`)
	u := f.c.users
	u.reload()
	u.role.SetSelected("Admins")
	bare := map[string]float32{}
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenUsers)
		bare[layout] = f.d.root.view.MinSize().Width
	}
	u.role.SetSelected("Members")
	test.Tap(u.selectAll)
	u.role.SetSelected("Admins")
	if !strings.Contains(u.selectedLabel.Text, "hidden by the filters") {
		t.Fatalf("the bar says %q", u.selectedLabel.Text)
	}
	for _, layout := range []string{LayoutSpaces, LayoutUnified} {
		f.c.setLayout(layout)
		f.c.show(screenUsers)
		equal(t, layout+": bar shown", u.selectionBar.Visible(), true)
		if w := f.d.root.view.MinSize().Width; w > width {
			t.Errorf("%s shell with a hidden selection wants %.0f units of width, more than the %.0f of the first window at scale 1.5", layout, w, width)
		}
		// Whatever the numbers, the bar never sets the page's width: the
		// words wrap before they widen the shell.
		if w := f.d.root.view.MinSize().Width; w > bare[layout] {
			t.Errorf("%s shell: the selection bar widens the page from %.0f to %.0f units", layout, bare[layout], w)
		}
	}
}
