package data_test

import (
	"context"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// BenchmarkCompleteReset compares the database's answer to a wrong code for
// a user who exists with its answer for a login that does not: the two
// should take the same time, so that timing reveals nothing. (The client
// hashes the new password first in both cases, which dwarfs either.)
func BenchmarkCompleteReset(b *testing.B) {
	o := pgtest.NewOrg(b)
	ctx := context.Background()
	o.Exec(b, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status) SELECT id, 'Alex', 'alex@acme.test', 'confirmed' FROM resetdesk.orgs`)
	u, err := o.Owner.UserByLogin(ctx, "alex@acme.test")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(u.ID)); err != nil {
		b.Fatal(err)
	}
	wrong := app.HashCode("WRONG-CODE0")
	for _, c := range []struct{ name, login string }{{"known_user_wrong_code", "alex@acme.test"}, {"unknown_login", "nobody@acme.test"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				s, err := o.EndUser.CompleteReset(ctx, c.login, wrong, testHash)
				if err != nil || s != app.CompletionInvalid {
					b.Fatalf("%s %v", s, err)
				}
				b.StopTimer()
				o.Exec(b, `UPDATE resetdesk.one_time_passwords SET attempts = 0`)
				b.StartTimer()
			}
		})
	}
}
