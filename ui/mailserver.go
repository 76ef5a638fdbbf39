package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// mailServerForm is the mail server this device sends through in direct
// mode (the office mail relay off): host, port, TLS, user, password, From
// and a CA file, Save, and a test message. The desktop's Settings and the
// phone's Mail settings page show the same form; the password goes to the
// keychain only, and where there is none the form says it cannot be kept.
type mailServerForm struct {
	s       *signedIn
	backend Backend
	prefs   fyne.Preferences
	// afterTest runs once a test message went: the Mail view reloads.
	afterTest func()

	smtpHost     *widget.Entry
	smtpPort     *widget.Entry
	smtpTLS      *touchSelect
	smtpUser     *widget.Entry
	smtpPassword *widget.Entry
	smtpFrom     *widget.Entry
	smtpCAFile   *widget.Entry
	smtpSave     *widget.Button
	smtpNote     *widget.Label
	mailRoute    *widget.Label // where mail goes now, whatever the form says
	testTo       *widget.Entry
	testSend     *widget.Button
	testNote     *widget.Label
}

// newMailServerForm makes the form; touch is a phone's, whose narrow
// entries scroll their text.
func newMailServerForm(s *signedIn, b Backend, prefs fyne.Preferences, hasKeychain, touch bool) *mailServerForm {
	f := &mailServerForm{s: s, backend: b, prefs: prefs}
	saved := LoadSMTPSettings(prefs, nil)
	f.smtpHost = &widget.Entry{Text: saved.Host, PlaceHolder: "mail.office.example"}
	f.smtpPort = &widget.Entry{Text: portText(saved.Port), PlaceHolder: "587"}
	f.smtpTLS = newTouchSelect([]string{"starttls", "tls", "none"}, saved.TLS, nil, touch || s.opts.touch)
	f.smtpUser = &widget.Entry{Text: saved.Username}
	f.smtpPassword = &widget.Entry{Password: true, PlaceHolder: "Kept in the keychain"}
	if !hasKeychain {
		f.smtpPassword.PlaceHolder = "Not kept: no keychain here"
	}
	f.smtpFrom = &widget.Entry{Text: saved.From, PlaceHolder: "ResetDesk <noreply@office.example>"}
	f.smtpCAFile = &widget.Entry{Text: saved.CAFile, PlaceHolder: "Optional: a PEM file of certificate authorities"}
	f.smtpSave = &widget.Button{Text: "Save mail settings", Icon: theme.DocumentSaveIcon(), OnTapped: f.onSaveSMTP}
	f.smtpNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.mailRoute = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.showMailRoute()
	f.testTo = &widget.Entry{Text: s.actor.User.PrimaryEmail, PlaceHolder: "Send a test message to"}
	f.testSend = &widget.Button{Text: "Send test message", Icon: theme.MailSendIcon(), OnTapped: f.onSendTest}
	f.testNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	return f
}

// items are the form's fields, wrapped by wrap (finger-tall on a phone).
func (f *mailServerForm) items(wrap func(fyne.CanvasObject) fyne.CanvasObject) []*widget.FormItem {
	return []*widget.FormItem{
		{Text: "Host", Widget: wrap(f.smtpHost)},
		{Text: "Port", Widget: wrap(f.smtpPort)},
		{Text: "TLS", Widget: wrap(f.smtpTLS)},
		{Text: "User", Widget: wrap(f.smtpUser)},
		{Text: "Password", Widget: wrap(f.smtpPassword)},
		{Text: "From", Widget: wrap(f.smtpFrom)},
		{Text: "CA file", Widget: wrap(f.smtpCAFile)},
	}
}

// settings reads the form. The password is the one typed; without one,
// withSavedPassword adds the keychain's off the Fyne goroutine.
func (f *mailServerForm) settings() (SMTPSettings, error) {
	st := SMTPSettings{Host: strings.TrimSpace(f.smtpHost.Text), TLS: f.smtpTLS.Selected,
		Username: strings.TrimSpace(f.smtpUser.Text), Password: f.smtpPassword.Text,
		From: strings.TrimSpace(f.smtpFrom.Text), CAFile: strings.TrimSpace(f.smtpCAFile.Text)}
	if t := strings.TrimSpace(f.smtpPort.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 65535 {
			return st, app.Errorf(app.EINVALID, "The mail server's port must be a number between 1 and 65535.")
		}
		st.Port = n
	}
	return st, nil
}

// withSavedPassword gives st the keychain's password when none was typed.
// A keychain may take its time (a locked one asks the user), so this runs
// off the Fyne goroutine.
func withSavedPassword(b Backend, st SMTPSettings) SMTPSettings {
	if st.Password == "" && st.Username != "" {
		if kc := b.Keychain(); kc != nil {
			st.Password, _ = kc.Get(KeychainService, st.keychainUser())
		}
	}
	return st
}

// showMailRoute says where resets' mail goes now: the demo's sink or a
// server from the environment leave the form empty, and mail still goes.
func (f *mailServerForm) showMailRoute() {
	if route := f.backend.MailRoute(); route != "" {
		f.mailRoute.Importance = widget.MediumImportance
		f.mailRoute.SetText("Mail now goes to " + route + ". Saving a server below replaces it; Send test message with the host empty tries the one in use.")
		return
	}
	f.mailRoute.Importance = widget.WarningImportance
	f.mailRoute.SetText("No mail server yet: one-time passwords cannot be sent until one is saved here.")
}

// onSaveSMTP stores the settings (the password in the keychain only) and
// has main use them for the next resets.
func (f *mailServerForm) onSaveSMTP() {
	st, err := f.settings()
	if err != nil {
		f.smtpNote.SetText(app.ErrorMessage(err))
		return
	}
	typed := f.smtpPassword.Text != ""
	f.smtpSave.Disable()
	f.smtpNote.SetText("Saving…")
	b := f.backend
	f.s.spawn(func() {
		st := withSavedPassword(b, st)
		err := b.ConfigureMail(st)
		note := ""
		if err == nil && typed {
			if kept := keepInKeychain(b.Keychain(), st.keychainUser(), st.Password); kept != "" {
				note = " The password is used until ResetDesk closes. " + kept
			}
		}
		fyne.Do(func() {
			f.smtpSave.Enable()
			if err != nil {
				f.smtpNote.SetText(app.ErrorMessage(err))
				return
			}
			saveSMTPSettings(f.prefs, st)
			f.smtpPassword.SetText("")
			f.smtpNote.SetText("Saved." + note)
			f.showMailRoute()
		})
	})
}

// onSendTest sends a test message through the settings in the form.
func (f *mailServerForm) onSendTest() {
	st, err := f.settings()
	if err != nil {
		f.testNote.SetText(app.ErrorMessage(err))
		return
	}
	to := strings.TrimSpace(f.testTo.Text)
	if to == "" {
		f.testNote.SetText("Enter an address to send the test message to.")
		return
	}
	f.testSend.Disable()
	f.testNote.SetText("Sending…")
	b := f.backend
	f.s.spawn(func() {
		err := b.SendTestMessage(f.s.ctx, f.s.sess, withSavedPassword(b, st), to)
		fyne.Do(func() {
			f.testSend.Enable()
			if err != nil {
				f.testNote.SetText(app.ErrorMessage(err))
				return
			}
			f.testNote.SetText("The mail server accepted the test message to " + to + ".")
			if f.afterTest != nil {
				f.afterTest()
			}
		})
	})
}
