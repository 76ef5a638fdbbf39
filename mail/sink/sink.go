// Package sink is an SMTP server that accepts every message and keeps it, in
// memory and as .eml files in a folder. The demo runs it in-process so that
// the Mail view has something to show, `resetdesk mail-sink` runs it alone,
// and the mail tests send to it.
//
// It has no TLS and accepts any login, so it listens on loopback only: it
// must never become a server that other machines can send mail through, or
// to which a real password travels over the network.
//
// For fault tests it can reject recipients, fail the next messages with a
// reply of the test's choosing, and drop a connection mid-batch.
package sink

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"resetdesk/app"
)

// Message is one message the sink accepted.
type Message struct {
	From string   // the envelope sender (MAIL FROM)
	To   []string // the envelope recipients (RCPT TO)
	Data []byte   // the message as received, headers and body
	At   time.Time
	User string // the AUTH user name, "" when the client did not log in
	File string // the .eml file it was written to, "" when the sink keeps no folder
}

// Sink is a running SMTP sink. Its methods may be called from any goroutine.
type Sink struct {
	srv  *smtp.Server
	ln   net.Listener
	dir  string
	done chan struct{} // closed when the server stops serving

	closeOnce sync.Once
	closeErr  error

	mu        sync.Mutex
	msgs      []Message
	conns     int
	reject    func(rcpt string) *smtp.SMTPError
	failNext  []*smtp.SMTPError
	dropAfter int // messages still to accept before dropping a connection; -1: never
}

// Start listens on addr (such as "127.0.0.1:0" or "localhost:2525") and
// serves until Close. When dir is not "", each message is also written to it
// as an .eml file, named by time and sequence so that a listing sorts in the
// order of arrival. Start returns an EINVALID *app.Error for an address that
// is not loopback, and EUNAVAILABLE when it cannot listen.
func Start(addr, dir string) (*Sink, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("%q is not a listening address: use host:port, such as 127.0.0.1:2525.", addr), Err: err}
	}
	if !app.IsLoopbackHost(host) {
		return nil, app.Errorf(app.EINVALID, "The mail sink listens on this machine only (127.0.0.1, ::1 or localhost), not on %q: it accepts any login without TLS.", addr)
	}
	if dir != "" {
		// The messages hold one-time passwords: only their owner may read them.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("Could not create the folder %s for the mail sink.", dir), Err: err}
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The mail sink could not listen on %s.", addr), Err: err}
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		// "localhost" resolved to something else.
		ln.Close()
		return nil, app.Errorf(app.EINVALID, "The mail sink listens on this machine only, but %q is not a loopback address here.", addr)
	}

	s := &Sink{ln: ln, dir: dir, done: make(chan struct{}), dropAfter: -1}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{sink: s, conn: c}, nil
	}))
	s.srv.Domain = "resetdesk-sink"
	s.srv.AllowInsecureAuth = true // loopback only, see Start
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = 2 * time.Minute
	s.srv.WriteTimeout = 2 * time.Minute
	s.srv.EnableSMTPUTF8 = true
	// Dropped connections are the point of some tests; nothing to report.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	go func() {
		defer close(s.done)
		_ = s.srv.Serve(&countingListener{Listener: ln, sink: s})
	}()
	return s, nil
}

// Addr returns the address the sink listens on, with the port it got.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Close stops the sink and closes its connections. Messages stay readable.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.srv.Close()
		// srv.Close closes only the listeners Serve has registered; when
		// Close comes first, Serve would wait in Accept for ever.
		_ = s.ln.Close()
		<-s.done
	})
	return s.closeErr
}

// Messages returns the messages accepted so far, oldest first. The caller
// must not modify their Data.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Connections returns how many connections the sink has accepted, so that a
// test can check that a batch used one.
func (s *Sink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// SetReject makes the sink answer RCPT TO with f's error when f returns one
// (550 for an unknown mailbox, 452 for a full one). nil accepts everyone.
func (s *Sink) SetReject(f func(rcpt string) *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = f
}

// FailNext makes the next message fail at the end of DATA with code and msg,
// such as FailNext(451, "4.3.0 Try again later"): an enhanced status code at
// the start of msg is used as such. Each call queues one failure.
func (s *Sink) FailNext(code int, msg string) {
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
	if first, rest, ok := strings.Cut(msg, " "); ok {
		if ec, ok := parseEnhancedCode(first); ok {
			e.EnhancedCode, e.Message = ec, rest
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, e)
}

// DropAfter makes the sink accept n more messages and then close the
// connection when the client starts the next one, as a server that crashed
// would. It happens once; a new connection works again.
func (s *Sink) DropAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter = n
}

// store keeps a message and writes it to the folder.
func (s *Sink) store(m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		name := fmt.Sprintf("%s-%06d.eml", m.At.UTC().Format("20060102T150405.000000000Z"), len(s.msgs)+1)
		m.File = filepath.Join(s.dir, name)
		if err := os.WriteFile(m.File, m.Data, 0o600); err != nil {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "The sink could not store the message"}
		}
	}
	s.msgs = append(s.msgs, m)
	if s.dropAfter > 0 {
		s.dropAfter--
	}
	return nil
}

// session is one client's conversation. go-smtp makes a new one per
// connection (and again after STARTTLS, which the sink does not offer).
type session struct {
	sink *Sink
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		// Any password will do; it is never kept.
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	s := ss.sink
	s.mu.Lock()
	drop := s.dropAfter == 0
	if drop {
		s.dropAfter = -1
	}
	s.mu.Unlock()
	if drop {
		_ = ss.conn.Conn().Close()
		return errors.New("connection dropped")
	}
	ss.from = from
	ss.to = nil
	return nil
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	reject := ss.sink.reject
	ss.sink.mu.Unlock()
	if reject != nil {
		if e := reject(to); e != nil {
			return e
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	var fail *smtp.SMTPError
	if len(s.failNext) > 0 {
		fail, s.failNext = s.failNext[0], s.failNext[1:]
	}
	s.mu.Unlock()
	if fail != nil {
		return fail
	}
	return s.store(Message{From: ss.from, To: append([]string(nil), ss.to...), Data: data, At: time.Now(), User: ss.user})
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	sink *Sink
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.sink.mu.Lock()
		l.sink.conns++
		l.sink.mu.Unlock()
	}
	return c, err
}

func parseEnhancedCode(s string) (smtp.EnhancedCode, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, false
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 {
			return smtp.EnhancedCode{}, false
		}
		ec[i] = n
	}
	return ec, true
}
