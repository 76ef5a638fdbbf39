package ui

import (
	"fmt"
	"testing"

	"github.com/skip2/go-qrcode"

	"resetdesk/app"
)

// Every QR code the app draws reads back: 300 codes of SHARE's text with
// random passwords (the finder-pattern search alone missed 7 of them).
func TestEveryDrawnQRCodeReads(t *testing.T) {
	for i := 0; i < 300; i++ {
		pw, err := app.GeneratePassword(16)
		if err != nil {
			t.Fatal(err)
		}
		text := fmt.Sprintf("ResetDesk: the new password for bob@acme.example is %s (change it at first sign-in)", pw)
		code, err := qrcode.New(text, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readQR(code.Image(-8)); err != nil || got != text {
			t.Fatalf("code %d (%q) reads as %q, %v", i, text, got, err)
		}
	}
}
