package app

import (
	"context"
	"strings"
	"time"
)

// SelfServiceLoginInfo is one self-service login of the office's database,
// as Settings lists them for the owner.
type SelfServiceLoginInfo struct {
	Login     string
	CreatedAt time.Time
	CreatedBy string // the role that made it
	// LastUsed is when it last finished (or tried) a reset or a password
	// change that the audit shows the owner; zero when it never did.
	LastUsed time.Time
}

// SelfServiceLoginLister lists the self-service logins registered for the
// office's database, oldest first. EUNAUTHORIZED for anyone but the owner
// (or the DBA).
type SelfServiceLoginLister interface {
	SelfServiceLogins(ctx context.Context) ([]SelfServiceLoginInfo, error)
}

// MaxDeviceNameLength bounds the device part of a device's self-service
// login, so that the office's part of the name still fits beside it in
// PostgreSQL's 63 bytes.
const MaxDeviceNameLength = 24

// DefaultDeviceLoginBase starts a device's self-service login when the
// name it is given cannot start a login's name.
const DefaultDeviceLoginBase = "selfservice"

// DeviceLoginName is the self-service login that Settings makes for one
// device: base (this computer's self-service login, else the office's
// database) and the device's name
// as the owner typed it ("Reception PC" becomes reception_pc), joined by
// an underscore, such as frontdesk_reception_pc. Letters a to z, digits,
// spaces, dashes, dots and underscores may be typed; apostrophes are
// dropped. A base that could not start a login's name is replaced by
// DefaultDeviceLoginBase, and a long one is cut so that the whole fits in
// 63 bytes. EINVALID, with a sentence, for an empty or unusable name.
func DeviceLoginName(base, device string) (string, error) {
	d, bad := deviceWord(device)
	switch {
	case bad != "":
		return "", Errorf(EINVALID, "Name the device with letters a to z, digits, spaces or dashes: %q cannot be part of a login's name.", bad)
	case d == "":
		return "", Errorf(EINVALID, "Name the computer or phone first, such as reception or maria-phone.")
	case len(d) > MaxDeviceNameLength:
		return "", Errorf(EINVALID, "Keep the device's name to %d letters or fewer.", MaxDeviceNameLength)
	}
	b, bad := deviceWord(base)
	if bad != "" || b == "" || (b[0] >= '0' && b[0] <= '9') || strings.HasPrefix(b, "pg_") || strings.HasPrefix(b, "resetdesk_") {
		b = DefaultDeviceLoginBase
	}
	if room := 63 - 1 - len(d); len(b) > room {
		b = strings.TrimRight(b[:room], "_")
	}
	return b + "_" + d, nil
}

// deviceWord turns what was typed into the lower-case letters, digits and
// single underscores of a role name; bad is the first character that
// cannot be part of one.
func deviceWord(s string) (word, bad string) {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
		case r == ' ', r == '-', r == '_', r == '.', r == '\t':
			gap = true
		case r == '\'', r == '’':
		default:
			return "", string(r)
		}
	}
	return b.String(), ""
}
