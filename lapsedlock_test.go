package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// `resetdesk users` names a lapsed lock too: mail still refuses the user
// until a reset clears it.
func TestUsersCommandShowsLapsedLock(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE resetdesk.users SET locked_until = now() - interval '1 day' WHERE primary_email = 'admin@acme.test'`)
	out := mustRun(t, 0, f.owner, "", "users", "--search", "admin@acme.test")
	if !strings.Contains(out, "locked (lapsed, a reset clears it)") {
		t.Errorf("users lacks the lapsed lock:\n%s", out)
	}
	var doc struct {
		Data []struct {
			Email  string `json:"email"`
			Locked bool   `json:"locked"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, 0, f.owner, "", "users", "--search", "admin@acme.test", "--json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Data) != 1 || !doc.Data[0].Locked {
		t.Errorf("users --json: %+v, want admin@acme.test locked", doc.Data)
	}
}
