package main

import (
	"context"

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
	e, err := data.ParseEndpoint(raw)
	if err != nil {
		return app.SelfServiceSetup{}, app.Errorf(app.EINTERNAL, "The self-service login's address is not valid.")
	}
	return app.SelfServiceSetup{Host: e.Host, Port: e.Port, Database: e.Database, Login: e.Role, Password: e.Password}, nil
}

// openSelfService connects as the self-service login of s, for the end
// user's screens and `resetdesk self-service`, proving the server by the
// identity s carries.
func openSelfService(ctx context.Context, s app.SelfServiceSetup) (*data.DB, error) {
	return data.OpenSelfService(ctx, s)
}
