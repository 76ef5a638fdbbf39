package data

import (
	"net"
	"testing"
	"time"
)

// CountLoopbackAsRemote makes 127.0.0.1 count as another machine until t
// ends: for a fake server off loopback on a machine that has no other
// address to bind.
func CountLoopbackAsRemote(t testing.TB) {
	old := loopbackIP
	loopbackIP = func(net.IP) bool { return false }
	t.Cleanup(func() { loopbackIP = old })
}

// ShortenSetupLockWait makes setup wait d for the set-up lock until t ends.
func ShortenSetupLockWait(t testing.TB, d time.Duration) {
	old := setupLockWait
	setupLockWait = d
	t.Cleanup(func() { setupLockWait = old })
}
