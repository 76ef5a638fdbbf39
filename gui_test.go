package main

import (
	"context"
	"flag"
	"net"
	"strconv"
	"strings"
	"testing"

	fynetest "fyne.io/fyne/v2/test"

	"resetdesk/app"
	"resetdesk/data/pgtest"
	"resetdesk/mail/sink"
	"resetdesk/ui"
)

// Settings learns from the backend where mail goes, and "Send test message"
// with no host goes through the mail server in use, recorded in the Mail
// view like any other.
func TestBackendMailRoute(t *testing.T) {
	t.Setenv("RESETDESK_SMTP_URL", "")
	b := newBackend(fynetest.NewTempApp(t))
	if r := b.MailRoute(); r != "" {
		t.Fatalf("route with no mail server = %q", r)
	}
	o := pgtest.NewOrg(t)
	sess := b.session(o.Owner)
	ctx := context.Background()
	if err := b.SendTestMessage(ctx, sess, ui.SMTPSettings{}, "olivia@acme.test"); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("test message with no mail server at all: %v", err)
	}

	s, err := sink.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	host, port, _ := net.SplitHostPort(s.Addr())
	p, _ := strconv.Atoi(port)
	if err := b.ConfigureMail(ui.SMTPSettings{Host: host, Port: p, TLS: "none", From: "ResetDesk <noreply@acme.test>"}); err != nil {
		t.Fatal(err)
	}
	if r := b.MailRoute(); r != s.Addr() {
		t.Errorf("route = %q, want %q", r, s.Addr())
	}
	if err := b.SendTestMessage(ctx, sess, ui.SMTPSettings{}, "olivia@acme.test"); err != nil {
		t.Fatalf("test message through the server in use: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("the sink has %d messages, want 1", n)
	}
	ds, err := o.Owner.Deliveries(ctx, app.DeliveryFilter{Limit: 10})
	if err != nil || len(ds) != 1 || ds[0].Kind != app.KindTest || ds[0].Status != app.DeliverySent || ds[0].Attempts != 1 {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
}

// -size takes WxH in Fyne's units and refuses anything else with a
// sentence; -mobile and -size open the window, not a command.
func TestWindowFlags(t *testing.T) {
	for _, c := range []struct {
		in     string
		w, h   float32
		refuse bool
	}{
		{"", 0, 0, false},
		{"1024x1366", 1024, 1366, false},
		{" 800 X 600 ", 800, 600, false},
		{"1024", 0, 0, true},
		{"1024x", 0, 0, true},
		{"axb", 0, 0, true},
		{"100x800", 0, 0, true},
		{"20000x800", 0, 0, true},
	} {
		got, err := parseSize(c.in)
		if (err != nil) != c.refuse || got.Width != c.w || got.Height != c.h {
			t.Errorf("parseSize(%q) = %v, %v", c.in, got, err)
		}
	}
	for arg, want := range map[string]bool{"-mobile": true, "--mobile": true, "-size": true, "--size=1024x1366": true,
		"-size=800x600": true, "-platform": true, "--platform=ios": true, "size": false, "users": false, "-h": false, "--json": false} {
		if got := isWindowFlag(arg); got != want {
			t.Errorf("isWindowFlag(%q) = %v", arg, got)
		}
	}
	for in, want := range map[string]string{"": "", "ios": "ios", " iOS ": "ios", "Android": "android"} {
		if got, err := parsePlatform(in); got != want || err != nil {
			t.Errorf("parsePlatform(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := parsePlatform("windows"); err == nil || err.Error() != `-platform "windows": say ios or android` {
		t.Errorf("parsePlatform(windows) = %v", err)
	}
}

// walk6 p3: a word after the window's flags is "demo" or "self-service",
// with more flags after it, or it is refused with a sentence that says
// how to run it; resetdesk -mobile users opened the window and ignored
// users.
func TestWindowModeAfterFlags(t *testing.T) {
	for _, c := range []struct {
		mode string
		args []string
		want string // the mode, or the start of the refusal
		ok   bool
	}{
		{"", []string{"-mobile"}, "", true},
		{"demo", []string{"-mobile"}, "demo", true},
		{"", []string{"-mobile", "demo"}, "demo", true},
		{"", []string{"-mobile", "demo", "-platform", "ios"}, "demo", true},
		{"", []string{"-size", "1024x1366", "self-service"}, "self-service", true},
		{"", []string{"-mobile", "users"}, `-mobile, -size and -platform are the window's flags, and the window takes no "users". Run a command without them (resetdesk users)`, false},
		{"", []string{"-mobile", "users", "--json"}, `-mobile, -size and -platform are the window's flags, and the window takes no "users". Run a command without them (resetdesk users --json)`, false},
		{"self-service", []string{"-mobile", "add", "frontdesk"}, `-mobile, -size and -platform are the window's flags, and the window takes no "add"`, false},
		{"demo", []string{"-mobile", "demo"}, `-mobile, -size and -platform are the window's flags, and the window takes no "demo"`, false},
	} {
		fs := flag.NewFlagSet("resetdesk", flag.ContinueOnError)
		fs.Bool("mobile", false, "")
		fs.String("size", "", "")
		fs.String("platform", "", "")
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		got, err := modeAfterFlags(fs, c.mode)
		switch {
		case c.ok && (err != nil || got != c.want):
			t.Errorf("%q %v: %q, %v; want %q", c.mode, c.args, got, err, c.want)
		case !c.ok && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%q %v: %q, %v; want the refusal %q", c.mode, c.args, got, err, c.want)
		}
	}
}
