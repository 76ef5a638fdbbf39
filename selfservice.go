package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/ui"
)

// OpenSelfService connects as the self-service login of s.
func (b *backend) OpenSelfService(ctx context.Context, s app.SelfServiceSetup) (ui.SelfServiceConn, error) {
	return openSelfService(ctx, s)
}

// selfServiceSetup turns a connection URL of a self-service login (the
// demo's) into a set-up for the end user's screens.
func selfServiceSetup(raw string) (app.SelfServiceSetup, error) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return app.SelfServiceSetup{}, app.Errorf(app.EINTERNAL, "The self-service login's address is not valid.")
	}
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	return app.SelfServiceSetup{Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"),
		Login: u.User.Username(), Password: pw}, nil
}

// openSelfService connects as the self-service login of s, for the end
// user's screens and `resetdesk self-service`.
func openSelfService(ctx context.Context, s app.SelfServiceSetup) (*data.DB, error) {
	if s.Host == "" || strings.ContainsAny(s.Host, " /?#@") {
		return nil, app.Errorf(app.EINVALID, "%q is not a host name or address.", s.Host)
	}
	u := url.URL{Scheme: "postgres", Host: s.Host, Path: "/" + s.Database, User: url.UserPassword(s.Login, s.Password)}
	if strings.Contains(s.Host, ":") {
		u.Host = "[" + s.Host + "]"
	}
	if s.Port != 0 {
		u.Host += ":" + strconv.Itoa(s.Port)
	}
	return data.Open(ctx, u.String())
}
