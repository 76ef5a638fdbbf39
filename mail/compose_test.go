package mail_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"resetdesk/app"
	"resetdesk/mail"
)

var update = flag.Bool("update", false, "rewrite the golden .eml files in testdata")

// now is fixed so that Date, Message-ID and boundaries hold still.
var now = time.Date(2025, 3, 3, 14, 15, 0, 0, time.FixedZone("CET", 3600))

const from = "ResetDesk <noreply@acme.example>"

// headerKeys is the exact header of every message Compose writes.
var headerKeys = []string{"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}

func notice(kind app.DeliveryKind) app.Notice {
	n := app.Notice{
		DeliveryID: 42,
		Kind:       kind,
		To:         "alex@acme.example",
		UserName:   "Alex Müller",
		Login:      "alex@acme.example",
		OrgName:    "Acme Office",
		TimeZone:   "Europe/Berlin",
	}
	switch kind {
	case app.KindOneTimePassword:
		n.Secret, n.ExpiresAt = "482913", now.Add(15*time.Minute)
		n.Instructions = instructions
	case app.KindPassword:
		n.Secret, n.ExpiresAt, n.MustChange = "tulip-Orbit-7-canyon", now.Add(72*time.Hour), true
		n.Instructions = instructions
	case app.KindPasswordNotice:
		// The common case: a temporary password handed over on paper or
		// read out, so the mail carries no secret.
		n.ExpiresAt, n.MustChange = now.Add(72*time.Hour), true
		n.Instructions = instructions
	case app.KindUndeliverableNotice:
		n.To = "alex.private@example.net"
		n.Instructions = instructions
	case app.KindTest:
		n.To, n.UserName, n.Login, n.DeliveryID = "it@acme.example", "", "", 0
	}
	return n
}

// instructions are an office's completion_instructions: two lines, and
// characters that HTML must escape.
const instructions = "Use the front-desk PC by the door, or call Maria on 2114.\nEvenings & weekends: <it@acme.example>"

var kinds = []app.DeliveryKind{app.KindOneTimePassword, app.KindPassword, app.KindPasswordNotice, app.KindUndeliverableNotice, app.KindTest}

func TestComposeGolden(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			got, err := mail.Compose(notice(kind), from, now)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			path := filepath.Join("testdata", string(kind)+".eml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mail -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Compose(%s) differs from %s: run go test ./mail -update and review the diff", kind, path)
			}
		})
	}
}

// parsed is a message read back the way a mail client reads it.
type parsed struct {
	keys    []string
	to      []*netmail.Address
	subject string
	text    string
	html    string
}

func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	var p parsed
	for k := range m.Header {
		p.keys = append(p.keys, k)
	}
	slices.Sort(p.keys)
	if p.to, err = m.Header.AddressList("To"); err != nil {
		t.Fatalf("To: %v", err)
	}

	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	if p.subject, err = mr.Header.Subject(); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("next part: %v", err)
		}
		h, ok := part.Header.(*gomail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected part %T", part.Header)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		switch ct, _, _ := h.ContentType(); ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		default:
			t.Fatalf("unexpected part type %s", ct)
		}
	}
	return p
}

func TestComposeReadsBack(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			n := notice(kind)
			raw, err := mail.Compose(n, from, now)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			p := parse(t, raw)
			if !slices.Equal(p.keys, headerKeys) {
				t.Errorf("header keys = %v, want %v", p.keys, headerKeys)
			}
			if len(p.to) != 1 || p.to[0].Address != n.To || p.to[0].Name != n.UserName {
				t.Errorf("To = %v, want %s <%s>", p.to, n.UserName, n.To)
			}
			if p.subject == "" || p.text == "" || p.html == "" {
				t.Errorf("subject, text or html part is empty")
			}
			// Assert on presence, never print the secret itself.
			hasSecret := n.Secret != "" && strings.Contains(p.text, n.Secret) && strings.Contains(p.html, n.Secret)
			if hasSecret != (n.Secret != "") {
				t.Errorf("the secret should appear in both parts exactly when the notice carries one")
			}
		})
	}
}

func TestComposeSubjects(t *testing.T) {
	for _, tc := range []struct {
		kind app.DeliveryKind
		org  string
		want string
	}{
		{app.KindOneTimePassword, "Acme Office", "Your one-time password for Acme Office"},
		{app.KindOneTimePassword, "", "Your one-time password"},
		{app.KindPassword, "Acme Office", "Your temporary password for Acme Office"},
		{app.KindPasswordNotice, "Acme Office", "Your Acme Office password was reset"},
		{app.KindUndeliverableNotice, "Acme Office", "Please contact Acme Office about your account"},
		{app.KindTest, "Acme Office", "Test message from ResetDesk for Acme Office"},
		{app.KindOneTimePassword, "Bäckerei Müller", "Your one-time password for Bäckerei Müller"},
		{app.KindOneTimePassword, "Acme\r\nBcc: x@evil.test", "Your one-time password for Acme Bcc: x@evil.test"},
	} {
		n := notice(tc.kind)
		n.OrgName = tc.org
		raw, err := mail.Compose(n, from, now)
		if err != nil {
			t.Fatalf("Compose(%s, %q): %v", tc.kind, tc.org, err)
		}
		if got := parse(t, raw).subject; got != tc.want {
			t.Errorf("Compose(%s, %q) subject = %q, want %q", tc.kind, tc.org, got, tc.want)
		}
	}
}

// TestComposeVariants covers what the kinds' goldens do not: a set password
// that need not change, and no instructions; the notice of such a password.
func TestComposeVariants(t *testing.T) {
	for _, c := range []struct {
		golden string
		kind   app.DeliveryKind
	}{
		{"password_kept.eml", app.KindPassword},
		{"password_notice_kept.eml", app.KindPasswordNotice},
	} {
		t.Run(c.golden, func(t *testing.T) {
			n := notice(c.kind)
			n.MustChange, n.ExpiresAt, n.Instructions = false, time.Time{}, ""
			got, err := mail.Compose(n, from, now)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mail -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Compose differs from %s: run go test ./mail -update and review the diff", path)
			}
		})
	}
}

// TestComposeNoticeOfAKeptPassword: a set password the user may keep, not
// emailed, has nothing to change: its notice sends the user to the
// administrator for it, and to no screen.
func TestComposeNoticeOfAKeptPassword(t *testing.T) {
	n := notice(app.KindPasswordNotice)
	n.MustChange, n.ExpiresAt = false, time.Time{}
	raw, err := mail.Compose(n, from, now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	for _, want := range []string{"Please ask your administrator for it.", "Use the front-desk PC by the door, or call Maria on 2114."} {
		if !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
			t.Errorf("the notice does not say %q:\n%s", want, p.text)
		}
	}
	if strings.Contains(p.text, "temporary") || strings.Contains(p.html, "temporary") {
		t.Errorf("the notice of a password the user may keep speaks of a temporary one:\n%s", p.text)
	}
}

// TestComposeSaysWhereAndHow: the one-time and temporary-password mails name
// the screen to use, carry the office's instructions line by line (escaped
// in HTML), and state the deadline in the org's time zone.
func TestComposeSaysWhereAndHow(t *testing.T) {
	for _, c := range []struct {
		kind   app.DeliveryKind
		tz     string
		screen string
		until  string
	}{
		{app.KindOneTimePassword, "Europe/Berlin", "I have a one-time password", "until Mon 3 Mar 2025, 14:30 CET"},
		{app.KindOneTimePassword, "", "I have a one-time password", "until Mon 3 Mar 2025, 13:30 UTC"},
		{app.KindPassword, "America/New_York", "Change a temporary password", "Thu 6 Mar 2025, 08:15 EST"},
		{app.KindPassword, "Mars/Olympus", "Change a temporary password", "Thu 6 Mar 2025, 13:15 UTC"},
		{app.KindPasswordNotice, "Europe/Berlin", "Change a temporary password", "Thu 6 Mar 2025, 14:15 CET"},
		{app.KindPasswordNotice, "America/New_York", "Change a temporary password", "Thu 6 Mar 2025, 08:15 EST"},
	} {
		n := notice(c.kind)
		n.TimeZone = c.tz
		raw, err := mail.Compose(n, from, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, raw)
		for _, want := range []string{c.screen, c.until, "Use the front-desk PC by the door, or call Maria on 2114."} {
			if !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
				t.Errorf("%s in %q: the message does not say %q", c.kind, c.tz, want)
			}
		}
		if !strings.Contains(p.text, "\n    Evenings & weekends: <it@acme.example>") {
			t.Errorf("%s: the text part does not keep the instructions' second line:\n%s", c.kind, p.text)
		}
		if !strings.Contains(p.html, "<br>Evenings &amp; weekends: &lt;it@acme.example&gt;") {
			t.Errorf("%s: the HTML part does not escape the instructions", c.kind)
		}
	}
}

// 4.6: the notice to the secondary address of a user whose primary one
// bounces asks them to contact the office, and says how in the office's
// own words (completion_instructions) when it has any.
func TestComposeBounceNoticeSaysHowToReachTheOffice(t *testing.T) {
	const ask = "Please contact the office to have your password reset and your address checked."
	n := notice(app.KindUndeliverableNotice)
	raw, err := mail.Compose(n, from, now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	for _, want := range []string{ask, "From your office:", "Use the front-desk PC by the door, or call Maria on 2114."} {
		if !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
			t.Errorf("the notice does not say %q:\n%s", want, p.text)
		}
	}
	if !strings.Contains(p.text, "\n    Evenings & weekends: <it@acme.example>") ||
		!strings.Contains(p.html, "<br>Evenings &amp; weekends: &lt;it@acme.example&gt;") {
		t.Errorf("the instructions' second line is missing or not escaped:\n%s\n%s", p.text, p.html)
	}

	// An office without instructions: the request alone, no empty heading.
	n.Instructions = ""
	if raw, err = mail.Compose(n, from, now); err != nil {
		t.Fatal(err)
	}
	p = parse(t, raw)
	if !strings.Contains(p.text, ask) || !strings.Contains(p.html, ask) ||
		strings.Contains(p.text, "From your office") || strings.Contains(p.html, "From your office") {
		t.Errorf("without instructions the notice reads:\n%s", p.text)
	}
}

func TestComposeExpiry(t *testing.T) {
	raw, err := mail.Compose(notice(app.KindOneTimePassword), from, now)
	if err != nil {
		t.Fatal(err)
	}
	const want = "valid for 15 minutes, until Mon 3 Mar 2025, 14:30 CET"
	if p := parse(t, raw); !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
		t.Errorf("the message does not say %q", want)
	}
}

func TestComposeEscapesHTML(t *testing.T) {
	n := notice(app.KindPassword)
	n.UserName = `<script>alert("x")</script>`
	n.OrgName = "Smith & Sons <b>"
	n.Secret = `a<b&c"d'e`
	raw, err := mail.Compose(n, from, now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	for _, bad := range []string{"<script>", "<b>", `a<b&c"d`} {
		if strings.Contains(p.html, bad) {
			t.Errorf("html part holds %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "Smith &amp; Sons &lt;b&gt;", "a&lt;b&amp;c&#34;d&#39;e"} {
		if !strings.Contains(p.html, good) {
			t.Errorf("html part lacks %q", good)
		}
	}
	if !strings.Contains(p.text, n.Secret) {
		t.Errorf("text part does not hold the password as typed")
	}
}

func TestComposeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   string
		from string
		kind app.DeliveryKind
	}{
		{name: "empty to", to: ""},
		{name: "CRLF in to", to: "alex@acme.example\r\nBcc: x@evil.test"},
		{name: "LF in to", to: "alex@acme.example\nBcc: x@evil.test"},
		{name: "NUL in to", to: "alex@acme.example\x00"},
		{name: "display name in to", to: "Alex <alex@acme.example>"},
		{name: "two addresses", to: "alex@acme.example, eve@evil.test"},
		{name: "space around to", to: " alex@acme.example"},
		{name: "no domain", to: "alex"},
		{name: "quoted local part changes", to: `"alex"@acme.example`},
		{name: "too long", to: strings.Repeat("a", 250) + "@acme.example"},
		{name: "CRLF in from", to: "alex@acme.example", from: "ResetDesk <noreply@acme.example>\r\nBcc: x@evil.test"},
		{name: "empty from", to: "alex@acme.example", from: " "},
		{name: "unknown kind", to: "alex@acme.example", kind: "carrier_pigeon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := notice(app.KindOneTimePassword)
			n.To = tc.to
			if tc.kind != "" {
				n.Kind = tc.kind
			}
			f := from
			if tc.from != "" {
				f = tc.from
			}
			raw, err := mail.Compose(n, f, now)
			if app.ErrorCode(err) != app.EINVALID || raw != nil {
				t.Errorf("Compose = %d bytes, %v; want no message and an EINVALID error", len(raw), err)
			}
		})
	}
}

func TestComposeCleansNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"CRLF header", "Eve\r\nBcc: x@evil.test", "Eve Bcc: x@evil.test"},
		{"NUL", "Eve\x00Bcc: x@evil.test", "Eve Bcc: x@evil.test"},
		{"line separator", "Eve\u2028Bcc: x", "Eve Bcc: x"},
		{"bidi override", "Eve\u202egnp.exe", "Eve gnp.exe"},
		{"invalid UTF-8", "Eve\xff", "Eve\uFFFD"},
		{"spaces", "  Eve \t Smith  ", "Eve Smith"},
		{"long", strings.Repeat("A", 5000), strings.Repeat("A", 100) + "…"},
		{"non-ASCII", "山田 太郎", "山田 太郎"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := notice(app.KindPasswordNotice)
			n.UserName = tc.in
			raw, err := mail.Compose(n, from, now)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, raw)
			if !slices.Equal(p.keys, headerKeys) {
				t.Errorf("header keys = %v, want %v", p.keys, headerKeys)
			}
			if len(p.to) != 1 || p.to[0].Name != tc.want || p.to[0].Address != n.To {
				t.Errorf("To = %v, want %q <%s>", p.to, tc.want, n.To)
			}
			for _, line := range bytes.Split(raw, []byte("\r\n")) {
				if len(line) > 998 {
					t.Fatalf("a line of %d bytes", len(line))
				}
			}
		})
	}
}

// FuzzCompose feeds hostile names, org names and addresses to Compose. A
// message it returns must read back with exactly the expected header fields
// and the input address as its only recipient; anything else must be an
// EINVALID error. The seed corpus is in testdata/fuzz/FuzzCompose.
func FuzzCompose(f *testing.F) {
	f.Add("Alex Müller", "Acme Office", "alex@acme.example", uint8(0))
	f.Fuzz(func(t *testing.T, name, org, to string, kind uint8) {
		n := notice(kinds[int(kind)%len(kinds)])
		n.UserName, n.OrgName, n.To, n.Login = name, org, to, to
		raw, err := mail.Compose(n, from, now)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("Compose error %v, want EINVALID", err)
			}
			return
		}
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("net/mail cannot read the message: %v", err)
		}
		var keys []string
		for k, vs := range m.Header {
			keys = append(keys, k)
			if len(vs) != 1 {
				t.Errorf("%d %s fields", len(vs), k)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, headerKeys) {
			t.Fatalf("header keys = %v, want %v", keys, headerKeys)
		}
		list, err := m.Header.AddressList("To")
		if err != nil || len(list) != 1 || list[0].Address != to {
			t.Fatalf("To = %v (%v), want exactly %q", list, err, to)
		}
		// go-message must agree: it is what reads the parts.
		mr, err := gomail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("go-message cannot read the message: %v", err)
		}
		list, err = mr.Header.AddressList("To")
		if err != nil || len(list) != 1 || list[0].Address != to {
			t.Fatalf("go-message To = %v (%v), want exactly %q", list, err, to)
		}
	})
}
