// Package mail is app.Mailer on SMTP: it composes the messages ResetDesk sends
// (one-time passwords, set passwords, notices) as MIME with go-message, and
// delivers a batch of them over one SMTP connection with go-smtp and go-sasl.
//
// Composing is a pure function, so that its output can be golden-tested byte
// for byte; sending is separate and tested against real servers on loopback.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // the org's time zone, also where the system has no zone database (Windows, phones)
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"resetdesk/app"
)

// maxNameRunes caps display names and org names that end up in headers. A
// longer name is no one's real name, and capping it keeps every header line
// foldable at whitespace, so the header means exactly what we wrote.
const maxNameRunes = 100

// maxAddressLen is the longest address SMTP carries (RFC 5321, 4.5.3.1.3).
const maxAddressLen = 254

// Compose returns notice n as an RFC 5322 message from the address from
// ("ResetDesk <noreply@office.example>" or a bare address), dated now. It is a
// pure function: the same input gives the same bytes, Message-ID and MIME
// boundary included, which is what the golden tests rely on.
//
// It returns an EINVALID *app.Error when n.To or from is not a single plain
// address (a display name in To, CR, LF or other control characters), or when
// n.Kind is unknown. Control characters in names are replaced, never copied
// into a header.
func Compose(n app.Notice, from string, now time.Time) ([]byte, error) {
	to, err := parseRecipient(n.To)
	if err != nil {
		return nil, err
	}
	sender, err := parseSender(from)
	if err != nil {
		return nil, err
	}
	t, ok := templates[n.Kind]
	if !ok {
		return nil, app.Errorf(app.EINVALID, "Unknown kind of message %q.", string(n.Kind))
	}

	v := newView(n, now)
	subject := t.subject(v)
	v.Subject = subject

	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, string(n.Kind), v); err != nil {
		return nil, fmt.Errorf("mail: compose %s text: %w", n.Kind, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, string(n.Kind), v); err != nil {
		return nil, fmt.Errorf("mail: compose %s html: %w", n.Kind, err)
	}

	id := messageID(n.DeliveryID, now, sender.Address)
	// The boundary is derived from the Message-ID, not random, so that goldens
	// are stable. "=_" can never occur in quoted-printable output, so the
	// boundary cannot collide with the body.
	sum := sha256.Sum256([]byte(id))
	boundary := "=_resetdesk_" + hex.EncodeToString(sum[:12])

	// go-message writes header fields in the reverse order of Add, so they
	// are added last-first to read Date, From, To, Subject, ... on the wire.
	var h gomail.Header
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	h.Set("MIME-Version", "1.0")
	// RFC 3834: tells vacation responders and ticket systems not to answer.
	h.Set("Auto-Submitted", "auto-generated")
	h.SetMessageID(id)
	h.SetSubject(subject)
	h.SetAddressList("To", []*gomail.Address{{Name: cleanName(n.UserName), Address: to}})
	h.SetAddressList("From", []*gomail.Address{sender})
	h.SetDate(now)

	// message.CreateWriter rather than mail.CreateInlineWriter: the latter
	// overwrites Content-Type and with it our fixed boundary.
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("mail: compose header: %w", err)
	}
	for _, part := range []struct {
		contentType string
		body        []byte
	}{
		{"text/plain", text.Bytes()},
		{"text/html", html.Bytes()},
	} {
		var ph message.Header
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		ph.SetContentType(part.contentType, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("mail: compose part: %w", err)
		}
		if _, err := pw.Write(part.body); err != nil {
			return nil, fmt.Errorf("mail: compose part: %w", err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("mail: compose part: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("mail: compose: %w", err)
	}
	if err := checkRecipientHeader(buf.Bytes(), to); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseRecipient returns addr when it is one bare address (no display name,
// no surrounding space, no control characters), else an EINVALID error. The
// address goes into the To header and the SMTP envelope, so anything that
// parses to something other than itself is refused rather than repaired.
func parseRecipient(addr string) (string, error) {
	bad := app.Errorf(app.EINVALID, "%q is not a valid email address.", cleanText(addr, 60))
	if addr == "" {
		return "", app.Errorf(app.EINVALID, "The message has no recipient address.")
	}
	if len(addr) > maxAddressLen || hasControl(addr) {
		return "", bad
	}
	if !app.ValidEmail(addr) {
		return "", bad
	}
	return addr, nil
}

// parseSender parses the From setting, which may carry a display name.
func parseSender(from string) (*gomail.Address, error) {
	if strings.TrimSpace(from) == "" {
		return nil, app.Errorf(app.EINVALID, "Set the From address for outgoing mail.")
	}
	bad := app.Errorf(app.EINVALID, "The From address %q is not a valid email address.", cleanText(from, 60))
	if hasControl(from) {
		return nil, bad
	}
	a, err := mail.ParseAddress(from)
	if err != nil || len(a.Address) > maxAddressLen || hasControl(a.Address) || !strings.Contains(a.Address, "@") {
		return nil, bad
	}
	return &gomail.Address{Name: cleanName(a.Name), Address: a.Address}, nil
}

// checkRecipientHeader parses the To header of msg back and requires it to
// name exactly to. It turns any formatting surprise of an exotic address into
// an error instead of a message that goes somewhere else.
func checkRecipientHeader(msg []byte, to string) error {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err == nil {
		var list []*mail.Address
		list, err = m.Header.AddressList("To")
		if err == nil && (len(list) != 1 || list[0].Address != to) {
			err = fmt.Errorf("mail: the To header names %d addresses", len(list))
		}
	}
	if err != nil {
		return &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("%q is not a valid email address.", cleanText(to, 60)), Err: err}
	}
	return nil
}

// hasControl reports whether s holds a character that has no business in an
// address: C0 and C1 controls (CR, LF and NUL among them), DEL, Unicode line
// separators, or invalid UTF-8.
func hasControl(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, isControl) >= 0
}

// isControl reports whether r must not appear in a header or a name: control
// characters, line and paragraph separators, and the bidirectional overrides
// that make a name display as something else.
func isControl(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// cleanName makes a display or org name safe for a header and a subject:
// control characters become spaces, runs of space collapse, invalid UTF-8 is
// replaced, and the result is capped at maxNameRunes.
func cleanName(s string) string { return cleanText(s, maxNameRunes) }

func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if isControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n == max {
			b.WriteRune('…')
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// messageID returns a Message-ID (without angle brackets) built from the
// delivery's row id and the send time: unique per message, yet the same for
// the same input, so goldens hold still. The right side is the From domain
// when it is a plain dot-atom, as RFC 5322 requires, else a reserved name.
func messageID(deliveryID int64, now time.Time, fromAddr string) string {
	domain := fromAddr[strings.LastIndex(fromAddr, "@")+1:]
	if !isDotAtom(domain) {
		domain = "resetdesk.invalid"
	}
	return fmt.Sprintf("resetdesk.%d.%s@%s", deliveryID, strconv.FormatInt(now.UnixNano(), 36), domain)
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		ok := r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

// view is what the templates see. Every string is already cleaned; the HTML
// templates escape them again, as html/template does.
type view struct {
	Subject  string
	Name     string // the user's name, "" when unknown
	Org      string // the org's name, or "your organization"
	OrgKnown bool
	Login    string // the account: the user's primary email
	Secret   string // the one-time or set password, "" in notices
	Until    string // when the secret stops working, "" when it does not expire
	ValidFor string // the same as a duration, "" when unknown
	// Temporary: a set password the user must replace, sent in this mail
	// or handed over another way (the notice).
	Temporary bool
	// Instructions are the office's own words, line by line.
	Instructions []string
}

// maxInstructionLines caps the lines of the office's instructions in a mail.
const maxInstructionLines = 10

func newView(n app.Notice, now time.Time) view {
	v := view{
		Name:      cleanName(n.UserName),
		Org:       cleanName(n.OrgName),
		Login:     cleanText(n.Login, maxAddressLen),
		Secret:    n.Secret,
		Temporary: n.MustChange && (n.Kind == app.KindPassword || n.Kind == app.KindPasswordNotice),
	}
	v.OrgKnown = v.Org != ""
	if !v.OrgKnown {
		v.Org = "your organization"
	}
	for line := range strings.Lines(n.Instructions) {
		if line = cleanText(line, app.MaxInstructionsLength); line != "" && len(v.Instructions) < maxInstructionLines {
			v.Instructions = append(v.Instructions, line)
		}
	}
	if !n.ExpiresAt.IsZero() {
		// The reader's zone is unknown; the office's is the best guess, and
		// its abbreviation (or offset) is printed.
		v.Until = n.ExpiresAt.In(orgLocation(n.TimeZone)).Format("Mon 2 Jan 2006, 15:04 MST")
		v.ValidFor = humanDuration(n.ExpiresAt.Sub(now))
	}
	return v
}

// orgLocation is the org's time zone, UTC when it has none or an unknown one.
func orgLocation(name string) *time.Location {
	if name == "" || strings.EqualFold(name, "local") {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// humanDuration says d in the largest unit that keeps it exact enough for a
// person: "15 minutes", "72 hours", "14 days".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	switch {
	case d <= 0:
		return ""
	case d < 2*time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 96*time.Hour || d%(24*time.Hour) != 0:
		return plural(int64(d.Round(time.Hour)/time.Hour), "hour")
	}
	return plural(int64(d/(24*time.Hour)), "day")
}

// kindTemplate is what differs between kinds besides the bodies.
type kindTemplate struct {
	subject func(v view) string
}

func forOrg(s string, v view) string {
	if v.OrgKnown {
		return s + " for " + v.Org
	}
	return s
}

var templates = map[app.DeliveryKind]kindTemplate{
	app.KindOneTimePassword: {subject: func(v view) string { return forOrg("Your one-time password", v) }},
	app.KindPassword: {subject: func(v view) string {
		if v.Temporary {
			return forOrg("Your temporary password", v)
		}
		return forOrg("Your new password", v)
	}},
	app.KindPasswordNotice: {subject: func(v view) string {
		if v.OrgKnown {
			return "Your " + v.Org + " password was reset"
		}
		return "Your password was reset"
	}},
	app.KindUndeliverableNotice: {subject: func(v view) string {
		if v.OrgKnown {
			return "Please contact " + v.Org + " about your account"
		}
		return "Please contact your office about your account"
	}},
	app.KindTest: {subject: func(v view) string { return forOrg("Test message from ResetDesk", v) }},
}

// The plain-text bodies. text/template does no escaping, which is right for
// text/plain: the values are cleaned of control characters instead.
var textTemplates = texttemplate.Must(texttemplate.New("text").Parse(`
{{- define "greeting"}}{{if .Name}}Hi {{.Name}},{{else}}Hello,{{end}}{{end}}
{{- define "footer"}}
Sent by ResetDesk for {{.Org}}.
{{end}}
{{- define "instructions"}}{{if .Instructions}}
From your office:
{{range .Instructions}}
    {{.}}{{end}}
{{end}}{{end}}

{{- define "one_time_password" -}}
{{template "greeting" .}}

Your administrator reset the password of your {{.Org}} account{{if .Login}} ({{.Login}}){{end}}. Your old password no longer works.

Your one-time password:

    {{.Secret}}

{{if .Until}}It is valid for {{.ValidFor}}, until {{.Until}}, and works only once.{{else}}It works only once.{{end}}

To set your new password, open ResetDesk and choose 'I have a one-time password'. Type your email address{{if .Login}} ({{.Login}}){{end}}, this one-time password (capitals, dash and spaces do not matter), and a new password of your own twice.
{{template "instructions" .}}
If you did not ask for a new password, contact your administrator.
{{template "footer" .}}
{{- end}}

{{- define "password" -}}
{{template "greeting" .}}

{{if .Temporary -}}
Your administrator set a temporary password for your {{.Org}} account{{if .Login}} ({{.Login}}){{end}}:

    {{.Secret}}

Replace it with a password of your own{{if .Until}} by {{.Until}} (within {{.ValidFor}}); after that it stops working and you will need to ask for a new one{{end}}. Open ResetDesk and choose 'Change a temporary password', then type your email address, this temporary password and a new password of your own twice.
{{template "instructions" .}}
{{- else -}}
Your administrator set a new password for your {{.Org}} account{{if .Login}} ({{.Login}}){{end}}:

    {{.Secret}}

Sign in with it.{{if .Until}} It stops working on {{.Until}}.{{end}}
{{end}}
If you did not expect this, contact your administrator.
{{template "footer" .}}
{{- end}}

{{- define "password_notice" -}}
{{template "greeting" .}}

Your administrator reset the password of your {{.Org}} account{{if .Login}} ({{.Login}}){{end}}. Your old password no longer works.

{{if .Temporary -}}
Your administrator set a temporary password for it. For your security this message does not contain it: your administrator gives it to you another way, such as on paper or in person.

Replace it with a password of your own{{if .Until}} by {{.Until}} (within {{.ValidFor}}); after that it stops working and you will need to ask for a new one{{end}}. Open ResetDesk and choose 'Change a temporary password', then type your email address, the temporary password and a new password of your own twice. If you already did this with your administrator, there is nothing more to do.
{{- else -}}
For your security this message does not contain the new password. Please ask your administrator for it.
{{- end}}
{{template "instructions" .}}
If you did not expect this, contact your administrator.
{{template "footer" .}}
{{- end}}

{{- define "undeliverable_notice" -}}
{{template "greeting" .}}

We could not deliver mail to the primary address of your {{.Org}} account{{if .Login}} ({{.Login}}){{end}}, so we could not send you a password reset there.

Please contact the office to have your password reset and your address checked.
{{template "instructions" .}}{{template "footer" .}}
{{- end}}

{{- define "test" -}}
Hello,

This is a test message from ResetDesk's mail settings{{if .OrgKnown}} for {{.Org}}{{end}}. If you can read it, ResetDesk can send mail through this server.

Nothing else to do.
{{template "footer" .}}
{{- end}}
`))

// The HTML bodies. html/template escapes every value for its context, so a
// name or a password with <, & or quotes shows as text.
var htmlTemplates = htmltemplate.Must(htmltemplate.New("html").Parse(`
{{- define "head" -}}
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="max-width:560px;margin:0 auto;padding:24px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;">
<div style="background:#ffffff;border-radius:8px;padding:24px;">
{{end}}
{{- define "greeting"}}<p>{{if .Name}}Hi {{.Name}},{{else}}Hello,{{end}}</p>{{end}}
{{- define "account"}}{{.Org}} account{{if .Login}} (<strong>{{.Login}}</strong>){{end}}{{end}}
{{- define "secret" -}}
<p style="margin:24px 0;"><span style="display:inline-block;padding:12px 20px;background:#f4f5f7;border:1px solid #d0d7de;border-radius:6px;font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:2px;">{{.Secret}}</span></p>
{{- end}}
{{- define "instructions"}}{{if .Instructions}}
<p style="margin:16px 0;padding:12px 16px;border-left:3px solid #0969da;background:#f6f8fa;"><strong>From your office:</strong>{{range .Instructions}}<br>{{.}}{{end}}</p>{{end}}{{end}}
{{- define "foot" -}}
</div>
<p style="color:#6e7781;font-size:12px;margin-top:16px;">Sent by ResetDesk for {{.Org}}.</p>
</div>
</body>
</html>
{{end}}

{{- define "one_time_password" -}}
{{template "head" .}}{{template "greeting" .}}
<p>Your administrator reset the password of your {{template "account" .}}. Your old password no longer works.</p>
<p>Your one-time password:</p>
{{template "secret" .}}
<p>{{if .Until}}It is valid for {{.ValidFor}}, until {{.Until}}, and works only once.{{else}}It works only once.{{end}}</p>
<p>To set your new password, open ResetDesk and choose <strong>I have a one-time password</strong>. Type your email address{{if .Login}} ({{.Login}}){{end}}, this one-time password (capitals, dash and spaces do not matter), and a new password of your own twice.</p>
{{- template "instructions" .}}
<p>If you did not ask for a new password, contact your administrator.</p>
{{template "foot" .}}
{{- end}}

{{- define "password" -}}
{{template "head" .}}{{template "greeting" .}}
{{if .Temporary -}}
<p>Your administrator set a temporary password for your {{template "account" .}}:</p>
{{template "secret" .}}
<p>Replace it with a password of your own{{if .Until}} by <strong>{{.Until}}</strong> (within {{.ValidFor}}); after that it stops working and you will need to ask for a new one{{end}}. Open ResetDesk and choose <strong>Change a temporary password</strong>, then type your email address, this temporary password and a new password of your own twice.</p>
{{- template "instructions" .}}
{{- else -}}
<p>Your administrator set a new password for your {{template "account" .}}:</p>
{{template "secret" .}}
<p>Sign in with it.{{if .Until}} It stops working on {{.Until}}.{{end}}</p>
{{- end}}
<p>If you did not expect this, contact your administrator.</p>
{{template "foot" .}}
{{- end}}

{{- define "password_notice" -}}
{{template "head" .}}{{template "greeting" .}}
<p>Your administrator reset the password of your {{template "account" .}}. Your old password no longer works.</p>
{{if .Temporary -}}
<p>Your administrator set a temporary password for it. For your security this message does not contain it: your administrator gives it to you another way, such as on paper or in person.</p>
<p>Replace it with a password of your own{{if .Until}} by <strong>{{.Until}}</strong> (within {{.ValidFor}}); after that it stops working and you will need to ask for a new one{{end}}. Open ResetDesk and choose <strong>Change a temporary password</strong>, then type your email address, the temporary password and a new password of your own twice. If you already did this with your administrator, there is nothing more to do.</p>
{{- else -}}
<p>For your security this message does not contain the new password. Please ask your administrator for it.</p>
{{- end}}
{{- template "instructions" .}}
<p>If you did not expect this, contact your administrator.</p>
{{template "foot" .}}
{{- end}}

{{- define "undeliverable_notice" -}}
{{template "head" .}}{{template "greeting" .}}
<p>We could not deliver mail to the primary address of your {{template "account" .}}, so we could not send you a password reset there.</p>
<p>Please contact the office to have your password reset and your address checked.</p>
{{- template "instructions" .}}
{{template "foot" .}}
{{- end}}

{{- define "test" -}}
{{template "head" .}}<p>Hello,</p>
<p>This is a test message from ResetDesk's mail settings{{if .OrgKnown}} for {{.Org}}{{end}}. If you can read it, ResetDesk can send mail through this server.</p>
<p>Nothing else to do.</p>
{{template "foot" .}}
{{- end}}
`))
