package sink_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"resetdesk/app"
	"resetdesk/mail/sink"
)

func TestStartRefusesOtherAddresses(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:2525", "mail.example.com:25", "127.0.0.1"} {
		s, err := sink.Start(addr, "")
		if err == nil {
			s.Close()
		}
		if app.ErrorCode(err) != app.EINVALID {
			t.Errorf("Start(%q) error = %v, want EINVALID", addr, err)
		}
	}
}

const message = "From: a@acme.example\r\nTo: b@acme.example\r\nSubject: hi\r\n\r\nhello\r\n"

func TestSinkKeepsAndWritesMessages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	s, err := sink.Start("127.0.0.1:0", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "alex", "anything")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	for range 2 {
		if err := c.SendMail("a@acme.example", []string{"b@acme.example", "c@acme.example"}, strings.NewReader(message)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}

	msgs := s.Messages()
	if len(msgs) != 2 || s.Connections() != 1 {
		t.Fatalf("%d messages over %d connections, want 2 over 1", len(msgs), s.Connections())
	}
	for _, m := range msgs {
		if m.From != "a@acme.example" || strings.Join(m.To, ",") != "b@acme.example,c@acme.example" || m.User != "alex" {
			t.Errorf("message %+v", m)
		}
		data, err := os.ReadFile(m.File)
		if err != nil || !bytes.Equal(data, m.Data) || string(m.Data) != message {
			t.Errorf("%s does not hold the message as sent (%v)", m.File, err)
		}
		if fi, err := os.Stat(m.File); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600, it holds one-time passwords", m.File, err, fi.Mode().Perm())
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 2 || files[0] != msgs[0].File {
		t.Errorf("files %v: want two, sorting in the order of arrival", files)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	s.Close() // twice is fine
	if len(s.Messages()) != 2 {
		t.Errorf("messages are gone after Close")
	}
}

func TestSinkFaults(t *testing.T) {
	s, err := sink.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.FailNext(451, "4.3.0 Try again later")
	s.SetReject(func(rcpt string) *smtp.SMTPError {
		if rcpt == "nobody@acme.example" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	})

	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var se *smtp.SMTPError
	err = c.SendMail("a@acme.example", []string{"b@acme.example"}, strings.NewReader(message))
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) || se.Message != "Try again later" {
		t.Errorf("first message: %v, want 451 4.3.0 Try again later", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	err = c.SendMail("a@acme.example", []string{"nobody@acme.example"}, strings.NewReader(message))
	if !errors.As(err, &se) || se.Code != 550 {
		t.Errorf("rejected recipient: %v, want 550", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	s.DropAfter(1)
	if err := c.SendMail("a@acme.example", []string{"b@acme.example"}, strings.NewReader(message)); err != nil {
		t.Errorf("message before the drop: %v", err)
	}
	if err := c.SendMail("a@acme.example", []string{"b@acme.example"}, strings.NewReader(message)); err == nil || errors.As(err, &se) {
		t.Errorf("message after the drop: %v, want a broken connection", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("the sink kept %d messages, want 1", n)
	}
}
