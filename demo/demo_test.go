package demo

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// codeRE finds a one-time password in a message.
var codeRE = regexp.MustCompile(`\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b`)

// TestDemoResetThroughRelay is the demo's own path, as `resetdesk demo`
// runs it: the owner makes a one-time reset, which the database queues;
// the demo's in-process relay mails it to the demo's mail folder; the
// user finishes with the code from that file through the demo's
// self-service login, as "I have a one-time password" does after signing
// out. Nothing here mails directly: the window's mailer is not used.
func TestDemoResetThroughRelay(t *testing.T) {
	ctx := context.Background()
	dir := pgtest.ClusterDir(t, "resetdesk-demo-")
	begin := time.Now()
	st, err := Start(ctx, dir)
	started := time.Since(begin)
	if err != nil {
		t.Fatalf("start the demo: %v", err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			st.Close()
		}
	})

	owner, err := data.Open(ctx, st.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	actor, org, err := owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !org.MailRelay {
		t.Fatal("the demo org has the office mail relay off")
	}
	users, err := owner.Users(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var target app.User
	for _, u := range users {
		if u.Role == app.RoleMember && app.SkipReasonFor(actor, org, u, app.DefaultResetOptions()) == "" {
			target = u
			break
		}
	}
	if target.ID == 0 {
		t.Fatal("no demo user may be reset")
	}

	// The window's mailer is nil: with the relay on the reset needs none.
	r := &app.Resetter{Dir: owner}
	res, err := r.VerifyAndReset(ctx, Password, app.ResetRequest{Actor: actor, Org: org, Users: []app.User{target},
		Options: app.DefaultResetOptions()})
	if err != nil {
		t.Fatalf("one-time reset of %s: %v", target.Login(), err)
	}
	if res[0].Outcome != app.OutcomeReset || res[0].Delivery.Status != app.DeliveryQueued {
		t.Fatalf("reset of %s: %s, delivery %s; want reset and queued for the relay", target.Login(), res[0].Outcome, res[0].Delivery.Status)
	}

	// The relay mails it to the demo's folder and records it sent.
	queued := time.Now()
	code := waitForCode(t, st.MailDir, target.PrimaryEmail)
	mailed := time.Since(queued)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds, err := owner.Deliveries(ctx, app.DeliveryFilter{UserID: target.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].Status == app.DeliverySent {
			t.Logf("demo start (cluster, seed, sink, relay) %v; reset's commit to the .eml in the demo's folder %v, to recorded sent %v",
				started.Round(time.Millisecond), mailed.Round(time.Millisecond), time.Since(queued).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay's message to %s is not recorded sent: %+v", target.Login(), ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	health, err := owner.RelayStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if health.LastSeen.IsZero() || health.Waiting != 0 {
		t.Errorf("relay health after the send: %+v, want seen and nothing waiting", health)
	}

	self, err := data.Open(ctx, st.SelfServiceURL)
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	const pw = "Orchard-lantern-quietly-hums"
	done, err := app.CompleteReset(ctx, self, app.SelfServiceRequest{Login: target.PrimaryEmail, Secret: strings.ToLower(code),
		NewPassword: pw, Again: pw})
	if err != nil || done != app.CompletionOK {
		t.Fatalf("%s completing with the mailed code: %s %v", target.Login(), done, err)
	}

	// Close stops the relay before the sink and the cluster, and says so.
	closed = true
	if err := st.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// waitForCode waits for the relay's .eml to to in dir and returns its code.
func waitForCode(t *testing.T, dir, to string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // the sink may be writing it
			}
			if msg := string(b); strings.Contains(msg, "To: "+to) || strings.Contains(msg, "<"+to+">") {
				if code := codeRE.FindString(msg); code != "" {
					return code
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no one-time password for %s in %s after 30 s (%d files)", to, dir, len(files))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
