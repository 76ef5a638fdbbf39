package ui

import (
	"io"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"resetdesk/app"
)

// deviceLogins is what the owner's connection does for the devices part
// of the card: the database functions behind `resetdesk self-service add`
// and `remove`, which refuse anyone but the owner, and the list.
type deviceLogins interface {
	app.SelfServiceProvisioner
	app.SelfServiceLoginLister
}

// devices is the part of Settings' self-service card that sets up other
// computers and phones. Each export, a file or a QR code, makes a
// self-service login for that device alone, with a random password made
// here that nobody sees. The devices then share no login: not its
// password, not its limits of attempts, and the owner takes one back
// ("Remove", as `resetdesk self-service remove`) without touching the
// others. Only the owner sees more than a sentence; PostgreSQL refuses
// anyone else whatever this shows.
type devices struct {
	mgr deviceLogins // nil for anyone but the owner

	devicesWhy    *widget.Label  // what this part does, or why it is not offered
	deviceName    *widget.Entry  // the device, as the owner names it
	deviceLogin   *widget.Label  // the login that name makes, or what is wrong with it
	exportFile    *widget.Button // nil with mgr
	exportQR      *widget.Button
	deviceNote    *widget.Label
	deviceRows    *fyne.Container // a line per self-service login: a handful, so no virtual list
	logins        []app.SelfServiceLoginInfo
	removeOf      map[string]*widget.Button // by login, for tests
	detailOf      map[string]*widget.Label  // when it was made and last used, by login
	confirmRemove *dialog.ConfirmDialog     // for tests
	qr            *canvas.Image             // the QR code showing, for tests
	qrTrust       string                    // what that QR code trusts, for tests
	pendingFile   *deviceExport             // the export whose file dialog is open, for tests
}

// deviceExport is a set-up made for one device, before its login exists.
type deviceExport struct {
	device string // as the owner typed it
	setup  app.SelfServiceSetup
}

// devicePasswordLength is the length of a device login's password: letters
// and digits only (nothing to escape in a QR code), about 139 bits.
const devicePasswordLength = 24

const (
	devicesIntro = "Give each computer or phone a separate sign-in, so that you can take one back without touching the others. " +
		"Name the device, then save its set-up file or show its QR code: that makes its sign-in, with a strong password that nobody sees " +
		"and that only the file or the code carries."
	devicesOwnerOnly = "Only the owner sets up other computers and phones. Each gets a separate sign-in, " +
		"so that the owner can take one back without touching the others."
	devicesNoService = "This connection cannot make sign-ins for other devices: the owner or the DBA makes them with " +
		"`resetdesk self-service add` on the command line."
	deviceSecretNote = "The file and the QR code carry that sign-in's password: keep them within the office, and delete the file once imported. " +
		"The sign-in can only finish a reset with a valid one-time password, or change a temporary password with that password; " +
		"it reads nothing and opens no account by itself."
)

// newDevices builds the devices part of the card: a sentence for anyone
// but the owner; for the owner, the device's name, the two exports and
// the list of sign-ins, loaded off the Fyne goroutine.
func (s *selfServiceCard) newDevices() fyne.CanvasObject {
	heading := widget.NewLabelWithStyle("Other computers and phones", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.devicesWhy = &widget.Label{Wrapping: fyne.TextWrapWord, Text: devicesIntro}
	mgr, ok := s.c.sess.Directory.(deviceLogins)
	switch {
	case !s.c.actor.IsOwner():
		s.devicesWhy.Text = devicesOwnerOnly
		return container.NewVBox(heading, s.devicesWhy)
	case !ok:
		s.devicesWhy.Text = devicesNoService
		return container.NewVBox(heading, s.devicesWhy)
	}
	s.mgr = mgr
	s.removeOf, s.detailOf = map[string]*widget.Button{}, map[string]*widget.Label{}
	s.deviceName = &widget.Entry{PlaceHolder: "reception, maria-phone"}
	s.deviceName.OnChanged = func(string) { s.showDeviceLogin() }
	s.login.OnChanged = func(string) { s.showDeviceLogin() }
	s.database.OnChanged = func(string) { s.showDeviceLogin() }
	s.deviceLogin = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	s.exportFile = &widget.Button{Text: "Save set-up file…", Icon: theme.DownloadIcon(), OnTapped: s.onExportFile}
	s.exportQR = &widget.Button{Text: "Show QR code", Icon: theme.GridIcon(), OnTapped: s.onExportQR}
	s.deviceNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.deviceNote.Hide()
	s.deviceRows = container.NewVBox()
	name := &widget.Form{Items: []*widget.FormItem{{Text: "Device", Widget: container.NewVBox(s.deviceName, s.deviceLogin)}}}
	secret := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance, Text: deviceSecretNote}
	list := widget.NewLabelWithStyle("Self-service sign-ins of this office", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.reloadDevices()
	return container.NewVBox(heading, s.devicesWhy, name, container.NewHBox(s.exportFile, s.exportQR), secret, s.deviceNote,
		list, s.deviceRows)
}

// deviceLoginFor is the login the typed device name makes: after this
// computer's self-service login, else after the office's database, whose
// name tells one office's logins from another's on a shared server.
func (s *selfServiceCard) deviceLoginFor() (string, error) {
	base := strings.TrimSpace(s.login.Text)
	if base == "" {
		base = strings.TrimSpace(s.database.Text)
	}
	return app.DeviceLoginName(base, s.deviceName.Text)
}

// showDeviceLogin says, as the owner types, which sign-in the device
// will get, or what is wrong with its name.
func (s *selfServiceCard) showDeviceLogin() {
	if strings.TrimSpace(s.deviceName.Text) == "" {
		s.deviceLogin.SetText("")
		return
	}
	login, err := s.deviceLoginFor()
	if err != nil {
		s.deviceLogin.Importance = widget.DangerImportance
		s.deviceLogin.SetText(app.ErrorMessage(err))
		return
	}
	s.deviceLogin.Importance = widget.LowImportance
	s.deviceLogin.SetText("Its sign-in will be " + login + ".")
}

// sayDevice says how the devices part's last step went; an empty note
// takes no room.
func (s *selfServiceCard) sayDevice(importance widget.Importance, text string) {
	s.deviceNote.Importance = importance
	s.deviceNote.SetText(text)
	s.deviceNote.Show()
}

// checkDevice returns the login for the typed name, or says why there is
// none: a bad name, or one this office already has.
func (s *selfServiceCard) checkDevice() (string, bool) {
	login, err := s.deviceLoginFor()
	if err != nil {
		s.sayDevice(widget.DangerImportance, app.ErrorMessage(err))
		return "", false
	}
	for _, l := range s.logins {
		if l.Login == login {
			s.sayDevice(widget.DangerImportance, "There is already a sign-in named "+login+
				". Choose another name for this device, or take the old sign-in back first.")
			return "", false
		}
	}
	return login, true
}

// deviceToMake is what an export makes: the login for the typed device
// name, the server in the form, and the device as typed; or it says what
// is wrong with either and returns false.
func (s *selfServiceCard) deviceToMake() (login string, st app.SelfServiceSetup, device string, ok bool) {
	if login, ok = s.checkDevice(); !ok {
		return "", st, "", false
	}
	st, err := s.server()
	if err != nil {
		s.sayDevice(widget.DangerImportance, app.ErrorMessage(err))
		return "", st, "", false
	}
	return login, st, strings.TrimSpace(s.deviceName.Text), true
}

// deviceBusy turns the exports off while one runs.
func (s *selfServiceCard) deviceBusy(busy bool) {
	for _, b := range []*widget.Button{s.exportFile, s.exportQR} {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// deviceErr words a refusal to make login.
func deviceErr(err error, login string) string {
	if app.ErrorCode(err) == app.ECONFLICT {
		return "A login named " + login + " already exists on this database server (perhaps another office's). Choose another name for this device."
	}
	return app.ErrorMessage(err)
}

// deviceSetup is what an export for login carries: the server of st, its
// identity, the login and a new random password. A QR code carries a pin,
// never a CA, which would make it too dense for a phone's camera. here is
// the identity confirmed on this computer when the export was asked for
// (s.confirmed, read on the Fyne goroutine). Slow (a CA file): off the
// Fyne goroutine.
func (s *selfServiceCard) deviceSetup(st, here app.SelfServiceSetup, login string, forQR bool) (app.SelfServiceSetup, error) {
	st, qrPin, err := s.withIdentity(st, here)
	if err != nil {
		return st, err
	}
	if forQR && st.CA != "" {
		if qrPin == "" {
			return st, app.Errorf(app.EINVALID, "A QR code has no room for the server's certificate authority, and no connection here has proved the server's "+
				"certificate yet: save the set-up file instead, or sign in to this server once so that its certificate is known.")
		}
		st.CA, st.Pin = "", qrPin
	}
	st.Login = login
	st.Password, err = app.GeneratePlainPassword(devicePasswordLength)
	return st, err
}

// onExportQR makes a sign-in for the device named and shows its set-up as
// a QR code, for a phone's camera. The login is made only once its code
// is: nothing is left behind when either fails.
func (s *selfServiceCard) onExportQR() {
	login, st, device, ok := s.deviceToMake()
	if !ok {
		return
	}
	s.deviceBusy(true)
	s.sayDevice(widget.MediumImportance, "Making the sign-in "+login+"…")
	ctx, mgr, here := s.c.ctx, s.mgr, s.confirmed
	s.c.spawn(func() {
		st, err := s.deviceSetup(st, here, login, true)
		var code *qrcode.QRCode
		if err == nil {
			code, err = qrcode.New(st.Encode(true), qrcode.Medium)
		}
		if err == nil {
			err = mgr.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: login, Password: st.Password})
		}
		fyne.Do(func() {
			s.deviceBusy(false)
			if err != nil {
				s.sayDevice(widget.DangerImportance, deviceErr(err, login))
				return
			}
			s.deviceName.SetText("")
			s.showQR(code, st, device)
			s.sayDevice(widget.SuccessImportance, "Made the sign-in "+login+" for "+device+". Its QR code carries the password alone: "+
				"if it was not scanned, take the sign-in back below and make another.")
			s.reloadDevices()
		})
	})
}

// showQR shows a device's QR code until it is closed; then the password
// is gone from this computer.
func (s *selfServiceCard) showQR(code *qrcode.QRCode, st app.SelfServiceSetup, device string) {
	s.qr = canvas.NewImageFromImage(code.Image(-8))
	s.qr.FillMode = canvas.ImageFillContain
	s.qr.ScaleMode = canvas.ImageScalePixels
	s.qr.SetMinSize(fyne.NewSquareSize(20 * theme.TextSize()))
	s.qrTrust = st.TrustSentence()
	hint := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "For " + device + " alone (sign-in " + st.Login + "). On that device: scan it with the camera and copy the text, " +
		"or save a photo of it; then ResetDesk's sign-in screen, " + endUserCodeLabel + ", Import set-up. " + s.qrTrust}
	d := dialog.NewCustom("Self-service set-up for "+device, "Close", container.NewBorder(nil, hint, nil, nil, s.qr), s.c.win)
	d.SetOnClosed(func() { s.qr = nil })
	d.Resize(fyne.NewSize(28*theme.TextSize(), 38*theme.TextSize()))
	showDialog(d, s.c.win, s.c.opts.touch)
}

// onExportFile asks where to save the set-up of a new sign-in for the
// device named; saveDeviceFile then makes the sign-in and writes it.
func (s *selfServiceCard) onExportFile() {
	login, st, device, ok := s.deviceToMake()
	if !ok {
		return
	}
	s.deviceBusy(true)
	here := s.confirmed
	s.c.spawn(func() {
		st, err := s.deviceSetup(st, here, login, false)
		fyne.Do(func() {
			s.deviceBusy(false)
			if err != nil {
				s.sayDevice(widget.DangerImportance, app.ErrorMessage(err))
				return
			}
			x := deviceExport{device: device, setup: st}
			s.pendingFile = &x
			save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
				s.pendingFile = nil
				if err != nil || w == nil {
					return
				}
				s.saveDeviceFile(w, x)
			}, s.c.win)
			save.SetFileName("resetdesk-self-service-" + login + ".txt")
			showDialog(save, s.c.win, s.c.opts.touch)
		})
	})
}

// saveDeviceFile writes x to w, readable by the owner only, and then
// makes its sign-in. A sign-in the database refuses takes its file with
// it, and a file that cannot be written makes no sign-in.
func (s *selfServiceCard) saveDeviceFile(w fyne.URIWriteCloser, x deviceExport) {
	login := x.setup.Login
	s.deviceBusy(true)
	s.sayDevice(widget.MediumImportance, "Making the sign-in "+login+"…")
	ctx, mgr, org := s.c.ctx, s.mgr, s.c.org.Name
	s.c.spawn(func() {
		err := writeDeviceSetup(w, org, x)
		if err == nil {
			if err = mgr.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: login, Password: x.setup.Password}); err != nil {
				storage.Delete(w.URI()) // it holds a password for nothing
			}
		} else {
			err = app.Errorf(app.EINVALID, "Could not write %s: %v. No sign-in was made.", w.URI().Name(), err)
		}
		fyne.Do(func() {
			s.deviceBusy(false)
			if err != nil {
				s.sayDevice(widget.DangerImportance, deviceErr(err, login))
				return
			}
			s.deviceName.SetText("")
			s.sayDevice(widget.SuccessImportance, "Made the sign-in "+login+" for "+x.device+", and saved its set-up to "+w.URI().Path()+
				" (only you may read it). Import it on that device, then delete the file.")
			s.reloadDevices()
		})
	})
}

// writeDeviceSetup writes x's set-up line to w, with comments that say
// what it is; a file on disk is made readable by its owner alone before
// the password goes in.
func writeDeviceSetup(w fyne.URIWriteCloser, org string, x deviceExport) error {
	if w.URI().Scheme() == "file" {
		if err := os.Chmod(w.URI().Path(), 0o600); err != nil {
			w.Close()
			return err
		}
	}
	text := "# ResetDesk self-service set-up for " + org + ", made for " + x.device + " alone (sign-in " + x.setup.Login + ").\n" +
		"# On that computer or phone: ResetDesk's sign-in screen, " + endUserCodeLabel + ", Import set-up.\n" +
		"# " + x.setup.TrustSentence() + "\n" +
		"# It holds that sign-in's password: keep it within the office, and delete it once imported.\n" +
		x.setup.Encode(true) + "\n"
	_, err := io.WriteString(w, text)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// reloadDevices reads the office's self-service logins off the Fyne
// goroutine.
func (s *selfServiceCard) reloadDevices() {
	ctx, mgr := s.c.ctx, s.mgr
	s.c.spawn(func() {
		list, err := mgr.SelfServiceLogins(ctx)
		fyne.Do(func() { s.showDevices(list, err) })
	})
}

// showDevices lists the sign-ins: each with when it was made and last
// used, and Remove.
func (s *selfServiceCard) showDevices(list []app.SelfServiceLoginInfo, err error) {
	if err != nil {
		s.sayDevice(widget.DangerImportance, "Could not list the sign-ins: "+app.ErrorMessage(err))
		return
	}
	s.logins = list
	s.deviceRows.RemoveAll()
	clear(s.removeOf)
	clear(s.detailOf)
	if len(list) == 0 {
		s.deviceRows.Add(&widget.Label{Text: "None yet.", Importance: widget.LowImportance})
	}
	now := s.c.opts.now()
	here := loadSelfServiceSetup(s.c.prefs).Login
	for _, l := range list {
		name := l.Login
		if l.Login == here || l.Login == s.c.sess.SelfService.Login {
			name += " (this computer)"
		}
		used := "never used"
		if !l.LastUsed.IsZero() {
			used = "last used " + shortTime(l.LastUsed, now, s.c.zone())
		}
		remove := &widget.Button{Text: "Remove", Icon: theme.DeleteIcon(), Importance: widget.DangerImportance}
		login := l.Login
		remove.OnTapped = func() { s.onRemoveDevice(login) }
		detail := &widget.Label{Text: "Made " + shortTime(l.CreatedAt, now, s.c.zone()) + ", " + used + ".", Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
		s.removeOf[l.Login], s.detailOf[l.Login] = remove, detail
		s.deviceRows.Add(container.NewBorder(nil, nil, nil, container.NewCenter(remove), container.NewVBox(
			&widget.Label{Text: name, Truncation: fyne.TextTruncateEllipsis}, detail)))
	}
}

// onRemoveDevice asks before taking login back.
func (s *selfServiceCard) onRemoveDevice(login string) {
	text := "The computer or phone that signs in as " + login + " stops offering self-service at once, a reset being finished there included. " +
		"The other devices keep working. To set that device up again, export a new set-up for it."
	if login == loadSelfServiceSetup(s.c.prefs).Login || login == s.c.sess.SelfService.Login {
		text += " It is this computer's own self-service login: self-service here stops too."
	}
	body := &widget.Label{Wrapping: fyne.TextWrapWord, Text: text}
	s.confirmRemove = dialog.NewCustomConfirm("Take back "+login+"?", "Take it back", "Cancel", body, func(ok bool) {
		if ok {
			s.removeDevice(login)
		}
	}, s.c.win)
	showDialog(s.confirmRemove, s.c.win, s.c.opts.touch)
	s.confirmRemove.Resize(fyne.NewSize(28*theme.TextSize(), s.confirmRemove.MinSize().Height))
}

// removeDevice takes login back, as `resetdesk self-service remove` does:
// the database ends it at once and audits it.
func (s *selfServiceCard) removeDevice(login string) {
	if b := s.removeOf[login]; b != nil {
		b.Disable()
	}
	s.sayDevice(widget.MediumImportance, "Taking back "+login+"…")
	ctx, mgr := s.c.ctx, s.mgr
	s.c.spawn(func() {
		err := mgr.RemoveSelfServiceLogin(ctx, login)
		fyne.Do(func() {
			if err != nil {
				if b := s.removeOf[login]; b != nil {
					b.Enable()
				}
				s.sayDevice(widget.DangerImportance, app.ErrorMessage(err))
				return
			}
			s.sayDevice(widget.SuccessImportance, login+" is taken back: it can no longer finish a reset or change a password. The other devices keep working.")
			s.reloadDevices()
		})
	})
}
