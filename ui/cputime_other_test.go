//go:build !unix

package ui

import "time"

// cpuTime is unknown here: benchmarks report wall time alone.
func cpuTime() time.Duration { return 0 }
