package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// findShortcut is Ctrl+F (Cmd+F on a Mac): the keyboard goes to the users
// search.
var findShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}

// consoleEntry is a text field on the console's screens. Fyne gives a
// shortcut to the focused widget alone when that widget takes shortcuts,
// and widget.Entry drops the ones it does not know, so Ctrl+F typed in a
// field never reached the window. This field hands Ctrl+F on to the window
// and keeps every other shortcut (copy, paste, select all, undo) for itself.
type consoleEntry struct {
	widget.Entry
}

func newConsoleEntry() *consoleEntry {
	e := &consoleEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *consoleEntry) TypedShortcut(s fyne.Shortcut) {
	if s.ShortcutName() == findShortcut.ShortcutName() {
		if c, ok := fyne.CurrentApp().Driver().CanvasForObject(e).(fyne.Shortcutable); ok {
			c.TypedShortcut(s)
		}
		return
	}
	e.Entry.TypedShortcut(s)
}
