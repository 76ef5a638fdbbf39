package ui

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// The labels of the two modes.
const (
	modeOneTimeLabel = "One-time password by email"
	modeSetLabel     = "Set password"
)

// clipboardLifetime is how long a copied password stays on the clipboard.
const clipboardLifetime = 60 * time.Second

// optionChecks are the options of every reset, single or bulk (DESIGN.md
// section 4): web sessions always end; mobile sessions and API tokens, and
// the lock, on request.
type optionChecks struct {
	webSessions *widget.Check
	clearMobile *widget.Check
	unlock      *widget.Check
	view        *fyne.Container
}

func newOptionChecks(showUnlock bool) *optionChecks {
	o := &optionChecks{
		webSessions: &widget.Check{Text: "Web sessions will be cleared", Checked: true},
		clearMobile: &widget.Check{Text: "Clear mobile sessions and API tokens", Checked: true},
		unlock:      &widget.Check{Text: "Unlock the account", Checked: true},
	}
	o.webSessions.Disable()
	o.view = container.NewVBox(o.webSessions, o.clearMobile, o.unlock)
	if !showUnlock {
		o.unlock.Hide()
	}
	return o
}

// fill sets the options that the checkboxes decide in opts. Web sessions
// have no field: they always end.
func (o *optionChecks) fill(opts *app.ResetOptions) {
	opts.ClearMobileSessions = o.clearMobile.Checked
	opts.Unlock = o.unlock.Visible() && o.unlock.Checked
}

// resetDialog resets one user's password: mode, options, the admin's
// password for verification, "Yes, Confirm", then the outcome.
type resetDialog struct {
	c    *console
	user app.User
	dlg  *dialog.CustomDialog

	mayNot   error          // why the role may not reset at all, if so
	skipping app.SkipReason // why the reset would skip the user now, if so
	running  bool           // a reset of this dialog is under way

	form          *fyne.Container
	skipNote      *widget.Label
	mode          *widget.RadioGroup
	modeNote      *widget.Label
	setBox        *fyne.Container
	password      *widget.Entry
	regenerate    *widget.Button
	plain         *widget.Check // generate letters and digits only
	strength      *widget.Label
	forceChange   *widget.Check
	emailPassword *widget.Check
	options       *optionChecks
	verify        *verifyEntry
	status        *widget.Label
	confirm       *widget.Button
	cancel        *widget.Button

	outcomeBox *fyne.Container
	outcome    *widget.Label
	delivery   *widget.Label
	expiry     *widget.Label
	secretBox  *fyne.Container
	secret     *widget.Label
	copy       *widget.Button
	close      *widget.Button

	scroll  *container.Scroll
	buttons *fyne.Container
	result  app.ResetResult
}

// openResetDialog shows the reset dialog for u.
func openResetDialog(c *console, u app.User) *resetDialog {
	r := &resetDialog{c: c, user: u}
	r.skipNote = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	r.mode = &widget.RadioGroup{Options: []string{modeOneTimeLabel, modeSetLabel}, Selected: modeOneTimeLabel, Required: true}
	r.modeNote = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	r.password = &widget.Entry{Password: true, OnChanged: r.onPasswordChanged}
	r.regenerate = &widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: r.onRegenerate}
	r.strength = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.plain = &widget.Check{Text: plainLabel, OnChanged: func(bool) { r.onRegenerate() }}
	r.forceChange = &widget.Check{Text: "Force change at next sign-in", Checked: true}
	r.emailPassword = &widget.Check{Text: "Email the new password to the user", Checked: true, OnChanged: func(bool) { r.showSkip() }}
	r.options = newOptionChecks(u.Locked(c.now()))
	r.verify = newVerifyEntry(r.onConfirm, func() {
		if !r.running {
			r.onClose()
		}
	})
	r.status = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	r.confirm = &widget.Button{Text: "Yes, Confirm", Importance: widget.HighImportance, OnTapped: r.onConfirm}
	r.cancel = &widget.Button{Text: "Cancel", OnTapped: r.onClose}

	r.setBox = container.NewVBox(
		widget.NewLabel("New password"),
		container.NewBorder(nil, nil, nil, r.regenerate, r.password),
		r.strength, r.plain, r.forceChange, r.emailPassword,
	)
	consoleNote := &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	if u.IsConsoleUser() && u.DBRole != "" {
		// The directory password is what mail and other systems check; the
		// console signs in with a database role, which a reset leaves alone.
		consoleNote.SetText(fmt.Sprintf("This resets %s's directory password. Their ResetDesk sign-in (database role %s) does not change: "+
			"to end it, the DBA runs ALTER ROLE %s NOLOGIN or sets a new password.", u.DisplayName, u.DBRole, u.DBRole))
	} else {
		consoleNote.Hide()
	}
	r.form = container.NewVBox(
		r.skipNote,
		consoleNote,
		&widget.Label{Text: u.DisplayName + " (" + u.Login() + ")", TextStyle: fyne.TextStyle{Bold: true}},
		r.mode, r.modeNote, r.setBox,
		r.options.view,
		widget.NewSeparator(),
		widget.NewLabel("Enter your password for verification"),
		r.verify, r.status,
	)

	r.outcome = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	r.delivery = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.expiry = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.secret = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true}
	r.copy = &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: r.onCopy}
	r.secretBox = container.NewVBox(widget.NewLabel("Hand this password to the user:"), container.NewBorder(nil, nil, nil, r.copy, r.secret))
	r.close = &widget.Button{Text: "Close", Importance: widget.HighImportance, OnTapped: r.onClose}
	r.outcomeBox = container.NewVBox(r.outcome, r.delivery, r.expiry, r.secretBox)
	r.outcomeBox.Hide()

	if err := app.CheckMayReset(c.actor, c.org, app.ResetOptions{Mode: app.ModeSetPassword}); err != nil {
		r.mode.Disable()
		r.modeNote.SetText("Set password is not available: " + app.ErrorMessage(err))
	} else {
		r.modeNote.Hide()
	}
	if r.mayNot = app.CheckMayReset(c.actor, c.org, app.ResetOptions{Mode: app.ModeOneTime}); r.mayNot != nil {
		r.status.SetText(app.ErrorMessage(r.mayNot))
	}
	r.mode.OnChanged = r.onMode
	r.onMode(r.mode.Selected)

	r.scroll = container.NewVScroll(container.NewStack(r.form, r.outcomeBox))
	r.close.Hide()
	buttons := container.NewHBox(r.cancel, r.confirm, r.close)
	r.buttons = buttons
	r.dlg = dialog.NewCustomWithoutButtons("Reset Password", container.NewBorder(nil, buttons, nil, nil, r.scroll), c.win)
	r.fit()
	r.dlg.Show()
	// Typing goes to the dialog, not to the search behind it: the admin's
	// password is what is left to type, and Return confirms.
	c.win.Canvas().Focus(r.verify)
	c.lastReset = r
	return r
}

// opts are the options the dialog shows now.
func (r *resetDialog) opts() app.ResetOptions {
	o := app.ResetOptions{Mode: app.ModeOneTime}
	r.options.fill(&o)
	if r.mode.Selected == modeSetLabel {
		o.Mode = app.ModeSetPassword
		o.ForceChange = r.forceChange.Checked
		o.EmailPassword = r.emailPassword.Checked
		o.Password = r.password.Text
	}
	return o
}

func (r *resetDialog) onMode(string) {
	if r.mode.Selected == modeSetLabel {
		if r.password.Text == "" {
			r.onRegenerate()
		}
		r.setBox.Show()
	} else {
		r.setBox.Hide()
	}
	r.showSkip()
	r.relayout()
}

// relayout lays the dialog out again after sections were shown or hidden.
func (r *resetDialog) relayout() {
	if r.scroll != nil {
		r.scroll.Content.Refresh()
		r.scroll.Refresh()
		r.fit()
	}
}

// showSkip says first why the user would be skipped, if they would.
func (r *resetDialog) showSkip() {
	r.skipping = app.SkipReasonFor(r.c.actor, r.c.org, r.user, r.opts())
	if r.skipping == "" {
		r.skipNote.Hide()
	} else {
		r.skipNote.SetText(r.skipping.Sentence())
		r.skipNote.Show()
	}
	r.updateConfirm()
	r.relayout()
}

// updateConfirm offers "Yes, Confirm" only when it can do something: the
// role may reset, the user would not just be skipped, and no reset of
// this dialog is running (a second one would void the first's password).
func (r *resetDialog) updateConfirm() {
	if r.mayNot == nil && r.skipping == "" && !r.running {
		r.confirm.Enable()
	} else {
		r.confirm.Disable()
	}
}

// onRegenerate fills in a new generated password.
func (r *resetDialog) onRegenerate() {
	generate := app.GeneratePassword
	if r.plain.Checked {
		generate = app.GeneratePlainPassword
	}
	pw, err := generate(r.c.org.MinPasswordLength)
	if err != nil {
		r.strength.SetText(app.ErrorMessage(err))
		return
	}
	r.password.SetText(pw)
}

// plainLabel offers a generated password without symbols.
const plainLabel = "Letters and digits only (easier to read out, or to type on a phone)"

// onPasswordChanged shows whether the password passes the policy; an
// earlier refusal was about the password before.
func (r *resetDialog) onPasswordChanged(pw string) {
	showStrength(r.strength, pw, r.c.org.MinPasswordLength, r.user)
	r.status.SetText("")
}

// showStrength puts "Strong: N characters" or why pw is refused in l, and
// reports whether it passes.
func showStrength(l *widget.Label, pw string, minLen int, u app.User) bool {
	if err := app.CheckPassword(pw, minLen, u.PrimaryEmail, u.DisplayName); err != nil {
		l.Importance = widget.WarningImportance
		l.SetText(app.ErrorMessage(err))
		return false
	}
	l.Importance = widget.SuccessImportance
	l.SetText(fmt.Sprintf("Strong: %d characters", utf8.RuneCountInString(pw)))
	return true
}

// refuseWeak marks the strength line as the reason nothing happened.
func refuseWeak(l *widget.Label) {
	l.Importance = widget.DangerImportance
	l.Refresh()
}

// onConfirm verifies the admin's password, then resets, both off the Fyne
// goroutine; the button stays disabled while they run.
func (r *resetDialog) onConfirm() {
	if r.confirm.Disabled() {
		return
	}
	opts := r.opts()
	if opts.Mode == app.ModeSetPassword && !showStrength(r.strength, opts.Password, r.c.org.MinPasswordLength, r.user) {
		refuseWeak(r.strength)
		return
	}
	if r.verify.Text == "" {
		r.status.SetText("Enter your password for verification.")
		return
	}
	r.running = true
	r.updateConfirm()
	r.cancel.Disable()
	r.status.Importance = widget.MediumImportance
	r.status.SetText("Checking your password…")
	adminPassword := r.verify.Text
	req := app.ResetRequest{Actor: r.c.actor, Org: r.c.org, Users: []app.User{r.user}, Options: opts}
	r.c.spawn(func() {
		results, err := verifyAndReset(r.c.ctx, r.c.sess, adminPassword, req)
		fyne.Do(func() { r.apply(results, err) })
	})
}

// verifyAndReset is the slow part of a confirm: sign in again, then reset.
// Both shells use it, off the Fyne goroutine.
func verifyAndReset(ctx context.Context, s Session, adminPassword string, req app.ResetRequest) ([]app.ResetResult, error) {
	if err := s.Directory.VerifyPassword(ctx, adminPassword); err != nil {
		return nil, err
	}
	return s.Resetter.Reset(ctx, req)
}

// apply shows the outcome, or the error with the form still there.
func (r *resetDialog) apply(results []app.ResetResult, err error) {
	r.status.Importance = widget.DangerImportance
	r.running = false
	if len(results) == 0 {
		r.status.SetText(app.ErrorMessage(err))
		r.updateConfirm()
		r.cancel.Enable()
		return
	}
	r.verify.SetText("")
	r.status.SetText("")
	r.result = results[0]
	res := r.result
	r.form.Hide()
	r.outcomeBox.Show()
	r.cancel.Hide()
	r.confirm.Hide()
	r.close.Show()
	outcome, delivery, expiry := outcomeTexts(res, err)
	r.outcome.SetText(outcome)
	r.delivery.SetText(delivery)
	r.expiry.SetText(expiry)
	if expiry == "" {
		r.expiry.Hide()
	}
	if res.Password != "" {
		r.secret.SetText(res.Password)
		r.secretBox.Show()
	} else {
		r.secretBox.Hide()
	}
	r.relayout()
	r.c.reloadAfterReset()
}

// deliverySentence says what became of the message of a reset.
func deliverySentence(d app.Delivery) string {
	if d.ID == 0 {
		return "No email was sent."
	}
	return kindLabel(d.Kind) + " to " + d.To + ": " + deliveryState(d) + "."
}

// onCopy puts the password on the clipboard, and takes it off again after
// clipboardLifetime unless something else was copied since.
func (r *resetDialog) onCopy() {
	copySecret(r.c.d.app, r.result.Password)
	r.copy.SetText("Copied")
}

// copySecret copies pw and clears the clipboard after clipboardLifetime if
// it still holds pw.
func copySecret(a fyne.App, pw string) {
	clip := a.Clipboard()
	clip.SetContent(pw)
	time.AfterFunc(clipboardLifetime, func() {
		fyne.Do(func() {
			if clip.Content() == pw {
				clip.SetContent("")
			}
		})
	})
}

func (r *resetDialog) onClose() {
	r.secret.SetText("")
	r.result.Password = ""
	r.dlg.Hide()
}

// verifyEntry is the admin's password field of a dialog: Return confirms,
// and Escape closes the dialog, since Fyne's dialogs take no keys of their
// own and this field has the focus.
type verifyEntry struct {
	widget.Entry
	onEscape func()
}

func newVerifyEntry(onSubmit, onEscape func()) *verifyEntry {
	e := &verifyEntry{onEscape: onEscape}
	e.Password = true
	e.PlaceHolder = "Your password"
	e.OnSubmitted = func(string) { onSubmit() }
	e.ExtendBaseWidget(e)
	return e
}

func (e *verifyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// outcomeTexts says what happened to one user, the way both shells show it:
// the outcome, the delivery (with recordErr, when recording the mail's fate
// failed: the reset stands) and when the secret stops working ("" when
// there is no such time).
func outcomeTexts(res app.ResetResult, recordErr error) (outcome, delivery, expiry string) {
	outcome = "Skipped: " + res.Reason.Sentence()
	if res.Outcome == app.OutcomeReset {
		outcome = "The password of " + res.User.DisplayName + " was reset."
	}
	delivery = deliverySentence(res.Delivery)
	if recordErr != nil {
		delivery += " " + app.ErrorMessage(recordErr)
	}
	switch {
	case res.Outcome != app.OutcomeReset || res.ExpiresAt.IsZero():
	case res.Delivery.Kind == app.KindOneTimePassword:
		expiry = "The one-time password works until " + formatTime(res.ExpiresAt, "") + "."
	default:
		expiry = "The new password expires " + formatTime(res.ExpiresAt, "") + " if it is not used."
	}
	return outcome, delivery, expiry
}

// fit sizes the dialog to what it shows now, up to most of the window; the
// rest scrolls.
func (r *resetDialog) fit() {
	if r.dlg == nil {
		return
	}
	ts, pad := theme.TextSize(), theme.Padding()
	content := r.form.MinSize()
	if r.outcomeBox.Visible() {
		content = r.outcomeBox.MinSize()
	}
	h := content.Height + r.buttons.MinSize().Height + 8*pad + 5*ts // title and dialog padding
	if max := r.c.win.Canvas().Size().Height * 0.9; max > 0 && h > max {
		h = max
	}
	r.dlg.Resize(fyne.NewSize(36*ts, h))
}
