package ui

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// bulkReset resets many users at once: the selection, users added by email
// or from an attached CSV, the options, the admin's password, then a
// progress bar and a table of results that can be saved as CSV.
type bulkReset struct {
	c          *console
	dlg        *dialog.CustomDialog
	onFinished func() // after a run that reset someone
	// The summary line: what the run did, then notes of what was done
	// with the results since; each note is replaced, not repeated.
	outcome, savedNote, copiedNote string

	users     []app.User
	targets   *widget.List
	count     *widget.Label
	add       *widget.Button
	addEntry  *widget.Entry
	addBox    *fyne.Container
	attach    *widget.Button
	notes     *widget.Label // users that could not be added, by line
	mode      *widget.RadioGroup
	modeNote  *widget.Label
	setBox    *fyne.Container
	force     *widget.Check
	emailPass *widget.Check
	options   *optionChecks
	verify    *verifyEntry
	status    *widget.Label
	run       *widget.Button
	cancel    *widget.Button
	form      *fyne.Container
	body      *fyne.Container // form or results

	progressBox *fyne.Container
	stage       *widget.Label
	progress    *widget.ProgressBar

	resultBox *fyne.Container
	summary   *widget.Label
	results   []app.ResetResult
	table     *textTable
	save      *widget.Button
	copyAll   *widget.Button // the passwords to hand over, one line per user
	close     *widget.Button
}

// openBulkReset shows the bulk reset with users to start from.
func openBulkReset(c *console, users []app.User) *bulkReset {
	b := &bulkReset{c: c}
	b.count = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	b.targets = widget.NewList(
		func() int { return len(b.users) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil,
				&widget.Button{Icon: theme.ContentRemoveIcon(), Importance: widget.LowImportance},
				&widget.Label{Truncation: fyne.TextTruncateEllipsis})
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			u := b.users[i]
			row.Objects[0].(*widget.Label).SetText(u.DisplayName + " (" + u.Login() + ")")
			row.Objects[1].(*widget.Button).OnTapped = func() { b.onRemove(u.ID) }
		})
	b.add = &widget.Button{Icon: theme.ContentAddIcon(), OnTapped: b.onShowAdd}
	b.addEntry = &widget.Entry{PlaceHolder: "Email or zuid", OnSubmitted: func(string) { b.onAdd() }}
	b.addBox = container.NewBorder(nil, nil, nil, &widget.Button{Text: "Add", OnTapped: b.onAdd}, b.addEntry)
	b.addBox.Hide()
	b.attach = &widget.Button{Text: "Attach CSV", Icon: theme.MailAttachmentIcon(), OnTapped: b.onAttach}
	b.notes = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	b.notes.Hide()

	b.mode = &widget.RadioGroup{Options: []string{modeOneTimeLabel, modeSetLabel + " (a new one for each user)"}, Selected: modeOneTimeLabel, Required: true}
	b.modeNote = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	b.force = &widget.Check{Text: "Force change at next sign-in", Checked: true}
	b.emailPass = &widget.Check{Text: "Email the new password to the user", Checked: true}
	b.setBox = container.NewVBox(b.force, b.emailPass)
	b.options = newOptionChecks(true)
	b.verify = newVerifyEntry(b.onRun, func() {
		if !b.cancel.Disabled() {
			b.onClose()
		}
	})
	b.status = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	b.run = &widget.Button{Text: "Reset Password", Importance: widget.HighImportance, OnTapped: b.onRun}
	b.cancel = &widget.Button{Text: "Cancel", OnTapped: b.onClose}

	if err := app.CheckMayReset(c.actor, c.org, app.ResetOptions{Mode: app.ModeSetPassword}); err != nil {
		b.mode.Disable()
		b.modeNote.SetText("Set password is not available: " + app.ErrorMessage(err))
	} else {
		b.modeNote.Hide()
	}
	b.mode.OnChanged = b.onMode
	b.onMode(b.mode.Selected)

	b.stage = &widget.Label{}
	b.progress = &widget.ProgressBar{}
	b.progressBox = container.NewVBox(b.stage, b.progress)
	b.progressBox.Hide()

	b.summary = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	b.table = newTextTable([]string{"User", "Result", "Reason", "Mail", "Password"}, []float32{22, 6, 26, 10, 14},
		func() int { return len(b.results) }, b.resultCell)
	b.save = &widget.Button{Text: "Save as CSV", Icon: theme.DocumentSaveIcon(), OnTapped: b.onSave}
	b.close = &widget.Button{Text: "Close", Importance: widget.HighImportance, OnTapped: b.onClose}
	b.copyAll = &widget.Button{Text: "Copy passwords", Icon: theme.ContentCopyIcon(), OnTapped: b.onCopyAll}
	b.copyAll.Hide()
	b.resultBox = container.NewBorder(b.summary, container.NewHBox(b.save, b.copyAll, b.close), nil, nil, b.table.withDetail())
	b.resultBox.Hide()

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(b.add, b.attach), b.count),
		b.addBox, b.notes,
	)
	bottom := container.NewVBox(
		b.mode, b.modeNote, b.setBox, b.options.view, widget.NewSeparator(),
		widget.NewLabel("Enter your password for verification"), b.verify, b.status,
		b.progressBox, container.NewHBox(b.cancel, b.run),
	)
	b.form = container.NewBorder(top, bottom, nil, nil, b.targets)

	b.body = container.NewStack(b.form, b.resultBox)
	b.dlg = dialog.NewCustomWithoutButtons("Reset passwords", b.body, c.win)
	b.dlg.Resize(fyne.NewSize(60*theme.TextSize(), 50*theme.TextSize()))
	b.addUsers(users)
	b.dlg.Show()
	c.win.Canvas().Focus(b.verify) // not the search behind the dialog
	c.lastBulk = b
	return b
}

// addUsers adds users not in the list yet.
func (b *bulkReset) addUsers(users []app.User) {
	have := make(map[int64]bool, len(b.users))
	for _, u := range b.users {
		have[u.ID] = true
	}
	for _, u := range users {
		if !have[u.ID] {
			have[u.ID] = true
			b.users = append(b.users, u)
		}
	}
	b.showCount()
}

func (b *bulkReset) showCount() {
	b.count.SetText(fmt.Sprintf("%d users", len(b.users)))
	b.targets.Refresh()
	if len(b.users) == 0 {
		b.run.Disable()
	} else {
		b.run.Enable()
	}
}

func (b *bulkReset) onRemove(id int64) {
	for i, u := range b.users {
		if u.ID == id {
			b.users = append(b.users[:i], b.users[i+1:]...)
			break
		}
	}
	b.showCount()
}

func (b *bulkReset) onMode(string) {
	if b.setMode() {
		b.setBox.Show()
	} else {
		b.setBox.Hide()
	}
	b.relayout()
}

// relayout lays the dialog out again after sections were shown or hidden.
func (b *bulkReset) relayout() {
	if b.body != nil {
		b.body.Refresh()
	}
}

func (b *bulkReset) setMode() bool { return b.mode.Selected != modeOneTimeLabel }

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
		b.addEntry.SetText("")
		b.addUsers([]app.User{u})
		return
	}
	b.c.spawn(func() {
		u, err := b.c.sess.Directory.UserByLogin(b.c.ctx, login)
		fyne.Do(func() {
			if err != nil {
				b.showNotes([]string{app.ErrorMessage(err)})
				return
			}
			b.addEntry.SetText("")
			b.addUsers([]app.User{u})
		})
	})
}

// onAttach picks a CSV of users to add.
func (b *bulkReset) onAttach() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		defer rc.Close()
		b.attachCSV(rc)
	}, b.c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	d.Show()
}

// attachCSV adds the users of a bulk reset file, and lists the rows it could
// not use by line.
func (b *bulkReset) attachCSV(r io.Reader) {
	logins, bad, err := app.ParseTargetsCSV(r)
	if err != nil {
		b.showNotes([]string{app.ErrorMessage(err)})
		return
	}
	var notes []string
	for _, e := range bad {
		notes = append(notes, fmt.Sprintf("Line %d: %s", e.Line, e.Message))
	}
	var found []app.User
	users := b.c.users.users
	for k, i := range users.find(logins) {
		if i >= 0 {
			found = append(found, users.user(i))
		} else {
			notes = append(notes, fmt.Sprintf("No user %q in this organization.", logins[k]))
		}
	}
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

// opts are the options chosen now.
func (b *bulkReset) opts() app.ResetOptions {
	o := app.ResetOptions{Mode: app.ModeOneTime}
	b.options.fill(&o)
	if b.setMode() {
		o.Mode, o.ForceChange, o.EmailPassword = app.ModeSetPassword, b.force.Checked, b.emailPass.Checked
	}
	return o
}

// onRun verifies the admin's password and resets everyone in the list.
func (b *bulkReset) onRun() {
	if b.run.Disabled() {
		return
	}
	if b.verify.Text == "" {
		b.status.SetText("Enter your password for verification.")
		return
	}
	b.run.Disable()
	b.cancel.Disable()
	b.status.SetText("")
	b.progressBox.Show()
	b.relayout()
	b.stage.SetText("Checking your password…")
	b.progress.SetValue(0)
	adminPassword := b.verify.Text
	req := app.ResetRequest{Actor: b.c.actor, Org: b.c.org, Users: append([]app.User(nil), b.users...), Options: b.opts(),
		Progress: func(stage string, done, total int) { fyne.Do(func() { b.onProgress(stage, done, total) }) }}
	b.c.spawn(func() {
		results, err := verifyAndReset(b.c.ctx, b.c.sess, adminPassword, req)
		fyne.Do(func() { b.apply(results, err) })
	})
}

// onProgress moves the bar: each stage fills it once.
func (b *bulkReset) onProgress(stage string, done, total int) {
	names := map[string]string{"passwords": "Making passwords", "saving": "Saving", "mail": "Sending mail"}
	b.stage.SetText(fmt.Sprintf("%s: %d of %d", names[stage], done, total))
	if total > 0 {
		b.progress.SetValue(float64(done) / float64(total))
	}
}

func (b *bulkReset) apply(results []app.ResetResult, err error) {
	defer b.relayout()
	if len(results) == 0 {
		b.progressBox.Hide()
		b.status.SetText(app.ErrorMessage(err))
		b.run.Enable()
		b.cancel.Enable()
		return
	}
	b.verify.SetText("")
	b.results = results
	reset := 0
	for _, r := range results {
		if r.Outcome == app.OutcomeReset {
			reset++
		}
	}
	text := fmt.Sprintf("%d reset, %d skipped.", reset, len(results)-reset)
	if err != nil {
		text += " " + app.ErrorMessage(err)
	}
	b.outcome, b.savedNote, b.copiedNote = text, "", ""
	b.showSummary()
	if b.handOver() != "" {
		b.copyAll.Show()
	}
	b.form.Hide()
	b.resultBox.Show()
	b.table.Refresh()
	b.c.reloadAfterReset()
	if reset > 0 && b.onFinished != nil {
		b.onFinished()
	}
}

// resultCell is one cell of the results table.
func (b *bulkReset) resultCell(row, col int) (string, widget.Importance) {
	r := b.results[row]
	switch col {
	case 0:
		return r.User.DisplayName + " (" + r.User.Login() + ")", widget.MediumImportance
	case 1:
		if r.Outcome == app.OutcomeReset {
			return "Reset", widget.SuccessImportance
		}
		return "Skipped", widget.WarningImportance
	case 2:
		return r.Reason.Sentence(), widget.MediumImportance
	case 3:
		if r.Delivery.ID == 0 {
			return "None sent", widget.LowImportance
		}
		imp := widget.MediumImportance
		if r.Delivery.Status == app.DeliveryFailed {
			imp = widget.DangerImportance
		}
		return deliveryState(r.Delivery), imp
	case 4:
		return r.Password, widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// onSave writes the results as CSV; passwords are never written.
func (b *bulkReset) onSave() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowInformation("Not saved", "The results could not be saved there. Choose a folder you may write to.", b.c.win)
			return
		}
		if wc == nil {
			return // cancelled
		}
		err = b.saveResults(wc)
		if cerr := wc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			dialog.ShowInformation("Not saved", "The results could not be saved: "+app.ErrorMessage(err), b.c.win)
			return
		}
		// The path as the OS writes it: C:\Users\… on Windows, where the
		// URI's path has forward slashes.
		b.savedNote = " Saved to " + filepath.FromSlash(wc.URI().Path()) + "."
		b.showSummary()
	}, b.c.win)
	d.SetFileName("reset-results.csv")
	d.Show()
}

func (b *bulkReset) saveResults(w io.Writer) error { return app.WriteResultsCSV(w, b.results) }

func (b *bulkReset) onClose() {
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
	copySecret(b.c.d.app, b.handOver())
	b.copiedNote = " Passwords copied; the clipboard forgets them in a minute."
	b.showSummary()
}

func (b *bulkReset) showSummary() { b.summary.SetText(b.outcome + b.savedNote + b.copiedNote) }
