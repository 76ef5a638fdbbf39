package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// fingerTall is the least height of a target a finger taps: Apple's 44 pt.
const fingerTall = 44

// targetHeights measures the buttons, fields, checks and drop-downs shown
// in o, by a name that says which.
func targetHeights(o fyne.CanvasObject) map[string]float32 {
	heights := map[string]float32{}
	for _, obj := range test.LaidOutObjects(o) {
		if !obj.Visible() || obj.Size().Height == 0 {
			continue // hidden, or in a part of the dialog not shown
		}
		var name string
		switch w := obj.(type) {
		case *widget.Button:
			name = fmt.Sprintf("button %q", w.Text)
			if w.Text == "" {
				name = fmt.Sprintf("icon button %p", w)
			}
		case *widget.Entry:
			name = fmt.Sprintf("entry %q %p", w.PlaceHolder, w)
		case *widget.Check:
			name = fmt.Sprintf("check %q", w.Text)
		case *widget.Select:
			name = fmt.Sprintf("drop-down %q", w.Selected)
		case *touchSelect:
			name = fmt.Sprintf("drop-down %q", w.Selected)
		default:
			continue
		}
		heights[name] = obj.Size().Height
	}
	return heights
}

// checkTargets says whether each of heights is finger-tall on a touch
// screen, and keeps Fyne's pointer size, under 44, on a desktop.
func checkTargets(t *testing.T, where string, touch bool, heights map[string]float32) {
	t.Helper()
	if len(heights) == 0 {
		t.Errorf("%s: no button, field or check found", where)
	}
	for name, h := range heights {
		if touch && h < fingerTall {
			t.Errorf("%s on a tablet: %s is %v tall, want %v or more", where, name, h, fingerTall)
		}
		if !touch && h >= fingerTall {
			t.Errorf("%s on a desktop: %s is %v tall, want Fyne's size, under %v", where, name, h, fingerTall)
		}
	}
}

// On a tablet the end user's form is finger-sized, whole in its column;
// on a desktop it keeps Fyne's sizes.
func TestStoryTabletEndUserForm(t *testing.T) {
	f := newFixture(t)
	for _, touch := range []bool{false, true} {
		a := test.NewTempApp(t)
		o := mobileOptions{options: testOptions(), platform: platformAndroid, generate: app.GeneratePassword}
		o.touch = touch
		d := startWindow(a, f.backend, nil, o, tabletSize)
		for _, kind := range []endUserKind{endUserCode, endUserTemporary} {
			open := d.signIn.endUserCode
			if kind == endUserTemporary {
				open = d.signIn.endUserTemporary
			}
			test.Tap(open)
			e := d.endUser
			if e == nil || d.showing() != e.view {
				t.Fatalf("touch %v: the end user's form does not show", touch)
			}
			where := fmt.Sprintf("end user's form %d", kind)
			checkTargets(t, where, touch, targetHeights(e.box))
			if got, need := e.box.Size().Height, e.box.MinSize().Height; got < need {
				t.Errorf("%s, touch %v: the form has %v units of height, needs %v", where, touch, got, need)
			}
			// A refusal, a line more: the column grows with it.
			e.showError(app.Errorf(app.EINVALID, "That one-time password is not right. Check it in your email and type it again."))
			if got, need := e.box.Size().Height, e.box.MinSize().Height; got < need {
				t.Errorf("%s with a refusal, touch %v: the form has %v units of height, needs %v", where, touch, got, need)
			}
			test.Tap(e.back)
		}
		d.win.Close()
	}
}

