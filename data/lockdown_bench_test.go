package data_test

import (
	"context"
	"fmt"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// BenchmarkLongestConsoleStatement times, one statement each, the longest
// statements a console login sends: an import of 300, a bulk reset of 300
// (set password with force-change and its change tickets, and one-time
// codes) and the list of 100,000 users. Console logins get a statement
// timeout (consoleSessionDefaults) that must leave all of them room.
func BenchmarkLongestConsoleStatement(b *testing.B) {
	o := pgtest.NewOrg(b)
	ctx := context.Background()
	o.Exec(b, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT min(id) FROM resetdesk.orgs), 'Member ' || g, 'm' || g || '@acme.test', 'confirmed'
	             FROM generate_series(1, 300) g`)
	var ids []int64
	users, err := o.Owner.Users(ctx, app.UserFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range users {
		if u.Role == app.RoleMember {
			ids = append(ids, u.ID)
		}
	}
	if len(ids) != 300 {
		b.Fatalf("%d members", len(ids))
	}
	set := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeSetPassword, ForceChange: true, ClearMobileSessions: true}}
	otp := app.ResetBatch{Options: app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: true}}
	for i, id := range ids {
		set.Targets = append(set.Targets, app.ResetTarget{UserID: id, PasswordHash: testHash,
			ChangeTicket: fmt.Sprintf("%064x", i+1)})
		otp.Targets = append(otp.Targets, app.ResetTarget{UserID: id, CodeHash: app.HashCode(fmt.Sprintf("ABCDE-%05d", i))})
	}
	reset := func(b *testing.B, batch app.ResetBatch) {
		for b.Loop() {
			b.StopTimer()
			if err := o.Owner.VerifyPassword(ctx, o.Password); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := o.Owner.ApplyReset(ctx, batch)
			if err != nil || len(res) != 300 || res[0].Outcome != app.OutcomeReset {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	}
	b.Run("reset_set_password_300", func(b *testing.B) { reset(b, set) })
	b.Run("reset_one_time_300", func(b *testing.B) { reset(b, otp) })
	b.Run("import_300", func(b *testing.B) {
		n := 0
		for b.Loop() {
			b.StopTimer()
			rows := make([]app.ImportRow, 300)
			for i := range rows {
				n++
				rows[i] = app.ImportRow{Line: i + 2, Email: fmt.Sprintf("i%d@acme.test", n), Name: "Imported", Status: app.StatusConfirmed}
			}
			b.StartTimer()
			if res, err := o.Owner.ImportUsers(ctx, rows); err != nil || res.Imported != 300 {
				b.Fatalf("%+v %v", res, err)
			}
		}
	})
	b.Run("users_100000", func(b *testing.B) {
		o.Exec(b, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
		           SELECT (SELECT min(id) FROM resetdesk.orgs), 'Bulk ' || g, 'b' || g || '@acme.test', 'confirmed'
		             FROM generate_series(1, 100000) g`)
		for b.Loop() {
			if us, err := o.Owner.Users(ctx, app.UserFilter{}); err != nil || len(us) < 100000 {
				b.Fatalf("%d users, %v", len(us), err)
			}
		}
	})
}
