package data

import (
	"net"
	"testing"
)

// CountLoopbackAsRemote makes 127.0.0.1 count as another machine until t
// ends: for a fake server off loopback on a machine that has no other
// address to bind.
func CountLoopbackAsRemote(t testing.TB) {
	old := loopbackIP
	loopbackIP = func(net.IP) bool { return false }
	t.Cleanup(func() { loopbackIP = old })
}
