package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// tlsFront stands in front of the test PostgreSQL server (which has no TLS)
// as a PgBouncer with TLS would: it answers the SSLRequest, shakes hands
// with its current certificate, and relays the decrypted protocol.
type tlsFront struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cert   tls.Certificate
	conns  []net.Conn // closed at the end: a signed-in pool keeps its connections open
}

func startTLSFront(t *testing.T, target string) *tlsFront {
	t.Helper()
	return startTLSFrontOn(t, "127.0.0.1", target)
}

// startTLSFrontOn is startTLSFront listening on ip.
func startTLSFrontOn(t *testing.T, ip, target string) *tlsFront {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	f := &tlsFront{ln: ln, target: target}
	f.useNewCertificate(t)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); f.relay(c) }()
		}
	}()
	return f
}

// useNewCertificate gives the front a new self-signed certificate and
// returns its SHA-256 fingerprint as the sign-in screen shows it.
func (f *tlsFront) useNewCertificate(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "db.office.test"},
		DNSNames: []string{"db.office.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	f.mu.Unlock()
	sum := sha256.Sum256(der)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}

// useCertificate gives the front cert, such as one an office CA issued.
func (f *tlsFront) useCertificate(cert tls.Certificate) {
	f.mu.Lock()
	f.cert = cert
	f.mu.Unlock()
}

func (f *tlsFront) relay(c net.Conn) {
	defer c.Close()
	req := make([]byte, 8)
	if _, err := io.ReadFull(c, req); err != nil || binary.BigEndian.Uint32(req[4:]) != 80877103 {
		return // this front speaks only TLS
	}
	c.Write([]byte{'S'})
	f.mu.Lock()
	cert := f.cert
	f.mu.Unlock()
	tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
	if tc.Handshake() != nil {
		return
	}
	pg, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	defer pg.Close()
	f.mu.Lock()
	f.conns = append(f.conns, pg)
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { io.Copy(pg, tc); pg.Close(); close(done) }()
	io.Copy(tc, pg)
	tc.Close()
	<-done
}

// A profile with a pinned certificate: the first sign-in shows the server's
// fingerprint and signs in only once the admin trusts it; the pin is saved
// with the profile; a server with another certificate is refused with a
// sentence; "Forget pin" lets the admin confirm the new one.
func TestStoryPinnedCertificate(t *testing.T) {
	f := newFixture(t)
	u := mustURL(t, f.o.OwnerURL)
	front := startTLSFront(t, u.Host)
	first := front.useNewCertificate(t)
	a := test.NewTempApp(t)

	d := newDesktop(a, f.backend, nil, testOptions())
	s := d.signIn
	test.Type(s.host, "127.0.0.1")
	test.Type(s.port, strconv.Itoa(front.ln.Addr().(*net.TCPAddr).Port))
	test.Type(s.database, strings.TrimPrefix(u.Path, "/"))
	test.Type(s.role, u.User.Username())
	s.identity.mode.SetSelected(identityPinned)
	if !strings.HasPrefix(s.identity.pinLabel.Text, "Not pinned yet") || s.identity.verify.Visible() {
		t.Fatalf("pinned mode shows %q", s.identity.pinLabel.Text)
	}
	test.Type(s.password, f.o.Password)
	test.Tap(s.signIn)
	if d.console != nil || s.certDialog == nil {
		t.Fatalf("signed in without confirming the certificate (status %q)", s.status.Text)
	}
	s.certDialog.Dismiss()
	if d.console != nil {
		t.Fatal("signed in after Cancel")
	}
	test.Tap(s.signIn)
	s.certDialog.Confirm()
	if d.console == nil {
		t.Fatalf("not signed in after trusting: %s", s.status.Text)
	}
	ps := loadProfiles(a.Preferences())
	if len(ps) != 1 || ps[0].TLS != TLSPinned || ps[0].Pin != first {
		t.Fatalf("saved %+v, want the pin %s", ps, first)
	}

	// Another day, the server shows another certificate.
	front.useNewCertificate(t)
	d = newDesktop(a, f.backend, nil, testOptions())
	s = d.signIn
	equal(t, "pin shown", strings.ReplaceAll(s.identity.pinLabel.Text, "\n", ":"), first)
	s.certDialog = nil
	test.Type(s.password, f.o.Password)
	test.Tap(s.signIn)
	if d.console != nil || s.certDialog != nil || !strings.Contains(s.status.Text, "different certificate from the one pinned") {
		t.Fatalf("changed certificate: console %v, status %q", d.console != nil, s.status.Text)
	}
	test.Tap(s.identity.forget)
	test.Tap(s.signIn)
	if s.certDialog == nil || d.console != nil {
		t.Fatalf("after Forget pin: %q", s.status.Text)
	}
}
