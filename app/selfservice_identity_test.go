package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testCAPEM makes a certificate authority named name, as PEM.
func testCAPEM(t testing.TB, name string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

const testPin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

// A set-up carries the server's identity through a file or a QR code: a
// pin in any usual spelling, or one or more authorities; a set-up of an
// older ResetDesk, without either, still reads.
func TestSelfServiceSetupIdentityRoundTrip(t *testing.T) {
	office, inter := testCAPEM(t, "Office CA"), testCAPEM(t, "Office Intermediate")
	cases := []SelfServiceSetup{
		{Host: "db.office.example", Port: 5432, Database: "resetdesk", Login: "frontdesk", Password: "p@ss", Pin: testPin},
		{Host: "10.0.0.5", Database: "dir", Login: "kiosk", CA: office},
		{Host: "10.0.0.5", Database: "dir", Login: "kiosk", Password: "x&y=z", CA: office + inter},
	}
	for _, want := range cases {
		line := want.Encode(true)
		if strings.ContainsAny(line, " \n") {
			t.Errorf("not one line: %q", line)
		}
		got, err := ParseSelfServiceSetup(line)
		if err != nil || got != want {
			t.Errorf("%s:\n got %+v %v\nwant %+v", line, got, err, want)
		}
	}
	for _, spelling := range []string{
		strings.ReplaceAll(testPin, ":", ""),
		strings.ToLower(testPin),
		strings.ToLower(strings.ReplaceAll(testPin, ":", "")),
	} {
		got, err := ParseSelfServiceSetup("resetdesk-self-service://kiosk@db.example/resetdesk?pin=" + spelling)
		if err != nil || got.Pin != testPin {
			t.Errorf("pin %s: %+v %v", spelling, got, err)
		}
	}
	old, err := ParseSelfServiceSetup("resetdesk-self-service://frontdesk@db.office.example:5432/resetdesk?password=p%40ss")
	if want := (SelfServiceSetup{Host: "db.office.example", Port: 5432, Database: "resetdesk", Login: "frontdesk", Password: "p@ss"}); err != nil || old != want || old.HasIdentity() {
		t.Errorf("an old link: %+v %v", old, err)
	}
}

func TestParseSelfServiceSetupRefusesBadIdentity(t *testing.T) {
	office := testCAPEM(t, "Office CA")
	both := SelfServiceSetup{Host: "db", Database: "d", Login: "k", Pin: testPin, CA: office}.Encode(false)
	cases := map[string]string{
		"resetdesk-self-service://k@db/d?pin=ABCD":                         "the server's fingerprint is not 64 hexadecimal digits. Copy it again, whole.",
		"resetdesk-self-service://k@db/d?pin=" + strings.Repeat("g", 64):   "the server's fingerprint is not 64 hexadecimal digits. Copy it again, whole.",
		"resetdesk-self-service://k@db/d?ca=!!!":                           "the server's certificate authority is damaged. Copy it again, whole.",
		"resetdesk-self-service://k@db/d?ca=AAAA":                          "the server's certificate authority is damaged. Copy it again, whole.",
		"resetdesk-self-service://k@db/d?ca=" + strings.Repeat("A", 22000): "the server's certificate authority is damaged. Copy it again, whole.",
		both: "it names both a pinned certificate and an authority. Export it again.",
	}
	for text, why := range cases {
		_, err := ParseSelfServiceSetup(text)
		if want := "This is not a ResetDesk self-service set-up: " + why; ErrorMessage(err) != want || ErrorCode(err) != EINVALID {
			t.Errorf("%.80q: got %v, want %q", text, err, want)
		}
	}
}

// What the import dialog says the device will trust.
func TestSelfServiceTrustSentence(t *testing.T) {
	office, inter := testCAPEM(t, "Office CA"), testCAPEM(t, "Office Intermediate")
	cases := []struct {
		s    SelfServiceSetup
		want string
	}{
		{SelfServiceSetup{Host: "db.example", Pin: testPin}, "It trusts the server only with the certificate whose SHA-256 fingerprint is " + testPin + "."},
		{SelfServiceSetup{Host: "db.example", CA: office}, "It trusts a server certificate signed by the authority “Office CA”, beside the authorities this device trusts."},
		{SelfServiceSetup{Host: "db.example", CA: office + inter}, "It trusts a server certificate signed by the authorities “Office CA”, “Office Intermediate”, beside the authorities this device trusts."},
		{SelfServiceSetup{Host: "127.0.0.1"}, "It names no server certificate: none is needed for a server on this device."},
		{SelfServiceSetup{Host: "db.example"}, "It names no server certificate: it works only if an authority this device already trusts signed the server's. Otherwise nothing is sent, and the office must export the set-up again."},
	}
	for _, c := range cases {
		if got := c.s.TrustSentence(); got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c.s, got, c.want)
		}
	}
}

func TestNormalizeCA(t *testing.T) {
	office := testCAPEM(t, "Office CA")
	got, err := NormalizeCA("# our authority\n" + strings.ReplaceAll(office, "\n", "\r\n") + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	if err != nil || got != office {
		t.Errorf("got %q %v", got, err)
	}
	for text, want := range map[string]string{
		"":           "The certificate authority's file holds no PEM certificate.",
		"not a cert": "The certificate authority's file holds no PEM certificate.",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n": "The certificate authority's file holds a certificate that cannot be read.",
		strings.Repeat(office, 60):                                       "The certificate authority's file is too large to carry in a self-service set-up (over 16 KiB): use a file with your office's authority alone.",
	} {
		if _, err := NormalizeCA(text); ErrorMessage(err) != want || ErrorCode(err) != EINVALID {
			t.Errorf("%.40q: %v", text, err)
		}
	}
}

// FuzzParseSelfServiceSetup: whatever a file or a QR code holds, the
// parser answers a set-up or a sentence, never a panic; a set-up it
// accepts encodes to a line that reads back the same.
func FuzzParseSelfServiceSetup(f *testing.F) {
	f.Add("resetdesk-self-service://frontdesk@db.office.example:5432/resetdesk?password=p%40ss")
	f.Add("resetdesk-self-service://k@db/d?pin=" + strings.ReplaceAll(testPin, ":", ""))
	f.Add(SelfServiceSetup{Host: "::1", Database: "d", Login: "k", CA: testCAPEM(f, "Office CA")}.Encode(false))
	f.Add("# comment\nresetdesk-self-service://k@[fe80::1]:1/d?pin=ab&ca=AAAA")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSelfServiceSetup(text)
		if err != nil {
			if ErrorCode(err) != EINVALID || !strings.HasPrefix(ErrorMessage(err), "This is not a ResetDesk self-service set-up: ") {
				t.Fatalf("%q: %v", text, err)
			}
			return
		}
		again, err := ParseSelfServiceSetup(s.Encode(true))
		if err != nil || again != s {
			t.Fatalf("%q: read %+v, encoded %q, read back %+v %v", text, s, s.Encode(true), again, err)
		}
	})
}
