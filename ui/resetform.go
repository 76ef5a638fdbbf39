package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// The labels of the two modes.
const (
	modeOneTimeLabel = "One-time password by email"
	modeSetLabel     = "Set password"
)

// The hand-over choice and what it means.
const (
	handOverLabel = "Let the user type it"
	handOverNote  = "After you confirm, this screen becomes the user's: they type a new password of their own, twice, " +
		"and you never see it. Closing it before they finish leaves the account as the reset left it: " +
		"the old password no longer works and nobody knows the new one."
)

// The options' labels, the same in every frame: one window switches live
// between the desktop's and the phone's layout, so one admin reads both.
// Zoho's words where they say what happens: its web help's "API tokens"
// (a user may have several), its mobile app's "automatically" for the box
// that can't be unticked, and its mobile app's force label, which names
// what changes.
const (
	optPlainLabel  = "Letters and digits only (easier to read out, or to type on a phone)"
	optForceLabel  = "Force users to change the password on login"
	optEmailLabel  = "Email the new password to the user"
	optWebLabel    = "Web sessions will be cleared automatically"
	optMobileLabel = "Clear mobile sessions and API tokens"
	optUnlockLabel = "Unlock the account"
)

// resetWords are a frame's words around the form's options: the
// desktop's, or Zoho One's mobile ones on the phone.
type resetWords struct {
	setMode  string // the set-password choice of the mode
	sessions string // a heading over the session options, "" for none
	prompt   string // over the admin's password
	confirm  string // the button that verifies and resets
}

// desktopWords are the one-user dialog's words; the bulk dialog changes two.
var desktopWords = resetWords{
	setMode: modeSetLabel,
	prompt:  "Enter your password for verification",
	confirm: "Yes, Confirm",
}

// resetFormSpec is what a frame decides about the form inside it.
type resetFormSpec struct {
	words resetWords
	users []app.User
	// bulk: many users, each gets a generated password of their own, so
	// there is no password to type or see, and the run shows its progress.
	bulk bool
	// chooseMode offers both modes; without it the mode is start.Mode (a
	// one-time password when the actor may not set one).
	chooseMode bool
	// start are the options shown first; start.Unlock also offers "Unlock
	// the account" at all.
	start    app.ResetOptions
	touch    bool // finger-tall fields, for a phone
	generate func(minLen int) (string, error)
	// handOver offers "Let the user type it" in set-password mode: after
	// Confirm, the user types their own password on this device.
	handOver bool

	onCancel func()           // Cancel, or Escape from the admin's password, while no reset runs
	onResult func(resetDone)  // a reset ran: show its outcome
	onChange func()           // sections were shown or hidden: lay the frame out again
	onReady  func(ready bool) // whether a reset with the options now may go ahead
}

// resetDone is what a confirmed reset did: the options it ran with, a
// result per user, and an error beside them (recording the mail's fate
// failed: the reset stands).
type resetDone struct {
	opts    app.ResetOptions
	results []app.ResetResult
	err     error
	// handOver: the user types their own password next; results[0].Password
	// is the unseen temporary one it replaces, never to be shown.
	handOver bool
}

// resetForm is the one reset form, the same in the one-user dialog, the
// bulk dialog and the phone's Reset Password page; those frames only place
// its two parts. fields holds the mode, the generator (regenerate, reveal,
// letters and digits only, the strength line) and the options; check
// holds the admin's password and the status line, under the fields in a
// dialog and in a pop-up on the phone. confirm and cancel go where the
// frame puts its buttons.
type resetForm struct {
	s     *signedIn
	win   fyne.Window
	spec  resetFormSpec
	users []app.User // whom Confirm resets

	running bool // a reset of this form is under way

	skipNote      *widget.Label // why the reset could not go ahead now
	mode          *radioChoice
	modeNote      *widget.Label
	setBox        *fyne.Container
	generator     *fyne.Container
	password      *keyEntry
	regenerate    *keyButton
	reveal        *wrapCheck
	plain         *wrapCheck
	generated     string // the password onRegenerate made last: typed ones are kept
	locked        bool   // the database locked this admin's resets after wrong passwords
	strength      *widget.Label
	forceChange   *wrapCheck
	emailPassword *wrapCheck
	handOver      *wrapCheck // "Let the user type it"
	handOverNote  *widget.Label
	options       *optionChecks
	why           *fyne.Container // how the user was verified, and why: when the org requires it
	verifiedBy    *touchSelect
	reason        *keyEntry
	verify        *verifyEntry
	verifyEye     *keyButton // on a phone: shows or hides the admin's password
	status        *widget.Label
	progress      *widget.ProgressBar
	confirm       *keyButton
	cancel        *keyButton

	fields *fyne.Container
	check  *fyne.Container
}

// optionChecks are the options of every reset (DESIGN.md section 4): web
// sessions always end; mobile sessions and API tokens, and the lock, on
// request.
type optionChecks struct {
	webSessions *wrapCheck
	clearMobile *wrapCheck
	unlock      *wrapCheck
}

func newResetForm(s *signedIn, win fyne.Window, spec resetFormSpec) *resetForm {
	f := &resetForm{s: s, win: win, spec: spec, users: spec.users}
	w, start := spec.words, spec.start
	f.skipNote = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	f.mode = newRadioChoice([]string{modeOneTimeLabel, w.setMode}, modeOneTimeLabel, f.newCheck)
	f.modeNote = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}

	// Regenerate sits in the field, as in Zoho's app, in place of Fyne's
	// small eye; "Show password" reveals with a finger's room.
	f.regenerate = keyed(&widget.Button{Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance, OnTapped: f.onRegenerate})
	var action fyne.CanvasObject = f.regenerate
	if spec.touch {
		action = fingerSquare(f.regenerate) // the field's height, and as wide
	}
	f.password = keyedEntry(&widget.Entry{Password: true, OnChanged: f.onPasswordChanged, ActionItem: action})
	f.reveal = f.newCheck("Show password", false, f.onReveal)
	f.plain = f.newCheck(optPlainLabel, false, func(bool) { f.onPlain() })
	f.strength = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.forceChange = f.newCheck(optForceLabel, start.ForceChange, nil)
	f.emailPassword = f.newCheck(optEmailLabel, start.EmailPassword, func(bool) { f.refresh() })
	if len(spec.users) == 1 && !spec.bulk && !hasEmail(spec.users[0]) {
		// Nothing to email it to: the box can only refuse the reset.
		f.emailPassword.Checked = false
		f.emailPassword.Disable()
	}
	f.options = &optionChecks{
		webSessions: f.newCheck(optWebLabel, true, nil),
		clearMobile: f.newCheck(optMobileLabel, start.ClearMobileSessions, nil),
		unlock:      f.newCheck(optUnlockLabel, true, nil),
	}
	f.options.webSessions.Disable()
	if !start.Unlock {
		f.options.unlock.Hide()
	}

	f.verify = newVerifyEntry(f.onConfirm, f.onEscape)
	if spec.touch {
		// Fyne's eye in a password field is 36 pt wide: a thumb's one.
		f.verifyEye = keyed(&widget.Button{Icon: theme.VisibilityOffIcon(), Importance: widget.LowImportance, OnTapped: f.onVerifyEye})
		f.verify.ActionItem = fingerSquare(f.verifyEye)
	}
	f.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.status.Hide()
	f.progress = &widget.ProgressBar{}
	f.progress.Hide()
	f.confirm = dialogConfirm(w.confirm, f.onConfirm)
	f.cancel = dialogCancel("Cancel", func() {
		if spec.onCancel != nil {
			spec.onCancel()
		}
	})

	f.generator = container.NewVBox(
		&widget.Label{Text: "New password", TextStyle: fyne.TextStyle{Bold: true}},
		f.touchSized(f.password), f.strength, f.reveal, f.plain,
	)
	if spec.bulk {
		f.generator.Hide()
	}
	f.handOver = f.newCheck(handOverLabel, false, func(bool) { f.onMode("") })
	f.handOverNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance, Text: handOverNote}
	f.setBox = container.NewVBox(f.handOver, f.handOverNote, f.generator, f.forceChange, f.emailPassword)
	if !spec.handOver || spec.bulk {
		f.handOver.Hide()
	}
	f.verifiedBy = newTouchSelect(verificationLabels(), "", nil, s.opts.touch || spec.touch)
	f.verifiedBy.PlaceHolder = "How did you verify the user?"
	f.reason = keyedEntry(&widget.Entry{PlaceHolder: "Reason, or the ticket number"})
	f.why = container.NewVBox(&widget.Label{Text: "How you verified the user, and why", TextStyle: fyne.TextStyle{Bold: true}},
		f.touchSized(f.verifiedBy), f.touchSized(f.reason))
	if !s.org.RequireResetReason {
		// The owner has not asked for it: the form stays as short as before.
		f.why.Hide()
	}
	options := container.NewVBox(f.options.webSessions, f.options.clearMobile)
	if w.sessions != "" {
		options.Objects = append([]fyne.CanvasObject{&widget.Label{Text: w.sessions, TextStyle: fyne.TextStyle{Bold: true}}}, options.Objects...)
	}
	// The lock is no session: its box stays out from under that heading.
	f.fields = container.NewVBox(f.skipNote, f.mode, f.modeNote, f.setBox, options, f.options.unlock, f.why)
	f.check = container.NewVBox(&widget.Label{Text: w.prompt, Wrapping: fyne.TextWrapWord}, f.touchSized(f.verify), f.status, f.progress)

	if !spec.chooseMode {
		f.mode.Hide()
	}
	if start.Mode == app.ModeSetPassword {
		f.mode.SetSelected(w.setMode)
	}
	if err := app.CheckMayReset(s.actor, s.org, app.ResetOptions{Mode: app.ModeSetPassword}); err != nil {
		f.mode.SetSelected(modeOneTimeLabel)
		f.mode.Disable()
		f.modeNote.SetText(setUnavailableNote(err, spec.chooseMode))
	} else {
		f.modeNote.Hide()
	}
	f.mode.OnChanged = f.onMode
	f.onMode(f.mode.Selected)
	return f
}

// setUnavailableNote says why set password is not offered. Where the
// frame has no choice of mode, Reset Password itself sends the one-time
// password, so the note says that in place of the refusal's advice to send
// one, instead of after it.
func setUnavailableNote(err error, chooseMode bool) string {
	msg := app.ErrorMessage(err)
	if !chooseMode {
		var refused *app.SetPasswordRefused
		if errors.As(err, &refused) {
			msg = refused.Sentence("Reset Password emails the user a one-time password instead")
		} else {
			msg += " Reset Password emails the user a one-time password."
		}
	}
	return "Set password is not available: " + app.AfterColon(msg)
}

// newCheck is one of the form's checkboxes: its label wraps, and in a
// touch frame the whole finger-tall row takes the tap.
func (f *resetForm) newCheck(text string, checked bool, changed func(bool)) *wrapCheck {
	c := newWrapCheck(text, checked, changed)
	c.onEscape = f.onEscape
	if f.spec.touch {
		c.minHeight = fingerSize()
	}
	return c
}

// onEscape closes the form, unless a reset is running. Escape reaches it
// from the admin's password field and the checkboxes and options,
// whichever has the keyboard, and from the rest of a dialog's widgets
// through the dialog (showDialogEscaping).
func (f *resetForm) onEscape() {
	if !f.running && f.spec.onCancel != nil {
		f.spec.onCancel()
	}
}

// touchSized makes o finger-tall in a touch frame.
func (f *resetForm) touchSized(o fyne.CanvasObject) fyne.CanvasObject {
	if f.spec.touch {
		return finger(o)
	}
	return o
}

// modeNow is the mode chosen now.
func (f *resetForm) modeNow() app.Mode {
	if f.mode.Selected == modeOneTimeLabel {
		return app.ModeOneTime
	}
	return app.ModeSetPassword
}

// opts are the options the form shows now.
func (f *resetForm) opts() app.ResetOptions {
	o := app.ResetOptions{Mode: f.modeNow(), ClearMobileSessions: f.options.clearMobile.Checked,
		Unlock: f.spec.start.Unlock && f.options.unlock.Checked}
	if f.why.Visible() {
		o.VerifiedBy, o.Reason = verificationMethod(f.verifiedBy.Selected), f.reason.Text
	}
	if o.Mode == app.ModeSetPassword {
		o.ForceChange = f.forceChange.Checked
		o.EmailPassword = f.emailPassword.Checked
		if !f.spec.bulk {
			o.Password = f.password.Text
		}
		if f.handingOver() {
			o = app.HandOverMode(o)
		}
	}
	return o
}

// verificationWords are the form's words for app's verification methods.
var verificationWords = map[app.VerificationMethod]string{
	app.VerifiedInPerson:        "In person",
	app.VerifiedCallBack:        "Call-back to the number on file",
	app.VerifiedManagerApproval: "The user's manager approved",
	app.VerifiedTicket:          "A ticket in the helpdesk system",
}

func verificationLabels() []string {
	out := make([]string, len(app.VerificationMethods))
	for i, m := range app.VerificationMethods {
		out[i] = verificationWords[m]
	}
	return out
}

func verificationMethod(label string) app.VerificationMethod {
	for m, w := range verificationWords {
		if w == label {
			return m
		}
	}
	return ""
}

// handingOver reports whether the user will type their own password after
// Confirm.
func (f *resetForm) handingOver() bool {
	return f.handOver.Visible() && f.handOver.Checked && f.modeNow() == app.ModeSetPassword
}

func (f *resetForm) onMode(string) {
	if f.modeNow() == app.ModeSetPassword {
		if f.password.Text == "" && !f.spec.bulk {
			f.onRegenerate()
		}
		f.setBox.Show()
	} else {
		f.setBox.Hide()
	}
	// Handing over, nobody types, sees or mails a password here: the reset
	// sets one that nobody sees and the user replaces it at once.
	for _, o := range []fyne.CanvasObject{f.generator, f.forceChange, f.emailPassword} {
		if f.handingOver() || (o == f.generator && f.spec.bulk) {
			o.Hide()
		} else {
			o.Show()
		}
	}
	if f.handingOver() {
		f.handOverNote.Show()
	} else {
		f.handOverNote.Hide()
	}
	f.refresh()
}

// refusal says why a reset with the options now cannot go ahead: the role
// may not, or the one user would be skipped. "" when it can. notice is
// true when confirming still does something: for a user whose primary
// address bounces, the notice to their secondary address, as the bulk
// reset sends it.
func (f *resetForm) refusal() (why string, notice bool) {
	opts := f.opts()
	if err := app.CheckMayReset(f.s.actor, f.s.org, opts); err != nil {
		return app.ErrorMessage(err), false
	}
	if f.spec.bulk || len(f.users) != 1 {
		return "", false // the results say who was skipped and why
	}
	u := f.users[0]
	reason := app.SkipReasonFor(f.s.actor, f.s.org, u, opts)
	if (reason == app.SkipMobilePrimary || reason == app.SkipNoEmail) && opts.Mode == app.ModeOneTime {
		// One sentence on what can be done, and by whom.
		who := "the user"
		if u.PrimaryIsMobile {
			who = "the user, who signs in with a mobile number,"
		}
		if app.CheckMayReset(f.s.actor, f.s.org, app.ResetOptions{Mode: app.ModeSetPassword}) == nil {
			return fmt.Sprintf("A one-time password needs an email, and %s has none: choose %s and hand the password over.", who, modeSetLabel), false
		}
		return fmt.Sprintf("A one-time password needs an email, and %s has none. Only the owner, or an admin allowed to set passwords, "+
			"can set one to hand over: ask them, or contact the user directly.", who), false
	}
	if reason == app.SkipPrimaryUndeliverable {
		if u.SecondaryEmail == "" {
			return "Mail to " + u.PrimaryEmail + " bounces and there is no secondary email: nothing can be sent. Contact the user directly.", false
		}
		return "Mail to " + u.PrimaryEmail + " bounces, so no reset will be sent. " + f.spec.words.confirm + " sends a notice to their secondary email, " +
			u.SecondaryEmail + ", asking them to contact the office.", true
	}
	return skipSentence(f.s.actor, u, reason), false
}

// skipSentence says why actor may not reset u, for reason: on their own
// row, that it is them, rather than the rule for everyone.
func skipSentence(actor app.Actor, u app.User, reason app.SkipReason) string {
	if reason != app.SkipProtected || u.ID != actor.User.ID {
		return reason.Sentence()
	}
	if actor.IsOwner() {
		return "This is you, the owner: nobody resets the owner's password here."
	}
	return "This is you: nobody resets their own password here. The owner can reset it."
}

// hasEmail reports whether mail can reach u at all: an email that is
// their login, not a mobile number.
func hasEmail(u app.User) bool { return u.PrimaryEmail != "" && !u.PrimaryIsMobile }

// refresh says first why nothing would happen, if so, and offers Confirm
// only when it can do something: the role may reset, the user would not
// just be skipped, and no reset of this form runs (a second one would void
// the first's password).
func (f *resetForm) refresh() {
	why, notice := f.refusal()
	if why == "" {
		f.skipNote.Hide()
	} else {
		f.skipNote.Importance = widget.DangerImportance
		if notice {
			f.skipNote.Importance = widget.WarningImportance
		}
		f.skipNote.SetText(why)
		f.skipNote.Show()
	}
	ready := (why == "" || notice) && len(f.users) > 0 && !f.locked
	if ready && !f.running {
		f.confirm.Enable()
	} else {
		f.confirm.Disable()
	}
	if f.spec.onReady != nil {
		f.spec.onReady(ready)
	}
	f.changed()
}

func (f *resetForm) changed() {
	if f.spec.onChange != nil {
		f.spec.onChange()
	}
}

// setUsers changes whom the form resets (the bulk dialog's list).
func (f *resetForm) setUsers(users []app.User) {
	f.users = users
	f.refresh()
}

// onRegenerate fills in a new generated password.
func (f *resetForm) onRegenerate() {
	generate := f.spec.generate
	if f.plain.Checked {
		generate = app.GeneratePlainPassword
	}
	pw, err := generate(f.s.org.MinPasswordLength)
	if err != nil {
		f.strength.SetText(app.ErrorMessage(err))
		return
	}
	f.generated = pw
	f.password.SetText(pw)
}

// onPlain shapes the generated password: a password the admin typed is
// theirs, and ticking the box never replaces it (regenerate does).
func (f *resetForm) onPlain() {
	if f.password.Text == "" || f.password.Text == f.generated {
		f.onRegenerate()
	}
}

// onReveal shows or hides the password's characters.
func (f *resetForm) onReveal(show bool) {
	f.password.Password = !show
	f.password.Refresh()
}

// onVerifyEye shows or hides the admin's password as typed.
func (f *resetForm) onVerifyEye() {
	f.verify.Password = !f.verify.Password
	if f.verify.Password {
		f.verifyEye.SetIcon(theme.VisibilityOffIcon())
	} else {
		f.verifyEye.SetIcon(theme.VisibilityIcon())
	}
	f.verify.Refresh()
}

// onPasswordChanged shows whether the password passes the policy; an
// earlier refusal was about the password before.
func (f *resetForm) onPasswordChanged(pw string) {
	if len(f.users) == 1 {
		showStrength(f.strength, pw, f.s.org.MinPasswordLength, f.users[0])
	}
	if !f.running {
		f.say("", widget.DangerImportance)
	}
}

// ready checks what can be checked before the admin's password: a typed
// password must pass the policy, or the strength line turns red.
func (f *resetForm) ready() bool {
	opts := f.opts()
	if opts.Mode != app.ModeSetPassword || f.spec.bulk || len(f.users) != 1 || f.handingOver() {
		return true
	}
	if !showStrength(f.strength, opts.Password, f.s.org.MinPasswordLength, f.users[0]) {
		f.strength.Importance = widget.DangerImportance
		f.strength.Refresh()
		return false
	}
	return true
}

// onConfirm verifies the admin's password and resets, as one app call off
// the Fyne goroutine; Confirm and Cancel stay off while it runs.
func (f *resetForm) onConfirm() {
	if f.confirm.Disabled() || !f.ready() {
		return
	}
	opts, handOver := f.opts(), f.handingOver()
	f.running = true
	f.s.resets++
	f.refresh()
	f.cancel.Disable()
	f.say("Checking your password…", widget.MediumImportance)
	req := app.ResetRequest{Actor: f.s.actor, Org: f.s.org, Users: append([]app.User(nil), f.users...), Options: opts}
	if f.spec.bulk {
		f.progress.SetValue(0)
		f.progress.Show()
		req.Progress = func(stage string, done, total int) { fyne.Do(func() { f.onProgress(stage, done, total) }) }
	}
	adminPassword := f.verify.Text
	s := f.s
	s.spawn(func() {
		results, err := s.sess.Resetter.VerifyAndReset(s.ctx, adminPassword, req)
		fyne.Do(func() { f.apply(resetDone{opts: opts, results: results, err: err, handOver: handOver}) })
	})
}

// onProgress moves the bar: each stage fills it once.
func (f *resetForm) onProgress(stage string, done, total int) {
	names := map[string]string{"passwords": "Making passwords", "saving": "Saving", "mail": "Sending mail"}
	f.say(fmt.Sprintf("%s: %d of %d", names[stage], done, total), widget.MediumImportance)
	if total > 0 {
		f.progress.SetValue(float64(done) / float64(total))
	}
}

// apply hands the outcome to the frame, or shows the error with the form
// still there to correct.
func (f *resetForm) apply(d resetDone) {
	f.running = false
	f.s.resets--
	f.progress.Hide()
	f.cancel.Enable()
	if len(d.results) == 0 {
		msg := app.ErrorMessage(d.err)
		// Locked: Confirm stays off, the database would refuse each try.
		f.locked = strings.HasPrefix(msg, "Resets are locked")
		if app.ErrorCode(d.err) == app.EUNAUTHORIZED && strings.HasPrefix(msg, "That is not your password") {
			// Typed again, the password would land after the refused one
			// and be refused too, a try lost each time.
			f.verify.SetText("")
			f.focus()
		}
		f.say(msg, widget.DangerImportance)
		f.refresh()
		return
	}
	f.verify.SetText("")
	f.say("", widget.DangerImportance)
	f.refresh()
	f.spec.onResult(d)
}

// say puts text in the status line, which takes no room when empty.
func (f *resetForm) say(text string, imp widget.Importance) {
	f.status.Importance = imp
	f.status.SetText(text)
	if text == "" {
		f.status.Hide()
	} else {
		f.status.Show()
	}
	f.changed()
}

// focus gives the admin's password the keyboard: it is what is left to
// type, and Return confirms (not the search behind a dialog).
func (f *resetForm) focus() { f.win.Canvas().Focus(f.verify) }

// forget drops the typed passwords when the frame goes away.
func (f *resetForm) forget() {
	f.password.SetText("")
	f.verify.SetText("")
}

// showStrength puts "Strong: N characters" or why pw is refused in l, and
// reports whether it passes.
func showStrength(l *widget.Label, pw string, minLen int, u app.User) bool {
	return showChecked(l, pw, app.CheckPassword(pw, minLen, u.PrimaryEmail, u.DisplayName))
}

// showChecked puts the answer of checking pw in l: why it may not be used
// (err), or that it is strong. It reports whether it may be used.
func showChecked(l *widget.Label, pw string, err error) bool {
	if err != nil {
		l.Importance = widget.WarningImportance
		l.SetText(app.ErrorMessage(err))
		return false
	}
	l.Importance = widget.SuccessImportance
	l.SetText(fmt.Sprintf("Strong: %d characters", utf8.RuneCountInString(pw)))
	return true
}

// verifyEntry is the admin's password field: Return confirms, and Escape
// cancels, since Fyne's dialogs take no keys of their own and this field
// has the focus.
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
// failed: the reset stands) and when the secret stops working, in zone (""
// when there is no such time).
func outcomeTexts(res app.ResetResult, recordErr error, zone *time.Location) (outcome, delivery, expiry string) {
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
		expiry = "The one-time password works until " + formatTime(res.ExpiresAt, zone, "") + "."
	default:
		expiry = "The new password expires " + formatTime(res.ExpiresAt, zone, "") + " if it is not used."
	}
	return outcome, delivery, expiry
}

// deliverySentence says what became of the message of a reset.
func deliverySentence(d app.Delivery) string {
	if d.ID == 0 {
		return "No email was sent."
	}
	return kindLabel(d.Kind) + " to " + d.To + ": " + deliveryState(d) + "."
}
