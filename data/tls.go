package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
)

// How ResetDesk proves the server before any password leaves.
//
// lib/pq can verify a certificate, but it answers a server's request for a
// cleartext or MD5 password over any channel, and its TLS happens inside the
// driver, where nothing can watch the authentication exchange. So every TCP
// connection is dialled here: the dialer sends the SSLRequest itself (or
// starts TLS at once for sslnegotiation=direct), checks the certificate
// (verify-full, verify-ca or a pinned fingerprint), and hands the driver a
// connection that is already encrypted, with sslmode=disable. That
// connection watches what the server sends until authentication is over
// and fails, before the driver sees it, a cleartext or MD5 request that
// would expose the password to a server nobody proved.
//
// The rule for those requests: on loopback anything goes, as before (the
// server is this machine). Off loopback, cleartext and MD5 need a channel
// that proves the server (verify-full or a pinned certificate): cleartext
// inside such TLS reaches only that server, and is what pg_hba's ldap, pam
// and radius methods need. SCRAM-SHA-256 is answered on any channel the
// admin chose, because it never reveals the password itself.

// Trust says how connections of a profile prove the server, beyond what the
// connection string says.
type Trust struct {
	// CAFile is a PEM file of certificate authorities to trust beside the
	// system's when the server is verified (an office with its own CA).
	CAFile string
	// CA is the same as PEM text, for a set-up that carries its authority
	// to another device (a self-service set-up): trusted beside CAFile.
	CA string
	// Pinned proves the server by its certificate's SHA-256 fingerprint
	// instead of by a certificate authority.
	Pinned bool
	// Pin is the fingerprint the admin confirmed; "" the first time, when
	// connecting fails with app.CertificateToConfirm and sends nothing.
	Pin string
}

// Fingerprint formats the SHA-256 of a DER certificate the way
// `openssl x509 -noout -fingerprint -sha256` prints it: "AB:CD:…".
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// parsePin reads a fingerprint in the usual spellings: with or without
// colons or spaces, in either case, with openssl's "SHA256 Fingerprint="
// or a "sha256:" before it.
func parsePin(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '='); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "sha256:") {
		s = s[7:]
	}
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	b, err := hex.DecodeString(s)
	return b, err == nil && len(b) == sha256.Size
}

// tlsMode is what a dialer does about TLS.
type tlsMode int

const (
	tlsOff        tlsMode = iota // sslmode=disable, or a Unix socket
	tlsOptional                  // allow, prefer: TLS when the server offers it, unverified
	tlsUnverified                // require: TLS, any certificate
	tlsVerifyCA                  // the chain, not the name
	tlsVerifyFull                // the chain and the name
	tlsPinned                    // the certificate's fingerprint
)

// dialer is a pq.Dialer that negotiates TLS itself (see the top of this
// file). One serves every connection of a pool, the driver's cancel
// requests included.
type dialer struct {
	mode     tlsMode
	direct   bool           // sslnegotiation=direct: TLS from the first byte
	roots    *x509.CertPool // verify-*: nil means the system's
	pin      []byte         // tlsPinned: nil until the admin confirms one
	host     string         // the configured host, the name to verify with hostaddr
	hostaddr string         // the configured hostaddr, if any
	cert     *tls.Certificate
	net      net.Dialer
	seen     atomic.Pointer[string] // the fingerprint of the last certificate that proved the server
}

var _ pq.DialerContext = (*dialer)(nil)

// newDialer works out what cfg and t ask for.
func newDialer(cfg pq.Config, t Trust) (*dialer, error) {
	defaultSSLMode(&cfg)
	d := &dialer{host: cfg.Host, direct: cfg.SSLNegotiation == pq.SSLNegotiationDirect}
	if cfg.Hostaddr.IsValid() {
		d.hostaddr = cfg.Hostaddr.String()
	}
	switch cfg.SSLMode {
	case pq.SSLModeDisable:
		d.mode = tlsOff
	case pq.SSLModeAllow, pq.SSLModePrefer:
		d.mode = tlsOptional
	case pq.SSLModeRequire:
		d.mode = tlsUnverified
		if cfg.SSLRootCert != "" {
			d.mode = tlsVerifyCA // as libpq: a root certificate makes require check the chain
		}
	case pq.SSLModeVerifyCA:
		d.mode = tlsVerifyCA
	default: // verify-full, and anything the driver registered
		d.mode = tlsVerifyFull
	}
	if t.Pinned {
		d.mode = tlsPinned
		if t.Pin != "" {
			pin, ok := parsePin(t.Pin)
			if !ok {
				return nil, app.Errorf(app.EINVALID, "The pinned fingerprint %q is not a SHA-256 fingerprint (64 hexadecimal digits).", t.Pin)
			}
			d.pin = pin
		}
	}
	if d.direct && d.mode <= tlsOptional {
		return nil, app.Errorf(app.EINVALID, "sslnegotiation=direct needs TLS: use sslmode=require, verify-ca or verify-full.")
	}
	if d.mode == tlsVerifyCA || d.mode == tlsVerifyFull {
		var err error
		if d.roots, err = rootPool(cfg.SSLRootCert, t.CAFile, t.CA); err != nil {
			return nil, err
		}
	}
	if cfg.SSLCert != "" && cfg.SSLKey != "" {
		c, err := tls.LoadX509KeyPair(cfg.SSLCert, cfg.SSLKey)
		if err != nil {
			return nil, app.Errorf(app.EINVALID, "The client certificate %s or its key %s cannot be used: %v.", cfg.SSLCert, cfg.SSLKey, err)
		}
		d.cert = &c
	}
	return d, nil
}

// rootPool is what a verified server's chain must end in: only the file of
// sslrootcert when one is given (as libpq does); otherwise the system's
// roots, plus caFile and the PEM text ca when there are.
func rootPool(sslRootCert, caFile, ca string) (*x509.CertPool, error) {
	if sslRootCert != "" && sslRootCert != "system" {
		pool := x509.NewCertPool()
		return pool, addPEM(pool, sslRootCert)
	}
	if caFile == "" && ca == "" {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if ca != "" && !pool.AppendCertsFromPEM([]byte(ca)) {
		return nil, app.Errorf(app.EINVALID, "The certificate authority given for the server holds no PEM certificate.")
	}
	if caFile == "" {
		return pool, nil
	}
	return pool, addPEM(pool, caFile)
}

func addPEM(pool *x509.CertPool, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return app.Errorf(app.EINVALID, "The CA file %s cannot be read: %v.", path, errors.Unwrap(err))
	}
	if !pool.AppendCertsFromPEM(b) {
		return app.Errorf(app.EINVALID, "The CA file %s holds no PEM certificate.", path)
	}
	return nil
}

// Dial is DialContext without a context.
func (d *dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialTimeout is DialContext with a timeout.
func (d *dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

// DialContext connects, negotiates TLS as the mode says, and returns the
// connection the driver speaks the protocol over.
func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	raw, err := d.net.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	loopback := isLoopbackAddr(raw.RemoteAddr())
	if d.mode == tlsOff || network == "unix" {
		return &authGuard{Conn: raw, open: loopback}, nil
	}
	c, err := d.negotiate(ctx, raw, address)
	if errors.Is(err, pq.ErrSSLNotSupported) && d.mode == tlsOptional {
		return &authGuard{Conn: raw, open: loopback}, nil // the server said no: go on in clear, as prefer does
	}
	if err != nil && d.mode == tlsOptional {
		// prefer whose TLS failed: libpq tries again without it.
		raw.Close()
		if raw, err = d.net.DialContext(ctx, network, address); err != nil {
			return nil, err
		}
		return &authGuard{Conn: raw, open: isLoopbackAddr(raw.RemoteAddr())}, nil
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	proven := d.mode == tlsVerifyFull || d.mode == tlsPinned
	return &authGuard{Conn: c, open: loopback || proven}, nil
}

// sslRequest is the message that asks a server to start TLS: length 8 and
// the code 1234 5679.
var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// negotiate asks for TLS (unless direct) and runs the handshake with the
// checks of d.mode. It fails before the startup message, so a server that
// fails them never learns the role, let alone its password.
func (d *dialer) negotiate(ctx context.Context, raw net.Conn, address string) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
		defer raw.SetDeadline(time.Time{})
	}
	if !d.direct {
		if _, err := raw.Write(sslRequest); err != nil {
			return nil, err
		}
		var answer [1]byte
		if _, err := io.ReadFull(raw, answer[:]); err != nil {
			return nil, err
		}
		if answer[0] != 'S' {
			return nil, pq.ErrSSLNotSupported
		}
	}
	name, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if d.hostaddr != "" && name == d.hostaddr {
		name = d.host
	}
	conf := &tls.Config{
		ServerName: name, // for SNI (crypto/tls leaves out an IP address)
		// The checks are VerifyConnection's, the same code for every mode.
		InsecureSkipVerify: true,
		VerifyConnection:   d.verifier(name),
		MinVersion:         tls.VersionTLS12,
	}
	if d.direct {
		conf.NextProtos = []string{"postgresql"} // PostgreSQL 17 requires ALPN for direct TLS
	}
	if d.cert != nil {
		cert := d.cert
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// verifier checks the server's certificate as d.mode says.
func (d *dialer) verifier(name string) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("data: the server sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		switch d.mode {
		case tlsPinned:
			sum := sha256.Sum256(leaf.Raw)
			switch {
			case d.pin == nil:
				return &pinToConfirm{fingerprint: Fingerprint(leaf.Raw)}
			case !bytes.Equal(sum[:], d.pin):
				return &pinChanged{fingerprint: Fingerprint(leaf.Raw)}
			}
		case tlsVerifyCA, tlsVerifyFull:
			opts := x509.VerifyOptions{Roots: d.roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			if d.mode == tlsVerifyFull {
				opts.DNSName = name
			}
			if _, err := leaf.Verify(opts); err != nil {
				return err
			}
		default:
			return nil // nothing proven, nothing to remember
		}
		fp := Fingerprint(leaf.Raw)
		d.seen.Store(&fp)
		return nil
	}
}

// proven is the fingerprint of the last certificate that proved the
// server, "" while none has.
func (d *dialer) proven() string {
	if fp := d.seen.Load(); fp != nil {
		return *fp
	}
	return ""
}

// isLoopbackAddr reports whether a connection's far end is this machine.
// It is app.IsLoopbackAddr, with loopbackIP deciding for an IP.
func isLoopbackAddr(a net.Addr) bool {
	if ta, ok := a.(*net.TCPAddr); ok {
		return loopbackIP(ta.IP)
	}
	return app.IsLoopbackAddr(a)
}

// loopbackIP decides what counts as this machine. A test on a machine with
// no address but loopback replaces it to play a server elsewhere.
var loopbackIP = net.IP.IsLoopback

// pinToConfirm: the first connection of a pinned profile stopped after the
// handshake, for the admin to confirm the fingerprint.
type pinToConfirm struct{ fingerprint string }

func (e *pinToConfirm) Error() string { return "certificate to confirm: SHA-256 " + e.fingerprint }

// pinChanged: the server's certificate is not the pinned one.
type pinChanged struct{ fingerprint string }

func (e *pinChanged) Error() string {
	return "certificate differs from the pinned one: SHA-256 " + e.fingerprint
}

// passwordWithheld: the server asked for the password in a form that would
// expose it, over a channel that does not prove the server.
type passwordWithheld struct{ method string }

func (e *passwordWithheld) Error() string {
	return "refused to send the password in " + e.method + " form over a channel that does not prove the server"
}

// authGuard is the connection the driver reads. Until authentication ends
// it follows the server's messages, and when open is false it fails a
// cleartext or MD5 password request instead of passing it on: the driver
// then never writes the password.
type authGuard struct {
	net.Conn
	open bool // loopback, or a channel that proves the server

	done bool    // authentication is over: no more checks
	hdr  [5]byte // the message type and length being read
	nhdr int
	left int     // bytes of the current message's body not yet seen
	code [4]byte // an 'R' message's request code
	ncod int
}

// Authentication request codes that hand over the password itself, or an
// unsalted-at-rest hash of it.
const (
	authOK        = 0
	authCleartext = 3
	authMD5       = 5
)

func (g *authGuard) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if n > 0 && !g.done {
		if werr := g.follow(p[:n]); werr != nil {
			g.Conn.Close()
			return 0, werr
		}
	}
	return n, err
}

// follow walks the server's bytes message by message.
func (g *authGuard) follow(b []byte) error {
	for len(b) > 0 && !g.done {
		if g.nhdr < len(g.hdr) {
			g.hdr[g.nhdr] = b[0]
			g.nhdr++
			b = b[1:]
			if g.nhdr == len(g.hdr) {
				g.left = int(binary.BigEndian.Uint32(g.hdr[1:])) - 4
				g.ncod = 0
				if g.left <= 0 {
					g.nhdr = 0
				}
			}
			continue
		}
		if g.hdr[0] == 'R' && g.ncod < len(g.code) {
			g.code[g.ncod] = b[0]
			g.ncod++
			b = b[1:]
			g.left--
			if g.ncod == len(g.code) {
				if err := g.check(binary.BigEndian.Uint32(g.code[:])); err != nil {
					return err
				}
			}
		} else {
			k := min(g.left, len(b))
			b = b[k:]
			g.left -= k
		}
		if g.left <= 0 {
			g.nhdr = 0
		}
	}
	return nil
}

func (g *authGuard) check(code uint32) error {
	switch {
	case code == authOK:
		g.done = true
	case g.open:
	case code == authCleartext:
		return &passwordWithheld{method: "cleartext"}
	case code == authMD5:
		return &passwordWithheld{method: "MD5"}
	}
	return nil
}

// certificateError turns a failed check of the server's identity into the
// sentence of mapErr, or nil when err is no such failure.
func certificateError(server string, err error) *app.Error {
	const warning = " Someone may be intercepting the connection: do not go on until your database administrator confirms the server's certificate. Your password was not sent."
	var (
		confirm    *pinToConfirm
		changed    *pinChanged
		withheld   *passwordWithheld
		unknown    x509.UnknownAuthorityError
		wrongName  x509.HostnameError
		invalid    x509.CertificateInvalidError
		systemRoot x509.SystemRootsError
	)
	e := &app.Error{Code: app.EUNTRUSTED, Err: err}
	switch {
	case errors.As(err, &confirm):
		e.Err = &app.CertificateToConfirm{Server: server, Fingerprint: confirm.fingerprint}
		e.Message = fmt.Sprintf("First connection to %s: its certificate has the SHA-256 fingerprint %s. Trust it only if your database administrator confirms that fingerprint. Your password was not sent yet.", server, confirm.fingerprint)
	case errors.As(err, &changed):
		e.Message = fmt.Sprintf("The database server %s presented a different certificate from the one pinned for it (it now has the SHA-256 fingerprint %s).%s If the certificate was replaced on purpose, check the new fingerprint with them, then forget the pinned one in the profile.", server, changed.fingerprint, warning)
	case errors.As(err, &withheld):
		e.Message = fmt.Sprintf("The database server %s asked for the password in %s form over a connection that does not prove who the server is, so ResetDesk did not send it. Have the server proven (verify-full, or a pinned certificate), or ask your database administrator to use scram-sha-256.", server, withheld.method)
	case errors.As(err, &unknown), errors.As(err, &systemRoot):
		e.Message = fmt.Sprintf("The database server %s presented a certificate that no authority trusted here has signed.%s If your office has its own certificate authority, give its CA file in the profile (sslrootcert in a connection URL).", server, warning)
	case errors.As(err, &wrongName):
		e.Message = fmt.Sprintf("The database server %s presented a certificate for another name (%s).%s", server, certNames(wrongName.Certificate), warning)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		e.Message = fmt.Sprintf("The database server %s presented a certificate that is expired or not yet valid (valid %s to %s).%s", server,
			invalid.Cert.NotBefore.Format("2 Jan 2006"), invalid.Cert.NotAfter.Format("2 Jan 2006"), warning)
	case errors.As(err, &invalid):
		e.Message = fmt.Sprintf("The database server %s presented a certificate that cannot be used to prove it (%s).%s", server, invalid.Detail, warning)
	default:
		return nil
	}
	return e
}

// certNames lists the names a certificate is valid for, for a sentence.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "no name"
	}
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		names = append(names, c.Subject.CommonName)
	}
	return strings.Join(names, ", ")
}
