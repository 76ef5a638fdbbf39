package data_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgbouncertest"
	"resetdesk/data/pgtest"
)

// TestPgBouncer runs one admin's concurrent work through a real PgBouncer in
// both pool modes. In transaction mode every statement may land on another
// server connection, so a query whose parse and bind travel apart (lib/pq
// without binary_parameters) fails or runs with another query's parameters:
// each answer is checked against what its own goroutine asked for.
func TestPgBouncer(t *testing.T) {
	for _, mode := range []pgbouncertest.Mode{pgbouncertest.Transaction, pgbouncertest.Session} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			o := pgtest.NewOrg(t)
			o.Exec(t, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
			           SELECT (SELECT id FROM resetdesk.orgs), 'Member ' || i, 'member' || i || '@acme.test', 'confirmed'
			             FROM generate_series(1, 40) i`)
			pool := pgbouncertest.Start(t, mode)
			adminURL := pool.URL(t, o.AdminURL)

			t.Run("concurrent queries of one role", func(t *testing.T) {
				// Two connections of one pool: the app's own pool of 4
				// shares them with a second process of the same admin.
				a1, err := data.Open(ctx, adminURL)
				if err != nil {
					t.Fatal(err)
				}
				defer a1.Close()
				a2, err := data.Open(ctx, adminURL)
				if err != nil {
					t.Fatal(err)
				}
				defer a2.Close()
				var wg sync.WaitGroup
				errs := make(chan error, 400)
				for g := range 8 {
					db := a1
					if g%2 == 1 {
						db = a2
					}
					wg.Go(func() {
						for i := range 25 {
							n := (g*25+i)%40 + 1
							email := fmt.Sprintf("member%d@acme.test", n)
							switch i % 3 {
							case 0:
								us, err := db.Users(ctx, app.UserFilter{Search: email})
								if err != nil {
									errs <- err
								} else if len(us) != 1 || us[0].PrimaryEmail != email {
									errs <- fmt.Errorf("search %s found %d users, the first %+v", email, len(us), us)
								}
							case 1:
								u, err := db.UserByLogin(ctx, email)
								if err != nil {
									errs <- err
								} else if u.PrimaryEmail != email {
									errs <- fmt.Errorf("user %s came back as %s", email, u.PrimaryEmail)
								}
							default:
								a, org, err := db.Actor(ctx)
								if err != nil {
									errs <- err
								} else if a.User.PrimaryEmail != "admin@acme.test" || org.Name != "Acme Test" {
									errs <- fmt.Errorf("actor %s of %q", a.User.PrimaryEmail, org.Name)
								}
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				var failed []string
				for err := range errs {
					failed = append(failed, err.Error())
				}
				if len(failed) > 0 {
					t.Fatalf("%d of 200 calls failed; first: %s", len(failed), failed[0])
				}
			})

			t.Run("reset through the pooler", func(t *testing.T) {
				db, err := data.Open(ctx, adminURL)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.VerifyPassword(ctx, o.Password); err != nil {
					t.Fatalf("verify the right password: %v", err)
				}
				u, err := db.UserByLogin(ctx, "member7@acme.test")
				if err != nil {
					t.Fatal(err)
				}
				res, err := db.ApplyReset(ctx, otpBatch(u.ID))
				if err != nil || len(res) != 1 || res[0].Outcome != app.OutcomeReset {
					t.Fatalf("reset: %+v, %v", res, err)
				}
			})

			t.Run("a wrong password reads as one", func(t *testing.T) {
				_, err := data.Open(ctx, pool.URL(t, pgtest.RoleURL(t, o.SuperURL, o.Prefix+"_admin", "not-the-password")))
				if app.ErrorCode(err) != app.EUNAUTHORIZED || !strings.Contains(app.ErrorMessage(err), "refused the password") {
					t.Fatalf("sign in with a wrong password: %v (%s)", err, app.ErrorMessage(err))
				}
			})

			t.Run("five wrong passwords lock resets", func(t *testing.T) {
				db, err := data.Open(ctx, pool.URL(t, o.HelpdeskURL))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				for i := 1; i <= 5; i++ {
					err := db.VerifyPassword(ctx, "wrong-password-"+fmt.Sprint(i))
					msg := app.ErrorMessage(err)
					if app.ErrorCode(err) != app.EUNAUTHORIZED {
						t.Fatalf("wrong password %d: %v (%s)", i, err, msg)
					}
					if i < 5 && !strings.Contains(msg, "not your password") {
						t.Fatalf("wrong password %d: %s", i, msg)
					}
					if i == 5 && !strings.Contains(msg, "Resets are locked") {
						t.Fatalf("the fifth wrong password: %s", msg)
					}
				}
				u, err := db.UserByLogin(ctx, "member8@acme.test")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ApplyReset(ctx, otpBatch(u.ID)); !strings.Contains(app.ErrorMessage(err), "locked") {
					t.Fatalf("a reset while locked: %v", err)
				}
			})
		})
	}
}
