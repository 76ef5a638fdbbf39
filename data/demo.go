package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"resetdesk/app"
)

// DemoOrgName is the organization `resetdesk demo` shows.
const DemoOrgName = "Northwind Traders"

// DemoOptions say where the demo goes and how its console users sign in.
type DemoOptions struct {
	// Password is the database password of the demo's three console roles
	// (owner, admin, helpdesk): at least 12 characters. The caller chooses it
	// so that it can sign the app in without ever writing it anywhere.
	Password string
	// Database is the database to seed, created when missing. Default
	// "resetdesk_demo".
	Database string
	// RolePrefix names the login roles PREFIX_owner, PREFIX_admin and
	// PREFIX_helpdesk. Roles belong to the whole server, so tests that share
	// one pick a prefix of their own. Default "demo".
	RolePrefix string
}

// DemoInfo says what the demo holds and how to sign in to it. The URLs carry
// the password: hand them to the code that signs in, never to a log.
type DemoInfo struct {
	OrgID    int64
	OrgName  string
	Database string

	OwnerRole, AdminRole, HelpdeskRole string
	OwnerURL, AdminURL, HelpdeskURL    string
	// CustomRole is the name of the helpdesk user's custom role
	// (reset_password only).
	CustomRole string
	// SelfServiceRole is the demo's self-service login (PREFIX_selfservice,
	// a member of resetdesk_self_service with the console roles' password),
	// and SelfServiceURL signs in as it: what "I have a one-time password"
	// and "Change a temporary password" use after signing out of the demo.
	SelfServiceRole, SelfServiceURL string
	// RelayRole is the demo's office mail relay login (PREFIX_relay, in
	// resetdesk_relay with the console roles' password), and RelayURL
	// signs in as it: `resetdesk demo` runs a relay in-process with it.
	RelayRole, RelayURL string

	// Seeded is true when this call filled the database, false when the demo
	// was already there.
	Seeded bool

	Users, Sessions, APITokens, Deliveries, AuditEvents int
}

var databaseNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// demoNames holds the names derived from DemoOptions.
type demoNames struct {
	db, owner, admin, helpdesk, customRole, selfService, relay string
}

func (o DemoOptions) names() (demoNames, error) {
	db, prefix := o.Database, o.RolePrefix
	if db == "" {
		db = "resetdesk_demo"
	}
	if prefix == "" {
		prefix = "demo"
	}
	n := demoNames{db: db, owner: prefix + "_owner", admin: prefix + "_admin", helpdesk: prefix + "_helpdesk",
		customRole: "helpdesk", selfService: prefix + "_selfservice", relay: prefix + "_relay"}
	if prefix != "demo" {
		// The custom role's group role is server-wide too: keep another
		// prefix's demo (a test's) from sharing it.
		n.customRole = prefix + "_helpdesk"
	}
	if !databaseNameRE.MatchString(db) {
		return n, app.Errorf(app.EINVALID, "%q is not a valid demo database name: use lowercase letters, digits and _.", db)
	}
	if !ValidRoleName(n.helpdesk) || len(n.customRole) > 31 {
		return n, app.Errorf(app.EINVALID, "%q is not a valid demo role prefix: use a few lowercase letters, digits and _.", prefix)
	}
	if len(o.Password) < 12 {
		return n, app.Errorf(app.EINVALID, "The demo's database password must have at least 12 characters.")
	}
	return n, nil
}

// SeedDemo fills a database with the Northwind Traders demo: the org with
// admins_may_set_passwords on, an owner, an admin, a helpdesk user whose
// custom role may only reset passwords, and 300 users that between them meet
// every rule of DESIGN.md section 4, with sessions, API tokens, audit events
// and mail history. superURL is a superuser connection to the server; the
// database is created when missing.
//
// It is idempotent: once a database holds the demo, SeedDemo changes nothing
// in it and returns its info. The one exception is the console roles'
// password: when opt.Password no longer signs in as the owner, the three
// roles get it, so that a caller that lost the old one is not locked out of
// its own demo. A run cut short is completed by the next.
//
// Errors: EINVALID for bad options, ECONFLICT when the database holds
// another org, and what the server says otherwise.
func SeedDemo(ctx context.Context, superURL string, opt DemoOptions) (DemoInfo, error) {
	n, err := opt.names()
	if err != nil {
		return DemoInfo{}, err
	}
	cfg, err := ParseConfig(superURL)
	if err != nil {
		return DemoInfo{}, err
	}
	if err := ensureDatabase(ctx, cfg, n.db); err != nil {
		return DemoInfo{}, fmt.Errorf("data: demo: %w", err)
	}
	dcfg := cfg.Clone()
	dcfg.Database = n.db
	d, err := OpenConfig(ctx, dcfg)
	if err != nil {
		return DemoInfo{}, fmt.Errorf("data: demo: %w", err)
	}
	defer d.Close()
	a := &Admin{DB: *d}
	info := DemoInfo{OrgName: DemoOrgName, Database: n.db, OwnerRole: n.owner, AdminRole: n.admin,
		HelpdeskRole: n.helpdesk, CustomRole: n.customRole, SelfServiceRole: n.selfService, RelayRole: n.relay}
	for role, dst := range map[string]*string{n.owner: &info.OwnerURL, n.admin: &info.AdminURL, n.helpdesk: &info.HelpdeskURL,
		n.selfService: &info.SelfServiceURL, n.relay: &info.RelayURL} {
		if *dst, err = signInURL(superURL, cfg, n.db, role, opt.Password); err != nil {
			return info, err
		}
	}
	seeded, err := a.demoSeeded(ctx)
	if err != nil {
		return info, fmt.Errorf("data: demo: %w", err)
	}
	if !seeded {
		if err := a.seedDemo(ctx, n, opt.Password); err != nil {
			return info, fmt.Errorf("data: demo: %w", err)
		}
		info.Seeded = true
	} else if _, err := a.Setup(ctx, SetupOptions{}); err != nil {
		// A demo made by an older ResetDesk: bring its schema up to date.
		return info, fmt.Errorf("data: demo: %w", err)
	}
	if err := a.ensureDemoSelfService(ctx, n, opt.Password); err != nil {
		return info, fmt.Errorf("data: demo: %w", err)
	}
	if err := a.ensureDemoRelay(ctx, n, opt.Password); err != nil {
		return info, fmt.Errorf("data: demo: %w", err)
	}
	if err := a.healDemoPasswords(ctx, n, info.OwnerURL, opt.Password); err != nil {
		return info, fmt.Errorf("data: demo: %w", err)
	}
	if err := a.demoCounts(ctx, &info); err != nil {
		return info, fmt.Errorf("data: demo: %w", err)
	}
	return info, nil
}

// ensureDatabase creates database name unless it exists, over a connection
// to the database cfg names (usually "postgres").
func ensureDatabase(ctx context.Context, cfg pq.Config, name string) error {
	c, err := newConnector(cfg, Trust{})
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return mapErr(cfg, err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" ENCODING 'UTF8' TEMPLATE template0")
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "42P04" {
		return nil // another seeder made it a moment ago
	}
	return mapErr(cfg, err)
}

// signInURL is superURL with the role, its password and the demo database.
// A URL keeps all its other parameters (sslmode, certificates); a key=value
// string is rebuilt from its parsed form.
func signInURL(superURL string, cfg pq.Config, db, role, password string) (string, error) {
	u, err := url.Parse(superURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		u = &url.URL{Scheme: "postgres"}
		q := url.Values{}
		if strings.HasPrefix(cfg.Host, "/") {
			q.Set("host", cfg.Host)
			q.Set("port", strconv.Itoa(int(cfg.Port)))
		} else {
			u.Host = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
		}
		if cfg.SSLMode != "" {
			q.Set("sslmode", string(cfg.SSLMode))
		}
		u.RawQuery = q.Encode()
	}
	u.User = url.UserPassword(role, password)
	u.Path = "/" + db
	u.RawPath = ""
	return u.String(), nil
}

// demoSeeded reports whether the last step of a seed ran: it records a
// demo_seeded event in the same transaction as the users.
func (a *Admin) demoSeeded(ctx context.Context) (bool, error) {
	var ok bool
	const q = `SELECT to_regclass('resetdesk.audit_events') IS NOT NULL`
	if err := a.db.GetContext(ctx, &ok, q); err != nil || !ok {
		return false, a.mapErr(err)
	}
	err := a.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM resetdesk.audit_events WHERE action = 'demo_seeded')`)
	return ok, a.mapErr(err)
}

// seedDemo runs every step of a seed whose result is not there yet: setup,
// the custom role, the console users, then the directory in one transaction.
func (a *Admin) seedDemo(ctx context.Context, n demoNames, password string) error {
	need, err := a.NeedsOrg(ctx)
	if err != nil {
		return err
	}
	if !need {
		// Seed only what is ours: never add 300 fictitious people to a real
		// directory that someone pointed the demo at.
		var name string
		if err := a.db.GetContext(ctx, &name, `SELECT name FROM resetdesk.orgs ORDER BY id LIMIT 1`); err != nil {
			return a.mapErr(err)
		}
		var ours bool
		const owner = `SELECT EXISTS (SELECT 1 FROM resetdesk.users WHERE role = 'owner' AND db_role = $1)`
		if err := a.db.GetContext(ctx, &ours, owner, n.owner); err != nil {
			return a.mapErr(err)
		}
		if name != DemoOrgName || !ours {
			return app.Errorf(app.ECONFLICT, "The database %s already holds the organization %q. The demo seeds only a database of its own.", n.db, name)
		}
	}
	res, err := a.Setup(ctx, SetupOptions{OrgName: DemoOrgName, OwnerEmail: "owner@northwind.example",
		OwnerName: "Olivia Owens", OwnerRole: n.owner, OwnerPassword: password})
	if err != nil {
		return err
	}
	var exists bool
	if err := a.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM resetdesk.roles WHERE name = $1)`, n.customRole); err != nil {
		return a.mapErr(err)
	}
	if !exists {
		if err := a.AddRole(ctx, n.customRole, []app.Permission{app.PermResetPassword}); err != nil {
			return err
		}
	}
	for _, c := range []AdminOptions{
		{LoginRole: n.admin, Email: "admin@northwind.example", Name: "Ada Admin", Password: password},
		{LoginRole: n.helpdesk, Email: "helpdesk@northwind.example", Name: "Hugo Helpdesk", Password: password, CustomRole: n.customRole},
	} {
		const q = `SELECT EXISTS (SELECT 1 FROM resetdesk.users WHERE db_role = $1)`
		if err := a.db.GetContext(ctx, &exists, q, c.LoginRole); err != nil {
			return a.mapErr(err)
		}
		if !exists {
			if err := a.AddAdmin(ctx, c); err != nil {
				return err
			}
		}
	}
	return a.seedDemoDirectory(ctx, res.OrgID, n)
}

// ensureDemoSelfService adds the demo's self-service login unless this
// database has it already.
func (a *Admin) ensureDemoSelfService(ctx context.Context, n demoNames, password string) error {
	var registered bool
	const q = `SELECT EXISTS (SELECT 1 FROM resetdesk.self_service_logins WHERE db_role = $1)`
	if err := a.db.GetContext(ctx, &registered, q, n.selfService); err != nil {
		return a.mapErr(err)
	}
	if registered {
		return nil
	}
	return a.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: n.selfService, Password: password})
}

// ensureDemoRelay gives the demo its office mail relay: a relay login, and
// the org's mail_relay policy on, so that the demo shows the safer of the
// two modes (no admin's device sees a code, a phone needs no mail
// settings). Both happen once, when the login is missing: a demo whose
// owner turned the relay off keeps it off. The policy comes first, so
// that a run cut short between the two turns it on again next time.
func (a *Admin) ensureDemoRelay(ctx context.Context, n demoNames, password string) error {
	var registered bool
	const q = `SELECT EXISTS (SELECT 1 FROM resetdesk.relay_logins WHERE db_role = $1)`
	if err := a.db.GetContext(ctx, &registered, q, n.relay); err != nil {
		return a.mapErr(err)
	}
	if registered {
		return nil
	}
	if _, err := a.db.ExecContext(ctx, demoRelayPolicy); err != nil {
		return a.mapErr(err)
	}
	return a.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: n.relay, Password: password})
}

// demoRelayPolicy turns the demo org's relay on, as the DBA, with the audit
// row `resetdesk policy set mail_relay=true` would leave.
const demoRelayPolicy = `
	WITH o AS (
	    UPDATE resetdesk.orgs SET mail_relay = true WHERE NOT mail_relay RETURNING id
	)
	INSERT INTO resetdesk.audit_events (action, details)
	SELECT 'set_org_policies', jsonb_build_object('mail_relay', true) FROM o`

// healDemoPasswords gives the console roles password when it does not sign
// in as the owner. The check is one sign-in, so a second seed with the same
// password changes nothing.
func (a *Admin) healDemoPasswords(ctx context.Context, n demoNames, ownerURL, password string) error {
	d, err := Open(ctx, ownerURL)
	if err == nil {
		return d.Close()
	}
	if app.ErrorCode(err) != app.EUNAUTHORIZED {
		return err
	}
	for _, role := range []string{n.owner, n.admin, n.helpdesk, n.selfService, n.relay} {
		verifier, err := scramVerifier(password)
		if err != nil {
			return err
		}
		stmt := "ALTER ROLE " + pq.QuoteIdentifier(role) + " PASSWORD " + pq.QuoteLiteral(verifier)
		if err := a.ExecRaw(ctx, stmt); err != nil {
			return a.mapErr(err)
		}
	}
	return nil
}

func (a *Admin) demoCounts(ctx context.Context, info *DemoInfo) error {
	const q = `
		SELECT (SELECT min(id) FROM resetdesk.orgs) AS org_id,
		       (SELECT count(*) FROM resetdesk.users) AS users,
		       (SELECT count(*) FROM resetdesk.sessions) AS sessions,
		       (SELECT count(*) FROM resetdesk.api_tokens) AS api_tokens,
		       (SELECT count(*) FROM resetdesk.mail_deliveries) AS deliveries,
		       (SELECT count(*) FROM resetdesk.audit_events) AS audit_events`
	var r struct {
		OrgID       int64 `db:"org_id"`
		Users       int   `db:"users"`
		Sessions    int   `db:"sessions"`
		APITokens   int   `db:"api_tokens"`
		Deliveries  int   `db:"deliveries"`
		AuditEvents int   `db:"audit_events"`
	}
	if err := a.db.GetContext(ctx, &r, q); err != nil {
		return a.mapErr(err)
	}
	info.OrgID, info.Users, info.Sessions, info.APITokens, info.Deliveries, info.AuditEvents =
		r.OrgID, r.Users, r.Sessions, r.APITokens, r.Deliveries, r.AuditEvents
	return nil
}

// The directory is generated in Go, where it is easy to read and to keep
// deterministic, and goes in as JSON recordsets: one INSERT per table,
// whatever the number of rows.

// demoPerson is one users row of the demo. Durations are seconds from now;
// nil means NULL.
type demoPerson struct {
	Name          string   `json:"name"`
	Email         *string  `json:"email"`
	Mobile        *string  `json:"mobile"`
	IsMobile      bool     `json:"is_mobile"`
	Secondary     *string  `json:"secondary"`
	Undeliverable bool     `json:"undeliverable"`
	Status        string   `json:"status"`
	SSO           bool     `json:"sso"`
	LockedFor     *float64 `json:"locked_for"`
	HasPassword   bool     `json:"has_password"`
	MustChange    bool     `json:"must_change"`
	ExpiresIn     *float64 `json:"expires_in"`
	ChangedAgo    *float64 `json:"changed_ago"`
	CreatedAgo    float64  `json:"created_ago"`

	login string // email, else mobile: how the other tables find the row
	kind  demoKind
}

// demoKind is the part of section 4 a demo user stands for.
type demoKind int

const (
	demoNormal        demoKind = iota
	demoInvited                // not_confirmed
	demoDeactivated            // deactivated
	demoMobile                 // mobile_primary: signs in with a phone number
	demoSSO                    // sso
	demoLocked                 // eligible, and "Unlock the account" matters
	demoUndeliverable          // primary_undeliverable, with a secondary email
	demoBounceNoAlt            // primary_undeliverable, nowhere to send a notice
	demoNoEmail                // no_email: a phone number on file, no address
	demoTempPassword           // a set password not yet changed
	demoOTPPending             // a one-time password out, not used yet
)

// demoMix is how many of the 300 users each kind gets; the rest are
// ordinary confirmed users, as in a real office.
var demoMix = []struct {
	kind  demoKind
	count int
}{
	{demoInvited, 18}, {demoDeactivated, 14}, {demoMobile, 8}, {demoSSO, 12}, {demoLocked, 10},
	{demoUndeliverable, 5}, {demoBounceNoAlt, 1}, {demoNoEmail, 3}, {demoTempPassword, 6}, {demoOTPPending, 2},
}

const demoUsers = 300

type demoName struct{ display, slug string }

var (
	demoFirst = []demoName{
		{"Ana", "ana"}, {"Ben", "ben"}, {"Chloé", "chloe"}, {"David", "david"}, {"Elif", "elif"},
		{"Farah", "farah"}, {"Grace", "grace"}, {"Hiroshi", "hiroshi"}, {"Ingrid", "ingrid"}, {"Jürgen", "jurgen"},
		{"Kwame", "kwame"}, {"Léa", "lea"}, {"Mateo", "mateo"}, {"Nadia", "nadia"}, {"Oscar", "oscar"},
		{"Priya", "priya"}, {"Renée", "renee"}, {"Sven", "sven"}, {"Tomás", "tomas"}, {"Yuki", "yuki"},
	}
	demoLast = []demoName{
		{"Andersen", "andersen"}, {"Becker", "becker"}, {"Costa", "costa"}, {"Dubois", "dubois"},
		{"Eriksson", "eriksson"}, {"García", "garcia"}, {"Haddad", "haddad"}, {"Kowalski", "kowalski"},
		{"Müller", "muller"}, {"Nakamura", "nakamura"}, {"O'Brien", "obrien"}, {"Petrov", "petrov"},
		{"Rossi", "rossi"}, {"Schmidt", "schmidt"}, {"Øvrebø", "ovrebo"}, {"Wójcik", "wojcik"}, {"Yılmaz", "yilmaz"},
	}
	// demoSpecial are whole names the first/last lists cannot make: scripts
	// and letters that a list, a search and a CSV export must get right.
	demoSpecial = []demoName{
		{"Zoë Ångström", "zoe.angstrom"}, {"José Núñez", "jose.nunez"}, {"李雷", "li.lei"}, {"韩梅梅", "han.meimei"},
		{"Siobhán Ó Súilleabháin", "siobhan.osullivan"}, {"Nguyễn Thị Lan", "lan.nguyen"}, {"Björn Öberg", "bjorn.oberg"},
		{"Małgorzata Żak", "malgorzata.zak"}, {"Αλέξανδρος Παπαδόπουλος", "alexandros.papadopoulos"},
		{"Ольга Смирнова", "olga.smirnova"}, {"محمد العلي", "mohammed.alali"}, {"Søren Holm", "soren.holm"},
	}
)

// demoPeople returns the 300 users, the same every time. Kinds are spread
// over the list by a fixed permutation, so that every screenful of the
// users list shows a mix.
func demoPeople() []demoPerson {
	kinds := make([]demoKind, demoUsers)
	slot := 0
	for _, m := range demoMix {
		for range m.count {
			kinds[slot*7%demoUsers] = m.kind // 7 and 300 are coprime: a permutation
			slot++
		}
	}
	str := func(s string) *string { return &s }
	secs := func(d time.Duration) *float64 { s := d.Seconds(); return &s }
	locks := []time.Duration{20 * time.Minute, 2 * time.Hour, 3 * 24 * time.Hour, 30 * 24 * time.Hour}
	people := make([]demoPerson, demoUsers)
	for i := range people {
		var nm demoName
		if i%25 == 3 && i/25 < len(demoSpecial) {
			nm = demoSpecial[i/25]
		} else {
			j := i * 7 % (len(demoFirst) * len(demoLast)) // 7 and 340 are coprime: no two alike
			f, l := demoFirst[j%len(demoFirst)], demoLast[j/len(demoFirst)]
			nm = demoName{f.display + " " + l.display, f.slug + "." + l.slug}
		}
		p := demoPerson{Name: nm.display, Status: "confirmed", HasPassword: true, kind: kinds[i],
			Email:      str(nm.slug + "@northwind.example"),
			CreatedAgo: float64(30+i*2) * 86400, ChangedAgo: secs(time.Duration(1+i%170) * 24 * time.Hour)}
		mobile := fmt.Sprintf("+447700900%03d", i) // Ofcom's range for fiction
		if i%3 == 0 {
			p.Mobile = str(mobile)
		}
		if i%10 == 0 {
			p.Secondary = str(nm.slug + "@example.org")
		}
		switch p.kind {
		case demoInvited:
			p.Status, p.HasPassword, p.ChangedAgo = "invited", false, nil
			p.CreatedAgo = float64(1+i%9) * 86400
		case demoDeactivated:
			p.Status = "deactivated"
		case demoMobile:
			p.Email, p.Mobile, p.IsMobile = nil, str(mobile), true
		case demoSSO:
			p.SSO, p.HasPassword, p.ChangedAgo = true, false, nil
		case demoLocked:
			p.LockedFor = secs(locks[i%len(locks)])
		case demoUndeliverable:
			p.Undeliverable, p.Secondary = true, str(nm.slug+"@example.org")
		case demoBounceNoAlt:
			p.Undeliverable, p.Secondary = true, nil
		case demoNoEmail:
			p.Email, p.Mobile = nil, str(mobile)
		case demoTempPassword:
			p.MustChange, p.ChangedAgo = true, secs(time.Duration(2+i%20)*time.Hour)
			p.ExpiresIn = secs(72*time.Hour - time.Duration(2+i%20)*time.Hour)
		case demoOTPPending:
			p.HasPassword, p.ChangedAgo = false, secs(time.Duration(2+i%4)*time.Minute)
		}
		p.login = mobile
		if p.Email != nil {
			p.login = *p.Email
		}
		people[i] = p
	}
	return people
}

// demoSession, demoToken, demoEvent and demoDelivery are the rows that hang
// off a user, found by login.
type demoSession struct {
	Login      string   `json:"login"`
	Kind       string   `json:"kind"`
	Client     string   `json:"client"`
	CreatedAgo float64  `json:"created_ago"`
	SeenAgo    float64  `json:"seen_ago"`
	RevokedAgo *float64 `json:"revoked_ago"`
}

type demoToken struct {
	Login      string   `json:"login"`
	Name       string   `json:"name"`
	Hash       string   `json:"hash"`
	CreatedAgo float64  `json:"created_ago"`
	RevokedAgo *float64 `json:"revoked_ago"`
}

type demoEvent struct {
	Login   *string        `json:"login"` // the target, if any
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Ago     float64        `json:"ago"`
	Details map[string]any `json:"details"`
}

type demoDelivery struct {
	Login     *string  `json:"login"`
	Kind      string   `json:"kind"`
	To        string   `json:"to"`
	Status    string   `json:"status"`
	Attempts  int      `json:"attempts"`
	LastError *string  `json:"last_error"`
	CreatedBy string   `json:"created_by"`
	Ago       float64  `json:"ago"`
	SentAgo   *float64 `json:"sent_ago"`
}

type demoCode struct {
	Login     string  `json:"login"`
	Hash      string  `json:"hash"`
	Ago       float64 `json:"ago"`
	ExpiresIn float64 `json:"expires_in"`
	Attempts  int     `json:"attempts"`
	IssuedBy  string  `json:"issued_by"`
}

// randomHex returns the hex SHA-256 of fresh random bytes: the shape of a
// token or code hash, of no token or code anyone holds.
func randomHex() string {
	b := make([]byte, 32)
	rand.Read(b)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// demoActivity derives sessions, API tokens, one-time passwords, the
// history of resets in the audit log and the mail they sent.
func demoActivity(people []demoPerson, n demoNames) ([]demoSession, []demoToken, []demoCode, []demoEvent, []demoDelivery) {
	var sessions []demoSession
	var tokens []demoToken
	web := []string{"Firefox 128 on Windows", "Safari 17 on macOS", "Chrome 126 on Linux", "Edge 126 on Windows"}
	apps := []string{"Northwind Mail for iOS 4.2", "Northwind Mail for Android 4.1"}
	tokenNames := []string{"IMAP sync (Thunderbird)", "Calendar feed", "Backup script", "CRM integration"}
	hour, day := 3600.0, 86400.0
	ago := func(s float64) *float64 { return &s }
	first := map[demoKind][]*demoPerson{}
	for i := range people {
		p := &people[i]
		first[p.kind] = append(first[p.kind], p)
		if p.Status == "invited" {
			continue
		}
		if i%2 == 0 {
			// Created, then seen (within the first day's hours), then
			// perhaps revoked: never in another order.
			s := demoSession{Login: p.login, Kind: "web", Client: web[i%len(web)],
				CreatedAgo: float64(1+i%30) * day, SeenAgo: float64(1+i%23) * hour}
			if p.Status == "deactivated" || i%14 == 0 {
				s.RevokedAgo = ago(s.SeenAgo / 2)
			}
			sessions = append(sessions, s)
		}
		if i%3 == 0 {
			s := demoSession{Login: p.login, Kind: "mobile", Client: apps[i%len(apps)],
				CreatedAgo: float64(10+i%60) * day, SeenAgo: float64(1+i%23) * hour}
			if p.Status == "deactivated" {
				s.RevokedAgo = ago(float64(1+i%9) * day)
				s.SeenAgo = *s.RevokedAgo + hour
			}
			sessions = append(sessions, s)
		}
		if i%5 == 0 {
			t := demoToken{Login: p.login, Name: tokenNames[i%len(tokenNames)], Hash: randomHex(),
				CreatedAgo: float64(20+i%200) * day}
			if p.Status == "deactivated" || i%35 == 0 {
				t.RevokedAgo = ago(float64(1+i%15) * day)
			}
			tokens = append(tokens, t)
		}
	}

	// A short history that the Mail and Audit views and a profile's Activity
	// tab can show: resets by each console user, a bounce with the server's
	// own words, a notice to a secondary address, and a message still out.
	normal, bounced, temp, pending := first[demoNormal], first[demoUndeliverable][0], first[demoTempPassword], first[demoOTPPending]
	reset := func(mode string, force, email bool, outcome, reason, delivery string) map[string]any {
		d := map[string]any{"mode": mode, "force_change": force, "email_password": email,
			"clear_mobile_sessions": true, "unlock": true, "unlocked": false, "batch_size": 1, "outcome": outcome, "delivery": delivery}
		if reason != "" {
			d["reason"] = reason
		} else {
			d["reason"] = nil
		}
		return d
	}
	login := func(p *demoPerson) *string { return &p.login }
	str := func(s string) *string { return &s }
	otp, setpw := string(app.ModeOneTime), string(app.ModeSetPassword)
	events := []demoEvent{
		{login(normal[0]), n.admin, "reset_password", 9 * day, reset(otp, false, false, "reset", "", "one_time_password")},
		{login(bounced), n.admin, "reset_password", 6 * day, reset(otp, false, false, "reset", "", "one_time_password")},
		{login(bounced), n.admin, "reset_password", 5 * day, reset(otp, false, false, "skipped", "primary_undeliverable", "undeliverable_notice")},
		{login(temp[0]), n.owner, "reset_password", 20 * hour, reset(setpw, true, false, "reset", "", "password_notice")},
		{login(temp[1]), n.admin, "reset_password", 4 * hour, reset(setpw, true, true, "reset", "", "password")},
		{nil, n.owner, "send_test_mail", 1 * hour, map[string]any{"to": "owner@northwind.example"}},
		{login(pending[0]), n.helpdesk, "reset_password", 300, reset(otp, false, false, "reset", "", "one_time_password")},
		{login(pending[0]), "resetdesk_passdb", "complete_reset", 60, map[string]any{"outcome": "wrong_code", "attempt": 1}},
		{login(pending[1]), n.admin, "reset_password", 120, reset(otp, false, false, "reset", "", "one_time_password")},
	}
	bounce := fmt.Sprintf("550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table", bounced.login)
	deliveries := []demoDelivery{
		{login(normal[0]), "one_time_password", normal[0].login, "sent", 1, nil, n.admin, 9 * day, ago(9*day - 2)},
		{login(bounced), "one_time_password", bounced.login, "failed", 1, &bounce, n.admin, 6 * day, nil},
		{login(bounced), "undeliverable_notice", *bounced.Secondary, "sent", 1, nil, n.admin, 5 * day, ago(5*day - 1)},
		{login(temp[0]), "password_notice", temp[0].login, "sent", 1, nil, n.owner, 20 * hour, ago(20*hour - 1)},
		{login(temp[1]), "password", temp[1].login, "failed", 1,
			str("421 4.7.0 mail.northwind.example Error: too many connections from 192.0.2.10"), n.admin, 4 * hour, nil},
		{nil, "test", "owner@northwind.example", "sent", 1, nil, n.owner, 1 * hour, ago(1*hour - 1)},
		{login(pending[0]), "one_time_password", pending[0].login, "sent", 1, nil, n.helpdesk, 300, ago(298)},
		{login(pending[1]), "one_time_password", pending[1].login, "pending", 0, nil, n.admin, 120, nil},
	}
	codes := []demoCode{
		{pending[0].login, randomHex(), 300, 600, 1, n.helpdesk},
		{pending[1].login, randomHex(), 120, 780, 0, n.admin},
	}
	return sessions, tokens, codes, events, deliveries
}

const (
	demoInsertUsers = `
		INSERT INTO resetdesk.users (org_id, display_name, primary_email, mobile_number, primary_is_mobile,
		                             secondary_email, primary_email_undeliverable, status, role, sso_managed,
		                             locked_until, password_hash, must_change_password, password_expires_at,
		                             password_changed_at, created_at)
		SELECT $1, p.name, p.email, p.mobile, p.is_mobile, p.secondary, p.undeliverable, p.status, 'member', p.sso,
		       now() + p.locked_for * interval '1 second',
		       CASE WHEN p.has_password THEN $2 END, p.must_change,
		       now() + p.expires_in * interval '1 second',
		       now() - p.changed_ago * interval '1 second',
		       now() - p.created_ago * interval '1 second'
		  FROM jsonb_to_recordset($3::jsonb) AS p(name text, email text, mobile text, is_mobile boolean,
		       secondary text, undeliverable boolean, status text, sso boolean, locked_for float8,
		       has_password boolean, must_change boolean, expires_in float8, changed_ago float8, created_ago float8)`

	// demoUserByLogin is how the tables below find their user.
	demoUserByLogin = `
		JOIN resetdesk.users u ON u.org_id = $1
		 AND coalesce(u.primary_email::text, u.mobile_number) = r.login`

	demoInsertSessions = `
		INSERT INTO resetdesk.sessions (user_id, kind, client, created_at, last_seen_at, revoked_at)
		SELECT u.id, r.kind, r.client, now() - r.created_ago * interval '1 second',
		       now() - r.seen_ago * interval '1 second', now() - r.revoked_ago * interval '1 second'
		  FROM jsonb_to_recordset($2::jsonb) AS r(login text, kind text, client text, created_ago float8,
		       seen_ago float8, revoked_ago float8)` + demoUserByLogin

	demoInsertTokens = `
		INSERT INTO resetdesk.api_tokens (user_id, name, token_hash, created_at, revoked_at)
		SELECT u.id, r.name, r.hash, now() - r.created_ago * interval '1 second',
		       now() - r.revoked_ago * interval '1 second'
		  FROM jsonb_to_recordset($2::jsonb) AS r(login text, name text, hash text, created_ago float8,
		       revoked_ago float8)` + demoUserByLogin

	demoInsertCodes = `
		INSERT INTO resetdesk.one_time_passwords (user_id, code_hash, created_at, expires_at, attempts, issued_by)
		SELECT u.id, r.hash, now() - r.ago * interval '1 second', now() + r.expires_in * interval '1 second',
		       r.attempts, r.issued_by
		  FROM jsonb_to_recordset($2::jsonb) AS r(login text, hash text, ago float8, expires_in float8,
		       attempts integer, issued_by text)` + demoUserByLogin

	demoInsertEvents = `
		INSERT INTO resetdesk.audit_events (at, actor, action, target_user_id, details)
		SELECT now() - r.ago * interval '1 second', r.actor, r.action, u.id, r.details
		  FROM jsonb_to_recordset($2::jsonb) AS r(login text, actor text, action text, ago float8, details jsonb)
		  LEFT ` + demoUserByLogin + `
		 ORDER BY r.ago DESC`

	demoInsertDeliveries = `
		INSERT INTO resetdesk.mail_deliveries (user_id, kind, to_address, status, attempts, last_error,
		                                       created_by, created_at, sent_at)
		SELECT u.id, r.kind, r.to, r.status, r.attempts, r.last_error, r.created_by,
		       now() - r.ago * interval '1 second', now() - r.sent_ago * interval '1 second'
		  FROM jsonb_to_recordset($2::jsonb) AS r(login text, kind text, "to" text, status text, attempts integer,
		       last_error text, created_by text, ago float8, sent_ago float8)
		  LEFT ` + demoUserByLogin + `
		 ORDER BY r.ago DESC`

	// The demo org lets admins set passwords (DESIGN.md section 4). The DBA
	// sets it here, so the audit row names the DBA, as it would in real life.
	demoPolicy = `
		WITH o AS (
		    UPDATE resetdesk.orgs SET admins_may_set_passwords = true WHERE id = $1
		    RETURNING admins_may_set_passwords, otp_ttl, temp_password_ttl, min_password_length, sso_enabled
		)
		INSERT INTO resetdesk.audit_events (action, details)
		SELECT 'set_org_policies', jsonb_build_object('admins_may_set_passwords', o.admins_may_set_passwords,
		       'otp_ttl', o.otp_ttl::text, 'temp_password_ttl', o.temp_password_ttl::text,
		       'min_password_length', o.min_password_length, 'sso_enabled', o.sso_enabled)
		  FROM o`

	demoMarker = `
		INSERT INTO resetdesk.audit_events (action, details)
		VALUES ('demo_seeded', jsonb_build_object('users', $1::integer))`
)

// seedDemoDirectory writes the policy, the 300 users and everything that
// hangs off them in one transaction, ending with the demo_seeded marker: a
// seed is all there or not at all.
func (a *Admin) seedDemoDirectory(ctx context.Context, orgID int64, n demoNames) error {
	// One hash for everyone: nobody knows its password, and hashing 300
	// times would only slow the demo's first start.
	secret := make([]byte, 24)
	rand.Read(secret)
	hash, err := app.HashPassword(hex.EncodeToString(secret))
	if err != nil {
		return err
	}
	people := demoPeople()
	sessions, tokens, codes, events, deliveries := demoActivity(people, n)
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	if err := a.takeSetupLock(ctx, tx); err != nil {
		return err
	}
	var done bool
	if err := tx.GetContext(ctx, &done, `SELECT EXISTS (SELECT 1 FROM resetdesk.audit_events WHERE action = 'demo_seeded')`); err != nil || done {
		return a.mapErr(err) // another seeder finished first
	}
	steps := []struct {
		query string
		args  []any
	}{
		{demoPolicy, []any{orgID}},
		{demoInsertUsers, []any{orgID, hash, jsonArg(people)}},
		{demoInsertSessions, []any{orgID, jsonArg(sessions)}},
		{demoInsertTokens, []any{orgID, jsonArg(tokens)}},
		{demoInsertCodes, []any{orgID, jsonArg(codes)}},
		{demoInsertEvents, []any{orgID, jsonArg(events)}},
		{demoInsertDeliveries, []any{orgID, jsonArg(deliveries)}},
		{demoMarker, []any{len(people)}},
	}
	for _, s := range steps {
		if err := execTx(ctx, tx, s.query, s.args...); err != nil {
			return a.mapErr(err)
		}
	}
	return a.mapErr(tx.Commit())
}

func execTx(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	_, err := tx.ExecContext(ctx, query, args...)
	return err
}

// jsonArg encodes rows for jsonb_to_recordset. The row types hold only
// strings, numbers and booleans, so encoding cannot fail.
func jsonArg(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
