package ui

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// profileScreen is one user: Details, Activity (audit events and messages,
// to review before a reset), Sessions, and the state of the latest reset
// email with Resend.
type profileScreen struct {
	c    *console
	user app.User
	view *fyne.Container

	back    *widget.Button
	reset   *widget.Button
	title   *widget.Label
	tabs    *container.AppTabs
	details *detailForm

	loading      *fyne.Container
	banner       *errorBanner
	activity     *widget.List
	activityNote *widget.Label
	activityLine *widget.Label // the chosen line, whole
	lines        []activityLine

	sessions     *widget.Label // the sign-in state
	sessionList  *widget.List  // the Assets tab: sessions, devices and tokens, by kind
	sessionLines []app.SessionInfo
	assetRows    []assetRow

	delivery *widget.Label
	mailNote *widget.Label // what the last Resend did
	resend   *widget.Button
	latest   app.Delivery // the latest reset message, ID 0 when none
	polls    *poller      // reloads while in view and waiting for the user
	inView   bool         // the Users screen shows it in the window
}

// assetRow is a line of the Assets tab: a kind's heading, or one session
// or token.
type assetRow struct {
	heading string
	session app.SessionInfo
}

// activityLine is one event of the Activity tab.
type activityLine struct {
	at   time.Time
	text string
}

func newProfileScreen(c *console, u app.User) *profileScreen {
	p := &profileScreen{c: c}
	p.polls = newPoller(c.ctx, c.opts.poll, p.poll)
	p.back = &widget.Button{Text: "Users", Icon: theme.NavigateBackIcon(), Importance: widget.LowImportance, OnTapped: c.users.showList}
	p.reset = &widget.Button{Text: "Reset Password", Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: p.onReset}
	// A long name ends in "…" rather than widening the window: Details
	// shows it whole.
	p.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Truncation: fyne.TextTruncateEllipsis}
	p.details = newDetailForm("Name", "Email", "Mobile", "Secondary email", "Zuid", "Status", "Role",
		"Signs in with a mobile number", "Primary email bounces", "Managed by SSO", "Created")
	p.loading = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Loading activity…"))
	p.banner = newErrorBanner(p.reload)
	p.activity = widget.NewList(
		func() int { return len(p.lines) },
		// One line a row, cut with "…": a wrapped line overran the row
		// under it. The chosen row shows whole under the list.
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(p.activityText(i))
		})
	p.activityLine = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.activityLine.Hide()
	p.activity.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(p.lines) {
			p.activityLine.SetText(p.activityText(i))
			p.activityLine.Show()
		}
	}
	p.activityNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	p.activityNote.Hide()
	p.sessions = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.sessionList = widget.NewList(
		func() int { return len(p.assetRows) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l, r := o.(*widget.Label), p.assetRows[i]
			if r.heading != "" {
				l.TextStyle.Bold = true
				l.SetText(r.heading)
				return
			}
			l.TextStyle.Bold = false
			l.SetText("    " + sessionText(r.session, p.c.zone()))
		})
	p.delivery = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.mailNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance}
	p.mailNote.Hide()
	p.resend = &widget.Button{Text: "Resend", Icon: theme.MailSendIcon(), OnTapped: p.onResend}
	p.resend.Hide()

	p.tabs = container.NewAppTabs(
		container.NewTabItem("Details", newPageScroll(p.details.form)),
		// The admin console's Assets: what the user is signed in with, which
		// a reset ends (web sessions) or may end (devices, tokens).
		container.NewTabItem("Assets", container.NewBorder(p.sessions, nil, nil, nil, p.sessionList)),
		container.NewTabItem("Activity", container.NewBorder(p.activityNote, p.activityLine, nil, nil, p.activity)),
	)
	header := container.NewBorder(nil, nil, p.back, p.reset, p.title)
	mailLine := container.NewBorder(nil, nil, &widget.Label{Text: "Latest reset email:", TextStyle: fyne.TextStyle{Bold: true}}, p.resend, p.delivery)
	p.view = container.NewBorder(container.NewVBox(header, mailLine, p.mailNote, p.loading, p.banner.view), nil, nil, nil, p.tabs)
	p.setUser(u)
	return p
}

// setUser shows u's details; reload brings their activity.
func (p *profileScreen) setUser(u app.User) {
	p.user = u
	p.title.SetText(u.DisplayName)
	yesNo := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	p.details.set(u.DisplayName, u.PrimaryEmail, u.MobileNumber, u.SecondaryEmail, fmt.Sprint(u.ID),
		statusLabel(u.Status), u.Role, yesNo(u.PrimaryIsMobile), yesNo(u.PrimaryEmailUndeliverable),
		yesNo(u.SSOManaged), formatTime(u.CreatedAt, p.c.zone(), ""))
	p.sessions.SetText(sessionSummary(u, p.c.now(), p.c.zone()))
}

// detailForm is a form of text rows whose values change with the user
// shown. Fyne's Form keeps the widgets of the items it has rendered, so a
// new Items list would not show: the rows are made once and their labels
// set.
type detailForm struct {
	form   *widget.Form
	values []*widget.Label
}

func newDetailForm(names ...string) *detailForm {
	d := &detailForm{form: &widget.Form{}}
	for _, name := range names {
		// Selectable, and wrapped rather than cut: the one place a long
		// email shows whole, where the users list ends it in "…".
		v := &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
		d.values = append(d.values, v)
		d.form.Items = append(d.form.Items, &widget.FormItem{Text: name, Widget: v})
	}
	return d
}

// set shows values in the rows' order; an empty one as a dash.
func (d *detailForm) set(values ...string) {
	for i, v := range values {
		if v == "" {
			v = "—"
		}
		d.values[i].SetText(v)
	}
}

// sessionSummary says what the directory knows about u's sign-in state; the
// list under it shows each session and token.
func sessionSummary(u app.User, now time.Time, zone *time.Location) string {
	var b strings.Builder
	switch {
	case u.Locked(now):
		fmt.Fprintf(&b, "Locked until %s. A reset can unlock the account.\n", formatTime(u.LockedUntil, zone, ""))
	case u.HasLock():
		fmt.Fprintf(&b, "Locked: the lock was set to end %s, but mail sign-in stays refused until a reset unlocks the account.\n",
			formatTime(u.LockedUntil, zone, ""))
	default:
		b.WriteString("Not locked.\n")
	}
	if !u.HasPassword {
		b.WriteString("No password works now: the user needs a one-time password or a new password.\n")
	}
	if u.MustChangePassword {
		b.WriteString("Must change the password at the next sign-in.\n")
	}
	if !u.PasswordExpiresAt.IsZero() {
		fmt.Fprintf(&b, "The temporary password expires %s.\n", formatTime(u.PasswordExpiresAt, zone, ""))
	}
	fmt.Fprintf(&b, "Password last changed: %s.\n", formatTime(u.PasswordChangedAt, zone, "never"))
	b.WriteString("Every reset signs the user out of all web sessions; mobile sessions and API tokens end when the reset clears them.")
	return b.String()
}

// sessionText is one line of the Sessions tab.
func sessionText(s app.SessionInfo, zone *time.Location) string {
	kind := map[string]string{"web": "Web session", "mobile": "Mobile session", "api_token": "API token"}[s.Kind]
	line := kind
	if s.Name != "" {
		line += " (" + s.Name + ")"
	}
	line += ", since " + formatTime(s.CreatedAt, zone, "")
	if !s.LastSeenAt.IsZero() && s.RevokedAt.IsZero() {
		line += ", last seen " + formatTime(s.LastSeenAt, zone, "")
	}
	if !s.RevokedAt.IsZero() {
		return line + ": ended " + formatTime(s.RevokedAt, zone, "")
	}
	return line + ": active"
}

// profileLoad is a user as the directory has them now, and their activity.
type profileLoad struct {
	user       app.User
	userErr    error
	deliveries []app.Delivery
	events     []app.AuditEvent
	sessions   []app.SessionInfo
	auditErr   error // EUNAUTHORIZED without view_audit: the deliveries still show
	err        error
}

// reload loads the user's deliveries and audit events off the Fyne goroutine.
func (p *profileScreen) reload() {
	p.loading.Show()
	id := p.user.ID
	p.c.spawn(func() {
		r := p.load(id)
		fyne.Do(func() { p.apply(r) })
	})
}

func (p *profileScreen) load(id int64) profileLoad {
	var r profileLoad
	// The user too: a reset, or the user finishing one, changes what the
	// profile says (no password works now, must change, sessions).
	r.user, r.userErr = p.c.sess.Directory.UserByLogin(p.c.ctx, strconv.FormatInt(id, 10))
	r.deliveries, r.err = p.c.sess.Directory.Deliveries(p.c.ctx, app.DeliveryFilter{UserID: id, Limit: 100})
	if r.err != nil {
		return r
	}
	if r.sessions, r.err = p.c.sess.Directory.Sessions(p.c.ctx, id); r.err != nil {
		return r
	}
	r.events, r.auditErr = p.c.sess.Directory.Audit(p.c.ctx, app.AuditFilter{UserID: id, Limit: 100})
	return r
}

func (p *profileScreen) apply(r profileLoad) {
	defer p.view.Refresh() // sections were shown or hidden
	p.loading.Hide()
	p.banner.show(r.err)
	if r.err != nil {
		return
	}
	if r.userErr == nil && r.user.ID == p.user.ID {
		p.setUser(r.user)
	}
	p.lines = p.lines[:0]
	for _, d := range r.deliveries {
		p.lines = append(p.lines, activityLine{at: d.CreatedAt, text: "Mail: " + kindLabel(d.Kind) + " to " + d.To + ": " + deliveryState(d)})
	}
	admins := p.c.dir.list.adminNames()
	for _, e := range r.events {
		p.lines = append(p.lines, activityLine{at: e.At, text: auditText(e, admins)})
	}
	for _, s := range r.sessions {
		if s.Kind != "api_token" {
			p.lines = append(p.lines, activityLine{at: s.CreatedAt, text: "Signed in: " + sessionText(s, p.c.zone())})
		}
	}
	p.sessionLines = r.sessions
	p.assetRows = assetRows(r.sessions)
	p.sessionList.Refresh()
	sort.SliceStable(p.lines, func(i, j int) bool { return p.lines[i].at.After(p.lines[j].at) })
	switch {
	case app.ErrorCode(r.auditErr) == app.EUNAUTHORIZED:
		p.activityNote.SetText("Your role may not view the audit log, so only the messages sent to this user show here.")
		p.activityNote.Show()
	case r.auditErr != nil:
		p.activityNote.SetText(app.ErrorMessage(r.auditErr))
		p.activityNote.Show()
	default:
		p.activityNote.Hide()
	}
	p.activity.UnselectAll()
	p.activityLine.Hide()
	p.activity.Refresh()

	p.latest = app.Delivery{}
	for _, d := range r.deliveries {
		if slices.Contains([]app.DeliveryKind{app.KindOneTimePassword, app.KindPassword, app.KindPasswordNotice, app.KindUndeliverableNotice}, d.Kind) {
			p.latest = d
			break
		}
	}
	p.polls.fresh()
	defer p.sync()
	if p.latest.ID == 0 {
		p.delivery.SetText("None yet.")
		p.resend.Hide()
		return
	}
	p.delivery.SetText(p.deliveryLine())
	if p.mayResend() {
		p.resend.Show()
	} else {
		p.resend.Hide()
	}
}

// activityText is line i of the Activity tab.
func (p *profileScreen) activityText(i int) string {
	return formatTime(p.lines[i].at, p.c.zone(), "") + "  " + p.lines[i].text
}

// deliveryLine is the latest reset message: what, to whom, its state and
// when it was sent, and until when a one-time password the user has not
// used yet stays valid, so that the admin can tell whether to resend.
func (p *profileScreen) deliveryLine() string {
	d, now := p.latest, p.c.now()
	line := kindLabel(d.Kind) + " to " + d.To + ": " + deliveryState(d)
	if d.Status == app.DeliverySent && !d.SentAt.IsZero() {
		line += " " + shortTime(d.SentAt, now, p.c.zone())
	}
	if d.Kind == app.KindOneTimePassword && !p.user.HasPassword && p.c.org.OTPTTL > 0 {
		until := d.CreatedAt.Add(p.c.org.OTPTTL)
		if until.After(now) {
			line += ", valid until " + shortTime(until, now, p.c.zone())
		} else {
			line += ", expired " + shortTime(until, now, p.c.zone())
		}
	}
	return line
}

// assetRows groups sessions and tokens under a heading per kind, each
// saying how many still work.
func assetRows(sessions []app.SessionInfo) []assetRow {
	var rows []assetRow
	for _, kind := range []struct{ kind, title string }{
		{"web", "Web sessions"}, {"mobile", "Devices (mobile sessions)"}, {"api_token", "API tokens"},
	} {
		var items []assetRow
		active := 0
		for _, s := range sessions {
			if s.Kind == kind.kind {
				items = append(items, assetRow{session: s})
				if s.RevokedAt.IsZero() {
					active++
				}
			}
		}
		heading := fmt.Sprintf("%s: %d active", kind.title, active)
		if len(items) == 0 {
			heading = kind.title + ": none"
		}
		rows = append(rows, assetRow{heading: heading})
		rows = append(rows, items...)
	}
	return rows
}

// awaitingUser reports whether the profile waits for the user to act: a
// one-time password is out and no password works yet, or a set password
// must still be changed. What the user does then shows without a reload
// by hand.
func (p *profileScreen) awaitingUser() bool {
	return p.latest.ID != 0 && (!p.user.HasPassword || p.user.MustChangePassword)
}

// setInView says whether the Users screen shows the profile in the
// window: another tab, the phone flow or the sign-in may hide it.
func (p *profileScreen) setInView(on bool) {
	p.inView = on
	p.sync()
}

// sync reloads the profile every options.poll while it is in view and
// waits for the user, and only then (none in tests, which call poll
// themselves). Back in view while it waits, it reloads at once: what the
// user did meanwhile shows.
func (p *profileScreen) sync() {
	if p.polls.follow(p.inView && p.awaitingUser()) {
		p.reload()
	}
}

// poll reloads the profile while it waits for the user.
func (p *profileScreen) poll() {
	if p.awaitingUser() {
		p.reload()
	}
}

// close stops the profile's reloads for good: the list, or another
// profile, took its place.
func (p *profileScreen) close() { p.polls.stop() }

// mayResend reports whether Resend makes sense: the latest reset sent a
// one-time password that has not been used (the user still has no
// password), and a new one could reach them.
func (p *profileScreen) mayResend() bool {
	return p.latest.Kind == app.KindOneTimePassword && !p.user.HasPassword &&
		p.c.actor.Has(app.PermResetPassword) &&
		app.SkipReasonFor(p.c.actor, p.c.org, p.user, app.ResetOptions{Mode: app.ModeOneTime}) == ""
}

func (p *profileScreen) onReset() { openResetDialog(p.c, p.user) }

// onResend issues a new one-time password after the admin's password, as
// every reset asks: the code emailed before stops working. Secrets are
// never stored, so a resend is a new reset.
func (p *profileScreen) onResend() {
	askResend(p.c, p.user, p.resendNow)
}

// resendNow runs the resend, verifying adminPassword first.
func (p *profileScreen) resendNow(adminPassword string) {
	p.resend.Disable()
	p.mailNote.Hide()
	p.delivery.SetText("Sending a new one-time password…")
	u := p.user
	p.c.spawn(func() {
		results, err := p.c.sess.Resetter.VerifyAndReset(p.c.ctx, adminPassword, app.ResetRequest{Actor: p.c.actor, Org: p.c.org,
			Users: []app.User{u}, Options: app.ResetOptions{Mode: app.ModeOneTime}})
		fyne.Do(func() {
			p.resend.Enable()
			switch {
			case err != nil && len(results) == 0:
				p.delivery.SetText(app.ErrorMessage(err))
				return
			case results[0].Outcome != app.OutcomeReset:
				p.delivery.SetText(results[0].Reason.Sentence())
				return
			}
			// Through the office mail relay the message is queued first: say
			// so, in words that stay true once the relay has sent it.
			switch d := results[0].Delivery; d.Status {
			case app.DeliverySent:
				p.mailNote.SetText("A new one-time password is on its way to " + d.To + ". The one sent before no longer works.")
				p.mailNote.Show()
			case app.DeliveryQueued:
				p.mailNote.SetText("A new one-time password to " + d.To + " went to the office mail relay, which sends it. The one sent before no longer works.")
				p.mailNote.Show()
			}
			p.c.reloadAfterReset()
			p.reload()
		})
	})
}

// askResend asks for the admin's password before a resend to u, then calls
// send with it.
func askResend(c *console, u app.User, send func(adminPassword string)) {
	pw := keyedEntry(&widget.Entry{Password: true, PlaceHolder: "Your password"})
	form := &widget.Form{Items: []*widget.FormItem{{Text: "Password", Widget: pw,
		HintText: "Enter your password for verification"}}}
	// The login under the title, where a long one wraps: in the title it
	// made the dialog wider than the window.
	to := &widget.Label{Text: "To " + u.Login() + ". The one sent before stops working.", Wrapping: fyne.TextWrapWord}
	d := newConfirmDialog("Resend a one-time password?", "Yes, Confirm", "Cancel", container.NewVBox(to, form),
		func(ok bool) {
			if ok {
				send(pw.Text)
			}
		}, c.win)
	pw.OnSubmitted = func(string) { d.Confirm() }
	d.Resize(fyne.NewSize(min(30*theme.TextSize(), c.win.Canvas().Size().Width-4*theme.Padding()), 0))
	showDialog(d, c.win, c.opts.touch)
	c.win.Canvas().Focus(pw)
}

// kindLabel names a kind of message.
func kindLabel(k app.DeliveryKind) string {
	switch k {
	case app.KindOneTimePassword:
		return "One-time password"
	case app.KindPassword:
		return "New password"
	case app.KindPasswordNotice:
		return "Password reset notice"
	case app.KindUndeliverableNotice:
		return "Contact-the-office notice"
	case app.KindTest:
		return "Test message"
	}
	return string(k)
}

// deliveryState says where a message stands; a pending one is never called
// sent, because its app may have gone away before the server answered.
func deliveryState(d app.Delivery) string {
	switch d.Status {
	case app.DeliverySent:
		return "sent"
	case app.DeliveryFailed:
		if d.LastError != "" {
			return "failed: " + d.LastError
		}
		return "failed"
	case app.DeliveryPending:
		return "not confirmed sent"
	case app.DeliveryQueued:
		return "queued for the office mail relay, not sent yet"
	}
	return "no message"
}

// auditText describes an audit event in a line, in the Audit view's
// words: what, by whom, and how it went.
func auditText(e app.AuditEvent, admins map[string]string) string {
	by := e.Actor
	if name := admins[e.Actor]; name != "" {
		by = name
	}
	if e.Action == "complete_reset" {
		by = "the user" // through the self-service login, not an admin
	}
	what, _ := describeEvent(e.Action, e.Details)
	return eventLabel(e) + " by " + by + ": " + what
}
