package ui

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"resetdesk/app"
)

// pdfText is the text of a PDF as poppler's pdftotext reads it, pages
// separated by form feeds.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slip.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, scripts/setup-deps installs it): %v", err)
	}
	return string(out)
}

// A bulk reset's slips: a page per user who was reset, none for a skipped
// one; the temporary password or the pointer to the email, the expiry in
// the org's zone, where to change it, and the office's words.
func TestSlips(t *testing.T) {
	org := app.Org{Name: "Acme Test", TimeZone: "Europe/Berlin", CompletionInstructions: "Use the front-desk PC, or call Maria on 2114."}
	exp := time.Date(2025, 6, 4, 7, 0, 0, 0, time.UTC)
	results := []app.ResetResult{
		{User: app.User{DisplayName: "Jürgen Müller", PrimaryEmail: "jurgen@acme.example"}, Outcome: app.OutcomeReset,
			Password: "Kx7-pQ2#mW9zR4t", ExpiresAt: exp},
		{User: app.User{DisplayName: "Skipped Sam", PrimaryEmail: "sam@acme.example"}, Outcome: app.OutcomeSkipped},
		{User: app.User{DisplayName: "Alice Anders", PrimaryEmail: "alice@acme.example"}, Outcome: app.OutcomeReset,
			Delivery: app.Delivery{ID: 1, Kind: app.KindOneTimePassword}, ExpiresAt: exp},
	}
	pdf, err := makeSlips(org, slipResults(results), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdfText(t, pdf), "\f\n"), "\f")
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for i, want := range [][]string{
		{"Your new password for Acme Test", "For Jürgen Müller", "jurgen@acme.example", "Kx7-pQ2#mW9zR4t",
			"Wednesday 4 June 2025, 09:00 CEST", "choose “Change a temporary password”", "Use the front-desk PC, or call Maria on 2114."},
		{"For Alice Anders", "alice@acme.example", "use the one-time password in your email", "choose “I have a one-time password”",
			"Use the front-desk PC"},
	} {
		for _, w := range want {
			if !strings.Contains(flat(pages[i]), w) {
				t.Errorf("page %d lacks %q:\n%s", i+1, w, pages[i])
			}
		}
	}
	if strings.Contains(flat(pages[1]), "Kx7") {
		t.Error("Alice's page shows Jürgen's password")
	}
	if _, err := makeSlips(org, slipResults(results[1:2]), fixedNow); app.ErrorMessage(err) != "No user was reset, so there is no slip to print." {
		t.Errorf("nobody reset: %v", err)
	}
}

// The slip's file is private, opens in the viewer as a file URL, and is
// gone when the app closes.
func TestPrintSlipFile(t *testing.T) {
	test.NewTempApp(t)
	var opened *url.URL
	results := []app.ResetResult{{User: app.User{DisplayName: "Bob Brown", PrimaryEmail: "bob@acme.example"}, Outcome: app.OutcomeReset, Password: "secret-Password-1"}}
	msg, err := printSlips(app.Org{Name: "Acme"}, results, fixedNow, func(u *url.URL) error { opened = u; return nil })
	if err != nil || !strings.HasPrefix(msg, "The slip opened") {
		t.Fatalf("print: %q %v", msg, err)
	}
	if opened == nil || opened.Scheme != "file" {
		t.Fatalf("opened %v", opened)
	}
	st, err := os.Stat(opened.Path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode %v, want 0600", mode)
	}
	removeSlips()
	if _, err := os.Stat(opened.Path); !os.IsNotExist(err) {
		t.Errorf("the slip is still there after closing: %v", err)
	}
}

// A tablet shows the desktop's reset dialog, but cannot show a slip: it
// says so, and writes no file that would hold the password.
func TestPrintSlipOnMobile(t *testing.T) {
	test.NewTempApp(t)
	old := deviceIsMobile
	deviceIsMobile = func() bool { return true }
	t.Cleanup(func() { deviceIsMobile = old })
	var opened *url.URL
	results := []app.ResetResult{{User: app.User{DisplayName: "Bob Brown", PrimaryEmail: "bob@acme.example"}, Outcome: app.OutcomeReset, Password: "secret-Password-1"}}
	msg, err := printSlips(app.Org{Name: "Acme"}, results, fixedNow, func(u *url.URL) error { opened = u; return nil })
	if err != errNoSlipOnMobile || msg != "" || opened != nil {
		t.Fatalf("on a tablet: %q %v, opened %v", msg, err, opened)
	}
	slipFiles.Lock()
	n := len(slipFiles.paths)
	slipFiles.Unlock()
	if n != 0 {
		t.Errorf("%d slip files written", n)
	}
}
