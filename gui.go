package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/zalando/go-keyring"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/demo"
	"resetdesk/icons"
	"resetdesk/mail"
	"resetdesk/ui"
)

// runGUI opens the window: the sign-in screen; with "demo" the private demo
// stack, signed in as its owner; with DATABASE_URL that session; with
// "self-service" the end user's forms alone. The window's layout follows
// its width (ui/adaptive.go): the phone flow when narrow, the desktop
// shells when wide, with finger-sized targets on a phone or tablet.
// -mobile previews a phone (its size, touch) and -size a window of the
// size given, a tablet's say; together, a tablet with touch.
func runGUI(ctx context.Context, args []string) int {
	mode := ""
	if len(args) > 0 && (args[0] == "demo" || args[0] == "self-service") {
		mode, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("resetdesk", flag.ContinueOnError)
	fs.Usage = func() { guiUsage(fs) }
	mobileFlag := fs.Bool("mobile", false, "preview a phone: a phone-sized window (390x844), finger-sized targets")
	sizeFlag := fs.String("size", "", "open the window at `WxH` in Fyne's units, e.g. 1024x1366 for an iPad in portrait")
	platformFlag := fs.String("platform", "", "with -mobile, place the phone's controls as `ios` or android does (default: as the system it runs on, iOS on a Mac)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	mode, err := modeAfterFlags(fs, mode)
	if err != nil {
		fmt.Fprintln(os.Stderr, "resetdesk:", err)
		return 2
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "resetdesk:", err)
		return 2
	}
	platform, err := parsePlatform(*platformFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "resetdesk:", err)
		return 2
	}
	tuneMemory()
	a := fyneapp.NewWithID("com.resetdesk.app")
	if root := a.Storage().RootURI(); root.Scheme() == "file" { // where Fyne keeps preferences.json
		recoverPreferences(a.Preferences(), filepath.Join(root.Path(), "preferences.json"), 20, func() { time.Sleep(25 * time.Millisecond) })
	}
	a.SetIcon(icons.AppIcon)
	ui.UseAppTheme(a)
	ui.ScreenPixels = screenPixels
	b := newBackend(a)
	defer b.closeAll()
	// Closing the windows, not just quitting, lets each session end as on
	// sign-out: a copied password leaves the clipboard.
	go func() {
		<-ctx.Done()
		fyne.Do(func() {
			for _, w := range a.Driver().AllWindows() {
				w.Close()
			}
			a.Quit()
		})
	}()
	mobile := *mobileFlag || fyne.CurrentDevice().IsMobile()
	if *mobileFlag && size.IsZero() {
		size = ui.PhoneSize()
	}

	// The signal's context, not the window's: Ctrl+C stops a demo's initdb.
	demo := &ui.Starter{What: ui.StartingDemo,
		Start: func(context.Context) (ui.Session, error) { return b.startDemo(ctx) }}
	var start, offer *ui.Starter
	switch dsn := os.Getenv("DATABASE_URL"); {
	case mode == "demo":
		start = demo
	case mode == "" && dsn != "":
		start = &ui.Starter{What: "Signing in with DATABASE_URL…",
			Start: func(context.Context) (ui.Session, error) { return b.openURL(ctx, dsn) }}
		offer = demo
	case mode == "":
		// A server that cannot be reached (a profile an older build saved
		// for the demo, on a port long closed) gets the demo offered.
		offer = demo
	}
	var w interface{ ShowAndRun() }
	if mode == "self-service" { // a front-desk PC or a shortcut
		w = ui.NewSelfService(a, b, mobile)
	} else {
		w = ui.NewWindow(a, b, ui.WindowSpec{Start: start, Demo: offer, Size: size, Touch: mobile, Platform: platform})
	}
	w.ShowAndRun()
	// Fyne may still be saving the preferences on a goroutine of its own
	// (again 100 ms after a save that saw more changes, or after another
	// instance's): leaving at once can end the process between truncating
	// preferences.json and writing it, which leaves it empty (walk6 m9).
	time.Sleep(prefsSettle)
	return 0
}

// modeAfterFlags reads what fs left after the window's flags: "demo" or
// "self-service" when mode is still "" (resetdesk -mobile demo), with
// more flags after it. Anything else is a command or a word the window
// does not take, refused with a sentence: ignored, resetdesk -mobile users
// opened the window and said nothing of users.
func modeAfterFlags(fs *flag.FlagSet, mode string) (string, error) {
	if rest := fs.Args(); mode == "" && len(rest) > 0 && (rest[0] == "demo" || rest[0] == "self-service") {
		mode = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return "", err
		}
	}
	if rest := fs.Args(); len(rest) > 0 {
		return "", fmt.Errorf("-mobile, -size and -platform are the window's flags, and the window takes no %q. "+
			"Run a command without them (resetdesk %s), and give them after demo or self-service, or alone (resetdesk demo -mobile)",
			rest[0], strings.Join(rest, " "))
	}
	return mode, nil
}

// guiUsage is resetdesk -h: the window's flags, and where the commands are.
func guiUsage(fs *flag.FlagSet) {
	fmt.Fprint(fs.Output(), `Usage: resetdesk [demo | self-service] [-mobile [-platform ios|android]] [-size WxH]

Opens the app's window. Its layout follows the window's width: below 600
units wide (on a touch screen, or 480 tall) the phone's pages, above it
the Spaces or Unified shell chosen in Settings. Run "resetdesk help" for
the commands.

`)
	fs.PrintDefaults()
}

// parsePlatform reads -platform: "" for the system's own, else ios or
// android, in any case.
func parsePlatform(s string) (string, error) {
	switch p := strings.ToLower(strings.TrimSpace(s)); p {
	case "", ui.PlatformIOS, ui.PlatformAndroid:
		return p, nil
	}
	return "", fmt.Errorf("-platform %q: say ios or android", s)
}

// parseSize reads -size: "" for the default size, else WxH in Fyne's
// units, each between 200 and 10000.
func parseSize(s string) (fyne.Size, error) {
	if s == "" {
		return fyne.Size{}, nil
	}
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(strings.TrimSpace(ws))
	h, errH := strconv.Atoi(strings.TrimSpace(hs))
	if !ok || errW != nil || errH != nil || w < 200 || h < 200 || w > 10000 || h > 10000 {
		return fyne.Size{}, fmt.Errorf("-size %q: give the width and height in Fyne's units, each from 200 to 10000, as WxH: 1024x1366", s)
	}
	return fyne.NewSize(float32(w), float32(h)), nil
}

// tuneMemory lets the collector run more often than Go's default, for a
// smaller heap: the window is idle most of the time, the live heap with
// 100,000 users is about 30 MB (16 MB of it the list), and a goal of 1.5
// times that instead of 2 keeps the whole app near 175 MB resident instead
// of 190 (scripts/measure-resident). The soft limit makes the collector
// hand back the peak of a large load. GOGC and GOMEMLIMIT override both.
func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
}

// backend is ui.Backend on data, mail and the OS keychain. Its mailer is
// the one every session's resets send through; Settings changes it.
type backend struct {
	app    fyne.App
	mailer *mail.Switch

	mu      sync.Mutex
	closers []func() error // sessions and the demo stack, closed at exit
}

// newBackend starts with the mail server of RESETDESK_SMTP_URL, else the
// one saved in Settings, else none.
func newBackend(a fyne.App) *backend {
	b := &backend{app: a, mailer: &mail.Switch{}}
	if m, err := mailerFromEnv(); err != nil {
		report(err)
	} else if m != nil {
		b.mailer.Set(m, "the server in RESETDESK_SMTP_URL")
	} else if s := ui.LoadSMTPSettings(a.Preferences(), b.Keychain()); s.Host != "" {
		if err := b.ConfigureMail(s); err != nil {
			report(fmt.Errorf("the saved mail settings do not work: %w", err))
		}
	}
	return b
}

func (b *backend) onClose(f func() error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closers = append(b.closers, f)
}

// closeAll runs the closers, newest first: sessions, then the demo stack.
func (b *backend) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
	b.closers = nil
}

// session hands db to the screens, with a resetter that mails through the
// backend's mailer.
func (b *backend) session(db *data.DB) ui.Session {
	host, port, database := db.Endpoint()
	again := ui.Profile{Host: host, Port: port, Database: database, Role: db.Role()}
	if t := db.Trust(); t.Pinned {
		again.TLS, again.Pin = ui.TLSPinned, t.Pin
	} else {
		again.CAFile = t.CAFile
	}
	return ui.Session{Directory: db, Resetter: &app.Resetter{Dir: db, Mail: b.mailer},
		Server: db.Server(), Role: db.Role(), Close: db.Close, Again: again}
}

// openURL signs in with a connection URL, as the command line does.
func (b *backend) openURL(ctx context.Context, dsn string) (ui.Session, error) {
	db, err := data.Open(ctx, dsn)
	if err != nil {
		report(err)
		return ui.Session{}, err
	}
	b.onClose(db.Close)
	return b.session(db), nil
}

// SignIn connects as the profile's role.
func (b *backend) SignIn(ctx context.Context, p ui.Profile, password string) (ui.Session, error) {
	e := data.Endpoint{Host: p.Host, Port: p.Port, Database: p.Database, Role: p.Role, Password: password}
	db, err := data.OpenEndpoint(ctx, e, data.Trust{CAFile: p.CAFile, Pinned: p.TLS == ui.TLSPinned, Pin: p.Pin})
	if err != nil {
		return ui.Session{}, err
	}
	return b.session(db), nil
}

// startDemo brings up the demo stack under the user's cache folder and
// signs in as its owner, with the demo's sink as the mail server.
func (b *backend) startDemo(ctx context.Context) (ui.Session, error) {
	st, err := demo.Start(ctx, cacheDir())
	if err != nil {
		report(err)
		return ui.Session{}, err
	}
	b.onClose(st.Close)
	b.mailer.Set(st.Mailer, st.MailRoute())
	db, err := data.Open(ctx, st.OwnerURL)
	if err != nil {
		report(err)
		return ui.Session{}, err
	}
	b.onClose(db.Close)
	fmt.Fprintln(os.Stderr, st.Banner())
	sess := b.session(db)
	sess.Again.Name = "Demo: " + st.OrgName
	sess.Again.Temporary = true // a new port each run: never a saved profile
	sess.AgainHint = st.Hint()
	if sess.SelfService, err = selfServiceSetup(st.SelfServiceURL); err != nil {
		return ui.Session{}, err
	}
	return sess, nil
}

// ConfigureMail makes every session's later resets send through s.
func (b *backend) ConfigureMail(s ui.SMTPSettings) error {
	m, err := newMailer(s)
	if err != nil {
		return err
	}
	route := s.Host
	if s.Port != 0 {
		route += ":" + strconv.Itoa(s.Port)
	}
	b.mailer.Set(m, route)
	return nil
}

// MailRoute says where resets' mail goes now.
func (b *backend) MailRoute() string { return b.mailer.Route() }

// SendTestMessage sends a test message through s, or through the mail
// server in use when s names none.
func (b *backend) SendTestMessage(ctx context.Context, sess ui.Session, s ui.SMTPSettings, to string) error {
	var m app.Mailer = b.mailer
	if s.Host != "" {
		mm, err := newMailer(s)
		if err != nil {
			return err
		}
		m = mm
	}
	return app.SendTestMessage(ctx, sess.Directory, m, to)
}

// newMailer is the mailer of the settings a Settings screen holds.
func newMailer(s ui.SMTPSettings) (*mail.Mailer, error) {
	cfg := mail.Config{Host: s.Host, Port: s.Port, TLS: mail.TLSMode(s.TLS), Username: s.Username, Password: s.Password, From: s.From}
	if s.CAFile != "" {
		pool, err := mail.LoadCAFile(s.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return mail.NewMailer(cfg)
}

// Keychain is the OS keychain (Keychain on macOS, Credential Manager on
// Windows, the Secret Service on Linux). Where there is none, its methods
// fail and the UI says the password was not saved. Phones have none that
// the keyring package reaches (no /usr/bin/security on iOS, no Secret
// Service on Android), so the sign-in screen offers no "Remember password".
func (b *backend) Keychain() ui.Keychain {
	if runtime.GOOS == "ios" || runtime.GOOS == "android" {
		return nil
	}
	return osKeychain{}
}

type osKeychain struct{}

func (osKeychain) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeychain) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (osKeychain) Delete(service, user string) error        { return keyring.Delete(service, user) }
