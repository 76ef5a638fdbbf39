package postfixtest_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"resetdesk/mail/postfixtest"
)

// TestServer checks the helper itself with a bare SMTP client: AUTH is
// hidden until STARTTLS, the certificate verifies against CAFile, the right
// password logs in and the message lands in Messages, a wrong one gets 535.
func TestServer(t *testing.T) {
	t0 := time.Now()
	srv := postfixtest.Start(t)
	t.Logf("started in %v", time.Since(t0).Round(time.Millisecond))

	pem, err := os.ReadFile(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CAFile holds no certificate")
	}
	// In plain text Postfix offers STARTTLS and hides AUTH.
	plain, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := plain.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if ok, _ := plain.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS not offered")
	}
	plain.Quit()

	dial := func() *smtp.Client {
		t.Helper()
		c, err := smtp.DialStartTLS(srv.Addr(), &tls.Config{ServerName: "localhost", RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if ok, mechs := c.Extension("AUTH"); !ok || !strings.Contains(mechs, "PLAIN") {
			t.Fatalf("AUTH after STARTTLS: %v %q", ok, mechs)
		}
		return c
	}

	c := dial()
	err = c.Auth(sasl.NewPlainClient("", srv.Username, srv.Password+"x"))
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 535 {
		t.Fatalf("wrong password: %v, want 535", err)
	}

	c = dial()
	if err := c.Auth(sasl.NewPlainClient("", srv.Username, srv.Password)); err != nil {
		t.Fatalf("right password: %v", err)
	}
	body := "From: a@example.test\r\nTo: b@example.org\r\nSubject: hello\r\n\r\npostfixtest body\r\n"
	if err := c.SendMail("a@example.test", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	msgs := srv.Messages()
	if len(msgs) != 1 || !bytes.Contains(msgs[0], []byte("postfixtest body")) || !bytes.Contains(msgs[0], []byte("Delivered-To: b@example.org")) {
		t.Fatalf("delivered: %q", msgs)
	}
	t.Logf("sent and delivered after %v", time.Since(t0).Round(time.Millisecond))
}
