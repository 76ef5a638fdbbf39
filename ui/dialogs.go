package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showDialog shows dlg over win: every dialog of the shells and of the
// sign-in and end user's screens opens here. A dialog is an overlay of the
// window's canvas, outside the theme around the shell or screen, so on a
// touch screen (a tablet, or the sign-in screen on a phone) it takes
// touchTheme itself: its buttons, including the confirm and dismiss
// buttons Fyne makes, its fields and its checks are as finger-tall as the
// shell's. A desktop keeps Fyne's sizes.
//
// Fyne keeps a dialog's pop-up to itself: the one it shows is the
// window's new top overlay. A file dialog that the platform draws (a
// phone's or tablet's own picker) adds none, and is left as it is.
func showDialog(dlg interface{ Show() }, win fyne.Window, touch bool) {
	overlays := win.Canvas().Overlays()
	before := overlays.Top()
	dlg.Show()
	if !touch {
		return
	}
	if pop, ok := overlays.Top().(*widget.PopUp); ok && pop != before {
		container.NewThemeOverride(pop, touchTheme{fyne.CurrentApp().Settings().Theme()})
	}
}

// showInformation says sentence under title in a dialog with an OK
// button, as dialog.ShowInformation does, through showDialog.
func showInformation(title, sentence string, win fyne.Window, touch bool) dialog.Dialog {
	d := dialog.NewInformation(title, sentence, win)
	showDialog(d, win, touch)
	return d
}
