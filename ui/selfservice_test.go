package ui

import (
	"context"
	"net"
	"net/url"
	"strconv"

	"resetdesk/app"
	"resetdesk/data"
)

// OpenSelfService connects as main does, with the real data package.
func (b *testBackend) OpenSelfService(ctx context.Context, s app.SelfServiceSetup) (app.SelfService, error) {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.Login, s.Password),
		Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + s.Database}
	return data.Open(ctx, u.String())
}
