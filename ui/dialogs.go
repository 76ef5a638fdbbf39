package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
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
	showDialogEscaping(dlg, win, touch, dismissOnEscape(dlg))
}

// showInformation says sentence under title in a dialog with an OK
// button, as dialog.ShowInformation does, through showDialog, with the
// dialogs' one style of button.
func showInformation(title, sentence string, win fyne.Window, touch bool) dialog.Dialog {
	d := dialog.NewCustomWithoutButtons(title, &widget.Label{Text: sentence, Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}, win)
	d.SetButtons([]fyne.CanvasObject{dialogConfirm("OK", d.Hide)})
	showDialog(d, win, touch)
	return d
}

// Escape closes the dialog open, wherever its keyboard focus is. Fyne's
// dialogs take no keys of their own: a key goes to the widget with the
// focus, or to the window's canvas while none has it, and Fyne's widgets
// drop Escape. So the canvas (Desktop.onTypedKey) and the focusable
// widgets the dialogs are made of (keyButton, keyEntry, keyList,
// textTable, wrapCheck and radioChoice's options, touchSelect) hand
// Escape to escapeFrom, which runs what the dialog over them says Escape
// does.

// dialogEscapes holds what Escape does in each dialog shown, by the
// pop-up Fyne shows it in.
var dialogEscapes = map[*widget.PopUp]func(){}

// showDialogEscaping shows dlg as showDialog does, with Escape running
// onEscape: a dialog whose Cancel or Close does more than hide it (forget
// a typed password, stop following a delivery) passes that.
func showDialogEscaping(dlg interface{ Show() }, win fyne.Window, touch bool, onEscape func()) {
	overlays := win.Canvas().Overlays()
	before := overlays.Top()
	dlg.Show()
	pop, ok := overlays.Top().(*widget.PopUp)
	if !ok || pop == before {
		return
	}
	if touch {
		container.NewThemeOverride(pop, touchTheme{fyne.CurrentApp().Settings().Theme()})
	}
	for p := range dialogEscapes {
		if !p.Visible() {
			delete(dialogEscapes, p) // closed since
		}
	}
	dialogEscapes[pop] = onEscape
}

// dismissOnEscape is what Escape does in a dialog that shows nothing it
// must forget: what its dismiss button does.
func dismissOnEscape(dlg interface{ Show() }) func() {
	if d, ok := dlg.(interface{ Dismiss() }); ok {
		return d.Dismiss
	}
	if d, ok := dlg.(interface{ Hide() }); ok {
		return d.Hide
	}
	return func() {}
}

// escapeFrom runs what Escape does in the dialog that holds o, or in the
// dialog over c when o is nil; it reports whether there was one.
func escapeFrom(o fyne.CanvasObject, c fyne.Canvas) bool {
	if c == nil && o != nil {
		c = fyne.CurrentApp().Driver().CanvasForObject(o)
	}
	if c == nil {
		return false
	}
	pop, ok := c.Overlays().Top().(*widget.PopUp)
	if !ok {
		return false
	}
	onEscape := dialogEscapes[pop]
	if onEscape == nil {
		return false
	}
	onEscape()
	return true
}

// keyButton is a dialog's button: Return presses it as Space does, and
// Escape closes its dialog.
type keyButton struct{ *widget.Button }

// keyed makes b a keyButton; b must be new, not yet shown or extended.
func keyed(b *widget.Button) *keyButton {
	k := &keyButton{Button: b}
	b.ExtendBaseWidget(k)
	return k
}

func (b *keyButton) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		if escapeFrom(b, nil) {
			return
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
		return
	}
	b.Button.TypedKey(k)
}

// dialogCancel and dialogConfirm are the two buttons that end a dialog,
// in the one style of every dialog here, Fyne's own confirm dialog's:
// centred at the bottom, as wide as each other, the way back with a
// cross, the way ahead in the primary colour with a tick.
func dialogCancel(text string, tapped func()) *keyButton {
	return keyed(&widget.Button{Text: text, Icon: theme.CancelIcon(), OnTapped: tapped})
}

func dialogConfirm(text string, tapped func()) *keyButton {
	return keyed(&widget.Button{Text: text, Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: tapped})
}

// keyEntry is a field in a dialog: Escape closes the dialog.
type keyEntry struct{ *widget.Entry }

// keyedEntry makes e a keyEntry; e must be new, not yet shown or extended.
func keyedEntry(e *widget.Entry) *keyEntry {
	k := &keyEntry{Entry: e}
	e.ExtendBaseWidget(k)
	return k
}

func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && escapeFrom(e, nil) {
		return
	}
	e.Entry.TypedKey(k)
}

// keyList is a list in a dialog: Escape closes the dialog.
type keyList struct{ *widget.List }

// keyedList makes l a keyList; l must be new, not yet shown or extended.
func keyedList(l *widget.List) *keyList {
	k := &keyList{List: l}
	l.ExtendBaseWidget(k)
	return k
}

func (l *keyList) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && escapeFrom(l, nil) {
		return
	}
	l.List.TypedKey(k)
}

// confirmDialog is a question with a dismiss and a confirm button in the
// dialogs' one style, in place of Fyne's confirm dialog, whose buttons
// take no Escape.
type confirmDialog struct {
	*dialog.CustomDialog
	confirm *keyButton // the way ahead: a caller may make it a danger
	answer  func(bool)
}

// newConfirmDialog makes the question; answer gets true for confirm, false
// for dismiss or Escape.
func newConfirmDialog(title, confirm, dismiss string, content fyne.CanvasObject, answer func(bool), win fyne.Window) *confirmDialog {
	d := &confirmDialog{CustomDialog: dialog.NewCustomWithoutButtons(title, content, win), answer: answer}
	d.confirm = dialogConfirm(confirm, d.Confirm)
	d.SetButtons([]fyne.CanvasObject{dialogCancel(dismiss, d.Dismiss), d.confirm})
	return d
}

// Confirm answers yes, as the confirm button does.
func (d *confirmDialog) Confirm() { d.respond(true) }

// Dismiss answers no, as the dismiss button and Escape do.
func (d *confirmDialog) Dismiss() { d.respond(false) }

func (d *confirmDialog) respond(yes bool) {
	d.Hide()
	if d.answer != nil {
		d.answer(yes)
	}
}
