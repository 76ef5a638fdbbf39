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
// admin who wants light or dark whatever the system says), with colours
// that read well:
//   - dimmed text (roles, statuses, counts, disabled labels) keeps 4.5:1 or
//     more against the background, where Fyne's grey has about 1.6:1;
//   - in the light variant, state text (Confirmed in green, Invited in
//     orange, errors in red, links and primary buttons in blue) keeps 4.5:1
//     on white, where Fyne's green had 1.5:1;
//   - the outline of an unticked checkbox or radio button, and of an entry,
//     keeps 3:1 or more against what is under it, and stands apart from a
//     disabled control's grey, so that an enabled choice never looks
//     disabled.
type appTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
	fixed   bool // use variant, not the system's
}

// Colours of appTheme that differ from Fyne's, by variant.
var (
	lightColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:    color.NRGBA{R: 0x75, G: 0x75, B: 0x7a, A: 0xff},
		theme.ColorNameForeground:  color.NRGBA{R: 0x1f, G: 0x1f, B: 0x23, A: 0xff},
		theme.ColorNameInputBorder: color.NRGBA{R: 0x3c, G: 0x3c, B: 0x41, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x14, G: 0x79, B: 0x2a, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0x9a, G: 0x57, B: 0x00, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNamePrimary:     color.NRGBA{R: 0x20, G: 0x60, B: 0xd8, A: 0xff},
		theme.ColorNameHyperlink:   color.NRGBA{R: 0x20, G: 0x60, B: 0xd8, A: 0xff},
	}
	darkColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:    color.NRGBA{R: 0x92, G: 0x92, B: 0x97, A: 0xff},
		theme.ColorNameInputBorder: color.NRGBA{R: 0xd0, G: 0xd0, B: 0xd4, A: 0xff},
	}
)

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.fixed {
		v = t.variant
	}
	colors := darkColors
	if v == theme.VariantLight {
		colors = lightColors
	}
	if c, ok := colors[n]; ok {
		return c
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
