package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// phoneConfirm is a yes-or-no question on the phone with thumb-sized
// answers: Fyne's confirm dialog draws its buttons 34 pt tall, under the
// 44 pt a finger needs.
type phoneConfirm struct {
	dlg      *dialog.CustomDialog
	cancel   *widget.Button
	ok       *widget.Button
	onAnswer func(bool)
}

// askOnPhone shows the question; onAnswer gets true for the confirm
// button, false for Cancel (or Back).
func askOnPhone(win fyne.Window, title, question, confirm string, onAnswer func(bool)) *phoneConfirm {
	c := &phoneConfirm{onAnswer: onAnswer}
	c.cancel = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: c.Dismiss}
	c.ok = &widget.Button{Text: confirm, Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: c.Confirm}
	text := &widget.Label{Text: question, Wrapping: fyne.TextWrapWord}
	c.dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(text), win)
	c.dlg.SetButtons([]fyne.CanvasObject{finger(c.cancel), finger(c.ok)})
	c.dlg.Resize(fyne.NewSize(popUpWidth(win), 0))
	c.dlg.Show()
	return c
}

// Confirm answers yes, as the confirm button does.
func (c *phoneConfirm) Confirm() { c.answer(true) }

// Dismiss answers no, as Cancel does.
func (c *phoneConfirm) Dismiss() { c.answer(false) }

func (c *phoneConfirm) answer(yes bool) {
	c.dlg.Hide()
	if c.onAnswer != nil {
		c.onAnswer(yes)
	}
}
