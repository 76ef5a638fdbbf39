package app

import (
	"net/mail"
	"strings"
	"unicode"
)

// ValidEmail reports whether s is a bare address such as ann@example.com: no
// display name, angle brackets or control characters, and a domain with a
// dot in it. It is the one check of an address: an import's rows, admin add,
// setup's owner, and every message's recipient.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsFunc(s, unicode.IsControl) {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.Contains(domain, "..") && !strings.ContainsAny(domain, "[]")
}
