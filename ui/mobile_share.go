package ui

import (
	"fmt"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"resetdesk/app"
)

// mobileOutcomePage says what the reset did and, when the admin must hand
// the password over, shows it with SHARE.
type mobileOutcomePage struct {
	m      *Mobile
	opts   app.ResetOptions
	result app.ResetResult
	page   *mobilePage

	outcome   *widget.Label
	delivery  *widget.Label
	expiry    *widget.Label
	secretBox *fyne.Container
	secret    *widget.Label
	share     *widget.Button
	done      *widget.Button

	// The share chooser, while it shows.
	shareDialog  *dialog.CustomDialog
	shareEmail   *widget.Button
	shareMessage *widget.Button // nil when the user has no mobile number
	shareCopy    *widget.Button
	shareQR      *widget.Button
	shareNote    *widget.Label
	qr           *canvas.Image   // the QR code page's image, while it shows
	qrWarning    *widget.Label   // under it
	follow       *queuedFollower // a message queued for the office mail relay, until it is sent
}

func newMobileOutcomePage(m *Mobile, opts app.ResetOptions, res app.ResetResult, recordErr error) *mobileOutcomePage {
	o := &mobileOutcomePage{m: m, opts: opts, result: res}
	o.outcome = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	o.delivery = &widget.Label{Wrapping: fyne.TextWrapWord}
	o.expiry = &widget.Label{Wrapping: fyne.TextWrapWord}
	o.secret = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameSubHeadingText,
		Selectable: true, Wrapping: fyne.TextWrapBreak}
	o.share = &widget.Button{Text: "SHARE", Icon: theme.MailForwardIcon(), Importance: widget.HighImportance, OnTapped: o.onShare}
	o.done = &widget.Button{Text: "Done", OnTapped: o.onDone}
	o.secretBox = container.NewVBox(widget.NewLabel("Hand this password to the user:"), o.secret, finger(o.share))

	outcome, delivery, expiry := outcomeTexts(res, recordErr, o.m.zone())
	o.outcome.SetText(outcome)
	o.delivery.SetText(delivery)
	o.follow = followQueued(m.signedIn, res.Delivery, o.delivery.SetText)
	o.expiry.SetText(expiry)
	if expiry == "" {
		o.expiry.Hide()
	}
	if res.Password != "" {
		o.secret.SetText(res.Password)
	} else {
		o.secretBox.Hide()
	}
	body := container.NewVBox(o.outcome, o.delivery, o.expiry, o.secretBox, finger(o.done))
	o.page = &mobilePage{title: "Password reset", content: newPageScroll(container.NewPadded(body)), onLeave: o.forget}
	return o
}

// onDone goes back to the users list.
func (o *mobileOutcomePage) onDone() {
	o.m.nav.popTo(o.m.users.page)
}

// forget drops the password when the page goes away: it lives only here.
func (o *mobileOutcomePage) forget() {
	o.follow.stop()
	o.result.Password = ""
	o.secret.SetText("")
	o.qr = nil
	if o.shareDialog != nil {
		o.shareDialog.Hide()
	}
}

// conceal hides the password and its QR code while the app is in the
// background; reveal shows them again.
func (o *mobileOutcomePage) conceal() {
	o.secret.SetText("")
	if o.qr != nil {
		o.qr.Hide()
	}
}

func (o *mobileOutcomePage) reveal() {
	o.secret.SetText(o.result.Password)
	if o.qr != nil {
		o.qr.Show()
	}
}

// onShare offers the ways to hand the password over. Fyne has no system
// share sheet, so the chooser opens the mail or messages app by URL, copies,
// or shows a QR code for the user's phone to scan.
func (o *mobileOutcomePage) onShare() {
	if o.result.Password == "" {
		return
	}
	email := "Email"
	if shareAddress(o.result.User) == "" {
		// The user has no address of theirs to write to (they sign in with
		// a mobile number): the mail opens for the admin to address.
		email = "Email to another address…"
	}
	o.shareEmail = &widget.Button{Text: email, Icon: theme.MailComposeIcon(), OnTapped: o.onShareEmail}
	o.shareCopy = &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: o.onShareCopy}
	o.shareQR = &widget.Button{Text: "Show QR code", Icon: theme.VisibilityIcon(), OnTapped: o.onShareQR}
	o.shareNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	o.shareNote.Hide()
	choices := []fyne.CanvasObject{finger(o.shareEmail)}
	o.shareMessage = nil
	if phone := smsNumber(o.result.User.MobileNumber); phone != "" {
		o.shareMessage = &widget.Button{Text: "Message", Icon: theme.MailSendIcon(), OnTapped: o.onShareMessage}
		choices = append(choices, finger(o.shareMessage))
	}
	choices = append(choices, finger(o.shareCopy), finger(o.shareQR), o.shareNote)
	o.shareDialog = dialog.NewCustomWithoutButtons("Share the new password", container.NewVBox(choices...), o.m.win)
	o.shareDialog.SetButtons([]fyne.CanvasObject{finger(&widget.Button{Text: "Close", OnTapped: o.shareDialog.Hide})})
	o.shareDialog.Resize(fyne.NewSize(o.m.win.Canvas().Size().Width-4*theme.Padding(), 0))
	o.shareDialog.Show()
}

// shareText is the message that hands the password over: the password,
// the login, and for a temporary one, like the mails, where and by when to
// change it (in the org's time zone) in the office's own words.
func (o *mobileOutcomePage) shareText() string {
	res := o.result
	var b strings.Builder
	fmt.Fprintf(&b, "Your new %s password: %s\n", o.m.org.Name, res.Password)
	fmt.Fprintf(&b, "Sign in as: %s\n", res.User.Login())
	switch {
	case o.opts.ForceChange:
		by := ""
		if !res.ExpiresAt.IsZero() {
			by = " by " + formatTime(res.ExpiresAt, o.m.zone(), "") + ", when it stops working"
		}
		fmt.Fprintf(&b, "It is temporary: replace it%s. Open ResetDesk and choose '%s', then type your login, this password and a new password of your own twice.\n",
			by, endUserTemporaryLabel)
		if ins := strings.TrimSpace(o.m.org.CompletionInstructions); ins != "" {
			fmt.Fprintf(&b, "From your office: %s\n", ins)
		}
	case !res.ExpiresAt.IsZero():
		fmt.Fprintf(&b, "It expires at %s.\n", formatTime(res.ExpiresAt, o.m.zone(), ""))
	}
	return b.String()
}

// shareSubject is the subject of the email.
func (o *mobileOutcomePage) shareSubject() string { return "Your new " + o.m.org.Name + " password" }

// onShareEmail opens the mail app with the message to the user.
func (o *mobileOutcomePage) onShareEmail() {
	o.openURL(mailtoURL(shareAddress(o.result.User), o.shareSubject(), o.shareText()))
}

// onShareMessage opens the messages app with the message to the user's
// mobile number.
func (o *mobileOutcomePage) onShareMessage() {
	o.openURL(smsURL(o.m.opts.platform, o.result.User.MobileNumber, o.shareText()))
}

// openURL opens u in the app for it. On a phone or tablet Fyne reports no
// error when there is no such app, so the chooser stays, saying what to do
// if nothing opened, with Copy and the QR code at hand.
func (o *mobileOutcomePage) openURL(u *url.URL) {
	if err := o.m.opts.openURL(u); err != nil {
		o.shareNote.Importance = widget.DangerImportance
		o.shareNote.SetText("This device has no app for " + u.Scheme + " links. Use Copy or the QR code instead.")
		o.shareNote.Show()
		return
	}
	if deviceIsMobile() {
		handler := "mail app"
		if u.Scheme == "sms" {
			handler = "messages app"
		}
		o.shareNote.Importance = widget.MediumImportance
		o.shareNote.SetText("If the " + handler + " did not open, this device has none: use Copy or Show QR code.")
		o.shareNote.Show()
		return
	}
	o.shareDialog.Hide()
}

// onShareCopy copies the message Email and Message send, password, login
// and expiry, for the admin to paste into a chat; the clipboard forgets it
// after clipboardLifetime unless something else was copied since.
func (o *mobileOutcomePage) onShareCopy() {
	o.m.clip.copy(o.shareText())
	o.shareNote.Importance = widget.MediumImportance
	o.shareNote.SetText("Copied the password with the login and expiry, as Email and Message send it. The clipboard forgets it in a minute.")
	o.shareNote.Show()
}

// onShareQR shows the message as a QR code on a page of its own, for the
// user's phone camera.
func (o *mobileOutcomePage) onShareQR() {
	code, err := qrcode.New(o.shareText(), qrcode.Medium)
	if err != nil {
		o.shareNote.Importance = widget.DangerImportance
		o.shareNote.SetText("Could not make the QR code. Use Copy instead.")
		o.shareNote.Show()
		return
	}
	o.qr = canvas.NewImageFromImage(code.Image(-8))
	o.qr.FillMode = canvas.ImageFillContain
	o.qr.ScaleMode = canvas.ImageScalePixels
	o.qr.SetMinSize(fyne.NewSquareSize(8 * fingerSize()))
	o.shareDialog.Hide()
	hint := &widget.Label{Text: "Let the user scan this with their phone's camera.", Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}
	// The code is plain text, and a camera app offers to search the web
	// for it: one tap would send the password to a search engine.
	o.qrWarning = &widget.Label{Text: qrWarning, Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord,
		TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.WarningImportance}
	content := container.NewBorder(nil, container.NewPadded(container.NewVBox(hint, o.qrWarning)), nil, nil, o.qr)
	page := &mobilePage{title: "QR code", content: content, onLeave: func() { o.qr = nil }}
	o.m.nav.push(page)
}

// qrWarning is the line under the QR code.
const qrWarning = "Copy the text the camera reads; don't search it: a search would send the password to the web."

// shareAddress is where an email to u goes: the primary email, or the
// secondary one when the primary is known to bounce.
func shareAddress(u app.User) string {
	if u.PrimaryEmail == "" || u.PrimaryEmailUndeliverable {
		return u.SecondaryEmail
	}
	return u.PrimaryEmail
}

// mailtoURL is a mailto: URL (RFC 6068) to address with subject and body.
func mailtoURL(address, subject, body string) *url.URL {
	return &url.URL{Scheme: "mailto", Opaque: url.PathEscape(address),
		RawQuery: "subject=" + uriEscape(subject) + "&body=" + uriEscape(body)}
}

// smsURL is an sms: URL to number with body, in the platform's form:
// RFC 5724's "sms:NUMBER?body=…" on Android; "sms:NUMBER&body=…" on iOS,
// whose Messages app leaves the draft empty given "?body=".
func smsURL(platform, number, body string) *url.URL {
	if platform == platformIOS {
		return &url.URL{Scheme: "sms", Opaque: smsNumber(number) + "&body=" + uriEscape(body)}
	}
	return &url.URL{Scheme: "sms", Opaque: smsNumber(number), RawQuery: "body=" + uriEscape(body)}
}

// smsNumber keeps the digits of a phone number and a leading plus.
func smsNumber(number string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(number) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// uriEscape escapes s for a mailto: or sms: query: spaces as %20, since
// mail apps show a + literally.
func uriEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
