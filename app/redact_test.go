package app

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{`parse "postgres://olivia:s3cret-Pass@db.office.example/%zz": invalid URL escape "%zz"`, "s3cret-Pass"},
		{`dial smtps://mailer:hunter2@mail.office.example:465`, "hunter2"},
		{`host=127.0.0.1 password=s3cret-Pass port=x`, "s3cret-Pass"},
		{`host=127.0.0.1 password='two words' port=x`, "two words"},
		{`?password=Zx9%21&sslmode=verify-full`, "Zx9%21"},
		{`code ABCDE-FGHJK did not match`, "ABCDE-FGHJK"},
		{`code abcde fghjk`, ""}, // not a code's shape: left alone
		{`stored $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA`, "c2FsdA$aGFzaA"},
	} {
		got := Redact(tc.in)
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("Redact(%q) = %q: the secret is still there", tc.in, got)
		}
		if tc.secret == "" && got != tc.in {
			t.Errorf("Redact(%q) = %q, want it unchanged", tc.in, got)
		}
	}
	if got := Redact("internal: Could not hash the new passwords.: out of memory"); got != "internal: Could not hash the new passwords.: out of memory" {
		t.Errorf("a sentence without secrets changed: %q", got)
	}
}
