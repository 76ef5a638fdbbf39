package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// BenchmarkFitRows300 fits the rows of an import preview of 300 rows, each
// with a sentence that wraps, in a window: the work between choosing a
// file and seeing its preview, on the Fyne goroutine. Each round gives
// every row a new height, as a new file does.
func BenchmarkFitRows300(b *testing.B) {
	test.NewTempApp(b)
	sentences := []string{
		"Owners and admins can't be imported: add them as console users.",
		strings.Repeat("This row is left out, and the reason is long enough to wrap twice or more. ", 3),
	}
	round := 0
	tbl := newTextTable([]string{"Line", "Email", "Problem"}, []float32{3, 13, 19},
		func() int { return 300 },
		func(row, col int) (string, widget.Importance) {
			if col == 2 {
				return sentences[(row+round)%2], widget.DangerImportance
			}
			return "cell", widget.MediumImportance
		})
	tbl.wraps = map[int]bool{2: true}
	w := test.NewTempWindow(b, tbl)
	w.Resize(fyne.NewSize(1024, 720))
	for b.Loop() {
		round++
		tbl.fitRows()
	}
}
