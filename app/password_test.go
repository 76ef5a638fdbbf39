package app

import (
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

func TestGeneratePassword(t *testing.T) {
	for _, gen := range []struct {
		name     string
		f        func(int) (string, error)
		alphabet string
	}{{"GeneratePassword", GeneratePassword, PasswordAlphabet}, {"GeneratePlainPassword", GeneratePlainPassword, PlainPasswordAlphabet}} {
		testGenerator(t, gen.name, gen.f, gen.alphabet)
	}
	if strings.ContainsAny(PlainPasswordAlphabet, "!#$%&*+-=?@_") || !strings.Contains(PasswordAlphabet, PlainPasswordAlphabet) {
		t.Errorf("the plain alphabet is not the full one without its symbols")
	}
}

func testGenerator(t *testing.T, name string, generate func(int) (string, error), alphabet string) {
	for _, minLen := range []int{-1, 0, 8, 15, 16, 40, 128, 500} {
		t.Run(fmt.Sprint(name, minLen), func(t *testing.T) {
			want := max(effectiveMinLength(minLen), DefaultMinPasswordLength)
			seen := make(map[string]bool)
			for range 300 {
				pw, err := generate(minLen)
				if err != nil {
					t.Fatalf("GeneratePassword(%d): %v", minLen, err)
				}
				if n := utf8.RuneCountInString(pw); n != want {
					t.Errorf("GeneratePassword(%d) has %d characters, want %d", minLen, n, want)
				}
				if i := strings.IndexFunc(pw, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
					t.Errorf("GeneratePassword(%d) = %q: %q is not in the alphabet", minLen, pw, pw[i])
				}
				if err := CheckPassword(pw, minLen); err != nil {
					t.Errorf("CheckPassword(%q, %d) = %v, want nil", pw, minLen, err)
				}
				if seen[pw] {
					t.Errorf("GeneratePassword(%d) returned %q twice", minLen, pw)
				}
				seen[pw] = true
			}
		})
	}
}

func TestPasswordAlphabet(t *testing.T) {
	for _, r := range "0Oo1lI| \"'`\\" {
		if strings.ContainsRune(PasswordAlphabet, r) {
			t.Errorf("PasswordAlphabet contains %q", r)
		}
	}
	for _, r := range "0O1I" {
		if strings.ContainsRune(CodeAlphabet, r) {
			t.Errorf("CodeAlphabet contains %q", r)
		}
	}
	for _, a := range []string{PasswordAlphabet, CodeAlphabet} {
		seen := make(map[rune]bool)
		for _, r := range a {
			if seen[r] {
				t.Errorf("alphabet %q has %q twice", a, r)
			}
			seen[r] = true
		}
	}
}

// TestRandomStringUniform is a chi-squared test of the character counts. The
// threshold is about seven standard deviations above the mean, so a correct
// generator fails it far less often than once in a billion runs, while a
// modulo bias (the first 256%68 = 52 characters drawn 4/3 as often) fails it
// every time.
func TestRandomStringUniform(t *testing.T) {
	const n = 200_000
	s, err := randomString(PasswordAlphabet, n)
	if err != nil {
		t.Fatal(err)
	}
	counts := make(map[rune]int)
	for _, r := range s {
		counts[r]++
	}
	k := float64(len(PasswordAlphabet))
	expected := n / k
	var chi2 float64
	for _, r := range PasswordAlphabet {
		d := float64(counts[r]) - expected
		chi2 += d * d / expected
	}
	df := k - 1
	if limit := df + 7*math.Sqrt(2*df); chi2 > limit {
		t.Errorf("chi-squared = %.1f over %d characters, want at most %.1f: the characters are not uniform", chi2, n, limit)
	}
}

func TestCheckPassword(t *testing.T) {
	const (
		short   = "The password is too short: use at least 15 characters."
		long    = "The password is too long: use at most 128 characters."
		control = "The password contains a control character"
		repeats = "The password repeats a single character or a short pattern"
		common  = "The password is on a list of commonly used passwords"
		context = "The password contains the user's name or email address"
	)
	ctx := []string{"zoe.angstrom@example.com", "Zoë Ångström"}
	tests := []struct {
		pw      string
		minLen  int
		context []string
		want    string // start of the message; "" for no error
	}{
		{"correct horse battery staple", 0, nil, ""},
		{"Tr0ub4dor&3xyzw", 15, nil, ""},
		{"short pass", 0, nil, short},
		{"short pass", 15, nil, short},
		{"fourteen chars", 15, nil, short},
		{"fifteen chars!!", 15, nil, ""},
		{"eight ch", 8, nil, ""},
		{"seven c", 8, nil, "The password is too short: use at least 8 characters."},
		{"ääääääääääääää", 15, nil, short}, // 14 characters, 28 bytes
		{"日本語のパスワードはとても長いです", 15, nil, ""},
		{strings.Repeat("ab3", 42) + "xy", 15, nil, ""},
		{strings.Repeat("ab3", 42), 15, nil, repeats},
		{strings.Repeat("abcd", 32) + "e", 15, nil, long},
		{strings.Repeat("x", 200), 500, nil, long}, // a minimum above 128 counts as 128
		{"tab\tseparated password", 0, nil, control},
		{"line\nbreak password!", 0, nil, control},
		{"nul\x00 in the password", 0, nil, control},
		{"bad utf8 \xff password here", 0, nil, "The password is not valid text"},
		{"aaaaaaaaaaaaaaa", 15, nil, repeats},
		{"ÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅ", 15, nil, repeats},
		{"abababababababab", 15, nil, repeats},
		{"123123123123123", 15, nil, repeats},
		{"password", 8, nil, common},
		{"PassWord", 8, nil, common},
		{"Password1234567", 15, nil, common},
		{"password123!@#$", 15, nil, common},
		{"P@ssw0rd2024!!!", 15, nil, common},
		{"passwordpassword", 15, nil, common},
		{"PasswordPassword1", 15, nil, common},
		{"passwordpasswor", 15, nil, common},
		{"qwertyqwertyqwerty", 15, nil, common},
		{"iloveyou1234567", 15, nil, common},
		{"123456789012345", 15, nil, common},
		{"qwertyuiopasdfg", 15, nil, common},
		{"letmeinletmein1", 15, nil, common},
		{"dragon-is-my-pet", 15, nil, ""}, // a blocklisted word inside a passphrase is fine
		{"my password is long", 15, nil, ""},
		{"Angstrom was here!", 15, ctx, context},
		{"zoe.angstrom rocks!", 15, ctx, context},
		{"I am ÅNGSTRÖM, hear me", 15, ctx, context},
		{"zoë is a fine name!!", 15, ctx, ""}, // "zoë" has only 3 characters
		{"example.com is my home", 15, ctx, ""},
		{"bob is a fine name!!", 15, []string{"bob@example.com", "Bob"}, ""},
		{"my name is li lei ok", 15, []string{"李雷"}, ""},
		{"my name is 李雷 ok!!", 15, []string{"li.lei@example.cn", "李雷"}, ""},
		{"angstromangstrom", 15, []string{"", "  ", "Ångström"}, ""},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.pw, tt.minLen, tt.context...)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckPassword(%q, %d) = %v, want nil", tt.pw, tt.minLen, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID || !strings.HasPrefix(ErrorMessage(err), tt.want) {
			t.Errorf("CheckPassword(%q, %d) = %v, want %s error %q", tt.pw, tt.minLen, err, EINVALID, tt.want)
		}
	}
}

// A user choosing their own password reads the same rules, of "your name".
func TestCheckOwnPassword(t *testing.T) {
	ctx := []string{"zoe.angstrom@example.com", "Zoë Ångström"}
	err := CheckOwnPassword("Angstrom was here!", 15, ctx...)
	if got, want := ErrorMessage(err), "The password contains your name or email address: choose one that does not."; ErrorCode(err) != EINVALID || got != want {
		t.Errorf("CheckOwnPassword = %v, want %s error %q", err, EINVALID, want)
	}
	for _, pw := range []string{"short pass", "password", "correct horse battery staple"} {
		if own, admins := ErrorMessage(CheckOwnPassword(pw, 15, ctx...)), ErrorMessage(CheckPassword(pw, 15, ctx...)); own != admins {
			t.Errorf("%q: the user reads %q, an admin %q", pw, own, admins)
		}
	}
}

func TestBlocklist(t *testing.T) {
	list := blocklist()
	if len(list) < 300 {
		t.Errorf("the blocklist has %d entries, want a few hundred", len(list))
	}
	for _, pw := range []string{"password", "123456", "qwerty", "letmein", "iloveyou", "admin", "welcome"} {
		if !list[pw] {
			t.Errorf("the blocklist lacks %q", pw)
		}
	}
	for entry := range list {
		if entry != strings.ToLower(entry) || strings.ContainsAny(entry, " \t\r") {
			t.Errorf("blocklist entry %q is not a lowercase word", entry)
		}
	}
}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	phc, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !phcPattern.MatchString(phc) {
		t.Errorf("HashPassword = %q, want the form %s", phc, phcPattern)
	}
	again, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if again == phc {
		t.Errorf("HashPassword gave %q twice: the salt is not random", phc)
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{pw, true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, err := VerifyPassword(phc, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("VerifyPassword(%q, %q) = %v, %v; want %v, nil", phc, tt.pw, ok, err, tt.want)
		}
	}
}

// TestVerifyPasswordKnownAnswer checks VerifyPassword against hashes made
// elsewhere: one computed here with argon2.IDKey and a fixed salt, and one
// made by Dovecot's doveadm (libsodium's argon2), with its own parameters.
func TestVerifyPasswordKnownAnswer(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("hunter2 is not a password"), salt, 2, 19456, 1, 32)
	own := "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	if own != "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"+base64.RawStdEncoding.EncodeToString(key) {
		t.Fatalf("the test builds a wrong PHC string: %q", own)
	}
	tests := []struct {
		phc, pw string
		want    bool
	}{
		{own, "hunter2 is not a password", true},
		{own, "hunter2 is not a passwore", false},
		{"$argon2id$v=19$m=65536,t=3,p=1$MrY3coV60UWFV+cW8azv1Q$7RoScCs8RoYmEX8nPR0/zn1qUr0wUKZmC1DmkGz8UQM", "correct horse battery staple", true},
		{"$argon2id$v=19$m=65536,t=3,p=1$MrY3coV60UWFV+cW8azv1Q$7RoScCs8RoYmEX8nPR0/zn1qUr0wUKZmC1DmkGz8UQM", "correct horse battery stapler", false},
	}
	for _, tt := range tests {
		ok, err := VerifyPassword(tt.phc, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("VerifyPassword(%q, %q) = %v, %v; want %v, nil", tt.phc, tt.pw, ok, err, tt.want)
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	const salt, key = "MDEyMzQ1Njc4OWFiY2RlZg", "7RoScCs8RoYmEX8nPR0/zn1qUr0wUKZmC1DmkGz8UQM"
	for _, phc := range []string{
		"",
		"password",
		"{ARGON2ID}$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=019$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,keyid=x$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=7,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, // a 4-byte salt
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$YWI",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_"),
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		" $argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:20] + "\n" + key[20:],
	} {
		ok, err := VerifyPassword(phc, "hunter2 is not a password")
		if ok || ErrorCode(err) != EINVALID {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false and an %s error", phc, ok, err, EINVALID)
		}
	}
}

func TestHashPasswords(t *testing.T) {
	pws := []string{"first password here", "second password here", "third password here"}
	hashes, err := HashPasswords(pws)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != len(pws) {
		t.Fatalf("HashPasswords returned %d hashes for %d passwords", len(hashes), len(pws))
	}
	for i, phc := range hashes {
		for j, pw := range pws {
			if ok, err := VerifyPassword(phc, pw); err != nil || ok != (i == j) {
				t.Errorf("VerifyPassword(hashes[%d], pws[%d]) = %v, %v; want %v, nil", i, j, ok, err, i == j)
			}
		}
	}
	if hashes, err := HashPasswords(nil); err != nil || len(hashes) != 0 {
		t.Errorf("HashPasswords(nil) = %v, %v; want none, nil", hashes, err)
	}
}

var codePattern = regexp.MustCompile(`^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$`)

func TestNewOneTimeCode(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		code, err := NewOneTimeCode()
		if err != nil {
			t.Fatal(err)
		}
		if !codePattern.MatchString(code) {
			t.Errorf("NewOneTimeCode = %q, want the form %s", code, codePattern)
		}
		if seen[code] {
			t.Errorf("NewOneTimeCode returned %q twice", code)
		}
		seen[code] = true
		if !CodeMatches(HashCode(code), code) {
			t.Errorf("CodeMatches(HashCode(%q), %q) = false", code, code)
		}
	}
}

func TestHashCode(t *testing.T) {
	// The hex SHA-256 of "ABCDEFGHJK", from printf ABCDEFGHJK | sha256sum.
	const stored = "f57cbf1e3e471b25db4b8ad0844df41b2dae9c7d1944944d128e49294d412f66"
	if got := HashCode("ABCDE-FGHJK"); got != stored {
		t.Fatalf("HashCode(ABCDE-FGHJK) = %q, want %q", got, stored)
	}
	tests := []struct {
		typed string
		match bool
	}{
		{"ABCDE-FGHJK", true},
		{"ABCDEFGHJK", true},
		{"abcde-fghjk", true},
		{"  abcdefghjk\n", true},
		{"ABCDE FGHJK", true},
		{"abc-de-fgh-jk", true},
		{"\tABCDE\u00a0FGHJK ", true},
		{"ABCDE-FGHJ", false},
		{"ABCDE-FGHJKL", false},
		{"ABCDE_FGHJK", false},
		{"ABCDE-FGHJX", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := CodeMatches(stored, tt.typed); got != tt.match {
			t.Errorf("CodeMatches(stored, %q) = %v, want %v", tt.typed, got, tt.match)
		}
		if got := HashCode(tt.typed) == stored; got != tt.match {
			t.Errorf("HashCode(%q) == HashCode(ABCDE-FGHJK) is %v, want %v", tt.typed, got, tt.match)
		}
	}
	for _, bad := range []string{"", "zz", stored[:62], stored + "00", strings.ToUpper(stored) + "0"} {
		if CodeMatches(bad, "ABCDE-FGHJK") {
			t.Errorf("CodeMatches(%q, ABCDE-FGHJK) = true for a malformed hash", bad)
		}
	}
	if !CodeMatches(strings.ToUpper(stored), "ABCDE-FGHJK") {
		t.Errorf("CodeMatches does not accept an uppercase hex hash")
	}
}

// TestDoveadm checks that Dovecot, which reads the directory's passdb view,
// accepts the hashes: doveadm pw -t verifies a hash against a password. It
// needs the doveadm command (Debian's dovecot-core); CI must have it.
func TestDoveadm(t *testing.T) {
	doveadm, err := exec.LookPath("doveadm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("doveadm is not installed: install dovecot-core (apt-get install -y dovecot-core) so that Dovecot can be checked to read the hashes")
		}
		t.Skip("doveadm is not installed (apt-get install -y dovecot-core)")
	}
	// A test value, not a secret: it may appear in the output.
	const pw = "Zoë's test password 42"
	phc, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(doveadm, "pw", "-t", "{ARGON2ID}"+phc, "-p", pw).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(verified)") {
		t.Errorf("doveadm pw -t %q rejected the right password: %v\n%s", phc, err, out)
	}
	out, err = exec.Command(doveadm, "pw", "-t", "{ARGON2ID}"+phc, "-p", pw+"!").CombinedOutput()
	if err == nil {
		t.Errorf("doveadm pw -t %q accepted a wrong password:\n%s", phc, out)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHash300Parallel is the baseline of DESIGN.md section 9: hashing
// 300 passwords on all cores. A bulk set-password reset of 300 users may take
// at most 1.25 times as long.
func BenchmarkHash300Parallel(b *testing.B) {
	pws := make([]string, 300)
	for i := range pws {
		pws[i] = fmt.Sprintf("bulk reset password %03d", i)
	}
	n := 0
	for b.Loop() {
		if _, err := HashPasswords(pws); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*len(pws)), "ns/hash")
}

// TestOneTimeCodesAreUniform: the codes (the relay's, since migration 0020,
// and direct mode's) use the whole alphabet, roughly evenly: a chi-square
// bound that a fair source fails about once in a million runs.
func TestOneTimeCodesAreUniform(t *testing.T) {
	const n = 3200
	counts := map[rune]int{}
	for range n {
		code, err := NewOneTimeCode()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range code {
			if r != '-' {
				counts[r]++
			}
		}
	}
	if len(counts) != len(CodeAlphabet) {
		t.Fatalf("%d characters used, want %d", len(counts), len(CodeAlphabet))
	}
	want := float64(n*CodeLength) / float64(len(CodeAlphabet))
	var chi float64
	for _, c := range counts {
		chi += (float64(c) - want) * (float64(c) - want) / want
	}
	if chi > 80 { // 31 degrees of freedom: p < 1e-6
		t.Fatalf("chi-square %.1f: the characters are not evenly drawn %v", chi, counts)
	}
}

func TestCheckRelayPassword(t *testing.T) {
	for _, c := range []struct {
		pw, want string
	}{
		{"Short-relay-pass-2026", "at least 24 characters"},
		{"mailrelay-mailrelay-mailrelay", "user's name"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "repeats"},
		{"q7Vx2LmR9sTe4WbN8cKa1ZpD", ""},
	} {
		err := CheckRelayPassword(c.pw, "mailrelay")
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckRelayPassword(%q) = %v, want %q", c.pw, err, c.want)
		}
	}
}
