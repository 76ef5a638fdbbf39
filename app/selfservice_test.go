package app

import "testing"

func TestSelfServiceSetupRoundTrip(t *testing.T) {
	cases := []SelfServiceSetup{
		{Host: "db.office.example", Port: 5432, Database: "resetdesk", Login: "frontdesk", Password: "p@ss word/&?#"},
		{Host: "10.0.0.5", Database: "dir", Login: "kiosk"},
		{Host: "::1", Port: 55432, Database: "resetdesk", Login: "self_service", Password: "x"},
		{Host: "fe80::1", Database: "resetdesk", Login: "ü-login", Password: "ünïcode"},
	}
	for _, want := range cases {
		text := want.Encode(true)
		got, err := ParseSelfServiceSetup("# exported by ResetDesk\n\n  " + text + "  \n")
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", text, got, want)
		}
		noPw, err := ParseSelfServiceSetup(want.Encode(false))
		if err != nil {
			t.Fatalf("%s without password: %v", text, err)
		}
		want.Password = ""
		if noPw != want {
			t.Errorf("without password: got %+v, want %+v", noPw, want)
		}
	}
}

func TestParseSelfServiceSetupRefuses(t *testing.T) {
	cases := map[string]string{
		"":                                      "it should start with resetdesk-self-service://.",
		"postgres://u:p@db/resetdesk":           "it should start with resetdesk-self-service://.",
		"resetdesk-self-service://u@/resetdesk": "it names no database server.",
		"resetdesk-self-service://db.example/resetdesk": "it names no self-service login.",
		"resetdesk-self-service://u@db.example":         "it names no database.",
		"resetdesk-self-service://u@db.example:99999/x": "the port is not a number between 1 and 65535.",
		"resetdesk-self-service://u@db.example/a/b":     "it names no database.",
	}
	for text, why := range cases {
		_, err := ParseSelfServiceSetup(text)
		if want := "This is not a ResetDesk self-service set-up: " + why; ErrorMessage(err) != want || ErrorCode(err) != EINVALID {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}
