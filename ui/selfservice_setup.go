package ui

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg" // a photo of a QR code
	_ "image/png"  // a screenshot of a QR code
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"resetdesk/app"
)

// Preference keys of this computer's self-service set-up. Its password is
// in the keychain only, under selfServiceKeychainUser; the server's
// identity (a pin or a CA's PEM) is no secret.
const (
	PrefSelfServiceHost     = "selfservice.host"
	PrefSelfServicePort     = "selfservice.port"
	PrefSelfServiceDatabase = "selfservice.database"
	PrefSelfServiceLogin    = "selfservice.login"
	PrefSelfServicePin      = "selfservice.pin"
	PrefSelfServiceCA       = "selfservice.ca"
)

// loadSelfServiceSetup returns the set-up saved on this computer, without
// its password; Host is "" when there is none.
func loadSelfServiceSetup(prefs fyne.Preferences) app.SelfServiceSetup {
	return app.SelfServiceSetup{Host: prefs.String(PrefSelfServiceHost), Port: prefs.Int(PrefSelfServicePort),
		Database: prefs.String(PrefSelfServiceDatabase), Login: prefs.String(PrefSelfServiceLogin),
		Pin: prefs.String(PrefSelfServicePin), CA: prefs.String(PrefSelfServiceCA)}
}

// saveSelfServiceSetup stores s without its password.
func saveSelfServiceSetup(prefs fyne.Preferences, s app.SelfServiceSetup) {
	prefs.SetString(PrefSelfServiceHost, s.Host)
	prefs.SetInt(PrefSelfServicePort, s.Port)
	prefs.SetString(PrefSelfServiceDatabase, s.Database)
	prefs.SetString(PrefSelfServiceLogin, s.Login)
	prefs.SetString(PrefSelfServicePin, s.Pin)
	prefs.SetString(PrefSelfServiceCA, s.CA)
}

// selfServiceKeychainUser names the self-service login's password in the
// keychain.
func selfServiceKeychainUser(s app.SelfServiceSetup) string {
	return "selfservice:" + s.Login + "@" + s.Host
}

// storeSelfServiceSetup saves s on this computer, its password in kc, and
// checks that it works: it connects and reads the password rules. Slow:
// off the Fyne goroutine. The sentence says what works or what does not.
func storeSelfServiceSetup(b Backend, prefs fyne.Preferences, s app.SelfServiceSetup) (string, error) {
	// Tested before it is saved: a login or password the database refuses
	// never works, and saved it would leave the computer set up for
	// nothing. A server that cannot be reached now may be back later, and
	// a certificate to confirm is the owner's next step: those are saved.
	c, err := b.OpenSelfService(context.Background(), s)
	if err == nil {
		defer c.Close()
		_, err = c.PasswordRules(context.Background(), s.Login)
	}
	if app.ErrorCode(err) == app.EUNAUTHORIZED {
		return "", &app.Error{Code: app.EUNAUTHORIZED, Message: "Not saved: " + app.AfterColon(app.ErrorMessage(err)), Err: err}
	}
	notKept := keepInKeychain(b.Keychain(), selfServiceKeychainUser(s), s.Password)
	if notKept != "" {
		// A phone, a desktop without a Secret Service, or a keychain that
		// refused it: the password is kept for this run only, never
		// written anywhere.
		selfServiceSecrets.Store(selfServiceKeychainUser(s), s.Password)
	}
	saveSelfServiceSetup(prefs, s) // Fyne's preferences take their own lock
	// The cause stays in the error: Settings may offer a certificate to
	// confirm.
	if err != nil {
		return "", &app.Error{Code: app.ErrorCode(err), Message: "Saved, but it does not work yet: " + app.AfterColon(app.ErrorMessage(err)), Err: err}
	}
	switch notKept {
	case "":
	case noKeychainSentence:
		return "Self-service works on this device until ResetDesk closes: this system has no keychain, so the self-service login's password is not kept after that. Import the set-up again next time.", nil
	default:
		return "Self-service works on this device until ResetDesk closes: the self-service login's password is not kept after that. " +
			notKept + " Import the set-up again next time.", nil
	}
	return "Saved. Self-service works on this computer: the sign-in screen offers it.", nil
}

// selfServiceSecrets holds self-service passwords for this run where the
// system has no keychain, by selfServiceKeychainUser.
var selfServiceSecrets sync.Map

// selfServicePassword is the saved password of s: the keychain's, else
// the one kept for this run.
func selfServicePassword(kc Keychain, s app.SelfServiceSetup) string {
	if kc != nil {
		if pw, err := kc.Get(KeychainService, selfServiceKeychainUser(s)); err == nil && pw != "" {
			return pw
		}
	}
	if pw, ok := selfServiceSecrets.Load(selfServiceKeychainUser(s)); ok {
		return pw.(string)
	}
	return ""
}

// selfServiceCard is Settings' "Self-service on this computer": where the
// end user's screens connect, and, for the owner, the set-up of other PCs
// and phones, each with a self-service login of its own, exported as a
// file or a QR code.
type selfServiceCard struct {
	c    *console
	view fyne.CanvasObject
	card *widget.Card // in Settings, which scrolls to it

	host        *widget.Entry
	port        *widget.Entry
	database    *widget.Entry
	login       *widget.Entry
	password    *widget.Entry
	identity    *widget.Label  // how exports prove the server
	forget      *widget.Button // drops an identity confirmed or saved here
	save        *widget.Button
	importSetup *widget.Button
	imported    *importSetup // the import dialog opened last, for tests
	note        *widget.Label

	devices // other computers and phones: a self-service login each

	// confirmed is the identity (Pin or CA) saved or confirmed here for
	// the server at its Host and Port.
	confirmed  app.SelfServiceSetup
	confirmDlg *dialog.ConfirmDialog // a server's certificate to confirm, for tests
}

func newSelfServiceCard(c *console) *selfServiceCard {
	s := &selfServiceCard{c: c}
	saved := loadSelfServiceSetup(c.prefs)
	if saved.HasIdentity() {
		s.confirmed = saved
	}
	demo := c.sess.SelfService
	switch {
	case saved.Host == "" && demo.Host != "" && demo.Login != "":
		// The demo's own self-service login, its password in memory only,
		// so that a new admin can try the export without the command line.
		saved = demo
		saved.Password = ""
	case saved.Host == "": // the server signed in to is the likely one
		p := s.ownerProfile()
		saved.Host, saved.Port, saved.Database = p.Host, p.Port, p.Database
	}
	s.host = &widget.Entry{Text: saved.Host, PlaceHolder: "db.office.example"}
	s.port = &widget.Entry{Text: portText(saved.Port), PlaceHolder: "5432"}
	s.database = &widget.Entry{Text: saved.Database, PlaceHolder: "resetdesk"}
	s.login = &widget.Entry{Text: saved.Login, PlaceHolder: "The login `resetdesk self-service add` made"}
	if c.actor.IsOwner() {
		s.login.PlaceHolder = "Made for this computer below, or by `resetdesk self-service add`"
	}
	s.password = &widget.Entry{Password: true, PlaceHolder: passwordKeptWhere(c.d.backend.Keychain(), false)}
	if s.sessionsLogin(saved) {
		s.password.PlaceHolder = "The demo's, kept in memory until it ends"
	}
	s.identity = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.forget = &widget.Button{Text: "Forget this identity", Importance: widget.LowImportance, OnTapped: s.onForget}
	s.host.OnChanged = func(string) { s.showIdentity() }
	s.port.OnChanged = func(string) { s.showIdentity() }
	s.save = &widget.Button{Text: "Save and test", Icon: theme.DocumentSaveIcon(), OnTapped: s.onSave}
	s.importSetup = &widget.Button{Text: "Import set-up…", Icon: theme.UploadIcon(), OnTapped: s.onImport}
	s.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	form := &widget.Form{Items: []*widget.FormItem{
		{Text: "Host", Widget: s.host},
		{Text: "Port", Widget: s.port},
		{Text: "Database", Widget: s.database},
		{Text: "Self-service login", Widget: s.login},
		{Text: "Its password", Widget: s.password},
		{Text: "Server identity", Widget: container.NewVBox(s.identity, container.NewHBox(s.forget))},
	}}
	s.showIdentity()
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Users finish a reset on this computer's sign-in screen " +
		"(\"" + endUserCodeLabel + "\"), or with `resetdesk self-service`. Set it up once here; the other PCs and phones import a set-up " +
		"made for each of them, so that nobody types database details."}
	s.view = container.NewVBox(intro, form, container.NewHBox(s.save, s.importSetup), s.note, s.newDevices())
	return s
}

// setup reads the form; the password is the one typed, else the saved one
// (which the caller reads from the keychain off the Fyne goroutine).
func (s *selfServiceCard) setup() (app.SelfServiceSetup, error) {
	st, err := s.server()
	if err != nil {
		return st, err
	}
	st.Login, st.Password = strings.TrimSpace(s.login.Text), s.password.Text
	if st.Login == "" && s.c.actor.IsOwner() {
		return st, app.Errorf(app.EINVALID, "Enter the self-service login, or make one for this computer: name it under \"Other computers and phones\", "+
			"save its set-up file, then Import set-up… here.")
	}
	if st.Login == "" {
		return st, app.Errorf(app.EINVALID, "Enter the self-service login (`resetdesk self-service add LOGIN` makes one).")
	}
	return st, nil
}

// server reads where the form says the database is: host, port and
// database, without a login.
func (s *selfServiceCard) server() (app.SelfServiceSetup, error) {
	st := app.SelfServiceSetup{Host: strings.TrimSpace(s.host.Text), Database: strings.TrimSpace(s.database.Text)}
	if t := strings.TrimSpace(s.port.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 65535 {
			return st, app.Errorf(app.EINVALID, "The port must be a number between 1 and 65535.")
		}
		st.Port = n
	}
	if st.Host == "" {
		return st, app.Errorf(app.EINVALID, "Enter the database server's host name.")
	}
	if st.Database == "" {
		st.Database = "resetdesk"
	}
	return st, nil
}

// ownerProfile is how the owner's session reached its server: the saved
// profile it signed in with, else its way back in (the demo, DATABASE_URL).
func (s *selfServiceCard) ownerProfile() Profile {
	if name := s.c.sess.Profile; name != "" {
		for _, p := range loadProfiles(s.c.prefs) {
			if p.Name == name {
				return p
			}
		}
	}
	return s.c.sess.Again
}

// ownerProven is the fingerprint of the certificate that proved the
// owner's server, "" when nothing did (loopback) or the directory cannot
// say.
func (s *selfServiceCard) ownerProven() string {
	if d, ok := s.c.sess.Directory.(interface{ ServerFingerprint() string }); ok {
		return d.ServerFingerprint()
	}
	return ""
}

// sameServer reports whether two host and port pairs name one server.
func sameServer(host string, port int, host2 string, port2 int) bool {
	if port == 0 {
		port = 5432
	}
	if port2 == 0 {
		port2 = 5432
	}
	return host != "" && strings.EqualFold(host, host2) && port == port2
}

// identitySource says where the identity for st's server comes from: the
// owner's own profile, which proved the server at this sign-in (so a
// certificate the owner pinned again after a renewal wins over an older
// saved one); else here, the one confirmed (or saved) on this computer
// (s.confirmed, which the Fyne goroutine reads for the work it starts:
// Forget may change it meanwhile); else nowhere.
func (s *selfServiceCard) identitySource(st, here app.SelfServiceSetup) (confirmed bool, owner Profile, ok bool) {
	p := s.ownerProfile()
	if sameServer(st.Host, st.Port, p.Host, p.Port) && ((p.TLS == TLSPinned && p.Pin != "") || (p.TLS != TLSPinned && p.CAFile != "")) {
		return false, p, true
	}
	if here.HasIdentity() && sameServer(st.Host, st.Port, here.Host, here.Port) {
		return true, Profile{}, true
	}
	return false, Profile{}, false
}

// onForget drops the identity confirmed or saved here, for a server whose
// certificate was replaced: Save and test then shows the new one to confirm.
func (s *selfServiceCard) onForget() {
	s.confirmed = app.SelfServiceSetup{}
	s.c.prefs.SetString(PrefSelfServicePin, "")
	s.c.prefs.SetString(PrefSelfServiceCA, "")
	s.showIdentity()
	s.say(widget.MediumImportance, "Forgotten. Save and test shows the server's certificate for you to confirm.")
}

// showIdentity says how exports of the set-up in the form will prove its
// server. Cheap: a CA file is named, not read.
func (s *selfServiceCard) showIdentity() {
	st := app.SelfServiceSetup{Host: strings.TrimSpace(s.host.Text)}
	st.Port, _ = strconv.Atoi(strings.TrimSpace(s.port.Text))
	confirmed, p, ok := s.identitySource(st, s.confirmed)
	s.forget.Hide()
	switch {
	case confirmed:
		s.identity.SetText(s.confirmed.TrustSentence() + " Exports carry it.")
		s.forget.Show()
	case ok && p.TLS == TLSPinned:
		s.identity.SetText("The certificate pinned at your own sign-in (SHA-256 " + p.Pin + "). Exports carry its fingerprint.")
	case ok:
		s.identity.SetText("The authority in your profile's CA file (" + p.CAFile + "). A file carries it; a QR code carries the fingerprint of the certificate that proved your own connection.")
	case app.IsLoopbackHost(st.Host):
		s.identity.SetText("None needed for a server on this computer. For other devices, give the server's name on the office network.")
	default:
		s.identity.SetText("None yet. Devices then send nothing to a server whose certificate no authority they trust has signed; " +
			"Save and test shows you such a server's fingerprint to confirm.")
	}
}

// withIdentity fills in the identity of st's server (slow: it may read a
// CA file), and the pin for a QR code, which has no room for a CA; here
// is as for identitySource.
func (s *selfServiceCard) withIdentity(st, here app.SelfServiceSetup) (_ app.SelfServiceSetup, qrPin string, err error) {
	confirmed, p, ok := s.identitySource(st, here)
	switch {
	case confirmed:
		st.Pin, st.CA = here.Pin, here.CA
	case ok && p.TLS == TLSPinned:
		st.Pin = p.Pin
	case ok:
		raw, rerr := os.ReadFile(p.CAFile)
		if rerr != nil {
			return st, "", app.Errorf(app.EINVALID, "Your profile's CA file %s cannot be read: %v.", p.CAFile, rerr)
		}
		if st.CA, err = app.NormalizeCA(string(raw)); err != nil {
			if st.Pin = s.ownerProven(); st.Pin == "" {
				return st, "", err
			}
			st.CA = "" // a whole bundle: the certificate that proved the server instead
		}
	}
	qrPin = st.Pin
	if st.CA != "" && sameServer(st.Host, st.Port, s.ownerProfile().Host, s.ownerProfile().Port) {
		qrPin = s.ownerProven()
	}
	return st, qrPin, nil
}

// passwordKeptWhere is the card's password placeholder: where a saved
// password is kept, which is memory when there is no keychain or it
// refused the password.
func passwordKeptWhere(kc Keychain, inMemory bool) string {
	switch {
	case kc == nil:
		return "Kept until ResetDesk closes (no keychain)"
	case inMemory:
		return "Kept until ResetDesk closes"
	}
	return "Kept in the keychain"
}

// sessionsLogin reports whether st is the self-service login the session
// brought (the demo's), whose password the session holds in memory.
func (s *selfServiceCard) sessionsLogin(st app.SelfServiceSetup) bool {
	own := s.c.sess.SelfService
	return own.Password != "" && st.Login == own.Login && sameDatabase(st, own)
}

// withPassword fills in the saved password when none was typed (slow),
// else the session's own login's.
func (s *selfServiceCard) withPassword(st app.SelfServiceSetup) app.SelfServiceSetup {
	if st.Password == "" {
		st.Password = selfServicePassword(s.c.d.backend.Keychain(), st)
	}
	if st.Password == "" && s.sessionsLogin(st) {
		st.Password = s.c.sess.SelfService.Password
	}
	return st
}

func (s *selfServiceCard) say(importance widget.Importance, text string) {
	s.note.Importance = importance
	s.note.SetText(text)
}

// onSave saves the set-up, password in the keychain, and tries it.
func (s *selfServiceCard) onSave() {
	st, err := s.setup()
	if err != nil {
		s.say(widget.DangerImportance, app.ErrorMessage(err))
		return
	}
	s.save.Disable()
	s.say(widget.MediumImportance, "Testing…")
	b, prefs := s.c.d.backend, s.c.prefs
	typed, here := st.Password, s.confirmed
	s.c.spawn(func() {
		st = s.withPassword(st)
		var msg string
		var err error
		if st.Password == "" {
			err = app.Errorf(app.EINVALID, "Enter the self-service login's password.")
		} else if st, _, err = s.withIdentity(st, here); err == nil {
			msg, err = storeSelfServiceSetup(b, prefs, st)
		}
		fyne.Do(func() {
			s.save.Enable()
			var confirm *app.CertificateToConfirm
			if errors.As(err, &confirm) {
				s.confirmCertificate(confirm, st, typed)
				return
			}
			if err != nil {
				s.say(widget.DangerImportance, app.ErrorMessage(err))
				return
			}
			if st.HasIdentity() {
				s.confirmed = st
			}
			_, inMemory := selfServiceSecrets.Load(selfServiceKeychainUser(st))
			s.password.PlaceHolder = passwordKeptWhere(b.Keychain(), inMemory)
			s.password.SetText("")
			s.showIdentity()
			s.say(widget.SuccessImportance, msg)
		})
	})
}

// confirmCertificate shows the fingerprint of a server that no authority
// here vouches for: the owner compares it with the one the server's
// administrator reads out, and only then does Trust pin it, save and test
// again. Nothing was sent to the server.
func (s *selfServiceCard) confirmCertificate(c *app.CertificateToConfirm, st app.SelfServiceSetup, typed string) {
	s.say(widget.WarningImportance, "Confirm the server's certificate first: nothing was sent to it.")
	body := container.NewVBox(
		&widget.Label{Wrapping: fyne.TextWrapWord, Text: "No authority this computer trusts has signed the certificate of " + c.Server +
			". Its SHA-256 fingerprint is:"},
		&widget.Label{Text: fingerprintLines(c.Fingerprint), TextStyle: fyne.TextStyle{Monospace: true}},
		&widget.Label{Wrapping: fyne.TextWrapWord, Text: "Compare it with the one your database administrator gives you " +
			"(openssl x509 -noout -fingerprint -sha256 -in server.crt). Trust it only if every pair matches: " +
			"the set-up and its exports then trust this certificate alone, and devices refuse any other."},
	)
	s.confirmDlg = dialog.NewCustomConfirm("Confirm the server's certificate", "Trust and save", "Cancel", body, func(ok bool) {
		if !ok {
			return
		}
		s.confirmed = app.SelfServiceSetup{Host: st.Host, Port: st.Port, Pin: c.Fingerprint}
		s.showIdentity()
		s.password.SetText(typed)
		s.onSave()
	}, s.c.win)
	showDialog(s.confirmDlg, s.c.win, s.c.opts.touch)
	s.confirmDlg.Resize(fyne.NewSize(30*theme.TextSize(), s.confirmDlg.MinSize().Height))
}

func (s *selfServiceCard) onImport() {
	s.imported = showImportSetup(s.c.d.backend, s.c.prefs, s.c.win, s.c.spawn, s.c.opts.touch, func(st app.SelfServiceSetup, msg string) {
		s.host.SetText(st.Host)
		s.port.SetText(portText(st.Port))
		s.database.SetText(st.Database)
		s.login.SetText(st.Login)
		s.confirmed = st
		s.showIdentity()
		s.say(widget.SuccessImportance, msg)
		if s.mgr != nil { // the list marks this computer's sign-in
			s.reloadDevices()
		}
	})
}

// importSetup is the dialog that takes a set-up from another ResetDesk: the
// line pasted, or a file (the exported text, or a picture of the QR code),
// and the login's password when the export left it out.
type importSetup struct {
	dlg      *dialog.CustomDialog
	text     *widget.Entry
	password *widget.Entry
	open     *widget.Button
	save     *widget.Button
	trust    *widget.Label // what the set-up pasted or opened will trust
	login    *widget.Label // its login, and whether it carries the password
	asked    *fyne.Container
	note     *widget.Label
	body     *fyne.Container // all of it, the buttons at the bottom
}

// showImportSetup opens the import dialog, finger-sized when touch; done
// runs after a set-up was saved and tested.
func showImportSetup(b Backend, prefs fyne.Preferences, win fyne.Window, spawn func(func()), touch bool, done func(app.SelfServiceSetup, string)) *importSetup {
	im := &importSetup{}
	// The line may carry the self-service login's password: it is masked
	// (the entry's eye shows it), and the labels under it say what it
	// holds.
	im.text = &widget.Entry{Password: true, PlaceHolder: "resetdesk-self-service://…"}
	im.trust = &widget.Label{Wrapping: fyne.TextWrapWord}
	im.login = &widget.Label{Wrapping: fyne.TextWrapWord}
	im.password = &widget.Entry{Password: true, PlaceHolder: "Only if the set-up leaves it out"}
	im.asked = container.NewVBox(widget.NewLabel("Self-service login's password"), im.password)
	im.text.OnChanged = func(text string) {
		st, err := app.ParseSelfServiceSetup(text)
		switch {
		case err != nil:
			im.trust.SetText("")
			im.login.SetText("")
			im.asked.Show()
		case st.Password != "":
			im.trust.SetText("Server " + st.Host + ": " + app.AfterColon(st.TrustSentence()))
			im.login.SetText("Self-service login " + st.Login + ", its password included.")
			im.asked.Hide()
		default:
			im.trust.SetText("Server " + st.Host + ": " + app.AfterColon(st.TrustSentence()))
			im.login.SetText("Self-service login " + st.Login + ": type its password below.")
			im.asked.Show()
		}
		im.fit(win)
	}
	im.note = &widget.Label{Wrapping: fyne.TextWrapWord}
	im.open = &widget.Button{Text: "Open a file…", Icon: theme.FolderOpenIcon(), OnTapped: func() {
		open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			defer r.Close()
			text, err := readSetupFile(r)
			if err != nil {
				im.note.Importance = widget.DangerImportance
				im.note.SetText(app.ErrorMessage(err))
				im.fit(win)
				return
			}
			im.text.SetText(setupLine(text))
		}, win)
		showDialog(open, win, touch)
	}}
	im.save = &widget.Button{Text: "Import", Importance: widget.HighImportance, OnTapped: func() {
		st, err := app.ParseSelfServiceSetup(im.text.Text)
		if err == nil && st.Password == "" {
			if st.Password = im.password.Text; st.Password == "" {
				err = app.Errorf(app.EINVALID, "This set-up leaves the self-service login's password out: ask the office for it and type it below.")
			}
		}
		if err != nil {
			im.note.Importance = widget.DangerImportance
			im.note.SetText(app.ErrorMessage(err))
			im.fit(win)
			return
		}
		im.save.Disable()
		im.note.Importance = widget.MediumImportance
		im.note.SetText("Testing…")
		spawn(func() {
			msg, err := storeSelfServiceSetup(b, prefs, st)
			fyne.Do(func() {
				im.save.Enable()
				if err != nil {
					im.note.Importance = widget.DangerImportance
					im.note.SetText(app.ErrorMessage(err))
					im.fit(win)
					return
				}
				im.dlg.Hide()
				done(st, msg)
			})
		})
	}}
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Paste the set-up line the office sent you (what a phone's camera reads from the QR code), " +
		"or open the set-up file or a picture of the QR code."}
	content := container.NewVBox(intro, im.text, im.open, im.trust, im.login, im.asked, im.note)
	cancel := &widget.Button{Text: "Cancel", OnTapped: func() { im.dlg.Hide() }}
	im.body = container.NewBorder(nil, container.NewHBox(cancel, im.save), nil, nil, content)
	im.dlg = dialog.NewCustomWithoutButtons("Import self-service set-up", im.body, win)
	im.fit(win)
	showDialog(im.dlg, win, touch)
	im.fit(win) // shown, the wrapped lines know their width
	return im
}

// fit sizes the dialog to what it shows now. Sized once at opening, it
// kept that height when a pasted line brought its labels and a refusal
// its sentence, and drew its buttons below its panel, over the sentence.
func (im *importSetup) fit(win fyne.Window) {
	if im.dlg == nil {
		return // still being made
	}
	width := min(30*theme.TextSize(), win.Canvas().Size().Width)
	for range 3 { // a wrapped sentence counts its lines once it has its width
		before := im.body.MinSize().Height
		im.dlg.Resize(fyne.NewSize(width, before+6*theme.TextSize()))
		if im.body.MinSize().Height == before {
			return
		}
	}
}

// setupLine is the set-up line of an exported file's text, without its
// comments, for the one-line entry; the text itself when none is found.
func setupLine(text string) string {
	for l := range strings.Lines(text) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return text
}

// readSetupFile returns the set-up text of an exported file, or of a
// picture of its QR code.
func readSetupFile(r io.Reader) (string, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 20<<20))
	if err != nil {
		return "", app.Errorf(app.EINVALID, "Could not read the file.")
	}
	if img, _, err := image.Decode(bytes.NewReader(raw)); err == nil {
		return readQR(img)
	}
	return string(raw), nil
}

// readQR reads the text of the QR code in img.
func readQR(img image.Image) (string, error) {
	// A photo needs the finder-pattern search (TRY_HARDER); a picture of
	// a screen, such as a screenshot of Settings' code, is read straight
	// off its grid (PURE_BARCODE), which that search misses about one
	// time in 40.
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err == nil {
		for _, hint := range []gozxing.DecodeHintType{gozxing.DecodeHintType_TRY_HARDER, gozxing.DecodeHintType_PURE_BARCODE} {
			if res, err := gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{hint: true}); err == nil {
				return res.GetText(), nil
			}
		}
	}
	return "", app.Errorf(app.EINVALID, "No QR code could be read in that picture: try a sharper, straighter photo, or paste the text instead.")
}
