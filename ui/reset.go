package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// resetDialog is the desktop's frame for resetting one user: the reset
// form in a dialog under the user's name, then the outcome and the
// password to hand over, if any.
type resetDialog struct {
	*resetForm
	c    *console
	user app.User
	dlg  *dialog.CustomDialog
	open bool // shown and not closed: it follows the window's size

	form         *fyne.Container // the user, the form and the admin's password
	outcomeBox   *fyne.Container
	outcome      *widget.Label
	delivery     *widget.Label
	expiry       *widget.Label
	secretBox    *fyne.Container
	secret       *widget.Label
	copy         *keyButton
	printSlip    *keyButton
	slipNote     *widget.Label
	close        *keyButton
	handOverForm *endUserForm // the user's form after a hand-over reset

	scroll *container.Scroll
	footer *fyne.Container // the admin's password, under the scroll
	result app.ResetResult
	follow *queuedFollower // a message queued for the office mail relay, until it is sent
}

// openResetDialog shows the reset dialog for u.
func openResetDialog(c *console, u app.User) *resetDialog {
	r := &resetDialog{c: c, user: u}
	r.resetForm = newResetForm(c.signedIn, c.win, resetFormSpec{
		words: desktopWords, users: []app.User{u}, chooseMode: true, generate: app.GeneratePassword,
		start:    app.ResetOptions{Mode: app.ModeOneTime, ForceChange: true, EmailPassword: true, ClearMobileSessions: true, Unlock: u.HasLock()},
		onCancel: r.onClose, onResult: r.apply, onChange: r.relayout, handOver: true,
	})
	consoleNote := &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	if u.IsConsoleUser() && u.DBRole != "" &&
		app.SkipReasonFor(c.actor, c.org, u, app.ResetOptions{Mode: app.ModeOneTime}) != app.SkipProtected {
		// The directory password is what mail and other systems check; the
		// console signs in with a database login, which a reset leaves
		// alone. Said only when the reset can go ahead, in office words.
		consoleNote.SetText(fmt.Sprintf("This resets %s's password for mail and the other systems. Their ResetDesk sign-in (login %s) "+
			"does not change: to end it, use Disable in Settings, Console users and roles, or ask whoever runs the database "+
			"to change that login's password.", u.DisplayName, u.DBRole))
	} else {
		consoleNote.Hide()
	}
	// Whom the reset is for, the login on a line of its own: a long name
	// wraps and never pushes the email out of sight or the dialog wide.
	who := &widget.Label{Text: u.DisplayName, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	login := &widget.Label{Text: u.Login(), Wrapping: fyne.TextWrapBreak}
	r.form = container.NewVBox(consoleNote, container.New(&rowsLayout{}, who, login), r.fields)

	r.outcome = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	r.delivery = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.expiry = &widget.Label{Wrapping: fyne.TextWrapWord}
	// Not selectable: Copy beside it copies it whole, and a selectable
	// label takes the keyboard and drops Escape, which must close the
	// dialog wherever the focus is.
	r.secret = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}}
	r.copy = keyed(&widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: r.onCopy})
	r.secretBox = container.NewVBox(widget.NewLabel("Hand this password to the user:"), container.NewBorder(nil, nil, nil, r.copy, r.secret))
	r.close = dialogConfirm("Close", r.onClose)
	r.printSlip = keyed(&widget.Button{Text: "Print slip", Icon: theme.DocumentPrintIcon(), OnTapped: r.onPrintSlip})
	r.slipNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.slipNote.Hide()
	r.outcomeBox = container.NewVBox(r.outcome, r.delivery, r.expiry, r.secretBox, container.NewHBox(r.printSlip), r.slipNote)
	r.outcomeBox.Hide()
	r.close.Hide()

	r.scroll = newPageScroll(container.NewStack(r.form, r.outcomeBox))
	// The admin's password sits over the buttons, out of the scroll, as in
	// the bulk dialog: a long form (a locked user's, at scale 1.5) scrolls
	// above it and never hides the field the admin types in.
	r.footer = container.NewVBox(widget.NewSeparator(), r.check)
	if finalRefusal(app.SkipReasonFor(c.actor, c.org, u, app.ResetOptions{Mode: app.ModeOneTime})) {
		// Nothing the admin could choose changes the answer: the sentence
		// and Close, not a form to fill in for nothing.
		for _, o := range r.fields.Objects {
			if o != r.skipNote {
				o.Hide()
			}
		}
		r.check.Hide()
		r.footer.Hide()
		r.cancel.Hide()
		r.confirm.Hide()
		r.close.Show()
	}
	var content fyne.CanvasObject = container.NewBorder(nil, r.footer, nil, nil, r.scroll)
	if c.d.opts.touch { // a tablet: the dialog is not under the shell's theme
		content = touchSized(content)
	}
	r.dlg = dialog.NewCustomWithoutButtons("Reset Password", content, c.win)
	r.dlg.SetButtons([]fyne.CanvasObject{r.cancel, r.confirm, r.close})
	r.fit()
	showDialogEscaping(r.dlg, c.win, c.opts.touch, r.onEscape)
	// Again, now that it is laid out: a wrapped note (a bouncing address)
	// counts its lines only once it knows its width.
	r.fit()
	r.open = true
	c.d.holdForReset(r.dlg)
	if r.check.Visible() {
		r.focus()
	}
	c.lastReset = r
	return r
}

// onEscape closes the dialog as Cancel or Close does, unless a reset runs
// or the screen is the user's: Escape there would end their hand-over
// half typed.
func (r *resetDialog) onEscape() {
	if r.handOverForm == nil {
		r.resetForm.onEscape()
	}
}

// finalRefusal reports whether reason refuses the reset whatever the mode
// and options: the user is protected, deactivated, not confirmed or SSO's.
func finalRefusal(reason app.SkipReason) bool {
	switch reason {
	case app.SkipProtected, app.SkipDeactivated, app.SkipNotConfirmed, app.SkipSSO:
		return true
	}
	return false
}

// relayout lays the dialog out again after sections were shown or hidden.
func (r *resetDialog) relayout() {
	if r.scroll != nil {
		r.scroll.Content.Refresh()
		r.scroll.Refresh()
		r.footer.Refresh()
		r.fit()
	}
}

// apply shows the outcome in place of the form, or, for a hand-over, the
// user's own form.
func (r *resetDialog) apply(d resetDone) {
	r.result = d.results[0]
	if d.handOver && r.result.Outcome == app.OutcomeReset && r.result.Password != "" {
		r.showHandOver()
		return
	}
	r.form.Hide()
	r.footer.Hide()
	r.outcomeBox.Show()
	r.cancel.Hide()
	r.confirm.Hide()
	r.close.Show()
	outcome, delivery, expiry := outcomeTexts(r.result, d.err, r.c.zone())
	r.outcome.SetText(outcome)
	r.delivery.SetText(delivery)
	r.follow = followQueued(r.c.signedIn, r.result.Delivery, func(sentence string) {
		r.delivery.SetText(sentence)
		r.relayout()
	})
	r.expiry.SetText(expiry)
	if expiry == "" {
		r.expiry.Hide()
	}
	if r.result.Password != "" {
		r.secret.SetText(r.result.Password)
		r.secretBox.Show()
	} else {
		r.secretBox.Hide()
	}
	if r.result.Outcome != app.OutcomeReset || deviceIsMobile() {
		r.printSlip.Hide()
	}
	r.relayout()
	r.c.reloadAfterReset()
}

// showHandOver turns the dialog into the user's form: the temporary
// password goes from the result into the form, which alone knows it, and
// is never shown.
func (r *resetDialog) showHandOver() {
	temp := r.result.Password
	r.result.Password = ""
	r.handOverForm = newHandOverForm(r.c.signedIn, r.c.win, r.user, temp, r.onClose)
	r.handOverForm.onGrow = r.relayout
	r.form.Hide()
	r.footer.Hide()
	r.cancel.Hide()
	r.confirm.Hide()
	r.scroll.Content.(*fyne.Container).Add(container.New(centeredColumn{width: 32 * theme.TextSize()}, r.handOverForm.box))
	r.relayout()
	r.handOverForm.focus()
	r.c.reloadAfterReset()
}

// centeredColumn lays its one object out in a column of at most width,
// centred: the hand-over form in a window-sized dialog, as wide as the
// end user's form on the sign-in screen.
type centeredColumn struct{ width float32 }

func (c centeredColumn) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

func (c centeredColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, max(c.width, objects[0].MinSize().Width))
	objects[0].Move(fyne.NewPos((size.Width-w)/2, 0))
	objects[0].Resize(fyne.NewSize(w, size.Height))
}

// onPrintSlip makes the user's slip and opens it in the PDF viewer.
func (r *resetDialog) onPrintSlip() {
	r.printSlip.Disable()
	res, org, now, open := r.result, r.c.org, r.c.now(), r.c.opts.openURL
	r.c.spawn(func() {
		msg, err := printSlips(org, []app.ResetResult{res}, now, open)
		fyne.Do(func() {
			r.printSlip.Enable()
			r.slipNote.Show()
			if err != nil {
				r.slipNote.Importance = widget.DangerImportance
				r.slipNote.SetText(app.ErrorMessage(err))
			} else {
				r.slipNote.Importance = widget.MediumImportance
				r.slipNote.SetText(msg)
			}
			r.relayout()
		})
	})
}

// onCopy puts the password on the clipboard, and takes it off again after
// clipboardLifetime unless something else was copied since.
func (r *resetDialog) onCopy() {
	r.c.clip.copy(r.result.Password)
	r.copy.SetText("Copied")
}

func (r *resetDialog) onClose() {
	r.forget()
	r.follow.stop()
	if r.handOverForm != nil {
		r.handOverForm.handOver.temp = ""
	}
	r.secret.SetText("")
	r.result.Password = ""
	r.open = false
	r.dlg.Hide()
}

// fit sizes the dialog to what it shows now, up to most of the window; the
// rest scrolls.
func (r *resetDialog) fit() {
	if r.dlg == nil {
		return
	}
	if r.handOverForm != nil {
		// The screen is the user's now: it covers the whole window, so the
		// directory (other people's names, emails, states) is not theirs to
		// read around it.
		r.dlg.Resize(r.c.win.Canvas().Size())
		return
	}
	ts, pad := theme.TextSize(), theme.Padding()
	content := r.form.MinSize()
	if r.outcomeBox.Visible() {
		content = r.outcomeBox.MinSize()
	}
	if r.footer.Visible() {
		content.Height += r.footer.MinSize().Height
	}
	h := content.Height + r.close.MinSize().Height + 8*pad + 5*ts // buttons, title and dialog padding
	if max := r.c.win.Canvas().Size().Height * 0.9; max > 0 && h > max {
		h = max
	}
	w := float32(36 * ts)
	if max := r.c.win.Canvas().Size().Width * 0.95; max > 0 && w > max {
		w = max
	}
	r.dlg.Resize(fyne.NewSize(w, h))
}
