package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AfterColon returns sentence s as it reads after a colon that joins it to
// another ("Set password is not available: your role may not set
// passwords."): its first letter in lower case. A first word with a
// capital inside it, or of one letter, is a name or an acronym
// (PostgreSQL, ResetDesk, SMTP, I) and keeps its capitals.
func AfterColon(s string) string {
	word := s
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		word = s[:i]
	}
	first, size := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(first) || size == len(word) || strings.IndexFunc(word[size:], unicode.IsUpper) >= 0 {
		return s
	}
	return string(unicode.ToLower(first)) + s[size:]
}
