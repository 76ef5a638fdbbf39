// Package errlog keeps the causes of internal errors in a small file in the
// user's cache folder, without secrets, so that an admin who sees
// "Internal error." has something to send for help.
package errlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"resetdesk/app"
)

// Log appends to a file that never grows past max bytes: when a line would
// take it past, the file becomes PATH.1 (replacing an older one) and a new
// one starts.
type Log struct {
	path string
	max  int64
	now  func() time.Time

	mu sync.Mutex
}

// Open returns the log at path, created (0600, in a 0700 folder) on the
// first record.
func Open(path string, max int64) *Log {
	return &Log{path: path, max: max, now: time.Now}
}

// Record appends the time and err's text with secrets taken out (see
// app.Redact), and returns the file's path, or "" when it could not write.
func (l *Log) Record(err error) string {
	line := l.now().UTC().Format(time.RFC3339) + " " + strings.ReplaceAll(app.Redact(err.Error()), "\n", " ") + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return ""
	}
	if fi, err := os.Stat(l.path); err == nil && fi.Size()+int64(len(line)) > l.max {
		if err := os.Rename(l.path, l.path+".1"); err != nil {
			return ""
		}
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := fmt.Fprint(f, line); err != nil {
		return ""
	}
	return l.path
}
