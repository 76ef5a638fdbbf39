package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// wrapCheck is a checkbox whose label wraps, for the reset form: Fyne's
// own draws its label on one line, so on a phone below about 345 pt the
// options were cut off at the screen's edge. A tap anywhere on it, label
// included, toggles it; on a desktop it takes the keyboard's focus and
// Space as widget.Check does, since it is one. Text is its label.
type wrapCheck struct {
	widget.Check
	label     *widget.RichText
	minHeight float32 // a thumb's height on a phone, where all of it takes the tap
	onEscape  func()  // Escape while it has the keyboard; nil leaves it to Check
}

func newWrapCheck(text string, checked bool, changed func(bool)) *wrapCheck {
	c := &wrapCheck{label: widget.NewRichText()} // not a literal: that one scrolls
	c.label.Wrapping = fyne.TextWrapWord
	c.Text, c.Checked, c.OnChanged = text, checked, changed
	c.ExtendBaseWidget(c)
	return c
}

// Tapped toggles the box wherever the tap lands: Check's own takes taps
// on its box and one line of text only.
func (c *wrapCheck) Tapped(*fyne.PointEvent) {
	c.Check.Tapped(&fyne.PointEvent{})
}

// TypedKey gives Escape to onEscape: Fyne's dialogs take no keys of their
// own, and the focused widget gets them.
func (c *wrapCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
	}
	c.Check.TypedKey(k)
}

// MinSize is the box beside the label wrapped to the width it has.
func (c *wrapCheck) MinSize() fyne.Size {
	c.ExtendBaseWidget(c)
	return c.BaseWidget.MinSize()
}

func (c *wrapCheck) CreateRenderer() fyne.WidgetRenderer {
	c.ExtendBaseWidget(c)
	box := c.Check.CreateRenderer()
	// Check's renderer draws the box, its focus and hover ring, and its
	// text last: the text is left out, the wrapping label shows it.
	objects := box.Objects()
	objects = append(objects[:len(objects)-1:len(objects)-1], c.label)
	r := &wrapCheckRenderer{c: c, box: box, objects: objects}
	r.update()
	return r
}

type wrapCheckRenderer struct {
	c       *wrapCheck
	box     fyne.WidgetRenderer
	objects []fyne.CanvasObject
}

// boxWidth is the room the box and its focus ring take at the left.
func (r *wrapCheckRenderer) boxWidth() float32 {
	th := r.c.Theme()
	return th.Size(theme.SizeNameInlineIcon) + 2*th.Size(theme.SizeNameInnerPadding)
}

// labelX is where the label starts: its text then begins where Check's
// own does, the label's inner padding overlapping the box's.
func (r *wrapCheckRenderer) labelX() float32 {
	th := r.c.Theme()
	return th.Size(theme.SizeNameInlineIcon) + 2*th.Size(theme.SizeNameInputBorder)
}

func (r *wrapCheckRenderer) Layout(size fyne.Size) {
	r.box.Layout(fyne.NewSize(r.boxWidth(), size.Height))
	x := r.labelX()
	labelWidth := max(size.Width-x, 0)
	r.c.label.Resize(fyne.NewSize(labelWidth, r.c.label.MinSize().Height))
	h := r.c.label.MinSize().Height // wrapped to its width now
	r.c.label.Resize(fyne.NewSize(labelWidth, h))
	r.c.label.Move(fyne.NewPos(x, (size.Height-h)/2))
}

func (r *wrapCheckRenderer) MinSize() fyne.Size {
	l := r.c.label.MinSize()
	return fyne.NewSize(max(r.labelX()+l.Width, r.boxWidth()), max(l.Height, r.boxWidth(), r.c.minHeight))
}

func (r *wrapCheckRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *wrapCheckRenderer) Destroy() { r.box.Destroy() }

func (r *wrapCheckRenderer) Refresh() {
	r.update()
	r.box.Refresh()
	r.c.label.Refresh()
}

// update puts the text in the label, in the disabled colour while the box
// is off.
func (r *wrapCheckRenderer) update() {
	style := widget.RichTextStyleInline
	if r.c.Disabled() {
		style.ColorName = theme.ColorNameDisabled
	}
	r.c.label.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: r.c.Text, Style: style}}
}
