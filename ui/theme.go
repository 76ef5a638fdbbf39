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

// variantTheme is the default theme held to one variant, for an admin who
// wants light or dark whatever the system says.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// applyTheme sets the app's theme for choice (ThemeSystem, ThemeLight or
// ThemeDark) and remembers it.
func applyTheme(a fyne.App, choice string) {
	a.Preferences().SetString(PrefTheme, choice)
	setTheme(a, choice)
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
		a.Settings().SetTheme(variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight})
	case ThemeDark:
		a.Settings().SetTheme(variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}
