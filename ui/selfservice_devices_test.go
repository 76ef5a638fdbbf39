package ui

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/data"
)

// deviceSetupOf reads an export made for one device: the server as the
// owner's set-up has it, the device's own login, and a new password of
// its own. Nothing it says quotes the password.
func deviceSetupOf(t *testing.T, text string, server app.SelfServiceSetup, login, sharedPassword string) app.SelfServiceSetup {
	t.Helper()
	st, err := app.ParseSelfServiceSetup(text)
	if err != nil {
		t.Fatalf("the export does not read back: %s", app.ErrorMessage(err))
	}
	equal(t, "host", st.Host, server.Host)
	equal(t, "port", st.Port, server.Port)
	equal(t, "database", st.Database, server.Database)
	equal(t, "login", st.Login, login)
	if len(st.Password) != devicePasswordLength || st.Password == sharedPassword {
		t.Errorf("the export's password is not a new one of %d characters (%d)", devicePasswordLength, len(st.Password))
	}
	return st
}

// deviceSignsIn signs in as a device would with st and reads the password
// rules.
func deviceSignsIn(st app.SelfServiceSetup) error {
	c, err := data.OpenSelfService(context.Background(), st)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.PasswordRules(context.Background(), "alice@acme.example")
	return err
}

func rawSuper(t *testing.T, f *fixture) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", f.o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// roleExists reports whether the server has a role named login.
func roleExists(t *testing.T, f *fixture, login string) bool {
	t.Helper()
	var n int
	if err := rawSuper(t, f).QueryRow(`SELECT count(*) FROM pg_roles WHERE rolname = $1`, login).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// An admin who is not the owner: the card's devices part is a sentence
// that says who sets up other devices and why; there is no way to export
// or to take a sign-in back, and no list. PostgreSQL refuses them all the
// same when a client asks.
func TestSelfServiceDevicesAreTheOwners(t *testing.T) {
	f := newFixture(t)
	admin := Session{Directory: f.o.Admin, Resetter: &app.Resetter{Dir: f.o.Admin, Mail: f.backend.currentMailer()}}
	d := newDesktop(f.app, f.backend, &admin, testOptions())
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	d.console.show(screenSettings)
	s := d.console.settings.selfService
	equal(t, "why", s.devicesWhy.Text, devicesOwnerOnly)
	equal(t, "no exports", s.exportQR == nil && s.exportFile == nil && s.deviceName == nil && s.deviceRows == nil, true)
	for _, o := range test.LaidOutObjects(s.card) {
		if b, ok := o.(*widget.Button); ok && (b.Text == "Show QR code" || b.Text == "Save set-up file…" || b.Text == "Remove") {
			t.Errorf("an admin is offered %q", b.Text)
		}
	}
	// A client that offers them the exports anyway (an old or altered
	// one) gets PostgreSQL's refusal, and nothing is made or taken back.
	f.c.show(screenSettings)
	tampered := f.c.settings.selfService
	tampered.mgr = f.o.Admin
	tampered.reloadDevices()
	equal(t, "list refused", tampered.deviceNote.Text, "Could not list the sign-ins: Only the owner (or the DBA) sees the self-service logins.")
	endUser := mustURL(t, f.o.EndUserURL)
	tampered.host.SetText(endUser.Hostname())
	tampered.port.SetText(endUser.Port())
	tampered.database.SetText(strings.TrimPrefix(endUser.Path, "/"))
	tampered.login.SetText(endUser.User.Username())
	test.Type(tampered.deviceName, "reception")
	test.Tap(tampered.exportQR)
	equal(t, "export refused", tampered.deviceNote.Text, "Only the owner (or the DBA) may add self-service logins.")
	equal(t, "no QR code", tampered.qr == nil, true)
	equal(t, "no sign-in made", roleExists(t, f, tampered.login.Text+"_reception"), false)
	test.Tap(tampered.removeOf[tampered.login.Text])
	tampered.confirmRemove.Confirm()
	equal(t, "removal refused", tampered.deviceNote.Text, "Only the owner (or the DBA) may remove self-service logins.")
	if err := deviceSignsIn(f.setUpSelfService(t)); err != nil {
		t.Errorf("the office's sign-in after the refused removal: %s", app.ErrorMessage(err))
	}

	// Their own computer's set-up still works as before.
	u := endUser
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	s.host.SetText(u.Hostname())
	s.port.SetText(u.Port())
	s.database.SetText(strings.TrimPrefix(u.Path, "/"))
	s.login.SetText(u.User.Username())
	s.password.SetText(mustPassword(t, f.o.EndUserURL))
	test.Tap(s.save)
	equal(t, "saved", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
}

// cutLink forwards connections to a server until it is cut, as a
// network that goes down would.
type cutLink struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startCutLink(t *testing.T, target string) *cutLink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &cutLink{ln: ln}
	t.Cleanup(l.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			l.mu.Lock()
			l.conns = append(l.conns, c, s)
			l.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return l
}

func (l *cutLink) cut() {
	l.ln.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

// The owner's connection goes down: an export says so, makes no sign-in
// and keeps the device's name; taking one back says so and keeps it
// listed.
func TestSelfServiceDevicesWhileTheDatabaseIsDown(t *testing.T) {
	f := newFixture(t)
	owner := mustURL(t, f.o.OwnerURL)
	link := startCutLink(t, owner.Host)
	through := *owner
	through.Host = link.ln.Addr().String()
	db, err := data.Open(context.Background(), through.String())
	if err != nil {
		t.Fatalf("the owner through the link: %s", app.ErrorMessage(err))
	}
	t.Cleanup(func() { db.Close() })
	sess := Session{Directory: db, Resetter: &app.Resetter{Dir: db, Mail: f.backend.currentMailer()}}
	d := newDesktop(f.app, f.backend, &sess, testOptions())
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	d.console.show(screenSettings)
	s := d.console.settings.selfService
	endUser := mustURL(t, f.o.EndUserURL)
	s.host.SetText(endUser.Hostname())
	s.port.SetText(endUser.Port())
	s.database.SetText(strings.TrimPrefix(endUser.Path, "/"))
	s.login.SetText(endUser.User.Username())
	if s.removeOf[endUser.User.Username()] == nil {
		t.Fatalf("the office's sign-in is not listed: %q", s.deviceNote.Text)
	}

	link.cut()
	down := "Could not reach the database at " + through.Host + ". Check that the server is running and try again."
	test.Type(s.deviceName, "reception")
	test.Tap(s.exportQR)
	equal(t, "an export while the database is down", s.deviceNote.Text, down)
	equal(t, "no QR code", s.qr == nil, true)
	equal(t, "name kept", s.deviceName.Text, "reception")
	equal(t, "no sign-in made", roleExists(t, f, endUser.User.Username()+"_reception"), false)

	test.Tap(s.removeOf[endUser.User.Username()])
	s.confirmRemove.Confirm()
	equal(t, "taking a sign-in back while the database is down", s.deviceNote.Text, down)
	equal(t, "still listed", s.removeOf[endUser.User.Username()] != nil, true)
	equal(t, "Remove again", s.removeOf[endUser.User.Username()].Disabled(), false)
	if err := deviceSignsIn(app.SelfServiceSetup{Host: endUser.Hostname(), Port: mustPort(t, endUser), Database: strings.TrimPrefix(endUser.Path, "/"),
		Login: endUser.User.Username(), Password: mustPassword(t, f.o.EndUserURL)}); err != nil {
		t.Errorf("the office's sign-in after the refused removal: %s", app.ErrorMessage(err))
	}
}

func mustPort(t *testing.T, u *url.URL) int {
	t.Helper()
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// An office with no self-service login yet: the owner sets up this
// computer without a terminal. Save and test says how; a set-up file
// made for this computer, imported here, is this computer's set-up, its
// sign-in named after the office's database and marked in the list; a
// user then finishes a reset on it.
func TestStoryOwnerSetsUpThisComputerWithoutATerminal(t *testing.T) {
	f := newFixture(t)
	f.backend.keychain = &memKeychain{secrets: map[string]string{}}
	f.c.show(screenSettings)
	s := f.c.settings.selfService
	u := mustURL(t, f.o.EndUserURL)
	db := strings.TrimPrefix(u.Path, "/")
	s.host.SetText(u.Hostname())
	s.port.SetText(u.Port())
	s.database.SetText(db)
	s.login.SetText("")
	test.Tap(s.save)
	equal(t, "no login yet", s.note.Text, "Enter the self-service login, or make one for this computer: name it under \"Other computers and phones\", "+
		"save its set-up file, then Import set-up… here.")

	test.Type(s.deviceName, "Owner PC")
	login := db + "_owner_pc"
	equal(t, "which sign-in", s.deviceLogin.Text, "Its sign-in will be "+login+".")
	raw, _ := exportDeviceFile(t, s)
	test.Tap(s.importSetup)
	s.imported.text.SetText(setupLine(raw))
	test.Tap(s.imported.save)
	equal(t, "set up", s.note.Text, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	equal(t, "its login in the form", s.login.Text, login)
	equal(t, "saved", loadSelfServiceSetup(f.app.Preferences()).Login, login)
	if s.detailOf[login] == nil {
		t.Fatalf("%s is not listed", login)
	}
	found := false
	for _, o := range test.LaidOutObjects(s.deviceRows) {
		if l, ok := o.(*widget.Label); ok && l.Text == login+" (this computer)" {
			found = true
		}
	}
	equal(t, "marked as this computer's", found, true)

	code := f.resetOneTime(t, "alice@acme.example")
	f.d.signOut()
	test.Tap(f.d.signIn.endUserCode)
	e := f.d.endUser
	const good = "Purple-kettle-drums-at-noon"
	fillEndUser(e, "alice@acme.example", code, good, good)
	test.Tap(e.submit)
	if !e.doneBox.Visible() || !f.passwordWorks(t, "alice@acme.example", good) {
		t.Fatalf("the reset did not complete on this computer: %q", e.status.Text)
	}
}

// exportDeviceFile taps "Save set-up file…" for the device named in the
// card, saves the file as its dialog would, checks that only its owner
// may read it, and returns what it holds and the set-up it carries.
func exportDeviceFile(t *testing.T, s *selfServiceCard) (string, app.SelfServiceSetup) {
	t.Helper()
	test.Tap(s.exportFile)
	if s.pendingFile == nil {
		t.Fatalf("no file dialog: %s", s.deviceNote.Text)
	}
	x := *s.pendingFile
	path := filepath.Join(t.TempDir(), "setup.txt")
	wc, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	s.saveDeviceFile(wc, x)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no file: %s", s.deviceNote.Text)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("a file with the password: %v, %v", st, err)
	}
	return string(raw), x.setup
}
