package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme choices, as stored under PrefTheme.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// appTheme is Fyne's default theme, optionally held to one variant (for an
// admin who wants light or dark whatever the system says), with one change:
// dimmed text is readable. Fyne draws low-importance and disabled text in
// a grey at about 1.6:1 against the background, and the lists use it for
// roles, statuses and counts; this grey keeps 4.5:1 or more.
type appTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
	fixed   bool // use variant, not the system's
}

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.fixed {
		v = t.variant
	}
	if n == theme.ColorNameDisabled {
		if v == theme.VariantLight {
			return color.NRGBA{R: 0x6e, G: 0x6e, B: 0x73, A: 0xff}
		}
		return color.NRGBA{R: 0x92, G: 0x92, B: 0x97, A: 0xff}
	}
	return t.Theme.Color(n, v)
}

// applyTheme sets the app's theme for choice (ThemeSystem, ThemeLight or
// ThemeDark) and remembers it.
func applyTheme(a fyne.App, choice string) {
	a.Preferences().SetString(PrefTheme, choice)
	setTheme(a, choice)
}

// UseAppTheme gives the app ResetDesk's theme, in the variant the
// preferences ask for (the system's when none). main calls it once; tests
// keep Fyne's test theme.
func UseAppTheme(a fyne.App) {
	setTheme(a, a.Preferences().StringWithFallback(PrefTheme, ThemeSystem))
}

// applyThemePreference sets the theme the preferences ask for. With none
// saved the app keeps the theme it has (the test theme under test).
func applyThemePreference(a fyne.App) {
	if choice := a.Preferences().String(PrefTheme); choice != "" {
		setTheme(a, choice)
	}
}

func setTheme(a fyne.App, choice string) {
	switch choice {
	case ThemeLight:
		a.Settings().SetTheme(appTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight, fixed: true})
	case ThemeDark:
		a.Settings().SetTheme(appTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark, fixed: true})
	default:
		a.Settings().SetTheme(appTheme{Theme: theme.DefaultTheme()})
	}
}
