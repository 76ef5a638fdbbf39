package ui

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"resetdesk/app"
)

func TestFilterUsers(t *testing.T) {
	now := fixedNow
	users := []app.User{
		{ID: 100000001, DisplayName: "Olivia Owner", PrimaryEmail: "owner@acme.test", Status: app.StatusConfirmed, Role: app.RoleOwner},
		{ID: 100000002, DisplayName: "Alice Anders", PrimaryEmail: "alice@acme.example", Status: app.StatusConfirmed, Role: app.RoleMember},
		{ID: 100000003, DisplayName: "Bob Brown", MobileNumber: "+4915112345678", PrimaryIsMobile: true, Status: app.StatusInvited, Role: app.RoleMember},
		{ID: 100000004, DisplayName: "Carol Chen", PrimaryEmail: "carol@acme.example", Status: app.StatusDeactivated, Role: "helpdesk",
			LockedUntil: now.Add(time.Hour)},
	}
	entries := newUserEntries(users)
	for _, tc := range []struct {
		name string
		q    userQuery
		want []int
	}{
		{"everyone", userQuery{}, []int{0, 1, 2, 3}},
		{"name, any case", userQuery{text: "aLiCe"}, []int{1}},
		{"email", userQuery{text: "carol@"}, []int{3}},
		{"mobile", userQuery{text: "151123"}, []int{2}},
		{"zuid", userQuery{text: "100000003"}, []int{2}},
		{"spaces trimmed", userQuery{text: "  bob "}, []int{2}},
		{"status", userQuery{status: app.StatusConfirmed}, []int{0, 1}},
		{"admins", userQuery{role: roleAdmins}, []int{0, 3}},
		{"members", userQuery{role: roleMembers}, []int{1, 2}},
		{"locked only", userQuery{lockedOnly: true}, []int{3}},
		{"no match", userQuery{text: "zed"}, nil},
		{"text does not span fields", userQuery{text: "anders alice"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.now = now
			if got := filterUsers(entries, tc.q, nil); !slices.Equal(got, tc.want) {
				t.Errorf("filterUsers = %v, want %v", got, tc.want)
			}
		})
	}
}

// BenchmarkFilter100k is one keystroke over 100,000 loaded users: DESIGN.md
// section 9 asks for well under 16 ms.
func BenchmarkFilter100k(b *testing.B) {
	users := make([]app.User, 100_000)
	for i := range users {
		users[i] = app.User{ID: int64(100_000_001 + i), DisplayName: fmt.Sprintf("User Number%06d Lastname", i),
			PrimaryEmail: fmt.Sprintf("user.number%06d@office.example", i), MobileNumber: fmt.Sprintf("+49151%08d", i),
			Status: app.StatusConfirmed, Role: app.RoleMember}
	}
	entries := newUserEntries(users)
	q := userQuery{text: "number0421", status: app.StatusConfirmed, now: fixedNow}
	out := make([]int, 0, len(entries))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out = filterUsers(entries, q, out[:0])
	}
	if len(out) != 100 {
		b.Fatalf("matched %d users, want 100", len(out))
	}
}

// TestImports holds ui to DESIGN.md section 1: app, icons, Fyne and the
// standard library only, plus the QR encoder of the mobile shell's SHARE
// (pure Go, no I/O: Fyne has none of its own).
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case path == "resetdesk/app", path == "resetdesk/icons", strings.HasPrefix(path, "fyne.io/fyne/v2"),
				path == "github.com/skip2/go-qrcode":
			case !strings.Contains(first, ".") && first != "resetdesk":
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
