package mail

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"resetdesk/app"
)

// TLSMode says how the connection to the mail server is secured.
type TLSMode string

// The TLS modes. STARTTLS is the default because it is what submission
// servers (port 587) expect.
const (
	TLSStartTLS TLSMode = "starttls" // connect in plain text, then STARTTLS; refuse if not offered
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (smtps://, port 465)
	TLSNone     TLSMode = "none"     // no TLS: a password is sent only to a loopback server
)

// Default ports per TLS mode.
const (
	DefaultPortStartTLS = 587
	DefaultPortImplicit = 465
	DefaultPortNone     = 25
)

// DefaultTimeout bounds connecting and each SMTP command when Config.Timeout
// is zero.
const DefaultTimeout = 30 * time.Second

// Config says how to reach the mail server. Its String method leaves the
// password out, so a Config may be logged.
type Config struct {
	Host     string
	Port     int     // 0: the default port of the TLS mode
	TLS      TLSMode // "": TLSStartTLS
	Username string  // "": no AUTH
	Password string
	From     string         // the From header, "ResetDesk <noreply@office.example>" or an address; its address is the envelope sender
	RootCAs  *x509.CertPool // certificate authorities to trust; nil: the system's (see LoadCAFile)
	Timeout  time.Duration  // for connecting and for each command; 0: DefaultTimeout
}

// String formats c as an SMTP URL without the password.
func (c Config) String() string {
	c = c.withDefaults()
	u := url.URL{Scheme: "smtp", Host: c.addr()}
	if c.TLS == TLSImplicit {
		u.Scheme = "smtps"
	} else {
		u.RawQuery = "tls=" + string(c.TLS)
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// withDefaults fills in the TLS mode, port and timeout left at zero.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = DefaultPortImplicit
		case TLSNone:
			c.Port = DefaultPortNone
		default:
			c.Port = DefaultPortStartTLS
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// addr is host:port, the way messages name the server.
func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// validate returns an EINVALID error for a Config that cannot work. c has its
// defaults filled in.
func (c Config) validate() error {
	switch {
	case strings.TrimSpace(c.Host) == "":
		return app.Errorf(app.EINVALID, "Enter the host name of the mail server.")
	case hasControl(c.Host) || strings.ContainsAny(c.Host, " /@?#"):
		return app.Errorf(app.EINVALID, "%q is not a valid host name for the mail server.", cleanText(c.Host, 60))
	case c.Port < 1 || c.Port > 65535:
		return app.Errorf(app.EINVALID, "The mail server's port must be between 1 and 65535, not %d.", c.Port)
	case c.TLS != TLSStartTLS && c.TLS != TLSImplicit && c.TLS != TLSNone:
		return app.Errorf(app.EINVALID, "Unknown TLS mode %q: use starttls, tls or none.", cleanText(string(c.TLS), 20))
	case c.Password != "" && c.Username == "":
		return app.Errorf(app.EINVALID, "An SMTP password is set but no user name. Enter the user name, or clear the password.")
	}
	if _, err := parseSender(c.From); err != nil {
		return err
	}
	return checkCleartextAuth(c)
}

// checkCleartextAuth refuses a Config that would send the SMTP password over
// an unencrypted connection to another machine. It looks at the configured
// host only, so it runs before any dial; connect checks the address it
// actually reached as well.
func checkCleartextAuth(c Config) error {
	if c.Username == "" || c.TLS != TLSNone || app.IsLoopbackHost(c.Host) {
		return nil
	}
	return app.Errorf(app.EINVALID, "Refusing to send the SMTP password to %s without TLS. Use tls=starttls or smtps://.", c.Host)
}

// ParseURL parses the RESETDESK_SMTP_URL form of a Config:
// smtp://user:password@host:port?tls=starttls (the default) or tls=none, and
// smtps://user:password@host:port for implicit TLS. The port defaults to 587
// for starttls, 25 for none and 465 for smtps. From is left empty.
//
// Errors are EINVALID and never repeat the URL, which holds the password.
func ParseURL(raw string) (Config, error) {
	usage := "Use smtp://user:password@host:port?tls=starttls (or tls=none), or smtps://user:password@host:port."
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Opaque != "" || u.Host == "" {
		return Config{}, app.Errorf(app.EINVALID, "The SMTP URL is not valid. %s", usage)
	}
	var c Config
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		c.TLS = TLSStartTLS
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return Config{}, app.Errorf(app.EINVALID, "The SMTP URL must start with smtp:// or smtps://. %s", usage)
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return Config{}, app.Errorf(app.EINVALID, "The SMTP URL must not have a path. %s", usage)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, app.Errorf(app.EINVALID, "The options of the SMTP URL are not valid. %s", usage)
	}
	for k, vs := range q {
		if k != "tls" || len(vs) != 1 {
			return Config{}, app.Errorf(app.EINVALID, "Unknown option %q in the SMTP URL: only tls=starttls or tls=none is allowed.", cleanText(k, 20))
		}
		mode := TLSMode(strings.ToLower(vs[0]))
		switch {
		case mode == TLSImplicit, mode == c.TLS:
			c.TLS = mode
		case c.TLS == TLSImplicit:
			return Config{}, app.Errorf(app.EINVALID, "smtps:// always uses TLS: drop tls=%s, or use smtp://.", cleanText(string(mode), 20))
		case mode == TLSNone:
			c.TLS = TLSNone
		default:
			return Config{}, app.Errorf(app.EINVALID, "Unknown TLS mode %q in the SMTP URL: use tls=starttls or tls=none.", cleanText(string(mode), 20))
		}
	}
	c.Host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, app.Errorf(app.EINVALID, "The port in the SMTP URL must be between 1 and 65535.")
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c.withDefaults(), nil
}

// LoadCAFile returns the system's certificate pool plus the PEM certificates
// in the file at path, for an office mail server whose certificate comes from
// its own authority. It returns an EINVALID error when the file cannot be read
// or holds no certificate, since trusting nothing extra is not what the admin
// asked for.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		reason := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return nil, &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("Could not read the CA file %s: %s.", path, reason), Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		// Some platforms give no access to the system pool; the office's
		// own authority alone still lets ResetDesk reach its server.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, app.Errorf(app.EINVALID, "The CA file %s holds no PEM certificates (-----BEGIN CERTIFICATE-----).", path)
	}
	return pool, nil
}

// Mailer is app.Mailer over SMTP. It holds no connection between calls:
// each Send dials once, sends the whole batch and quits. A Mailer may be
// used by several goroutines at once as long as its fields are not changed.
type Mailer struct {
	cfg Config

	// Backoff is how long to wait before each retry of a message that failed
	// for a reason that may pass (a 4xx reply, a dropped connection): a
	// message gets len(Backoff)+1 attempts. Tests shorten it.
	Backoff []time.Duration
}

var _ app.Mailer = (*Mailer)(nil)

// NewMailer returns a Mailer for cfg, with its defaults filled in. It returns
// an EINVALID error when cfg cannot work, including when it would send the
// password without TLS to a server that is not on this machine.
func NewMailer(cfg Config) (*Mailer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Mailer{cfg: cfg, Backoff: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}}, nil
}

// String describes the Mailer without its password.
func (m *Mailer) String() string { return "mail.Mailer(" + m.cfg.String() + ")" }

// Result is the outcome of sending one notice.
type Result struct {
	Err      error // nil when the server accepted the message
	Attempts int   // how many times sending it was tried; 0 when it never was (a bad address, or the server failed before its turn)
}

// SendCounted is Send with the number of attempts per notice, for
// app.CountingMailer.
func (m *Mailer) SendCounted(ctx context.Context, notices []app.Notice) ([]error, []int) {
	errs, attempts := make([]error, len(notices)), make([]int, len(notices))
	for i, r := range m.SendAll(ctx, notices) {
		errs[i], attempts[i] = r.Err, r.Attempts
	}
	return errs, attempts
}

// Send sends notices over one connection and returns one error per notice,
// nil when the server accepted it. See SendAll.
func (m *Mailer) Send(ctx context.Context, notices []app.Notice) []error {
	errs := make([]error, len(notices))
	for i, r := range m.SendAll(ctx, notices) {
		errs[i] = r.Err
	}
	return errs
}

// SendAll sends notices over one connection, in order, and returns a Result
// per notice. Errors are *app.Error:
//
//   - a notice that cannot be composed (bad address): EINVALID, not sent;
//   - a 5xx reply: EINVALID with the server's own words, e.g.
//     "550 5.1.1 <x@y>: Recipient address rejected";
//   - a 4xx reply, still failing after the retries: EUNAVAILABLE, the server's words;
//   - a server that cannot be reached, will not do TLS, or refuses the login:
//     that error (naming the server) for this and every later notice;
//   - ctx cancelled: EUNAVAILABLE for the notices not sent.
//
// A 4xx reply or a dropped connection is retried after Backoff, on a new
// connection when needed. A connection dropped after the server took a
// message but before it said so may lead to that message arriving twice;
// that is the price of not losing it.
func (m *Mailer) SendAll(ctx context.Context, notices []app.Notice) []Result {
	res := make([]Result, len(notices))
	msgs := make([][]byte, len(notices))
	now := time.Now()
	for i, n := range notices {
		// Each message gets its own nanosecond so that Message-IDs differ
		// even for notices without a delivery row (id 0).
		msgs[i], res[i].Err = Compose(n, m.cfg.From, now.Add(time.Duration(i)))
	}
	var envelopeFrom string
	if sender, err := parseSender(m.cfg.From); err == nil {
		envelopeFrom = sender.Address
	}

	s := &session{m: m}
	defer s.close()
	for i, n := range notices {
		if res[i].Err != nil {
			continue
		}
		if s.fatal != nil {
			res[i].Err = s.fatal
			continue
		}
		res[i] = s.deliver(ctx, envelopeFrom, n.To, msgs[i])
	}
	return res
}

// Check connects to the server, starts TLS and logs in as Send would, then
// quits. Settings uses it to test the configuration without sending mail.
func (m *Mailer) Check(ctx context.Context) error {
	c, err := m.connect(ctx)
	if err != nil {
		return err.err
	}
	if qerr := c.client.Quit(); qerr != nil {
		c.close()
		return m.sendError(qerr).err
	}
	c.close()
	return nil
}

// session is the connection of one SendAll, made again when it drops.
type session struct {
	m     *Mailer
	c     *conn
	fatal *app.Error // set when the server cannot be used: later notices get it
}

func (s *session) close() {
	if s.c != nil {
		_ = s.c.client.Quit() // a polite goodbye; the message outcomes are known already
		s.c.close()
		s.c = nil
	}
}

func (s *session) drop() {
	if s.c != nil {
		s.c.close()
		s.c = nil
	}
}

// deliver sends one message, retrying what may pass.
func (s *session) deliver(ctx context.Context, from, to string, msg []byte) Result {
	var r Result
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			s.fatal = cancelled(err)
			r.Err = s.fatal
			return r
		}
		r.Attempts = attempt
		e := s.try(ctx, from, to, msg)
		if e == nil {
			r.Err = nil
			return r
		}
		r.Err = e.err
		if !e.retry || attempt > len(s.m.Backoff) {
			if e.fatal || e.connLost {
				// The server could not be used even after retrying: the rest
				// of the batch would only fail the same way, slower.
				s.fatal = e.err
			}
			return r
		}
		t := time.NewTimer(s.m.Backoff[attempt-1])
		select {
		case <-ctx.Done():
			t.Stop()
			s.fatal = cancelled(ctx.Err())
			r.Err = s.fatal
			return r
		case <-t.C:
		}
	}
}

// try makes one attempt at sending msg, connecting first when needed.
func (s *session) try(ctx context.Context, from, to string, msg []byte) *sendError {
	if s.c == nil {
		c, err := s.m.connect(ctx)
		if err != nil {
			return err
		}
		s.c = c
	}
	err := s.c.client.SendMail(from, []string{to}, bytes.NewReader(msg))
	if err == nil {
		return nil
	}
	e := s.m.sendError(err)
	if e.connLost {
		s.drop()
		return e
	}
	// Clear the failed transaction so the next message starts clean; if
	// even that fails, the connection is of no more use.
	if rerr := s.c.client.Reset(); rerr != nil {
		s.drop()
	}
	return e
}

// sendError is an attempt's failure and what to do about it.
type sendError struct {
	err      *app.Error
	retry    bool // another attempt may succeed
	fatal    bool // the server cannot be used at all (unreachable, TLS, login)
	connLost bool // the connection broke: reconnect before the next attempt
}

// sendError classifies an error from a transaction.
func (m *Mailer) sendError(err error) *sendError {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		words := serverWords(se)
		if se.Temporary() {
			// 421 means the server is closing the connection.
			return &sendError{err: &app.Error{Code: app.EUNAVAILABLE, Message: words, Err: err}, retry: true, connLost: se.Code == 421}
		}
		return &sendError{err: &app.Error{Code: app.EINVALID, Message: words, Err: err}}
	case isConnError(err):
		return &sendError{
			err:   &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The connection to the mail server at %s was lost: %s.", m.cfg.addr(), netReason(err)), Err: err},
			retry: true, connLost: true,
		}
	case strings.Contains(err.Error(), "SMTPUTF8"):
		return &sendError{err: &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("The mail server at %s does not accept international email addresses (SMTPUTF8).", m.cfg.addr()), Err: err}}
	}
	return &sendError{err: &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("The mail server at %s could not take this message.", m.cfg.addr()), Err: err}}
}

// serverWords renders a reply the way the server sent it, e.g.
// "550 5.1.1 <x@y>: Recipient address rejected", on one line.
func serverWords(se *smtp.SMTPError) string {
	msg := strings.Join(strings.Fields(se.Message), " ")
	ec := se.EnhancedCode
	if ec == smtp.EnhancedCodeNotSet || ec == smtp.NoEnhancedCode {
		return strings.TrimSpace(fmt.Sprintf("%d %s", se.Code, msg))
	}
	return strings.TrimSpace(fmt.Sprintf("%d %d.%d.%d %s", se.Code, ec[0], ec[1], ec[2], msg))
}

// sentence ends s with a full stop unless it ends with punctuation already.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

func cancelled(err error) *app.Error {
	return &app.Error{Code: app.EUNAVAILABLE, Message: "Sending was stopped before this message went out.", Err: err}
}

// isConnError reports whether err means the connection is broken, as opposed
// to the server or go-smtp refusing one transaction.
func isConnError(err error) bool {
	var ne net.Error
	var pe textproto.ProtocolError
	return errors.As(err, &ne) || errors.As(err, &pe) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// netReason says in a few words why a network operation failed.
func netReason(err error) string {
	var dnsErr *net.DNSError
	var sysErr *os.SyscallError
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return dnsErr.Err
	case errors.As(err, &sysErr):
		return sysErr.Err.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "the server closed the connection"
	}
	return err.Error()
}
