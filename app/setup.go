package app

import "context"

// SetupOptions describe the org and owner that setup creates on its first run.
type SetupOptions struct {
	OrgName       string
	OwnerEmail    string
	OwnerName     string
	OwnerRole     string // the owner's PostgreSQL login role
	OwnerPassword string // only needed when the org does not exist yet
}

// SetupResult says what setup did.
type SetupResult struct {
	Applied    []string // migrations applied by this run
	OrgCreated bool
	OrgID      int64
}

// ConsoleUserOptions describe an admin or custom-role user to add.
type ConsoleUserOptions struct {
	LoginRole  string // the PostgreSQL login role to create
	Email      string
	Name       string
	Password   string // the login role's password
	CustomRole string // empty for a full admin
}

// Provisioner is what a DBA connection can do: create and upgrade the
// schema, and add roles and console users. Methods return EINVALID for bad
// names and ECONFLICT when a role exists already.
type Provisioner interface {
	// NeedsOrg reports whether Setup would create the org, and so needs the
	// owner's password.
	NeedsOrg(ctx context.Context) (bool, error)
	Setup(ctx context.Context, o SetupOptions) (SetupResult, error)
	AddRole(ctx context.Context, name string, perms []Permission) error
	AddAdmin(ctx context.Context, o ConsoleUserOptions) error
	Close() error
}

// CompletionStatus is the answer to an end user's one-time password.
type CompletionStatus string

// The answers complete_reset gives.
const (
	CompletionOK        CompletionStatus = "ok"
	CompletionInvalid   CompletionStatus = "invalid"
	CompletionExpired   CompletionStatus = "expired"
	CompletionExhausted CompletionStatus = "exhausted"
)

// Sentence explains the status to the end user.
func (s CompletionStatus) Sentence() string {
	switch s {
	case CompletionOK:
		return "Your new password is set. Sign in with it now."
	case CompletionExpired:
		return "That one-time password has expired. Ask your administrator to send a new one."
	case CompletionExhausted:
		return "Too many wrong attempts: that one-time password no longer works. Ask your administrator to send a new one."
	}
	return "That one-time password is not valid. Check it and try again; after 5 wrong attempts it stops working."
}

// ResetCompleter is the end user's side of a one-time reset.
type ResetCompleter interface {
	// MinPasswordLength is the org's minimum length for login's new password.
	MinPasswordLength(ctx context.Context, login string) (int, error)
	// CompleteReset sets the password hash newHash for login when codeHash
	// matches their live one-time password.
	CompleteReset(ctx context.Context, login, codeHash, newHash string) (CompletionStatus, error)
}

// CompleteReset checks the new password against the org's policy, hashes it,
// and hands it to c with the code.
func CompleteReset(ctx context.Context, c ResetCompleter, login, code, newPassword string) (CompletionStatus, error) {
	minLen, err := c.MinPasswordLength(ctx, login)
	if err != nil {
		return "", err
	}
	if err := CheckPassword(newPassword, minLen, login); err != nil {
		return "", err
	}
	h, err := HashPassword(newPassword)
	if err != nil {
		return "", &Error{Code: EINTERNAL, Message: "Could not hash the new password.", Err: err}
	}
	return c.CompleteReset(ctx, login, HashCode(code), h)
}
