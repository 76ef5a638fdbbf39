package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// Finding 11: at FYNE_SCALE=1.5 (1100x720 pixels, 733x480 units) the
// row's menu opened under "⋮" at the right end of the row touched the
// window's edge. It moves left to keep a padding; a menu with room where
// it opens stays there, and one larger than the window stops at its edge.
func TestMenuKeepsOffTheWindowEdges(t *testing.T) {
	win := fyne.NewSize(733, 480)
	menu := fyne.NewSize(160, 80)
	for _, c := range []struct {
		name      string
		pos, want fyne.Position
	}{
		{"under the row's ⋮", fyne.NewPos(697, 200), fyne.NewPos(733-160-4, 200)},
		{"with room", fyne.NewPos(100, 50), fyne.NewPos(100, 50)},
		{"near the bottom", fyne.NewPos(100, 450), fyne.NewPos(100, 480-80-4)},
	} {
		equal(t, c.name, insideWindow(c.pos, menu, win, 4), c.want)
	}
	equal(t, "wider than the window", insideWindow(fyne.NewPos(10, 10), fyne.NewSize(800, 80), win, 4), fyne.NewPos(0, 10))
}
