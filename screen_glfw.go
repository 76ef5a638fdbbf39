//go:build cgo && !mobile && !android && !ios && !wasm && !js

package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// screenPixels is the size in pixels of the primary monitor, or zero when
// it is not known: under another driver than the desktop's (the tests'),
// or when GLFW answers nothing. Fyne has no call for it; its desktop driver
// has initialised GLFW, on this thread, by the time a window exists. It
// lives here, not in ui, so that ui keeps to Fyne and the standard library.
func screenPixels(a fyne.App) (size fyne.Size) {
	if _, ok := a.Driver().(desktop.Driver); !ok {
		return fyne.Size{}
	}
	defer func() {
		if recover() != nil { // GLFW reports its errors by panicking
			size = fyne.Size{}
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	mode := m.GetVideoMode()
	if mode == nil {
		return fyne.Size{}
	}
	return fyne.NewSize(float32(mode.Width), float32(mode.Height))
}
