package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// showMenuUnder opens menu below at, its left edge under at's, kept at
// least a padding inside the window. A pop-up is an overlay of the canvas,
// outside any theme around the shell, so on a touch screen it takes
// touchTheme itself: its items are as finger-tall as the shell's buttons.
func showMenuUnder(menu *fyne.Menu, at fyne.CanvasObject, touch bool) {
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(at)
	if c == nil {
		return
	}
	pop := widget.NewPopUpMenu(menu, c)
	if touch {
		container.NewThemeOverride(pop, touchTheme{fyne.CurrentApp().Settings().Theme()})
	}
	size := pop.MinSize()
	pos := d.AbsolutePositionForObject(at).Add(fyne.NewPos(0, at.Size().Height))
	pop.ShowAtPosition(insideWindow(pos, size, c.Size(), theme.Padding()))
	pop.Resize(size)
}

// insideWindow moves a pop-up of size at pos left or up so that it keeps
// pad from the window's right and bottom edges; in a window too small for
// that, it goes no further than the left or top edge.
func insideWindow(pos fyne.Position, size, win fyne.Size, pad float32) fyne.Position {
	pos.X = max(min(pos.X, win.Width-size.Width-pad), 0)
	pos.Y = max(min(pos.Y, win.Height-size.Height-pad), 0)
	return pos
}
