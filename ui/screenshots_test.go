//go:build screenshots

package ui

// The README's screenshots: every screen of the desktop app on the real
// Northwind Traders demo directory, after a real one-time-password reset and
// a real bulk reset (so that Mail, Audit and the profile show history).
// scripts/screenshots runs this:
//
//	go test -tags screenshots -run TestScreenshots ./ui -args -out docs/screenshots
//
// It starts the demo's own stack with demo.Start, as `resetdesk demo` does
// (a private PostgreSQL cluster, the mail sink, the office mail relay), so
// it needs the PostgreSQL server binaries (scripts/setup-deps).

import (
	"context"
	"flag"
	"image"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/demo"
)

var (
	shotsOut   = flag.String("out", os.Getenv("RESETDESK_SCREENSHOTS_DIR"), "folder to write the screenshots to (default: a temporary folder)")
	shotsTheme = flag.String("theme", "dark", "theme of the screenshots: light or dark")
)

// shotSize is the window the screenshots show.
var shotSize = fyne.NewSize(1200, 760)

func TestScreenshots(t *testing.T) {
	out := *shotsOut
	if out == "" {
		out = t.TempDir()
	} else if !filepath.IsAbs(out) {
		// go test runs in the package folder; -out is meant from the
		// repository root, where scripts/screenshots runs.
		out = filepath.Join("..", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	dir := pgtest.ClusterDir(t, "resetdesk-shots-")
	// The whole demo stack, as `resetdesk demo` starts it: the cluster,
	// the seed, the sink writing .eml files to the demo's mail folder, and
	// the office mail relay in-process (the demo org has it on).
	st, err := demo.Start(ctx, dir)
	if err != nil {
		t.Fatalf("start the demo: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("stop the demo: %v", err)
		}
	})
	info, password := st.DemoInfo, demo.Password
	owner, err := data.Open(ctx, info.OwnerURL)
	if err != nil {
		t.Fatalf("sign in as the demo owner: %v", err)
	}
	t.Cleanup(func() { owner.Close() })
	// The window mails the demo's sink too, as gui.go's startDemo sets it
	// (what direct mode and test messages use).
	b := &testBackend{t: t, mailer: st.Mailer, route: st.MailRoute()}

	// The app as the demo opens it, with the real theme (not the test
	// driver's) and work run inline, so that every screen is loaded when
	// it is captured.
	a := test.NewTempApp(t)
	switch *shotsTheme {
	case ThemeLight, ThemeDark:
		a.Preferences().SetString(PrefTheme, *shotsTheme)
	default:
		t.Fatalf("-theme must be light or dark, not %q", *shotsTheme)
	}
	sess := Session{Directory: owner, Resetter: &app.Resetter{Dir: owner, Mail: b.currentMailer()},
		Server: owner.Server(), Role: owner.Role(), Close: func() error { return nil }}
	d := newDesktop(a, b, &sess, options{spawn: func(f func()) { f() }, now: time.Now})
	if d.console == nil {
		t.Fatalf("not signed in: %s", d.signIn.status.Text)
	}
	w := d.win
	w.Resize(shotSize)
	c := d.console
	u := c.users
	shot := func(name string) {
		t.Helper()
		// Lay everything out again at the final size, as the GL driver
		// does at each frame.
		w.Resize(shotSize.SubtractWidthHeight(1, 1))
		w.Resize(shotSize)
		w.Canvas().Capture() // creates the renderers of lazily made objects (table cells)
		relabel(w.Canvas())
		img := w.Canvas().Capture()
		if n := distinctColors(img, 100); n < 100 {
			t.Errorf("%s: only %d colours: is the screen blank?", name, n)
		}
		f, err := os.Create(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s/%s.png: %dx%d", out, name, img.Bounds().Dx(), img.Bounds().Dy())
	}

	// Users: the list with a selection for a bulk reset: people who will
	// be reset and people the rules skip, with the reason.
	now := time.Now()
	var picked []app.User
	want := []struct {
		n  int
		ok func(app.User) bool
	}{
		{3, func(x app.User) bool {
			return x.Status == app.StatusConfirmed && !x.SSOManaged && !x.Locked(now) && x.PrimaryEmail != "" && !x.PrimaryEmailUndeliverable
		}},
		{1, func(x app.User) bool { return x.Status == app.StatusInvited }},
		{1, func(x app.User) bool { return x.Status == app.StatusConfirmed && x.Locked(now) && !x.SSOManaged }},
		{1, func(x app.User) bool { return x.Status == app.StatusDeactivated }},
	}
	inPick := map[int64]bool{}
	for _, k := range want {
		n := 0
		for i := range u.c.dir.list.len() {
			x := u.c.dir.list.user(i)
			if n < k.n && !x.IsConsoleUser() && !inPick[x.ID] && k.ok(x) {
				picked = append(picked, x)
				inPick[x.ID] = true
				n++
			}
		}
		if n < k.n {
			t.Fatalf("the demo has too few users of a kind for the bulk reset")
		}
	}
	for _, x := range picked {
		u.onRowChecked(x.ID, true)
	}
	u.list.Refresh()
	shot("users")

	// Reset: the user whose last reset email failed (the demo's history),
	// one-time password by email, the admin's password typed; then the
	// real reset, so that their profile shows both.
	deliveries, err := owner.Deliveries(ctx, app.DeliveryFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var target app.User
	for _, dl := range deliveries {
		x, ok := u.userByID(dl.UserID)
		if ok && dl.Status == app.DeliveryFailed && !inPick[x.ID] &&
			app.SkipReasonFor(c.actor, c.org, x, app.ResetOptions{Mode: app.ModeOneTime}) == "" {
			target = x
			break
		}
	}
	if target.ID == 0 {
		t.Fatal("the demo has no user whose reset email failed and who may be reset now")
	}
	r := openResetDialog(c, target)
	test.Type(r.verify, password)
	shot("reset")
	test.Tap(r.confirm)
	if !strings.HasSuffix(r.outcome.Text, " was reset.") || !strings.HasSuffix(r.delivery.Text, ": "+deliveryState(app.Delivery{Status: app.DeliveryQueued})+".") {
		t.Fatalf("one-time reset of %s: %q %q %q", target.PrimaryEmail, r.outcome.Text, r.delivery.Text, r.status.Text)
	}
	test.Tap(r.close)

	// Bulk: the selection, reset at once, with the table of results.
	test.Tap(u.resetSelected)
	bulk := c.lastBulk
	test.Type(bulk.verify, password)
	test.Tap(bulk.confirm)
	if !strings.Contains(bulk.summary.Text, " reset, ") {
		t.Fatalf("bulk reset: %q %q", bulk.summary.Text, bulk.status.Text)
	}
	shot("bulk")
	test.Tap(bulk.close)
	u.onClearSelection()

	// Profile: the reset user's activity, this reset on top.
	if fresh, ok := u.userByID(target.ID); ok {
		target = fresh
	}
	u.openProfile(target)
	pr := u.profile
	pr.tabs.SelectIndex(2) // Activity
	if pr.activity.Length() == 0 {
		t.Errorf("the profile of %s shows no activity", target.PrimaryEmail)
	}
	shot("profile")
	u.showList()

	// Import: the preview of a file with a bad row, before anything is
	// written.
	c.show(screenImport)
	c.imports.onFile("new-hires.csv", strings.NewReader(`email,name,mobile,role,status
maria.lopez@northwind.example,María López,+44 7700 900123,member,invited
kenji.sato@northwind.example,Kenji Sato,,member,invited
not-an-email,Bad Row,,member,invited
fatima.zahra@northwind.example,Fatima Zahra,+212 600 123456,member,confirmed
boss.person@northwind.example,Boss Person,,admin,confirmed
lars.nilsen@northwind.example,Lars Nilsen,,member,invited
`))
	shot("import")

	c.show(screenMail)
	if len(c.mail.deliveries) == 0 {
		t.Errorf("the Mail screen lists no messages")
	}
	shot("mail")

	c.show(screenAudit)
	if len(c.audit.events) == 0 {
		t.Errorf("the Audit screen lists no events")
	}
	shot("audit")

	c.show(screenSettings)
	shot("settings")

	// Settings, scrolled to the saved profiles, with one open for editing.
	saveProfile(a.Preferences(), Profile{Name: "Northwind HQ", Host: "db.northwind.example", Port: 5432, Database: "resetdesk", Role: "olivia"})
	c.settings.showProfiles()
	c.settings.scroll.ScrollToBottom()
	c.settings.onEditProfile(c.settings.profiles[0])
	shot("settings_profile")
	c.settings.edit.dialog.Hide()

	// The Unified shell, on the users list.
	c.setLayout(LayoutUnified)
	c.show(screenUsers)
	shot("unified")

	// The mobile shell in a phone-sized window: list, user, Reset Password,
	// and the outcome with SHARE.
	mo := mobileOptions{options: options{spawn: func(f func()) { f() }, now: time.Now}, platform: platformAndroid,
		openURL: func(*url.URL) error { return nil }, generate: app.GeneratePassword}
	m := newMobile(a, b, &sess, mo)
	phone := fyne.NewSize(390, 844)
	winShot := func(mw fyne.Window, size fyne.Size, name string) {
		t.Helper()
		mw.Resize(size.SubtractWidthHeight(1, 1))
		mw.Resize(size)
		mw.Canvas().Capture()
		relabel(mw.Canvas())
		img := mw.Canvas().Capture()
		f, err := os.Create(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Logf("%s/%s.png: %dx%d", out, name, img.Bounds().Dx(), img.Bounds().Dy())
	}
	mshot := func(name string) { t.Helper(); winShot(m.win, phone, name) }
	// Mail: the demo's relay, seen moments ago; the phone needs no mail
	// settings.
	test.Tap(m.home.mail)
	if m.lastMail == nil || m.lastMail.relay == nil {
		t.Fatal("the phone's Mail page shows no relay in the demo")
	}
	mshot("mobile_mail")
	test.Tap(m.nav.back)
	test.Tap(m.home.entry)
	mshot("mobile_users")
	test.Type(m.users.search, "nakamura")
	if m.users.list.Length() == 0 {
		t.Fatal("no Nakamura in the demo")
	}
	m.users.list.Select(0)
	mshot("mobile_user")
	mr := newMobileResetPage(m, m.lastUser.user)
	m.nav.push(mr.page)
	mshot("mobile_reset")
	test.Tap(mr.reset)
	test.Type(mr.verify, password)
	test.Tap(mr.confirm)
	if m.lastOutcome == nil {
		t.Fatalf("no outcome: %s", mr.status.Text)
	}
	mshot("mobile_share")

	// A tablet: an iPad in portrait (touch) shows the Spaces shell with
	// finger-sized targets; in a narrow split view, the phone flow.
	a.Preferences().SetString(PrefLayout, LayoutSpaces)
	to := mo
	to.platform, to.touch = platformIOS, true
	ipad := fyne.NewSize(1024, 1366)
	tab := startWindow(a, b, &Starter{What: "Opening the directory…", Start: func(context.Context) (Session, error) { return sess, nil }}, to, ipad)
	if tab.console == nil || tab.narrow {
		t.Fatalf("the tablet shows no shell: %s", tab.signIn.status.Text)
	}
	tab.console.users.status.SetSelected("Confirmed")
	for i := range 3 {
		tab.console.users.onRowChecked(tab.console.users.shownUser(2*i+1).ID, true)
	}
	tab.console.users.list.Refresh()
	winShot(tab.win, ipad, "tablet")
	split := fyne.NewSize(507, 1366)
	tab.win.Resize(split)
	if !tab.narrow {
		t.Fatal("the tablet's split view shows the shell")
	}
	winShot(tab.win, split, "tablet_split")
	tab.win.Close()

	// The end user's half: this computer set up for self-service with the
	// demo's self-service login (Settings), then, signed out, the user
	// whose one-time password went out above sets their own password.
	b.keychain = &memKeychain{secrets: map[string]string{}}
	ssURL, err := url.Parse(info.SelfServiceURL)
	if err != nil {
		t.Fatal(err)
	}
	ssPort, _ := strconv.Atoi(ssURL.Port())
	ssPassword, _ := ssURL.User.Password()
	setup := app.SelfServiceSetup{Host: ssURL.Hostname(), Port: ssPort, Database: strings.TrimPrefix(ssURL.Path, "/"),
		Login: ssURL.User.Username(), Password: ssPassword}
	if _, err := storeSelfServiceSetup(b, a.Preferences(), setup); err != nil {
		t.Fatalf("self-service set-up: %v", err)
	}
	c.setLayout(LayoutSpaces)

	// Hand-over: "Let the user type it"; after Confirm the dialog is the
	// user's form.
	ho := openResetDialog(c, picked[0])
	ho.mode.SetSelected(modeSetLabel)
	test.Tap(ho.resetForm.handOver)
	shot("handover_choice")
	test.Type(ho.verify, password)
	test.Tap(ho.confirm)
	if ho.handOverForm == nil {
		t.Fatalf("hand-over of %s: %q", picked[0].PrimaryEmail, ho.status.Text)
	}
	test.Type(ho.handOverForm.password, "Seven-brass-lanterns-glow")
	shot("handover")
	ho.onClose()

	c.show(screenSettings)
	c.settings.selfService.host.SetText(setup.Host)
	c.settings.selfService.port.SetText(portText(setup.Port))
	c.settings.selfService.database.SetText(setup.Database)
	c.settings.selfService.login.SetText(setup.Login)
	c.settings.selfService.say(widget.SuccessImportance, "Saved. Self-service works on this computer: the sign-in screen offers it.")
	// One other device set up already (as its QR code would), and the
	// next one being named.
	ss := c.settings.selfService
	phonePW, err := app.GeneratePlainPassword(devicePasswordLength)
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.mgr.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: setup.Login + "_maria_phone", Password: phonePW}); err != nil {
		t.Fatalf("a sign-in for Maria's phone: %v", err)
	}
	ss.reloadDevices()
	test.Type(ss.deviceName, "Reception")
	c.settings.scroll.Offset.Y = ss.card.Position().Y
	c.settings.scroll.Refresh()
	shot("settings_selfservice")
	c.settings.scroll.Offset.Y = ss.card.Position().Y + ss.card.Size().Height - c.settings.scroll.Size().Height
	c.settings.scroll.Refresh()
	shot("settings_selfservice_devices")

	// The relay mailed the one-time password to the demo's mail folder.
	code := demoMailedCode(t, st.MailDir, target.PrimaryEmail)
	d.signOut()
	shot("signin")
	test.Tap(d.signIn.endUserCode)
	e := d.endUser
	const newPassword = "Lantern-orchard-blue-4711"
	for _, x := range []struct {
		entry *widget.Entry
		text  string
	}{{e.login, target.PrimaryEmail}, {e.secret, strings.ToLower(code)}, {e.password, newPassword}, {e.again, newPassword}} {
		typeIn(w, x.entry, x.text)
	}
	shot("enduser_code")
	test.Tap(e.submit)
	if !e.doneBox.Visible() {
		t.Fatalf("the end user's reset: %s", e.status.Text)
	}
	shot("enduser_done")

	m.signOut()
	test.Tap(m.signIn.endUserTemporary)
	me := m.host.endUser
	typeIn(m.win, me.login, "someone@northwind.example")
	typeIn(m.win, me.password, "short")
	mshot("mobile_enduser")

	if files, _ := filepath.Glob(filepath.Join(st.MailDir, "*.eml")); len(files) == 0 {
		t.Errorf("the demo's mail folder has no messages")
	} else {
		t.Logf("the demo's mail folder has %d messages", len(files))
	}
}

// demoMailedCode waits for the relay's message to to in the demo's mail
// folder and returns its one-time password.
func demoMailedCode(t *testing.T, dir, to string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // the sink may be writing it
			}
			if msg := string(b); strings.Contains(msg, "<"+to+">") || strings.Contains(msg, "To: "+to) {
				if code := shotCodeRE.FindString(msg); code != "" {
					return code
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no one-time password for %s in %s after 30 s", to, dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shotCodeRE finds a one-time password in a message.
var shotCodeRE = regexp.MustCompile(`\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b`)

// relabel lays out and refreshes every label on c. The test driver fills a
// table's cells before their labels have renderers, and such a label never
// truncates its text with an ellipsis, as it does in the app: its text
// would run over the next column.
func relabel(c fyne.Canvas) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			test.WidgetRenderer(x).Layout(x.Size())
			x.Refresh()
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(x).Objects() {
				walk(child)
			}
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		}
	}
	walk(c.Content())
	for _, o := range c.Overlays().List() {
		walk(o)
	}
}

// distinctColors counts the colours of img, stopping at limit.
func distinctColors(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, b, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// typeIn types text into e with the keyboard's focus on e alone, as a
// person's typing has it. test.Type tells e it gained the focus but tells
// the field that had it nothing, so a shot after typing in two fields
// showed both with the focus border and a cursor.
func typeIn(w fyne.Window, e fyne.Focusable, text string) {
	w.Canvas().Focus(e)
	test.Type(e, text)
}
