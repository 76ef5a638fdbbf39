package ui

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
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

// bulkReset is the desktop's frame for resetting many users at once: the
// selection, users added by email or from an attached CSV, and the reset
// form under them; then a table of results that can be saved as CSV.
type bulkReset struct {
	*resetForm
	c          *console
	dlg        *dialog.CustomDialog
	onFinished func() // after a run that reset someone
	// The summary line: what the run did, then notes of what was done
	// with the results since; each note is replaced, not repeated.
	outcome, savedNote, copiedNote, slipNote string

	targets  *keyList
	count    *widget.Label
	add      *keyButton
	addEntry *keyEntry
	addBox   *fyne.Container
	attach   *keyButton
	notes    *widget.Label // users that could not be added, by line
	// lines are the attached files' line of each user they named, and
	// unused the rows that named nobody: the results list and save both.
	lines  map[int64]int
	unused []app.UnusedRow
	form   *fyne.Container
	middle *fyne.Container // the users list over the options
	body   *fyne.Container // form or results

	resultBox *fyne.Container
	summary   *widget.Label
	results   []app.ResetResult
	table     *textTable
	save      *keyButton
	copyAll   *keyButton // the passwords to hand over, one line per user
	slips     *keyButton // a PDF with a page per user reset
	close     *keyButton

	confirmClose *confirmDialog // asks before passwords are thrown away
	follow       *batchFollower // mail queued for the office mail relay, until sent
}

// bulkWords are the desktop's words, for many users.
var bulkWords = func() resetWords {
	w := desktopWords
	w.setMode = modeSetLabel + " (a new one for each user)"
	w.confirm = "Reset Password"
	return w
}()

// openBulkReset shows the bulk reset with users to start from.
func openBulkReset(c *console, users []app.User) *bulkReset {
	b := &bulkReset{c: c}
	b.resetForm = newResetForm(c.signedIn, c.win, resetFormSpec{
		words: bulkWords, bulk: true, chooseMode: true, generate: app.GeneratePassword,
		start:    app.ResetOptions{Mode: app.ModeOneTime, ForceChange: true, EmailPassword: true, ClearMobileSessions: true, Unlock: true},
		onCancel: b.onClose, onResult: b.apply, onChange: b.relayout,
	})
	b.count = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	b.targets = keyedList(&widget.List{
		Length: func() int { return len(b.users) },
		CreateItem: func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil,
				keyed(&widget.Button{Icon: theme.ContentRemoveIcon(), Importance: widget.LowImportance}),
				&widget.Label{Truncation: fyne.TextTruncateEllipsis})
		},
		UpdateItem: func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			u := b.users[i]
			row.Objects[0].(*widget.Label).SetText(u.DisplayName + " (" + u.Login() + ")")
			row.Objects[1].(*keyButton).OnTapped = func() { b.onRemove(u.ID) }
		}})
	b.add = keyed(&widget.Button{Icon: theme.ContentAddIcon(), OnTapped: b.onShowAdd})
	b.addEntry = keyedEntry(&widget.Entry{PlaceHolder: "Name, email or zuid", OnSubmitted: func(string) { b.onAdd() }})
	b.addBox = container.NewBorder(nil, nil, nil, keyed(&widget.Button{Text: "Add", OnTapped: b.onAdd}), b.addEntry)
	b.addBox.Hide()
	b.attach = keyed(&widget.Button{Text: "Attach CSV", Icon: theme.MailAttachmentIcon(), OnTapped: b.onAttach})
	b.notes = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	b.notes.Hide()

	b.summary = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	// Every column within the dialog's 60 text heights: a Mail column past
	// the edge read "sen…". A long name or reason ends in "…" and shows
	// whole under the table once its row is chosen. In a smaller dialog
	// (scale 1.5) the last columns go behind a sideways scroll, so the
	// Password, which the admin must hand over, comes right after the
	// User, and the Reason, which the chosen row shows whole, comes last.
	b.table = newTextTable([]string{"User", "Password", "Result", "Mail", "Reason"}, []float32{14, 10, 6, 10.5, 16},
		func() int { return len(b.results) + len(b.unused) }, b.resultCell)
	b.table.short = func(col int, text string) string {
		if col == bulkColMail && strings.HasPrefix(text, "queued ") {
			return "queued" // the whole sentence shows once the row is chosen
		}
		return text
	}
	b.save = keyed(&widget.Button{Text: "Save as CSV", Icon: theme.DocumentSaveIcon(), OnTapped: b.onSave})
	b.close = dialogConfirm("Close", b.onCloseResults)
	b.close.Hide()
	b.copyAll = keyed(&widget.Button{Text: "Copy passwords", Icon: theme.ContentCopyIcon(), OnTapped: b.onCopyAll})
	b.copyAll.Hide()
	b.slips = keyed(&widget.Button{Text: "Print slips", Icon: theme.DocumentPrintIcon(), OnTapped: b.onPrintSlips})
	b.resultBox = container.NewBorder(b.summary, container.NewHBox(b.save, b.copyAll, b.slips), nil, nil, b.table.withDetail())
	b.resultBox.Hide()

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(b.add, b.attach), b.count),
		b.addBox, b.notes,
	)
	// The users being reset stay in view whatever the window's size: the
	// list and the options share the height, and the options scroll.
	// The admin's password and Confirm stay in view under them: found
	// below the options' fold, they were missed.
	options := newPageScroll(b.fields)
	// The list is as tall as its rows, up to half the height: a few users
	// leave the rest to the options instead of blank rows.
	rowHeight := b.targets.CreateItem().MinSize().Height + theme.SeparatorThicknessSize()
	b.middle = container.New(listOverOptions{rows: func() float32 { return float32(len(b.users)) * rowHeight }}, b.targets, options)
	b.form = container.NewBorder(top, container.NewVBox(widget.NewSeparator(), b.check), nil, nil,
		b.middle)

	b.body = container.NewStack(b.form, b.resultBox)
	var content fyne.CanvasObject = b.body
	if c.d.opts.touch { // a tablet: the dialog is not under the shell's theme
		content = touchSized(content)
	}
	b.dlg = dialog.NewCustomWithoutButtons("Reset passwords", content, c.win)
	b.dlg.SetButtons([]fyne.CanvasObject{b.cancel, b.confirm, b.close})
	b.dlg.Resize(bulkDialogSize(c.win.Canvas().Size()))
	b.addUsers(users)
	showDialogEscaping(b.dlg, c.win, c.opts.touch, b.onEscape)
	c.d.holdForReset(b.dlg)
	b.focus()
	c.lastBulk = b
	return b
}

// listOverOptions lays out the users list over the options: the list as
// tall as rows says, at least its own minimum and at most half the
// height; the options below take the rest.
type listOverOptions struct{ rows func() float32 }

func (l listOverOptions) MinSize(objects []fyne.CanvasObject) fyne.Size {
	list, options := objects[0].MinSize(), objects[1].MinSize()
	return fyne.NewSize(max(list.Width, options.Width), list.Height+theme.Padding()+options.Height)
}

func (l listOverOptions) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	free := size.Height - theme.Padding()
	listH := max(min(l.rows(), free/2), objects[0].MinSize().Height)
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(fyne.NewSize(size.Width, listH))
	objects[1].Move(fyne.NewPos(0, listH+theme.Padding()))
	objects[1].Resize(fyne.NewSize(size.Width, free-listH))
}

// bulkDialogSize is the bulk dialog's size in a window of win: 60 by 50
// text heights, or most of a smaller window (1024x640 at scale 1.5 is
// about 680x420).
func bulkDialogSize(win fyne.Size) fyne.Size {
	ts := theme.TextSize()
	s := fyne.NewSize(60*ts, 50*ts)
	if win.Width > 0 {
		s.Width = min(s.Width, win.Width*0.95)
	}
	if win.Height > 0 {
		s.Height = min(s.Height, win.Height*0.92)
	}
	return s
}

// addUsers adds users not in the list yet.
func (b *bulkReset) addUsers(users []app.User) {
	have := make(map[int64]bool, len(b.users))
	list := b.users
	for _, u := range list {
		have[u.ID] = true
	}
	for _, u := range users {
		if !have[u.ID] {
			have[u.ID] = true
			list = append(list, u)
		}
	}
	b.showUsers(list)
}

// showUsers makes list the users to reset.
func (b *bulkReset) showUsers(list []app.User) {
	b.setUsers(list)
	b.count.SetText(plural(len(b.users), "user"))
	// "Unlock the account" only when the list holds a lock to clear: a
	// lapsed one too, which the mail server's passdb still refuses.
	// Hidden, it changes nothing, and the audit says who was unlocked.
	if slices.ContainsFunc(b.users, func(u app.User) bool { return !u.LockedUntil.IsZero() }) {
		b.options.unlock.Show()
	} else {
		b.options.unlock.Hide()
	}
	b.targets.Refresh()
	if b.middle != nil {
		b.middle.Refresh() // the list's height follows its rows
	}
}

func (b *bulkReset) onRemove(id int64) {
	list := b.users
	for i, u := range list {
		if u.ID == id {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	b.showUsers(list)
}

// relayout lays the dialog out again after sections were shown or hidden.
func (b *bulkReset) relayout() {
	if b.body != nil {
		b.body.Refresh()
	}
}

func (b *bulkReset) onShowAdd() {
	b.addBox.Show()
	b.relayout()
	b.c.win.Canvas().Focus(b.addEntry)
}

// onAdd adds the user typed in the entry: from the loaded list, else asked
// of the directory (someone imported since the list loaded).
func (b *bulkReset) onAdd() {
	login := strings.TrimSpace(b.addEntry.Text)
	if login == "" {
		return
	}
	if u, ok := b.c.users.userByLogin(login); ok {
		b.added(u)
		return
	}
	// A name, or part of one, when it names one user of the list.
	list := b.c.dir.list
	switch rows := filterUsers(list, userQuery{text: login}, nil); {
	case len(rows) == 1:
		b.added(list.user(int(rows[0])))
		return
	case len(rows) > 1:
		b.showNotes([]string{fmt.Sprintf("%d users match %q: type more of the name, or the email or zuid.", len(rows), login)})
		return
	}
	b.c.spawn(func() {
		u, err := b.c.sess.Directory.UserByLogin(b.c.ctx, login)
		fyne.Do(func() {
			if app.ErrorCode(err) == app.ENOTFOUND {
				b.showNotes([]string{fmt.Sprintf("No user %q in this organization. Type a name, an email or a zuid.", login)})
				return
			}
			if err != nil {
				b.showNotes([]string{app.ErrorMessage(err)})
				return
			}
			b.added(u)
		})
	})
}

// added puts u on the list from the entry, and takes away an earlier
// refusal: it was about what was typed before.
func (b *bulkReset) added(u app.User) {
	b.addEntry.SetText("")
	b.showNotes(nil)
	b.addUsers([]app.User{u})
}

// lineOf is the line number a note starts with ("Line 7: …"), 0 for none.
func lineOf(note string) int {
	var n int
	fmt.Sscanf(note, "Line %d:", &n)
	return n
}

// onAttach picks a CSV of users to add.
func (b *bulkReset) onAttach() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		b.attachCSV(rc)
	}, b.c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	showDialog(d, b.c.win, b.c.opts.touch)
}

// attachCSV adds the users of a bulk reset file, and lists the rows it could
// not use by line. The file is read and parsed off the Fyne goroutine (it
// may sit on a slow share), and closed after when it is an io.Closer.
func (b *bulkReset) attachCSV(r io.Reader) {
	b.c.spawn(func() {
		targets, bad, err := app.ParseTargetLines(r)
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		fyne.Do(func() { b.applyAttached(targets, bad, err) })
	})
}

// applyAttached adds the users an attached file names.
func (b *bulkReset) applyAttached(targets []app.Target, bad []app.RowError, err error) {
	if err != nil {
		b.showNotes([]string{app.ErrorMessage(err)})
		return
	}
	var notes []string
	for _, e := range bad {
		notes = append(notes, fmt.Sprintf("Line %d: %s", e.Line, e.Message))
		b.unused = append(b.unused, app.UnusedRow{Line: e.Line, Value: e.Value, Reason: app.UnusedBadRow, Message: e.Message})
	}
	logins := make([]string, len(targets))
	for i, t := range targets {
		logins[i] = t.Login
	}
	var found []app.User
	users := b.c.dir.list
	if b.lines == nil {
		b.lines = make(map[int64]int)
	}
	for k, i := range users.find(logins) {
		if i >= 0 {
			u := users.user(i)
			found = append(found, u)
			b.lines[u.ID] = targets[k].Line
		} else {
			notes = append(notes, fmt.Sprintf("Line %d: no user %q in this organization.", targets[k].Line, logins[k]))
			b.unused = append(b.unused, app.UnusedRow{Line: targets[k].Line, Value: logins[k], Reason: app.UnusedNotFound,
				Message: fmt.Sprintf("No user %q in this organization.", logins[k])})
		}
	}
	sort.SliceStable(notes, func(i, j int) bool { return lineOf(notes[i]) < lineOf(notes[j]) })
	sort.SliceStable(b.unused, func(i, j int) bool { return b.unused[i].Line < b.unused[j].Line })
	b.addUsers(found)
	b.showNotes(notes)
}

func (b *bulkReset) showNotes(notes []string) {
	defer b.relayout()
	if len(notes) == 0 {
		b.notes.Hide()
		return
	}
	b.notes.SetText(strings.Join(notes, "\n"))
	b.notes.Show()
}

// apply shows the table of results in place of the form.
func (b *bulkReset) apply(d resetDone) {
	defer b.relayout()
	b.results = d.results
	reset := 0
	for _, r := range d.results {
		if r.Outcome == app.OutcomeReset {
			reset++
		}
	}
	// The file's lines that named nobody are rows marked Skipped too: the
	// count says so, or "0 skipped" would sit above two of them.
	text := fmt.Sprintf("%d reset, %d skipped.", reset, len(d.results)-reset+len(b.unused))
	if n := len(b.unused); n > 0 {
		text += fmt.Sprintf(" %s of the attached file named nobody: they follow the users, by line.", plural(n, "line"))
	}
	if d.err != nil {
		text += " " + app.ErrorMessage(d.err)
	}
	b.outcome, b.savedNote, b.copiedNote, b.slipNote = text, "", "", ""
	b.showSummary()
	if reset == 0 || deviceIsMobile() {
		b.slips.Hide()
	}
	if b.handOver() != "" {
		b.copyAll.Show()
	}
	b.form.Hide()
	b.cancel.Hide()
	b.confirm.Hide()
	b.close.Show()
	b.resultBox.Show()
	b.table.Refresh()
	b.followMail()
	b.c.reloadAfterReset()
	if reset > 0 && b.onFinished != nil {
		b.onFinished()
	}
}

// The columns of the bulk results table.
const (
	bulkColUser = iota
	bulkColPassword
	bulkColResult
	bulkColMail
	bulkColReason
)

// resultCell is one cell of the results table: the users' results, then
// the rows of the attached files that named nobody.
func (b *bulkReset) resultCell(row, col int) (string, widget.Importance) {
	if row >= len(b.results) {
		return unusedCell(b.unused[row-len(b.results)], col)
	}
	r := b.results[row]
	switch col {
	case bulkColUser:
		return r.User.DisplayName + " (" + r.User.Login() + ")", widget.MediumImportance
	case bulkColResult:
		if r.Outcome == app.OutcomeReset {
			return "Reset", widget.SuccessImportance
		}
		return "Skipped", widget.WarningImportance
	case bulkColReason:
		return r.Reason.Sentence(), widget.MediumImportance
	case bulkColMail:
		if r.Delivery.ID == 0 {
			return "None sent", widget.LowImportance
		}
		imp := widget.MediumImportance
		if r.Delivery.Status == app.DeliveryFailed {
			imp = widget.DangerImportance
		}
		if k := r.Delivery.Kind; k == app.KindPasswordNotice || k == app.KindUndeliverableNotice {
			// Not the password: a notice without it. "sent" alone read as
			// if the password had been mailed.
			return "notice " + deliveryState(r.Delivery), imp
		}
		return deliveryState(r.Delivery), imp
	case bulkColPassword:
		if r.Password == "" && r.Outcome == app.OutcomeReset && r.Delivery.ID != 0 && r.Delivery.Status != app.DeliveryFailed {
			return "in the mail", widget.LowImportance // one-time: only the user's mail has it
		}
		return r.Password, widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// unusedCell is one cell of a row of an attached file that named nobody.
func unusedCell(u app.UnusedRow, col int) (string, widget.Importance) {
	switch col {
	case bulkColUser:
		if u.Value == "" {
			return fmt.Sprintf("Line %d", u.Line), widget.MediumImportance
		}
		return fmt.Sprintf("Line %d: %s", u.Line, u.Value), widget.MediumImportance
	case bulkColResult:
		return "Skipped", widget.WarningImportance
	case bulkColReason:
		return u.Message, widget.MediumImportance
	case bulkColMail:
		return "None sent", widget.LowImportance
	}
	return "", widget.MediumImportance
}

// onSave writes the results as CSV; passwords are never written.
func (b *bulkReset) onSave() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			showInformation("Not saved", "The results could not be saved there. Choose a folder you may write to.", b.c.win, b.c.opts.touch)
			return
		}
		if wc == nil {
			return // cancelled
		}
		// Written off the Fyne goroutine: the folder may be a slow share.
		results, lines, unused := append([]app.ResetResult(nil), b.results...), maps.Clone(b.lines), slices.Clone(b.unused)
		b.c.spawn(func() {
			err := app.WriteResultsCSV(wc, results, lines, unused)
			if cerr := wc.Close(); err == nil {
				err = cerr
			}
			fyne.Do(func() {
				if err != nil {
					showInformation("Not saved", "The results could not be saved: "+app.ErrorMessage(err), b.c.win, b.c.opts.touch)
					return
				}
				// The path as the OS writes it: C:\Users\… on Windows, where the
				// URI's path has forward slashes.
				b.savedNote = " Saved to " + filepath.FromSlash(wc.URI().Path()) + "."
				b.showSummary()
			})
		})
	}, b.c.win)
	d.SetFileName("reset-results.csv")
	showDialog(d, b.c.win, b.c.opts.touch)
}

func (b *bulkReset) saveResults(w io.Writer) error {
	return app.WriteResultsCSV(w, b.results, b.lines, b.unused)
}

// onCloseResults closes the results, after asking when passwords the admin
// must hand over were neither emailed nor copied: closing throws them
// away, and the users were told to ask the admin for them.
func (b *bulkReset) onCloseResults() {
	n := strings.Count(b.handOver(), "\n")
	if n == 0 || b.copiedNote != "" {
		b.onClose()
		return
	}
	question := fmt.Sprintf("The new passwords of %d users were not emailed and have not been copied. "+
		"Closing loses them, and those users would have to be reset again. Close anyway?", n)
	if n == 1 {
		question = "The new password of 1 user was not emailed and has not been copied. " +
			"Closing loses it, and that user would have to be reset again. Close anyway?"
	}
	// A custom confirm: Fyne's own draws a large question mark behind the
	// sentence, as the sign-out question did.
	b.confirmClose = newConfirmDialog("Close without the passwords?", "Close anyway", "Keep them",
		&widget.Label{Text: question, Wrapping: fyne.TextWrapWord},
		func(ok bool) {
			if ok {
				b.onClose()
			}
		}, b.c.win)
	b.confirmClose.Resize(fyne.NewSize(min(480, b.c.win.Canvas().Size().Width-4*theme.Padding()), 0))
	b.confirmClose.confirm.Importance = widget.DangerImportance
	showDialog(b.confirmClose, b.c.win, b.c.opts.touch)
}

// followMail shows each message queued for the office mail relay as sent
// (or failed) once the relay has done it, in the table and what Save as
// CSV writes, asking once per look for the whole batch.
func (b *bulkReset) followMail() {
	b.follow.stop()
	ds := make([]app.Delivery, len(b.results))
	for i, r := range b.results {
		ds[i] = r.Delivery
	}
	b.follow = followQueuedBatch(b.c.signedIn, ds, func(settled []app.Delivery) {
		byID := make(map[int64]app.Delivery, len(settled))
		for _, d := range settled {
			byID[d.ID] = d
		}
		for i, r := range b.results {
			if d, ok := byID[r.Delivery.ID]; ok && r.Delivery.ID != 0 {
				b.results[i].Delivery = d
			}
		}
		b.table.Refresh()
	})
}

// onEscape is Cancel while the form shows and Close once the results do,
// asking first as Close does; nothing while a reset runs.
func (b *bulkReset) onEscape() {
	switch {
	case b.running:
	case b.resultBox.Visible():
		b.onCloseResults()
	default:
		b.onClose()
	}
}

func (b *bulkReset) onClose() {
	b.forget()
	b.follow.stop()
	for i := range b.results {
		b.results[i].Password = ""
	}
	b.table.clearDetail() // it may show a row with its password
	b.dlg.Hide()
}

// handOver is what "Copy passwords" copies: a line "login<TAB>password" for
// every user whose password the admin must hand over, "" when there is none.
func (b *bulkReset) handOver() string {
	var sb strings.Builder
	for _, r := range b.results {
		if r.Password != "" {
			sb.WriteString(r.User.Login() + "\t" + r.Password + "\n")
		}
	}
	return sb.String()
}

// onCopyAll puts the passwords on the clipboard, which forgets them after
// clipboardLifetime unless something else was copied since.
func (b *bulkReset) onCopyAll() {
	b.c.clip.copy(b.handOver())
	b.copiedNote = " Passwords copied; the clipboard forgets them in a minute."
	b.showSummary()
}

func (b *bulkReset) showSummary() {
	b.summary.SetText(b.outcome + b.savedNote + b.copiedNote + b.slipNote)
}

// onPrintSlips makes one PDF with a page per user reset and opens it in
// the PDF viewer.
func (b *bulkReset) onPrintSlips() {
	b.slips.Disable()
	results, org, now, open := append([]app.ResetResult(nil), b.results...), b.c.org, b.c.now(), b.c.opts.openURL
	b.c.spawn(func() {
		msg, err := printSlips(org, results, now, open)
		fyne.Do(func() {
			b.slips.Enable()
			if err != nil {
				msg = app.ErrorMessage(err)
			}
			b.slipNote = " " + msg
			b.showSummary()
		})
	})
}
