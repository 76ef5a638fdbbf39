package ui

import (
	"slices"
	_ "unsafe" // go:linkname, for the driver's walk of the object tree

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// newPageScroll is container.NewVScroll for a page that holds entries.
//
// Fyne's desktop driver gives a mouse wheel event to the topmost
// fyne.Scrollable under the pointer and to nothing else. Every Entry has a
// scroller of its own inside, so with the pointer over a field the wheel
// went to that field, which had nothing to scroll, and the page stood still.
//
// Here a wheelPass lies over the page's content, so the wheel comes to it
// wherever the pointer is. It offers the movement to the scrollers under
// the pointer, innermost first, as the driver would have, and stops at the
// first that moves: a multi-line entry or a list scrolls while it can, a
// long single-line entry slides its text (Fyne turns vertical wheel into
// horizontal there), and what none of them uses moves the page.
func newPageScroll(content fyne.CanvasObject) *container.Scroll {
	p := &wheelPass{content: content}
	p.ExtendBaseWidget(p)
	p.page = container.NewVScroll(container.NewStack(content, p))
	return p.page
}

// wheelPass is the transparent layer over a page that takes its wheel
// events. It is only a fyne.Scrollable: taps, hovering, dragging and the
// cursor shape still reach the widgets under it.
type wheelPass struct {
	widget.BaseWidget
	content fyne.CanvasObject
	page    *container.Scroll
}

// CreateRenderer draws nothing.
func (p *wheelPass) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

// Scrolled hands ev to the scrollers under the pointer, innermost first,
// until one moves; if none does, the page gets it.
func (p *wheelPass) Scrolled(ev *fyne.ScrollEvent) {
	for _, s := range slices.Backward(scrollersAt(p.content, ev.Position)) {
		inner := *ev
		inner.Position = ev.Position.Subtract(s.pos)
		sc, known := s.obj.(*container.Scroll)
		if !known {
			s.obj.(fyne.Scrollable).Scrolled(&inner) // as the driver would: it takes the event
			return
		}
		before := sc.Offset
		sc.Scrolled(&inner)
		if sc.Offset != before {
			return
		}
	}
	p.page.Scrolled(ev)
}

// scrollerAt is a fyne.Scrollable under the pointer and its position in
// the walk's coordinates.
type scrollerAt struct {
	obj fyne.CanvasObject // a fyne.Scrollable
	pos fyne.Position
}

// scrollersAt returns the Scrollable that the driver would pick at at,
// in root's coordinates, after the Scrollables that hold it, outermost
// first. Other wheelPass layers are left out: the scrollers under them
// are offered the event here directly.
func scrollersAt(root fyne.CanvasObject, at fyne.Position) []scrollerAt {
	var path, found []scrollerAt
	walkVisibleObjectTree(root, func(o fyne.CanvasObject, pos, clipPos fyne.Position, clipSize fyne.Size) bool {
		_, ok := o.(fyne.Scrollable)
		if _, ours := o.(*wheelPass); !ok || ours || !under(at, pos, o.Size(), clipPos, clipSize) {
			return false
		}
		path = append(path, scrollerAt{obj: o, pos: pos})
		found = slices.Clone(path) // the driver keeps the last match
		return false
	}, func(o fyne.CanvasObject, _ fyne.Position, _ fyne.CanvasObject) {
		if n := len(path); n > 0 && path[n-1].obj == o {
			path = path[:n-1]
		}
	})
	return found
}

// under reports whether at lies inside the object at pos of size, and
// inside the clip around it, the test the driver applies.
func under(at, pos fyne.Position, size fyne.Size, clipPos fyne.Position, clipSize fyne.Size) bool {
	inside := func(p fyne.Position, s fyne.Size) bool {
		return at.X >= p.X && at.Y >= p.Y && at.X < p.X+s.Width && at.Y < p.Y+s.Height
	}
	return inside(clipPos, clipSize) && inside(pos, size)
}

// walkVisibleObjectTree is the walk the Fyne drivers use to find the
// object under the pointer. Fyne keeps it internal; it is borrowed rather
// than copied because a copy would need the widgets' renderers, which Fyne
// also keeps to itself. If Fyne renames it, the link fails; if it changes
// its parameters, nothing would: the call would read the wrong arguments.
// TestWheelLinknameMatchesFyne compares this declaration with Fyne's source
// and names the Fyne release it was last checked against.
//
//go:linkname walkVisibleObjectTree fyne.io/fyne/v2/internal/driver.WalkVisibleObjectTree
func walkVisibleObjectTree(obj fyne.CanvasObject,
	beforeChildren func(fyne.CanvasObject, fyne.Position, fyne.Position, fyne.Size) bool,
	afterChildren func(fyne.CanvasObject, fyne.Position, fyne.CanvasObject)) bool
