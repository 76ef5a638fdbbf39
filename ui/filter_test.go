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
	list := newUserListOf(t, users)
	for _, tc := range []struct {
		name string
		q    userQuery
		want []int32
	}{
		{"everyone", userQuery{}, []int32{0, 1, 2, 3}},
		{"name, any case", userQuery{text: "aLiCe"}, []int32{1}},
		{"email", userQuery{text: "carol@"}, []int32{3}},
		{"mobile", userQuery{text: "151123"}, []int32{2}},
		{"zuid", userQuery{text: "100000003"}, []int32{2}},
		{"part of a zuid", userQuery{text: "0004"}, []int32{3}},
		{"spaces trimmed", userQuery{text: "  bob "}, []int32{2}},
		{"status", userQuery{status: app.StatusConfirmed}, []int32{0, 1}},
		{"status nobody has", userQuery{status: "unknown"}, nil},
		{"admins", userQuery{role: roleAdmins}, []int32{0, 3}},
		{"members", userQuery{role: roleMembers}, []int32{1, 2}},
		{"locked only", userQuery{lockedOnly: true}, []int32{3}},
		{"no match", userQuery{text: "zed"}, nil},
		{"text does not span fields", userQuery{text: "anders alice"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := filterUsers(list, tc.q, nil); !slices.Equal(got, tc.want) {
				t.Errorf("filterUsers = %v, want %v", got, tc.want)
			}
		})
	}
}

// The search forgives what a phone keyboard and people's habits change:
// accents, and the way a phone number is written.
func TestFilterFoldsAccentsAndPhoneFormats(t *testing.T) {
	users := []app.User{
		{ID: 100000011, DisplayName: "Zoë Ångström", MobileNumber: "+447700900003", PrimaryIsMobile: true, Status: app.StatusConfirmed, Role: app.RoleMember},
		{ID: 100000012, DisplayName: "Jörg Müller", MobileNumber: "+49 151 2345 6789", PrimaryIsMobile: true, Status: app.StatusConfirmed, Role: app.RoleMember},
		{ID: 100000013, DisplayName: "Hans Muller", PrimaryEmail: "hans@acme.example", MobileNumber: "07700 900123", Status: app.StatusConfirmed, Role: app.RoleMember},
		{ID: 100000014, DisplayName: "Gustav Straße", PrimaryEmail: "gustav@acme.example", Status: app.StatusConfirmed, Role: app.RoleMember},
		{ID: 100000015, DisplayName: "Łucja Ærø", PrimaryEmail: "lucja@acme.example", Status: app.StatusConfirmed, Role: app.RoleMember},
	}
	list := newUserListOf(t, users)
	for _, tc := range []struct {
		text string
		want []int32
	}{
		{"muller", []int32{1, 2}},
		{"müller", []int32{1, 2}},
		{"MÜLLER", []int32{1, 2}},
		{"zoe angstrom", []int32{0}},
		{"Zoë", []int32{0}},
		{"strasse", []int32{3}},
		{"lucja aero", []int32{4}},
		{"07700 900003", []int32{0}},    // national form, trunk 0 and a space
		{"7700900003", []int32{0}},      // digits only
		{"+44 7700 900003", []int32{0}}, // international form
		{"0044 7700 900003", []int32{0}},
		{"+44 (0)7700-900003", nil}, // the (0) is not dialled; not worth guessing
		{"0151 2345 6789", []int32{1}},
		{"+49-151-23456789", []int32{1}},
		{"+44 7700 900123", []int32{2}}, // stored nationally, searched internationally
		{"900123", []int32{2}},
		{"07700 9001", []int32{2}}, // the start of a number
		{"0000004", nil},           // not a phone number: part of no zuid here
		{"00001", []int32{0, 1, 2, 3, 4}},
	} {
		got := filterUsers(list, userQuery{text: tc.text}, nil)
		if !slices.Equal(got, tc.want) {
			t.Errorf("filter %q = %v, want %v", tc.text, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"}, {"åäöüßæœøłñç", "aaoussaeoeolnc"}, {"i̇lkay", "ilkay"}, {"日本 мария", "日本 мария"},
	} {
		equal(t, "foldAccents("+tc.in+")", foldAccents(tc.in), tc.want)
	}
}

// newUserListOf makes a userList of users, as a load from the directory does.
func newUserListOf(t testing.TB, users []app.User) *userList {
	t.Helper()
	var b userListBuilder
	for i := range users {
		if err := b.add(&users[i]); err != nil {
			t.Fatal(err)
		}
	}
	return b.finish()
}

// TestUserListKeepsEveryField rebuilds each user from the compact list and
// finds them by every kind of login.
func TestUserListKeepsEveryField(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	users := []app.User{
		{ID: 100000009, OrgID: 7, DisplayName: "İlkay Åström", PrimaryEmail: "Ilkay.Astrom@Acme.Example", MobileNumber: "+4915100000001",
			SecondaryEmail: "ilkay@home.example", PrimaryEmailUndeliverable: true, Status: app.StatusConfirmed, Role: "helpdesk",
			DBRole: "ilkay", SSOManaged: true, LockedUntil: at("2999-01-01T10:00:00.123456Z"), HasPassword: true,
			MustChangePassword: true, PasswordExpiresAt: at("2027-01-01T00:00:00Z"), PasswordChangedAt: at("2026-10-01T08:30:00.5+02:00"),
			CreatedAt: at("2025-01-02T03:04:05Z")},
		{ID: 100000002, OrgID: 7, DisplayName: "bob", MobileNumber: "+4915112345678", PrimaryIsMobile: true,
			Status: app.StatusInvited, Role: app.RoleMember, CreatedAt: at("2025-01-02T03:04:05Z")},
		{ID: 100000005, OrgID: 7, DisplayName: "carol", PrimaryEmail: "carol@acme.example", MobileNumber: "+4915100000003",
			Status: app.StatusDeactivated, Role: app.RoleMember},
		// Lowercase email and mobile: the key is shared with the fields,
		// and the lowercase name is longer than the name.
		{ID: 100000007, OrgID: 7, DisplayName: "İpek İnce", PrimaryEmail: "ipek@acme.example", MobileNumber: "+4915100000004",
			Status: app.StatusConfirmed, Role: app.RoleAdmin, DBRole: "ipek"},
	}
	list := newUserListOf(t, users)
	utc := func(u app.User) app.User {
		for _, p := range []*time.Time{&u.LockedUntil, &u.PasswordExpiresAt, &u.PasswordChangedAt, &u.CreatedAt} {
			if !p.IsZero() {
				*p = p.UTC()
			}
		}
		return u
	}
	for i, want := range users {
		if got := list.user(i); utc(got) != utc(want) {
			t.Errorf("user %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	for _, tc := range []struct {
		login string
		want  int
	}{
		{"ilkay.astrom@acme.example", 0},
		{" ILKAY.ASTROM@ACME.EXAMPLE ", 0},
		{"100000009", 0},
		{"+4915112345678", 1},  // a user without an email goes by their mobile number
		{"+4915100000003", -1}, // carol has an email: her mobile is not a login
		{"carol@acme.example", 2},
		{"100000004", -1},
		{"", -1},
	} {
		if got := list.find([]string{tc.login})[0]; got != tc.want {
			t.Errorf("find(%q) = %d, want %d", tc.login, got, tc.want)
		}
	}
	if got := list.find([]string{"carol@acme.example", "nobody@acme.example", "100000002", "CAROL@acme.example"}); !slices.Equal(got, []int{2, -1, 1, 2}) {
		t.Errorf("find of four = %v", got)
	}
	if got := filterUsers(list, userQuery{text: "İLKAY"}, nil); !slices.Equal(got, []int32{0}) {
		t.Errorf("a name whose lowercase is longer: filter = %v", got)
	}
	for _, text := range []string{"İNCE", "ipek@acme", "0000004", "İpek İnce"} {
		if got := filterUsers(list, userQuery{text: text}, nil); !slices.Equal(got, []int32{3}) {
			t.Errorf("shared key: filter %q = %v", text, got)
		}
	}
	if got := list.find([]string{"IPEK@acme.example"}); !slices.Equal(got, []int{3}) {
		t.Errorf("shared key: find = %v", got)
	}
	if got := filterUsers(list, userQuery{text: "åström"}, nil); !slices.Equal(got, []int32{0}) {
		t.Errorf("non-ASCII name: filter = %v", got)
	}
	if got := filterUsers(list, userQuery{lockedOnly: true}, nil); !slices.Equal(got, []int32{0}) {
		t.Errorf("locked until 2999: filter = %v", got)
	}
}

// BenchmarkFilter100k is one keystroke over 100,000 loaded users: DESIGN.md
// section 9 asks for under 8 ms.
func BenchmarkFilter100k(b *testing.B) {
	benchmarkFilter(b, "number0421", 100)
}

// BenchmarkFilter100kPhone is the same keystroke for a phone number as
// people write it, which also compares every mobile number's digits.
func BenchmarkFilter100kPhone(b *testing.B) {
	benchmarkFilter(b, "0151 0000 0421", 1)
}

func benchmarkFilter(b *testing.B, text string, want int) {
	users := make([]app.User, 100_000)
	for i := range users {
		users[i] = app.User{ID: int64(100_000_001 + i), DisplayName: fmt.Sprintf("User Number%06d Lastname", i),
			PrimaryEmail: fmt.Sprintf("user.number%06d@office.example", i), MobileNumber: fmt.Sprintf("+49151%08d", i),
			Status: app.StatusConfirmed, Role: app.RoleMember}
	}
	list := newUserListOf(b, users)
	q := userQuery{text: text, status: app.StatusConfirmed}
	out := make([]int32, 0, list.len())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		out = filterUsers(list, q, out[:0])
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	}
	if len(out) != want {
		b.Fatalf("matched %d users, want %d", len(out), want)
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
				path == "github.com/skip2/go-qrcode", strings.HasPrefix(path, "github.com/makiuchi-d/gozxing"),
				path == "github.com/go-pdf/fpdf":
			case !strings.Contains(first, ".") && first != "resetdesk":
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
