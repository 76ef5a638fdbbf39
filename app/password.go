package app

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password lengths, counted in characters (runes), as NIST SP 800-63B asks.
const (
	DefaultMinPasswordLength = 15  // used when an org sets no minimum of its own
	MaxPasswordLength        = 128 // long enough for any passphrase, short enough to hash cheaply
)

// PasswordAlphabet is what GeneratePassword draws from: letters, digits and a
// few symbols that are on every keyboard layout without dead keys, minus the
// characters people misread (0 O o 1 l I |) and those that break quoting in
// shells, CSV files and config files (quotes, backslash, space).
const PasswordAlphabet = "abcdefghijkmnpqrstuvwxyz" + "ABCDEFGHJKLMNPQRSTUVWXYZ" + "23456789" + "!#$%&*+-=?@_"

// GeneratePassword returns a random password that CheckPassword accepts for
// minLen: max(minLen, 15) characters drawn uniformly from PasswordAlphabet,
// about 6.1 bits each, so at least 91 bits in all. A minLen above
// MaxPasswordLength is treated as MaxPasswordLength, as CheckPassword does.
func GeneratePassword(minLen int) (string, error) {
	return generate(PasswordAlphabet, minLen)
}

// PlainPasswordAlphabet is PasswordAlphabet without its symbols: letters
// and digits only, for a password read out over the phone or typed on a
// phone's keyboard without switching layouts.
const PlainPasswordAlphabet = "abcdefghijkmnpqrstuvwxyz" + "ABCDEFGHJKLMNPQRSTUVWXYZ" + "23456789"

// GeneratePlainPassword is GeneratePassword over PlainPasswordAlphabet:
// about 5.8 bits a character, so at least 87 bits in 15 characters.
func GeneratePlainPassword(minLen int) (string, error) {
	return generate(PlainPasswordAlphabet, minLen)
}

func generate(alphabet string, minLen int) (string, error) {
	n := max(effectiveMinLength(minLen), DefaultMinPasswordLength)
	// A random password fails the checks less than once in a billion tries
	// (it would have to be a common word's start followed by only digits and
	// symbols); the loop turns that into a guarantee.
	for range 100 {
		pw, err := randomString(alphabet, n)
		if err != nil {
			return "", err
		}
		if CheckPassword(pw, minLen) == nil {
			return pw, nil
		}
	}
	return "", Errorf(EINTERNAL, "Could not generate a password.")
}

// randomString returns n characters drawn uniformly from alphabet (ASCII, at
// most 256 characters). Bytes at or above the largest multiple of the
// alphabet's size are thrown away, so every character is equally likely.
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", &Error{Code: EINTERNAL, Message: "Could not read random numbers.", Err: err}
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

//go:embed blocklist.txt
var blocklistText string

// blocklist holds the lowercase entries of blocklist.txt.
var blocklist = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool)
	sc := bufio.NewScanner(strings.NewReader(blocklistText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
})

// effectiveMinLength is the minimum an org's setting stands for: the default
// when it sets none, and never more than a password may have.
func effectiveMinLength(minLen int) int {
	switch {
	case minLen <= 0:
		return DefaultMinPasswordLength
	case minLen > MaxPasswordLength:
		return MaxPasswordLength
	}
	return minLen
}

// CheckPassword returns an EINVALID error whose message says why pw may not be
// used, or nil. It follows NIST SP 800-63B: at least minLen characters (15
// when minLen <= 0) and at most MaxPasswordLength, no rules about character
// classes, but not a commonly used password (also repeated, or with digits and
// symbols after it), not one character or a short pattern repeated, and not
// containing any of context (the user's name, email address or its local
// part) or of their words, when those have at least 4 characters.
// Control characters are refused too: the systems that read the hash (a
// Dovecot passdb, a VPN) may not let users type them.
func CheckPassword(pw string, minLen int, context ...string) error {
	return checkPassword(pw, minLen, "the user's", context)
}

// CheckOwnPassword is CheckPassword for a password the user chooses for
// themselves (self-service, a hand-over): its sentences speak to them, of
// "your name", where an admin reads "the user's name".
func CheckOwnPassword(pw string, minLen int, context ...string) error {
	return checkPassword(pw, minLen, "your", context)
}

// checkPassword is CheckPassword; whose names the user in its sentences.
func checkPassword(pw string, minLen int, whose string, context []string) error {
	minLen = effectiveMinLength(minLen)
	if !utf8.ValidString(pw) {
		return Errorf(EINVALID, "The password is not valid text: type it again.")
	}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minLen:
		return Errorf(EINVALID, "The password is too short: use at least %d characters.", minLen)
	case n > MaxPasswordLength:
		return Errorf(EINVALID, "The password is too long: use at most %d characters.", MaxPasswordLength)
	case strings.ContainsFunc(pw, unicode.IsControl):
		return Errorf(EINVALID, "The password contains a control character such as a tab or a line break: use only letters, digits, spaces and symbols.")
	}
	lower := strings.ToLower(pw)
	runes := []rune(lower)
	if p := period(runes); p < len(runes) && p <= 3 {
		return Errorf(EINVALID, "The password repeats a single character or a short pattern: choose one that is harder to guess.")
	}
	if isCommonPassword(lower) {
		return Errorf(EINVALID, "The password is on a list of commonly used passwords: choose one that is harder to guess.")
	}
	for _, word := range contextWords(context) {
		if strings.Contains(lower, word) {
			return Errorf(EINVALID, "The password contains %s name or email address: choose one that does not.", whose)
		}
	}
	return nil
}

// MinRelayPasswordLength is the shortest database password `resetdesk relay
// add` takes. The relay's sealing key is made from that password, and its
// public half is readable by every console login, so a guessable password
// could be found offline: a relay's password is a machine's, typed once
// into its service file, and can be long.
const MinRelayPasswordLength = 24

// CheckRelayPassword is CheckPassword for a relay login's password: at least
// MinRelayPasswordLength characters, and not containing the login.
func CheckRelayPassword(pw, login string) error {
	if utf8.RuneCountInString(pw) < MinRelayPasswordLength {
		return Errorf(EINVALID, "A mail relay's password must have at least %d characters: its key is made from it. Make one with `openssl rand -base64 24`.", MinRelayPasswordLength)
	}
	return CheckPassword(pw, MinRelayPasswordLength, login)
}

// isCommonPassword reports whether lower (a lowercase password) is a blocklist
// entry, such an entry repeated or cut short, or either with only digits and
// symbols after it.
func isCommonPassword(lower string) bool {
	list := blocklist()
	for _, s := range []string{lower, strings.TrimRightFunc(lower, isDigitOrSymbol)} {
		if len(s) == 0 {
			continue
		}
		if list[s] {
			return true
		}
		// "qwertyqwertyqw" is "qwerty" repeated: try every whole number of
		// periods as the entry.
		p := period([]byte(s))
		for k := p; k < len(s); k += p {
			if list[s[:k]] {
				return true
			}
		}
		// A long entry cut short ("qwertyuiopasdfg") is no stronger than the entry.
		if len(s) >= 4 {
			for entry := range list {
				if len(entry) > len(s) && strings.HasPrefix(entry, s) {
					return true
				}
			}
		}
	}
	return false
}

func isDigitOrSymbol(r rune) bool {
	return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// period returns the length of the shortest p such that s is a prefix of
// s[:p] repeated: 1 for "aaaa", 3 for "abcabca", len(s) when s does not repeat.
// It comes from the Knuth-Morris-Pratt failure function of the whole of s.
func period[T comparable](s []T) int {
	if len(s) == 0 {
		return 0
	}
	fail := make([]int, len(s))
	k := 0
	for i := 1; i < len(s); i++ {
		for k > 0 && s[i] != s[k] {
			k = fail[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		fail[i] = k
	}
	return len(s) - fail[len(s)-1]
}

// contextWords returns the lowercase strings a password may not contain: each
// context string (only the local part of an email address) and each of its
// words, when at least 4 characters long.
func contextWords(context []string) []string {
	var words []string
	add := func(w string) {
		if utf8.RuneCountInString(w) >= 4 {
			words = append(words, w)
		}
	}
	for _, c := range context {
		c = strings.ToLower(strings.TrimSpace(c))
		if at := strings.LastIndexByte(c, '@'); at >= 0 {
			c = c[:at]
		}
		add(c)
		for _, w := range strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if w != c {
				add(w)
			}
		}
	}
	return words
}

// The argon2id parameters of new hashes: OWASP's recommendation of 19 MiB of
// memory, 2 passes and 1 lane, with a 16-byte salt and a 32-byte key.
const (
	Argon2Memory  = 19 * 1024 // KiB
	Argon2Time    = 2
	Argon2Threads = 1
	Argon2SaltLen = 16
	Argon2KeyLen  = 32
)

// argon2Version is the only version x/crypto computes (1.3, written v=19).
const argon2Version = 19

// Bounds on the parameters VerifyPassword accepts, so that a damaged or
// hostile hash cannot make it allocate gigabytes or run for minutes.
const (
	maxArgon2Memory = 1 << 20 // KiB: 1 GiB
	maxArgon2Time   = 100
	maxArgon2KeyLen = 128
	maxArgon2Salt   = 64
)

// HashPassword returns the argon2id hash of pw as a PHC string,
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, with a new random salt; salt
// and key are unpadded standard base64. Dovecot, libsodium and most argon2
// libraries read it as it is.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, Argon2SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", &Error{Code: EINTERNAL, Message: "Could not read random numbers.", Err: err}
	}
	key := argon2.IDKey([]byte(pw), salt, Argon2Time, Argon2Memory, Argon2Threads, Argon2KeyLen)
	return formatPHC(Argon2Memory, Argon2Time, Argon2Threads, salt, key), nil
}

func formatPHC(m uint32, t uint32, p uint8, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2Version, m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// HashPasswords hashes each of pws with HashPassword on all cores, one worker
// per GOMAXPROCS, and returns the hashes in the same order.
func HashPasswords(pws []string) ([]string, error) {
	hashes := make([]string, len(pws))
	errs := make([]error, len(pws))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(pws)) {
		wg.Go(func() {
			for i := range next {
				hashes[i], errs[i] = HashPassword(pws[i])
			}
		})
	}
	for i := range pws {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

// VerifyPassword reports whether pw matches phc, an argon2id PHC string with
// any parameters (those of the string are used, so hashes made with older
// settings keep working). It returns an EINVALID error when phc is not such a
// string. The keys are compared in constant time.
func VerifyPassword(phc, pw string) (bool, error) {
	m, t, p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parsePHC splits $argon2id$v=19$m=M,t=T,p=P$salt$key into its parts,
// following the PHC string format: decimal numbers without leading zeros or
// signs, unpadded base64, nothing else.
func parsePHC(phc string) (m, t uint32, p uint8, salt, key []byte, err error) {
	invalid := func(why string) error {
		return Errorf(EINVALID, "The password hash is not a valid argon2id PHC string: %s.", why)
	}
	parts := strings.Split(phc, "$")
	// The base64 decoder skips line breaks, so refuse them here.
	if len(parts) != 6 || parts[0] != "" || strings.ContainsAny(phc, "\r\n") {
		return 0, 0, 0, nil, nil, invalid("expected $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return 0, 0, 0, nil, nil, invalid("the algorithm is not argon2id")
	}
	if v, ok := strings.CutPrefix(parts[2], "v="); !ok {
		return 0, 0, 0, nil, nil, invalid("the version is missing")
	} else if n, ok := parsePHCNumber(v, argon2Version); !ok || n != argon2Version {
		return 0, 0, 0, nil, nil, invalid("only version 19 is supported")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return 0, 0, 0, nil, nil, invalid("expected the parameters m, t and p")
	}
	var vals [3]uint64
	limits := [3]uint64{maxArgon2Memory, maxArgon2Time, 255}
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return 0, 0, 0, nil, nil, invalid("expected the parameters m, t and p in that order")
		}
		if vals[i], ok = parsePHCNumber(v, limits[i]); !ok || vals[i] == 0 {
			return 0, 0, 0, nil, nil, invalid("parameter " + name[:1] + " is out of range")
		}
	}
	if vals[0] < 8*vals[2] {
		return 0, 0, 0, nil, nil, invalid("m must be at least 8 times p")
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	switch {
	case err1 != nil || len(salt) < 8 || len(salt) > maxArgon2Salt:
		return 0, 0, 0, nil, nil, invalid("the salt is not 8 to 64 bytes of base64")
	case err2 != nil || len(key) < 4 || len(key) > maxArgon2KeyLen:
		return 0, 0, 0, nil, nil, invalid("the hash is not 4 to 128 bytes of base64")
	}
	return uint32(vals[0]), uint32(vals[1]), uint8(vals[2]), salt, key, nil
}

// parsePHCNumber parses a PHC decimal: digits only, no leading zero, at most limit.
func parsePHCNumber(s string, limit uint64) (uint64, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

// CodeAlphabet is what one-time codes are made of: uppercase letters and
// digits without I, O, 0 and 1. It has 32 characters, 5 bits each.
const CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CodeLength is the number of characters of a one-time code, not counting the
// dash. Ten characters of CodeAlphabet carry 50 bits. PostgreSQL lets a
// typed login fail at most 50 times in 15 minutes, and voids a code after 5
// wrong codes whose hash begins as its own does (migration 0022): a
// guesser's chance against one code is at most 50 in 2^50 (4e-14) in the
// default 15 minutes, 4,800 in 2^50 (4e-12) in the longest life of 24 hours.
const CodeLength = 10

// NewOneTimeCode returns a random one-time code such as ABCDE-FGHJK, drawn
// uniformly from CodeAlphabet, for the user to type from an email.
func NewOneTimeCode() (string, error) {
	s, err := randomString(CodeAlphabet, CodeLength)
	if err != nil {
		return "", err
	}
	return s[:CodeLength/2] + "-" + s[CodeLength/2:], nil
}

// normalizeCode turns what a user typed into the form that is hashed: no
// spaces or dashes anywhere, uppercase. So "abcde fghjk" and "ABCDEFGHJK"
// both match ABCDE-FGHJK.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code))
}

// HashCode returns the lowercase hex SHA-256 of the normalized code, as the
// one_time_passwords table stores it. A plain hash is enough here: the code
// has 50 random bits, lives 15 minutes and allows few guesses (CodeLength).
func HashCode(code string) string {
	sum := sha256.Sum256([]byte(normalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// CodeMatches reports whether code, as the user typed it, matches hashHex, a
// hash from HashCode. The hashes are compared in constant time; a hashHex
// that is not hex never matches.
func CodeMatches(hashHex, code string) bool {
	want, err := hex.DecodeString(hashHex)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(normalizeCode(code)))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
