package data_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
)

// fakePG plays a PostgreSQL server that wants the password: it answers the
// SSLRequest ('S' with its certificate, or 'N' without one), reads the
// startup message, asks for the password in the form auth says, and keeps
// every byte it receives, off the wire and after TLS.
type fakePG struct {
	ln   net.Listener
	cert *tls.Certificate // nil: no TLS
	auth uint32           // 3 cleartext, 5 MD5

	mu    sync.Mutex
	wire  bytes.Buffer // every byte received
	plain bytes.Buffer // every byte received, decrypted
}

// offLoopback returns an address of this machine that is not loopback, so
// that the client's rules for a server elsewhere apply to a server the test
// runs. Without one (a container with no network), 127.0.0.1 is made to
// count as elsewhere for the rest of the test.
func offLoopback(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Log("no address off loopback: 127.0.0.1 plays one")
	data.CountLoopbackAsRemote(t)
	return "127.0.0.1"
}

func startFakePG(t *testing.T, ip string, cert *tls.Certificate, auth uint32) *fakePG {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePG{ln: ln, cert: cert, auth: auth}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); f.serve(c) }()
		}
	}()
	return f
}

// recorder keeps what is read from a connection.
type recorder struct {
	net.Conn
	f   *fakePG
	buf *bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.f.mu.Lock()
	r.buf.Write(p[:n])
	r.f.mu.Unlock()
	return n, err
}

func (f *fakePG) serve(raw net.Conn) {
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	var c net.Conn = &recorder{Conn: raw, f: f, buf: &f.wire}
	first := make([]byte, 8)
	if _, err := io.ReadFull(c, first); err != nil {
		return
	}
	f.mu.Lock()
	f.plain.Write(first)
	f.mu.Unlock()
	if binary.BigEndian.Uint32(first[4:]) == 80877103 { // SSLRequest
		if f.cert == nil {
			c.Write([]byte{'N'})
		} else {
			c.Write([]byte{'S'})
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*f.cert}})
			if tc.Handshake() != nil {
				return
			}
			c = tc
		}
		c = &recorder{Conn: c, f: f, buf: &f.plain}
		if _, err := io.ReadFull(c, first[:4]); err != nil { // the startup message's length
			return
		}
		rest := make([]byte, binary.BigEndian.Uint32(first[:4])-4)
		if _, err := io.ReadFull(c, rest); err != nil {
			return
		}
	} else {
		c = &recorder{Conn: c, f: f, buf: &f.plain}
		rest := make([]byte, binary.BigEndian.Uint32(first[:4])-8)
		if _, err := io.ReadFull(c, rest); err != nil {
			return
		}
	}
	req := []byte{'R', 0, 0, 0, 8, 0, 0, 0, byte(f.auth)}
	if f.auth == 5 {
		req = append(req, 1, 2, 3, 4) // the salt
		req[4] = 12
	}
	c.Write(req)
	// The client's answer, if it gives one, is refused as a wrong password.
	head := make([]byte, 5)
	if _, err := io.ReadFull(c, head); err != nil {
		return
	}
	if _, err := io.ReadFull(c, make([]byte, binary.BigEndian.Uint32(head[1:])-4)); err != nil {
		return
	}
	fields := "SFATAL\x00C28P01\x00Mpassword authentication failed\x00\x00"
	e := append([]byte{'E'}, binary.BigEndian.AppendUint32(nil, uint32(4+len(fields)))...)
	c.Write(append(e, fields...))
}

// saw reports whether the server received s, on the wire or after TLS.
func (f *fakePG) saw(s string) (wire, plain bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Contains(f.wire.Bytes(), []byte(s)), bytes.Contains(f.plain.Bytes(), []byte(s))
}

func (f *fakePG) url(role, password, query string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, password), Host: f.ln.Addr().String(), Path: "/acme", RawQuery: query}
	return u.String()
}

// TestPasswordNeverLeaves plays an impostor of the office's database (DNS,
// ARP or a rogue Wi-Fi sends the client to it): whatever it offers, the
// admin's password does not reach it, and the admin reads why.
func TestPasswordNeverLeaves(t *testing.T) {
	const role, password = "adam", "Adam-S3cret-Pa55word"
	ip := offLoopback(t)
	officeCA := newTestCA(t, "Office CA")
	rogueCA := newTestCA(t, "Rogue CA")
	rogue := rogueCA.valid(t, ip, "db.office.test")
	genuine := officeCA.valid(t, ip)
	ctx := context.Background()

	cases := []struct {
		name   string
		cert   *tls.Certificate
		auth   uint32
		query  string
		trust  data.Trust
		want   string // in the sentence
		prompt bool   // the connection got as far as the startup message
	}{
		{"no sslmode: verify-full, unknown authority", &rogue.tls, 3, "", data.Trust{}, "no authority trusted here", false},
		{"the office CA file does not vouch for a rogue", &rogue.tls, 3, "", data.Trust{CAFile: officeCA.file}, "no authority trusted here", false},
		{"sslmode=verify-full, wrong CA", &rogue.tls, 3, "sslmode=verify-full&sslrootcert=" + url.QueryEscape(officeCA.file), data.Trust{}, "no authority trusted here", false},
		{"pinned, first connection", &rogue.tls, 3, "", data.Trust{Pinned: true}, "First connection to", false},
		{"pinned, another certificate", &rogue.tls, 3, "", data.Trust{Pinned: true, Pin: data.Fingerprint(genuine.der)}, "different certificate", false},
		{"sslmode=require, cleartext requested", &rogue.tls, 3, "sslmode=require", data.Trust{}, "cleartext form", true},
		{"sslmode=require, MD5 requested", &rogue.tls, 5, "sslmode=require", data.Trust{}, "MD5 form", true},
		{"sslmode=verify-ca, cleartext requested", &genuine.tls, 3, "sslmode=verify-ca&sslrootcert=" + url.QueryEscape(officeCA.file), data.Trust{}, "cleartext form", true},
		{"no TLS offered, sslmode=prefer, cleartext", nil, 3, "sslmode=prefer", data.Trust{}, "cleartext form", true},
		{"no TLS offered, sslmode=disable, MD5", nil, 5, "sslmode=disable", data.Trust{}, "MD5 form", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startFakePG(t, ip, c.cert, c.auth)
			_, err := data.OpenTrusted(ctx, f.url(role, password, c.query), c.trust)
			msg := app.ErrorMessage(err)
			if app.ErrorCode(err) != app.EUNTRUSTED || !strings.Contains(msg, c.want) || !strings.Contains(msg, f.ln.Addr().String()) {
				t.Fatalf("got %v\n(%q)", err, msg)
			}
			t.Log(msg)
			if wire, plain := f.saw(password); wire || plain {
				t.Fatalf("the server received the password (on the wire %v, after TLS %v)", wire, plain)
			}
			if _, plain := f.saw(role); plain != c.prompt {
				t.Errorf("the server learned the role: %v, want %v", plain, c.prompt)
			}
			if strings.Contains(err.Error(), password) {
				t.Error("the error quotes the password")
			}
		})
	}

	// The first connection of a pinned profile names the fingerprint the
	// admin is to compare, in a form the sign-in screen can read.
	f := startFakePG(t, ip, &rogue.tls, 3)
	_, err := data.OpenTrusted(ctx, f.url(role, password, ""), data.Trust{Pinned: true})
	var confirm *app.CertificateToConfirm
	if !errors.As(err, &confirm) || confirm.Fingerprint != data.Fingerprint(rogue.der) || confirm.Server != f.ln.Addr().String() {
		t.Fatalf("got %v", err)
	}
}

// TestPasswordGoesOnlyWhereItMay: a cleartext request is answered inside
// TLS that proves the server (what pg_hba's ldap method needs), and on
// loopback as before; the recorder above does see a password that is sent.
func TestPasswordGoesOnlyWhereItMay(t *testing.T) {
	const role, password = "adam", "Adam-S3cret-Pa55word"
	ip := offLoopback(t)
	officeCA := newTestCA(t, "Office CA")
	genuine := officeCA.valid(t, ip)
	ctx := context.Background()
	cases := []struct {
		name  string
		ip    string
		cert  *tls.Certificate
		query string
		trust data.Trust
		wire  bool // the password crosses the wire readable
	}{
		{"verified by the profile's CA file", ip, &genuine.tls, "", data.Trust{CAFile: officeCA.file}, false},
		{"sslmode=verify-full with sslrootcert", ip, &genuine.tls, "sslmode=verify-full&sslrootcert=" + url.QueryEscape(officeCA.file), data.Trust{}, false},
		{"pinned and confirmed", ip, &genuine.tls, "", data.Trust{Pinned: true, Pin: data.Fingerprint(genuine.der)}, false},
		{"loopback without TLS, as before", "127.0.0.1", nil, "", data.Trust{}, true},
	}
	for _, c := range cases {
		if c.ip == "127.0.0.1" && ip == c.ip {
			continue // 127.0.0.1 plays a server elsewhere in this run
		}
		t.Run(c.name, func(t *testing.T) {
			f := startFakePG(t, c.ip, c.cert, 3)
			_, err := data.OpenTrusted(ctx, f.url(role, password, c.query), c.trust)
			if app.ErrorCode(err) != app.EUNAUTHORIZED { // the fake server refuses every password
				t.Fatalf("got %v (%q)", err, app.ErrorMessage(err))
			}
			wire, plain := f.saw(password)
			if !plain || wire != c.wire {
				t.Fatalf("password received after TLS %v (want true), on the wire %v (want %v)", plain, wire, c.wire)
			}
		})
	}
}

func TestFingerprintSpellings(t *testing.T) {
	ca := newTestCA(t, "Office CA")
	cert := ca.valid(t, "127.0.0.1")
	fp := data.Fingerprint(cert.der)
	if len(fp) != 95 || strings.ToUpper(fp) != fp {
		t.Fatalf("%q", fp)
	}
	hexOnly := strings.ReplaceAll(fp, ":", "")
	ctx := context.Background()
	for _, pin := range []string{fp, strings.ToLower(fp), hexOnly, "sha256 Fingerprint=" + fp, "sha256:" + strings.ToLower(hexOnly), " " + fp + " "} {
		f := startFakePG(t, "127.0.0.1", &cert.tls, 3)
		_, err := data.OpenTrusted(ctx, f.url("adam", "pw", "sslmode=require"), data.Trust{Pinned: true, Pin: pin})
		if app.ErrorCode(err) != app.EUNAUTHORIZED { // it got as far as the password
			t.Errorf("%q: %v", pin, err)
		}
	}
	_, err := data.OpenTrusted(ctx, "postgres://adam@127.0.0.1:1/acme", data.Trust{Pinned: true, Pin: "AB:CD"})
	if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "not a SHA-256 fingerprint") {
		t.Errorf("short pin: %v", err)
	}
}
