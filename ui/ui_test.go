package ui

import (
	"context"
	"database/sql"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/sink"
)

func TestMain(m *testing.M) {
	os.Setenv("LANG", "en_US.UTF-8")
	os.Exit(m.Run())
}

// fixedNow is the clock of every test, so that "locked" is stable.
var fixedNow = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// testOptions run work inline: load and apply happen before the handler
// that started them returns, so tests need no sleeps.
func testOptions() options {
	return options{spawn: func(f func()) { f() }, now: func() time.Time { return fixedNow }}
}

// testBackend is main's part, done with the real data and mail packages.
type testBackend struct {
	t        testing.TB
	keychain Keychain

	mu     sync.Mutex
	mailer app.Mailer
	route  string
}

func (b *testBackend) SignIn(ctx context.Context, p Profile, password string) (Session, error) {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(p.Role, password),
		Host: net.JoinHostPort(p.Host, strconv.Itoa(p.Port)), Path: "/" + p.Database}
	db, err := data.OpenTrusted(ctx, u.String(), data.Trust{CAFile: p.CAFile, Pinned: p.TLS == TLSPinned, Pin: p.Pin})
	if err != nil {
		return Session{}, err
	}
	return Session{Directory: db, Resetter: &app.Resetter{Dir: db, Mail: b.currentMailer()}, Server: db.Server(),
		Role: db.Role(), Close: db.Close}, nil
}

func (b *testBackend) currentMailer() app.Mailer {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mailer
}

func (b *testBackend) ConfigureMail(s SMTPSettings) error {
	m, err := mail.NewMailer(mail.Config{Host: s.Host, Port: s.Port, TLS: mail.TLSMode(s.TLS), Username: s.Username,
		Password: s.Password, From: s.From})
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.mailer, b.route = m, net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	b.mu.Unlock()
	return nil
}

func (b *testBackend) MailRoute() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.route
}

func (b *testBackend) SendTestMessage(ctx context.Context, sess Session, s SMTPSettings, to string) error {
	m := b.currentMailer()
	if s.Host != "" {
		mm, err := mail.NewMailer(mail.Config{Host: s.Host, Port: s.Port, TLS: mail.TLSMode(s.TLS), From: s.From})
		if err != nil {
			return err
		}
		m = mm
	}
	return app.SendTestMessage(ctx, sess.Directory, m, to)
}

func (b *testBackend) Keychain() Keychain { return b.keychain }

// fixture is a signed-in desktop on a fresh org with a few users, and a
// mail sink that the resets send to.
type fixture struct {
	o       *pgtest.Org
	app     fyne.App
	backend *testBackend
	sink    *sink.Sink
	d       *Desktop
	c       *console
	users   map[string]app.User // by email
}

// seedCSV is the org's users beside the console users pgtest creates.
const seedCSV = `email,name,mobile,status
alice@acme.example,Alice Anders,,invited
bob@acme.example,Bob Brown,,invited
carol@acme.example,Carol Chen,,invited
dan@acme.example,Dan Dorsey,,invited
erin@acme.example,Erin Evans,,invited
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	rows, bad, err := app.ParseImportCSV(strings.NewReader(seedCSV))
	if err != nil || len(bad) > 0 {
		t.Fatalf("seed: %v %v", err, bad)
	}
	if _, err := o.Owner.ImportUsers(ctx, rows); err != nil {
		t.Fatalf("import: %v", err)
	}
	o.Exec(t, `UPDATE resetdesk.users SET status = 'confirmed' WHERE primary_email IN ('alice@acme.example', 'bob@acme.example', 'erin@acme.example')`)
	o.Exec(t, `UPDATE resetdesk.users SET status = 'deactivated' WHERE primary_email = 'carol@acme.example'`)
	o.Exec(t, `UPDATE resetdesk.users SET locked_until = '2999-01-01' WHERE primary_email = 'erin@acme.example'`)

	s, err := sink.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatalf("sink: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	host, port, _ := net.SplitHostPort(s.Addr())
	p, _ := strconv.Atoi(port)
	b := &testBackend{t: t}
	if err := b.ConfigureMail(SMTPSettings{Host: host, Port: p, TLS: "none", From: "ResetDesk <noreply@acme.test>"}); err != nil {
		t.Fatalf("mailer: %v", err)
	}

	a := test.NewTempApp(t)
	sess := Session{Directory: o.Owner, Resetter: &app.Resetter{Dir: o.Owner, Mail: b.currentMailer(), Now: func() time.Time { return fixedNow }}}
	d := newDesktop(a, b, &sess, testOptions())
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	d.win.Resize(fyne.NewSize(1000, 640))
	f := &fixture{o: o, app: a, backend: b, sink: s, d: d, c: d.console, users: map[string]app.User{}}
	for i := range f.c.dir.list.len() {
		u := f.c.dir.list.user(i)
		f.users[u.PrimaryEmail] = u
	}
	return f
}

// user re-reads a user from the directory.
func (f *fixture) user(t *testing.T, email string) app.User {
	t.Helper()
	u, err := f.o.Owner.UserByLogin(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// rowFor finds the rendered row of the users list that shows user id.
func rowFor(t *testing.T, w fyne.Window, id int64) *userRow {
	t.Helper()
	for _, o := range test.LaidOutObjects(w.Content()) {
		if r, ok := o.(*userRow); ok && r.user.ID == id && r.Visible() {
			return r
		}
	}
	t.Fatalf("no row shows user %d", id)
	return nil
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func mustActor(t *testing.T, d app.Directory) app.Actor {
	t.Helper()
	a, _, err := d.Actor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// passwordHash reads a user's stored hash as the superuser: no console role
// may.
func (f *fixture) passwordHash(t *testing.T, email string) string {
	t.Helper()
	db, err := sql.Open("postgres", f.o.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var h string
	if err := db.QueryRow(`SELECT password_hash FROM resetdesk.users WHERE primary_email = $1`, email).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}
