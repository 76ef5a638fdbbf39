package ui

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// importScreen adds users from a CSV file: a preview that marks bad rows by
// line before anything is written, then the import and its summary.
type importScreen struct {
	c    *console
	view *fyne.Container

	choose   *widget.Button
	file     *widget.Label
	problem  *widget.Label // the file can't be read at all
	preview  *textTable
	importNo *widget.Button
	summary  *widget.Label

	rows []app.ImportRow
	bad  []app.LeftOutRow
	// lines is the preview: good and bad rows merged in file order.
	lines []previewLine
}

// importHelp says what a file needs, before one is chosen.
const importHelp = "A CSV file with a header line naming its columns: email, name, mobile, secondary_email, role (member), " +
	"status (invited, confirmed or deactivated). Each user needs an email or a mobile number; the rest may be left out. " +
	"For example:\n    email,name,mobile\n    maria.lopez@office.example,María López,+44 7700 900123\nAt most 300 users a file; " +
	"nothing is written until you have seen the preview."

// previewProblemCol is the preview's column that says why a row is left out.
const previewProblemCol = 6

// previewLine is a row of the preview: a user to import, or a bad row.
type previewLine struct {
	line int
	row  app.ImportRow
	bad  string // why the row is left out; "" for a good row
}

func newImportScreen(c *console) *importScreen {
	s := &importScreen{c: c}
	s.choose = &widget.Button{Text: "Choose CSV file…", Icon: theme.FolderOpenIcon(), OnTapped: s.onChoose}
	s.file = &widget.Label{Text: importHelp, Wrapping: fyne.TextWrapWord}
	s.problem = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	s.problem.Hide()
	s.preview = newTextTable([]string{"Line", "Email", "Name", "Mobile", "Role", "Status", "Problem"},
		// 65 text sizes: every column, Problem included, in view in a
		// window 1,024 wide.
		[]float32{3, 13, 9, 9, 6, 6, 19}, func() int { return len(s.lines) }, s.previewCell)
	// Why a row is left out is a sentence, often with what to do instead:
	// it wraps, and its row grows to show all of it.
	s.preview.wraps = map[int]bool{previewProblemCol: true}
	s.importNo = &widget.Button{Text: "Import users", Importance: widget.HighImportance, OnTapped: s.onImport}
	s.importNo.Disable()
	s.summary = &widget.Label{Wrapping: fyne.TextWrapWord}
	if !c.actor.Has(app.PermImportUsers) {
		s.choose.Disable()
		s.file.SetText("Your role may not import users.")
	}
	top := container.NewVBox(container.NewBorder(nil, nil, s.choose, nil, s.file), s.problem)
	bottom := container.NewVBox(s.summary, container.NewHBox(s.importNo))
	s.view = container.NewBorder(top, bottom, nil, nil, s.preview.withDetail())
	return s
}

func (s *importScreen) onChoose() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		s.onFile(rc.URI().Name(), rc)
	}, s.c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	showDialog(d, s.c.win, s.c.opts.touch)
}

// onFile previews a file: nothing is written until "Import N users". The
// file is read and parsed off the Fyne goroutine (it may sit on a slow
// share), and closed after when it is an io.Closer.
func (s *importScreen) onFile(name string, r io.Reader) {
	s.c.spawn(func() {
		rows, bad, err := app.PreviewImportCSV(r)
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		fyne.Do(func() { s.showFile(name, rows, bad, err) })
	})
}

// showFile shows the preview of a parsed file.
func (s *importScreen) showFile(name string, rows []app.ImportRow, bad []app.LeftOutRow, err error) {
	s.summary.SetText("")
	s.rows, s.bad, s.lines = nil, nil, nil
	if err != nil {
		s.problem.SetText(app.ErrorMessage(err))
		s.problem.Show()
	} else {
		s.problem.Hide()
		rows, bad = leaveOutKnown(s.c.dir.list, rows, bad)
		s.rows, s.bad = rows, bad
		for _, row := range rows {
			s.lines = append(s.lines, previewLine{line: row.Line, row: row})
		}
		for _, e := range bad {
			// What the file gave, so the admin sees whose row it was.
			row := e.Typed
			if row.Email == "" {
				row.Email = e.Email
			}
			s.lines = append(s.lines, previewLine{line: e.Line, row: row, bad: e.Message})
		}
		sort.SliceStable(s.lines, func(i, j int) bool { return s.lines[i].line < s.lines[j].line })
	}
	s.file.SetText(fmt.Sprintf("%s: %s to import, %s left out.", name, plural(len(s.rows), "user"), plural(len(s.bad), "row")))
	defer s.view.Refresh()
	s.importNo.SetText("Import " + plural(len(s.rows), "user"))
	if len(s.rows) > 0 {
		s.importNo.Enable()
	} else {
		s.importNo.Disable()
	}
	s.preview.clearDetail()
	s.preview.fitRows()
	s.preview.Refresh()
	// A new file starts at its first line and the Line column: a preview
	// left scrolled to the right looked as if it had no line numbers.
	s.preview.ScrollToLeading()
	s.preview.ScrollToTop()
}

// leaveOutKnown moves the rows whose email or mobile number the loaded
// list already has to the rows left out, so that the preview says so
// before anything is written (the database checks again on import).
func leaveOutKnown(users *userList, rows []app.ImportRow, bad []app.LeftOutRow) ([]app.ImportRow, []app.LeftOutRow) {
	logins := make([]string, len(rows))
	for i, r := range rows {
		logins[i] = r.Email
		if logins[i] == "" {
			logins[i] = r.Mobile
		}
	}
	found := users.find(logins)
	kept := rows[:0:0]
	for i, r := range rows {
		if found[i] >= 0 && logins[i] != "" {
			bad = append(bad, app.LeftOutRow{RowError: app.RowError{Line: r.Line, Email: logins[i], Message: logins[i] + " is already in the directory."}, Typed: r})
			continue
		}
		kept = append(kept, r)
	}
	return kept, bad
}

func (s *importScreen) previewCell(row, col int) (string, widget.Importance) {
	l := s.lines[row]
	imp := widget.MediumImportance
	if l.bad != "" {
		imp = widget.DangerImportance
	}
	switch col {
	case 0:
		return fmt.Sprint(l.line), imp
	case 1:
		return l.row.Email, imp
	case 2:
		return l.row.Name, imp
	case 3:
		return l.row.Mobile, imp
	case 4:
		return l.row.Role, imp
	case 5:
		return string(l.row.Status), imp
	case previewProblemCol:
		return l.bad, imp
	}
	return "", imp
}

// onImport writes the good rows in one transaction, off the Fyne goroutine.
func (s *importScreen) onImport() {
	rows := s.rows
	s.importNo.Disable()
	s.choose.Disable()
	s.summary.SetText("Importing…")
	s.c.spawn(func() {
		res, err := s.c.sess.Directory.ImportUsers(s.c.ctx, rows)
		fyne.Do(func() { s.apply(res, err) })
	})
}

func (s *importScreen) apply(res app.ImportResult, err error) {
	s.choose.Enable()
	if err != nil {
		s.summary.SetText(app.ErrorMessage(err))
		s.importNo.Enable()
		return
	}
	lines := []string{fmt.Sprintf("Imported %s.", plural(res.Imported, "user"))}
	for _, e := range res.Rows {
		lines = append(lines, fmt.Sprintf("Line %d: %s", e.Line, e.Message))
	}
	s.summary.SetText(strings.Join(lines, "\n"))
	s.rows = nil
	s.file.SetText("Done. Choose another file to import more users.")
	s.importNo.SetText("Import users")
	s.c.users.reload()
}

// plural says "1 row" or "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
