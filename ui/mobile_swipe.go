package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// edgeSwipe is a thin strip along the left edge of the phone's pages, over
// them: a drag from it to the right goes back a page, as iOS's edge swipe
// does (Android's system Back arrives as a key, see onTypedKey). Fyne 2.7
// has no swipe gesture, but both of its drivers hand a drag to the
// topmost Draggable under the finger or pointer (the mobile driver once
// the finger has moved 4 pt), and this strip is drawn last. It takes no
// taps, so a tap at the edge still reaches what is under it; only a
// scroll that starts on the strip is given up, as iOS gives up that edge.
type edgeSwipe struct {
	widget.BaseWidget
	onBack func()
	ios    bool    // only iOS swipes back from the edge
	dx, dy float32 // how far the drag under way went
}

func newEdgeSwipe(platform string, onBack func()) *edgeSwipe {
	e := &edgeSwipe{onBack: onBack, ios: platform == platformIOS}
	e.ExtendBaseWidget(e)
	e.Hide()
	return e
}

// setActive shows the strip when there is a page to go back to.
func (e *edgeSwipe) setActive(canGoBack bool) {
	if e.ios && canGoBack {
		e.Show()
	} else {
		e.Hide()
	}
}

// MinSize is half a finger wide: a thumb's swipe from the edge starts
// there, and its first move past the driver's 4 pt lands there too.
func (e *edgeSwipe) MinSize() fyne.Size { return fyne.NewSize(fingerSize()/2, 0) }

func (e *edgeSwipe) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// Dragged adds up the drag.
func (e *edgeSwipe) Dragged(ev *fyne.DragEvent) {
	e.dx += ev.Dragged.DX
	e.dy += ev.Dragged.DY
}

// DragEnd goes back when the drag went right by two fingers' width or
// more, and more sideways than down: a short or vertical drag does
// nothing.
func (e *edgeSwipe) DragEnd() {
	dx, dy := e.dx, e.dy
	e.dx, e.dy = 0, 0
	if dx >= 2*fingerSize() && dx > 2*max(dy, -dy) {
		e.onBack()
	}
}
