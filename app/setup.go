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
	// Advice is SQL that a superuser should run, as it stands, to close
	// what setup could not close itself (a hosted server's DBA is no
	// superuser): who may connect, large objects, schema public, the
	// session timeouts of console logins. Empty when everything is closed.
	Advice []string
}

// ConsoleUserOptions describe an admin or custom-role user to add.
type ConsoleUserOptions struct {
	LoginRole  string // the PostgreSQL login role to create
	Email      string
	Name       string
	Password   string // the login role's password
	CustomRole string // empty for a full admin
	// Promote makes an existing member of the directory the console user,
	// keeping their row; without it their address is refused.
	Promote bool
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

// SelfServiceLogin is a database login for the end user's screens: a member
// of resetdesk_self_service, which may call the end user's functions and
// nothing else.
type SelfServiceLogin struct {
	LoginRole string // the PostgreSQL login role to create
	Password  string // its password
}

// SelfServiceProvisioner makes self-service logins and takes them back. The
// DBA's Provisioner and the owner's Directory connection both can: the
// owner's through database functions that refuse anyone else. EINVALID for
// a bad name or password (or, to remove, a login that is no self-service
// login of this database), ECONFLICT when the role exists, EUNAUTHORIZED
// for anyone but the owner or a DBA.
type SelfServiceProvisioner interface {
	AddSelfServiceLogin(ctx context.Context, l SelfServiceLogin) error
	// RemoveSelfServiceLogin ends a self-service login here at once: a
	// login whose password went astray, or was changed by whoever holds it
	// (every role may change its own).
	RemoveSelfServiceLogin(ctx context.Context, login string) error
}

// RelayProvisioner makes logins for `resetdesk relay`, as
// SelfServiceProvisioner makes self-service logins, with the same errors.
type RelayProvisioner interface {
	AddRelayLogin(ctx context.Context, l SelfServiceLogin) error
}

// RelayQueue is what a Directory with the office mail relay does besides:
// it hands the relay a reset's emailed set passwords, and says how the relay
// is doing.
type RelayQueue interface {
	QueuePasswordMails(ctx context.Context, deliveryIDs []int64, passwords []string) error
	RelayStatus(ctx context.Context) (RelayStatus, error)
}

// AdminManager is what the owner, or a console user with manage_admins,
// does to console users and custom roles with their own connection.
// PostgreSQL checks every call: EUNAUTHORIZED without manage_admins or when
// the role to give holds a permission the caller lacks; EINVALID for bad
// names, an address already a console user's, or a member without Promote.
type AdminManager interface {
	// AddConsoleUser creates the login role (o.CustomRole, or admin when
	// empty) and the directory row, and returns the user's id.
	AddConsoleUser(ctx context.Context, o ConsoleUserOptions) (int64, error)
	// SaveCustomRole creates a custom role or changes its permissions.
	SaveCustomRole(ctx context.Context, name string, perms []Permission) error
	// SetConsoleRole gives a console user another role: "admin" or a custom
	// role's name.
	SetConsoleRole(ctx context.Context, userID int64, role string) error
	// DisableConsoleUser deactivates a console user: their login can do
	// nothing more.
	DisableConsoleUser(ctx context.Context, userID int64) error
	// RemoveConsoleUser makes a console user a plain member again.
	RemoveConsoleUser(ctx context.Context, userID int64) error
	// ConsoleUsers lists the org's console users (the owner included),
	// disabled ones too.
	ConsoleUsers(ctx context.Context) ([]User, error)
	// CustomRoles lists the custom roles, by name.
	CustomRoles(ctx context.Context) ([]CustomRole, error)
}
