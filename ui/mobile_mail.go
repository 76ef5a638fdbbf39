package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// mobileMailPage is the phone's Mail page. With the office mail relay on
// it shows the relay's health: the phone needs no mail settings. With it
// off, it holds the same mail server form as the desktop's Settings; the
// server's password is kept only where the phone has a keychain, and the
// page says plainly when it cannot be.
type mobileMailPage struct {
	m    *Mobile
	page *mobilePage

	relay    *relayStatusLine // relay on
	server   *mailServerForm  // relay off
	keychain *widget.Label    // relay off: whether the password can be kept
}

// Sentences of the phone's Mail page.
const (
	phoneMailIntro = "With the office mail relay off, one-time passwords and emailed passwords leave from this phone, " +
		"through the office's mail server. Enter it here, as on a computer's Settings."
	phoneNoKeychain = "This phone has no keychain, so it cannot remember the mail server's password: " +
		"it is used until ResetDesk closes, and must be typed here again after that."
	phoneKeychain = "The mail server's password is kept in this phone's keychain."
)

// newMobileMailPage makes the page; onLeave runs when it is left (the
// reset page that opened it looks again at what can be sent).
func newMobileMailPage(m *Mobile, onLeave func()) *mobileMailPage {
	p := &mobileMailPage{m: m}
	var body *fyne.Container
	if m.org.MailRelay {
		p.relay = newRelayStatusLine(m.signedIn, true)
		body = container.NewVBox(&widget.Label{Text: relayIntro, Wrapping: fyne.TextWrapWord}, p.relay.view)
		p.relay.reload()
		// In view from its push until it is left: nothing is pushed above
		// it, and the layout waits while it shows (Mobile.holding).
		p.relay.setInView(true)
	} else {
		kc := m.backend.Keychain() != nil
		p.server = newMailServerForm(m.signedIn, m.backend, m.app.Preferences(), kc, true)
		p.keychain = &widget.Label{Text: phoneKeychain, Wrapping: fyne.TextWrapWord}
		if !kc {
			p.keychain.Text, p.keychain.Importance = phoneNoKeychain, widget.WarningImportance
		}
		f := p.server
		form := &widget.Form{Items: f.items(func(o fyne.CanvasObject) fyne.CanvasObject { return finger(o) })}
		body = container.NewVBox(
			&widget.Label{Text: phoneMailIntro, Wrapping: fyne.TextWrapWord},
			f.mailRoute, form, p.keychain, finger(f.smtpSave), f.smtpNote,
			widget.NewSeparator(), finger(f.testTo), finger(f.testSend), f.testNote)
	}
	p.page = &mobilePage{title: "Mail", content: newPageScroll(container.NewPadded(body)), onLeave: func() {
		if p.server != nil {
			p.server.smtpPassword.SetText("")
		}
		if p.relay != nil {
			p.relay.stop()
		}
		if onLeave != nil {
			onLeave()
		}
	}}
	return p
}

// openMail shows the Mail page above the page showing.
func (m *Mobile) openMail(onLeave func()) {
	p := newMobileMailPage(m, onLeave)
	m.lastMail = p
	m.nav.push(p.page)
}

// newMobileMailEntry is the home page's way to the Mail page.
func newMobileMailEntry(m *Mobile) *widget.Button {
	return &widget.Button{Text: "Mail", Icon: theme.MailComposeIcon(), Importance: widget.LowImportance,
		OnTapped: func() { m.openMail(nil) }}
}

// phoneMailMissing says why a reset with opts cannot go out from this
// phone: it needs mail, the office mail relay is off and no mail server is
// set up here. "" when mail is not needed or can go.
func phoneMailMissing(m *Mobile, opts app.ResetOptions) string {
	if !opts.NeedsMail() || m.org.MailRelay || m.backend.MailRoute() != "" {
		return ""
	}
	if opts.Mode == app.ModeOneTime {
		text := "A one-time password reaches the user only by email, and this phone has no mail server to send it: " +
			"set one up in Mail settings."
		if app.CheckMayReset(m.actor, m.org, app.ResetOptions{Mode: app.ModeSetPassword}) == nil {
			text += " Or set a password and hand it over."
		}
		return text + " (With the office mail relay on, the owner's choice, phones need no mail settings.)"
	}
	return "Emailing the new password needs a mail server, and this phone has none: set one up in Mail settings, " +
		"or untick the email and hand the password over."
}
