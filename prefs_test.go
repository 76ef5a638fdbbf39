package main

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"

	"resetdesk/ui"
)

// saved is a preferences file as another ResetDesk wrote it.
const saved = `{"ui.profiles":"[{\"name\":\"HQ\"}]","ui.layout":"unified","smtp.port":2525,"ui.flag":true}`

// TestRecoverPreferencesAfterACutRead (walk6 m9): an instance that read
// the preferences file while another one was writing it started with
// nothing; it takes back what the file holds once the writer is done, and
// keeps what it did load.
func TestRecoverPreferencesAfterACutRead(t *testing.T) {
	for _, c := range []struct {
		name  string
		first string // the file when the instance looks again
	}{
		{"whole file", saved},
		{"empty until the writer is done", ""},
		{"cut until the writer is done", saved[:20]},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "preferences.json")
			if err := os.WriteFile(path, []byte(c.first), 0o600); err != nil {
				t.Fatal(err)
			}
			prefs := test.NewTempApp(t).Preferences()
			prefs.SetString(ui.PrefLayout, "spaces") // what did load stays
			waits := 0
			recoverPreferences(prefs, path, 5, func() {
				waits++
				if err := os.WriteFile(path, []byte(saved), 0o600); err != nil {
					t.Fatal(err)
				}
			})
			if want := map[bool]int{true: 0, false: 1}[c.first == saved]; waits != want {
				t.Errorf("waited %d times, want %d", waits, want)
			}
			prefEqual(t, "profiles", prefs.String(ui.PrefProfiles), `[{"name":"HQ"}]`)
			prefEqual(t, "port", prefs.Int(ui.PrefSMTPPort), 2525)
			prefEqual(t, "flag", prefs.Bool("ui.flag"), true)
			prefEqual(t, "layout kept", prefs.String(ui.PrefLayout), "spaces")
		})
	}
}

// TestRecoverPreferencesGivesUp: no file, or one that never parses, leaves
// the preferences as they are after a bounded number of tries.
func TestRecoverPreferencesGivesUp(t *testing.T) {
	dir := t.TempDir()
	prefs := test.NewTempApp(t).Preferences()
	recoverPreferences(prefs, filepath.Join(dir, "none.json"), 5, func() { t.Error("waited for a file that does not exist") })
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	waits := 0
	recoverPreferences(prefs, bad, 5, func() { waits++ })
	prefEqual(t, "waits", waits, 4)
	prefEqual(t, "nothing set", prefs.String(ui.PrefProfiles), "")
}

func prefEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
