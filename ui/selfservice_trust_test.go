package ui

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// offLoopbackIP is an address of this machine off loopback, where a test
// server plays the office's database server elsewhere: there, a server
// must prove who it is before a password leaves.
func offLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatal("this story plays a database server on another machine, and this one has no address off loopback")
	return ""
}

// officeCA makes a certificate authority, its PEM file, and a server
// certificate it signed for ip.
func officeCA(t *testing.T, ip string) (caFile string, server tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Acme Office CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip}, IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "office-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ownerThroughFront signs the owner in through front with profile p (its
// host, port and role filled in here), as the sign-in screen would, and
// opens Settings' self-service card with the end user's login typed.
func ownerThroughFront(t *testing.T, f *fixture, front *tlsFront, ip string, p Profile) (*Desktop, *selfServiceCard) {
	t.Helper()
	owner := mustURL(t, f.o.OwnerURL)
	p.Name, p.Host, p.Port = "Office", ip, front.ln.Addr().(*net.TCPAddr).Port
	p.Database, p.Role = strings.TrimPrefix(owner.Path, "/"), owner.User.Username()
	saveProfile(f.app.Preferences(), p)
	sess, err := f.backend.SignIn(context.Background(), p, f.o.Password)
	if err != nil {
		t.Fatalf("owner through the front: %v (%s)", err, app.ErrorMessage(err))
	}
	sess.Profile = p.Name
	d := newDesktop(f.app, f.backend, &sess, testOptions())
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	t.Cleanup(func() { sess.Close() })
	d.console.show(screenSettings)
	s := d.console.settings.selfService
	equal(t, "host from the owner's profile", s.host.Text, ip)
	equal(t, "port from the owner's profile", s.port.Text, portText(p.Port))
	endUser := mustURL(t, f.o.EndUserURL)
	pw, _ := endUser.User.Password()
	s.database.SetText(strings.TrimPrefix(endUser.Path, "/"))
	s.login.SetText(endUser.User.Username())
	s.password.SetText(pw)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	return d, s
}

// newDevice is another PC or phone with ResetDesk and nothing set up,
// opened on the end user's form.
func newDevice(t *testing.T) *Desktop {
	t.Helper()
	d := newDesktop(test.NewTempApp(t), &testBackend{t: t, keychain: &memKeychain{secrets: map[string]string{}}}, nil, testOptions())
	test.Tap(d.signIn.endUserCode)
	equal(t, "a new device is not set up", d.endUser.notSetUp.Visible(), true)
	return d
}

// importLine pastes an exported set-up into the device's import dialog
// and returns what the dialog says it trusts; then imports it.
func importLine(t *testing.T, e *endUserForm, line string) (trust string, im *importSetup) {
	t.Helper()
	test.Tap(e.importer)
	im = e.imported
	im.text.SetText(line)
	trust = im.trust.Text
	test.Tap(im.save)
	return trust, im
}

// otpState is the attempts and the use of email's newest one-time password.
func (f *fixture) otpState(t *testing.T, email string) (attempts int, used bool) {
	t.Helper()
	db, err := sql.Open("postgres", f.o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT o.attempts, o.used_at IS NOT NULL FROM resetdesk.one_time_passwords o
		JOIN resetdesk.users u ON u.id = o.user_id WHERE u.primary_email = $1 ORDER BY o.id DESC LIMIT 1`, email).Scan(&attempts, &used); err != nil {
		t.Fatal(err)
	}
	return attempts, used
}

// The office's database server is elsewhere and has a self-signed
// certificate, which the owner pinned at sign-in. The owner's Settings
// carry that pin into the QR code; a new device shows what it will trust,
// imports it, and Alice completes her reset on it through the real
// server. When the server shows another certificate, the device refuses
// with a sentence and Bob's code is untouched; an export of an older
// ResetDesk, without the server's identity, is refused with the sentence
// that asks for a new export.
func TestStorySelfServicePinnedServer(t *testing.T) {
	f := newFixture(t)
	ip := offLoopbackIP(t)
	front := startTLSFrontOn(t, ip, mustURL(t, f.o.OwnerURL).Host)
	pin := front.useNewCertificate(t)
	d, s := ownerThroughFront(t, f, front, ip, Profile{TLS: TLSPinned, Pin: pin})
	proven, ok := d.console.sess.Directory.(interface{ ServerFingerprint() string })
	if !ok || proven.ServerFingerprint() != pin {
		t.Fatalf("the owner's connection does not say which certificate proved the server (%v)", ok)
	}
	equal(t, "identity", s.identity.Text, "The certificate pinned at your own sign-in (SHA-256 "+pin+"). Exports carry its fingerprint.")
	test.Tap(s.save)
	equal(t, "saved", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	equal(t, "pin saved", loadSelfServiceSetup(f.app.Preferences()).Pin, pin)

	test.Type(s.deviceName, "phone")
	test.Tap(s.exportQR)
	if s.qr == nil {
		t.Fatalf("no QR code: %s", s.deviceNote.Text)
	}
	line, err := readQR(s.qr.Image)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the QR code holds %d characters", len(line))
	equal(t, "QR says", s.qrTrust, "It trusts the server only with the certificate whose SHA-256 fingerprint is "+pin+".")

	dev := newDevice(t)
	e := dev.endUser
	trust, _ := importLine(t, e, line)
	equal(t, "import shows", trust, "Server "+ip+": it trusts the server only with the certificate whose SHA-256 fingerprint is "+pin+".")
	equal(t, "set up", e.notSetUp.Visible(), false)

	const good = "Purple-kettle-drums-at-noon"
	code := f.resetOneTime(t, "alice@acme.example")
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	if !e.doneBox.Visible() || !f.passwordWorks(t, "alice@acme.example", good) {
		t.Fatalf("the reset did not complete: %q", e.status.Text)
	}
	test.Tap(e.doneBack)
	test.Tap(dev.signIn.endUserCode)
	e = dev.endUser

	// The server shows another certificate: nothing is sent.
	other := front.useNewCertificate(t)
	code = f.resetOneTime(t, "bob@acme.example")
	fillEndUser(e, "bob@acme.example", code, good, good)
	test.Tap(e.submit)
	if e.doneBox.Visible() || !strings.HasPrefix(e.status.Text, "The database server "+net.JoinHostPort(ip, s.port.Text)+
		" shows a certificate other than the one this self-service set-up trusts (its SHA-256 fingerprint is now "+other+").") {
		t.Fatalf("another certificate: %q", e.status.Text)
	}
	if attempts, used := f.otpState(t, "bob@acme.example"); attempts != 0 || used {
		t.Errorf("Bob's code: %d attempts, used %v", attempts, used)
	}

	// An export of an older ResetDesk names no identity.
	old, err := app.ParseSelfServiceSetup(line)
	if err != nil {
		t.Fatal(err)
	}
	old.Pin = ""
	_, im := importLine(t, newDevice(t).endUser, old.Encode(true))
	if !strings.Contains(im.note.Text, "this self-service set-up names no certificate or authority for it (it was exported without the server's identity)") ||
		!strings.Contains(im.note.Text, "the owner exports the self-service set-up again") {
		t.Errorf("an old link: %q", im.note.Text)
	}
}

// The owner proves the server with the office's own CA: a set-up file
// carries the CA (it outlives the server's certificate), a QR code the
// fingerprint of the certificate the owner's connection was proved with.
// A device that imports the file trusts that CA and completes a reset.
func TestStorySelfServiceOfficeCA(t *testing.T) {
	f := newFixture(t)
	ip := offLoopbackIP(t)
	front := startTLSFrontOn(t, ip, mustURL(t, f.o.OwnerURL).Host)
	caFile, cert := officeCA(t, ip)
	front.useCertificate(cert)
	d, s := ownerThroughFront(t, f, front, ip, Profile{CAFile: caFile})
	equal(t, "identity", s.identity.Text, "The authority in your profile's CA file ("+caFile+"). A file carries it; "+
		"a QR code carries the fingerprint of the certificate that proved your own connection.")
	test.Tap(s.save)
	equal(t, "saved", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	caPEM, _ := os.ReadFile(caFile)
	equal(t, "CA saved", loadSelfServiceSetup(f.app.Preferences()).CA, string(caPEM))

	test.Type(s.deviceName, "phone")
	test.Tap(s.exportQR)
	if s.qr == nil {
		t.Fatalf("no QR code: %s", s.deviceNote.Text)
	}
	qrLine, _ := readQR(s.qr.Image)
	fromQR, err := app.ParseSelfServiceSetup(qrLine)
	proven := d.console.sess.Directory.(interface{ ServerFingerprint() string }).ServerFingerprint()
	if err != nil || fromQR.Pin != proven || proven == "" || fromQR.CA != "" {
		t.Fatalf("QR code pin %q, CA %d bytes (%v), want the pin %s", fromQR.Pin, len(fromQR.CA), err, proven)
	}

	test.Type(s.deviceName, "reception")
	raw, st := exportDeviceFile(t, s)
	if !strings.Contains(raw, "\n# It trusts a server certificate signed by the authority “Acme Office CA”, beside the authorities this device trusts.\n") {
		t.Errorf("the file does not say what it trusts:\n%s", raw)
	}
	t.Logf("the file's set-up line: %d characters", len(st.Encode(true)))

	e := newDevice(t).endUser
	trust, _ := importLine(t, e, string(raw))
	equal(t, "import shows", trust, "Server "+ip+": it trusts a server certificate signed by the authority “Acme Office CA”, beside the authorities this device trusts.")
	equal(t, "set up", e.notSetUp.Visible(), false)
	const good = "Purple-kettle-drums-at-noon"
	code := f.resetOneTime(t, "alice@acme.example")
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	if !e.doneBox.Visible() || !f.passwordWorks(t, "alice@acme.example", good) {
		t.Fatalf("the reset did not complete: %q", e.status.Text)
	}
}

// The owner's own connection proved nothing (the database is on this
// computer), but devices reach it by its address on the network, with a
// self-signed certificate: Save and test shows that certificate's
// fingerprint, sends nothing until the owner trusts it, and then saves
// the pin that exports carry.
func TestSettingsConfirmsTheServersCertificate(t *testing.T) {
	f := newFixture(t)
	ip := offLoopbackIP(t)
	front := startTLSFrontOn(t, ip, mustURL(t, f.o.OwnerURL).Host)
	pin := front.useNewCertificate(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	f.c.show(screenSettings)
	s := f.c.settings.selfService
	endUser := mustURL(t, f.o.EndUserURL)
	s.host.SetText(ip)
	s.port.SetText(portText(front.ln.Addr().(*net.TCPAddr).Port))
	s.database.SetText(strings.TrimPrefix(endUser.Path, "/"))
	s.login.SetText(endUser.User.Username())
	s.password.SetText(mustPassword(t, f.o.EndUserURL))
	if !strings.HasPrefix(s.identity.Text, "None yet.") {
		t.Errorf("identity: %q", s.identity.Text)
	}
	test.Tap(s.save)
	if s.confirmDlg == nil {
		t.Fatalf("no certificate to confirm: %q", s.note.Text)
	}
	equal(t, "before trusting", s.note.Text, "Confirm the server's certificate first: nothing was sent to it.")
	s.confirmDlg.Dismiss()
	equal(t, "not trusted", s.confirmed.Pin, "")

	s.confirmDlg = nil
	test.Tap(s.save)
	s.confirmDlg.Confirm()
	equal(t, "saved", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	equal(t, "pin saved", loadSelfServiceSetup(f.app.Preferences()).Pin, pin)
	equal(t, "identity", s.identity.Text, "It trusts the server only with the certificate whose SHA-256 fingerprint is "+pin+". Exports carry it.")
	server, err := s.server()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := s.deviceSetup(server, s.confirmed, "probe", true); err != nil || st.Pin != pin {
		t.Errorf("the QR code's set-up: pin %q, %v", st.Pin, err)
	}

	// The server's certificate is replaced: the pin refuses it, until the
	// owner forgets the pin and confirms the new certificate.
	renewed := front.useNewCertificate(t)
	s.password.SetText(mustPassword(t, f.o.EndUserURL))
	s.confirmDlg = nil
	test.Tap(s.save)
	if s.confirmDlg != nil || !strings.Contains(s.note.Text, "shows a certificate other than the one this self-service set-up trusts") {
		t.Fatalf("renewed: %q", s.note.Text)
	}
	equal(t, "forget offered", s.forget.Visible(), true)
	test.Tap(s.forget)
	equal(t, "forgotten", loadSelfServiceSetup(f.app.Preferences()).Pin, "")
	equal(t, "forget gone", s.forget.Visible(), false)
	s.password.SetText(mustPassword(t, f.o.EndUserURL))
	test.Tap(s.save)
	if s.confirmDlg == nil {
		t.Fatalf("no certificate to confirm after forgetting: %q", s.note.Text)
	}
	s.confirmDlg.Confirm()
	equal(t, "saved again", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	equal(t, "new pin saved", loadSelfServiceSetup(f.app.Preferences()).Pin, renewed)

	// An export carries the identity as it was when the owner asked for
	// it: a Forget tapped before its work ran (in the app, while it runs
	// on another goroutine) neither changes what it carries nor races it.
	var queued []func()
	f.c.opts.spawn = func(w func()) { queued = append(queued, w) }
	s.deviceName.SetText("frontdesk")
	test.Tap(s.exportQR)
	test.Tap(s.forget)
	f.c.opts.spawn = testOptions().spawn
	if len(queued) == 0 {
		t.Fatalf("the QR code's work was not started: %q", s.deviceNote.Text)
	}
	for _, w := range queued {
		w()
	}
	if s.qr == nil || !strings.Contains(s.qrTrust, renewed) {
		t.Errorf("the QR code asked for before Forget trusts %q (%s)", s.qrTrust, s.deviceNote.Text)
	}
}

func mustPassword(t *testing.T, raw string) string {
	pw, _ := mustURL(t, raw).User.Password()
	return pw
}
