package localpg_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/localpg"
)

// TestColdDemo is what `resetdesk demo` does on a machine that never ran it:
// make a cluster, start it, seed it, sign in as the demo owner. Its log lines
// are the numbers to watch for the demo's first start.
func TestColdDemo(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "resetdesk", "demo-pg")
	begin := time.Now()
	c, err := localpg.Start(ctx, dir)
	if app.ErrorCode(err) == app.EUNAVAILABLE && os.Getenv("CI") == "" {
		t.Skip(app.ErrorMessage(err))
	}
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	info, err := data.SeedDemo(ctx, c.SuperURL(), data.DemoOptions{Password: "cold-demo-Pass-1234"})
	if err != nil {
		t.Fatal(err)
	}
	seeded := time.Now()
	owner, err := data.Open(ctx, info.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	users, err := owner.Users(ctx, app.UserFilter{})
	if err != nil || len(users) != info.Users {
		t.Fatalf("%d users, %v", len(users), err)
	}
	t.Logf("cold demo: initdb and start %v, seed %v, sign in and list %d users %v; total %v",
		started.Sub(begin).Round(time.Millisecond), seeded.Sub(started).Round(time.Millisecond), len(users),
		time.Since(seeded).Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))

	// A warm start: the server is stopped, its data kept, the demo seeded.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	begin = time.Now()
	if c, err = localpg.Start(ctx, dir); err != nil {
		t.Fatal(err)
	}
	started = time.Now()
	again, err := data.SeedDemo(ctx, c.SuperURL(), data.DemoOptions{Password: "cold-demo-Pass-1234"})
	if err != nil || again.Seeded || again.Users != info.Users {
		t.Fatalf("warm seed: %+v, %v", again, err)
	}
	t.Logf("warm demo: start %v, seed check %v", started.Sub(begin).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}
