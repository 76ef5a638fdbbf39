package ui

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-pdf/fpdf"

	"resetdesk/app"
)

// A printable slip hands a reset over on paper: one A4 page per user with
// their login, the temporary password (or where the one-time password
// went), until when it works, where to change it and the office's own
// words. The PDF holds secrets, so it is written to a file only this user
// may read, opened in the system's viewer, and deleted after slipLifetime
// or when the app quits, whichever comes first.

// slipLifetime is how long a slip's file stays for the viewer to open it
// and the admin to print it.
const slipLifetime = 5 * time.Minute

// slipResults keeps the results a slip can be made of: users who were
// reset, in order.
func slipResults(results []app.ResetResult) []app.ResetResult {
	var out []app.ResetResult
	for _, r := range results {
		if r.Outcome == app.OutcomeReset {
			out = append(out, r)
		}
	}
	return out
}

// makeSlips returns a PDF with a page per result. It uses the theme's own
// fonts (Noto Sans), so any name prints as typed.
func makeSlips(org app.Org, results []app.ResetResult, now time.Time) ([]byte, error) {
	if len(results) == 0 {
		return nil, app.Errorf(app.EINVALID, "No user was reset, so there is no slip to print.")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreator("ResetDesk", true)
	pdf.SetTitle("Password slips: "+org.Name, true)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.AddUTF8FontFromBytes("sans", "", theme.DefaultTextFont().Content())
	pdf.AddUTF8FontFromBytes("sans", "B", theme.DefaultTextBoldFont().Content())
	pdf.AddUTF8FontFromBytes("mono", "", theme.DefaultTextMonospaceFont().Content())
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	zone := orgZone(org.TimeZone)
	for _, r := range results {
		pdf.AddPage()
		pdf.SetFont("sans", "B", 18)
		pdf.MultiCell(0, 9, "Your new password for "+org.Name, "", "L", false)
		pdf.Ln(2)
		pdf.SetFont("sans", "", 12)
		pdf.MultiCell(0, 6, "For "+r.User.DisplayName, "", "L", false)
		pdf.Ln(6)

		field := func(label, value, font string, size float64) {
			pdf.SetFont("sans", "", 10)
			pdf.CellFormat(0, 5, label, "", 1, "L", false, 0, "")
			pdf.SetFont(font, "", size)
			pdf.MultiCell(0, size*0.5, value, "", "L", false)
			pdf.Ln(4)
		}
		field("Login", r.User.Login(), "sans", 14)
		var where string
		if r.Password != "" {
			field("Temporary password", r.Password, "mono", 18)
			where = "Change it before you use it for anything else: open ResetDesk on an office computer or phone, choose " +
				"\u201c" + endUserTemporaryLabel + "\u201d, and type your login, this temporary password and a new password of your own twice."
		} else {
			field("Temporary password", "None on this slip: use the one-time password in your email.", "sans", 12)
			where = "Open ResetDesk on an office computer or phone, choose \u201c" + endUserCodeLabel + "\u201d, and type your login, " +
				"the one-time password from your email (capitals, dash and spaces do not matter) and a new password of your own twice."
		}
		if !r.ExpiresAt.IsZero() {
			field("Works until", r.ExpiresAt.In(zone).Format("Monday 2 January 2006, 15:04 MST"), "sans", 12)
		}
		pdf.SetFont("sans", "B", 11)
		pdf.CellFormat(0, 6, "Where to change it", "", 1, "L", false, 0, "")
		pdf.SetFont("sans", "", 11)
		pdf.MultiCell(0, 5.5, where, "", "L", false)
		if ins := strings.TrimSpace(org.CompletionInstructions); ins != "" {
			pdf.Ln(4)
			pdf.SetFont("sans", "B", 11)
			pdf.CellFormat(0, 6, "From the office", "", 1, "L", false, 0, "")
			pdf.SetFont("sans", "", 11)
			pdf.MultiCell(0, 5.5, ins, "", "L", false)
		}
		pdf.Ln(8)
		pdf.SetFont("sans", "", 9)
		pdf.MultiCell(0, 4.5, "Keep this slip to yourself and destroy it once your new password is set. "+
			"Nobody from the office will ever ask you for your password.", "", "L", false)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, &app.Error{Code: app.EINTERNAL, Message: "Could not make the slip.", Err: err}
	}
	return buf.Bytes(), nil
}

// slipFiles are the slips written and not yet deleted, so that quitting
// deletes them.
var slipFiles struct {
	sync.Mutex
	paths map[string]bool
}

// writeSlip writes pdf to a new file that only this user can read (0600),
// which is deleted after slipLifetime or by removeSlips.
func writeSlip(pdf []byte) (string, error) {
	f, err := os.CreateTemp("", "resetdesk-slip-*.pdf") // mode 0600
	if err != nil {
		return "", &app.Error{Code: app.EINTERNAL, Message: "Could not write the slip to a temporary file.", Err: err}
	}
	_, err = f.Write(pdf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", &app.Error{Code: app.EINTERNAL, Message: "Could not write the slip to a temporary file.", Err: err}
	}
	slipFiles.Lock()
	if slipFiles.paths == nil {
		slipFiles.paths = map[string]bool{}
	}
	slipFiles.paths[f.Name()] = true
	slipFiles.Unlock()
	time.AfterFunc(slipLifetime, func() { removeSlip(f.Name()) })
	return f.Name(), nil
}

func removeSlip(path string) {
	slipFiles.Lock()
	defer slipFiles.Unlock()
	if slipFiles.paths[path] {
		os.Remove(path)
		delete(slipFiles.paths, path)
	}
}

// removeSlips deletes every slip still on disk; the shells call it when
// their window closes.
func removeSlips() {
	slipFiles.Lock()
	defer slipFiles.Unlock()
	for p := range slipFiles.paths {
		os.Remove(p)
	}
	slipFiles.paths = nil
}

// deviceIsMobile reports whether ResetDesk runs on a phone or a tablet.
// A test plays one, since Fyne's test driver is a desktop.
var deviceIsMobile = func() bool { return fyne.CurrentDevice().IsMobile() }

// errNoSlipOnMobile: a phone or tablet makes no slip. Fyne 2.7 opens a URL
// there with Android's ACTION_VIEW intent or iOS's UIApplication openURL.
// Neither can show a file in ResetDesk's private storage: Android refuses
// a file:// URI for any app built for API 24 or later (fyne package targets
// 36), and another app could not read the app's cache anyway; iOS opens no
// sandboxed file that way. Both return no error, so the admin would be
// told a viewer opened a slip that never showed. A PDF saved where a viewer
// can read it (Downloads, a cloud folder) would leave the password at rest
// on the device long after the reset. The phone hands a password over with
// SHARE instead (a QR code to scan, a message, an email).
var errNoSlipOnMobile = app.Errorf(app.EUNAVAILABLE, "A phone or tablet cannot print a slip: its PDF viewer cannot open a file that only ResetDesk may read, "+
	"and a slip saved where it could would leave the password on the device. Hand the password over from the screen, or print the slip on a desktop computer.")

// printSlips makes the slips of results, writes them and opens them in the
// system's viewer with open (the app's OpenURL). Slow (the PDF, the file):
// off the Fyne goroutine; open is called inside fyne.Do. It returns a
// sentence for the admin.
func printSlips(org app.Org, results []app.ResetResult, now time.Time, open func(*url.URL) error) (string, error) {
	if deviceIsMobile() {
		return "", errNoSlipOnMobile
	}
	pdf, err := makeSlips(org, slipResults(results), now)
	if err != nil {
		return "", err
	}
	path, err := writeSlip(pdf)
	if err != nil {
		return "", err
	}
	u := &url.URL{Scheme: "file", Path: path}
	if open == nil {
		open = fyne.CurrentApp().OpenURL
	}
	fyne.DoAndWait(func() { err = open(u) })
	if err != nil {
		removeSlip(path)
		return "", app.Errorf(app.EUNAVAILABLE, "The slip was made but no PDF viewer opened it. Install one, or print from another computer.")
	}
	return "The slip opened in your PDF viewer: print it there. Its file holds the password and is deleted in a few minutes, or when ResetDesk closes.", nil
}
