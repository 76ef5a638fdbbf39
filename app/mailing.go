package app

import "context"

// ErrNoMailServer is every message's answer while no mail server is
// configured. Whether one is, is decided in one place, MailReady: a reset,
// a test message and a mailer that Settings fills in later all ask it.
var ErrNoMailServer = &Error{Code: EUNAVAILABLE, Message: "No mail server is configured. Set one up in Settings, then use Resend."}

// MailConfigurer is implemented by a Mailer that may have no server behind
// it yet, such as one that Settings fills in later.
type MailConfigurer interface {
	Configured() bool
}

// MailReady reports whether m can send: it is set and, if it may have no
// server behind it yet, has one.
func MailReady(m Mailer) bool {
	if m == nil {
		return false
	}
	if c, ok := m.(MailConfigurer); ok {
		return c.Configured()
	}
	return true
}

// SendCounted sends notices through m over one connection and returns,
// for each, the error (nil when the server accepted it) and how many times
// it was tried (1 when m does not count). Without a ready mailer each
// fails with ErrNoMailServer, tried 0 times.
func SendCounted(ctx context.Context, m Mailer, notices []Notice) ([]error, []int) {
	errs, attempts := make([]error, len(notices)), make([]int, len(notices))
	if len(notices) == 0 {
		return errs, attempts
	}
	if !MailReady(m) {
		for i := range errs {
			errs[i] = ErrNoMailServer
		}
		return errs, attempts
	}
	var got []error
	var tries []int
	if c, ok := m.(CountingMailer); ok {
		got, tries = c.SendCounted(ctx, notices)
	} else {
		got = m.Send(ctx, notices)
	}
	for i := range errs {
		if len(got) != len(notices) {
			errs[i] = Errorf(EINTERNAL, "The mailer gave no answer for this message.")
		} else {
			errs[i] = got[i]
		}
		attempts[i] = 1
		if len(tries) == len(notices) {
			attempts[i] = tries[i]
		}
	}
	return errs, attempts
}

// SendTestMessage sends a test message to to through m and records it in
// dir as a delivery, so that it shows in the Mail view with its fate. It
// returns EINVALID for a bad address or when there is no mail server, and
// otherwise the mail server's own words when it refused.
func SendTestMessage(ctx context.Context, dir Directory, m Mailer, to string) error {
	if !MailReady(m) {
		return Errorf(EINVALID, "Enter the host name of the mail server.")
	}
	if !ValidEmail(to) {
		return Errorf(EINVALID, "%q is not a valid email address.", to)
	}
	id, err := dir.CreateTestDelivery(ctx, to)
	if err != nil {
		return err
	}
	_, org, _ := dir.Actor(ctx) // the org's name is a nicety of the message
	errs, attempts := SendCounted(ctx, m, []Notice{{DeliveryID: id, Kind: KindTest, To: to, OrgName: org.Name}})
	d := Delivery{ID: id, Status: DeliverySent, Attempts: attempts[0]}
	if errs[0] != nil {
		d.Status, d.LastError = DeliveryFailed, ErrorMessage(errs[0])
	}
	// The message went or did not; recording it must not be cut short.
	if err := dir.RecordDeliveries(context.WithoutCancel(ctx), []Delivery{d}); err != nil {
		return err
	}
	return errs[0]
}
