package localpg

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestWatchdogStopsTheServerNoOneUses: a killed app's watchdog that waits
// for the exclusive lock may find in the folder another server than the
// one it was told of. Another ResetDesk stopped that one, a later demo
// started this one, and that demo's quit, finding the lock the
// watchdog's, left the server to it. Holding the exclusive lock, the
// watchdog knows that no ResetDesk uses the folder's server, and stops it,
// whichever it is; before, it left it running for good.
func TestWatchdogStopsTheServerNoOneUses(t *testing.T) {
	needServer(t)
	dir := filepath.Join(t.TempDir(), "demo-pg")
	c := startCluster(t, dir)
	now, _ := c.postmaster()
	c.unuse() // the later demo quit and left the server to the watchdog
	defer signal.Reset(os.Interrupt, syscall.SIGHUP)
	told := strconv.Itoa(now + 1) // the server the killed app used, gone since
	if code := watchdog([]string{dir, c.bins.dir, told}, strings.NewReader("")); code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, watchLog))
		t.Fatalf("the watchdog exited with %d:\n%s", code, log)
	}
	if serverAlive(now, c.data) {
		log, _ := os.ReadFile(filepath.Join(dir, watchLog))
		t.Fatalf("the watchdog left server %d, which no ResetDesk uses, running:\n%s", now, log)
	}
}
