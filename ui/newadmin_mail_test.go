package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// notes/newadmin/findings.md, left 6: the Mail view's Time column shows a
// time with its zone whole, and its To column an address as long as the
// demo's, in the first window (1100x720).
func TestMailColumnsFitTimeAndAddress(t *testing.T) {
	f := newFixture(t)
	s := newMailScreen(f.c)
	at := time.Date(2026, 11, 29, 22, 22, 0, 0, time.FixedZone("CEST", 2*3600))
	for col, text := range map[int]string{0: at.Format(timeLayout), 1: "ana.becker@northwind.example"} {
		need := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
		if width := s.table.widths[col] * theme.TextSize(); need > width {
			t.Errorf("%q needs %v units, its column %q is %v wide", text, need, s.table.headers[col], width)
		}
	}
}
