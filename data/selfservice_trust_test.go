package data_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
)

// An imported self-service set-up proves the server by the identity it
// carries before the self-service login's password leaves: an impostor
// learns neither the login nor the password, and the person at the device
// reads what to do. The set-ups go through Encode and Parse, as an
// export and an import do.
func TestSelfServiceSetupProvesTheServer(t *testing.T) {
	const login, password = "kiosk", "Kiosk-S3cret-Pa55word"
	ip := offLoopback(t)
	officeCA, rogueCA := newTestCA(t, "Office CA"), newTestCA(t, "Rogue CA")
	genuine, rogue, misnamed := officeCA.valid(t, ip), rogueCA.valid(t, ip), rogueCA.valid(t, "db.elsewhere.test")
	caPEM, err := os.ReadFile(officeCA.file)
	if err != nil {
		t.Fatal(err)
	}
	officePEM, err := app.NormalizeCA(string(caPEM))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	cases := []struct {
		name     string
		cert     *tls.Certificate
		pin, ca  string
		want     string // in the sentence; "" when the password may go (the fake server then refuses it)
		toVerify bool   // the error carries the presented certificate for an owner to confirm
	}{
		{"an old link without identity, unknown authority", &rogue.tls, "", "", "exported without the server's identity", true},
		{"an old link without identity, a certificate for another name", &misnamed.tls, "", "", "its certificate is for another name (db.elsewhere.test)", true},
		{"the wrong pin", &rogue.tls, data.Fingerprint(genuine.der), "", "other than the one this self-service set-up trusts", false},
		{"a CA that did not sign it", &rogue.tls, "", officePEM, "the authority in this self-service set-up does not vouch for it", false},
		{"the right pin", &genuine.tls, data.Fingerprint(genuine.der), "", "", false},
		{"the right CA", &genuine.tls, "", officePEM, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startFakePG(t, ip, c.cert, 3)
			line := app.SelfServiceSetup{Host: ip, Port: f.ln.Addr().(*net.TCPAddr).Port, Database: "acme", Login: login, Password: password, Pin: c.pin, CA: c.ca}.Encode(true)
			s, err := app.ParseSelfServiceSetup(line)
			if err != nil {
				t.Fatal(err)
			}
			_, err = data.OpenSelfService(ctx, s)
			msg := app.ErrorMessage(err)
			wire, plain := f.saw(password)
			if c.want == "" {
				// A proven server gets the password, inside TLS only.
				if app.ErrorCode(err) != app.EUNAUTHORIZED || !plain || wire {
					t.Fatalf("got %v (%q); password after TLS %v, on the wire %v", err, msg, plain, wire)
				}
				return
			}
			t.Log(msg)
			if app.ErrorCode(err) != app.EUNTRUSTED || !strings.Contains(msg, c.want) || !strings.Contains(msg, f.ln.Addr().String()) ||
				!strings.Contains(msg, "exports the self-service set-up again") || !strings.Contains(msg, "nor its password was sent") {
				t.Fatalf("got %v\n(%q)", err, msg)
			}
			if wire || plain {
				t.Fatalf("the server received the password (on the wire %v, after TLS %v)", wire, plain)
			}
			if _, plain := f.saw(login); plain {
				t.Error("the server learned the login")
			}
			var confirm *app.CertificateToConfirm
			if got := errors.As(err, &confirm); got != c.toVerify || (got && confirm.Fingerprint != data.Fingerprint(c.cert.Certificate[0])) {
				t.Errorf("certificate to confirm: %v %+v", got, confirm)
			}
			if strings.Contains(err.Error(), password) {
				t.Error("the error quotes the password")
			}
		})
	}
}
