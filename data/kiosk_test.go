package data_test

import (
	"context"
	"fmt"
	"testing"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// kiosks adds n more self-service logins and signs in as each.
func kiosks(t *testing.T, o *pgtest.Org, n int) []*data.DB {
	t.Helper()
	ctx := context.Background()
	var out []*data.DB
	for i := range n {
		role := fmt.Sprintf("%s_kiosk%d", o.Prefix, i)
		if err := o.Super.AddSelfServiceLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: o.Password}); err != nil {
			t.Fatal(err)
		}
		db, err := data.Open(ctx, pgtest.RoleURL(t, o.SuperURL, role, o.Password))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out = append(out, db)
	}
	return out
}

// TestOneKioskCannotLockAUserOut: wrong codes typed for a user at one
// self-service login, as many as its limit allows, neither void the user's
// code nor refuse the user at another self-service login; the first
// answers limited after 10, the same for a login that does not exist.
func TestOneKioskCannotLockAUserOut(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil { // code ABCDE-FGHJK
		t.Fatal(err)
	}
	rogue := kiosks(t, o, 1)[0]
	for _, login := range []string{"vic@acme.test", "nobody@acme.test"} {
		for i, guess := range pgtest.NearMisses("ABCDE-FGHJK", 11, true) {
			want := app.CompletionInvalid
			if i == 10 {
				want = app.CompletionLimited
			}
			if s, err := rogue.CompleteReset(ctx, login, app.HashCode(guess), testHash); err != nil || s != want {
				t.Fatalf("%s, wrong code %d at the rogue kiosk: %s %v, want %s", login, i+1, s, err, want)
			}
		}
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("vic at another kiosk with the right code: %s %v", s, err)
	}
}

// TestKiosksDoNotShareLimits: five self-service logins each fail 10 times
// for vic, each reaching its own limit for vic; until 0031 that was the 50
// failures that refused vic at every kiosk for 15 minutes. Now vic, and
// ann, finish at a sixth.
func TestKiosksDoNotShareLimits(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	ann := addMember(t, o, "ann@acme.test", "Ann Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID, ann.ID)); err != nil {
		t.Fatal(err)
	}
	guesses := pgtest.NearMisses("ABCDE-FGHJK", 11, true)
	for k, kiosk := range kiosks(t, o, 5) {
		for i, guess := range guesses {
			want := app.CompletionInvalid
			if i == 10 {
				want = app.CompletionLimited
			}
			if s, err := kiosk.CompleteReset(ctx, "vic@acme.test", app.HashCode(guess), testHash); err != nil || s != want {
				t.Fatalf("kiosk %d, wrong code %d: %s %v, want %s", k, i+1, s, err, want)
			}
		}
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("the 51st attempt for vic, with the right code, at another kiosk: %s %v", s, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "ann@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionOK {
		t.Fatalf("ann, meanwhile: %s %v", s, err)
	}
}

// TestNearMissesVoidACode: 5 wrong codes whose hashes begin as the code's
// does use it up, as 5 wrong codes always did; whoever then types the right
// code learns so, and nobody else does. Far misses never count.
func TestNearMissesVoidACode(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	vic := addMember(t, o, "vic@acme.test", "Vic Member")
	if _, err := o.Owner.ApplyReset(ctx, otpBatch(vic.ID)); err != nil {
		t.Fatal(err)
	}
	for i, guess := range append(pgtest.NearMisses("ABCDE-FGHJK", 4, false), pgtest.NearMisses("ABCDE-FGHJK", 4, true)...) {
		if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode(guess), testHash); err != nil || s != app.CompletionInvalid {
			t.Fatalf("wrong code %d: %s %v", i+1, s, err)
		}
	}
	last := pgtest.NearMisses("ABCDE-FGHJK", 5, false)[4]
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode(last), testHash); err != nil || s != app.CompletionInvalid {
		t.Fatalf("the fifth near miss: %s %v, want invalid like the others", s, err)
	}
	if s, err := o.EndUser.CompleteReset(ctx, "vic@acme.test", app.HashCode("ABCDE-FGHJK"), testHash); err != nil || s != app.CompletionExhausted {
		t.Fatalf("the right code after 5 near misses: %s %v, want exhausted", s, err)
	}
}
