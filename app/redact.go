package app

import "regexp"

// redactions find what must never reach a log: the password in a URL's
// user part, password=… and similar pairs of a connection string or a
// query, one-time codes (ABCDE-FGHJK), and password hashes.
var redactions = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@"']*):[^@\s"']*@`), "$1:[redacted]@"},
	{regexp.MustCompile(`(?i)\b(password|passwd|pwd|pass|secret|token|sslpassword)(\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s&;,"']+)`), "$1$2[redacted]"},
	{regexp.MustCompile(`\b[` + CodeAlphabet + `]{5}-?[` + CodeAlphabet + `]{5}\b`), "[code]"},
	{regexp.MustCompile(`\$argon2id?\$[^\s"']+`), "[hash]"},
}

// Redact takes secrets out of s, the text of an error or a log line.
func Redact(s string) string {
	for _, r := range redactions {
		s = r.re.ReplaceAllString(s, r.with)
	}
	return s
}
