package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2/theme"
)

// Dimmed text (roles, statuses, counts, disabled labels) keeps WCAG's 4.5:1
// against the background in both variants, held or from the system.
func TestDimmedTextIsReadable(t *testing.T) {
	for _, tc := range []struct {
		name string
		th   appTheme
		v    string
	}{
		{"light", appTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight, fixed: true}, "light"},
		{"dark", appTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark, fixed: true}, "dark"},
		{"system light", appTheme{Theme: theme.DefaultTheme()}, "light"},
		{"system dark", appTheme{Theme: theme.DefaultTheme()}, "dark"},
	} {
		v := theme.VariantDark
		if tc.v == "light" {
			v = theme.VariantLight
		}
		fg, bg := tc.th.Color(theme.ColorNameDisabled, v), tc.th.Color(theme.ColorNameBackground, v)
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("%s: dimmed text contrast %.2f:1, want at least 4.5:1", tc.name, r)
		}
		if r := contrast(tc.th.Color(theme.ColorNameForeground, v), bg); r < contrast(fg, bg) {
			t.Errorf("%s: dimmed text stands out more than normal text", tc.name)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, bl, _ := c.RGBA()
		ch := func(v uint32) float64 {
			s := float64(v) / 0xffff
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(bl)
	}
	l1, l2 := lum(a), lum(b)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}
