package main

import (
	"encoding/json"
	"os"
	"time"

	"fyne.io/fyne/v2"
)

// prefsSettle is how long the app waits after its window closed before it
// exits, for Fyne to finish a save of the preferences that it started late.
const prefsSettle = 300 * time.Millisecond

// recoverPreferences puts back what the start of this instance failed to
// read from the preferences file at path.
//
// Fyne 2.7.1 saves preferences.json in place: it truncates the file, then
// writes it, and every running instance saves its whole copy on each change
// and at exit. An instance that starts while another one is saving reads an
// empty or cut file ("Preferences load error: EOF", walk6 m9) and starts
// with no preferences: no saved profiles, no self-service set-up. A profile
// saved in it then replaces the whole list of profiles, in every instance.
//
// It reads the file again, calling wait between tries while the file stays
// empty or cut (another instance is still writing it), and sets each value
// that this instance does not have. A value that did load is never
// overwritten, so it does nothing after a start that read the file whole.
func recoverPreferences(prefs fyne.Preferences, path string, tries int, wait func()) {
	var values map[string]any
	for i := range tries {
		raw, err := os.ReadFile(path)
		if err != nil {
			return // no file: nothing was saved, or it cannot be read at all
		}
		if len(raw) > 0 && json.Unmarshal(raw, &values) == nil {
			break
		}
		values = nil
		if i < tries-1 {
			wait()
		}
	}
	for key, v := range values {
		switch v := v.(type) {
		case string:
			if v != "" && prefs.String(key) == "" {
				prefs.SetString(key, v)
			}
		case float64: // JSON's number: ResetDesk's ports, read with Int
			if missing := prefs.IntWithFallback(key, -1) == -1 && prefs.IntWithFallback(key, -2) == -2; missing {
				prefs.SetFloat(key, v)
			}
		case bool:
			if missing := !prefs.BoolWithFallback(key, false) && prefs.BoolWithFallback(key, true); missing {
				prefs.SetBool(key, v)
			}
		}
	}
}
