package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// mailScreen lists the messages ResetDesk sent, newest first, with their
// state and the server's words; a failed or unconfirmed one can be resent,
// which is a new one-time password (secrets are never stored to resend).
type mailScreen struct {
	c    *console
	view *fyne.Container

	refresh *widget.Button
	resend  *widget.Button
	note    *widget.Label
	loading *fyne.Container
	banner  *errorBanner
	table   *textTable

	deliveries []app.Delivery
	relay      *relayStatusLine // the office mail relay's health, hidden in direct mode
	selected   int              // row of the table, -1 for none
	done       string           // what the last resend did, for the next count line
}

func newMailScreen(c *console) *mailScreen {
	s := &mailScreen{c: c, selected: -1}
	s.refresh = &widget.Button{Text: "Refresh", Icon: theme.ViewRefreshIcon(), OnTapped: s.reload}
	s.resend = &widget.Button{Text: "Resend", Icon: theme.MailSendIcon(), OnTapped: s.onResend}
	s.resend.Disable()
	s.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading messages…"))
	s.banner = newErrorBanner(s.reload)
	s.table = newTextTable([]string{"Time", "To", "Kind", "State", "Server's words"}, []float32{12.5, 19, 11, 11, 40},
		func() int { return len(s.deliveries) }, s.cell)
	s.table.onRow = s.onSelect
	s.relay = newRelayStatusLine(c.signedIn, false)
	s.relay.refresh.Hide() // Refresh beside it reloads both
	s.relay.view.Hide()
	top := container.NewVBox(s.relay.view, container.NewBorder(nil, nil, nil, container.NewHBox(s.resend, s.refresh), s.note), s.loading, s.banner.view)
	s.view = container.NewBorder(top, nil, nil, nil, s.table.withDetail())
	s.reload()
	return s
}

// reload loads the latest messages off the Fyne goroutine.
func (s *mailScreen) reload() {
	s.loading.Show()
	s.refresh.Disable()
	relayOn := s.c.org.MailRelay
	s.c.spawn(func() {
		ds, err := s.c.sess.Directory.Deliveries(s.c.ctx, app.DeliveryFilter{Limit: 500})
		var st app.RelayStatus
		var rerr error
		if relayOn && err == nil {
			st, rerr = loadRelayStatus(s.c.signedIn)
		}
		fyne.Do(func() {
			if relayOn && err == nil {
				s.relay.apply(st, rerr)
				s.relay.view.Show()
			} else if !relayOn {
				s.relay.view.Hide()
			}
			s.relay.sync() // polls while it shows
			s.apply(ds, err)
		})
	})
}

func (s *mailScreen) apply(ds []app.Delivery, err error) {
	defer s.view.Refresh()
	s.loading.Hide()
	s.refresh.Enable()
	s.banner.show(err)
	if err != nil {
		return
	}
	s.deliveries = ds
	s.selected = -1
	s.resend.Disable()
	s.note.Importance = widget.MediumImportance
	s.note.SetText(s.done + fmt.Sprintf("%d messages. Select a failed or unconfirmed one to resend.", len(ds)))
	s.done = ""
	s.table.UnselectAll()
	s.table.clearDetail()
	s.table.Refresh()
}

func (s *mailScreen) cell(row, col int) (string, widget.Importance) {
	d := s.deliveries[row]
	switch col {
	case 0:
		return formatTime(d.CreatedAt, s.c.zone(), ""), widget.MediumImportance
	case 1:
		return d.To, widget.MediumImportance
	case 2:
		return kindLabel(d.Kind), widget.MediumImportance
	case 3:
		switch d.Status {
		case app.DeliverySent:
			return "Sent", widget.SuccessImportance
		case app.DeliveryFailed:
			return "Failed", widget.DangerImportance
		case app.DeliveryQueued:
			return "Queued for the relay", widget.WarningImportance
		}
		return "Not confirmed sent", widget.WarningImportance
	case 4:
		return d.LastError, widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// onSelect enables Resend for a failed or pending reset message whose user
// is loaded.
func (s *mailScreen) onSelect(row int) {
	s.selected = row
	if _, ok := s.resendTarget(); ok {
		s.resend.Enable()
		if k := s.deliveries[row].Kind; k != app.KindOneTimePassword {
			s.note.Importance = widget.MediumImportance
			s.note.SetText("Resend sends a new one-time password: a " + strings.ToLower(kindLabel(k)) + " is not kept to send again.")
		}
	} else {
		s.resend.Disable()
	}
}

// resendTarget is the user of the selected message, when it may be resent.
func (s *mailScreen) resendTarget() (app.User, bool) {
	if s.selected < 0 || s.selected >= len(s.deliveries) {
		return app.User{}, false
	}
	d := s.deliveries[s.selected]
	if d.Status == app.DeliverySent || d.UserID == 0 || d.Kind == app.KindTest {
		return app.User{}, false
	}
	return s.c.users.userByID(d.UserID)
}

func (s *mailScreen) onResend() {
	u, ok := s.resendTarget()
	if !ok {
		return
	}
	askResend(s.c, u, func(pw string) { s.resendNow(u, pw) })
}

// resendNow verifies adminPassword, then resets u in one-time-password mode,
// off the Fyne goroutine.
func (s *mailScreen) resendNow(u app.User, adminPassword string) {
	s.resend.Disable()
	s.note.SetText("Sending a new one-time password to " + u.Login() + "…")
	s.c.spawn(func() {
		results, err := s.c.sess.Resetter.VerifyAndReset(s.c.ctx, adminPassword, app.ResetRequest{Actor: s.c.actor, Org: s.c.org,
			Users: []app.User{u}, Options: app.ResetOptions{Mode: app.ModeOneTime}})
		fyne.Do(func() {
			switch {
			case len(results) == 0:
				s.note.Importance = widget.DangerImportance
				s.note.SetText(app.ErrorMessage(err) + " Nothing was sent.")
				s.resend.Enable()
				return
			case results[0].Outcome != app.OutcomeReset:
				s.note.Importance = widget.WarningImportance
				s.note.SetText(results[0].Reason.Sentence())
				return
			}
			s.done = "A new one-time password is on its way to " + u.Login() + ". "
			s.c.reloadAfterReset()
		})
	})
}
