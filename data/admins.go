package data

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"resetdesk/app"
)

var _ app.AdminManager = (*DB)(nil)

// AddConsoleUser adds an admin or custom-role user through the database's
// add_console_user, which checks the caller may. The password leaves this
// process only as a SCRAM verifier.
func (d *DB) AddConsoleUser(ctx context.Context, o app.ConsoleUserOptions) (int64, error) {
	if !ValidRoleName(o.LoginRole) {
		return 0, app.Errorf(app.EINVALID, "%q is not a valid role name: use lowercase letters, digits and _.", o.LoginRole)
	}
	if !app.ValidEmail(o.Email) {
		return 0, app.Errorf(app.EINVALID, "%q is not a valid email address.", o.Email)
	}
	if err := checkDBPassword(o.Password); err != nil {
		return 0, err
	}
	verifier, err := scramVerifier(o.Password)
	if err != nil {
		return 0, &app.Error{Code: app.EINTERNAL, Message: "Internal error.", Err: err}
	}
	role := o.CustomRole
	if role == "" {
		role = app.RoleAdmin
	}
	var id int64
	const q = `SELECT resetdesk.add_console_user($1, $2, $3, $4, $5, $6)`
	if err := d.db.GetContext(ctx, &id, q, o.LoginRole, verifier, o.Email, o.Name, role, o.Promote); err != nil {
		return 0, fmt.Errorf("data: add console user: %w", d.mapErr(err))
	}
	return id, nil
}

// SaveCustomRole creates or changes a custom role through save_custom_role.
func (d *DB) SaveCustomRole(ctx context.Context, name string, perms []app.Permission) error {
	ps := make([]string, len(perms))
	for i, p := range perms {
		ps[i] = string(p)
	}
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.save_custom_role($1, $2)`, name, pq.StringArray(ps)); err != nil {
		return fmt.Errorf("data: save role: %w", d.mapErr(err))
	}
	return nil
}

// SetConsoleRole gives a console user another role through set_console_role.
func (d *DB) SetConsoleRole(ctx context.Context, userID int64, role string) error {
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.set_console_role($1, $2)`, userID, role); err != nil {
		return fmt.Errorf("data: set console role: %w", d.mapErr(err))
	}
	return nil
}

// DisableConsoleUser deactivates a console user through disable_console_user.
func (d *DB) DisableConsoleUser(ctx context.Context, userID int64) error {
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.disable_console_user($1)`, userID); err != nil {
		return fmt.Errorf("data: disable console user: %w", d.mapErr(err))
	}
	return nil
}

// RemoveConsoleUser makes a console user a member through remove_console_user.
func (d *DB) RemoveConsoleUser(ctx context.Context, userID int64) error {
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.remove_console_user($1)`, userID); err != nil {
		return fmt.Errorf("data: remove console user: %w", d.mapErr(err))
	}
	return nil
}

const selectConsoleUsers = `
	SELECT ` + userColumns + `
	  FROM resetdesk.users
	 WHERE org_id = (SELECT org_id FROM resetdesk.users WHERE db_role = session_user) AND db_role IS NOT NULL
	 ORDER BY role <> 'owner', lower(display_name), id`

// ConsoleUsers lists the org's console users, the owner first.
func (d *DB) ConsoleUsers(ctx context.Context) ([]app.User, error) {
	var rows []userRow
	if err := d.db.SelectContext(ctx, &rows, selectConsoleUsers); err != nil {
		return nil, fmt.Errorf("data: console users: %w", d.mapErr(err))
	}
	out := make([]app.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// CustomRoles lists the custom roles, by name.
func (d *DB) CustomRoles(ctx context.Context) ([]app.CustomRole, error) {
	var rows []struct {
		Name        string         `db:"name"`
		Permissions pq.StringArray `db:"permissions"`
	}
	if err := d.db.SelectContext(ctx, &rows, `SELECT name, permissions FROM resetdesk.roles ORDER BY name`); err != nil {
		return nil, fmt.Errorf("data: custom roles: %w", d.mapErr(err))
	}
	out := make([]app.CustomRole, len(rows))
	for i, r := range rows {
		out[i].Name = r.Name
		for _, p := range r.Permissions {
			out[i].Permissions = append(out[i].Permissions, app.Permission(p))
		}
	}
	return out, nil
}
