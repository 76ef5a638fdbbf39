package app

import (
	"context"
	"time"
)

// ImportRow is one user read from an import file. Line is the file's line
// number (1 is the header), for messages.
type ImportRow struct {
	Line           int
	Email          string
	Name           string
	Mobile         string
	SecondaryEmail string
	Role           string
	Status         Status
}

// RowError is a row of an import or bulk file that was not used, and why.
type RowError struct {
	Line    int
	Email   string
	Message string
	// Value is, in a bulk reset file, the email or zuid the row held as
	// it was typed; "" when it could not be read.
	Value string
}

// ImportResult says what an import did.
type ImportResult struct {
	Imported int
	Rows     []RowError // rows left out, by line
}

// ResetTarget is one user of a batch with the secrets already hashed. Only the
// hashes ever reach the Directory.
type ResetTarget struct {
	UserID       int64
	PasswordHash string // set-password mode: PHC argon2id string
	CodeHash     string // one-time mode: hex SHA-256 of the code
	// ChangeTicket, for a set password the user must change: ChangeTicket of
	// ChangeProof of it, so the user can replace it on a self-service screen.
	ChangeTicket string
}

// ResetBatch is a reset of one or many users, applied in one transaction.
type ResetBatch struct {
	Options ResetOptions // Password is ignored here: only hashes travel
	Targets []ResetTarget
}

// AppliedReset is the database's word on one target of a batch.
type AppliedReset struct {
	UserID    int64
	Outcome   Outcome
	Reason    SkipReason
	Delivery  Delivery // the pending message row the reset created, if any
	ExpiresAt time.Time
}

// UserFilter narrows a list of users. The zero value lists everyone.
type UserFilter struct {
	Search string // matches name, email, mobile or zuid
}

// DeliveryFilter narrows the Mail view.
type DeliveryFilter struct {
	UserID int64
	// IDs, when set, keeps only these messages: a bulk reset's results
	// follow their queued mail in one query per look.
	IDs   []int64
	Limit int
}

// AuditFilter narrows the Audit view.
type AuditFilter struct {
	Actor  string
	UserID int64
	Action string
	Limit  int
}

// Directory is the user directory as the signed-in console user sees it.
// PostgreSQL decides what they may do; these methods return EUNAUTHORIZED when
// it refuses, EUNAVAILABLE when it cannot be reached, ENOTFOUND for unknown users.
type Directory interface {
	// Actor returns the signed-in console user, their permissions and their org.
	Actor(ctx context.Context) (Actor, Org, error)
	// Users lists the users of the actor's org, ordered by name.
	Users(ctx context.Context, f UserFilter) ([]User, error)
	// EachUser calls fn with each user Users would list, in the same order,
	// as they are read; it stops at the first error fn returns and returns it.
	EachUser(ctx context.Context, f UserFilter, fn func(*User) error) error
	// UserByLogin finds a user by email or zuid. ENOTFOUND when there is none.
	UserByLogin(ctx context.Context, login string) (User, error)
	// ImportUsers adds rows that passed ParseImportCSV in one transaction; rows
	// whose email is already in the directory come back as RowErrors.
	ImportUsers(ctx context.Context, rows []ImportRow) (ImportResult, error)
	// ApplyReset resets every eligible target in one transaction and returns a
	// result per target, in the order given.
	ApplyReset(ctx context.Context, b ResetBatch) ([]AppliedReset, error)
	// RecordDeliveries stores the outcome of sending messages.
	RecordDeliveries(ctx context.Context, ds []Delivery) error
	// Deliveries lists messages, newest first.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// Audit lists audit events, newest first. EUNAUTHORIZED without view_audit.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// Sessions lists a user's sessions and API tokens, newest first.
	Sessions(ctx context.Context, userID int64) ([]SessionInfo, error)
	// VerifyPassword signs in again as the actor's role with password: the
	// "enter your password for verification" step. EUNAUTHORIZED when wrong.
	VerifyPassword(ctx context.Context, password string) error
	// SetOrgPolicies stores the org's policies. EUNAUTHORIZED unless owner.
	SetOrgPolicies(ctx context.Context, o Org) error
	// CreateTestDelivery records a test message (Settings) and returns its id.
	CreateTestDelivery(ctx context.Context, to string) (int64, error)
}

// Notice is a message to compose and send. Secret is the one-time or set
// password, empty for notices that carry none; it lives only in memory.
type Notice struct {
	DeliveryID int64
	Kind       DeliveryKind
	To         string
	UserName   string
	Login      string
	OrgName    string
	Secret     string
	ExpiresAt  time.Time
	// MustChange: a set password that is temporary, to be replaced on
	// "Change a temporary password" before ExpiresAt.
	MustChange bool
	// Instructions are the org's CompletionInstructions and TimeZone its
	// zone, for the mails that tell the user where and by when to finish.
	Instructions string
	TimeZone     string
}

// Mailer sends notices. Send uses one connection for the whole slice and
// returns one error per notice (nil when the server accepted it); an *Error in
// it carries the server's own words as its Message.
type Mailer interface {
	Send(ctx context.Context, notices []Notice) []error
}

// CountingMailer is a Mailer that also says how many times it tried each
// notice (retries included; 0 when it never got to it), for the delivery
// rows' attempts.
type CountingMailer interface {
	Mailer
	SendCounted(ctx context.Context, notices []Notice) (errs []error, attempts []int)
}
