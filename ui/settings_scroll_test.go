package ui

import (
	"testing"
)

// Settings opened again from another screen starts at Appearance, not at
// the bottom where the admin left it; a switch of layout while Settings is
// open keeps the admin's place.
func TestSettingsOpensAgainAtItsTop(t *testing.T) {
	f := newFixture(t)
	c := f.c
	c.show(screenSettings)
	sc := c.settings.scroll
	sc.ScrollToBottom()
	if sc.Offset.Y == 0 {
		t.Fatalf("Settings does not scroll in a %v window: the test proves nothing", f.d.win.Canvas().Size())
	}

	// Spaces: to Users by its tab, back to Settings from the admin menu.
	c.spaces.openSection(screenUsers)
	c.spaces.openSection(screenSettings)
	equal(t, "Settings from the admin menu, scrolled", sc.Offset.Y, float32(0))

	// A layout switch while Settings shows keeps where the admin was.
	sc.ScrollToBottom()
	bottom := sc.Offset.Y
	c.setLayout(LayoutUnified)
	equal(t, "after the switch to Unified", c.unified.current, screenSettings)
	equal(t, "Settings' place after the switch", sc.Offset.Y, bottom)

	// Unified: the Directory, then Settings from the left menu.
	c.show(screenUsers)
	c.show(screenSettings)
	equal(t, "Settings from Unified's menu, scrolled", sc.Offset.Y, float32(0))
}
