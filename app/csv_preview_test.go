package app

import (
	"os"
	"slices"
	"testing"
)

// The preview keeps what each left-out row held, as typed, so the admin
// sees whose row it was; ParseImportCSV's row errors are the same.
func TestPreviewImportCSVKeepsLeftOutCells(t *testing.T) {
	f, err := os.Open("testdata/import.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, left, err := PreviewImportCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Errorf("rows: %d, want 4", len(rows))
	}
	want := map[int]ImportRow{
		5:  {Line: 5, Email: "ZOE@example.com", Name: "Zoë Ångström"},
		6:  {Line: 6, Email: "bob@@example.com", Name: "Bob"},
		7:  {Line: 7, Email: "carol@example.com", Name: "Carol", Role: "Admin"},
		10: {Line: 10, Email: "eve@example.com"}, // the name spans two lines: not shown
		12: {Line: 12, Email: "frank@example.com", Name: "Frank", Status: "suspended"},
		14: {Line: 14, Email: "hans.mueller@example.de", Name: "Hans Müller", Mobile: "0049-30-1234567", Role: "Sales Lead", Status: "Invited"},
		15: {Line: 15, Name: "Ivy", Mobile: "12345"},
		18: {Line: 18, Email: "Lee <lee@example.com>", Name: "Lee"},
	}
	var lines []int
	for _, l := range left {
		lines = append(lines, l.Line)
		if w, ok := want[l.Line]; ok && l.Typed != w {
			t.Errorf("line %d as typed:\n got %+v\nwant %+v", l.Line, l.Typed, w)
		}
		if l.Typed.Line != l.Line {
			t.Errorf("line %d: typed row says line %d", l.Line, l.Typed.Line)
		}
	}
	if !slices.Equal(lines, []int{5, 6, 7, 10, 12, 13, 14, 15, 17, 18}) {
		t.Errorf("left-out lines: %v", lines)
	}

	f.Seek(0, 0)
	_, bad, err := ParseImportCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	var errs []RowError
	for _, l := range left {
		errs = append(errs, l.RowError)
	}
	if !slices.Equal(bad, errs) {
		t.Errorf("ParseImportCSV's row errors differ from the preview's:\n%+v\n%+v", bad, errs)
	}
}
