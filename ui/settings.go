package ui

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// Labels of the layout and theme choices.
var (
	layoutChoices = map[string]string{"Spaces": LayoutSpaces, "Unified": LayoutUnified}
	themeChoices  = map[string]string{"System": ThemeSystem, "Light": ThemeLight, "Dark": ThemeDark}
)

// labelOf returns the label of value in choices.
func labelOf(choices map[string]string, value, fallback string) string {
	for label, v := range choices {
		if v == value {
			return label
		}
	}
	return fallback
}

// settingsScreen holds the layout and theme (instant, remembered), the SMTP
// server (password in the keychain only) with a test message, and the
// org's policies, which only the owner may change.
type settingsScreen struct {
	c      *console
	view   fyne.CanvasObject
	scroll *container.Scroll

	layout    *widget.RadioGroup
	theme     *widget.RadioGroup
	themeNote *widget.Label // says when FYNE_THEME decides System

	// Mail: with the office mail relay on, its health; off, this
	// computer's mail server.
	*mailServerForm
	smtpBox  *fyne.Container
	relay    *relayStatusLine
	relayBox *fyne.Container

	maySet       *widget.Check
	maySetNote   *widget.Label // Zendesk's advice against it
	otpMinutes   *consoleEntry
	tempHours    *consoleEntry
	minLength    *consoleEntry
	sso          *widget.Check
	mailRelay    *widget.Check
	relayNote    *widget.Label // what the relay switch changes
	policiesSave *widget.Button
	policiesNote *widget.Label

	profiles      []Profile
	profileRows   *fyne.Container // a line per profile: a handful, so no virtual list
	profileNote   *widget.Label
	edit          *profileEdit // the profile form open last
	confirmDelete *confirmDialog
	keychainJobs  serialJobs // the profiles' keychain work, in the order asked

	selfService *selfServiceCard
	admins      *adminsCard
}

func newSettingsScreen(c *console) *settingsScreen {
	s := &settingsScreen{c: c}
	s.layout = &widget.RadioGroup{Options: []string{"Spaces", "Unified"}, Horizontal: true, Required: true,
		Selected: labelOf(layoutChoices, c.layout, "Spaces")}
	s.layout.OnChanged = s.onLayout
	s.theme = &widget.RadioGroup{Options: []string{"System", "Light", "Dark"}, Horizontal: true, Required: true,
		Selected: labelOf(themeChoices, c.prefs.StringWithFallback(PrefTheme, ThemeSystem), "System")}
	s.theme.OnChanged = s.onTheme

	s.mailServerForm = newMailServerForm(c.signedIn, c.d.backend, c.prefs, c.d.backend.Keychain() != nil, false)
	s.afterTest = func() {
		if c.mail != nil {
			c.mail.reload()
		}
	}
	s.relay = newRelayStatusLine(c.signedIn, false)

	s.maySet = &widget.Check{Text: "Admins may set passwords"}
	s.maySetNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance,
		Text: "Not recommended, for security reasons: an admin who sets a password knows it. " +
			"A one-time password by email, with which users choose their own, is the safer reset."}
	s.otpMinutes = newConsoleEntry()
	s.tempHours = newConsoleEntry()
	s.minLength = newConsoleEntry()
	s.sso = &widget.Check{Text: "Users sign in through SSO"}
	s.mailRelay = &widget.Check{Text: "Send mail through the office mail relay"}
	s.relayNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance, Text: relaySwitchNote}
	s.policiesSave = &widget.Button{Text: "Save policies", Icon: theme.DocumentSaveIcon(), OnTapped: s.onSavePolicies}
	s.policiesNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.showPolicies(c.org)
	if !c.actor.IsOwner() {
		for _, w := range []fyne.Disableable{s.maySet, s.otpMinutes, s.tempHours, s.minLength, s.sso, s.mailRelay, s.policiesSave} {
			w.Disable()
		}
		s.policiesNote.SetText("Only the owner changes the organization's policies.")
	}

	s.admins = newAdminsCard(c)
	s.selfService = newSelfServiceCard(c)
	s.selfService.card = widget.NewCard("Self-service on this computer", "", s.selfService.view)
	s.profileNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	s.profileRows = container.NewVBox()
	s.showProfiles()

	// Wrapped, in a label of its own: a form's hint is one line that would
	// widen the window.
	s.themeNote = &widget.Label{Text: themeVariableHint(os.Getenv("FYNE_THEME")), Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	themeRow := fyne.CanvasObject(s.theme)
	if s.themeNote.Text != "" {
		themeRow = container.NewVBox(s.theme, s.themeNote)
	}
	appearance := &widget.Form{Items: []*widget.FormItem{
		{Text: "Layout", Widget: s.layout},
		{Text: "Theme", Widget: themeRow},
	}}
	smtp := &widget.Form{Items: s.items(func(o fyne.CanvasObject) fyne.CanvasObject { return o })}
	s.smtpBox = container.NewVBox(s.mailRoute, smtp, container.NewHBox(s.smtpSave), s.smtpNote,
		container.NewBorder(nil, nil, nil, s.testSend, s.testTo), s.testNote)
	s.relayBox = container.NewVBox(&widget.Label{Text: relayIntro, Wrapping: fyne.TextWrapWord}, s.relay.view)
	policies := &widget.Form{Items: []*widget.FormItem{
		{Text: "", Widget: s.maySet},
		{Text: "", Widget: s.maySetNote},
		{Text: "One-time password valid (minutes)", Widget: s.otpMinutes},
		{Text: "Temporary password valid (hours)", Widget: s.tempHours},
		{Text: "Minimum password length", Widget: s.minLength},
		{Text: "", Widget: s.sso, HintText: "No email resets: the identity provider handles passwords"},
		{Text: "", Widget: s.mailRelay},
		{Text: "", Widget: s.relayNote},
	}}
	s.scroll = newPageScroll(container.NewVBox(
		widget.NewCard("Appearance", "", appearance),
		widget.NewCard("Mail", "", container.NewVBox(s.relayBox, s.smtpBox)),
		widget.NewCard("Organization policies", "", container.NewVBox(policies, container.NewHBox(s.policiesSave), s.policiesNote)),
		s.admins.card,
		s.selfService.card,
		widget.NewCard("Connection profiles", "", container.NewBorder(s.profileNote, nil, nil, nil,
			s.profileRows)),
	))
	s.view = s.scroll
	s.showMailMode()
	return s
}

// relaySwitchNote says what the owner's mail_relay switch changes.
const relaySwitchNote = "On: PostgreSQL queues every reset's mail for the office mail relay " +
	"(resetdesk relay add, then resetdesk relay, near the database), which makes each one-time password as it sends it. No admin's computer or phone sees a code " +
	"or needs mail settings, and an admin who may only send one-time passwords cannot take over an account. " +
	"Until a relay runs, mail waits. Off: each admin's computer sends through the mail server in its own settings."

// showMailMode shows the relay's health while the org's mail goes through
// it, and this computer's mail server otherwise.
func (s *settingsScreen) showMailMode() {
	if s.c.org.MailRelay {
		s.smtpBox.Hide()
		s.relayBox.Show()
		s.relay.showLine(true)
	} else {
		s.relayBox.Hide()
		s.relay.showLine(false) // and not reloaded while hidden
		s.smtpBox.Show()
	}
}

// onLayout switches the shell at once; the choice is remembered.
func (s *settingsScreen) onLayout(label string) {
	if v := layoutChoices[label]; v != "" && v != s.c.layout {
		s.c.setLayout(v)
	}
}

// themeVariableHint says, when the environment variable FYNE_THEME (value
// v) is set, that it and not the system decides what System shows: Fyne
// reads it, and Light or Dark still win over it.
func themeVariableHint(v string) string {
	if v = strings.TrimSpace(v); v == "" {
		return ""
	}
	return "FYNE_THEME=" + v + " is set here: it, not the system, decides what System shows. Light or Dark overrule it."
}

// onTheme applies the theme at once; the choice is remembered.
func (s *settingsScreen) onTheme(label string) {
	if v := themeChoices[label]; v != "" {
		applyTheme(s.c.d.app, v)
		s.c.renewScreens()
	}
}

// showPolicies fills the policy form from o.
func (s *settingsScreen) showPolicies(o app.Org) {
	s.maySet.SetChecked(o.AdminsMaySetPasswords)
	s.otpMinutes.SetText(strconv.Itoa(int(o.OTPTTL / time.Minute)))
	s.tempHours.SetText(strconv.Itoa(int(o.TempPasswordTTL / time.Hour)))
	s.minLength.SetText(strconv.Itoa(o.MinPasswordLength))
	s.sso.SetChecked(o.SSOEnabled)
	s.mailRelay.SetChecked(o.MailRelay)
}

// policies reads the policy form into a copy of the org.
func (s *settingsScreen) policies() (app.Org, error) {
	o := s.c.org
	num := func(e *widget.Entry, what string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil || n < 1 {
			return 0, app.Errorf(app.EINVALID, "%s must be a whole number above zero.", what)
		}
		return n, nil
	}
	minutes, err := num(&s.otpMinutes.Entry, "The one-time password's validity")
	if err != nil {
		return o, err
	}
	hours, err := num(&s.tempHours.Entry, "The temporary password's validity")
	if err != nil {
		return o, err
	}
	minLen, err := num(&s.minLength.Entry, "The minimum password length")
	if err != nil {
		return o, err
	}
	if minLen < 8 || minLen > app.MaxPasswordLength {
		return o, app.Errorf(app.EINVALID, "The minimum password length must be between 8 and %d (15 or more is recommended).", app.MaxPasswordLength)
	}
	o.AdminsMaySetPasswords, o.SSOEnabled, o.MailRelay = s.maySet.Checked, s.sso.Checked, s.mailRelay.Checked
	o.OTPTTL, o.TempPasswordTTL, o.MinPasswordLength = time.Duration(minutes)*time.Minute, time.Duration(hours)*time.Hour, minLen
	return o, nil
}

// onSavePolicies stores the policies off the Fyne goroutine.
func (s *settingsScreen) onSavePolicies() {
	o, err := s.policies()
	if err != nil {
		s.policiesNote.SetText(app.ErrorMessage(err))
		return
	}
	s.policiesSave.Disable()
	s.policiesNote.SetText("Saving…")
	s.c.spawn(func() {
		err := s.c.sess.Directory.SetOrgPolicies(s.c.ctx, o)
		fyne.Do(func() {
			s.policiesSave.Enable()
			if err != nil {
				s.policiesNote.SetText(app.ErrorMessage(err))
				return
			}
			relayChanged := s.c.org.MailRelay != o.MailRelay
			s.c.org = o
			s.policiesNote.SetText("Saved.")
			if relayChanged {
				if o.MailRelay {
					s.policiesNote.SetText("Saved. Resets' mail now waits for the office mail relay: Mail, above, says how it is doing.")
				}
				s.showMailMode()
				if s.c.mail != nil {
					s.c.mail.reload()
				}
			}
		})
	})
}

// showProfiles lists the saved connection profiles. Signing in adds them;
// here they can be changed or removed.
func (s *settingsScreen) showProfiles() {
	s.profiles = loadProfiles(s.c.prefs)
	switch {
	case len(s.profiles) == 0 && s.c.sess.Again.Temporary:
		// The demo's sign-in (a new port each run) is never saved.
		s.profileNote.SetText("No saved profiles. The demo saves none; signing in to your office's database saves one, " +
			"its password only when you ask, in the keychain.")
	case len(s.profiles) == 0:
		s.profileNote.SetText("No saved profiles. Signing in saves one; its password only when you ask, in the keychain.")
	default:
		s.profileNote.SetText("Saved on this computer; passwords, if any, are in the keychain. Edit changes a profile; Delete forgets it and its password.")
	}
	rows := make([]fyne.CanvasObject, len(s.profiles))
	for i, p := range s.profiles {
		rows[i] = container.NewBorder(nil, nil, nil,
			container.NewHBox(
				&widget.Button{Icon: theme.DocumentCreateIcon(), Importance: widget.LowImportance, OnTapped: func() { s.onEditProfile(p) }},
				&widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance, OnTapped: func() { s.onDeleteProfile(p.Name) }}),
			&widget.Label{Text: fmt.Sprintf("%s: %s on %s:%d/%s", p.Name, p.Role, p.Host, p.Port, p.Database), Truncation: fyne.TextTruncateEllipsis})
	}
	s.profileRows.Objects = rows
	s.profileRows.Refresh()
}

// onDeleteProfile asks, then forgets a profile, and its saved password off
// the Fyne goroutine.
func (s *settingsScreen) onDeleteProfile(name string) {
	question := &widget.Label{Text: fmt.Sprintf("Delete the profile %q and any password saved for it?", name), Wrapping: fyne.TextWrapWord}
	s.confirmDelete = newConfirmDialog("Delete profile", "Delete", "Cancel", question, func(ok bool) {
		if !ok {
			return
		}
		deleteProfile(s.c.prefs, nil, name)
		s.showProfiles()
		if kc := s.c.d.backend.Keychain(); kc != nil {
			user := Profile{Name: name}.keychainUser()
			s.keychainJobs.run(s.c.spawn, func() { _ = kc.Delete(KeychainService, user) }) // nothing saved is fine
		}
	}, s.c.win)
	s.confirmDelete.confirm.Importance = widget.DangerImportance
	s.confirmDelete.Resize(fyne.NewSize(min(30*theme.TextSize(), s.c.win.Canvas().Size().Width-4*theme.Padding()), 0))
	showDialog(s.confirmDelete, s.c.win, s.c.opts.touch)
}

// profileEdit is the form that changes a saved profile.
type profileEdit struct {
	old                              Profile
	name, host, port, database, role *widget.Entry
	identity                         *identityFields
	forget                           *widget.Check
	items                            []*widget.FormItem
	dialog                           *dialog.FormDialog
}

// newProfileEdit makes the form for p; others are the other profiles, whose
// names p may not take. touch gives its drop-down finger-tall choices: the
// form is a dialog, outside the shell's touch-sized theme.
func newProfileEdit(p Profile, others []Profile, hasKeychain, touch bool, win fyne.Window) *profileEdit {
	e := &profileEdit{old: p,
		name: &widget.Entry{Text: p.Name, Validator: func(v string) error {
			if n := strings.TrimSpace(v); n != p.Name && slices.ContainsFunc(others, func(o Profile) bool { return o.Name == n }) {
				return sentenceError(fmt.Sprintf("A profile named %q is saved already.", n))
			}
			return nil
		}},
		host:     &widget.Entry{Text: p.Host, Validator: required("Enter the database server's host name.")},
		port:     &widget.Entry{Text: portText(p.Port), PlaceHolder: "5432", Validator: portValidator},
		database: &widget.Entry{Text: p.Database, PlaceHolder: "resetdesk"},
		role:     &widget.Entry{Text: p.Role, Validator: required("Enter your PostgreSQL role.")},
		forget:   &widget.Check{Text: "Forget its saved password"},
		identity: newIdentityFields(win, touch, func() {}),
	}
	e.identity.set(p)
	e.items = []*widget.FormItem{
		{Text: "Name", Widget: e.name},
		{Text: "Host", Widget: e.host},
		{Text: "Port", Widget: e.port},
		{Text: "Database", Widget: e.database},
		{Text: "Role", Widget: e.role},
		e.identity.item(),
	}
	if hasKeychain {
		e.items = append(e.items, &widget.FormItem{Widget: e.forget})
	}
	return e
}

// profile is what the form says now.
func (e *profileEdit) profile() (Profile, error) {
	p, err := parseProfile(e.name.Text, e.host.Text, e.port.Text, e.database.Text, e.role.Text)
	e.identity.apply(&p)
	return p, err
}

// sentenceError is a validator's message, shown under its field as it is.
type sentenceError string

func (e sentenceError) Error() string { return string(e) }

func required(sentence string) fyne.StringValidator {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return sentenceError(sentence)
		}
		return nil
	}
}

func portValidator(s string) error {
	if _, err := parseProfile("", "h", s, "", "r"); err != nil {
		return sentenceError(app.ErrorMessage(err))
	}
	return nil
}

// onEditProfile opens a form to change a saved profile: its name, server
// or role. A renamed profile keeps its saved password; a changed role or
// server usually wants it forgotten, which the form offers.
func (s *settingsScreen) onEditProfile(p Profile) {
	kc := s.c.d.backend.Keychain()
	e := newProfileEdit(p, s.profiles, kc != nil, s.c.opts.touch, s.c.win)
	e.dialog = dialog.NewForm("Edit profile", "Save", "Cancel", e.items, func(ok bool) {
		if ok {
			s.saveProfileEdit(e, kc)
		}
	}, s.c.win)
	s.edit = e
	showDialog(e.dialog, s.c.win, s.c.opts.touch)
	e.dialog.Resize(fyne.NewSize(30*theme.TextSize(), e.dialog.MinSize().Height))
}

// saveProfileEdit stores the edited profile, then moves or forgets its
// password in the keychain off the Fyne goroutine.
func (s *settingsScreen) saveProfileEdit(e *profileEdit, kc Keychain) {
	p, err := e.profile()
	if err == nil {
		err = replaceProfile(s.c.prefs, e.old.Name, p)
	}
	if err != nil {
		s.profileNote.SetText(app.ErrorMessage(err))
		return
	}
	s.showProfiles()
	forget, renamed := e.forget.Checked, p.Name != e.old.Name
	if kc == nil || !forget && !renamed {
		s.profileNote.SetText(fmt.Sprintf("Saved %q.", p.Name))
		return
	}
	s.keychainJobs.run(s.c.spawn, func() {
		note := fmt.Sprintf("Saved %q.", p.Name)
		from, to := e.old.keychainUser(), p.keychainUser()
		if forget {
			_ = kc.Delete(KeychainService, from) // nothing saved is fine
		} else if pw, err := kc.Get(KeychainService, from); err == nil {
			// Delete before Set: where the keychain ignores case in names
			// (Windows), a rename by case alone is one and the same entry.
			_ = kc.Delete(KeychainService, from)
			if kc.Set(KeychainService, to, pw) != nil {
				note = fmt.Sprintf("Saved %q, but the keychain would not take its password under the new name: enter it at the next sign-in.", p.Name)
			}
		} // else nothing was saved, or the keychain cannot be read now: leave it be
		fyne.Do(func() { s.profileNote.SetText(note) })
	})
}

// serialJobs runs jobs one after another, in the order given, off the Fyne
// goroutine: a rename and a delete of profiles must reach the keychain in
// the order the admin made them.
type serialJobs struct {
	mu      sync.Mutex
	jobs    []func()
	running bool
}

func (q *serialJobs) run(spawn func(func()), job func()) {
	q.mu.Lock()
	q.jobs = append(q.jobs, job)
	if q.running {
		q.mu.Unlock()
		return
	}
	q.running = true
	q.mu.Unlock()
	spawn(func() {
		for {
			q.mu.Lock()
			if len(q.jobs) == 0 {
				q.running = false
				q.mu.Unlock()
				return
			}
			job := q.jobs[0]
			q.jobs = q.jobs[1:]
			q.mu.Unlock()
			job()
		}
	})
}
