package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCLICertificateSentences: the command line says which certificate check
// failed and for which server, never "Internal error." (finding D5). The
// server is an impostor that offers TLS with its own self-signed
// certificate and would then ask for the password.
func TestCLICertificateSentences(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "impostor"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "impostor.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.ReadFull(c, make([]byte, 8)); err != nil { // the SSLRequest
					return
				}
				c.Write([]byte{'S'})
				tls.Server(c, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}).Handshake()
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dsn := func(host, query string) string {
		u := url.URL{Scheme: "postgres", User: url.UserPassword("adam", "Adam-S3cret"), Host: net.JoinHostPort(host, port), Path: "/acme", RawQuery: query}
		return u.String()
	}
	cases := []struct {
		dsn, want string
	}{
		{dsn("127.0.0.1", "sslmode=verify-full"), "The database server 127.0.0.1:" + port + " presented a certificate that no authority trusted here has signed."},
		{dsn("localhost", "sslmode=verify-full&sslrootcert="+url.QueryEscape(caFile)), "The database server localhost:" + port + " presented a certificate for another name (127.0.0.1)."},
	}
	for _, c := range cases {
		for _, args := range [][]string{{"users"}, {"complete-reset", "--email", "vic@acme.example"}} {
			code, _, stderr := run(t, c.dsn, "CODE-1234\nNew-Pass-Phrase-123\nNew-Pass-Phrase-123\n", args...)
			if code != 1 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "do not go on") || strings.Contains(stderr, "Internal error") {
				t.Errorf("resetdesk %s: exit %d\n%s", args[0], code, stderr)
			}
		}
	}
}
