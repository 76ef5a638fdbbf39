package app

import (
	"context"
)

// HandOverer is the console's side of a hand-over: after a set-password
// reset that nobody saw the password of, the user types their own on the
// admin's device. The database allows it only with the set-password rules
// and the change ticket of the caller's own reset; EUNAUTHORIZED otherwise.
type HandOverer interface {
	HandOverPassword(ctx context.Context, userID int64, proof, newHash string) (CompletionStatus, error)
}

// HandOverMode are the reset options that start a hand-over: a generated
// password that must change (so the reset leaves a change ticket), not
// emailed, never shown. The other options (sessions, unlock) are the
// admin's.
func HandOverMode(o ResetOptions) ResetOptions {
	o.Mode, o.ForceChange, o.EmailPassword, o.Password = ModeSetPassword, true, false, ""
	return o
}

// HandOver sets the password user typed on the admin's device in place of
// the temporary one that the reset left (temp, which only this process
// knows). EINVALID with a sentence for bad input, before the database is
// asked; then the database's answer.
func HandOver(ctx context.Context, h HandOverer, org Org, user User, temp, newPassword, again string) (CompletionStatus, error) {
	r := SelfServiceRequest{Login: user.Login(), Secret: temp, NewPassword: newPassword, Again: again}
	if err := r.check(PasswordRules{MinLength: org.MinPasswordLength}, "temporary password"); err != nil {
		return "", err
	}
	// The console knows the user's name too: it must not be in the password.
	if err := CheckOwnPassword(newPassword, org.MinPasswordLength, user.PrimaryEmail, user.DisplayName); err != nil {
		return "", err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return "", &Error{Code: EINTERNAL, Message: "Could not hash the new password.", Err: err}
	}
	return h.HandOverPassword(ctx, user.ID, ChangeProof(user.PrimaryEmail, temp), hash)
}
