package ui

import (
	"fmt"
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

	layout *widget.RadioGroup
	theme  *widget.RadioGroup

	smtpHost     *widget.Entry
	smtpPort     *widget.Entry
	smtpTLS      *widget.Select
	smtpUser     *widget.Entry
	smtpPassword *widget.Entry
	smtpFrom     *widget.Entry
	smtpCAFile   *widget.Entry
	smtpSave     *widget.Button
	smtpNote     *widget.Label
	mailRoute    *widget.Label // where mail goes now, whatever the form says
	testTo       *widget.Entry
	testSend     *widget.Button
	testNote     *widget.Label

	maySet       *widget.Check
	maySetNote   *widget.Label // Zendesk's advice against it
	otpMinutes   *widget.Entry
	tempHours    *widget.Entry
	minLength    *widget.Entry
	sso          *widget.Check
	policiesSave *widget.Button
	policiesNote *widget.Label

	profiles      []Profile
	profileRows   *fyne.Container // a line per profile: a handful, so no virtual list
	profileNote   *widget.Label
	edit          *profileEdit // the profile form open last
	confirmDelete *dialog.ConfirmDialog
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

	saved := LoadSMTPSettings(c.prefs, nil)
	s.smtpHost = &widget.Entry{Text: saved.Host, PlaceHolder: "mail.office.example"}
	s.smtpPort = &widget.Entry{Text: portText(saved.Port), PlaceHolder: "587"}
	s.smtpTLS = &widget.Select{Options: []string{"starttls", "tls", "none"}, Selected: saved.TLS}
	s.smtpUser = &widget.Entry{Text: saved.Username}
	s.smtpPassword = &widget.Entry{Password: true, PlaceHolder: "Kept in the keychain"}
	s.smtpFrom = &widget.Entry{Text: saved.From, PlaceHolder: "ResetDesk <noreply@office.example>"}
	s.smtpCAFile = &widget.Entry{Text: saved.CAFile, PlaceHolder: "Optional: a PEM file of certificate authorities"}
	s.smtpSave = &widget.Button{Text: "Save mail settings", Icon: theme.DocumentSaveIcon(), OnTapped: s.onSaveSMTP}
	s.smtpNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.mailRoute = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.showMailRoute()
	s.testTo = &widget.Entry{Text: c.actor.User.PrimaryEmail, PlaceHolder: "Send a test message to"}
	s.testSend = &widget.Button{Text: "Send test message", Icon: theme.MailSendIcon(), OnTapped: s.onSendTest}
	s.testNote = &widget.Label{Wrapping: fyne.TextWrapWord}

	s.maySet = &widget.Check{Text: "Admins may set passwords"}
	s.maySetNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance,
		Text: "Not recommended, for security reasons: an admin who sets a password knows it. " +
			"A one-time password by email, with which users choose their own, is the safer reset."}
	s.otpMinutes = &widget.Entry{}
	s.tempHours = &widget.Entry{}
	s.minLength = &widget.Entry{}
	s.sso = &widget.Check{Text: "The organization signs in through SSO (no email resets)"}
	s.policiesSave = &widget.Button{Text: "Save policies", Icon: theme.DocumentSaveIcon(), OnTapped: s.onSavePolicies}
	s.policiesNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.showPolicies(c.org)
	if !c.actor.IsOwner() {
		for _, w := range []fyne.Disableable{s.maySet, s.otpMinutes, s.tempHours, s.minLength, s.sso, s.policiesSave} {
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

	appearance := &widget.Form{Items: []*widget.FormItem{
		{Text: "Layout", Widget: s.layout},
		{Text: "Theme", Widget: s.theme},
	}}
	// Single-line entries without their own scrolling: an entry under the
	// pointer would otherwise take the mouse wheel, and the page, mostly
	// entries, would hardly move.
	for _, e := range []*widget.Entry{s.smtpHost, s.smtpPort, s.smtpUser, s.smtpPassword, s.smtpFrom, s.smtpCAFile, s.testTo,
		s.otpMinutes, s.tempHours, s.minLength} {
		e.Scroll = container.ScrollNone
	}
	smtp := &widget.Form{Items: []*widget.FormItem{
		{Text: "Host", Widget: s.smtpHost},
		{Text: "Port", Widget: s.smtpPort},
		{Text: "TLS", Widget: s.smtpTLS},
		{Text: "User", Widget: s.smtpUser},
		{Text: "Password", Widget: s.smtpPassword},
		{Text: "From", Widget: s.smtpFrom},
		{Text: "CA file", Widget: s.smtpCAFile},
	}}
	policies := &widget.Form{Items: []*widget.FormItem{
		{Text: "", Widget: s.maySet},
		{Text: "", Widget: s.maySetNote},
		{Text: "One-time password valid (minutes)", Widget: s.otpMinutes},
		{Text: "Temporary password valid (hours)", Widget: s.tempHours},
		{Text: "Minimum password length", Widget: s.minLength},
		{Text: "", Widget: s.sso},
	}}
	s.scroll = container.NewVScroll(container.NewVBox(
		widget.NewCard("Appearance", "", appearance),
		widget.NewCard("Mail server", "", container.NewVBox(s.mailRoute, smtp, container.NewHBox(s.smtpSave), s.smtpNote,
			container.NewBorder(nil, nil, nil, s.testSend, s.testTo), s.testNote)),
		widget.NewCard("Organization policies", "", container.NewVBox(policies, container.NewHBox(s.policiesSave), s.policiesNote)),
		s.admins.card,
		s.selfService.card,
		widget.NewCard("Connection profiles", "", container.NewBorder(s.profileNote, nil, nil, nil,
			s.profileRows)),
	))
	s.view = s.scroll
	return s
}

// onLayout switches the shell at once; the choice is remembered.
func (s *settingsScreen) onLayout(label string) {
	if v := layoutChoices[label]; v != "" && v != s.c.layout {
		s.c.setLayout(v)
	}
}

// onTheme applies the theme at once; the choice is remembered.
func (s *settingsScreen) onTheme(label string) {
	if v := themeChoices[label]; v != "" {
		applyTheme(s.c.d.app, v)
		s.c.renewScreens()
	}
}

// smtpSettings reads the form. The password is the one typed; without one,
// withSavedPassword adds the keychain's off the Fyne goroutine.
func (s *settingsScreen) smtpSettings() (SMTPSettings, error) {
	st := SMTPSettings{Host: strings.TrimSpace(s.smtpHost.Text), TLS: s.smtpTLS.Selected,
		Username: strings.TrimSpace(s.smtpUser.Text), Password: s.smtpPassword.Text,
		From: strings.TrimSpace(s.smtpFrom.Text), CAFile: strings.TrimSpace(s.smtpCAFile.Text)}
	if t := strings.TrimSpace(s.smtpPort.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 65535 {
			return st, app.Errorf(app.EINVALID, "The mail server's port must be a number between 1 and 65535.")
		}
		st.Port = n
	}
	return st, nil
}

// withSavedPassword gives st the keychain's password when none was typed.
// A keychain may take its time (a locked one asks the user), so this runs
// off the Fyne goroutine.
func withSavedPassword(b Backend, st SMTPSettings) SMTPSettings {
	if st.Password == "" && st.Username != "" {
		if kc := b.Keychain(); kc != nil {
			st.Password, _ = kc.Get(KeychainService, st.keychainUser())
		}
	}
	return st
}

// showMailRoute says where resets' mail goes now: the demo's sink or a
// server from the environment leave the form empty, and mail still goes.
func (s *settingsScreen) showMailRoute() {
	if route := s.c.d.backend.MailRoute(); route != "" {
		s.mailRoute.Importance = widget.MediumImportance
		s.mailRoute.SetText("Mail now goes to " + route + ". Saving a server below replaces it; Send test message with the host empty tries the one in use.")
		return
	}
	s.mailRoute.Importance = widget.WarningImportance
	s.mailRoute.SetText("No mail server yet: one-time passwords cannot be sent until one is saved here.")
}

// onSaveSMTP stores the settings (the password in the keychain only) and
// has main use them for the next resets.
func (s *settingsScreen) onSaveSMTP() {
	st, err := s.smtpSettings()
	if err != nil {
		s.smtpNote.SetText(app.ErrorMessage(err))
		return
	}
	typed := s.smtpPassword.Text != ""
	s.smtpSave.Disable()
	s.smtpNote.SetText("Saving…")
	b := s.c.d.backend
	s.c.spawn(func() {
		st := withSavedPassword(b, st)
		err := b.ConfigureMail(st)
		note := ""
		if err == nil && typed {
			if kc := b.Keychain(); kc == nil || kc.Set(KeychainService, st.keychainUser(), st.Password) != nil {
				note = " The password is used until ResetDesk closes. " + noKeychainSentence
			}
		}
		fyne.Do(func() {
			s.smtpSave.Enable()
			if err != nil {
				s.smtpNote.SetText(app.ErrorMessage(err))
				return
			}
			saveSMTPSettings(s.c.prefs, st)
			s.smtpPassword.SetText("")
			s.smtpNote.SetText("Saved." + note)
			s.showMailRoute()
		})
	})
}

// onSendTest sends a test message through the settings in the form.
func (s *settingsScreen) onSendTest() {
	st, err := s.smtpSettings()
	if err != nil {
		s.testNote.SetText(app.ErrorMessage(err))
		return
	}
	to := strings.TrimSpace(s.testTo.Text)
	if to == "" {
		s.testNote.SetText("Enter an address to send the test message to.")
		return
	}
	s.testSend.Disable()
	s.testNote.SetText("Sending…")
	b := s.c.d.backend
	s.c.spawn(func() {
		err := b.SendTestMessage(s.c.ctx, s.c.sess, withSavedPassword(b, st), to)
		fyne.Do(func() {
			s.testSend.Enable()
			if err != nil {
				s.testNote.SetText(app.ErrorMessage(err))
				return
			}
			s.testNote.SetText("The mail server accepted the test message to " + to + ".")
			if s.c.mail != nil {
				s.c.mail.reload()
			}
		})
	})
}

// showPolicies fills the policy form from o.
func (s *settingsScreen) showPolicies(o app.Org) {
	s.maySet.SetChecked(o.AdminsMaySetPasswords)
	s.otpMinutes.SetText(strconv.Itoa(int(o.OTPTTL / time.Minute)))
	s.tempHours.SetText(strconv.Itoa(int(o.TempPasswordTTL / time.Hour)))
	s.minLength.SetText(strconv.Itoa(o.MinPasswordLength))
	s.sso.SetChecked(o.SSOEnabled)
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
	minutes, err := num(s.otpMinutes, "The one-time password's validity")
	if err != nil {
		return o, err
	}
	hours, err := num(s.tempHours, "The temporary password's validity")
	if err != nil {
		return o, err
	}
	minLen, err := num(s.minLength, "The minimum password length")
	if err != nil {
		return o, err
	}
	if minLen < 8 || minLen > app.MaxPasswordLength {
		return o, app.Errorf(app.EINVALID, "The minimum password length must be between 8 and %d (15 or more is recommended).", app.MaxPasswordLength)
	}
	o.AdminsMaySetPasswords, o.SSOEnabled = s.maySet.Checked, s.sso.Checked
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
			s.c.org = o
			s.policiesNote.SetText("Saved.")
		})
	})
}

// showProfiles lists the saved connection profiles. Signing in adds them;
// here they can be changed or removed.
func (s *settingsScreen) showProfiles() {
	s.profiles = loadProfiles(s.c.prefs)
	if len(s.profiles) == 0 {
		s.profileNote.SetText("No saved profiles. Signing in saves one; its password only when you ask, in the keychain.")
	} else {
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
	s.confirmDelete = dialog.NewConfirm("Delete profile",
		fmt.Sprintf("Delete the profile %q and any password saved for it?", name), func(ok bool) {
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
	s.confirmDelete.SetConfirmText("Delete")
	s.confirmDelete.SetConfirmImportance(widget.DangerImportance)
	s.confirmDelete.Show()
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
// names p may not take.
func newProfileEdit(p Profile, others []Profile, hasKeychain bool, win fyne.Window) *profileEdit {
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
		identity: newIdentityFields(win, func() {}),
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
	e := newProfileEdit(p, s.profiles, kc != nil, s.c.win)
	e.dialog = dialog.NewForm("Edit profile", "Save", "Cancel", e.items, func(ok bool) {
		if ok {
			s.saveProfileEdit(e, kc)
		}
	}, s.c.win)
	s.edit = e
	e.dialog.Show()
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
