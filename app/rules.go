package app

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SkipReason says why a user was left out of a reset. The database functions
// return the same strings.
type SkipReason string

// The reasons a user can be skipped, in the order they are checked.
const (
	SkipProtected            SkipReason = "protected"
	SkipDeactivated          SkipReason = "deactivated"
	SkipNotConfirmed         SkipReason = "not_confirmed"
	SkipSSO                  SkipReason = "sso"
	SkipMobilePrimary        SkipReason = "mobile_primary"
	SkipPrimaryUndeliverable SkipReason = "primary_undeliverable"
	SkipNoEmail              SkipReason = "no_email"
	// SkipNotFound is the database's word for a user who is not in the
	// org (gone since the list loaded); SkipReasonFor never returns it.
	SkipNotFound SkipReason = "not_found"
)

// SkipReasons lists every reason, in the order SkipReasonFor checks them.
var SkipReasons = []SkipReason{
	SkipProtected, SkipDeactivated, SkipNotConfirmed, SkipSSO,
	SkipMobilePrimary, SkipPrimaryUndeliverable, SkipNoEmail,
}

// Sentence explains the reason to an admin.
func (r SkipReason) Sentence() string {
	switch r {
	case SkipProtected:
		return "Protected: nobody resets the owner or themselves here, and only the owner resets admins."
	case SkipDeactivated:
		return "The user is deactivated. Reactivate them first."
	case SkipNotConfirmed:
		return "The user has not confirmed their account yet. Only confirmed users can be reset."
	case SkipSSO:
		return "The user signs in through SSO, so their password is not managed here."
	case SkipMobilePrimary:
		return "The user signs in with a mobile number and has no email to receive a reset. Contact them directly."
	case SkipPrimaryUndeliverable:
		return "Mail to the user's primary email bounces, so no reset was sent. A notice goes to their secondary email, if they have one, asking them to contact the office."
	case SkipNoEmail:
		return "The user has no email address to send a one-time password to."
	case SkipNotFound:
		return "No such user in this organization: removed since the list was loaded?"
	case "":
		return ""
	}
	return "Skipped: " + string(r) + "."
}

// SkipReasonFor returns why actor may not reset target in org with opts, or ""
// when the reset may go ahead. It is the rule of DESIGN.md section 4; the
// database function resetdesk.skip_reason applies the same rule again.
func SkipReasonFor(actor Actor, org Org, target User, opts ResetOptions) SkipReason {
	switch {
	case target.Role == RoleOwner,
		target.ID == actor.User.ID,
		target.IsConsoleUser() && !actor.IsOwner():
		return SkipProtected
	case target.Status == StatusDeactivated:
		return SkipDeactivated
	case target.Status != StatusConfirmed:
		return SkipNotConfirmed
	case target.SSOManaged || org.SSOEnabled:
		return SkipSSO
	}
	if !opts.NeedsMail() {
		return ""
	}
	switch {
	case target.PrimaryIsMobile:
		return SkipMobilePrimary
	case target.PrimaryEmailUndeliverable:
		return SkipPrimaryUndeliverable
	case target.PrimaryEmail == "":
		return SkipNoEmail
	}
	return ""
}

// CheckResetReason checks how the user was verified and the reason: each is
// optional unless the org requires both, and the database checks the same.
func CheckResetReason(org Org, opts ResetOptions) error {
	reason := strings.TrimSpace(opts.Reason)
	if opts.VerifiedBy != "" && !slices.Contains(VerificationMethods, opts.VerifiedBy) {
		return Errorf(EINVALID, "%q is not a way of verifying a user: use in_person, call_back, manager_approval or ticket.", opts.VerifiedBy)
	}
	if utf8.RuneCountInString(reason) > MaxResetReasonLength || strings.ContainsFunc(reason, unicode.IsControl) {
		return Errorf(EINVALID, "The reason must be one line of at most %d characters.", MaxResetReasonLength)
	}
	if org.RequireResetReason && (opts.VerifiedBy == "" || reason == "") {
		return Errorf(EINVALID, "This organization requires how the user was verified and a reason before a reset.")
	}
	return nil
}

// CheckMayReset returns an EUNAUTHORIZED error when actor may not run a reset
// with opts at all, whoever the targets are.
func CheckMayReset(actor Actor, org Org, opts ResetOptions) error {
	if !actor.Has(PermResetPassword) {
		return Errorf(EUNAUTHORIZED, "Your role may not reset passwords.")
	}
	if opts.Mode != ModeSetPassword {
		return nil
	}
	if actor.IsOwner() {
		return nil
	}
	if !actor.Has(PermSetPassword) {
		return refuseSetPassword("Your role may not set passwords.", "")
	}
	if !org.AdminsMaySetPasswords {
		return refuseSetPassword("Only the owner may set passwords in this organization.", "ask the owner to allow admins to set passwords")
	}
	return nil
}

// SendOneTimeInstead is the advice of a refusal to set a password, where
// the admin chooses the mode.
const SendOneTimeInstead = "Send a one-time password instead"

// SetPasswordRefused is the cause, in the chain of CheckMayReset's
// EUNAUTHORIZED error, of a refusal to set a password that a one-time
// password would avoid. The error's sentence is Sentence(SendOneTimeInstead);
// a screen that offers no choice of mode (Reset Password sends the
// one-time password itself) finds it with errors.As and says its own
// advice in that place.
type SetPasswordRefused struct {
	Rule   string // the rule that refuses, a sentence
	Remedy string // another way out, a clause after "or"; "" for none
}

func (r *SetPasswordRefused) Error() string { return r.Sentence(SendOneTimeInstead) }

// Sentence is the refusal with advice, a clause ending in "instead",
// after the rule.
func (r *SetPasswordRefused) Sentence(advice string) string {
	s := r.Rule + " " + advice
	if r.Remedy != "" {
		s += ", or " + r.Remedy
	}
	return s + "."
}

func refuseSetPassword(rule, remedy string) error {
	r := &SetPasswordRefused{Rule: rule, Remedy: remedy}
	return &Error{Code: EUNAUTHORIZED, Message: r.Sentence(SendOneTimeInstead), Err: r}
}
