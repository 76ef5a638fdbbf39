package ui

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"resetdesk/app"
)

// userList is the loaded directory, kept compact so that the window holds
// 100,000 users within the memory target (DESIGN.md section 9): about 160
// bytes a user, where an app.User with its strings and a search key took
// 430. The text of every user lives in one string and a row holds offsets
// into it; an app.User is rebuilt on demand, sharing that string, for the
// rows on screen and the user an admin opens.
//
// Fields are ended by NUL bytes, which PostgreSQL text cannot contain.
type userList struct {
	text     string       // per user: the fields of fieldCount, each ended by NUL, then the search key if it is not among them
	rows     []listRow    // in the directory's order: by name
	byID     []int32      // indexes of rows, ordered by user id
	roles    []string     // role names, indexed by listRow.role
	console  []bool       // whether roles[i] is a console role
	statuses []app.Status // indexed by listRow.status
	orgID    int64
}

// listRow is one user of a userList.
type listRow struct {
	id int64
	// Unix microseconds, PostgreSQL's own precision, which reach far past
	// a lock "until 2999"; noTime for none.
	lockedUntil, passwordExpiresAt, passwordChangedAt, createdAt int64
	text                                                         uint32 // where the user's fields start in userList.text
	key, keyEnd                                                  uint32 // the search key: email, mobile and name, lowercase and NUL-separated, the name folded
	role                                                         uint16
	status                                                       uint8
	flags                                                        uint8
}

// The flags of a listRow.
const (
	flagPrimaryIsMobile uint8 = 1 << iota
	flagPrimaryEmailUndeliverable
	flagSSOManaged
	flagHasPassword
	flagMustChangePassword
)

// fieldCount is the number of NUL-ended fields per user in userList.text:
// email, mobile, the name lowercased and folded (empty when the key is written out
// separately), name, secondary email and db role.
const fieldCount = 6

// len is the number of users.
func (l *userList) len() int {
	if l == nil {
		return 0
	}
	return len(l.rows)
}

// fields returns the text fields of row r, in the order of fieldCount.
func (l *userList) fields(r *listRow) (f [fieldCount]string) {
	s := l.text[r.text:]
	for k := range f {
		n := strings.IndexByte(s, 0)
		f[k], s = s[:n], s[n+1:]
	}
	return f
}

// user rebuilds the user at row i.
func (l *userList) user(i int) app.User {
	r := &l.rows[i]
	f := l.fields(r)
	return app.User{
		ID: r.id, OrgID: l.orgID, PrimaryEmail: f[0], MobileNumber: f[1], DisplayName: f[3],
		SecondaryEmail: f[4], DBRole: f[5],
		PrimaryIsMobile:           r.flags&flagPrimaryIsMobile != 0,
		PrimaryEmailUndeliverable: r.flags&flagPrimaryEmailUndeliverable != 0,
		SSOManaged:                r.flags&flagSSOManaged != 0,
		HasPassword:               r.flags&flagHasPassword != 0,
		MustChangePassword:        r.flags&flagMustChangePassword != 0,
		Status:                    l.statuses[r.status],
		Role:                      l.roles[r.role],
		LockedUntil:               fromMicros(r.lockedUntil),
		PasswordExpiresAt:         fromMicros(r.passwordExpiresAt),
		PasswordChangedAt:         fromMicros(r.passwordChangedAt),
		CreatedAt:                 fromMicros(r.createdAt),
	}
}

// indexOf finds the row of the user with id.
func (l *userList) indexOf(id int64) (int, bool) {
	if l == nil {
		return -1, false
	}
	k, ok := slices.BinarySearchFunc(l.byID, id, func(i int32, id int64) int { return cmp.Compare(l.rows[i].id, id) })
	if !ok {
		return -1, false
	}
	return int(l.byID[k]), true
}

// userByID returns the user with id, if loaded.
func (l *userList) userByID(id int64) (app.User, bool) {
	i, ok := l.indexOf(id)
	if !ok {
		return app.User{}, false
	}
	return l.user(i), true
}

// adminNames maps each console user's database role to their name.
func (l *userList) adminNames() map[string]string {
	names := map[string]string{}
	if l == nil {
		return names
	}
	for i := range l.rows {
		if l.console[l.rows[i].role] {
			f := l.fields(&l.rows[i])
			if f[5] != "" {
				names[f[5]] = f[3]
			}
		}
	}
	return names
}

// find returns the row of each login, or -1 where no user has it. A login
// is a zuid, an email (any case), or the mobile number of a user without an
// email, as everywhere else. It makes one pass over the list, so that a
// bulk file of hundreds of logins costs about what one does.
func (l *userList) find(logins []string) []int {
	out := make([]int, len(logins))
	want := map[string][]int{} // lowercase login to its places in logins
	for k, login := range logins {
		out[k] = -1
		login = strings.TrimSpace(login)
		if id, err := strconv.ParseInt(login, 10, 64); err == nil {
			if i, ok := l.indexOf(id); ok {
				out[k] = i
				continue
			}
		}
		if login != "" {
			lower := strings.ToLower(login)
			want[lower] = append(want[lower], k)
		}
	}
	if len(want) == 0 || l == nil {
		return out
	}
	for i := range l.rows {
		r := &l.rows[i]
		login, rest, _ := strings.Cut(l.text[r.key:r.keyEnd], "\x00")
		mobile, _, _ := strings.Cut(rest, "\x00")
		if login == "" {
			login = mobile
		}
		for _, k := range want[login] {
			if out[k] < 0 {
				out[k] = i
			}
		}
	}
	return out
}

// userByLogin finds a loaded user by email, mobile number or zuid.
func (l *userList) userByLogin(login string) (app.User, bool) {
	if i := l.find([]string{login})[0]; i >= 0 {
		return l.user(i), true
	}
	return app.User{}, false
}

// filterUsers appends to out the rows of l that match q, in order, and
// returns it. It is pure, so that it can be benchmarked and tested without
// a window.
//
// The text matches any part of a name, email, mobile number or zuid. Names
// match without their accents (the key holds them folded, and the text is
// folded the same way), so that "muller" finds Müller. Text that reads as
// a phone number matches mobile numbers by their digits, whatever the
// spaces, dashes, trunk 0 or +country either side.
func filterUsers(l *userList, q userQuery, out []int32) []int32 {
	if l == nil {
		return out
	}
	text := foldAccents(strings.ToLower(strings.TrimSpace(q.text)))
	// A zuid matches by any part of its digits, as a name does by any part.
	var digits []byte
	if text != "" && strings.Trim(text, "0123456789") == "" {
		digits = []byte(text)
	}
	phone := parsePhoneQuery(text)
	status := -1
	if q.status != "" {
		if status = slices.Index(l.statuses, q.status); status < 0 {
			return out
		}
	}
	var id [20]byte
	for i := range l.rows {
		r := &l.rows[i]
		if status >= 0 && int(r.status) != status {
			continue
		}
		if q.role != roleAll && l.console[r.role] != (q.role == roleAdmins) {
			continue
		}
		if q.lockedOnly && r.lockedUntil == noTime {
			continue
		}
		if text != "" {
			key := l.text[r.key:r.keyEnd]
			if !strings.Contains(key, text) &&
				(digits == nil || !bytes.Contains(strconv.AppendInt(id[:0], r.id, 10), digits)) &&
				(phone.digits == "" || !phone.matches(keyMobile(key))) {
				continue
			}
		}
		out = append(out, int32(i))
	}
	return out
}

// keyMobile is the mobile number in a search key.
func keyMobile(key string) string {
	_, rest, _ := strings.Cut(key, "\x00")
	mobile, _, _ := strings.Cut(rest, "\x00")
	return mobile
}

// phoneQuery is search text that reads as a phone number, by its digits.
type phoneQuery struct {
	digits        string // without the trunk 0 and the + of "+country"
	international bool   // began with + or 00: the digits start with a country code
}

// parsePhoneQuery reads text as a phone number when it holds only digits
// and what people write between them (spaces, dashes, dots, brackets, a
// leading +), with at least six digits after any leading zeros; otherwise digits is "". A leading 0
// is the trunk prefix of a national number (07700 900003) and 00 the
// international prefix: neither is part of the number as stored.
func parsePhoneQuery(text string) phoneQuery {
	var q phoneQuery
	var b strings.Builder
	for i, c := range text {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
			q.international = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return phoneQuery{}
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "00") {
		q.international = true
	}
	if q.digits = strings.TrimLeft(d, "0"); len(q.digits) < 6 {
		return phoneQuery{}
	}
	return q
}

// matches says whether the stored mobile number is q: q's digits appear in
// the number's, or, for a number stored in national form (leading 0), the
// national digits end an international q.
func (q phoneQuery) matches(mobile string) bool {
	if mobile == "" {
		return false
	}
	var buf [32]byte
	d := buf[:0]
	for i := 0; i < len(mobile); i++ {
		if c := mobile[i]; c >= '0' && c <= '9' && len(d) < len(buf) {
			d = append(d, c)
		}
	}
	national := len(d) > 0 && d[0] == '0' && !strings.HasPrefix(mobile, "+")
	for len(d) > 0 && d[0] == '0' {
		d = d[1:]
	}
	if len(d) == 0 {
		return false
	}
	if strings.Contains(string(d), q.digits) {
		return true
	}
	return national && q.international && len(d) >= 6 && strings.HasSuffix(q.digits, string(d))
}

// foldAccents takes the accents off Latin letters (ü to u, å to a, ß to
// ss, and combining marks dropped) in lowercase text, so that a name
// matches as it is typed on a keyboard without them. Other scripts pass
// unchanged.
func foldAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c >= 0x300 && c <= 0x36f: // combining marks: the dot of i̇, a decomposed accent
		case c >= 0xdf && c <= 0x17f:
			if f := latinFolds[c-0xdf]; f != "" {
				b.WriteString(f)
			} else {
				b.WriteRune(c)
			}
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// latinFolds holds the plain letters of the lowercase letters from ß
// (U+00DF) to ſ (U+017F); "" keeps the letter. Uppercase ones never reach
// it: the text is lowercased first.
var latinFolds = func() [0x17f - 0xdf + 1]string {
	var t [0x17f - 0xdf + 1]string
	for plain, letters := range map[string]string{
		"a": "àáâãäåāăą", "ae": "æ", "c": "çćĉċč", "d": "ðďđ", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ",
		"i": "ìíîïĩīĭįı", "ij": "ĳ", "j": "ĵ", "k": "ķĸ", "l": "ĺļľŀł", "n": "ñńņňŉŋ", "o": "òóôõöøōŏő", "oe": "œ",
		"r": "ŕŗř", "s": "śŝşšſ", "ss": "ß", "t": "ţťŧ", "th": "þ", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, c := range letters {
			t[c-0xdf] = plain
		}
	}
	return t
}()

// loadUserList reads every user of the org into a userList as the rows
// arrive. Both shells call it off the Fyne goroutine.
func loadUserList(ctx context.Context, dir app.Directory) (*userList, error) {
	var b userListBuilder
	if err := dir.EachUser(ctx, app.UserFilter{}, b.add); err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// releaseLoad hands back to the system the memory a large load used, and
// the list it replaced. The load peaks at about twice the list (rows
// arriving, the text growing), and an idle window allocates nothing, so no
// collection would run to return it: with 100,000 users that was some
// 20 MB of resident memory. Call it with spawn, once the list is shown.
func releaseLoad(l *userList) {
	if l.len() >= 10_000 {
		debug.FreeOSMemory()
	}
}

// userListBuilder makes a userList one user at a time.
type userListBuilder struct {
	text     strings.Builder
	list     userList
	roles    map[string]uint16
	statuses map[app.Status]uint8
}

// add appends u. It fails only past limits no office reaches: 4 GB of text,
// 65,536 roles or more than one org.
func (b *userListBuilder) add(u *app.User) error {
	if b.roles == nil {
		b.roles, b.statuses = map[string]uint16{}, map[app.Status]uint8{}
		b.list.orgID = u.OrgID
	}
	if u.OrgID != b.list.orgID {
		return fmt.Errorf("ui: users of two orgs, %d and %d", b.list.orgID, u.OrgID)
	}
	role, ok := b.roles[u.Role]
	if !ok {
		if len(b.list.roles) > math.MaxUint16 {
			return fmt.Errorf("ui: more than %d roles", math.MaxUint16)
		}
		role = uint16(len(b.list.roles))
		b.roles[u.Role] = role
		b.list.roles = append(b.list.roles, u.Role)
		b.list.console = append(b.list.console, u.IsConsoleUser())
	}
	status, ok := b.statuses[u.Status]
	if !ok {
		if len(b.list.statuses) > math.MaxUint8 {
			return fmt.Errorf("ui: more than %d statuses", math.MaxUint8)
		}
		status = uint8(len(b.list.statuses))
		b.statuses[u.Status] = status
		b.list.statuses = append(b.list.statuses, u.Status)
	}

	name, email, mobile := foldAccents(strings.ToLower(u.DisplayName)), strings.ToLower(u.PrimaryEmail), strings.ToLower(u.MobileNumber)
	// The search key is email, mobile and name, lowercased, the name also
	// without its accents (filterUsers). Emails and
	// numbers mostly are already, so the text starts with them and the
	// lowercase name: then those three fields are the key, and only the name
	// is written twice. Otherwise the key is written out after the fields.
	shared := email == u.PrimaryEmail && mobile == u.MobileNumber
	keyName := name
	if !shared {
		keyName = ""
	}
	keyLen := len(email) + len(mobile) + len(name) + 2
	size := len(u.PrimaryEmail) + len(u.MobileNumber) + len(keyName) + len(u.DisplayName) + len(u.SecondaryEmail) + len(u.DBRole) + fieldCount
	if !shared {
		size += keyLen
	}
	if int64(b.text.Len())+int64(size) > math.MaxUint32 {
		return fmt.Errorf("ui: more than 4 GB of user text")
	}
	r := listRow{
		id: u.ID, text: uint32(b.text.Len()), role: role, status: status,
		lockedUntil: micros(u.LockedUntil), passwordExpiresAt: micros(u.PasswordExpiresAt),
		passwordChangedAt: micros(u.PasswordChangedAt), createdAt: micros(u.CreatedAt),
	}
	for _, f := range [fieldCount]string{u.PrimaryEmail, u.MobileNumber, keyName, u.DisplayName, u.SecondaryEmail, u.DBRole} {
		b.text.WriteString(f)
		b.text.WriteByte(0)
	}
	r.key = r.text
	if !shared {
		r.key = uint32(b.text.Len())
		b.text.WriteString(email)
		b.text.WriteByte(0)
		b.text.WriteString(mobile)
		b.text.WriteByte(0)
		b.text.WriteString(name)
	}
	r.keyEnd = r.key + uint32(keyLen)
	r.flags = flagIf(u.PrimaryIsMobile, flagPrimaryIsMobile) | flagIf(u.PrimaryEmailUndeliverable, flagPrimaryEmailUndeliverable) |
		flagIf(u.SSOManaged, flagSSOManaged) | flagIf(u.HasPassword, flagHasPassword) | flagIf(u.MustChangePassword, flagMustChangePassword)
	b.list.rows = append(b.list.rows, r)
	return nil
}

// finish returns the list. The text and rows are copied to their exact
// size, since growing by doubling can leave half of each unused.
func (b *userListBuilder) finish() *userList {
	l := b.list
	l.text = strings.Clone(b.text.String())
	l.rows = slices.Clone(l.rows)
	l.byID = make([]int32, len(l.rows))
	for i := range l.byID {
		l.byID[i] = int32(i)
	}
	slices.SortFunc(l.byID, func(a, b int32) int { return cmp.Compare(l.rows[a].id, l.rows[b].id) })
	*b = userListBuilder{}
	return &l
}

func flagIf(on bool, f uint8) uint8 {
	if on {
		return f
	}
	return 0
}

// noTime stands for the zero time in a listRow.
const noTime = math.MinInt64

// micros is t in Unix microseconds, noTime for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixMicro()
}

// fromMicros undoes micros.
func fromMicros(v int64) time.Time {
	if v == noTime {
		return time.Time{}
	}
	return time.UnixMicro(v)
}
