package app

import "testing"

func TestAfterColon(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Your role may not set passwords.", "your role may not set passwords."},
		{"The login demo_admin may not complete resets.", "the login demo_admin may not complete resets."},
		{"Could not reach the database at 127.0.0.1:41617.", "could not reach the database at 127.0.0.1:41617."},
		{"Éric's account is locked.", "éric's account is locked."},
		{"PostgreSQL refused the password.", "PostgreSQL refused the password."},
		{"ResetDesk cannot read the file.", "ResetDesk cannot read the file."},
		{"SMTP said no.", "SMTP said no."},
		{"I cannot tell.", "I cannot tell."},
		{"it names no server certificate.", "it names no server certificate."},
		{"5 users were skipped.", "5 users were skipped."},
		{"", ""},
	} {
		if got := AfterColon(c.in); got != c.want {
			t.Errorf("AfterColon(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
