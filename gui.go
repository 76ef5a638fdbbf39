package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/zalando/go-keyring"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
	"resetdesk/icons"
	"resetdesk/mail"
	"resetdesk/mail/sink"
	"resetdesk/ui"
)

// runGUI opens the window: the sign-in screen, or with "demo" a private
// stack signed in as the demo owner. The shell is chosen here, once: the
// mobile one on a phone, or with -mobile as a phone-sized preview.
func runGUI(ctx context.Context, args []string) int {
	demo := len(args) > 0 && args[0] == "demo"
	selfService := len(args) > 0 && args[0] == "self-service"
	if demo || selfService {
		args = args[1:]
	}
	fs := flag.NewFlagSet("resetdesk", flag.ContinueOnError)
	mobileFlag := fs.Bool("mobile", false, "preview the mobile shell in a phone-sized window")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The window is idle most of the time, so the collector may run more
	// often than Go's default for a smaller heap: the live heap with 100,000
	// users is about 30 MB (16 MB of it the list), and a goal of 1.5 times
	// that instead of 2 keeps the whole app near 175 MB resident instead of
	// 190 (scripts/measure-resident). The soft limit makes the collector hand
	// back the peak of a large load. GOGC and GOMEMLIMIT override them.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
	a := fyneapp.NewWithID("com.resetdesk.app")
	a.SetIcon(icons.AppIcon)
	ui.UseAppTheme(a)
	b := newBackend(a)
	go func() { <-ctx.Done(); fyne.Do(a.Quit) }()
	mobile := *mobileFlag || fyne.CurrentDevice().IsMobile()
	if selfService { // a front-desk PC or a shortcut: the end user's forms only
		ui.NewSelfService(a, b, mobile).ShowAndRun()
		b.closeAll()
		return 0
	}
	dsn := os.Getenv("DATABASE_URL")
	if !demo && dsn == "" {
		if mobile {
			ui.NewMobile(a, b).ShowAndRun()
		} else {
			ui.NewDesktop(a, b).ShowAndRun()
		}
		b.closeAll()
		return 0
	}

	// Signed in from the start: the demo stack, or the DATABASE_URL that the
	// command line uses too. The demo's cluster may need an initdb first, so
	// the window says so at once and becomes the console when ready.
	start, what := b.startDemo, "Starting the demo: a private PostgreSQL server and a mail sink…"
	if !demo {
		start = func(ctx context.Context) (ui.Session, error) { return b.openURL(ctx, dsn) }
		what = "Signing in with DATABASE_URL…"
	}
	st := ui.Starter{What: what, Start: func(context.Context) (ui.Session, error) {
		s, err := start(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "resetdesk:", app.ErrorMessage(err))
		}
		return s, err
	}}
	if mobile {
		ui.NewMobileStarting(a, b, st).ShowAndRun()
	} else {
		ui.NewDesktopStarting(a, b, st).ShowAndRun()
	}
	b.closeAll()
	return 0
}

// backend is ui.Backend on data, mail and the OS keychain.
type backend struct {
	app    fyne.App
	mailer *switchMailer

	mu      sync.Mutex
	closers []func() error
}

func newBackend(a fyne.App) *backend {
	b := &backend{app: a, mailer: &switchMailer{}}
	if m, err := mailerFromEnv(); err != nil {
		fmt.Fprintln(os.Stderr, "resetdesk:", app.ErrorMessage(err))
	} else if m != nil {
		b.mailer.set(m, "the server in RESETDESK_SMTP_URL")
	} else if s := ui.LoadSMTPSettings(a.Preferences(), b.Keychain()); s.Host != "" {
		if err := b.ConfigureMail(s); err != nil {
			fmt.Fprintln(os.Stderr, "resetdesk: the saved mail settings do not work:", app.ErrorMessage(err))
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
		return ui.Session{}, err
	}
	b.onClose(db.Close)
	return b.session(db), nil
}

// SignIn connects as the profile's role.
func (b *backend) SignIn(ctx context.Context, p ui.Profile, password string) (ui.Session, error) {
	if p.Host == "" || strings.ContainsAny(p.Host, " /?#@") {
		return ui.Session{}, app.Errorf(app.EINVALID, "%q is not a host name or address.", p.Host)
	}
	u := url.URL{Scheme: "postgres", Host: p.Host, Path: "/" + p.Database, User: url.UserPassword(p.Role, password)}
	if p.Port != 0 {
		u.Host += ":" + strconv.Itoa(p.Port)
	}
	db, err := data.OpenTrusted(ctx, u.String(), data.Trust{CAFile: p.CAFile, Pinned: p.TLS == ui.TLSPinned, Pin: p.Pin})
	if err != nil {
		return ui.Session{}, err
	}
	return b.session(db), nil
}

// newMailer is the mailer of the settings a Settings screen holds.
func newMailer(s ui.SMTPSettings) (*mail.Mailer, error) {
	cfg, err := smtpConfig(s)
	if err != nil {
		return nil, err
	}
	return mail.NewMailer(cfg)
}

func smtpConfig(s ui.SMTPSettings) (mail.Config, error) {
	cfg := mail.Config{Host: s.Host, Port: s.Port, TLS: mail.TLSMode(s.TLS), Username: s.Username, Password: s.Password, From: s.From}
	if s.CAFile != "" {
		pool, err := mail.LoadCAFile(s.CAFile)
		if err != nil {
			return cfg, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
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
	b.mailer.set(m, route)
	return nil
}

// MailRoute says where resets' mail goes now.
func (b *backend) MailRoute() string { return b.mailer.currentRoute() }

// SendTestMessage sends a test message through s and records it.
func (b *backend) SendTestMessage(ctx context.Context, sess ui.Session, s ui.SMTPSettings, to string) error {
	var m app.CountingMailer = b.mailer // the mail server in use, when the form names none
	if s.Host != "" {
		mm, err := newMailer(s)
		if err != nil {
			return err
		}
		m = mm
	} else if !b.mailer.Configured() {
		return app.Errorf(app.EINVALID, "Enter the host name of the mail server.")
	}
	id, err := sess.Directory.CreateTestDelivery(ctx, to)
	if err != nil {
		return err
	}
	_, org, _ := sess.Directory.Actor(ctx)
	errs, attempts := m.SendCounted(ctx, []app.Notice{{DeliveryID: id, Kind: app.KindTest, To: to, OrgName: org.Name}})
	d := app.Delivery{ID: id, Status: app.DeliverySent, Attempts: attempts[0]}
	if errs[0] != nil {
		d.Status, d.LastError = app.DeliveryFailed, app.ErrorMessage(errs[0])
	}
	if err := sess.Directory.RecordDeliveries(context.WithoutCancel(ctx), []app.Delivery{d}); err != nil {
		return err
	}
	return errs[0]
}

// Keychain is the OS keychain (Keychain on macOS, Credential Manager on
// Windows, the Secret Service on Linux). Where there is none, its methods
// fail and the UI says the password was not saved.
// Keychain is the OS keychain; phones have none that the keyring package
// reaches (no /usr/bin/security on iOS, no Secret Service on Android), so
// the sign-in screen offers no "Remember password" there.
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

// switchMailer lets Settings change the mail server under running sessions.
type switchMailer struct {
	mu    sync.Mutex
	m     app.Mailer
	route string // where m sends, for Settings
}

func (s *switchMailer) set(m app.Mailer, route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m, s.route = m, route
}

func (s *switchMailer) currentRoute() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.route
}

// Configured reports whether a mail server has been set.
func (s *switchMailer) Configured() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m != nil
}

// SendCounted sends through the current mailer and counts attempts when it
// can.
func (s *switchMailer) SendCounted(ctx context.Context, notices []app.Notice) ([]error, []int) {
	s.mu.Lock()
	m := s.m
	s.mu.Unlock()
	if c, ok := m.(app.CountingMailer); ok {
		return c.SendCounted(ctx, notices)
	}
	errs := s.Send(ctx, notices)
	attempts := make([]int, len(errs))
	for i := range attempts {
		attempts[i] = 1
	}
	return errs, attempts
}

// Send sends through the current mailer, or fails every notice with a
// sentence when none is configured.
func (s *switchMailer) Send(ctx context.Context, notices []app.Notice) []error {
	s.mu.Lock()
	m := s.m
	s.mu.Unlock()
	if m != nil {
		return m.Send(ctx, notices)
	}
	errs := make([]error, len(notices))
	for i := range errs {
		errs[i] = app.Errorf(app.EUNAVAILABLE, "No mail server is configured. Set one up in Settings, then use Resend.")
	}
	return errs
}

// DemoPassword is the database password of the demo's console roles
// (demo_owner, demo_admin, demo_helpdesk): what the demo admin types at
// "Enter your password for verification". The demo cluster listens on
// loopback only and holds made-up people, so a published password is fine.
const DemoPassword = "northwind-demo"

// startDemo brings up the private demo stack: the cluster under the user's
// cache folder, the seeded org, the mail sink, and a session as the owner.
// The console roles' password is DemoPassword.
func (b *backend) startDemo(ctx context.Context) (ui.Session, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "resetdesk")
	cluster, err := localpg.Start(ctx, filepath.Join(base, "demo-pg"))
	if err != nil {
		return ui.Session{}, err
	}
	b.onClose(cluster.Stop)
	info, err := data.SeedDemo(ctx, cluster.SuperURL(), data.DemoOptions{Password: DemoPassword})
	if err != nil {
		return ui.Session{}, err
	}
	mailDir := filepath.Join(base, "demo-mail")
	if err := os.MkdirAll(mailDir, 0o700); err != nil {
		return ui.Session{}, app.Errorf(app.EINTERNAL, "Cannot create %s: %v", mailDir, err)
	}
	s, err := sink.Start("127.0.0.1:0", mailDir)
	if err != nil {
		return ui.Session{}, err
	}
	b.onClose(s.Close)
	cfg, err := mail.ParseURL("smtp://" + s.Addr() + "?tls=none")
	if err != nil {
		return ui.Session{}, err
	}
	cfg.From = "ResetDesk <noreply@northwind.example>"
	m, err := mail.NewMailer(cfg)
	if err != nil {
		return ui.Session{}, err
	}
	b.mailer.set(m, "the demo's own mail sink, as .eml files in "+mailDir)
	db, err := data.Open(ctx, info.OwnerURL)
	if err != nil {
		return ui.Session{}, err
	}
	b.onClose(db.Close)
	fmt.Fprintf(os.Stderr, "resetdesk demo: %s, %d users; signed in as %s (password for verification: %s); mail goes to %s\n",
		info.OrgName, info.Users, info.OwnerRole, DemoPassword, mailDir)
	sess := b.session(db)
	sess.Again.Name = "Demo: " + info.OrgName
	sess.Again.Temporary = true // a new port each run: never a saved profile
	sess.AgainHint = fmt.Sprintf("The demo's console roles (%s and the other admins) all have the password %s. "+
		"To finish a one-time reset as the user would, choose %q below and type the code from the newest mail in %s.",
		info.OwnerRole, DemoPassword, "I have a one-time password", mailDir)
	if sess.SelfService, err = selfServiceSetup(info.SelfServiceURL); err != nil {
		return ui.Session{}, err
	}
	return sess, nil
}
