// Package app holds ResetDesk's domain: the types of a user directory, the rules
// of a password reset, the service interfaces that data and mail implement, and
// errors that carry a sentence an admin can act on. It imports nothing of
// ResetDesk's own and nothing beyond the standard library and x/crypto.
package app

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// Error codes. Every error that reaches a screen or the command line carries one.
const (
	ECONFLICT     = "conflict"     // the thing exists already, or changed under us
	EINTERNAL     = "internal"     // a bug or an unexpected failure: details go to the log
	EINVALID      = "invalid"      // bad input: the message says what to fix
	ENOTFOUND     = "not_found"    // no such user, org or code
	EUNAUTHORIZED = "unauthorized" // the database refused: wrong password or no permission
	EUNAVAILABLE  = "unavailable"  // a server could not be reached; trying again may work
	EUNTRUSTED    = "untrusted"    // a server did not prove who it is, or asked for a password unsafely: nothing secret was sent
)

// Error is an error with a code and a sentence for the admin. Err, when set, is
// the underlying cause for the log; it is never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the sentence to show for err. Errors without one show as
// "Internal error." so that driver and network strings never reach a screen.
// The cause of an internal error goes to the log SetInternalLog names, and
// the sentence says where.
func ErrorMessage(err error) string {
	var e *Error
	msg := "Internal error."
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Message != "" {
		msg = e.Message
	}
	if ErrorCode(err) == EINTERNAL {
		if record := internalLog.Load(); record != nil {
			if where := (*record)(err); where != "" {
				msg += " What went wrong is written in " + where + ", for whoever supports ResetDesk."
			}
		}
	}
	return msg
}

// internalLog is where the causes of internal errors go; see SetInternalLog.
var internalLog atomic.Pointer[func(cause error) (where string)]

// SetInternalLog makes ErrorMessage hand the cause of every internal error
// to record, which keeps it (without secrets: see Redact) and returns where,
// for the sentence; "" when it could not. main sets it once at start; nil
// turns it off.
func SetInternalLog(record func(cause error) (where string)) {
	if record == nil {
		internalLog.Store(nil)
		return
	}
	internalLog.Store(&record)
}

// CertificateToConfirm is the cause of the EUNTRUSTED error of a first
// connection to a server whose certificate is to be pinned: nothing was sent
// to it yet. The admin compares Fingerprint with the one the server's DBA
// reads out, and only then trusts it.
type CertificateToConfirm struct {
	Server      string // host:port
	Fingerprint string // SHA-256 of the certificate, as "AB:CD:…" (what openssl prints)
}

func (c *CertificateToConfirm) Error() string {
	return "certificate of " + c.Server + " not confirmed yet: SHA-256 " + c.Fingerprint
}
