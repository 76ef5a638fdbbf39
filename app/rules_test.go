package app

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSkipReasonFor(t *testing.T) {
	owner := Actor{User: User{ID: 1, Role: RoleOwner}, Permissions: BuiltinPermissions(RoleOwner)}
	admin := Actor{User: User{ID: 2, Role: RoleAdmin}, Permissions: BuiltinPermissions(RoleAdmin)}
	member := func(f func(*User)) User {
		u := User{ID: 10, Role: RoleMember, Status: StatusConfirmed, PrimaryEmail: "alex@acme.test"}
		if f != nil {
			f(&u)
		}
		return u
	}
	otp := DefaultResetOptions()
	set := ResetOptions{Mode: ModeSetPassword, ForceChange: true}
	setMail := ResetOptions{Mode: ModeSetPassword, EmailPassword: true}
	org := Org{}
	ssoOrg := Org{SSOEnabled: true}
	cases := []struct {
		name   string
		actor  Actor
		org    Org
		target User
		opts   ResetOptions
		want   SkipReason
	}{
		{"a confirmed member", admin, org, member(nil), otp, ""},
		{"the owner, by an admin", admin, org, User{ID: 1, Role: RoleOwner, Status: StatusConfirmed, PrimaryEmail: "o@acme.test"}, otp, SkipProtected},
		{"the owner, by the owner", owner, org, User{ID: 1, Role: RoleOwner, Status: StatusConfirmed, PrimaryEmail: "o@acme.test"}, otp, SkipProtected},
		{"an admin, by themselves", admin, org, User{ID: 2, Role: RoleAdmin, Status: StatusConfirmed, PrimaryEmail: "a@acme.test"}, otp, SkipProtected},
		{"another admin, by an admin", admin, org, member(func(u *User) { u.Role = RoleAdmin }), otp, SkipProtected},
		{"a custom-role user, by an admin", admin, org, member(func(u *User) { u.Role = "helpdesk" }), otp, SkipProtected},
		{"an admin, by the owner", owner, org, member(func(u *User) { u.Role = RoleAdmin }), otp, ""},
		{"protected wins over deactivated", admin, org, member(func(u *User) { u.Role = RoleAdmin; u.Status = StatusDeactivated }), otp, SkipProtected},
		{"deactivated", admin, org, member(func(u *User) { u.Status = StatusDeactivated }), otp, SkipDeactivated},
		{"deactivated, set password", admin, org, member(func(u *User) { u.Status = StatusDeactivated }), set, SkipDeactivated},
		{"invited", admin, org, member(func(u *User) { u.Status = StatusInvited }), otp, SkipNotConfirmed},
		{"SSO-managed", admin, org, member(func(u *User) { u.SSOManaged = true }), otp, SkipSSO},
		{"SSO-managed, set password", admin, org, member(func(u *User) { u.SSOManaged = true }), set, SkipSSO},
		{"an org with SSO on", admin, ssoOrg, member(nil), otp, SkipSSO},
		{"mobile identifier", admin, org, member(func(u *User) { u.PrimaryIsMobile = true; u.PrimaryEmail = "" }), otp, SkipMobilePrimary},
		{"mobile identifier, set password handed over", admin, org, member(func(u *User) { u.PrimaryIsMobile = true; u.PrimaryEmail = "" }), set, ""},
		{"mobile identifier, set password emailed", admin, org, member(func(u *User) { u.PrimaryIsMobile = true; u.PrimaryEmail = "" }), setMail, SkipMobilePrimary},
		{"primary bounces", admin, org, member(func(u *User) { u.PrimaryEmailUndeliverable = true }), otp, SkipPrimaryUndeliverable},
		{"primary bounces, set password handed over", admin, org, member(func(u *User) { u.PrimaryEmailUndeliverable = true }), set, ""},
		{"no email", admin, org, member(func(u *User) { u.PrimaryEmail = ""; u.MobileNumber = "+15550100" }), otp, SkipNoEmail},
		{"no email, set password emailed", admin, org, member(func(u *User) { u.PrimaryEmail = "" }), setMail, SkipNoEmail},
		{"locked is no reason to skip", admin, org, member(func(u *User) { u.LockedUntil = time.Now().Add(time.Hour) }), otp, ""},
	}
	seen := map[SkipReason]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SkipReasonFor(c.actor, c.org, c.target, c.opts)
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			seen[got] = true
			if got != "" && got.Sentence() == "" {
				t.Fatalf("reason %q has no sentence", got)
			}
		})
	}
	for _, r := range SkipReasons {
		if !seen[r] {
			t.Errorf("no case produces %s", r)
		}
	}
}

func TestCheckMayReset(t *testing.T) {
	owner := Actor{User: User{Role: RoleOwner}, Permissions: BuiltinPermissions(RoleOwner)}
	admin := Actor{User: User{Role: RoleAdmin}, Permissions: BuiltinPermissions(RoleAdmin)}
	helpdesk := Actor{User: User{Role: "helpdesk"}, Permissions: []Permission{PermResetPassword}}
	viewer := Actor{User: User{Role: "viewer"}, Permissions: []Permission{PermViewAudit}}
	otp, set := DefaultResetOptions(), ResetOptions{Mode: ModeSetPassword}
	closed, open := Org{}, Org{AdminsMaySetPasswords: true}
	cases := []struct {
		name  string
		actor Actor
		org   Org
		opts  ResetOptions
		ok    bool
	}{
		{"owner, one-time", owner, closed, otp, true},
		{"owner sets passwords even when admins may not", owner, closed, set, true},
		{"admin, one-time", admin, closed, otp, true},
		{"admin sets a password, switch off", admin, closed, set, false},
		{"admin sets a password, switch on", admin, open, set, true},
		{"helpdesk, one-time", helpdesk, open, otp, true},
		{"helpdesk without set_password", helpdesk, open, set, false},
		{"viewer without reset_password", viewer, open, otp, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckMayReset(c.actor, c.org, c.opts)
			if (err == nil) != c.ok {
				t.Fatalf("got %v, want ok=%v", err, c.ok)
			}
			if err != nil && (ErrorCode(err) != EUNAUTHORIZED || ErrorMessage(err) == "Internal error.") {
				t.Fatalf("refusal without a sentence: %v", err)
			}
		})
	}
}

// A refusal to set a password says its sentence, and carries its parts
// for a screen that words the advice its own way; a refusal to reset at
// all carries none.
func TestSetPasswordRefused(t *testing.T) {
	helpdesk := Actor{User: User{Role: "helpdesk"}, Permissions: []Permission{PermResetPassword}}
	admin := Actor{User: User{Role: RoleAdmin}, Permissions: BuiltinPermissions(RoleAdmin)}
	viewer := Actor{User: User{Role: "viewer"}, Permissions: []Permission{PermViewAudit}}
	set := ResetOptions{Mode: ModeSetPassword}
	cases := []struct {
		name      string
		actor     Actor
		sentence  string
		ownAdvice string // Sentence("Reset Password sends one instead"); "" when no SetPasswordRefused
	}{
		{"role without set_password", helpdesk,
			"Your role may not set passwords. Send a one-time password instead.",
			"Your role may not set passwords. Reset Password sends one instead."},
		{"admins may not set passwords here", admin,
			"Only the owner may set passwords in this organization. Send a one-time password instead, or ask the owner to allow admins to set passwords.",
			"Only the owner may set passwords in this organization. Reset Password sends one instead, or ask the owner to allow admins to set passwords."},
		{"role without reset_password", viewer, "Your role may not reset passwords.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckMayReset(c.actor, Org{}, set)
			if got := ErrorMessage(err); got != c.sentence {
				t.Fatalf("sentence %q, want %q", got, c.sentence)
			}
			var r *SetPasswordRefused
			if found := errors.As(err, &r); found != (c.ownAdvice != "") {
				t.Fatalf("SetPasswordRefused found %v in %v", found, err)
			}
			if r != nil {
				if got := r.Sentence("Reset Password sends one instead"); got != c.ownAdvice {
					t.Fatalf("own advice %q, want %q", got, c.ownAdvice)
				}
			}
		})
	}
}

func TestErrorMessageHidesInternals(t *testing.T) {
	if got := ErrorMessage(&Error{Code: EINVALID, Message: "Bad row."}); got != "Bad row." {
		t.Fatalf("got %q", got)
	}
	if got := ErrorMessage(errString("pq: relation does not exist")); got != "Internal error." {
		t.Fatalf("a driver string reached the admin: %q", got)
	}
	if ErrorCode(nil) != "" || ErrorCode(errString("x")) != EINTERNAL {
		t.Fatal("ErrorCode of nil or a foreign error")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestCheckResetReason(t *testing.T) {
	required := Org{RequireResetReason: true}
	cases := []struct {
		name string
		org  Org
		opts ResetOptions
		ok   bool
	}{
		{"neither, not required", Org{}, ResetOptions{}, true},
		{"both, required", required, ResetOptions{VerifiedBy: VerifiedCallBack, Reason: "locked out after holiday"}, true},
		{"no reason, required", required, ResetOptions{VerifiedBy: VerifiedInPerson, Reason: "  "}, false},
		{"no method, required", required, ResetOptions{Reason: "ticket 4411"}, false},
		{"unknown method", Org{}, ResetOptions{VerifiedBy: "email"}, false},
		{"two lines", Org{}, ResetOptions{VerifiedBy: VerifiedTicket, Reason: "one\nBcc: two"}, false},
		{"too long", Org{}, ResetOptions{Reason: strings.Repeat("x", MaxResetReasonLength+1)}, false},
		{"longest", Org{}, ResetOptions{Reason: strings.Repeat("é", MaxResetReasonLength)}, true},
	}
	for _, c := range cases {
		err := CheckResetReason(c.org, c.opts)
		if (err == nil) != c.ok || (err != nil && ErrorCode(err) != EINVALID) {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
}
