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
