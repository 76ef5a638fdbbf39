//go:build !cgo || mobile || android || ios || wasm || js

package main

import "fyne.io/fyne/v2"

// screenPixels is unknown here: on a phone the window is the screen.
func screenPixels(fyne.App) fyne.Size { return fyne.Size{} }
