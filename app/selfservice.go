package app

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// CompletionStatus is the database's answer to an end user who completes a
// reset with a one-time password or changes a temporary password.
type CompletionStatus string

// The answers complete_reset and change_password give. An unknown login gets
// the same answer as a wrong code or password, so nobody learns who exists.
const (
	CompletionOK        CompletionStatus = "ok"
	CompletionInvalid   CompletionStatus = "invalid"   // wrong, used, voided, or unknown login
	CompletionExpired   CompletionStatus = "expired"   // right, but too late
	CompletionExhausted CompletionStatus = "exhausted" // the fifth wrong attempt: it no longer works
	CompletionBusy      CompletionStatus = "busy"      // someone else is at this user's code right now
	CompletionLimited   CompletionStatus = "limited"   // too many attempts in a short time
)

// Sentence explains the status to an end user who typed a one-time password.
func (s CompletionStatus) Sentence() string {
	switch s {
	case CompletionOK:
		return "Your new password is set. Sign in to your mail with it."
	case CompletionExpired:
		return "That one-time password has expired. Ask your administrator to send a new one."
	case CompletionExhausted:
		return "Too many wrong attempts: that one-time password no longer works. Ask your administrator to send a new one."
	case CompletionBusy, CompletionLimited:
		return s.tryLater()
	}
	return "That one-time password is not valid for this login: check both, and use the newest mail if you got several. Repeated wrong attempts can stop the code working."
}

// ChangeSentence explains the status to an end user who typed their
// temporary password to change it.
func (s CompletionStatus) ChangeSentence() string {
	switch s {
	case CompletionOK:
		return "Your new password is set, and the temporary one no longer works. Sign in to your mail with the new one."
	case CompletionExpired:
		return "That temporary password has expired. Ask your administrator for a new one."
	case CompletionExhausted:
		return "Too many wrong attempts: the temporary password can no longer be changed here. Ask your administrator for a new one."
	case CompletionBusy, CompletionLimited:
		return s.tryLater()
	}
	return "That is not a temporary password that can be changed for this login: check both. After 5 wrong attempts it can no longer be changed here."
}

func (s CompletionStatus) tryLater() string {
	if s == CompletionBusy {
		return "Your account is busy with another change right now. Nothing was changed; try again in a minute."
	}
	return "Too many attempts in a short time. Nothing was changed; wait 15 minutes and try again."
}

// PasswordRules is what a new password must meet, for the live policy line of
// the end user's screens. The database gives the same rules for any login,
// known or not.
type PasswordRules struct {
	MinLength int
}

// SelfService is the end user's side of a reset, on a connection signed in as
// a member of resetdesk_self_service, which may only redeem a one-time
// password, change a temporary password, and read the password rules. Its
// methods return EUNAUTHORIZED for any other login (a console role
// included), EUNAVAILABLE when the database cannot be reached, and otherwise
// a CompletionStatus. The end user's screens hold one while they show and
// Close it when they go.
type SelfService interface {
	// PasswordRules returns the rules for login's new password.
	PasswordRules(ctx context.Context, login string) (PasswordRules, error)
	// CompleteReset sets the argon2id hash newHash as login's password when
	// codeHash (HashCode of what they typed) matches their live one-time password.
	CompleteReset(ctx context.Context, login, codeHash, newHash string) (CompletionStatus, error)
	// ChangePassword replaces login's temporary password with newHash when
	// proof (ChangeProof of what they typed) matches the change ticket their
	// administrator's reset left.
	ChangePassword(ctx context.Context, login, proof, newHash string) (CompletionStatus, error)
	Close() error
}

// SelfServiceRequest is what the end user typed: their login, the one-time
// code or the temporary password (Secret), and the new password twice.
type SelfServiceRequest struct {
	Login       string
	Secret      string
	NewPassword string
	Again       string
}

// check returns the first thing wrong with what the user typed before any
// database work: empty fields, entries that differ, a password the rules refuse.
func (r SelfServiceRequest) check(rules PasswordRules, secretName string) error {
	switch {
	case strings.TrimSpace(r.Login) == "":
		return Errorf(EINVALID, "Type your login (your email address).")
	case strings.TrimSpace(r.Secret) == "":
		return Errorf(EINVALID, "Type the %s.", secretName)
	case r.NewPassword == "":
		return Errorf(EINVALID, "Type a new password.")
	case r.NewPassword != r.Again:
		return Errorf(EINVALID, "The two new passwords differ: type the same password twice.")
	case r.NewPassword == r.Secret:
		return Errorf(EINVALID, "Choose a new password that differs from the %s.", secretName)
	}
	if err := CheckOwnPassword(r.NewPassword, rules.MinLength, strings.TrimSpace(r.Login)); err != nil {
		return err
	}
	return nil
}

// CompleteReset finishes a one-time reset as the end user: it checks what
// they typed against the rules, hashes the new password and hands it to s
// with the code's hash. EINVALID (with a sentence) for bad input, before
// anything reaches the database's code check.
func CompleteReset(ctx context.Context, s SelfService, r SelfServiceRequest) (CompletionStatus, error) {
	rules, err := s.PasswordRules(ctx, strings.TrimSpace(r.Login))
	if err != nil {
		return "", err
	}
	if err := r.check(rules, "one-time password"); err != nil {
		return "", err
	}
	h, err := HashPassword(r.NewPassword)
	if err != nil {
		return "", &Error{Code: EINTERNAL, Message: "Could not hash the new password.", Err: err}
	}
	return s.CompleteReset(ctx, strings.TrimSpace(r.Login), HashCode(r.Secret), h)
}

// ChangeTemporaryPassword replaces a temporary password (set by an admin,
// must change) as the end user. Like CompleteReset; the temporary password
// itself never leaves this process, only ChangeProof of it.
func ChangeTemporaryPassword(ctx context.Context, s SelfService, r SelfServiceRequest) (CompletionStatus, error) {
	rules, err := s.PasswordRules(ctx, strings.TrimSpace(r.Login))
	if err != nil {
		return "", err
	}
	if err := r.check(rules, "temporary password"); err != nil {
		return "", err
	}
	h, err := HashPassword(r.NewPassword)
	if err != nil {
		return "", &Error{Code: EINTERNAL, Message: "Could not hash the new password.", Err: err}
	}
	return s.ChangePassword(ctx, strings.TrimSpace(r.Login), ChangeProof(r.Login, r.Secret), h)
}

// changeProofIterations is the cost of a change proof: the same as the
// SCRAM-SHA-256 verifier PostgreSQL keeps for its own login passwords.
const changeProofIterations = 4096

// ChangeProof derives what proves knowledge of a temporary password to the
// database: PBKDF2-HMAC-SHA256 of the password, salted with the lower-case
// login, as hex. The admin's reset stores the SHA-256 of it (the change
// ticket); the end user's client sends it. Neither the password nor
// anything Dovecot's passdb can read goes over the wire.
func ChangeProof(login, password string) string {
	salt := "resetdesk change ticket\x00" + strings.ToLower(strings.TrimSpace(login))
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), changeProofIterations, sha256.Size)
	if err != nil { // only for a key length FIPS mode forbids; 32 bytes is fine
		panic(err)
	}
	return hex.EncodeToString(key)
}

// ChangeTicket is what the database keeps of a ChangeProof: its SHA-256, hex.
func ChangeTicket(proof string) string {
	b, err := hex.DecodeString(proof)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SelfServiceSetup is how a ResetDesk reaches the directory for the end
// user's screens: the server, how to prove it, the database and the
// self-service login. The owner sets it up once and exports it to other PCs
// and phones, so that no end user ever types database details.
//
// Password is the self-service login's password. It may travel in an
// export: that login can only complete a reset with a valid code, change a
// temporary password with that password, and read a minimum length, so it
// opens no account by itself. The owner may still leave it out; the
// importing device then asks for it once and keeps it in its keychain.
//
// Pin and CA are the server's identity, which the owner's own connection
// proved; neither is a secret, and a set-up holds at most one. Pin is the
// SHA-256 fingerprint of the server's certificate ("AB:CD:…", what openssl
// prints): only that certificate proves the server. CA is PEM text of the
// certificate authority (or authorities) that signed it, trusted beside
// the device's own: it survives the renewal of the server's certificate,
// and is too large for a QR code, which carries a pin. Without either, a
// server off the device must show a certificate that an authority the
// device already trusts signed, or nothing is sent.
type SelfServiceSetup struct {
	Host     string
	Port     int // 0 means 5432
	Database string
	Login    string
	Password string
	Pin      string
	CA       string
}

// HasIdentity reports whether s says how to prove its server.
func (s SelfServiceSetup) HasIdentity() bool { return s.Pin != "" || s.CA != "" }

// TrustSentence says what a device that imports s will trust, for the
// import dialog and Settings.
func (s SelfServiceSetup) TrustSentence() string {
	switch {
	case s.Pin != "":
		return "It trusts the server only with the certificate whose SHA-256 fingerprint is " + s.Pin + "."
	case s.CA != "":
		names, _ := caNames(s.CA)
		return "It trusts a server certificate signed by " + names + ", beside the authorities this device trusts."
	case IsLoopbackHost(s.Host):
		return "It names no server certificate: none is needed for a server on this device."
	}
	return "It names no server certificate: it works only if an authority this device already trusts signed the server's. " +
		"Otherwise nothing is sent, and the office must export the set-up again."
}

// maxCADER bounds the certificates a set-up carries: an office's own
// authority and an intermediate or two fit many times over; a whole
// system bundle does not.
const maxCADER = 16 << 10

// NormalizeCA reads PEM text of certificate authorities and returns it as
// ResetDesk writes it: the certificates alone, in order. EINVALID, with a
// sentence, for text with no certificate, one that does not parse, or more
// than a set-up should carry (16 KiB).
func NormalizeCA(pemText string) (string, error) {
	var out strings.Builder
	rest, total := []byte(pemText), 0
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "", Errorf(EINVALID, "The certificate authority's file holds a certificate that cannot be read.")
		}
		if total += len(b.Bytes); total > maxCADER {
			return "", Errorf(EINVALID, "The certificate authority's file is too large to carry in a self-service set-up (over 16 KiB): use a file with your office's authority alone.")
		}
		out.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Bytes}))
	}
	if out.Len() == 0 {
		return "", Errorf(EINVALID, "The certificate authority's file holds no PEM certificate.")
	}
	return out.String(), nil
}

// caNames names the authorities of PEM text ca, for a sentence.
func caNames(ca string) (string, error) {
	var names []string
	rest := []byte(ca)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return "", err
		}
		name := c.Subject.CommonName
		if name == "" {
			name = c.Subject.String()
		}
		names = append(names, "“"+name+"”")
	}
	if len(names) == 1 {
		return "the authority " + names[0], nil
	}
	return "the authorities " + strings.Join(names, ", "), nil
}

// NormalizeFingerprint reads a SHA-256 fingerprint with or without colons
// or spaces, in either case, and returns it as "AB:CD:…"; false when it is
// not 64 hexadecimal digits.
func NormalizeFingerprint(fp string) (string, bool) {
	h := strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(fp))
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return "", false
	}
	pairs := make([]string, len(b))
	for i, x := range b {
		pairs[i] = strings.ToUpper(hex.EncodeToString([]byte{x}))
	}
	return strings.Join(pairs, ":"), true
}

// selfServiceScheme starts an exported set-up, in a file or a QR code.
const selfServiceScheme = "resetdesk-self-service"

// Encode returns the set-up as one line for a file or a QR code, such as
// resetdesk-self-service://frontdesk@db.office.example:5432/resetdesk?pin=…&password=…
// The pin is 64 hexadecimal digits; the CA is its certificates' DER,
// base64url without padding. Without withPassword the password is left out.
func (s SelfServiceSetup) Encode(withPassword bool) string {
	host := s.Host
	if s.Port != 0 {
		host = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	} else if strings.Contains(host, ":") { // an IPv6 address
		host = "[" + host + "]"
	}
	u := url.URL{Scheme: selfServiceScheme, Host: host, Path: "/" + s.Database, User: url.User(s.Login)}
	q := url.Values{}
	if withPassword && s.Password != "" {
		q.Set("password", s.Password)
	}
	if s.Pin != "" {
		q.Set("pin", strings.ReplaceAll(s.Pin, ":", ""))
	}
	if s.CA != "" {
		var der []byte
		rest := []byte(s.CA)
		for {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			der = append(der, b.Bytes...)
		}
		q.Set("ca", base64.RawURLEncoding.EncodeToString(der))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ParseSelfServiceSetup reads what Encode wrote, from a file or a QR code:
// surrounding space and lines starting with # are ignored. EINVALID, with
// what is wrong, for anything else.
func ParseSelfServiceSetup(text string) (SelfServiceSetup, error) {
	var line string
	for l := range strings.Lines(text) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			line = l
			break
		}
	}
	bad := func(why string) (SelfServiceSetup, error) {
		return SelfServiceSetup{}, Errorf(EINVALID, "This is not a ResetDesk self-service set-up: %s", why)
	}
	u, err := url.Parse(line)
	if err != nil || u.Scheme != selfServiceScheme {
		return bad("it should start with " + selfServiceScheme + "://.")
	}
	s := SelfServiceSetup{Host: u.Hostname(), Database: strings.TrimPrefix(u.Path, "/"), Password: u.Query().Get("password")}
	if u.User != nil {
		s.Login = u.User.Username()
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("the port is not a number between 1 and 65535.")
		}
		s.Port = n
	}
	switch {
	case s.Host == "" || (strings.Contains(s.Host, ":") && net.ParseIP(s.Host) == nil):
		return bad("it names no database server.")
	case s.Login == "":
		return bad("it names no self-service login.")
	case s.Database == "" || strings.Contains(s.Database, "/"):
		return bad("it names no database.")
	}
	q := u.Query()
	if pin := q.Get("pin"); pin != "" {
		var ok bool
		if s.Pin, ok = NormalizeFingerprint(pin); !ok {
			return bad("the server's fingerprint is not 64 hexadecimal digits. Copy it again, whole.")
		}
	}
	if ca := q.Get("ca"); ca != "" {
		der, err := base64.RawURLEncoding.DecodeString(ca)
		if err != nil || len(der) > maxCADER {
			return bad("the server's certificate authority is damaged. Copy it again, whole.")
		}
		certs, err := x509.ParseCertificates(der)
		if err != nil || len(certs) == 0 {
			return bad("the server's certificate authority is damaged. Copy it again, whole.")
		}
		var b strings.Builder
		for _, c := range certs {
			b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		}
		s.CA = b.String()
	}
	if s.Pin != "" && s.CA != "" {
		return bad("it names both a pinned certificate and an authority. Export it again.")
	}
	return s, nil
}
