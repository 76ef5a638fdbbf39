package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"

	"resetdesk/app"
)

// Backend is what the screens need from main: signing in to a directory,
// and the mail server settings that only main can turn into a Mailer. The
// UI calls every method off the Fyne goroutine.
type Backend interface {
	// SignIn connects to the directory of profile p as its role with
	// password, proving the server as p says. Errors are app errors
	// (EUNAUTHORIZED for a wrong password, EUNAVAILABLE when the server
	// cannot be reached, EUNTRUSTED when it did not prove who it is; with
	// an *app.CertificateToConfirm when a pinned profile meets its server
	// for the first time).
	SignIn(ctx context.Context, p Profile, password string) (Session, error)
	// ConfigureMail makes later resets of every session send through s
	// (s.Password included). It returns EINVALID for settings that cannot
	// work, in a sentence the Settings screen shows.
	ConfigureMail(s SMTPSettings) error
	// SendTestMessage sends a test message to to through s and records it in
	// the directory of sess (Directory.CreateTestDelivery), so that it shows
	// in the Mail view. The error carries the mail server's own words.
	SendTestMessage(ctx context.Context, sess Session, s SMTPSettings, to string) error
	// MailRoute says in a few words where resets' mail goes now (a server
	// from Settings or RESETDESK_SMTP_URL, the demo's sink), "" when there
	// is no mail server yet. SendTestMessage with an empty s.Host uses it.
	MailRoute() string
	// Keychain returns the system keychain, or nil when there is none.
	Keychain() Keychain
	// OpenSelfService connects as the self-service login of s, for the end
	// user's screens. EUNAVAILABLE when the server cannot be reached,
	// EUNAUTHORIZED when it refuses the login or its password.
	OpenSelfService(ctx context.Context, s app.SelfServiceSetup) (SelfServiceConn, error)
}

// Resetter runs an admin's resets; *app.Resetter is one. The screens never
// reset without the admin's password: VerifyAndReset checks it first.
type Resetter interface {
	VerifyAndReset(ctx context.Context, adminPassword string, req app.ResetRequest) ([]app.ResetResult, error)
}

// Session is a signed-in console user: their view of the directory, the
// resetter that works on it, and names for the top bar.
type Session struct {
	Directory app.Directory
	Resetter  Resetter
	Server    string       // host:port of the database, for display
	Role      string       // the PostgreSQL role signed in
	Profile   string       // the saved profile signed in with, "" for none; set by the UI
	Close     func() error // optional: called on sign out
	// Again is how to sign in here again after signing out (no password),
	// for a session that did not start from a saved profile: the demo, or
	// DATABASE_URL. AgainHint is a line to show with it.
	Again     Profile
	AgainHint string
	// SelfService, when Host is set, is where the end user's screens
	// connect after this session signs out if the computer has no
	// self-service set-up of its own: the demo's self-service login, which
	// lives as long as the demo and so is never saved.
	SelfService app.SelfServiceSetup
}

// Keychain keeps secrets in the operating system's keychain. Its methods
// mirror github.com/zalando/go-keyring: service is always KeychainService,
// user names the secret ("db:" + profile name, "smtp:" + user@host).
type Keychain interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// KeychainService is the service name under which ResetDesk keeps secrets.
const KeychainService = "ResetDesk"

// noKeychainSentence is shown when a secret could not be saved because
// there is no keychain.
const noKeychainSentence = "Not saved: this system has no keychain."

// keepInKeychain stores password in kc under user. It returns "" when the
// keychain took it, else the sentence that says it was not saved and why:
// there is no keychain, or the keychain refused it (locked, or access
// denied), whose own words go to the error log. Slow: a keychain may ask
// the user first, so this runs off the Fyne goroutine.
func keepInKeychain(kc Keychain, user, password string) string {
	if kc == nil {
		return noKeychainSentence
	}
	if err := kc.Set(KeychainService, user, password); err != nil {
		return app.ErrorMessage(&app.Error{Code: app.EINTERNAL, Message: "Not saved: the keychain refused it.",
			Err: fmt.Errorf("ui: keychain: save %s: %w", user, err)})
	}
	return ""
}

// Profile is a saved database connection. It holds no password: that lives
// in the keychain, if anywhere. TLS, CAFile and Pin say how a server off this
// machine proves who it is (on loopback nothing needs proving); none of them
// is a secret.
type Profile struct {
	Name     string `json:"name"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Database string `json:"database"`
	Role     string `json:"role"`
	// Temporary marks a profile good for this run only, such as the demo's
	// (its database listens on a new port each time): offered again after
	// signing out, never saved, so that no dead profile outlives the run.
	Temporary bool   `json:"-"`
	TLS       string `json:"tls,omitempty"`     // TLSVerify or TLSPinned
	CAFile    string `json:"ca_file,omitempty"` // TLSVerify: a PEM file of authorities to trust beside the system's
	Pin       string `json:"pin,omitempty"`     // TLSPinned: the SHA-256 fingerprint the admin confirmed
}

// keychainUser names the profile's password in the keychain.
func (p Profile) keychainUser() string { return "db:" + p.Name }

// SMTPSettings say how to reach the mail server. Password is never stored
// in preferences: LoadSMTPSettings reads it from the keychain.
type SMTPSettings struct {
	Host     string
	Port     int
	TLS      string // "starttls", "tls" or "none"
	Username string
	Password string
	From     string
	CAFile   string // a PEM file of extra certificate authorities to trust
}

// keychainUser names the SMTP password in the keychain.
func (s SMTPSettings) keychainUser() string { return "smtp:" + s.Username + "@" + s.Host }

// Preference keys. They are documented because main reads some of them.
const (
	PrefLayout       = "ui.layout"    // "spaces" (default) or "unified"
	PrefTheme        = "ui.theme"     // "system" (default), "light" or "dark"
	PrefProfiles     = "ui.profiles"  // JSON list of Profile
	PrefLastProfile  = "ui.profile"   // name of the profile signed in last
	PrefSMTPHost     = "smtp.host"    // SMTPSettings.Host
	PrefSMTPPort     = "smtp.port"    // SMTPSettings.Port
	PrefSMTPTLS      = "smtp.tls"     // SMTPSettings.TLS
	PrefSMTPUsername = "smtp.user"    // SMTPSettings.Username
	PrefSMTPFrom     = "smtp.from"    // SMTPSettings.From
	PrefSMTPCAFile   = "smtp.ca_file" // SMTPSettings.CAFile
)

// LoadSMTPSettings returns the SMTP settings saved in prefs, with the
// password from kc when there is one. main calls it at start to build the
// Mailer; Host is "" when nothing was saved.
func LoadSMTPSettings(prefs fyne.Preferences, kc Keychain) SMTPSettings {
	s := SMTPSettings{
		Host:     prefs.String(PrefSMTPHost),
		Port:     prefs.Int(PrefSMTPPort),
		TLS:      prefs.StringWithFallback(PrefSMTPTLS, "starttls"),
		Username: prefs.String(PrefSMTPUsername),
		From:     prefs.String(PrefSMTPFrom),
		CAFile:   prefs.String(PrefSMTPCAFile),
	}
	if kc != nil && s.Username != "" {
		s.Password, _ = kc.Get(KeychainService, s.keychainUser())
	}
	return s
}

// saveSMTPSettings stores s without its password.
func saveSMTPSettings(prefs fyne.Preferences, s SMTPSettings) {
	prefs.SetString(PrefSMTPHost, s.Host)
	prefs.SetInt(PrefSMTPPort, s.Port)
	prefs.SetString(PrefSMTPTLS, s.TLS)
	prefs.SetString(PrefSMTPUsername, s.Username)
	prefs.SetString(PrefSMTPFrom, s.From)
	prefs.SetString(PrefSMTPCAFile, s.CAFile)
}

// loadProfiles returns the saved connection profiles.
func loadProfiles(prefs fyne.Preferences) []Profile {
	var ps []Profile
	if raw := prefs.String(PrefProfiles); raw != "" {
		_ = json.Unmarshal([]byte(raw), &ps) // a damaged list starts over empty
	}
	return ps
}

// saveProfile adds p to the saved profiles, replacing one of the same name.
func saveProfile(prefs fyne.Preferences, p Profile) {
	ps := loadProfiles(prefs)
	replaced := false
	for i := range ps {
		if ps[i].Name == p.Name {
			ps[i], replaced = p, true
		}
	}
	if !replaced {
		ps = append(ps, p)
	}
	raw, _ := json.Marshal(ps)
	prefs.SetString(PrefProfiles, string(raw))
	prefs.SetString(PrefLastProfile, p.Name)
}

// replaceProfile puts p in place of the saved profile old, keeping its
// place in the list. EINVALID when p takes the name of another profile.
// Moving the keychain's password along is the caller's part, since the
// keychain may be slow.
func replaceProfile(prefs fyne.Preferences, old string, p Profile) error {
	ps := loadProfiles(prefs)
	at := -1
	for i := range ps {
		switch ps[i].Name {
		case old:
			at = i
		case p.Name:
			return app.Errorf(app.EINVALID, "A profile named %q is saved already.", p.Name)
		}
	}
	if at < 0 {
		return app.Errorf(app.ENOTFOUND, "The profile %q is no longer saved.", old)
	}
	ps[at] = p
	raw, _ := json.Marshal(ps)
	prefs.SetString(PrefProfiles, string(raw))
	if prefs.String(PrefLastProfile) == old {
		prefs.SetString(PrefLastProfile, p.Name)
	}
	return nil
}

// deleteProfile removes the saved profile name and its password in kc (kc
// may be nil).
func deleteProfile(prefs fyne.Preferences, kc Keychain, name string) {
	ps := loadProfiles(prefs)
	kept := ps[:0]
	for _, p := range ps {
		if p.Name != name {
			kept = append(kept, p)
		} else if kc != nil {
			_ = kc.Delete(KeychainService, p.keychainUser()) // nothing saved is fine
		}
	}
	raw, _ := json.Marshal(kept)
	prefs.SetString(PrefProfiles, string(raw))
	if prefs.String(PrefLastProfile) == name {
		prefs.SetString(PrefLastProfile, "")
	}
}

// portText formats a port for an entry, "" for none.
func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}
