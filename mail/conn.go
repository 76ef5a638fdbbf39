package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"resetdesk/app"
)

// helloName is what ResetDesk calls itself in EHLO. A desktop has no name
// the server could check, and submission servers accept this one.
const helloName = "localhost"

// conn is one SMTP connection, ready for MAIL: TLS done, logged in.
type conn struct {
	client *smtp.Client
	raw    net.Conn
	stop   func() bool // stops closing raw when the context ends
}

func (c *conn) close() {
	c.stop()
	_ = c.client.Close()
	_ = c.raw.Close()
}

// connect dials the server, secures the connection as the TLS mode says and
// logs in. Every failure is fatal for the batch: it names the server and
// says why, in the server's words when it gave some.
func (m *Mailer) connect(ctx context.Context) (*conn, *sendError) {
	cfg := m.cfg.withDefaults()
	// Checked again here, not only in NewMailer, so that no path reaches
	// the dial with a Config that would send the password in clear.
	if err := cfg.validate(); err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) {
			ae = &app.Error{Code: app.EINVALID, Err: err}
		}
		return nil, &sendError{err: ae, fatal: true}
	}
	if err := ctx.Err(); err != nil {
		return nil, &sendError{err: cancelled(err), fatal: true}
	}
	addr := cfg.addr()
	d := net.Dialer{Timeout: cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &sendError{err: m.reachError(err), fatal: true}
	}
	// go-smtp takes no context: closing the socket is how a cancelled
	// context stops a command that is waiting for the server.
	c := &conn{raw: raw, stop: context.AfterFunc(ctx, func() { _ = raw.Close() })}
	fail := func(e *sendError) (*conn, *sendError) {
		c.stop()
		_ = raw.Close()
		e.fatal = true
		return nil, e
	}
	dc := &deadlineConn{Conn: raw, limit: cfg.Timeout}
	// Covers the TLS handshake and the greeting, until go-smtp sets its own.
	_ = dc.SetDeadline(time.Time{})

	tlsConfig := &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(dc, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(m.tlsError(err))
		}
		c.client = smtp.NewClient(tc)
	case TLSStartTLS:
		client, err := smtp.NewClientStartTLS(dc, tlsConfig)
		if err != nil {
			return fail(m.startTLSError(err))
		}
		c.client = client
	default:
		// The host was checked before dialing; this checks where the name
		// actually led, in case "localhost" resolves somewhere else.
		if cfg.Username != "" && !app.IsLoopbackAddr(raw.RemoteAddr()) {
			return fail(&sendError{err: app.Errorf(app.EINVALID, "Refusing to send the SMTP password to %s without TLS. Use tls=starttls or smtps://.", cfg.Host)})
		}
		c.client = smtp.NewClient(dc)
	}
	c.client.CommandTimeout = cfg.Timeout
	c.client.SubmissionTimeout = cfg.Timeout

	// EHLO; after STARTTLS this is also where the TLS handshake happens.
	if err := c.client.Hello(helloName); err != nil {
		var se *smtp.SMTPError
		if cfg.TLS == TLSStartTLS && !errors.As(err, &se) {
			return fail(m.tlsError(err))
		}
		return fail(m.greetError(err))
	}
	if cfg.TLS != TLSNone {
		if _, ok := c.client.TLSConnectionState(); !ok {
			return fail(&sendError{err: &app.Error{Code: app.EINTERNAL, Err: fmt.Errorf("mail: no TLS on %s in mode %s", addr, cfg.TLS)}})
		}
	}
	if cfg.Username != "" {
		if e := m.login(c.client); e != nil {
			return fail(e)
		}
	}
	return c, nil
}

// login authenticates with PLAIN, or LOGIN when that is all the server
// offers (older Exchange servers).
func (m *Mailer) login(client *smtp.Client) *sendError {
	cfg := m.cfg
	addr := cfg.addr()
	ok, mechs := client.Extension("AUTH")
	if !ok {
		return &sendError{err: app.Errorf(app.EINVALID, "The mail server at %s does not offer a login (AUTH), but a user name is set. Clear the user name, or check the port and TLS mode.", addr)}
	}
	var a sasl.Client
	switch {
	case client.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", cfg.Username, cfg.Password)
	case client.SupportsAuth(sasl.Login):
		a = sasl.NewLoginClient(cfg.Username, cfg.Password)
	default:
		return &sendError{err: app.Errorf(app.EINVALID, "The mail server at %s offers no login method ResetDesk supports: it offers %s, ResetDesk uses PLAIN or LOGIN.", addr, cleanText(mechs, 100))}
	}
	err := client.Auth(a)
	if err == nil {
		return nil
	}
	user := cleanText(cfg.Username, 100)
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		code := app.EUNAUTHORIZED
		if se.Temporary() {
			code = app.EUNAVAILABLE
		}
		msg := sentence(fmt.Sprintf("The mail server at %s refused the login for user %s: %s", addr, user, serverWords(se)))
		return &sendError{err: &app.Error{Code: code, Message: msg, Err: err}, retry: se.Temporary()}
	case isConnError(err):
		return &sendError{err: &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The connection to the mail server at %s was lost during the login: %s.", addr, netReason(err)), Err: err}}
	}
	return &sendError{err: &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("The login for user %s at the mail server at %s failed: the server answered in a way ResetDesk does not understand.", user, addr), Err: err}}
}

// reachError is the error for a dial that failed.
func (m *Mailer) reachError(err error) *app.Error {
	return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("Could not reach the mail server at %s: %s.", m.cfg.addr(), netReason(err)), Err: err}
}

// greetError is the error for a greeting or EHLO that failed.
func (m *Mailer) greetError(err error) *sendError {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		code := app.EINVALID
		if se.Temporary() {
			code = app.EUNAVAILABLE
		}
		msg := sentence(fmt.Sprintf("The mail server at %s refused the connection: %s", m.cfg.addr(), serverWords(se)))
		return &sendError{err: &app.Error{Code: code, Message: msg, Err: err}, retry: se.Temporary()}
	}
	return &sendError{err: m.reachError(err)}
}

// errNoStartTLS is what go-smtp says, as a plain string, when the server
// does not offer STARTTLS.
const errNoStartTLS = "smtp: server doesn't support STARTTLS"

func (m *Mailer) startTLSError(err error) *sendError {
	if err.Error() == errNoStartTLS {
		return &sendError{err: &app.Error{Code: app.EINVALID, Err: err, Message: fmt.Sprintf(
			"The mail server at %s does not offer STARTTLS, so ResetDesk will not use it: mail would cross the network unencrypted. Use smtps:// if the server expects TLS from the start, or tls=none only for a server on this machine.",
			m.cfg.addr())}}
	}
	return m.greetError(err)
}

// tlsError is the error for a TLS handshake that failed. Certificate
// problems are EINVALID: retrying will not fix them, the settings will.
func (m *Mailer) tlsError(err error) *sendError {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	code := app.EINVALID
	var reason string
	switch {
	case errors.As(err, &unknown):
		reason = "its certificate is not signed by an authority this computer trusts. If the office runs its own certificate authority, add its CA file in Settings (or RESETDESK_SMTP_CA_FILE)"
	case errors.As(err, &hostname):
		reason = fmt.Sprintf("its certificate is not valid for the name %s", m.cfg.Host)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		reason = "its certificate has expired or is not valid yet"
	case errors.As(err, &invalid):
		reason = "its certificate is not valid (" + invalid.Error() + ")"
	case errors.As(err, &record):
		reason = "the server does not speak TLS on this port. Use tls=starttls for port 587, or smtps:// for port 465"
	case isConnError(err):
		code, reason = app.EUNAVAILABLE, netReason(err)
	default:
		reason = err.Error()
	}
	return &sendError{err: &app.Error{Code: code, Message: sentence(fmt.Sprintf("Could not start a secure connection with the mail server at %s: %s", m.cfg.addr(), reason)), Err: err}}
}

// deadlineConn caps every deadline go-smtp sets at limit from now, and turns
// "no deadline" into that cap. go-smtp waits five minutes for a reply by
// default and writes message bodies with no deadline at all; an admin should
// not watch a frozen progress bar that long.
type deadlineConn struct {
	net.Conn
	limit time.Duration
}

func (c *deadlineConn) capped(t time.Time) time.Time {
	max := time.Now().Add(c.limit)
	if t.IsZero() || t.After(max) {
		return max
	}
	return t
}

func (c *deadlineConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.capped(t)) }

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.capped(t))
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.capped(t))
}
