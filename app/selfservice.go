package app

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// SelfService is the end user's side of the directory: a connection as a
// member of resetdesk_self_service, which may only redeem a one-time
// password (with its attempt limit), change a temporary password, and read
// the password rules for a login. The end user's screens hold one while
// they show and Close it when they go.
type SelfService interface {
	ResetCompleter
	Close() error
}

// SelfServiceSetup is how a ResetDesk reaches the directory for the end
// user's screens: the server, the database and the self-service login. The
// owner sets it up once and exports it to other PCs and phones, so that no
// end user ever types database details.
//
// Password is the self-service login's password. It may travel in an
// export: that login can only complete a reset with a valid code, change a
// temporary password with that password, and read a minimum length, so it
// opens no account by itself. The owner may still leave it out; the
// importing device then asks for it once and keeps it in its keychain.
type SelfServiceSetup struct {
	Host     string
	Port     int // 0 means 5432
	Database string
	Login    string
	Password string
}

// selfServiceScheme starts an exported set-up, in a file or a QR code.
const selfServiceScheme = "resetdesk-self-service"

// Encode returns the set-up as one line for a file or a QR code, such as
// resetdesk-self-service://frontdesk@db.office.example:5432/resetdesk?password=…
// Without withPassword the password is left out.
func (s SelfServiceSetup) Encode(withPassword bool) string {
	host := s.Host
	if s.Port != 0 {
		host = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	} else if strings.Contains(host, ":") { // an IPv6 address
		host = "[" + host + "]"
	}
	u := url.URL{Scheme: selfServiceScheme, Host: host, Path: "/" + s.Database, User: url.User(s.Login)}
	if withPassword && s.Password != "" {
		u.RawQuery = url.Values{"password": {s.Password}}.Encode()
	}
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
	case s.Host == "":
		return bad("it names no database server.")
	case s.Login == "":
		return bad("it names no self-service login.")
	case s.Database == "" || strings.Contains(s.Database, "/"):
		return bad("it names no database.")
	}
	return s, nil
}
