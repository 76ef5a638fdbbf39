package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"resetdesk/app"
	"resetdesk/mail"
	"resetdesk/mail/sink"
)

// fast is the backoff of the tests: retries without waiting for real.
var fast = []time.Duration{time.Millisecond, 2 * time.Millisecond}

func startSink(t *testing.T) *sink.Sink {
	t.Helper()
	s, err := sink.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

func sinkConfig(t *testing.T, s *sink.Sink) mail.Config {
	host, port := hostPort(t, s.Addr())
	return mail.Config{Host: host, Port: port, TLS: mail.TLSNone, From: from, Timeout: 5 * time.Second}
}

func newMailer(t *testing.T, cfg mail.Config) *mail.Mailer {
	t.Helper()
	m, err := mail.NewMailer(cfg)
	if err != nil {
		t.Fatalf("NewMailer: %v", err)
	}
	m.Backoff = fast
	return m
}

// otps returns one-time password notices to user1@, user2@, ... with codes
// 100001, 100002, ...
func otps(n int) []app.Notice {
	var ns []app.Notice
	for i := 1; i <= n; i++ {
		ns = append(ns, app.Notice{
			DeliveryID: int64(i),
			Kind:       app.KindOneTimePassword,
			To:         fmt.Sprintf("user%d@acme.example", i),
			UserName:   fmt.Sprintf("User %d", i),
			Login:      fmt.Sprintf("user%d@acme.example", i),
			OrgName:    "Acme Office",
			Secret:     strconv.Itoa(100000 + i),
			ExpiresAt:  time.Now().Add(15 * time.Minute),
		})
	}
	return ns
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("notice %d: %v", i, err)
		}
	}
}

// wantAppError checks err's code and its sentence for the admin.
func wantAppError(t *testing.T, err error, code, message string) {
	t.Helper()
	if app.ErrorCode(err) != code || app.ErrorMessage(err) != message {
		t.Errorf("error = %s %q\n  want %s %q", app.ErrorCode(err), app.ErrorMessage(err), code, message)
	}
}

func TestSendBatchOverOneConnection(t *testing.T) {
	s := startSink(t)
	ns := otps(3)
	noErrors(t, newMailer(t, sinkConfig(t, s)).Send(context.Background(), ns))

	// Send is synchronous: the messages are there when it returns.
	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("the sink holds %d messages, want 3", len(msgs))
	}
	if got := s.Connections(); got != 1 {
		t.Errorf("the batch used %d connections, want 1", got)
	}
	for i, m := range msgs {
		n := ns[i]
		if m.From != "noreply@acme.example" || len(m.To) != 1 || m.To[0] != n.To {
			t.Errorf("message %d: envelope %s -> %v, want noreply@acme.example -> %s", i, m.From, m.To, n.To)
		}
		p := parse(t, m.Data)
		if p.subject != "Your one-time password for Acme Office" {
			t.Errorf("message %d: subject %q", i, p.subject)
		}
		if len(p.to) != 1 || p.to[0].Address != n.To || p.to[0].Name != n.UserName {
			t.Errorf("message %d: To %v, want %s <%s>", i, p.to, n.UserName, n.To)
		}
		if !strings.Contains(p.text, n.Secret) {
			t.Errorf("message %d: the text part lacks its one-time password", i)
		}
		if _, err := os.Stat(m.File); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
}

func TestSendLoginPlainOverLoopback(t *testing.T) {
	s := startSink(t)
	cfg := sinkConfig(t, s)
	cfg.Username, cfg.Password = "alex", "sink-accepts-anything"
	noErrors(t, newMailer(t, cfg).Send(context.Background(), otps(1)))
	if msgs := s.Messages(); len(msgs) != 1 || msgs[0].User != "alex" {
		t.Fatalf("the sink got %d messages; want 1, sent after logging in as alex", len(msgs))
	}
}

func TestRefusePasswordWithoutTLS(t *testing.T) {
	for _, host := range []string{"mail.example.com", "192.0.2.1", "10.0.0.25", "::ffff:192.0.2.1"} {
		_, err := mail.NewMailer(mail.Config{Host: host, TLS: mail.TLSNone, Username: "alex", Password: "secret", From: from})
		wantAppError(t, err, app.EINVALID, "Refusing to send the SMTP password to "+host+" without TLS. Use tls=starttls or smtps://.")
	}
	// Without a password there is nothing to protect, and on loopback
	// nothing crosses the network.
	for _, cfg := range []mail.Config{
		{Host: "mail.example.com", TLS: mail.TLSNone, From: from},
		{Host: "localhost", TLS: mail.TLSNone, Username: "alex", Password: "secret", From: from},
		{Host: "127.0.0.2", TLS: mail.TLSNone, Username: "alex", Password: "secret", From: from},
		{Host: "::1", TLS: mail.TLSNone, Username: "alex", Password: "secret", From: from},
		{Host: "mail.example.com", Username: "alex", Password: "secret", From: from},
		{Host: "mail.example.com", TLS: mail.TLSImplicit, Username: "alex", Password: "secret", From: from},
	} {
		if _, err := mail.NewMailer(cfg); err != nil {
			t.Errorf("NewMailer(%s): %v", cfg, err)
		}
	}
}

func TestPermanentRejectionFailsOneNotice(t *testing.T) {
	s := startSink(t)
	s.SetReject(func(rcpt string) *smtp.SMTPError {
		if rcpt == "user2@acme.example" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<user2@acme.example>: Recipient address rejected"}
		}
		return nil
	})
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), otps(3))

	if res[0].Err != nil || res[2].Err != nil {
		t.Errorf("errors = %v, %v; want the other notices sent", res[0].Err, res[2].Err)
	}
	wantAppError(t, res[1].Err, app.EINVALID, "550 5.1.1 <user2@acme.example>: Recipient address rejected")
	if res[1].Attempts != 1 {
		t.Errorf("a permanent failure was tried %d times, want 1", res[1].Attempts)
	}
	if n, c := len(s.Messages()), s.Connections(); n != 2 || c != 1 {
		t.Errorf("the sink got %d messages over %d connections, want 2 over 1", n, c)
	}
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	s := startSink(t)
	s.FailNext(451, "4.3.0 Try again later")
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), otps(2))

	for i, want := range []int{2, 1} {
		if res[i].Err != nil || res[i].Attempts != want {
			t.Errorf("notice %d: %v after %d attempts, want sent after %d", i, res[i].Err, res[i].Attempts, want)
		}
	}
	if n, c := len(s.Messages()), s.Connections(); n != 2 || c != 1 {
		t.Errorf("the sink got %d messages over %d connections, want 2 over 1", n, c)
	}
}

func TestTemporaryFailureGivesUp(t *testing.T) {
	s := startSink(t)
	for range 3 {
		s.FailNext(452, "4.2.2 Mailbox full")
	}
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), otps(2))

	wantAppError(t, res[0].Err, app.EUNAVAILABLE, "452 4.2.2 Mailbox full")
	if res[0].Attempts != 3 {
		t.Errorf("notice 0 was tried %d times, want 3", res[0].Attempts)
	}
	if res[1].Err != nil {
		t.Errorf("notice 1: %v, want sent", res[1].Err)
	}
}

func TestServerClosingIsRetriedOnNewConnection(t *testing.T) {
	s := startSink(t)
	s.FailNext(421, "4.4.2 Closing connection")
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), otps(2))
	for i, want := range []int{2, 1} {
		if res[i].Err != nil || res[i].Attempts != want {
			t.Errorf("notice %d: %v after %d attempts, want sent after %d", i, res[i].Err, res[i].Attempts, want)
		}
	}
	if n, c := len(s.Messages()), s.Connections(); n != 2 || c != 2 {
		t.Errorf("the sink got %d messages over %d connections, want 2 over 2", n, c)
	}
}

func TestDroppedConnectionReconnects(t *testing.T) {
	s := startSink(t)
	s.DropAfter(1)
	ns := otps(3)
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), ns)

	for i, want := range []int{1, 2, 1} {
		if res[i].Err != nil || res[i].Attempts != want {
			t.Errorf("notice %d: %v after %d attempts, want sent after %d", i, res[i].Err, res[i].Attempts, want)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 3 || s.Connections() != 2 {
		t.Fatalf("the sink got %d messages over %d connections, want 3 over 2", len(msgs), s.Connections())
	}
	for i, m := range msgs {
		if m.To[0] != ns[i].To {
			t.Errorf("message %d went to %v, want %s", i, m.To, ns[i].To)
		}
	}
}

func TestUnreachableServerFailsEveryNotice(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	host, port := hostPort(t, addr)

	m := newMailer(t, mail.Config{Host: host, Port: port, TLS: mail.TLSNone, From: from})
	res := m.SendAll(context.Background(), otps(3))
	for i, r := range res {
		wantAppError(t, r.Err, app.EUNAVAILABLE, "Could not reach the mail server at "+addr+": connection refused.")
		if want := min(i, 1) ^ 1; r.Attempts != want {
			t.Errorf("notice %d: %d attempts, want %d", i, r.Attempts, want)
		}
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	// A server that accepts and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	host, port := hostPort(t, ln.Addr().String())
	m := newMailer(t, mail.Config{Host: host, Port: port, TLS: mail.TLSNone, From: from, Timeout: 200 * time.Millisecond})

	start := time.Now()
	errs := m.Send(context.Background(), otps(2))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v against a silent server with a 200ms timeout", d)
	}
	for _, err := range errs {
		wantAppError(t, err, app.EUNAVAILABLE, "Could not reach the mail server at "+ln.Addr().String()+": timed out.")
	}
}

func TestCancelledContext(t *testing.T) {
	s := startSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range newMailer(t, sinkConfig(t, s)).Send(ctx, otps(2)) {
		if app.ErrorCode(err) != app.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want EUNAVAILABLE wrapping context.Canceled", err)
		}
	}
	if s.Connections() != 0 {
		t.Errorf("a cancelled Send connected to the server")
	}
}

func TestBadNoticeFailsAlone(t *testing.T) {
	s := startSink(t)
	ns := otps(3)
	ns[1].To = "user2@acme.example\r\nBcc: x@evil.test"
	res := newMailer(t, sinkConfig(t, s)).SendAll(context.Background(), ns)
	if res[0].Err != nil || res[2].Err != nil {
		t.Errorf("errors = %v, %v; want the good notices sent", res[0].Err, res[2].Err)
	}
	if app.ErrorCode(res[1].Err) != app.EINVALID || res[1].Attempts != 0 {
		t.Errorf("bad notice: %v after %d attempts, want EINVALID before any attempt", res[1].Err, res[1].Attempts)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("the sink got %d messages, want 2", n)
	}
}

// tlsServer is a go-smtp server with a self-signed certificate that requires
// a login, as an office server does.
type tlsServer struct {
	addr string
	cert []byte         // the server's self-signed certificate, DER
	pool *x509.CertPool // trusts it

	mu   sync.Mutex
	got  []string // recipients of the messages received
	tls  []bool   // whether each message came over TLS
	user []string // who sent each message
}

type tlsServerOptions struct {
	implicit bool     // TLS from the first byte instead of STARTTLS
	mechs    []string // AUTH mechanisms offered after TLS
	names    []string // the certificate's DNS names instead of 127.0.0.1 and localhost
}

const (
	testUser     = "alex"
	testPassword = "correct horse battery staple"
)

func startTLSServer(t *testing.T, opts tlsServerOptions) *tlsServer {
	t.Helper()
	cert, pool := selfSignedCert(t, opts.names)
	ts := &tlsServer{cert: cert.Certificate[0], pool: pool}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &tlsSession{ts: ts, conn: c, mechs: opts.mechs}, nil
	}))
	srv.Domain = "mail.acme.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second

	var ln net.Listener
	var err error
	if opts.implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ts
}

func (ts *tlsServer) config(t *testing.T, mode mail.TLSMode, user, password string) mail.Config {
	host, port := hostPort(t, ts.addr)
	return mail.Config{Host: host, Port: port, TLS: mode, Username: user, Password: password, From: from, RootCAs: ts.pool, Timeout: 5 * time.Second}
}

func (ts *tlsServer) received() (rcpts []string, overTLS []bool, users []string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.got...), append([]bool(nil), ts.tls...), append([]string(nil), ts.user...)
}

type tlsSession struct {
	ts    *tlsServer
	conn  *smtp.Conn
	mechs []string
	user  string
	to    []string
}

func (s *tlsSession) AuthMechanisms() []string { return s.mechs }

func (s *tlsSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, password string) error {
		if user != testUser || password != testPassword {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, password string) error { return check(user, password) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *tlsSession) Mail(string, *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *tlsSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *tlsSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	_, overTLS := s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	for _, to := range s.to {
		s.ts.got = append(s.ts.got, to)
		s.ts.tls = append(s.ts.tls, overTLS)
		s.ts.user = append(s.ts.user, s.user)
	}
	return nil
}

func (s *tlsSession) Reset()        { s.to = nil }
func (s *tlsSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks: ask
// for the user name unless the client sent it at once, then the password.
type loginServer struct {
	check func(user, password string) error
	user  *string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch {
	case l.user == nil && response == nil:
		return []byte("Username:"), false, nil
	case l.user == nil:
		u := string(response)
		l.user = &u
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(*l.user, string(response))
}

// selfSignedCert makes a certificate for names, or for 127.0.0.1 and
// localhost when there are none, and a pool that trusts it.
func selfSignedCert(t *testing.T, names []string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ResetDesk test mail server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	if len(names) > 0 {
		tmpl.IPAddresses, tmpl.DNSNames = nil, names
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestStartTLSWithLogin(t *testing.T) {
	for _, mechs := range [][]string{{sasl.Plain, sasl.Login}, {sasl.Login}} {
		t.Run(strings.Join(mechs, "+"), func(t *testing.T) {
			ts := startTLSServer(t, tlsServerOptions{mechs: mechs})
			m := newMailer(t, ts.config(t, mail.TLSStartTLS, testUser, testPassword))
			noErrors(t, m.Send(context.Background(), otps(2)))

			rcpts, overTLS, users := ts.received()
			if len(rcpts) != 2 || rcpts[0] != "user1@acme.example" || rcpts[1] != "user2@acme.example" {
				t.Fatalf("the server received mail for %v", rcpts)
			}
			for i := range rcpts {
				if !overTLS[i] || users[i] != testUser {
					t.Errorf("message %d: over TLS %v, logged in as %q; want TLS and %s", i, overTLS[i], users[i], testUser)
				}
			}
		})
	}
}

func TestImplicitTLS(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{implicit: true, mechs: []string{sasl.Plain}})
	noErrors(t, newMailer(t, ts.config(t, mail.TLSImplicit, testUser, testPassword)).Send(context.Background(), otps(1)))
	if rcpts, overTLS, _ := ts.received(); len(rcpts) != 1 || !overTLS[0] {
		t.Errorf("the server received %v, over TLS %v; want one message over TLS", rcpts, overTLS)
	}
}

func TestWrongPassword(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{mechs: []string{sasl.Plain}})
	const wrong = "not the password"
	m := newMailer(t, ts.config(t, mail.TLSStartTLS, testUser, wrong))
	want := "The mail server at " + ts.addr + " refused the login for user alex: 535 5.7.8 Authentication failed."

	errs := m.Send(context.Background(), otps(2))
	for _, err := range errs {
		wantAppError(t, err, app.EUNAUTHORIZED, want)
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("the error holds the password")
		}
	}
	wantAppError(t, m.Check(context.Background()), app.EUNAUTHORIZED, want)
	if rcpts, _, _ := ts.received(); len(rcpts) != 0 {
		t.Errorf("the server received %d messages", len(rcpts))
	}
}

func TestCheck(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{mechs: []string{sasl.Plain}})
	if err := newMailer(t, ts.config(t, mail.TLSStartTLS, testUser, testPassword)).Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{mechs: []string{sasl.Plain}})
	cfg := ts.config(t, mail.TLSStartTLS, testUser, testPassword)
	cfg.RootCAs = x509.NewCertPool() // trusts nothing
	err := newMailer(t, cfg).Check(context.Background())
	wantAppError(t, err, app.EINVALID, "Could not start a secure connection with the mail server at "+ts.addr+
		": its certificate is not signed by an authority this computer trusts. If the office runs its own certificate authority, add its CA file in Settings (or RESETDESK_SMTP_CA_FILE).")
}

func TestCertificateForAnotherName(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{implicit: true, mechs: []string{sasl.Plain}, names: []string{"mail.acme.test"}})
	err := newMailer(t, ts.config(t, mail.TLSImplicit, testUser, testPassword)).Check(context.Background())
	wantAppError(t, err, app.EINVALID, "Could not start a secure connection with the mail server at "+ts.addr+": its certificate is not valid for the name 127.0.0.1.")
}

func TestStartTLSNotOffered(t *testing.T) {
	s := startSink(t) // no TLS at all
	cfg := sinkConfig(t, s)
	cfg.TLS = mail.TLSStartTLS
	errs := newMailer(t, cfg).Send(context.Background(), otps(2))
	for _, err := range errs {
		wantAppError(t, err, app.EINVALID, "The mail server at "+s.Addr()+" does not offer STARTTLS, so ResetDesk will not use it: mail would cross the network unencrypted. Use smtps:// if the server expects TLS from the start, or tls=none only for a server on this machine.")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages went out without TLS", n)
	}
}

func TestImplicitTLSToPlainServer(t *testing.T) {
	s := startSink(t)
	cfg := sinkConfig(t, s)
	cfg.TLS = mail.TLSImplicit
	err := newMailer(t, cfg).Check(context.Background())
	wantAppError(t, err, app.EINVALID, "Could not start a secure connection with the mail server at "+s.Addr()+
		": the server does not speak TLS on this port. Use tls=starttls for port 587, or smtps:// for port 465.")
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want mail.Config
	}{
		{"smtp://alex:p%40ss@mail.acme.example", mail.Config{Host: "mail.acme.example", Port: 587, TLS: mail.TLSStartTLS, Username: "alex", Password: "p@ss"}},
		{"smtp://alex:pw@mail.acme.example:2525?tls=starttls", mail.Config{Host: "mail.acme.example", Port: 2525, TLS: mail.TLSStartTLS, Username: "alex", Password: "pw"}},
		{"smtp://localhost?tls=none", mail.Config{Host: "localhost", Port: 25, TLS: mail.TLSNone}},
		{"smtp://127.0.0.1:1025?tls=none", mail.Config{Host: "127.0.0.1", Port: 1025, TLS: mail.TLSNone}},
		{"smtps://alex:pw@mail.acme.example", mail.Config{Host: "mail.acme.example", Port: 465, TLS: mail.TLSImplicit, Username: "alex", Password: "pw"}},
		{"SMTPS://mail.acme.example:4650/", mail.Config{Host: "mail.acme.example", Port: 4650, TLS: mail.TLSImplicit}},
		{"smtp://[::1]:25?tls=none", mail.Config{Host: "::1", Port: 25, TLS: mail.TLSNone}},
	} {
		got, err := mail.ParseURL(tc.url)
		tc.want.Timeout = mail.DefaultTimeout
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%s) = %s, %v; want %s", tc.want, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "mail.acme.example", "http://mail.acme.example", "smtp://", "smtp:mail.acme.example",
		"smtp://mail.acme.example:0", "smtp://mail.acme.example:70000", "smtp://mail.acme.example:x",
		"smtp://mail.acme.example?tls=maybe", "smtps://mail.acme.example?tls=none", "smtps://mail.acme.example?tls=starttls",
		"smtp://mail.acme.example?from=x@y", "smtp://mail.acme.example/path", "smtp://mail.acme.example?tls=none&tls=none",
	} {
		if _, err := mail.ParseURL(bad); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("ParseURL(%q) error = %v, want EINVALID", bad, err)
		}
	}
}

func TestParseURLErrorsHideThePassword(t *testing.T) {
	for _, raw := range []string{"smtp://alex:hunter2@mail.acme.example:bad", "ftp://alex:hunter2@mail.acme.example", "smtp://alex:hunter2@mail.acme.example?tls=x"} {
		if _, err := mail.ParseURL(raw); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL error %v; want one that does not hold the password", err)
		}
	}
}

func TestConfigStringHidesThePassword(t *testing.T) {
	cfg := mail.Config{Host: "mail.acme.example", Username: "alex", Password: "hunter2"}
	if got, want := cfg.String(), "smtp://alex@mail.acme.example:587?tls=starttls"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	m, err := mail.NewMailer(mail.Config{Host: "mail.acme.example", Username: "alex", Password: "hunter2", From: from})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %s", m, m, m); strings.Contains(s, "hunter2") {
		t.Errorf("a formatted Mailer holds the password")
	}
}

func TestNewMailerValidates(t *testing.T) {
	for _, cfg := range []mail.Config{
		{From: from},
		{Host: "mail acme", From: from},
		{Host: "mail.acme.example\r\n", From: from},
		{Host: "mail.acme.example", Port: 70000, From: from},
		{Host: "mail.acme.example", TLS: "ssl", From: from},
		{Host: "mail.acme.example", Password: "pw", From: from},
		{Host: "mail.acme.example"},
		{Host: "mail.acme.example", From: "not an address"},
	} {
		if _, err := mail.NewMailer(cfg); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("NewMailer(%s) error = %v, want EINVALID", cfg, err)
		}
	}
}

func TestLoadCAFile(t *testing.T) {
	dir := t.TempDir()
	cert, _ := selfSignedCert(t, nil)
	good := filepath.Join(dir, "office-ca.pem")
	if err := os.WriteFile(good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err := mail.LoadCAFile(good)
	if err != nil {
		t.Fatalf("LoadCAFile: %v", err)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		t.Errorf("the pool does not trust the file's certificate: %v", err)
	}

	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("no certificates here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = mail.LoadCAFile(empty)
	wantAppError(t, err, app.EINVALID, "The CA file "+empty+" holds no PEM certificates (-----BEGIN CERTIFICATE-----).")

	missing := filepath.Join(dir, "missing.pem")
	_, err = mail.LoadCAFile(missing)
	wantAppError(t, err, app.EINVALID, "Could not read the CA file "+missing+": no such file or directory.")
}

func TestOfficeCAThroughLoadCAFile(t *testing.T) {
	ts := startTLSServer(t, tlsServerOptions{mechs: []string{sasl.Plain}})
	// Save the server's certificate as a PEM file, as an admin saves the office's CA.
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.cert})
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err := mail.LoadCAFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ts.config(t, mail.TLSStartTLS, testUser, testPassword)
	cfg.RootCAs = pool
	if err := newMailer(t, cfg).Check(context.Background()); err != nil {
		t.Errorf("Check with the CA file: %v", err)
	}
}
