package data_test

import (
	"context"
	"slices"
	"testing"
	"time"

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
				// Start each attempt afresh: no attempt count, no rate limit.
				o.Exec(b, `UPDATE resetdesk.one_time_passwords SET attempts = 0`)
				o.Exec(b, `DELETE FROM resetdesk.code_misses`) // wrong codes are counted here since 0025
				o.Exec(b, `DELETE FROM resetdesk.self_service_attempts`)
				o.Exec(b, `SELECT setval('resetdesk.self_service_budget', 1)`) // a full budget (0024)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkCompleteResetInterleaved asks the same two questions in turn, a
// wrong code for a user who exists and any code for a login that does not,
// so that both meet the same load on a shared machine, and reports the
// median of each in microseconds: they should be close.
func BenchmarkCompleteResetInterleaved(b *testing.B) {
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
	var known, unknown []time.Duration
	for b.Loop() {
		for i, login := range []string{"alex@acme.test", "nobody@acme.test"} {
			t0 := time.Now()
			s, err := o.EndUser.CompleteReset(ctx, login, wrong, testHash)
			d := time.Since(t0)
			if err != nil || s != app.CompletionInvalid {
				b.Fatalf("%s %v", s, err)
			}
			if i == 0 {
				known = append(known, d)
			} else {
				unknown = append(unknown, d)
			}
		}
		b.StopTimer()
		o.Exec(b, `UPDATE resetdesk.one_time_passwords SET attempts = 0`)
		o.Exec(b, `DELETE FROM resetdesk.code_misses`) // wrong codes are counted here since 0025
		o.Exec(b, `DELETE FROM resetdesk.self_service_attempts`)
		o.Exec(b, `SELECT setval('resetdesk.self_service_budget', 1)`)
		b.StartTimer()
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds())
	}
	b.ReportMetric(median(known), "known_median_us")
	b.ReportMetric(median(unknown), "unknown_median_us")
}
