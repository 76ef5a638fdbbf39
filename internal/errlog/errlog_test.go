package errlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The log keeps each cause on a line without its secrets, and never grows
// past its size: the older lines move to PATH.1.
func TestRecordRedactsAndStaysSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "resetdesk.log")
	l := Open(path, 400)
	if where := l.Record(errors.New("dial postgres://olivia:s3cret-Pass@db:5432/x: refused\nsecond line")); where != path {
		t.Fatalf("Record = %q, want %q", where, path)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(body); strings.Contains(s, "s3cret-Pass") || !strings.Contains(s, "refused second line") || strings.Count(s, "\n") != 1 {
		t.Fatalf("log = %q", s)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	for range 20 {
		l.Record(errors.New(strings.Repeat("x", 60)))
	}
	for _, p := range []string{path, path + ".1"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() > 400 {
			t.Errorf("%s: %v, %d bytes", p, err, fi.Size())
		}
	}
}
