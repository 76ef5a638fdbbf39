package relay

import (
	"testing"
	"time"
)

// TestBackoff: a message the mail server turns away for now waits 5 s after
// its first try, twice as long after each next one, and never more than 5
// minutes; ten tries in all span about 20 minutes.
func TestBackoff(t *testing.T) {
	var r Relay
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	var total time.Duration
	for i, w := range want {
		if got := r.backoff(i + 1); got != w {
			t.Errorf("after try %d: wait %s, want %s", i+1, got, w)
		}
		total += w
	}
	if r.maxAttempts() != len(want)+1 {
		t.Errorf("%d tries in all, want %d", r.maxAttempts(), len(want)+1)
	}
	if got := r.backoff(1000); got != 5*time.Minute {
		t.Errorf("after try 1000: wait %s", got)
	}
	t.Logf("a message tried %d times waits %s in all", r.maxAttempts(), total)
}
