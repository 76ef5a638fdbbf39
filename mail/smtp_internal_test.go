package mail

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"resetdesk/app"
)

func TestCheckCleartextAuth(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		refuse bool
	}{
		{Config{Host: "mail.example.com", TLS: TLSNone, Username: "alex"}, true},
		{Config{Host: "192.0.2.1", TLS: TLSNone, Username: "alex"}, true},
		{Config{Host: "2001:db8::1", TLS: TLSNone, Username: "alex"}, true},
		{Config{Host: "localhost.example.com", TLS: TLSNone, Username: "alex"}, true},
		{Config{Host: "mail.example.com", TLS: TLSNone}, false},
		{Config{Host: "mail.example.com", TLS: TLSStartTLS, Username: "alex"}, false},
		{Config{Host: "mail.example.com", TLS: TLSImplicit, Username: "alex"}, false},
		{Config{Host: "localhost", TLS: TLSNone, Username: "alex"}, false},
		{Config{Host: "LOCALHOST", TLS: TLSNone, Username: "alex"}, false},
		{Config{Host: "127.0.0.1", TLS: TLSNone, Username: "alex"}, false},
		{Config{Host: "127.255.0.9", TLS: TLSNone, Username: "alex"}, false},
		{Config{Host: "::1", TLS: TLSNone, Username: "alex"}, false},
		{Config{Host: "[::1]", TLS: TLSNone, Username: "alex"}, false},
	} {
		err := checkCleartextAuth(tc.cfg)
		if (err != nil) != tc.refuse {
			t.Errorf("checkCleartextAuth(%s) = %v, want refusal %v", tc.cfg, err, tc.refuse)
		}
		if tc.refuse && app.ErrorMessage(err) != "Refusing to send the SMTP password to "+tc.cfg.Host+" without TLS. Use tls=starttls or smtps://." {
			t.Errorf("checkCleartextAuth(%s) says %q", tc.cfg, app.ErrorMessage(err))
		}
	}
}

// TestSendRefusesBeforeDialing goes around NewMailer, which refuses such a
// Config already, to show that Send checks again before it dials: a dial to
// 192.0.2.1 (TEST-NET-1) could only time out or fail with another message.
func TestSendRefusesBeforeDialing(t *testing.T) {
	m := &Mailer{cfg: Config{Host: "192.0.2.1", Port: 25, TLS: TLSNone, Username: "alex", Password: "secret", From: "noreply@acme.example", Timeout: 10 * time.Second}}
	start := time.Now()
	errs := m.Send(context.Background(), []app.Notice{
		{Kind: app.KindTest, To: "it@acme.example"},
		{Kind: app.KindTest, To: "it2@acme.example"},
	})
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send took %v: it dialed", d)
	}
	for _, err := range errs {
		if app.ErrorCode(err) != app.EINVALID || app.ErrorMessage(err) != "Refusing to send the SMTP password to 192.0.2.1 without TLS. Use tls=starttls or smtps://." {
			t.Errorf("error = %v", err)
		}
	}
	if err := m.Check(context.Background()); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("Check error = %v, want the refusal", err)
	}
}

func TestServerWords(t *testing.T) {
	for _, tc := range []struct {
		err  *smtp.SMTPError
		want string
	}{
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<x@y>: Recipient address rejected"}, "550 5.1.1 <x@y>: Recipient address rejected"},
		{&smtp.SMTPError{Code: 451, Message: "Try again"}, "451 Try again"},
		{&smtp.SMTPError{Code: 554, EnhancedCode: smtp.NoEnhancedCode, Message: "line one\nline two"}, "554 line one line two"},
	} {
		if got := serverWords(tc.err); got != tc.want {
			t.Errorf("serverWords(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, ""},
		{-time.Minute, ""},
		{time.Minute, "1 minute"},
		{15*time.Minute + 20*time.Second, "15 minutes"},
		{90 * time.Minute, "90 minutes"},
		{2 * time.Hour, "2 hours"},
		{72 * time.Hour, "72 hours"},
		{7 * 24 * time.Hour, "7 days"},
		{7*24*time.Hour + 3*time.Hour, "171 hours"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
