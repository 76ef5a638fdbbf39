package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// `resetdesk demo -mobile` opens at the phone's 390 units: the sentence
// shown while the demo starts wraps inside that width, where on one line
// it made the window at least 447 wide, and the window stayed so. The
// sentence names all three parts of the demo (walk6 p12: the relay was
// left out).
func TestStartingFitsAPhone(t *testing.T) {
	f := newFixture(t)
	const what = StartingDemo
	phone := PhoneSize()
	var minWidth float32
	var said *widget.Label
	start := func(context.Context) (Session, error) {
		w := f.app.Driver().AllWindows()[len(f.app.Driver().AllWindows())-1]
		minWidth = w.Content().MinSize().Width
		for _, o := range test.LaidOutObjects(w.Content()) {
			if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text == what {
				said = l
			}
		}
		if said != nil && (said.Position().X < 0 || said.Position().X+said.Size().Width > phone.Width ||
			said.Size().Height < said.MinSize().Height) {
			t.Errorf("the sentence is at %v, %v (it needs %v) in a window %v wide", said.Position(), said.Size(), said.MinSize(), phone.Width)
		}
		return Session{}, app.Errorf(app.EUNAVAILABLE, "ResetDesk's demo needs the PostgreSQL server.")
	}
	o := mobileOptions{options: testOptions(), platform: platformAndroid}
	o.touch = true
	startWindow(f.app, f.backend, &Starter{What: what, Start: start}, o, phone)
	if said == nil {
		t.Fatal("the window did not say what it was starting")
	}
	for _, part := range []string{"PostgreSQL server", "mail sink", "mail relay"} {
		if !strings.Contains(what, part) {
			t.Errorf("starting the demo says %q, without its %s", what, part)
		}
	}
	if minWidth > phone.Width {
		t.Errorf("while starting, the window is kept at least %v wide: wider than the phone's %v", minWidth, phone.Width)
	}
}
