package app

import (
	"strings"
	"testing"
)

// TestSelfServiceRequestRefusesBadInput: what the user typed is checked
// before CompleteReset or ChangeTemporaryPassword asks the database anything.
func TestSelfServiceRequestRefusesBadInput(t *testing.T) {
	good := "walnut-harbour-lamp-quietly"
	for _, c := range []struct {
		name string
		r    SelfServiceRequest
		want string
	}{
		{"no login", SelfServiceRequest{Secret: "ABCDE-FGHJK", NewPassword: good, Again: good}, "Type your login"},
		{"no code", SelfServiceRequest{Login: "vic@acme.example", NewPassword: good, Again: good}, "Type the"},
		{"no new password", SelfServiceRequest{Login: "vic@acme.example", Secret: "ABCDE-FGHJK"}, "Type a new password"},
		{"entries differ", SelfServiceRequest{Login: "vic@acme.example", Secret: "ABCDE-FGHJK", NewPassword: good, Again: good + "x"}, "differ"},
		{"too short", SelfServiceRequest{Login: "vic@acme.example", Secret: "ABCDE-FGHJK", NewPassword: "fifteen-chars-x", Again: "fifteen-chars-x"}, "at least 16"},
		{"the login in it", SelfServiceRequest{Login: "victoria.stone@acme.example", Secret: "ABCDE-FGHJK",
			NewPassword: "victoria-rules-the-waves", Again: "victoria-rules-the-waves"}, "your name or email"},
		{"common", SelfServiceRequest{Login: "vic@acme.example", Secret: "ABCDE-FGHJK", NewPassword: "passwordpassword", Again: "passwordpassword"}, "harder to guess"},
	} {
		err := c.r.check(PasswordRules{MinLength: 16}, "one-time password")
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want a sentence with %q", c.name, err, c.want)
		}
	}
}

// TestChangeProof: the proof binds the lower-case login and the password,
// and the ticket is a hex SHA-256 of it.
func TestChangeProof(t *testing.T) {
	// The proof depends on the login (in any case) and the password.
	if ChangeProof("VIC@acme.example", "x") != ChangeProof("vic@acme.example", "x") ||
		ChangeProof("vic@acme.example", "x") == ChangeProof("bo@acme.example", "x") ||
		ChangeProof("vic@acme.example", "x") == ChangeProof("vic@acme.example", "y") {
		t.Error("ChangeProof does not bind the lower-case login and the password")
	}
	if len(ChangeTicket(ChangeProof("vic@acme.example", "x"))) != 64 || ChangeTicket("not hex") != "" {
		t.Error("ChangeTicket is not a hex SHA-256 of a hex proof")
	}
}
