package data

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"

	"resetdesk/app"
)

// Endpoint is where and as whom to connect, as a sign-in form or a
// self-service set-up holds it.
type Endpoint struct {
	Host     string
	Port     int // 0 means PostgreSQL's 5432
	Database string
	Role     string
	Password string
}

// URL is the connection URL of e. EINVALID when Host is not a host name or
// address.
func (e Endpoint) URL() (string, error) {
	if e.Host == "" || strings.ContainsAny(e.Host, " /?#@") {
		return "", app.Errorf(app.EINVALID, "%q is not a host name or address.", e.Host)
	}
	host := e.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]" // an IPv6 address
	}
	if e.Port != 0 {
		host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(e.Port))
	}
	u := url.URL{Scheme: "postgres", Host: host, Path: "/" + e.Database, User: url.UserPassword(e.Role, e.Password)}
	return u.String(), nil
}

// ParseEndpoint reads a connection URL back into an Endpoint.
func ParseEndpoint(raw string) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Hostname() == "" {
		return Endpoint{}, app.Errorf(app.EINVALID, "That is not a connection URL with a host and a role.")
	}
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	return Endpoint{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"), Role: u.User.Username(), Password: pw}, nil
}

// OpenEndpoint connects to e, trusting its server as t says, as
// OpenTrusted does to e's URL.
func OpenEndpoint(ctx context.Context, e Endpoint, t Trust) (*DB, error) {
	dsn, err := e.URL()
	if err != nil {
		return nil, err
	}
	return OpenTrusted(ctx, dsn, t)
}
