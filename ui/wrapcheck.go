package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
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
	onEscape  func()  // Escape while it has the keyboard; nil leaves it to its dialog, if any
	radio     bool    // drawn as a radio button: an option of a radioChoice
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

// TypedKey gives Escape to onEscape, or else to the dialog the box is in:
// Fyne's dialogs take no keys of their own, and the focused widget gets
// them.
func (c *wrapCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if c.onEscape != nil {
			c.onEscape()
			return
		}
		if escapeFrom(c, nil) {
			return
		}
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
	r.radioIcons()
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
	r.radioIcons()
	r.c.label.Refresh()
}

// radioIcons draws a radio option's box as Fyne's RadioGroup draws its
// options: Check's renderer holds its focus ring, the box's fill and the
// box's outline, in that order.
func (r *wrapCheckRenderer) radioIcons() {
	if !r.c.radio {
		return
	}
	th := r.c.Theme()
	fill := theme.NewThemedResource(th.Icon(theme.IconNameRadioButtonFill))
	fill.ColorName = theme.ColorNameInputBackground
	ring := theme.NewThemedResource(th.Icon(theme.IconNameRadioButton))
	ring.ColorName = theme.ColorNameInputBorder
	if r.c.Checked {
		fill.ColorName, ring.ColorName = theme.ColorNamePrimary, theme.ColorNameForeground
	}
	if r.c.Disabled() {
		fill.ColorName, ring.ColorName = theme.ColorNameBackground, theme.ColorNameDisabled
		if r.c.Checked {
			fill.ColorName = theme.ColorNameDisabled
		}
	}
	bg, icon := r.objects[1].(*canvas.Image), r.objects[2].(*canvas.Image)
	bg.Resource, icon.Resource = fill, ring
	bg.Refresh()
	icon.Refresh()
}

// radioChoice is a choice of one option, as Fyne's RadioGroup with
// Required set, made of wrapChecks drawn as radio buttons: their labels
// wrap on a narrow screen, and Escape on one reaches the dialog around it
// (Fyne's options take the focus and drop Escape).
type radioChoice struct {
	widget.BaseWidget
	Selected  string
	OnChanged func(string) // a new option was chosen

	items []*wrapCheck
	box   *fyne.Container
}

// newRadioChoice offers options with selected chosen; each option is made
// by check, as the form makes its boxes.
func newRadioChoice(options []string, selected string, check func(text string, checked bool, changed func(bool)) *wrapCheck) *radioChoice {
	// The options as close as Fyne's RadioGroup sets its own.
	r := &radioChoice{Selected: selected, box: container.New(layout.NewCustomPaddedVBoxLayout(0))}
	for _, o := range options {
		item := check(o, o == selected, func(on bool) { r.onItem(o, on) })
		item.radio = true
		r.items = append(r.items, item)
		r.box.Add(item)
	}
	r.ExtendBaseWidget(r)
	return r
}

// onItem keeps one option ticked: the one chosen last, and the chosen one
// when it is tapped again.
func (r *radioChoice) onItem(option string, on bool) {
	if !on {
		if option == r.Selected {
			r.SetSelected(option) // Required: a tap does not clear it
		}
		return
	}
	r.SetSelected(option)
}

// SetSelected chooses option and tells OnChanged when it is new.
func (r *radioChoice) SetSelected(option string) {
	changed := option != r.Selected
	r.Selected = option
	for _, item := range r.items {
		if on := item.Text == option; item.Checked != on {
			item.SetChecked(on)
		}
	}
	if changed && r.OnChanged != nil {
		r.OnChanged(option)
	}
}

// Disable keeps the choice as it is.
func (r *radioChoice) Disable() {
	for _, item := range r.items {
		item.Disable()
	}
}

// Disabled reports whether the choice is kept as it is.
func (r *radioChoice) Disabled() bool { return len(r.items) > 0 && r.items[0].Disabled() }

func (r *radioChoice) CreateRenderer() fyne.WidgetRenderer {
	for _, item := range r.items { // Selected may have been set since
		item.Checked = item.Text == r.Selected
	}
	return widget.NewSimpleRenderer(r.box)
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
