// Package icons holds ResetDesk's bundled images, embedded in the binary so
// that the app needs no files beside it. Icons the theme already has (search,
// more, content copy, view refresh) come from fyne's theme package instead.
//
// The names:
//
//   - AppIcon ("resetdesk.svg"): the app's icon, a key on a shield, in
//     colour; for the window, the task bar and packaging (FyneApp.toml).
//   - Admin ("admin.svg"): the admin panel button at the top right of the
//     Spaces shell, a person on a shield. Drawn in black so that it is
//     recoloured for the theme through Themed.
//   - Lock ("lock.svg"): the marker of a locked account in the users list
//     and the profile, a padlock; black, for Themed or an error-coloured
//     theme.NewErrorThemedResource.
package icons

import (
	_ "embed"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

//go:embed app.svg
var appSVG []byte

//go:embed admin.svg
var adminSVG []byte

//go:embed lock.svg
var lockSVG []byte

// AppIcon is the app's icon: a white key on a blue shield.
var AppIcon fyne.Resource = fyne.NewStaticResource("resetdesk.svg", appSVG)

// Admin is the admin panel's icon, in black: show it through Themed.
var Admin fyne.Resource = fyne.NewStaticResource("admin.svg", adminSVG)

// Lock marks a locked account, in black: show it through Themed or
// theme.NewErrorThemedResource.
var Lock fyne.Resource = fyne.NewStaticResource("lock.svg", lockSVG)

// Themed returns res recoloured to the theme's foreground, as the theme's
// own icons are, so that it stays visible in light and dark variants.
func Themed(res fyne.Resource) fyne.Resource {
	return theme.NewThemedResource(res)
}
