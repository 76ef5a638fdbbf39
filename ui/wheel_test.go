package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// notch is one click of a mouse wheel, down, as Fyne's desktop driver
// reports it on Linux and Windows.
const notch = -25

// wheel turns the mouse wheel by clicks notches (negative: up) with the
// pointer at the middle of over, the way Fyne's desktop driver does it:
// the event goes to the topmost fyne.Scrollable under the pointer, found
// by the driver's walk, with the position relative to it.
func wheel(t *testing.T, over fyne.CanvasObject, clicks int) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(over)
	if c == nil {
		t.Fatal("the object to scroll over is in no window")
	}
	at := d.AbsolutePositionForObject(over).Add(fyne.NewPos(over.Size().Width/2, over.Size().Height/2))
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	for range max(clicks, -clicks) {
		var found fyne.Scrollable
		var foundPos fyne.Position
		walkVisibleObjectTree(root, func(o fyne.CanvasObject, pos, clipPos fyne.Position, clipSize fyne.Size) bool {
			if s, ok := o.(fyne.Scrollable); ok && o.Visible() && under(at, pos, o.Size(), clipPos, clipSize) {
				found, foundPos = s, pos
			}
			return false
		}, nil)
		if found == nil {
			t.Fatalf("nothing scrollable under the pointer at %v", at)
		}
		dy := float32(notch)
		if clicks < 0 {
			dy = -dy
		}
		found.Scrolled(&fyne.ScrollEvent{
			PointEvent: fyne.PointEvent{Position: at.Subtract(foundPos), AbsolutePosition: at},
			Scrolled:   fyne.NewDelta(0, dy),
		})
	}
}

// entryScroll is the scroller inside an Entry, which Fyne keeps private.
func entryScroll(t *testing.T, e *widget.Entry) *container.Scroll {
	t.Helper()
	for _, o := range test.WidgetRenderer(e).Objects() {
		if s, ok := o.(*container.Scroll); ok {
			return s
		}
	}
	t.Fatal("the entry has no scroller")
	return nil
}

// The admin turns the mouse wheel over Settings' fields, and the page
// moves as it does over its labels (walkthrough 1.21, new admin 9).
func TestStorySettingsWheelOverEntries(t *testing.T) {
	f := newFixture(t)
	f.c.show(screenSettings)
	s := f.c.settings
	equal(t, "Settings starts at the top", s.scroll.Offset.Y, float32(0))

	wheel(t, s.smtpHost, 4)
	equal(t, "moved down over the mail server's host", s.scroll.Offset.Y, float32(-4*notch))
	equal(t, "the host's own text did not slide", entryScroll(t, s.smtpHost).Offset.X, float32(0))
	wheel(t, s.smtpHost, -6)
	equal(t, "back up, and no further than the top", s.scroll.Offset.Y, float32(0))

	// Fields from every card further down, each brought into view first.
	for name, e := range map[string]fyne.CanvasObject{
		"the one-time password's minutes": s.otpMinutes,
		"the new console user's login":    s.admins.login,
		"the self-service database host":  s.selfService.host,
	} {
		o := intoView(t, s.scroll, e)
		clicks := 2
		if o-2*notch > s.scroll.Content.MinSize().Height-s.scroll.Size().Height {
			clicks = -2 // near the end: up instead
		}
		wheel(t, e, clicks)
		equal(t, "moved over "+name, s.scroll.Offset.Y, o-float32(clicks)*notch)
	}
}

// intoView scrolls page so that e is in the middle of it, or as near as the
// page goes, and returns the page's offset.
func intoView(t *testing.T, page *container.Scroll, e fyne.CanvasObject) float32 {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(e).Y - d.AbsolutePositionForObject(page).Y + page.Offset.Y
	page.ScrollToOffset(fyne.NewPos(0, y-page.Size().Height/2+e.Size().Height/2))
	at := d.AbsolutePositionForObject(e).Y - d.AbsolutePositionForObject(page).Y
	if at < 0 || at+e.Size().Height > page.Size().Height {
		t.Fatalf("the entry is not in view: at %v in a page %v high", at, page.Size().Height)
	}
	return page.Offset.Y
}

// A page whose entry has more to show than fits: a multi-line entry
// scrolls itself while it can and then lets the page move; a single-line
// entry with long text slides it sideways first, as Fyne does, then the
// page moves too.
func TestWheelInnerEntriesScrollFirst(t *testing.T) {
	test.NewTempApp(t)
	long := &widget.Entry{Text: strings.Repeat("a long line of text ", 8)}
	notes := &widget.Entry{MultiLine: true, Text: strings.Repeat("a line\n", 30)}
	notes.SetMinRowsVisible(3)
	filler := func() fyne.CanvasObject { return container.NewGridWrap(fyne.NewSize(10, 400)) }
	page := newPageScroll(container.NewVBox(long, notes, filler()))
	w := test.NewTempWindow(t, page)
	w.Resize(fyne.NewSize(300, 300))

	inner := entryScroll(t, notes)
	wheel(t, notes, 2)
	equal(t, "the notes scrolled", inner.Offset.Y, float32(-2*notch))
	equal(t, "the page stayed", page.Offset.Y, float32(0))
	for range 40 {
		wheel(t, notes, 1)
	}
	if inner.Offset.Y+inner.Size().Height < inner.Content.MinSize().Height {
		t.Fatalf("the notes are not at their end: offset %v of %v", inner.Offset.Y, inner.Content.MinSize().Height)
	}
	if page.Offset.Y == 0 {
		t.Error("at the notes' end the wheel did not move the page")
	}

	page.ScrollToTop()
	slide := entryScroll(t, long)
	wheel(t, long, 1)
	equal(t, "the long text slid", slide.Offset.X, float32(-notch))
	equal(t, "the page stayed for it", page.Offset.Y, float32(0))
	for range 80 {
		wheel(t, long, 1)
	}
	if slide.Offset.X+slide.Size().Width < slide.Content.MinSize().Width {
		t.Fatalf("the long text is not at its end: offset %v of %v", slide.Offset.X, slide.Content.MinSize().Width)
	}
	if page.Offset.Y == 0 {
		t.Error("at the long text's end the wheel did not move the page")
	}
}

// Every page scrolls through newPageScroll, so that a page added later
// does not bring the stuck wheel back. (A sideways scroll, as around the
// shells on a narrow touch screen, is not a page of fields.)
func TestPagesScrollThroughNewPageScroll(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	if !slices.Contains(files, "wheel.go") {
		t.Fatalf("the test runs outside the ui package's folder: it finds %d Go files and no wheel.go", len(files))
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "wheel.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{"container.NewVScroll(", "container.NewScroll("} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s calls %s: use newPageScroll, over whose entries the mouse wheel moves the page", name, call)
			}
		}
	}
}
