package main

import (
	"strings"
	"testing"

	"resetdesk/app"
)

func TestSelfServiceWindowArgs(t *testing.T) {
	for args, want := range map[string]bool{
		"self-service":             true,
		"self-service -mobile":     true,
		"self-service add kiosk":   false,
		"self-service list":        false,
		"self-service add":         false,
		"complete-reset --email x": false,
	} {
		if got := isSelfServiceWindow(strings.Fields(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}

// The demo's self-service login becomes a set-up for the end user's
// screens, its password included (the demo's is published).
func TestSelfServiceSetupFromURL(t *testing.T) {
	got, err := selfServiceSetup("postgres://demo_selfservice:pw%2F1@127.0.0.1:41234/resetdesk_demo?sslmode=disable")
	want := app.SelfServiceSetup{Host: "127.0.0.1", Port: 41234, Database: "resetdesk_demo", Login: "demo_selfservice", Password: "pw/1"}
	if err != nil || got != want {
		t.Errorf("got %+v %v, want %+v", got, err, want)
	}
}
