//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// 1.27 (walk5): started without a display, the window's commands say so in
// one sentence and exit 1, instead of GLFW's panic and a stack trace.
func TestNoDisplaySaysSo(t *testing.T) {
	bin := buildResetDesk(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	for _, args := range [][]string{{"-mobile"}, {}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(env, "HOME="+t.TempDir())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("resetdesk %v without a display: %v, want exit status 1", args, err)
		}
		got := stderr.String()
		if strings.Contains(got, "panic") || strings.Contains(got, "goroutine") ||
			!strings.HasPrefix(got, "resetdesk: no display to open the window on") || strings.Count(got, "\n") != 1 {
			t.Errorf("resetdesk %v without a display says:\n%s", args, got)
		}
	}
}
