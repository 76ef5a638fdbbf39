package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// The mobile Reset Password page's labels, in Zoho One's mobile words.
const (
	mobileForceLabel  = "Force users to change the password on login"
	mobileWebLabel    = "Web sessions will be cleared automatically"
	mobileMobileLabel = "Clear mobile sessions and API token"
	mobileEmailLabel  = "Email the new password to the user"
	mobileVerifyTitle = "Enter your password for verification"
)

// mobileResetPage is Zoho's mobile Reset Password page: the new password,
// prefilled by the generator, with generate and reveal; force change; the
// session options; email; then Reset Password and the admin's password in
// a pop-up.
type mobileResetPage struct {
	m    *Mobile
	user app.User
	mode app.Mode // set password, or one-time when the actor may not set
	page *mobilePage

	modeNote      *widget.Label
	setBox        *fyne.Container
	password      *widget.Entry
	generate      *widget.Button
	reveal        *widget.Check
	plain         *widget.Check // generate letters and digits only: easier on a phone's keyboard
	strength      *widget.Label
	forceChange   *widget.Check
	options       *optionChecks
	emailPassword *widget.Check
	skipNote      *widget.Label
	reset         *widget.Button

	confirmDialog *dialog.CustomDialog
	verify        *widget.Entry
	verifyStatus  *widget.Label
	confirm       *widget.Button
	cancel        *widget.Button
}

func newMobileResetPage(m *Mobile, u app.User) *mobileResetPage {
	defaults := mobileDefaultOptions(m, u)
	r := &mobileResetPage{m: m, user: u, mode: defaults.Mode}
	r.modeNote = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	// Generate sits in the field, as in Zoho's app; it takes the place of
	// Fyne's small eye, and "Show password" below reveals with a finger's
	// room.
	r.generate = &widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: r.onGenerate}
	r.password = &widget.Entry{Password: true, OnChanged: r.onPasswordChanged, ActionItem: r.generate}
	r.reveal = &widget.Check{Text: "Show password", OnChanged: r.onReveal}
	r.plain = &widget.Check{Text: "Letters and digits only", OnChanged: func(bool) { r.onGenerate() }}
	r.strength = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.forceChange = &widget.Check{Text: mobileForceLabel, Checked: defaults.ForceChange}
	r.options = newOptionChecks(defaults.Unlock)
	r.options.webSessions.Text = mobileWebLabel
	r.options.clearMobile.Text = mobileMobileLabel
	r.options.clearMobile.Checked = defaults.ClearMobileSessions
	r.emailPassword = &widget.Check{Text: mobileEmailLabel, Checked: defaults.EmailPassword, OnChanged: func(bool) { r.showSkip() }}
	r.skipNote = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	r.reset = &widget.Button{Text: "Reset Password", Importance: widget.HighImportance, OnTapped: r.onReset}

	r.setBox = container.NewVBox(
		&widget.Label{Text: "New Password", TextStyle: fyne.TextStyle{Bold: true}},
		r.password,
		r.reveal, r.plain, r.strength, r.forceChange,
	)
	sessions := container.NewVBox(
		&widget.Label{Text: "Active login sessions", TextStyle: fyne.TextStyle{Bold: true}},
		r.options.webSessions, r.options.clearMobile, r.options.unlock,
	)
	// Checks keep their own height: Fyne takes a check's taps only over its
	// box and label, so a taller row would not be a bigger target.
	emailBox := r.emailPassword
	who := &widget.Label{Text: u.DisplayName + " (" + u.Login() + ")", TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	body := container.NewVBox(who, r.modeNote, r.setBox, sessions, emailBox, r.skipNote)
	content := container.NewBorder(nil, container.NewPadded(finger(r.reset)), nil, nil, container.NewVScroll(container.NewPadded(body)))
	r.page = &mobilePage{title: "Reset Password", content: content, onLeave: r.onLeave}

	if r.mode == app.ModeSetPassword {
		r.modeNote.Hide()
		r.onGenerate()
	} else {
		err := app.CheckMayReset(m.actor, m.org, app.ResetOptions{Mode: app.ModeSetPassword})
		r.modeNote.SetText(app.ErrorMessage(err) + " Reset Password emails the user a one-time password.")
		r.setBox.Hide()
		emailBox.Hide()
	}
	r.showSkip()
	return r
}

// opts are the options the page shows now.
func (r *mobileResetPage) opts() app.ResetOptions {
	o := app.ResetOptions{Mode: r.mode}
	r.options.fill(&o)
	if r.mode == app.ModeSetPassword {
		o.ForceChange = r.forceChange.Checked
		o.EmailPassword = r.emailPassword.Checked
		o.Password = r.password.Text
	}
	return o
}

// showSkip says why the user would be skipped with the options now, and
// holds the Reset Password button back while they would.
func (r *mobileResetPage) showSkip() {
	if why := mobileResetRefusal(r.m, r.user, r.opts()); why != "" {
		r.skipNote.SetText(why)
		r.skipNote.Show()
		r.reset.Disable()
		return
	}
	r.skipNote.Hide()
	r.reset.Enable()
}

// onGenerate fills in a new generated password.
func (r *mobileResetPage) onGenerate() {
	generate := r.m.opts.generate
	if r.plain.Checked {
		generate = app.GeneratePlainPassword
	}
	pw, err := generate(r.m.org.MinPasswordLength)
	if err != nil {
		r.strength.SetText(app.ErrorMessage(err))
		return
	}
	r.password.SetText(pw)
}

// onReveal shows or hides the password's characters.
func (r *mobileResetPage) onReveal(show bool) {
	r.password.Password = !show
	r.password.Refresh()
}

func (r *mobileResetPage) onPasswordChanged(pw string) {
	showStrength(r.strength, pw, r.m.org.MinPasswordLength, r.user)
}

// onReset checks the form, then asks for the admin's password.
func (r *mobileResetPage) onReset() {
	if r.reset.Disabled() {
		return
	}
	opts := r.opts()
	if opts.Mode == app.ModeSetPassword && !showStrength(r.strength, opts.Password, r.m.org.MinPasswordLength, r.user) {
		refuseWeak(r.strength)
		return
	}
	r.verify = &widget.Entry{Password: true, PlaceHolder: "Your password", OnSubmitted: func(string) { r.onConfirm() }}
	r.verifyStatus = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	r.verifyStatus.Hide()
	r.confirm = &widget.Button{Text: "Confirm", Importance: widget.HighImportance, OnTapped: r.onConfirm}
	r.cancel = &widget.Button{Text: "Cancel", OnTapped: func() { r.confirmDialog.Hide() }}
	note := &widget.Label{Text: "Type the password you signed in with, to confirm it is you.", Wrapping: fyne.TextWrapWord}
	r.confirmDialog = dialog.NewCustomWithoutButtons(mobileVerifyTitle, container.NewVBox(note, finger(r.verify), r.verifyStatus), r.m.win)
	r.confirmDialog.SetButtons([]fyne.CanvasObject{finger(r.cancel), finger(r.confirm)})
	r.confirmDialog.Resize(fyne.NewSize(r.m.win.Canvas().Size().Width-4*theme.Padding(), 0))
	r.confirmDialog.Show()
	r.m.win.Canvas().Focus(r.verify)
}

// onConfirm verifies the admin's password, then resets, both off the Fyne
// goroutine; the buttons stay disabled while they run.
func (r *mobileResetPage) onConfirm() {
	if r.confirm.Disabled() {
		return
	}
	if r.verify.Text == "" {
		r.showVerifyStatus("Enter your password for verification.", widget.DangerImportance)
		return
	}
	r.confirm.Disable()
	r.cancel.Disable()
	r.showVerifyStatus("Checking your password…", widget.MediumImportance)
	adminPassword := r.verify.Text
	opts := r.opts()
	req := app.ResetRequest{Actor: r.m.actor, Org: r.m.org, Users: []app.User{r.user}, Options: opts}
	ctx, sess := r.m.ctx, r.m.sess
	r.m.opts.spawn(func() {
		results, err := verifyAndReset(ctx, sess, adminPassword, req)
		fyne.Do(func() { r.apply(opts, results, err) })
	})
}

func (r *mobileResetPage) showVerifyStatus(text string, imp widget.Importance) {
	r.verifyStatus.Importance = imp
	r.verifyStatus.SetText(text)
	r.verifyStatus.Show()
}

// apply shows the outcome page in place of this one, or the error in the
// pop-up with the password there to correct.
func (r *mobileResetPage) apply(opts app.ResetOptions, results []app.ResetResult, err error) {
	if len(results) == 0 {
		r.showVerifyStatus(app.ErrorMessage(err), widget.DangerImportance)
		r.confirm.Enable()
		r.cancel.Enable()
		return
	}
	r.verify.SetText("")
	r.confirmDialog.Hide()
	if r.m.nav == nil || r.m.nav.top() != r.page {
		return // signed out or gone back meanwhile; the reset stands
	}
	o := newMobileOutcomePage(r.m, opts, results[0], err)
	r.m.lastOutcome = o
	r.m.nav.replace(o.page)
	r.m.users.reload()
}

// onLeave forgets the typed password when the page goes away.
func (r *mobileResetPage) onLeave() {
	r.password.SetText("")
	if r.verify != nil {
		r.verify.SetText("")
	}
}
