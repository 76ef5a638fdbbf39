package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// textTable is a read-only table of text with a header row, the shape of
// every result and log table here (bulk results, import preview, mail,
// audit).
type textTable struct {
	*widget.Table
	headers []string
	rows    func() int
	cell    func(row, col int) (string, widget.Importance)
}

// newTextTable builds a table with headers; widths are in multiples of the
// theme's text size, so that the columns follow the theme.
func newTextTable(headers []string, widths []float32, rows func() int, cell func(row, col int) (string, widget.Importance)) *textTable {
	t := &textTable{headers: headers, rows: rows, cell: cell}
	t.Table = &widget.Table{
		Length: func() (int, int) { return t.rows(), len(t.headers) },
		CreateCell: func() fyne.CanvasObject {
			return &widget.Label{Truncation: fyne.TextTruncateEllipsis}
		},
		UpdateCell: func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			text, imp := t.cell(id.Row, id.Col)
			l.Text, l.Importance = text, imp
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
	t.ExtendBaseWidget(t.Table)
	for i, w := range widths {
		t.SetColumnWidth(i, w*theme.TextSize())
	}
	return t
}

// text returns the text of a cell, for tests and for copying.
func (t *textTable) text(row, col int) string {
	s, _ := t.cell(row, col)
	return s
}
