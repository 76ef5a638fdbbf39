//go:build wine

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// localpgLockTests are data/localpg's tests of the demo server's in-use
// lock (lock_test.go), which need no PostgreSQL. Each must pass under
// Wine: a test renamed there and not here fails below rather than
// quietly dropping out of the run.
var localpgLockTests = []string{
	"TestInUseLockSharedKeepsExclusiveOut",
	"TestInUseLockExclusiveWaitsForHolders",
	"TestInUseLockOfKilledProcessIsReleased",
	"TestLeaveFindsTheLastUser",
	"TestWatchdogWaitsForLastUser",
}

// TestLocalpgLocksUnderWine runs those tests as a Windows program: on
// Windows the lock is LockFileEx and UnlockFileEx (proc_windows.go), which
// no Linux run reaches. The test binary is cross-built without cgo, so it
// needs neither the exes nor mingw beyond the ProcessPrng stand-in, and
// adds well under a minute to the Wine step.
func TestLocalpgLocksUnderWine(t *testing.T) {
	for _, tool := range []string{"wine", "wineboot", "wineserver", "x86_64-w64-mingw32-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install the Windows tools with bash scripts/setup-deps windows", tool)
		}
	}
	w := &wine{dist: t.TempDir(), prefix: filepath.Join(t.TempDir(), "wine")}
	exe := filepath.Join(w.dist, "localpg.test.exe")
	start := time.Now()
	build := exec.Command("go", "test", "-c", "-o", exe, "./data/localpg")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build data/localpg's tests: %v\n%s", err, out)
	}
	t.Logf("cross-built localpg.test.exe: %v", time.Since(start).Round(time.Second))
	w.boot(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := "^(" + strings.Join(localpgLockTests, "|") + ")$"
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "wine", exe, "-test.run", run, "-test.v", "-test.count=1", "-test.timeout=4m")
	cmd.Env = w.env(nil)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	start = time.Now()
	err := cmd.Run()
	t.Logf("localpg.test.exe -test.run '%s' under Wine: %v", run, time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("localpg.test.exe: %v\n%s", err, out.String())
	}
	for _, name := range localpgLockTests {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).Match(out.Bytes()) {
			t.Errorf("%s did not pass under Wine", name)
		}
	}
	passed := regexp.MustCompile(`(?m)^\s*--- PASS: `).FindAll(out.Bytes(), -1)
	t.Logf("%d tests and subtests passed under Wine", len(passed))
	if t.Failed() || testing.Verbose() {
		t.Logf("output:\n%s", out.String())
	}
}
