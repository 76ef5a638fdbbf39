package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// phoneWords are the phone's words around the reset form's options, Zoho
// One's mobile ones; the options' own labels are the desktop's.
var phoneWords = resetWords{
	setMode:  modeSetLabel,
	sessions: "Active login sessions",
	prompt:   "Type the password you signed in with, to confirm it is you.",
	confirm:  "Confirm",
}

// mobileResetPage is the phone's frame for the reset form, Zoho's mobile
// Reset Password page: the form on a scrolling page with Reset Password
// under it, and the admin's password in a pop-up.
type mobileResetPage struct {
	*resetForm
	m    *Mobile
	user app.User
	page *mobilePage

	reset         *widget.Button
	confirmDialog *dialog.CustomDialog // the pop-up, once opened
	// Without the office mail relay and without a mail server on this
	// phone, why a reset that mails cannot go, and the way to Mail.
	mailMissing *widget.Label
	openMail    *widget.Button
	mailBox     *fyne.Container
}

func newMobileResetPage(m *Mobile, u app.User) *mobileResetPage {
	r := &mobileResetPage{m: m, user: u}
	r.reset = &widget.Button{Text: "Reset Password", Importance: widget.HighImportance, OnTapped: r.onReset}
	r.mailMissing = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	r.openMail = &widget.Button{Text: "Open Mail settings", Icon: theme.MailComposeIcon(), OnTapped: r.onOpenMail}
	r.mailBox = container.NewVBox(r.mailMissing, finger(r.openMail))
	r.mailBox.Hide()
	r.resetForm = newResetForm(m.signedIn, m.win, resetFormSpec{
		words: phoneWords, users: []app.User{u}, start: mobileDefaultOptions(m, u), touch: true, generate: m.opts.generate,
		onCancel: r.onCancel, onResult: r.apply, onReady: r.onReady, handOver: true,
	})
	who := &widget.Label{Text: u.DisplayName + " (" + u.Login() + ")", TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	body := container.NewVBox(who, r.fields)
	content := container.NewBorder(nil, container.NewPadded(container.NewVBox(r.mailBox, finger(r.reset))), nil, nil,
		newPageScroll(container.NewPadded(body)))
	r.page = &mobilePage{title: "Reset Password", content: content, onLeave: r.forget}
	r.refresh() // now that the page is whole: whether its mail can go
	return r
}

// onReady holds Reset Password back while the form says why it can't, or
// while what it would mail has no way out of this phone.
func (r *mobileResetPage) onReady(ready bool) {
	if r.resetForm != nil { // nil while the form is being made: it asks again once made
		why := phoneMailMissing(r.m, r.opts())
		r.mailMissing.SetText(why)
		if why != "" {
			r.mailBox.Show()
			ready = false
		} else {
			r.mailBox.Hide()
		}
	}
	if ready {
		r.reset.Enable()
	} else {
		r.reset.Disable()
	}
}

// onReset checks the form, then asks for the admin's password.
func (r *mobileResetPage) onReset() {
	if r.reset.Disabled() || !r.ready() {
		return
	}
	if r.confirmDialog == nil {
		r.confirmDialog = dialog.NewCustomWithoutButtons("Enter your password for verification", r.check, r.m.win)
		r.confirmDialog.SetButtons([]fyne.CanvasObject{finger(r.cancel), finger(r.confirm)})
	}
	r.confirmDialog.Resize(fyne.NewSize(popUpWidth(r.m.win), 0))
	r.confirmDialog.Show()
	r.focus()
}

// onOpenMail opens the Mail page; back here, the form looks again.
func (r *mobileResetPage) onOpenMail() {
	r.m.openMail(r.refresh)
}

func (r *mobileResetPage) onCancel() {
	if r.confirmDialog != nil {
		r.confirmDialog.Hide()
	}
}

// apply shows the outcome page in place of this one.
func (r *mobileResetPage) apply(d resetDone) {
	r.confirmDialog.Hide()
	if r.m.nav == nil || r.m.nav.top() != r.page {
		return // signed out or gone back meanwhile; the reset stands
	}
	if res := d.results[0]; d.handOver && res.Outcome == app.OutcomeReset && res.Password != "" {
		r.showHandOver(res.Password)
		return
	}
	res := d.results[0]
	if res.Outcome == app.OutcomeReset && res.Password == "" && d.opts.Mode == app.ModeSetPassword && d.opts.Password != "" {
		// Emailed as well: Zoho's mobile flow still offers SHARE, for a
		// user who cannot open that mailbox (often the very account reset).
		// The password was on this page already.
		res.Password = d.opts.Password
	}
	o := newMobileOutcomePage(r.m, d.opts, res, d.err)
	r.m.lastOutcome = o
	r.m.nav.replace(o.page)
	r.m.users.reload()
}

// showHandOver hands the phone to the user: their form in place of this
// page, bound to them, with the temporary password only it knows.
func (r *mobileResetPage) showHandOver(temp string) {
	var page *mobilePage
	f := newHandOverForm(r.m.signedIn, r.m.win, r.user, temp, func() {
		if r.m.nav != nil && r.m.nav.top() == page {
			r.m.nav.popTo(r.m.users.page)
		}
	})
	f.forPhone()
	page = &mobilePage{title: "Your new password", content: newPageScroll(container.NewPadded(f.box)),
		onLeave: func() { f.handOver.temp = ""; f.password.SetText(""); f.again.SetText("") }}
	r.m.lastHandOver = f
	r.m.nav.replace(page)
	f.focus()
	r.m.users.reload()
}
