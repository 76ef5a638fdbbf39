package mail_test

import (
	"context"
	"errors"
	"testing"

	"resetdesk/app"
	"resetdesk/mail"
)

// A Switch with no mailer is not ready, and every notice gets the one "no
// mail server" answer, tried 0 times; once set, it sends through the new
// server and says where.
func TestSwitchSendsThroughTheMailerSet(t *testing.T) {
	var sw mail.Switch
	n := []app.Notice{{DeliveryID: 1, Kind: app.KindTest, To: "alice@acme.example"}}
	if app.MailReady(&sw) || sw.Route() != "" {
		t.Fatalf("an empty switch is ready (route %q)", sw.Route())
	}
	errs, tries := sw.SendCounted(context.Background(), n)
	if !errors.Is(errs[0], app.ErrNoMailServer) || tries[0] != 0 {
		t.Fatalf("with no mailer: %v, %d tries", errs[0], tries[0])
	}

	s := startSink(t)
	m, err := mail.NewMailer(sinkConfig(t, s))
	if err != nil {
		t.Fatal(err)
	}
	sw.Set(m, s.Addr())
	if !app.MailReady(&sw) || sw.Route() != s.Addr() {
		t.Fatalf("after Set: ready %v, route %q", app.MailReady(&sw), sw.Route())
	}
	if errs := sw.Send(context.Background(), n); errs[0] != nil || len(s.Messages()) != 1 {
		t.Fatalf("send: %v, the sink has %d messages", errs[0], len(s.Messages()))
	}
}
