package app

import (
	"slices"
	"time"
)

// Org is an organization and the policies its owner sets.
type Org struct {
	ID                    int64
	Name                  string
	AdminsMaySetPasswords bool          // may anyone but the owner set a password?
	OTPTTL                time.Duration // how long a one-time password stays valid
	TempPasswordTTL       time.Duration // how long an unused temporary password stays valid
	MinPasswordLength     int
	SSOEnabled            bool // the org signs in through SSO: no email resets at all
	// RequireResetReason: every reset records how the user was verified and
	// why (the owner's choice; the database refuses a reset without them).
	RequireResetReason bool
	// CompletionInstructions are the office's own words in every one-time
	// and temporary-password mail: where and how to finish ("use the
	// front-desk PC, or call Maria on 2114"). At most MaxInstructionsLength
	// characters, no control characters but line breaks.
	CompletionInstructions string
	// MailRelay: mail leaves through `resetdesk relay` near the database
	// instead of the admin's device (DESIGN.md section 3). Off by default.
	MailRelay bool
	// TimeZone is the IANA zone the org's mail states times in, such as
	// "Europe/Berlin". Empty means UTC.
	TimeZone string
}

// MaxInstructionsLength caps Org.CompletionInstructions, in characters.
const MaxInstructionsLength = 500

// Status is where a user stands in the directory.
type Status string

// The statuses of a user.
const (
	StatusInvited     Status = "invited"
	StatusConfirmed   Status = "confirmed"
	StatusDeactivated Status = "deactivated"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	return s == StatusInvited || s == StatusConfirmed || s == StatusDeactivated
}

// The built-in roles. Any other role name is a custom role from the roles table.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// User is one person in the directory, as an admin may see them: the password
// hash itself never leaves the database, only whether one is set.
type User struct {
	ID                        int64 // the zuid
	OrgID                     int64
	DisplayName               string
	PrimaryEmail              string // empty when the user has none
	MobileNumber              string
	PrimaryIsMobile           bool // the sign-in identifier is a phone number
	SecondaryEmail            string
	PrimaryEmailUndeliverable bool
	Status                    Status
	Role                      string // owner, admin, member or a custom role's name
	DBRole                    string // the PostgreSQL login role of a console user
	SSOManaged                bool
	LockedUntil               time.Time // zero when not locked
	HasPassword               bool
	MustChangePassword        bool
	PasswordExpiresAt         time.Time
	PasswordChangedAt         time.Time
	CreatedAt                 time.Time
}

// Login is how the user is named on screen and in results: the primary email,
// else the mobile number.
func (u User) Login() string {
	if u.PrimaryEmail != "" {
		return u.PrimaryEmail
	}
	return u.MobileNumber
}

// Locked reports whether the account's lock is still running at now.
func (u User) Locked(now time.Time) bool { return u.LockedUntil.After(now) }

// HasLock reports whether the account carries a lock at all, running or
// lapsed. Mail's passdb refuses any user with a lock (migration 0016) until a
// reset or the DBA clears it, so screens show and offer to clear this one.
func (u User) HasLock() bool { return !u.LockedUntil.IsZero() }

// IsConsoleUser reports whether the user signs in to ResetDesk itself (owner,
// admin or a custom role). Only the owner may reset such users.
func (u User) IsConsoleUser() bool { return u.Role != RoleMember && u.Role != "" }

// Permission is one thing a console role may do.
type Permission string

// The permissions a role can carry.
const (
	PermResetPassword Permission = "reset_password"
	PermSetPassword   Permission = "set_password"
	PermImportUsers   Permission = "import_users"
	PermManageAdmins  Permission = "manage_admins"
	PermViewAudit     Permission = "view_audit"
)

// AllPermissions lists every permission, in the order screens show them.
var AllPermissions = []Permission{PermResetPassword, PermSetPassword, PermImportUsers, PermManageAdmins, PermViewAudit}

// Label is the permission in an office admin's words, as Settings and the
// audit log show it. The raw name (p itself) is for the command line and SQL.
func (p Permission) Label() string {
	switch p {
	case PermResetPassword:
		return "Send one-time passwords"
	case PermSetPassword:
		return "Set passwords"
	case PermImportUsers:
		return "Import users from a file"
	case PermManageAdmins:
		return "Manage console users and roles"
	case PermViewAudit:
		return "See the audit log"
	}
	return string(p)
}

// ValidPermission reports whether p is a known permission.
func ValidPermission(p Permission) bool { return slices.Contains(AllPermissions, p) }

// BuiltinPermissions returns the permissions of a built-in role, or nil for a
// custom role or a member.
func BuiltinPermissions(role string) []Permission {
	switch role {
	case RoleOwner:
		return AllPermissions
	case RoleAdmin:
		return []Permission{PermResetPassword, PermSetPassword, PermImportUsers, PermViewAudit}
	}
	return nil
}

// Actor is the signed-in console user with the permissions of their role.
type Actor struct {
	User        User
	Permissions []Permission
}

// Has reports whether the actor holds permission p.
func (a Actor) Has(p Permission) bool { return slices.Contains(a.Permissions, p) }

// IsOwner reports whether the actor is the org's owner.
func (a Actor) IsOwner() bool { return a.User.Role == RoleOwner }

// CustomRole is a role the owner defined, with its permissions.
type CustomRole struct {
	Name        string
	Permissions []Permission
}

// Mode is how a password is reset.
type Mode string

// The two modes of a reset.
const (
	ModeOneTime     Mode = "one_time_password" // email a one-time password; the user sets a new one
	ModeSetPassword Mode = "set_password"      // the admin sets (or generates) the password
)

// ResetOptions are the choices an admin makes for one reset, single or bulk.
// Web sessions are always revoked, so there is no option for them.
type ResetOptions struct {
	Mode                Mode
	ForceChange         bool   // set-password mode: change at next sign-in
	EmailPassword       bool   // set-password mode: email the password to the user
	ClearMobileSessions bool   // revoke mobile sessions and API tokens
	Unlock              bool   // clear locked_until
	Password            string // set-password mode: typed by the admin; empty means generate one per user
	// VerifiedBy says how the admin made sure the caller is the user, and
	// Reason why the reset is done; both go to the audit log, and the org
	// can require them (Org.RequireResetReason).
	VerifiedBy VerificationMethod
	Reason     string
}

// VerificationMethod is how an admin verified a user before a reset: against
// helpdesk impersonation, the admin says how they know who is asking.
type VerificationMethod string

// The verification methods, as the database knows them.
const (
	VerifiedInPerson        VerificationMethod = "in_person"        // the user stood at the desk
	VerifiedCallBack        VerificationMethod = "call_back"        // a call back to the number on file
	VerifiedManagerApproval VerificationMethod = "manager_approval" // the user's manager asked for it
	VerifiedTicket          VerificationMethod = "ticket"           // a ticket in the office's helpdesk system
)

// VerificationMethods lists the methods in the order a form offers them.
var VerificationMethods = []VerificationMethod{VerifiedInPerson, VerifiedCallBack, VerifiedManagerApproval, VerifiedTicket}

// MaxResetReasonLength is the longest reason the database stores.
const MaxResetReasonLength = 500

// DefaultResetOptions returns the options a reset dialog starts with.
func DefaultResetOptions() ResetOptions {
	return ResetOptions{Mode: ModeOneTime, ForceChange: true, ClearMobileSessions: true, Unlock: true}
}

// NeedsMail reports whether the reset itself must reach the user's primary
// email: a one-time password always does, a set password when emailed.
func (o ResetOptions) NeedsMail() bool {
	return o.Mode == ModeOneTime || o.EmailPassword
}

// Outcome is what happened to one user of a reset.
type Outcome string

// The outcomes of a reset for one user.
const (
	OutcomeReset   Outcome = "reset"
	OutcomeSkipped Outcome = "skipped"
)

// ResetResult is the outcome of a reset for one user.
type ResetResult struct {
	User     User
	Outcome  Outcome
	Reason   SkipReason // set when skipped
	Delivery Delivery   // the message sent for this user, if any (ID 0 when none)
	// Password is the password that was set, when the admin must hand it over
	// (set-password mode, not emailed). It lives only in memory.
	Password string
	// ExpiresAt is when the one-time or temporary password stops working.
	ExpiresAt time.Time
}

// DeliveryKind is what a message is for.
type DeliveryKind string

// The kinds of message ResetDesk sends.
const (
	KindOneTimePassword     DeliveryKind = "one_time_password"    // the code to set a new password
	KindPassword            DeliveryKind = "password"             // a set password, emailed
	KindPasswordNotice      DeliveryKind = "password_notice"      // your password was reset; no secret
	KindUndeliverableNotice DeliveryKind = "undeliverable_notice" // to the secondary address: contact the office
	KindTest                DeliveryKind = "test"                 // Settings: send test message
)

// DeliveryStatus is where a message stands.
type DeliveryStatus string

// The states of a delivery. A pending row whose app went away stays pending:
// screens show it as "not confirmed sent", never as sent.
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
	// DeliveryQueued: waiting in the outbox for the office mail relay (the
	// org's MailRelay policy); the relay records sent or failed.
	DeliveryQueued DeliveryStatus = "queued"
)

// Delivery is one message and its state.
type Delivery struct {
	ID        int64
	UserID    int64
	Kind      DeliveryKind
	To        string
	Status    DeliveryStatus
	Attempts  int
	LastError string // the server's own words when it failed
	CreatedAt time.Time
	SentAt    time.Time
}

// RelayStatus is the office mail relay's health as Settings and Mail show
// it: when a relay last said it was alive (zero: never), and how many of the
// org's messages wait for it, the oldest since Oldest.
type RelayStatus struct {
	LastSeen time.Time
	Waiting  int
	Oldest   time.Time
	Now      time.Time // the database server's clock as it answered: LastSeen and Oldest are on it
}

// AuditEvent is one admin action as the database recorded it.
type AuditEvent struct {
	ID           int64
	At           time.Time
	Actor        string // the PostgreSQL role that acted
	Action       string
	TargetUserID int64
	Details      map[string]any // never a secret
}

// SessionInfo is one way a user is signed in: a web or mobile session, or an
// API token. A reset revokes web sessions always, the others on request.
type SessionInfo struct {
	ID         int64
	UserID     int64
	Kind       string // "web", "mobile" or "api_token"
	Name       string // the client of a session, the name of a token
	CreatedAt  time.Time
	LastSeenAt time.Time // zero for tokens
	RevokedAt  time.Time // zero while it works
}
