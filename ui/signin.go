package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/icons"
)

// newProfileChoice is the profile list's entry for typing a new server.
const newProfileChoice = "New server…"

// signInScreen asks for the server profile, the role's password, and
// whether to keep that password in the keychain. Both shells use it: they
// pass their window and what to do once signed in.
type signInScreen struct {
	fyneApp    fyne.App
	backend    Backend
	win        fyne.Window
	spawn      func(func())
	onSignedIn func(Session, app.Actor, app.Org)
	touch      bool              // a phone's or tablet's screen: finger-sized dialogs and drop-downs
	view       fyne.CanvasObject // centred, for a desktop window
	box        *fyne.Container   // the form alone, for a phone's scrolling page

	profiles  *touchSelect
	name      *widget.Entry
	host      *widget.Entry
	port      *widget.Entry
	database  *widget.Entry
	role      *widget.Entry
	identity  *identityFields // how the server proves who it is
	password  *widget.Entry
	remember  *widget.Check
	signIn    *widget.Button
	status    *widget.Label
	busy      *fyne.Container
	buttonRow *fyne.Container // Sign in; a phone makes it a full-width, finger-tall bar
	once      Profile         // the temporary profile offered, not to be saved
	hint      string          // what the session left said (the demo's password), shown again after a refusal

	// startDemo starts the demo in this window; nil where the window has no
	// demo to offer. The demo button offers it under a server that cannot
	// be reached: a profile an older build saved for a demo long gone.
	startDemo  func()
	demoButton *widget.Button
	demoRow    *fyne.Container // the button at its own width; hidden, it takes no gap

	// The end user's way in: a user with a one-time or temporary password
	// sets their own password (selfservice.go). onEndUser is set by the shell.
	endUserCode      *widget.Button
	endUserTemporary *widget.Button
	onEndUser        func(endUserKind)

	form       *widget.Form
	column     *fyne.Container // the form at a fixed width, for a desktop window
	certDialog *confirmDialog  // a first-met server's fingerprint to confirm
}

// newSignInScreen makes the screen; touch gives its drop-downs
// finger-tall choices, for a phone or tablet: they are overlays, which
// the theme around the screen does not reach.
func newSignInScreen(a fyne.App, b Backend, win fyne.Window, spawn func(func()), touch bool, onSignedIn func(Session, app.Actor, app.Org)) *signInScreen {
	s := &signInScreen{fyneApp: a, backend: b, win: win, spawn: spawn, onSignedIn: onSignedIn, touch: touch}
	s.profiles = newTouchSelect(nil, "", s.onProfile, touch)
	s.name = &widget.Entry{PlaceHolder: "Office"}
	s.host = &widget.Entry{PlaceHolder: "db.office.example"}
	s.port = &widget.Entry{PlaceHolder: "5432"}
	s.database = &widget.Entry{PlaceHolder: "resetdesk"}
	s.role = &widget.Entry{PlaceHolder: "Your PostgreSQL role"}
	s.identity = newIdentityFields(win, touch, func() { s.clearError(); s.relayout() })
	s.password = &widget.Entry{Password: true, OnSubmitted: func(string) { s.onSignIn() }}
	// Offered only where a keychain exists: phones have none that we reach.
	s.remember = &widget.Check{Text: "Remember password in the keychain"}
	if b.Keychain() == nil {
		s.remember.Hide()
	}
	s.signIn = &widget.Button{Text: "Sign in", Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: s.onSignIn}
	s.status = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	s.status.Hide() // no line, and no gap above Sign in, until there is something to say
	s.busy = container.NewHBox(widget.NewProgressBarInfinite(), widget.NewLabel("Signing in…"))
	s.busy.Hide()
	s.demoButton = &widget.Button{Text: "Start the demo instead", Icon: theme.MediaPlayIcon(), OnTapped: s.onStartDemo}
	s.demoRow = container.NewHBox(s.demoButton)
	s.demoRow.Hide()

	for _, e := range []*widget.Entry{s.name, s.host, s.port, s.database, s.role, s.password} {
		e.OnChanged = func(string) { s.clearError() }
	}
	s.host.OnChanged = func(host string) {
		s.clearError()
		host = strings.TrimSpace(host)
		s.identity.setLocal(host != "" && app.IsLoopbackHost(host))
	}
	s.fillProfiles()
	s.form = &widget.Form{Items: []*widget.FormItem{
		{Text: "Profile", Widget: s.profiles},
		{Text: "Name", Widget: s.name},
		{Text: "Host", Widget: s.host},
		{Text: "Port", Widget: s.port},
		{Text: "Database", Widget: s.database},
		{Text: "Role", Widget: s.role},
		s.identity.item(),
		{Text: "Password", Widget: s.password},
	}}
	title := &widget.Label{Text: "Sign in to ResetDesk", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText}
	logo := widget.NewIcon(icons.AppIcon)
	s.buttonRow = container.NewHBox(s.signIn)
	s.endUserCode = &widget.Button{Text: endUserCodeLabel, Icon: theme.MailComposeIcon(), Importance: widget.LowImportance,
		OnTapped: func() { s.showEndUser(endUserCode) }}
	s.endUserTemporary = &widget.Button{Text: endUserTemporaryLabel, Icon: theme.AccountIcon(), Importance: widget.LowImportance,
		OnTapped: func() { s.showEndUser(endUserTemporary) }}
	endUser := container.NewVBox(widget.NewSeparator(),
		&widget.Label{Text: "Not an administrator?", TextStyle: fyne.TextStyle{Bold: true}},
		container.NewHBox(s.endUserCode), container.NewHBox(s.endUserTemporary))
	s.box = container.NewVBox(container.NewHBox(logo, title), s.form, s.remember, s.status, s.demoRow,
		s.busy, s.buttonRow, endUser)
	s.column = container.New(widthColumn{32 * theme.TextSize()}, s.box)
	// The form grew (server identity, hints): on a short window it scrolls,
	// so that the end user's way in below it can always be reached.
	s.view = newPageScroll(container.NewCenter(s.column))
	return s
}

// showEndUser opens the end user's form of kind.
func (s *signInScreen) showEndUser(kind endUserKind) {
	if s.onEndUser != nil {
		s.onEndUser(kind)
	}
}

// offer fills the form with how to sign in to a session just left, unless
// a saved profile already says so, with hint under it.
func (s *signInScreen) offer(p Profile, hint string) {
	if s.hint != "" && s.status.Text == s.hint {
		s.setStatus("") // the last session's hint is not this one's
	}
	s.hint = ""
	if p.Host == "" {
		return
	}
	s.once = Profile{}
	if p.Temporary {
		s.once = p
	}
	for _, saved := range loadProfiles(s.fyneApp.Preferences()) {
		if saved.Host == p.Host && saved.Port == p.Port && saved.Database == p.Database && saved.Role == p.Role {
			s.profiles.SetSelected(saved.Name)
			s.showHint(hint)
			return
		}
	}
	s.profiles.SetSelected(newProfileChoice)
	s.fill(p)
	s.showHint(hint)
}

// showHint puts hint under the form. It may wrap to several lines: the
// column grows with it, so that the end user's buttons below stay within
// the page's scrolling.
func (s *signInScreen) showHint(hint string) {
	s.hint = hint
	s.status.Importance = widget.MediumImportance
	s.setStatus(hint)
}

// fill puts p in the form, with the password field empty.
func (s *signInScreen) fill(p Profile) {
	s.name.SetText(p.Name)
	s.host.SetText(p.Host)
	s.port.SetText(portText(p.Port))
	s.database.SetText(p.Database)
	s.role.SetText(p.Role)
	s.identity.set(p)
	s.password.SetText("")
}

// busyView is shown while a session opens without the form. Its sentence
// wraps: on one line ("Starting the demo: …") it was wider than a phone,
// and the window, kept at least as wide as what it shows, opened wider
// than the phone it previews.
func (s *signInScreen) busyView(text string) fyne.CanvasObject {
	say := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter}
	return container.NewPadded(container.New(middleColumn{width: 32 * theme.TextSize()}, widget.NewProgressBarInfinite(), say))
}

// middleColumn stacks its objects in a column of at most width, centred
// both ways, each as tall as it asks to be at that width: a wrapped
// sentence counts its lines once it has its width.
type middleColumn struct{ width float32 }

func (l middleColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var size fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		size.Width = max(size.Width, m.Width)
		size.Height += m.Height + theme.Padding()
	}
	return size
}

func (l middleColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.width)
	var total float32
	for _, o := range objects {
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
		o.Resize(fyne.NewSize(w, o.MinSize().Height)) // its height at this width
		total += o.Size().Height + theme.Padding()
	}
	y := max(0, (size.Height-total)/2)
	for _, o := range objects {
		o.Move(fyne.NewPos((size.Width-w)/2, y))
		y += o.Size().Height + theme.Padding()
	}
}

// fillProfiles lists the saved profiles and selects the last one used.
func (s *signInScreen) fillProfiles() {
	prefs := s.fyneApp.Preferences()
	opts := []string{}
	for _, p := range loadProfiles(prefs) {
		opts = append(opts, p.Name)
	}
	s.profiles.Options = append(opts, newProfileChoice)
	last := prefs.String(PrefLastProfile)
	for _, o := range opts {
		if o == last {
			s.profiles.SetSelected(o)
			return
		}
	}
	s.profiles.SetSelected(newProfileChoice)
}

// onProfile fills the form from a saved profile, and the password from the
// keychain when it holds one.
func (s *signInScreen) onProfile(name string) {
	for _, p := range loadProfiles(s.fyneApp.Preferences()) {
		if p.Name != name {
			continue
		}
		s.fill(p)
		kc := s.backend.Keychain()
		if kc == nil {
			return
		}
		s.spawn(func() {
			pw, err := kc.Get(KeychainService, p.keychainUser())
			fyne.Do(func() {
				if err == nil && pw != "" && s.name.Text == p.Name {
					s.password.SetText(pw)
					s.remember.SetChecked(true)
				}
			})
		})
		return
	}
	s.name.SetText("")
}

// profile is the profile the form describes.
func (s *signInScreen) profile() (Profile, error) {
	p, err := parseProfile(s.name.Text, s.host.Text, s.port.Text, s.database.Text, s.role.Text)
	s.identity.apply(&p)
	return p, err
}

// parseProfile makes a profile of what was typed, with the defaults: port
// 5432, database resetdesk, and role@host for a name.
func parseProfile(name, host, port, database, role string) (Profile, error) {
	p := Profile{Name: strings.TrimSpace(name), Host: strings.TrimSpace(host),
		Database: strings.TrimSpace(database), Role: strings.TrimSpace(role), Port: 5432}
	if t := strings.TrimSpace(port); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 65535 {
			return p, app.Errorf(app.EINVALID, "The port must be a number between 1 and 65535.")
		}
		p.Port = n
	}
	switch {
	case p.Host == "":
		return p, app.Errorf(app.EINVALID, "Enter the database server's host name.")
	case p.Role == "":
		return p, app.Errorf(app.EINVALID, "Enter your PostgreSQL role.")
	}
	if p.Database == "" {
		p.Database = "resetdesk"
	}
	if p.Name == "" {
		p.Name = p.Role + "@" + p.Host
	}
	return p, nil
}

// onSignIn signs in off the Fyne goroutine, then opens the console.
func (s *signInScreen) onSignIn() {
	if s.signIn.Disabled() {
		return
	}
	p, err := s.profile()
	if err != nil {
		s.showError(err)
		return
	}
	if s.password.Text == "" {
		s.showError(app.Errorf(app.EINVALID, "Enter the password of role %s.", p.Role))
		return
	}
	s.setStatus("")
	s.signIn.Disable()
	s.busy.Show()
	password, remember := s.password.Text, s.remember.Checked
	b := s.backend
	s.spawn(func() {
		r := signInWork(b, p, password, remember)
		fyne.Do(func() { s.apply(p, r) })
	})
}

// signInResult is what signing in found.
type signInResult struct {
	sess     Session
	actor    app.Actor
	org      app.Org
	err      error
	keychain string // a sentence when the password could not be saved
}

// signInWork is the slow part of signing in: connect, read the actor, and
// save or forget the password in the keychain.
func signInWork(b Backend, p Profile, password string, remember bool) signInResult {
	ctx := context.Background()
	var r signInResult
	r.sess, r.err = b.SignIn(ctx, p, password)
	if r.err != nil {
		return r
	}
	r.actor, r.org, r.err = r.sess.Directory.Actor(ctx)
	if r.err != nil {
		if r.sess.Close != nil {
			_ = r.sess.Close()
		}
		return r
	}
	kc := b.Keychain()
	switch {
	case remember:
		r.keychain = keepInKeychain(kc, p.keychainUser(), password)
	case kc != nil:
		_ = kc.Delete(KeychainService, p.keychainUser()) // nothing saved is fine
	}
	return r
}

func (s *signInScreen) apply(p Profile, r signInResult) {
	s.signIn.Enable()
	s.busy.Hide()
	var confirm *app.CertificateToConfirm
	if errors.As(r.err, &confirm) {
		s.confirmCertificate(confirm)
		return
	}
	if r.err != nil {
		s.showSignInError(p, r.err)
		return
	}
	s.password.SetText("")
	switch o := s.once; {
	case o.Temporary && o.Host == p.Host && o.Port == p.Port && o.Database == p.Database:
		// The demo's server, as any of its roles: never saved (its port
		// changes every run), and offered again as the demo after the next
		// sign-out, with its name and hint.
		if !r.sess.Again.Temporary {
			r.sess.Again, r.sess.AgainHint = o, s.hint
			r.sess.Again.Role = p.Role
		}
	case !r.sess.Again.Temporary:
		saveProfile(s.fyneApp.Preferences(), p)
		s.fillProfiles()
		r.sess.Profile = p.Name
	}
	s.onSignedIn(r.sess, r.actor, r.org)
	if r.keychain != "" {
		showInformation("Password", r.keychain, s.win, s.touch)
	}
}

// clearError takes a refusal away once the form changes, and brings back
// the hint it covered: the demo's password is what a mistyped one needs.
func (s *signInScreen) clearError() {
	if s.status.Importance != widget.DangerImportance || s.status.Text == "" {
		return
	}
	if s.hint != "" {
		s.showHint(s.hint)
		return
	}
	s.setStatus("")
}

// showError shows err's sentence under the form; under a server that
// cannot be reached, with the demo to start instead where there is one.
func (s *signInScreen) showError(err error) {
	s.status.Importance = widget.DangerImportance
	s.setStatus(app.ErrorMessage(err))
	if s.startDemo != nil && app.ErrorCode(err) == app.EUNAVAILABLE {
		s.demoRow.Show()
		s.relayout()
	}
}

// showSignInError shows why signing in with p failed. A profile that an
// older build saved for the demo reaches nothing once that run ended: the
// sentence says so, and where to find the demo again.
func (s *signInScreen) showSignInError(p Profile, err error) {
	if app.ErrorCode(err) == app.EUNAVAILABLE && isDemoProfile(p) {
		how := "Run \"resetdesk demo\" to start it again."
		if s.startDemo != nil {
			how = "Choose \"Start the demo instead\" to get it back."
		}
		err = app.Errorf(app.EUNAVAILABLE, "%s This profile was saved by an earlier run of the demo, "+
			"whose server is gone: it listens on a new port each run. %s", app.ErrorMessage(err), how)
	}
	s.showError(err)
}

// StartingDemo is what the window says while the demo starts.
const StartingDemo = "Starting the demo: a private PostgreSQL server, a mail sink and the office mail relay…"

// demoDatabase is the database the demo keeps its directory in
// (data.DemoOptions' default).
const demoDatabase = "resetdesk_demo"

// isDemoProfile reports whether p names the demo's database on this
// machine: older builds saved such profiles, on a port gone the next run.
func isDemoProfile(p Profile) bool {
	return p.Database == demoDatabase && app.IsLoopbackHost(p.Host)
}

// forgetDemoProfiles removes the saved profiles of the demo and returns
// them, for the caller to take their passwords out of the keychain off the
// Fyne goroutine: each names a port the demo listened on in an earlier
// run, and none will reach it again.
func forgetDemoProfiles(prefs fyne.Preferences) []Profile {
	var gone []Profile
	for _, p := range loadProfiles(prefs) {
		if isDemoProfile(p) {
			deleteProfile(prefs, nil, p.Name)
			gone = append(gone, p)
		}
	}
	return gone
}

// onStartDemo starts the demo in place of the server that cannot be
// reached.
func (s *signInScreen) onStartDemo() {
	s.setStatus("")
	if s.startDemo != nil {
		s.startDemo()
	}
}

// setStatus shows text under the form, or no line at all for "": an
// empty label would still take a line's height above Sign in.
func (s *signInScreen) setStatus(text string) {
	s.demoRow.Hide()
	s.status.SetText(text)
	if text == "" {
		s.status.Hide()
	} else {
		s.status.Show()
	}
	s.relayout()
}

// relayout lays the form out again at its new height: the server
// identity's fields and a long sentence change it.
func (s *signInScreen) relayout() {
	if s.column == nil {
		return // still being made
	}
	s.form.Refresh()
	if c := s.win.Content(); c != nil {
		settle(c, s.box) // the desktop's centre, or the phone's scrolling page
	}
}

// confirmCertificate shows the fingerprint of a server met for the first
// time with a pinned profile. Nothing was sent to it: the admin compares the
// fingerprint with the one the DBA reads out, and only then does Trust pin
// it and sign in.
func (s *signInScreen) confirmCertificate(c *app.CertificateToConfirm) {
	s.setStatus("")
	fp := &widget.Label{Text: fingerprintLines(c.Fingerprint), TextStyle: fyne.TextStyle{Monospace: true}}
	body := container.NewVBox(
		&widget.Label{Text: "First connection to " + c.Server + ". The SHA-256 fingerprint of its certificate is:", Wrapping: fyne.TextWrapWord},
		fp,
		&widget.Label{Wrapping: fyne.TextWrapWord, Text: "Compare it with the one your database administrator gives you " +
			"(openssl x509 -noout -fingerprint -sha256 -in server.crt). Trust it only if every pair matches; " +
			"otherwise someone may be posing as the server. Your password has not been sent."},
	)
	s.certDialog = newConfirmDialog("Confirm the server's certificate", "Trust and sign in", "Cancel", body, func(ok bool) {
		if ok {
			s.identity.setPin(c.Fingerprint)
			s.onSignIn()
		}
	}, s.win)
	showDialog(s.certDialog, s.win, s.touch)
	s.certDialog.Resize(fyne.NewSize(30*theme.TextSize(), s.certDialog.MinSize().Height))
}

// Values of Profile.TLS.
const (
	TLSVerify = ""    // a certificate authority vouches for the server: the system's, or the profile's CA file
	TLSPinned = "pin" // the server has the certificate pinned on first use (Profile.Pin)
)

// The choices of identityFields.mode.
const (
	identityVerify = "Verify the server"
	identityPinned = "Pinned certificate"
)

// identityFields are the part of a profile's form that says how a server
// off this machine proves who it is. The sign-in screen and Settings' profile
// editor both use them.
type identityFields struct {
	mode     *touchSelect
	caFile   *widget.Entry
	caHint   *widget.Label // what the CA file is: the field itself has room for two words
	browse   *widget.Button
	pin      string // the confirmed fingerprint, "" before the first sign-in
	pinLabel *widget.Label
	forget   *widget.Button
	verify   *fyne.Container // shown for identityVerify
	pinned   *fyne.Container // shown for identityPinned
	hint     *widget.Label
	local    *fyne.Container // in place of the rest for a server on this computer
	isLocal  bool
	choose   *widget.Button // shows them anyway
	expanded bool           // the admin asked for the fields anyway: a tunnel to another server, say
	box      *fyne.Container

	onChanged func() // after the admin changes anything, or the fields change size
}

// newIdentityFields makes the fields; touch gives the drop-down
// finger-tall choices.
func newIdentityFields(win fyne.Window, touch bool, onChanged func()) *identityFields {
	f := &identityFields{}
	f.caFile = &widget.Entry{PlaceHolder: "CA file (optional)", OnChanged: func(string) { onChanged() }}
	f.caHint = &widget.Label{Text: "Your office's certificate authority, as a PEM file. Left empty, the authorities this computer trusts vouch for the server.",
		Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	f.browse = &widget.Button{Text: "Browse…", OnTapped: func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				f.caFile.SetText(r.URI().Path())
				r.Close()
			}
		}, win)
		showDialog(d, win, touch)
	}}
	if fyne.CurrentDevice().IsMobile() {
		f.browse.Hide() // a phone's picker gives no path to read later: pin instead
	}
	f.pinLabel = &widget.Label{}
	f.forget = &widget.Button{Text: "Forget pin", Importance: widget.LowImportance, OnTapped: func() { f.setPin("") }}
	f.verify = container.NewVBox(container.NewBorder(nil, nil, nil, f.browse, f.caFile), f.caHint)
	f.pinned = container.NewVBox(f.pinLabel, container.NewHBox(f.forget))
	f.mode = newTouchSelect([]string{identityVerify, identityPinned}, "", nil, touch)
	f.hint = &widget.Label{Text: "Off this machine, ResetDesk sends your password only to a server that proves who it is.",
		Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	f.choose = &widget.Button{Text: "Choose…", Importance: widget.LowImportance, OnTapped: func() {
		f.expanded = true
		f.show()
	}}
	f.local = container.NewBorder(nil, nil, nil, f.choose,
		&widget.Label{Text: "None needed on this computer.", Wrapping: fyne.TextWrapWord})
	f.local.Hide()
	f.box = container.NewVBox(f.mode, f.verify, f.pinned, f.hint, f.local)
	f.set(Profile{})
	f.mode.OnChanged = func(string) { f.show() }
	f.onChanged = onChanged
	return f
}

// item is the fields as one row of a form.
func (f *identityFields) item() *widget.FormItem {
	return &widget.FormItem{Text: "Server identity", Widget: f.box}
}

// setLocal shows, for a server on this computer (the demo's), one line
// in place of the fields: nothing needs proving there, and the fields
// took six lines of a short window, pushing the end user's way in below
// it.
func (f *identityFields) setLocal(local bool) {
	if local == f.isLocal {
		return
	}
	f.isLocal = local
	f.show()
}

// show shows the fields of the chosen mode.
func (f *identityFields) show() {
	chosen := f.mode.Selected == identityPinned || strings.TrimSpace(f.caFile.Text) != "" || f.pin != ""
	if f.isLocal && !f.expanded && !chosen {
		for _, o := range []fyne.CanvasObject{f.mode, f.verify, f.pinned, f.hint} {
			o.Hide()
		}
		f.local.Show()
		f.changed()
		return
	}
	f.local.Hide()
	f.mode.Show()
	f.hint.Show()
	if f.mode.Selected == identityPinned {
		f.verify.Hide()
		f.pinned.Show()
	} else {
		f.pinned.Hide()
		f.verify.Show()
	}
	f.changed()
}

func (f *identityFields) changed() {
	f.box.Refresh()
	if f.onChanged != nil {
		f.onChanged()
	}
}

// setPin shows pin, or that the first sign-in will ask for one.
func (f *identityFields) setPin(pin string) {
	f.pin = pin
	if pin == "" {
		f.pinLabel.TextStyle.Monospace = false
		f.pinLabel.Wrapping = fyne.TextWrapWord
		f.pinLabel.SetText("Not pinned yet: the first sign-in shows the server's fingerprint for you to confirm.")
		f.forget.Hide()
		f.changed()
		return
	}
	f.pinLabel.TextStyle.Monospace = true
	f.pinLabel.Wrapping = fyne.TextWrapOff
	f.pinLabel.SetText(fingerprintLines(pin))
	f.forget.Show()
	f.changed()
}

// fingerprintLines sets a fingerprint's 32 pairs out in four lines of
// eight: narrow enough for a phone, and easy to compare line by line.
func fingerprintLines(fp string) string {
	pairs := strings.Split(fp, ":")
	var lines []string
	for len(pairs) > 8 {
		lines = append(lines, strings.Join(pairs[:8], ":"))
		pairs = pairs[8:]
	}
	return strings.Join(append(lines, strings.Join(pairs, ":")), "\n")
}

// set shows p's choice.
func (f *identityFields) set(p Profile) {
	f.caFile.SetText(p.CAFile)
	f.setPin(p.Pin)
	if p.TLS == TLSPinned {
		f.mode.SetSelected(identityPinned)
	} else {
		f.mode.SetSelected(identityVerify)
	}
	f.show()
}

// apply writes the choice into p.
func (f *identityFields) apply(p *Profile) {
	p.TLS, p.CAFile, p.Pin = TLSVerify, strings.TrimSpace(f.caFile.Text), ""
	if f.mode.Selected == identityPinned {
		p.TLS, p.CAFile, p.Pin = TLSPinned, "", f.pin
	}
}
