package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// textTable is a read-only table of text with a header row, the shape of
// every result and log table here (bulk results, import preview, mail,
// audit).
type textTable struct {
	*widget.Table
	headers []string
	widths  []float32 // the columns' widths in multiples of the text size
	rows    func() int
	cell    func(row, col int) (string, widget.Importance)
	onRow   func(row int) // optional: a row was chosen
	// short, optional, gives a cell fewer words than the detail shows,
	// for a sentence that would be cut in the middle.
	short func(col int, text string) string
	// detail shows the whole row last chosen, wrapped: cells cut long
	// text (a skip reason, the mail server's words) short.
	detail *widget.Label
	// wraps, optional, are the columns whose text wraps instead of being
	// cut; fitRows makes each row tall enough for them.
	wraps map[int]bool
	// fitting hides the rows from the table while fitRows sets their
	// heights: each height set refreshes the table, which would otherwise
	// lay out every visible cell again, for each of up to 300 rows.
	fitting bool
}

// newTextTable builds a table with headers; widths are in multiples of the
// theme's text size, so that the columns follow the theme.
func newTextTable(headers []string, widths []float32, rows func() int, cell func(row, col int) (string, widget.Importance)) *textTable {
	t := &textTable{headers: headers, widths: widths, rows: rows, cell: cell}
	t.Table = &widget.Table{
		Length: func() (int, int) {
			if t.fitting {
				return 0, len(t.headers)
			}
			return t.rows(), len(t.headers)
		},
		CreateCell: func() fyne.CanvasObject {
			// Extended at once: a label that is not lays nothing out when
			// the table sizes it, so its text neither wraps nor is cut.
			l := &widget.Label{Truncation: fyne.TextTruncateEllipsis}
			l.ExtendBaseWidget(l)
			return l
		},
		UpdateCell: func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			text, imp := t.cell(id.Row, id.Col)
			if t.short != nil {
				text = t.short(id.Col, text)
			}
			l.Text, l.Importance = text, imp
			// Cells are reused across columns: each says how it fits.
			l.Wrapping, l.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
			if t.wraps[id.Col] {
				l.Wrapping, l.Truncation = fyne.TextWrapWord, fyne.TextTruncateOff
			}
			l.Refresh()
		},
		ShowHeaderRow: true,
		CreateHeader: func() fyne.CanvasObject {
			return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
		},
		UpdateHeader: func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Col >= 0 && id.Col < len(t.headers) {
				o.(*widget.Label).SetText(t.headers[id.Col])
			}
		},
	}
	t.detail = &widget.Label{Wrapping: fyne.TextWrapWord}
	t.detail.Hide()
	t.OnSelected = func(id widget.TableCellID) {
		t.showDetail(id.Row)
		if t.onRow != nil {
			t.onRow(id.Row)
		}
	}
	// The table is t: t is what sits in the screens, and what a tap gives
	// the keyboard to, so that Escape (TypedKey) closes a dialog around it.
	t.Table.ExtendBaseWidget(t)
	for i, w := range widths {
		t.SetColumnWidth(i, w*theme.TextSize())
	}
	return t
}

// TypedKey closes the dialog the table is in on Escape; other keys move
// in the table.
func (t *textTable) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && escapeFrom(t, nil) {
		return
	}
	t.Table.TypedKey(k)
}

// fitRows makes every row as tall as its wrapping cells need, and no
// shorter than one line; call it when the rows change.
func (t *textTable) fitRows() {
	if len(t.wraps) == 0 {
		return
	}
	line := (&widget.Label{Text: "Mg"}).MinSize().Height
	t.fitting = true
	defer func() {
		t.fitting = false
		t.Refresh()
	}()
	for row := range t.rows() {
		h := line
		for col := range t.wraps {
			text := t.text(row, col)
			if text == "" || col >= len(t.widths) {
				continue
			}
			// A label's text as a cell of this width lays it out.
			measure := widget.NewRichTextWithText(text)
			measure.Wrapping = fyne.TextWrapWord
			measure.Resize(fyne.NewSize(t.widths[col]*theme.TextSize(), line))
			h = max(h, measure.MinSize().Height)
		}
		t.SetRowHeight(row, h)
	}
}

// withDetail is the table with the chosen row's full text under it.
func (t *textTable) withDetail() fyne.CanvasObject {
	return container.NewBorder(nil, t.detail, nil, nil, t)
}

// showDetail puts row's every non-empty cell, named by its header, in the
// detail line.
func (t *textTable) showDetail(row int) {
	if row < 0 || row >= t.rows() {
		t.clearDetail()
		return
	}
	var parts []string
	for col, h := range t.headers {
		if s := t.text(row, col); s != "" {
			parts = append(parts, h+": "+s)
		}
	}
	t.detail.SetText(strings.Join(parts, "  ·  "))
	t.detail.Show()
}

// clearDetail hides the detail line and forgets the chosen cell, as when
// the rows change: Fyne ignores a tap on the cell it holds as selected.
func (t *textTable) clearDetail() {
	t.UnselectAll()
	t.detail.SetText("")
	t.detail.Hide()
}

// text returns the text of a cell, for tests and for copying.
func (t *textTable) text(row, col int) string {
	s, _ := t.cell(row, col)
	return s
}
