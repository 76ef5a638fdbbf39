package ui

import (
	"context"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/icons"
)

// endUserKind is which of the end user's forms shows.
type endUserKind int

// The end user's forms.
const (
	endUserCode      endUserKind = iota // "I have a one-time password"
	endUserTemporary                    // "Change a temporary password"
)

// The sign-in screen's entries to the end user's forms, and their titles.
const (
	endUserCodeLabel      = "I have a one-time password"
	endUserTemporaryLabel = "Change a temporary password"
)

// endUserDone is what a user reads when their password is set.
const endUserDone = "Your new password is set. Sign in to your mail with it."

// endUserForm is the end user's screen: their email, the one-time password
// from their mail (or their temporary password), and a new password twice,
// with the policy line admins see. It talks to the directory as this
// computer's self-service login, which it opens when first needed and
// closes when it goes.
type endUserForm struct {
	kind    endUserKind
	win     fyne.Window
	spawn   func(func())
	backend Backend
	prefs   fyne.Preferences
	onBack  func() // back to the sign-in screen; nil where there is none
	// onGrow, where set, sizes what frames the form again after a line
	// came or went (the admin's reset dialog around a hand-over).
	onGrow func()

	view fyne.CanvasObject // at the top of a desktop window, centred across it
	box  *fyne.Container   // the form alone, for a phone's scrolling page

	title     *widget.Label
	notSetUp  *widget.Label // shown when this computer has no self-service set-up
	importer  *widget.Button
	imported  *importSetup // the import dialog opened last, for tests
	login     *widget.Entry
	secret    *widget.Entry // the one-time password, or the temporary password
	password  *widget.Entry
	again     *widget.Entry
	strength  *widget.Label
	status    *widget.Label
	busy      *fyne.Container
	submit    *widget.Button
	back      *widget.Button
	other     *widget.Button  // switch to the other form
	leaveRow  *fyne.Container // back and other: side by side, or stacked on a phone
	form      *widget.Form
	formBox   *fyne.Container
	doneBox   *fyne.Container
	done      *widget.Label
	doneBack  *widget.Button
	buttonRow *fyne.Container

	mu   sync.Mutex // guards conn, used off the Fyne goroutine
	conn SelfServiceConn
	// fallback, password included, serves when this computer has no set-up
	// of its own: the demo's self-service login, after its session.
	fallback app.SelfServiceSetup

	rules      app.PasswordRules // MinLength 0 (the default) until known
	rulesAsked bool

	handOver *handOverTo // set for a hand-over on the admin's device
	touch    bool        // a phone's or tablet's screen: its dialogs finger-sized
}

// handOverTo binds the form to a hand-over: the user the admin just reset,
// the temporary password that reset set (only this process knows it, and
// nobody sees it), and the admin's session, which replaces it with the
// password the user types.
type handOverTo struct {
	s    *signedIn
	user app.User
	temp string
}

// SelfServiceConn is a connection as this computer's self-service login.
type SelfServiceConn interface {
	app.SelfService
	Close() error
}

func newEndUserForm(b Backend, prefs fyne.Preferences, win fyne.Window, spawn func(func()), kind endUserKind, onBack func()) *endUserForm {
	f := &endUserForm{kind: kind, win: win, spawn: spawn, backend: b, prefs: prefs, onBack: onBack}
	f.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText, Wrapping: fyne.TextWrapWord}
	f.notSetUp = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord, Text: notSetUpSentence}
	f.importer = &widget.Button{Text: "Import set-up…", Icon: theme.UploadIcon(), OnTapped: f.onImport}
	f.login = &widget.Entry{PlaceHolder: "you@office.example", OnChanged: func(string) { f.onLoginChanged() }}
	f.secret = &widget.Entry{}
	f.password = &widget.Entry{Password: true, OnChanged: func(string) { f.onPasswordChanged() }}
	f.again = &widget.Entry{Password: true, OnChanged: func(string) { f.clearError() }, OnSubmitted: func(string) { f.onSubmit() }}
	f.secret.OnChanged = func(string) { f.clearError() }
	f.strength = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.strength.Hide() // no empty line above the button until there is a password to judge
	f.status = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	f.status.Hide() // takes no room until there is something to say
	f.busy = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Setting your password…"))
	f.busy.Hide()
	f.submit = &widget.Button{Text: "Set my new password", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: f.onSubmit}
	f.back = &widget.Button{Text: "Back to sign-in", Icon: theme.NavigateBackIcon(), Importance: widget.LowImportance, OnTapped: f.onLeave}
	f.other = &widget.Button{Importance: widget.LowImportance, OnTapped: f.onOther}
	if onBack == nil {
		f.back.Hide()
	}

	secretItem := &widget.FormItem{Widget: f.secret}
	f.form = &widget.Form{Items: []*widget.FormItem{
		{Text: "Email", Widget: f.login, HintText: "The address you sign in to your mail with"},
		secretItem,
		{Text: "New password", Widget: f.password},
		{Text: "Again", Widget: f.again, HintText: "Type the new password a second time"},
	}}
	f.setKind(kind, secretItem, f.form)
	f.buttonRow = container.NewHBox(f.submit)
	// The lines that come and go as the user types (the policy line, a
	// refusal, what an import did) sit under the button: above it, each
	// moved the button, and a click aimed at it landed on what came up.
	f.formBox = container.NewVBox(container.NewVBox(f.notSetUp, container.NewHBox(f.importer)), f.form, f.buttonRow, f.busy, f.strength, f.status)
	f.done = &widget.Label{Text: endUserDone, Importance: widget.SuccessImportance, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	f.doneBack = &widget.Button{Text: "Done", Importance: widget.HighImportance, OnTapped: f.onLeave}
	f.doneBox = container.NewVBox(f.done, container.NewHBox(f.doneBack))
	f.doneBox.Hide()
	logo := widget.NewIcon(icons.AppIcon)
	f.leaveRow = container.NewHBox(f.back, layout.NewSpacer(), f.other)
	f.box = container.NewVBox(container.NewBorder(nil, nil, logo, nil, f.title), f.formBox, f.doneBox, f.leaveRow)
	// At the top of the window, not in its middle: centred, every line
	// that came or went moved every field by half its height, under the
	// pointer of a user about to click the next one.
	f.view = container.NewBorder(container.NewPadded(container.NewCenter(container.New(widthColumn{32 * theme.TextSize()}, f.box))), nil, nil, nil)
	if prefs != nil {
		f.showSetUp()
	}
	return f
}

// newHandOverForm is the end user's form on the admin's device after a
// hand-over reset of user: a new password twice, nothing else. onClose
// runs on Done or Close; closing unfinished changes nothing, so the account
// stays as the reset left it.
func newHandOverForm(s *signedIn, win fyne.Window, user app.User, temp string, onClose func()) *endUserForm {
	f := newEndUserForm(nil, nil, win, s.spawn, endUserTemporary, onClose)
	f.handOver = &handOverTo{s: s, user: user, temp: temp}
	f.title.SetText("Choose your new password")
	f.login.SetText(user.Login())
	// Only the new password, twice: a form of its own, since a Fyne form's
	// items are fixed once it is drawn.
	f.form = &widget.Form{Items: f.form.Items[2:]}
	f.formBox.Objects[1] = f.form
	who := &widget.Label{Wrapping: fyne.TextWrapWord, Text: user.DisplayName + " (" + user.Login() + "): type a new password of your own, twice. " +
		"Nobody else sees it, and it is not shown anywhere."}
	f.formBox.Objects[0] = who
	f.notSetUp.Hide()
	f.importer.Hide()
	f.other.Hide()
	f.back.SetText("Close without a new password")
	f.back.Show()
	f.box.Refresh()
	return f
}

// setKind words the form for a one-time or a temporary password.
func (f *endUserForm) setKind(kind endUserKind, secretItem *widget.FormItem, form *widget.Form) {
	f.kind = kind
	if kind == endUserTemporary {
		f.title.SetText(endUserTemporaryLabel)
		secretItem.Text = "Temporary password"
		secretItem.HintText = "The password the office gave you"
		f.secret.Password = true
		f.secret.PlaceHolder = ""
		f.other.SetText(endUserCodeLabel)
	} else {
		f.title.SetText(endUserCodeLabel)
		secretItem.Text = "One-time password"
		secretItem.HintText = "From your email; any case, dash or not"
		f.secret.Password = false
		f.secret.PlaceHolder = "ABCDE-FGHJK"
		f.other.SetText(endUserTemporaryLabel)
	}
	form.Refresh()
}

// setUp is this computer's self-service set-up, without its password, or
// else the fallback, with it.
func (f *endUserForm) setUp() (app.SelfServiceSetup, bool) {
	s := loadSelfServiceSetup(f.prefs)
	if s.Host == "" || s.Login == "" || (f.fallback.Host != "" && !sameDatabase(s, f.fallback)) {
		// None saved; or the demo, whose codes are for its own database
		// (at a new port each run), not for one a set-up was saved for.
		s = f.fallback
	}
	return s, s.Host != "" && s.Login != ""
}

// useFallback makes s the set-up to use when the computer has none.
func (f *endUserForm) useFallback(s app.SelfServiceSetup) {
	f.fallback = s
	f.showSetUp()
}

// showSetUp says when this computer cannot complete anything yet.
func (f *endUserForm) showSetUp() {
	s, ok := f.setUp()
	switch {
	case ok && f.passwordGone(s):
		f.showPasswordGone()
	case ok:
		f.notSetUp.Hide()
		f.importer.Hide()
		f.submit.Enable()
		f.checkKeychain(s)
	default:
		f.notSetUp.SetText(notSetUpSentence)
		f.notSetUp.Show()
		f.importer.Show()
		f.submit.Disable()
	}
	f.box.Refresh()
}

const notSetUpSentence = "Self-service is not set up on this computer yet. Ask the office to set it up, or to send you its set-up file, " +
	"and choose Import set-up below."

const passwordGoneSentence = "This device keeps the self-service login's password only while ResetDesk runs (it has no keychain to keep it in), " +
	"so it went when ResetDesk last closed. Import the set-up again, from the office's file or QR code, below."

// showPasswordGone says, before the user types anything, that the set-up
// must be imported again.
func (f *endUserForm) showPasswordGone() {
	f.notSetUp.SetText(passwordGoneSentence)
	f.notSetUp.Show()
	f.importer.Show()
	f.submit.Disable()
	f.box.Refresh()
}

// checkKeychain looks for the password of a set-up saved without it in
// the keychain, off the Fyne goroutine (a Secret Service can be slow, or
// absent on a desktop without one), and says at once when it is not there.
func (f *endUserForm) checkKeychain(s app.SelfServiceSetup) {
	if s.Password != "" || f.backend == nil || f.backend.Keychain() == nil || f.spawn == nil ||
		(f.fallback.Password != "" && sameDatabase(s, f.fallback)) {
		return
	}
	kc := f.backend.Keychain()
	f.spawn(func() {
		if selfServicePassword(kc, s) != "" {
			return
		}
		fyne.Do(func() {
			f.mu.Lock()
			connected := f.conn != nil
			f.mu.Unlock()
			if now, ok := f.setUp(); ok && now == s && !connected {
				f.showPasswordGone()
			}
		})
	})
}

// passwordGone reports whether s is a set-up whose password this device
// cannot have: none in it, no keychain, none kept for this run, and no
// demo login for its database. It reads nothing slow: a device with a
// keychain is asked only when the form connects.
func (f *endUserForm) passwordGone(s app.SelfServiceSetup) bool {
	if s.Password != "" || f.backend == nil || f.backend.Keychain() != nil {
		return false
	}
	if _, kept := selfServiceSecrets.Load(selfServiceKeychainUser(s)); kept {
		return false
	}
	return f.fallback.Password == "" || !sameDatabase(s, f.fallback)
}

// onImport takes a set-up exported by the office's ResetDesk.
func (f *endUserForm) onImport() {
	f.imported = showImportSetup(f.backend, f.prefs, f.win, f.spawn, f.touch, func(_ app.SelfServiceSetup, msg string) {
		f.drop() // a connection of the set-up before, if any
		f.showSetUp()
		f.rulesAsked = false
		// The refusal that sent the user here ("Import the set-up again")
		// is over: say what the import did instead.
		f.status.Importance = widget.MediumImportance
		f.status.SetText(msg)
		f.status.Show()
		f.grown()
	})
}

func (f *endUserForm) onLoginChanged() {
	f.clearError()
	f.onPasswordChanged()
}

// onPasswordChanged shows the policy line as the user types: the same one
// an admin sees when setting a password, in the user's own words.
func (f *endUserForm) onPasswordChanged() {
	f.clearError()
	if f.password.Text == "" {
		f.strength.SetText("")
		if f.strength.Visible() {
			f.strength.Hide()
			f.grown()
		}
		return
	}
	if ho := f.handOver; ho != nil { // the admin's session knows the org's rules and the user's name
		f.showStrength(ho.s.org.MinPasswordLength, ho.user)
		return
	}
	f.loadRules()
	f.showStrength(f.rules.MinLength, app.User{PrimaryEmail: strings.TrimSpace(f.login.Text)})
}

// showStrength shows the policy line for what is typed, to the user
// themselves: "your name", where an admin reads "the user's name".
func (f *endUserForm) showStrength(minLen int, u app.User) {
	if f.strength.Text == "" || !f.strength.Visible() {
		defer f.grown() // a line more
	}
	showChecked(f.strength, f.password.Text, app.CheckOwnPassword(f.password.Text, minLen, u.PrimaryEmail, u.DisplayName))
	f.strength.Show()
}

// loadRules asks the directory for the password rules once, off the Fyne
// goroutine; until they come the line uses the default minimum. The
// database gives every login the same rules, so one answer serves all.
func (f *endUserForm) loadRules() {
	if f.rulesAsked {
		return
	}
	if _, ok := f.setUp(); !ok {
		return
	}
	f.rulesAsked = true
	login := strings.TrimSpace(f.login.Text)
	f.spawn(func() {
		var rules app.PasswordRules
		c, err := f.connection()
		if err == nil {
			rules, err = c.PasswordRules(context.Background(), login)
		}
		fyne.Do(func() {
			if err != nil {
				f.rulesAsked = false // ask again with the next keystroke or submit
				return
			}
			f.rules = rules
			if f.password.Text != "" {
				f.showStrength(rules.MinLength, app.User{PrimaryEmail: strings.TrimSpace(f.login.Text)})
			}
		})
	})
}

// connection opens the self-service connection on first use (slow: off
// the Fyne goroutine). The login's password comes from the keychain.
func (f *endUserForm) connection() (SelfServiceConn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		return f.conn, nil
	}
	s, ok := f.setUp()
	if !ok {
		return nil, app.Errorf(app.EINVALID, "Self-service is not set up on this computer.")
	}
	if s.Password == "" {
		s.Password = selfServicePassword(f.backend.Keychain(), s)
	}
	if s.Password == "" && f.fallback.Password != "" && sameDatabase(s, f.fallback) {
		// The demo: a set-up saved in an earlier run lost its password
		// (no keychain), but this session brought a login of its own
		// for the same database.
		s = f.fallback
	}
	if s.Password == "" {
		return nil, errPasswordForgotten
	}
	c, err := f.backend.OpenSelfService(context.Background(), s)
	if err != nil {
		return nil, err
	}
	f.conn = c
	return c, nil
}

// sameDatabase reports whether set-ups a and b reach the same database.
func sameDatabase(a, b app.SelfServiceSetup) bool {
	return a.Database == b.Database && sameServer(a.Host, a.Port, b.Host, b.Port)
}

// errPasswordForgotten: the set-up is saved, but not the self-service
// login's password, which a device without a keychain (a phone) keeps only
// while ResetDesk runs.
var errPasswordForgotten = app.Errorf(app.EINVALID, "This device keeps the self-service login's password only while ResetDesk runs "+
	"(it has no keychain to keep it in), so it is gone now and nothing changed. Import the set-up again from the office's file or QR code.")

// drop closes the connection after a failure, so that the next try opens
// a new one.
func (f *endUserForm) drop() {
	f.mu.Lock()
	c := f.conn
	f.conn = nil
	f.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// onSubmit sets the new password off the Fyne goroutine; the button stays
// disabled while it runs, and everything typed stays on a refusal. app
// checks what was typed (empty fields, entries that differ, the rules)
// before anything reaches the database's check of the code.
func (f *endUserForm) onSubmit() {
	if f.submit.Disabled() {
		return
	}
	f.clearError()
	f.submit.Disable()
	f.busy.Show()
	kind := f.kind
	req := app.SelfServiceRequest{Login: f.login.Text, Secret: f.secret.Text, NewPassword: f.password.Text, Again: f.again.Text}
	if ho := f.handOver; ho != nil {
		f.spawn(func() {
			status, err := handOverWork(ho, req.NewPassword, req.Again)
			fyne.Do(func() { f.applyHandOver(status, err) })
		})
		return
	}
	f.spawn(func() {
		status, err := f.complete(kind, req)
		fyne.Do(func() { f.apply(kind, status, err) })
	})
}

// complete is the slow part of a submit.
func (f *endUserForm) complete(kind endUserKind, req app.SelfServiceRequest) (app.CompletionStatus, error) {
	c, err := f.connection()
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	var status app.CompletionStatus
	if kind == endUserTemporary {
		status, err = app.ChangeTemporaryPassword(ctx, c, req)
	} else {
		status, err = app.CompleteReset(ctx, c, req)
	}
	if code := app.ErrorCode(err); code == app.EUNAVAILABLE || code == app.EINTERNAL {
		f.drop()
	}
	return status, err
}

// handOverWork is the slow part of a hand-over: the admin's session
// replaces the temporary password with the user's.
func handOverWork(ho *handOverTo, pw, again string) (app.CompletionStatus, error) {
	h, ok := ho.s.sess.Directory.(app.HandOverer)
	if !ok {
		return "", app.Errorf(app.EINTERNAL, "This directory cannot take a hand-over.")
	}
	return app.HandOver(ho.s.ctx, h, ho.s.org, ho.user, ho.temp, pw, again)
}

// applyHandOver shows a hand-over's result in the words of this device:
// the user typed, the admin's session did the rest.
func (f *endUserForm) applyHandOver(status app.CompletionStatus, err error) {
	switch {
	case err != nil && app.ErrorCode(err) == app.EINVALID:
	case err != nil:
		err = app.Errorf(app.ErrorCode(err), "Nothing changed: %s", app.AfterColon(app.ErrorMessage(err)))
	case status == app.CompletionExpired:
		err = app.Errorf(app.EINVALID, "The reset's temporary password has expired, so nothing changed. Close this and reset the password again.")
	case status != app.CompletionOK:
		err = app.Errorf(app.EINVALID, "This hand-over no longer works: the password changed since the reset. Close this and reset the password again.")
	}
	if err != nil {
		f.busy.Hide()
		f.submit.Enable()
		f.showError(err)
		return
	}
	f.handOver.temp = ""
	f.apply(endUserCode, status, nil)
}

// apply shows the result: the done page, or a sentence with the form as
// it was.
func (f *endUserForm) apply(kind endUserKind, status app.CompletionStatus, err error) {
	f.busy.Hide()
	f.submit.Enable()
	if err != nil {
		if err == errPasswordForgotten {
			f.importer.Show()
		}
		f.showError(endUserError(err))
		return
	}
	sentence := status.Sentence()
	if kind == endUserTemporary {
		sentence = status.ChangeSentence()
	}
	if status != app.CompletionOK {
		f.showError(app.Errorf(app.EINVALID, "%s", sentence))
		return
	}
	f.done.SetText(sentence)
	f.secret.SetText("")
	f.password.SetText("")
	f.again.SetText("")
	f.strength.SetText("")
	f.strength.Hide()
	f.formBox.Hide()
	f.other.Hide()
	f.back.Hide()
	f.doneBox.Show()
	f.box.Refresh()
}

// endUserError turns a failure into what an end user can act on: they
// cannot fix the set-up or the server, only ask the office.
func endUserError(err error) error {
	switch app.ErrorCode(err) {
	case app.EUNAVAILABLE:
		return app.Errorf(app.EUNAVAILABLE, "The directory cannot be reached right now, so nothing changed. Try again in a moment; if it goes on, call the office.")
	case app.EUNAUTHORIZED:
		return app.Errorf(app.EUNAUTHORIZED, "This computer's self-service login may not set passwords, so nothing changed. Ask the office to check its self-service set-up.")
	case app.EINVALID, app.ENOTFOUND, app.EUNTRUSTED: // EUNTRUSTED: the server was not proven; the sentence says who acts
		return err
	}
	return app.Errorf(app.EINTERNAL, "Something went wrong and nothing changed. Try again; if it goes on, call the office.")
}

// onOther switches between the one-time and the temporary form, keeping
// the email typed.
func (f *endUserForm) onOther() {
	kind := endUserTemporary
	if f.kind == endUserTemporary {
		kind = endUserCode
	}
	f.secret.SetText("")
	f.setKind(kind, f.form.Items[1], f.form)
	f.clearError()
	f.box.Refresh()
}

// onLeave goes back, forgetting what was typed and the connection.
func (f *endUserForm) onLeave() {
	if f.handOver != nil {
		f.handOver.temp = ""
		f.password.SetText("")
		f.again.SetText("")
	}
	f.close()
	if f.onBack != nil {
		f.onBack()
	} else { // the self-service window: start again for the next person
		f.reset()
	}
}

// reset empties the form for the next person.
func (f *endUserForm) reset() {
	for _, e := range []*widget.Entry{f.login, f.secret, f.password, f.again} {
		e.SetText("")
	}
	f.strength.SetText("")
	f.strength.Hide()
	f.clearError()
	f.doneBox.Hide()
	f.formBox.Show()
	f.other.Show()
	if f.onBack != nil {
		f.back.Show()
	}
	f.box.Refresh()
	f.focus()
}

// close closes the connection, off the Fyne goroutine.
func (f *endUserForm) close() {
	f.mu.Lock()
	c := f.conn
	f.conn = nil
	f.mu.Unlock()
	if c != nil {
		f.spawn(func() { _ = c.Close() })
	}
}

func (f *endUserForm) clearError() {
	if f.status.Text != "" {
		f.status.SetText("")
		f.status.Hide()
		f.grown()
	}
}

// grown lays the form out again after a line came or went, and what
// frames it: the reset dialog around a hand-over, else the window's
// top or the phone's scrolling page, at the form's new height.
func (f *endUserForm) grown() {
	f.box.Refresh()
	switch {
	case f.onGrow != nil:
		f.onGrow()
	case f.win != nil && f.win.Content() != nil:
		settle(f.win.Content(), f.box)
	}
}

func (f *endUserForm) showError(err error) {
	f.status.Importance = widget.DangerImportance
	f.status.SetText(app.ErrorMessage(err))
	if f.strength.Text == f.status.Text {
		f.strength.Hide() // the refusal says it: once is enough, until the next keystroke
	}
	f.status.Show()
	f.grown()
}

// focus puts the cursor in the first field, so that the user can type at
// once.
func (f *endUserForm) focus() {
	first := fyne.Focusable(f.login)
	if f.handOver != nil {
		first = f.password
	}
	// The window's canvas, not the driver's lookup: a form shown a moment
	// ago is not drawn yet, and the lookup finds no canvas for it.
	if f.win != nil {
		f.win.Canvas().Focus(first)
	}
}

// forPhone lays the form out for a phone: labels above their fields, the
// button a finger-tall, full-width bar, and the ways out one above the
// other: side by side they were wider than a 390-unit phone (walk6 m4).
func (f *endUserForm) forPhone() {
	f.form.Orientation = widget.Vertical
	f.form.Refresh()
	f.buttonRow.Objects = []fyne.CanvasObject{finger(f.submit)}
	f.buttonRow.Layout = layout.NewVBoxLayout()
	f.leaveRow.Objects = []fyne.CanvasObject{f.back, f.other}
	f.leaveRow.Layout = layout.NewVBoxLayout()
	// Done, after a success, a finger-tall bar as the phone's other last
	// steps are, not a small button at the left (walk6 p11).
	f.doneBox.Objects[len(f.doneBox.Objects)-1] = finger(f.doneBack)
	f.box.Refresh()
}

// widthColumn lays its objects out at a fixed width and at the height
// they ask for now: a form whose lines come and go, or that a touch
// theme makes taller, keeps all of its height, where a grid cell sized
// once would keep the first.
type widthColumn struct{ width float32 }

func (l widthColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(l.width, h)
}

func (l widthColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// settle refreshes frame, which shows box, until box asks for the size it
// asked for before: a wrapped sentence counts its lines only once it is
// laid out at its width, so a new one can take a second pass.
func settle(frame, box fyne.CanvasObject) {
	for range 3 {
		before := box.MinSize()
		frame.Refresh()
		if box.MinSize() == before {
			return
		}
	}
}

// SelfServiceWindow is the app as `resetdesk self-service` opens it, for a
// front-desk PC or a shortcut on every office PC: the end user's forms and
// nothing else. Done empties the form for the next person.
type SelfServiceWindow struct {
	win  fyne.Window
	form *endUserForm
}

// NewSelfService returns the end user's window; phone lays it out for a
// phone (or the -mobile preview).
func NewSelfService(a fyne.App, b Backend, phone bool) *SelfServiceWindow {
	return newSelfService(a, b, phone, defaultOptions())
}

func newSelfService(a fyne.App, b Backend, phone bool, o options) *SelfServiceWindow {
	applyThemePreference(a)
	w := &SelfServiceWindow{win: a.NewWindow("ResetDesk: set your password")}
	w.win.SetIcon(icons.AppIcon)
	w.form = newEndUserForm(b, a.Preferences(), w.win, o.spawn, endUserCode, nil)
	w.win.SetOnClosed(func() { w.form.close() })
	if phone {
		w.form.forPhone()
		w.win.SetContent(newPageScroll(container.NewPadded(w.form.box)))
		w.win.Resize(phoneSize)
	} else {
		w.win.SetContent(w.form.view)
		w.win.Resize(fyne.NewSize(720, 620))
	}
	w.form.focus()
	return w
}

// Window returns the window.
func (w *SelfServiceWindow) Window() fyne.Window { return w.win }

// ShowAndRun shows the window and runs the app until it is closed.
func (w *SelfServiceWindow) ShowAndRun() { w.win.ShowAndRun() }
