package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// officeTitle names the office open: its org, and the saved profile it was
// opened with when that is named otherwise; a profile whose name holds the
// org's (the demo's) alone, so that the org is named once.
func officeTitle(org app.Org, profile string) string {
	name, p := strings.TrimSpace(org.Name), strings.TrimSpace(profile)
	switch {
	case p == "" || strings.EqualFold(p, name):
		return org.Name
	case strings.Contains(strings.ToLower(p), strings.ToLower(name)):
		// "Demo: Northwind Traders" already names the org.
		return p
	}
	return org.Name + " (" + profile + ")"
}

// windowTitle is the window's title while s is open.
func windowTitle(s *signedIn) string {
	return officeTitle(s.org, s.sess.Profile) + " — ResetDesk"
}

// officeSwitch moves a window from the office open to another saved
// profile's: the admin picks the profile from the menu under the office's
// button, the password comes from the keychain or is asked for, and only
// once the new session is open does the old one close. The shells build
// everything anew from the new session, so nothing of the first office
// stays on screen.
type officeSwitch struct {
	fyneApp fyne.App
	backend Backend
	win     fyne.Window
	s       *signedIn
	// swap closes the session open now and opens the shell of the new one.
	swap   func(Session, app.Actor, app.Org)
	button *widget.Button // the latest made: the shells make theirs anew

	// What the admin was shown last, so that tests can reach it.
	prompt   *officePrompt // the password, when the keychain has none
	password *widget.Entry
	said     string // the last sentence shown instead of switching
}

func newOfficeSwitch(a fyne.App, b Backend, win fyne.Window, s *signedIn, swap func(Session, app.Actor, app.Org)) *officeSwitch {
	return &officeSwitch{fyneApp: a, backend: b, win: win, s: s, swap: swap}
}

// newButton makes the button that names the office open and opens the menu
// of the others.
func (o *officeSwitch) newButton() *widget.Button {
	o.button = &widget.Button{Icon: theme.MenuDropDownIcon(), IconPlacement: widget.ButtonIconTrailingText, Importance: widget.LowImportance}
	o.setText(officeTitle(o.s.org, o.s.sess.Profile))
	b := o.button
	b.OnTapped = func() { o.showMenu(b) }
	return b
}

// officeButtonWidth is the most width the office button's words take:
// "Northwind Traders (demo_owner@127.0.0.1)" in full would widen the
// shells' top bar past the breakpoint, so that a window just wider than it
// cut off the search, Sign out and the rows' menus (walk6 m5), and would
// widen a phone. The whole title is the window's.
const officeButtonWidth float32 = 180

// setText shows text on the office button, cut short with an ellipsis
// when it is wider than officeButtonWidth.
func (o *officeSwitch) setText(text string) {
	o.button.SetText(fitText(text, officeButtonWidth, fyne.TextStyle{Bold: true}))
}

// fitText is text, or as much of it as fits width with an ellipsis, in
// the theme's text size and style.
func fitText(text string, width float32, style fyne.TextStyle) string {
	size := theme.TextSize()
	if fyne.MeasureText(text, size, style).Width <= width {
		return text
	}
	r := []rune(strings.TrimSpace(text))
	for n := len(r) - 1; n > 0; n-- {
		cut := strings.TrimRight(string(r[:n]), " (") + "…"
		if fyne.MeasureText(cut, size, style).Width <= width {
			return cut
		}
	}
	return "…"
}

// menu lists the saved profiles other than the one open.
func (o *officeSwitch) menu() *fyne.Menu {
	m := fyne.NewMenu("Offices")
	for _, p := range loadProfiles(o.fyneApp.Preferences()) {
		if p.Name == o.s.sess.Profile {
			continue
		}
		m.Items = append(m.Items, &fyne.MenuItem{Label: p.Name, Icon: theme.LoginIcon(), Action: func() { o.choose(p) }})
	}
	if len(m.Items) == 0 {
		m.Items = append(m.Items, &fyne.MenuItem{Label: "No other office saved: sign in to one once to save it", Disabled: true})
	}
	return m
}

func (o *officeSwitch) showMenu(at fyne.CanvasObject) {
	showMenuUnder(o.menu(), at, o.s.opts.touch)
}

// busySentence says why the office cannot change now, "" when it can.
func (o *officeSwitch) busySentence() string {
	if o.s.resets > 0 {
		return "A password reset is under way in " + o.s.org.Name + ". Switch offices once it has finished."
	}
	return ""
}

// say shows a sentence instead of switching.
func (o *officeSwitch) say(title, sentence string) {
	o.said = sentence
	showInformation(title, sentence, o.win, o.s.opts.touch)
}

// choose opens profile p: with the keychain's password, or the one the
// admin types when the keychain has none.
func (o *officeSwitch) choose(p Profile) {
	if msg := o.busySentence(); msg != "" {
		o.say("Switch office", msg)
		return
	}
	kc := o.backend.Keychain()
	if kc == nil {
		o.askPassword(p)
		return
	}
	o.s.spawn(func() {
		pw, err := kc.Get(KeychainService, p.keychainUser())
		fyne.Do(func() {
			if err != nil || pw == "" {
				o.askPassword(p)
				return
			}
			o.open(p, pw, true)
		})
	})
}

// askPassword asks for the password of p's role.
func (o *officeSwitch) askPassword(p Profile) {
	o.password = &widget.Entry{Password: true}
	o.password.Validator = func(s string) error {
		if s == "" {
			return errors.New("Enter the password of role " + p.Role + ".")
		}
		return nil
	}
	pw := o.password
	hint := "Role " + p.Role + " on " + p.Host
	if o.s.opts.touch {
		o.prompt = o.askPasswordByTouch(p, hint)
	} else {
		fd := dialog.NewForm("Sign in to "+p.Name, "Sign in", "Cancel",
			[]*widget.FormItem{{Text: "Password", Widget: pw, HintText: hint}},
			func(ok bool) {
				if ok {
					o.open(p, pw.Text, false)
				}
			}, o.win)
		o.prompt = &officePrompt{dlg: fd, submit: fd.Submit}
	}
	prompt := o.prompt
	pw.OnSubmitted = func(string) { prompt.Submit() } // Enter signs in, as on the sign-in screen
	showDialog(prompt.dlg, o.win, o.s.opts.touch)
	o.win.Canvas().Focus(pw)
}

// officePrompt is the dialog asking for an office's password: Fyne's form
// dialog with a mouse, one with finger-tall buttons on a touch screen,
// where the form dialog's are 34 units tall.
type officePrompt struct {
	dlg            dialog.Dialog
	submit         func()
	cancel, signIn *widget.Button // on a touch screen only
}

// Submit signs in with the password typed, as the Sign in button does.
func (p *officePrompt) Submit() { p.submit() }

func (o *officeSwitch) askPasswordByTouch(p Profile, hint string) *officePrompt {
	pw := o.password
	refusal := &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	refusal.Hide()
	pr := &officePrompt{}
	pr.cancel = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon()}
	pr.signIn = &widget.Button{Text: "Sign in", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance}
	content := container.NewVBox(widget.NewLabel("Password"), finger(pw),
		&widget.Label{Text: hint, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}, refusal)
	d := dialog.NewCustomWithoutButtons("Sign in to "+p.Name, content, o.win)
	d.SetButtons([]fyne.CanvasObject{finger(pr.cancel), finger(pr.signIn)})
	d.Resize(fyne.NewSize(min(popUpWidth(o.win), 480), 0))
	pr.dlg = d
	pr.cancel.OnTapped = d.Hide
	pr.submit = func() {
		if err := pw.Validate(); err != nil {
			refusal.SetText(err.Error())
			refusal.Show()
			return
		}
		d.Hide()
		o.open(p, pw.Text, false)
	}
	pr.signIn.OnTapped = pr.submit
	return pr
}

// open signs in to p off the Fyne goroutine; the old session closes only
// once the new one is open, and stays as it was when signing in fails.
// remember keeps the password in the keychain, where it came from.
func (o *officeSwitch) open(p Profile, password string, remember bool) {
	b := o.button
	b.Disable()
	o.setText("Opening " + p.Name + "…")
	backend := o.backend
	o.s.spawn(func() {
		r := signInWork(backend, p, password, remember)
		fyne.Do(func() { o.apply(p, r) })
	})
}

func (o *officeSwitch) apply(p Profile, r signInResult) {
	if o.s.cancel == nil { // signed out, or the window closed, meanwhile
		if r.err == nil && r.sess.Close != nil {
			o.s.spawn(func() { _ = r.sess.Close() })
		}
		return
	}
	o.setText(officeTitle(o.s.org, o.s.sess.Profile))
	o.button.Enable()
	var confirm *app.CertificateToConfirm
	switch {
	case errors.As(r.err, &confirm):
		o.say("Could not open "+p.Name, "ResetDesk has not met "+confirm.Server+" before. Sign out, then sign in to "+
			p.Name+" to confirm its certificate.")
		return
	case r.err != nil:
		o.say("Could not open "+p.Name, app.ErrorMessage(r.err))
		return
	}
	if msg := o.busySentence(); msg != "" { // a reset began while signing in
		if r.sess.Close != nil {
			o.s.spawn(func() { _ = r.sess.Close() })
		}
		o.say("Switch office", msg)
		return
	}
	saveProfile(o.fyneApp.Preferences(), p) // the one opened last
	r.sess.Profile = p.Name
	for _, ov := range o.win.Canvas().Overlays().List() {
		o.win.Canvas().Overlays().Remove(ov) // no dialog of the old office stays
	}
	o.swap(r.sess, r.actor, r.org)
}
