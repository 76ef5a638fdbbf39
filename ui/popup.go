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
// It returns the menu shown, nil when at is in no window.
func showMenuUnder(menu *fyne.Menu, at fyne.CanvasObject, touch bool) *widget.PopUpMenu {
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(at)
	if c == nil {
		return nil
	}
	pop := widget.NewPopUpMenu(menu, c)
	if touch {
		container.NewThemeOverride(pop, touchTheme{fyne.CurrentApp().Settings().Theme()})
	}
	size := pop.MinSize()
	pos := d.AbsolutePositionForObject(at).Add(fyne.NewPos(0, at.Size().Height))
	pop.ShowAtPosition(insideWindow(pos, size, c.Size(), theme.Padding()))
	pop.Resize(size)
	return pop
}

// insideWindow moves a pop-up of size at pos left or up so that it keeps
// pad from the window's right and bottom edges; in a window too small for
// that, it goes no further than the left or top edge.
func insideWindow(pos fyne.Position, size, win fyne.Size, pad float32) fyne.Position {
	pos.X = max(min(pos.X, win.Width-size.Width-pad), 0)
	pos.Y = max(min(pos.Y, win.Height-size.Height-pad), 0)
	return pos
}

// touchSelect is a Select whose drop-down, on a touch screen, has
// finger-tall choices: Fyne's own drop-down is an overlay that takes the
// app's theme whatever theme holds the Select.
type touchSelect struct {
	widget.Select
	touch bool
}

// newTouchSelect makes a Select of options, showing selected, that calls
// changed on a choice; touch makes its drop-down finger-sized.
func newTouchSelect(options []string, selected string, changed func(string), touch bool) *touchSelect {
	s := &touchSelect{Select: widget.Select{Options: options, Selected: selected, OnChanged: changed}, touch: touch}
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the dialog the Select is in on Escape; other keys open
// or move the choice, as Fyne's Select does.
func (s *touchSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && escapeFrom(s, nil) {
		return
	}
	s.Select.TypedKey(k)
}

// Tapped opens the drop-down: Fyne's on a desktop, one in touchTheme,
// as wide as the Select, on a touch screen.
func (s *touchSelect) Tapped(e *fyne.PointEvent) {
	if !s.touch {
		s.Select.Tapped(e)
		return
	}
	if s.Disabled() {
		return
	}
	items := make([]*fyne.MenuItem, len(s.Options))
	for i, option := range s.Options {
		items[i] = fyne.NewMenuItem(option, func() { s.SetSelected(option) })
	}
	if pop := showMenuUnder(fyne.NewMenu("", items...), s, true); pop != nil {
		pop.Resize(fyne.NewSize(max(s.Size().Width, pop.MinSize().Width), pop.MinSize().Height))
	}
}
