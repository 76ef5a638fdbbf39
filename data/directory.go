package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
)

var _ app.Directory = (*DB)(nil)

// userRow is a users row as a console role may read it.
type userRow struct {
	ID                        int64          `db:"id"`
	OrgID                     int64          `db:"org_id"`
	DisplayName               string         `db:"display_name"`
	PrimaryEmail              sql.NullString `db:"primary_email"`
	MobileNumber              sql.NullString `db:"mobile_number"`
	PrimaryIsMobile           bool           `db:"primary_is_mobile"`
	SecondaryEmail            sql.NullString `db:"secondary_email"`
	PrimaryEmailUndeliverable bool           `db:"primary_email_undeliverable"`
	Status                    string         `db:"status"`
	Role                      string         `db:"role"`
	DBRole                    sql.NullString `db:"db_role"`
	SSOManaged                bool           `db:"sso_managed"`
	LockedUntil               sql.NullTime   `db:"locked_until"`
	HasPassword               bool           `db:"has_password"`
	MustChangePassword        bool           `db:"must_change_password"`
	PasswordExpiresAt         sql.NullTime   `db:"password_expires_at"`
	PasswordChangedAt         sql.NullTime   `db:"password_changed_at"`
	CreatedAt                 time.Time      `db:"created_at"`
}

// userColumns lists every column a console role may read; password_hash is
// not among them, and SELECT * would be refused.
const userColumns = `id, org_id, display_name, primary_email, mobile_number, primary_is_mobile,
	secondary_email, primary_email_undeliverable, status, role, db_role, sso_managed,
	locked_until, has_password, must_change_password, password_expires_at, password_changed_at, created_at`

func (r userRow) user() app.User {
	return app.User{
		ID: r.ID, OrgID: r.OrgID, DisplayName: r.DisplayName,
		PrimaryEmail: r.PrimaryEmail.String, MobileNumber: r.MobileNumber.String,
		PrimaryIsMobile: r.PrimaryIsMobile, SecondaryEmail: r.SecondaryEmail.String,
		PrimaryEmailUndeliverable: r.PrimaryEmailUndeliverable,
		Status:                    app.Status(r.Status), Role: r.Role, DBRole: r.DBRole.String,
		SSOManaged: r.SSOManaged, LockedUntil: r.LockedUntil.Time, HasPassword: r.HasPassword,
		MustChangePassword: r.MustChangePassword, PasswordExpiresAt: r.PasswordExpiresAt.Time,
		PasswordChangedAt: r.PasswordChangedAt.Time, CreatedAt: r.CreatedAt,
	}
}

type orgRow struct {
	ID                    int64     `db:"id"`
	Name                  string    `db:"name"`
	AdminsMaySetPasswords bool      `db:"admins_may_set_passwords"`
	OTPTTLSeconds         float64   `db:"otp_ttl_s"`
	TempTTLSeconds        float64   `db:"temp_password_ttl_s"`
	MinPasswordLength     int       `db:"min_password_length"`
	SSOEnabled            bool      `db:"sso_enabled"`
	RequireResetReason    bool      `db:"require_reset_reason"`
	Instructions          string    `db:"completion_instructions"`
	MailRelay             bool      `db:"mail_relay"`
	TimeZone              string    `db:"time_zone"`
	CreatedAt             time.Time `db:"created_at"`
}

func (r orgRow) org() app.Org {
	return app.Org{
		ID: r.ID, Name: r.Name, AdminsMaySetPasswords: r.AdminsMaySetPasswords,
		OTPTTL:            time.Duration(r.OTPTTLSeconds * float64(time.Second)),
		TempPasswordTTL:   time.Duration(r.TempTTLSeconds * float64(time.Second)),
		MinPasswordLength: r.MinPasswordLength, SSOEnabled: r.SSOEnabled,
		RequireResetReason: r.RequireResetReason, CompletionInstructions: r.Instructions,
		MailRelay: r.MailRelay, TimeZone: r.TimeZone,
	}
}

// selectActor reads the console user, their permissions and their org in
// one round trip: on a slow link each statement costs one.
const selectActor = `
	WITH me AS (SELECT ` + userColumns + ` FROM resetdesk.users WHERE db_role = session_user)
	SELECT me.*, resetdesk.my_permissions() AS permissions,
	       o.id AS "org.id", o.name AS "org.name", o.admins_may_set_passwords AS "org.admins_may_set_passwords",
	       extract(epoch FROM o.otp_ttl) AS "org.otp_ttl_s",
	       extract(epoch FROM o.temp_password_ttl) AS "org.temp_password_ttl_s",
	       o.min_password_length AS "org.min_password_length", o.sso_enabled AS "org.sso_enabled",
	       o.require_reset_reason AS "org.require_reset_reason",
	       o.completion_instructions AS "org.completion_instructions", o.mail_relay AS "org.mail_relay",
	       o.time_zone AS "org.time_zone", o.created_at AS "org.created_at"
	  FROM me JOIN resetdesk.orgs o ON o.id = me.org_id`

type actorRow struct {
	userRow
	Permissions pq.StringArray `db:"permissions"`
	Org         orgRow         `db:"org"`
}

// Actor returns the signed-in console user, their permissions and their org.
// EUNAUTHORIZED when the role is not a ResetDesk console user here.
func (d *DB) Actor(ctx context.Context) (app.Actor, app.Org, error) {
	var r actorRow
	if err := d.db.GetContext(ctx, &r, selectActor); err != nil {
		if err == sql.ErrNoRows {
			return app.Actor{}, app.Org{}, app.Errorf(app.EUNAUTHORIZED, "The role %s is not a ResetDesk admin in this database.", d.cfg.User)
		}
		return app.Actor{}, app.Org{}, fmt.Errorf("data: actor: %w", d.mapErr(err))
	}
	a := app.Actor{User: r.user()}
	for _, p := range r.Permissions {
		a.Permissions = append(a.Permissions, app.Permission(p))
	}
	return a, r.Org.org(), nil
}

// selectActorAndUsers is selectActor and selectUsers in one round trip: the
// actor's row first (kind 0, with permissions and org), then the users
// (kind 1). A role that is no console user here gets no row at all.
const selectActorAndUsers = `
	WITH me AS (SELECT ` + userColumns + ` FROM resetdesk.users WHERE db_role = session_user)
	SELECT * FROM (
	SELECT 0 AS kind, me.*, resetdesk.my_permissions() AS permissions,
	       jsonb_build_object('id', o.id, 'name', o.name, 'admins_may_set_passwords', o.admins_may_set_passwords,
	           'otp_ttl_s', extract(epoch FROM o.otp_ttl), 'temp_password_ttl_s', extract(epoch FROM o.temp_password_ttl),
	           'min_password_length', o.min_password_length, 'sso_enabled', o.sso_enabled,
	           'require_reset_reason', o.require_reset_reason, 'completion_instructions', o.completion_instructions,
	           'mail_relay', o.mail_relay, 'time_zone', o.time_zone) AS org
	  FROM me JOIN resetdesk.orgs o ON o.id = me.org_id
	UNION ALL
	SELECT 1, ` + userColumns + `, NULL, NULL
	   FROM resetdesk.users
	  WHERE org_id = (SELECT org_id FROM me)
	    AND ($1 = '' OR display_name ILIKE '%' || $1 || '%' OR primary_email::text ILIKE '%' || $1 || '%'
	         OR mobile_number LIKE '%' || $1 || '%' OR id::text = $1)
	) x
	ORDER BY kind, lower(display_name), id`

// orgJSON is an org as selectActorAndUsers sends it.
type orgJSON struct {
	ID                    int64   `json:"id"`
	Name                  string  `json:"name"`
	AdminsMaySetPasswords bool    `json:"admins_may_set_passwords"`
	OTPTTLSeconds         float64 `json:"otp_ttl_s"`
	TempTTLSeconds        float64 `json:"temp_password_ttl_s"`
	MinPasswordLength     int     `json:"min_password_length"`
	SSOEnabled            bool    `json:"sso_enabled"`
	RequireResetReason    bool    `json:"require_reset_reason"`
	Instructions          string  `json:"completion_instructions"`
	MailRelay             bool    `json:"mail_relay"`
	TimeZone              string  `json:"time_zone"`
}

// ActorAndUsers is Actor and Users in one round trip, for the command line,
// which connects for each command: EUNAUTHORIZED when the role is no
// console user in this database (instead of an empty list).
func (d *DB) ActorAndUsers(ctx context.Context, f app.UserFilter) (app.Actor, app.Org, []app.User, error) {
	rows, err := d.db.QueryxContext(ctx, selectActorAndUsers, escapeLike(strings.TrimSpace(f.Search)))
	if err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && pqe.Code == "42501" && strings.HasPrefix(pqe.Message, "permission denied for") {
			// A login outside the console groups may not even read users.
			return app.Actor{}, app.Org{}, nil, app.Errorf(app.EUNAUTHORIZED, "The role %s is not a ResetDesk admin in this database.", d.cfg.User)
		}
		return app.Actor{}, app.Org{}, nil, fmt.Errorf("data: users: %w", d.mapErr(err))
	}
	defer rows.Close()
	var (
		actor app.Actor
		org   app.Org
		users []app.User
		found bool
	)
	for rows.Next() {
		var r struct {
			Kind int `db:"kind"`
			userRow
			Permissions pq.StringArray `db:"permissions"`
			Org         []byte         `db:"org"`
		}
		if err := rows.StructScan(&r); err != nil {
			return app.Actor{}, app.Org{}, nil, fmt.Errorf("data: users: %w", d.mapErr(err))
		}
		if r.Kind == 1 {
			users = append(users, r.user())
			continue
		}
		found = true
		actor = app.Actor{User: r.user()}
		for _, p := range r.Permissions {
			actor.Permissions = append(actor.Permissions, app.Permission(p))
		}
		var o orgJSON
		if err := json.Unmarshal(r.Org, &o); err != nil {
			return app.Actor{}, app.Org{}, nil, fmt.Errorf("data: users: org: %w", err)
		}
		org = orgRow{ID: o.ID, Name: o.Name, AdminsMaySetPasswords: o.AdminsMaySetPasswords, OTPTTLSeconds: o.OTPTTLSeconds,
			TempTTLSeconds: o.TempTTLSeconds, MinPasswordLength: o.MinPasswordLength, SSOEnabled: o.SSOEnabled,
			RequireResetReason: o.RequireResetReason, Instructions: o.Instructions, MailRelay: o.MailRelay, TimeZone: o.TimeZone}.org()
	}
	if err := rows.Err(); err != nil {
		return app.Actor{}, app.Org{}, nil, fmt.Errorf("data: users: %w", d.mapErr(err))
	}
	if !found {
		return app.Actor{}, app.Org{}, nil, app.Errorf(app.EUNAUTHORIZED, "The role %s is not a ResetDesk admin in this database.", d.cfg.User)
	}
	return actor, org, users, nil
}

const selectUsers = `
	SELECT ` + userColumns + `
	  FROM resetdesk.users
	 WHERE org_id = (SELECT org_id FROM resetdesk.users WHERE db_role = session_user)
	   AND ($1 = '' OR display_name ILIKE '%' || $1 || '%' OR primary_email::text ILIKE '%' || $1 || '%'
	        OR mobile_number LIKE '%' || $1 || '%' OR id::text = $1)
	 ORDER BY lower(display_name), id`

// Users lists the users of the actor's org, ordered by name.
func (d *DB) Users(ctx context.Context, f app.UserFilter) ([]app.User, error) {
	var users []app.User
	// Status and role repeat on every row: share one string of each instead
	// of 100,000 copies.
	interned := map[string]string{}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		interned[s] = s
		return s
	}
	err := d.EachUser(ctx, f, func(u *app.User) error {
		u.Status, u.Role = app.Status(intern(string(u.Status))), intern(u.Role)
		users = append(users, *u)
		return nil
	})
	return users, err
}

// EachUser calls fn with each user of the actor's org, ordered by name, as
// the rows arrive: a caller that keeps its own compact copy never holds the
// whole list twice. It stops at the first error fn returns and returns it.
func (d *DB) EachUser(ctx context.Context, f app.UserFilter, fn func(*app.User) error) error {
	rows, err := d.db.QueryxContext(ctx, selectUsers, escapeLike(strings.TrimSpace(f.Search)))
	if err != nil {
		return fmt.Errorf("data: users: %w", d.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r userRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("data: users: %w", d.mapErr(err))
		}
		u := r.user()
		if err := fn(&u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("data: users: %w", d.mapErr(err))
	}
	return nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const selectUserByLogin = `
	SELECT ` + userColumns + `
	  FROM resetdesk.users
	 WHERE org_id = (SELECT org_id FROM resetdesk.users WHERE db_role = session_user)
	   AND (primary_email = $1::resetdesk.citext OR id = $2 OR (primary_email IS NULL AND mobile_number = $1))`

// UserByLogin finds a user by email, zuid or (for mobile-number users) mobile
// number. ENOTFOUND when there is none.
func (d *DB) UserByLogin(ctx context.Context, login string) (app.User, error) {
	login = strings.TrimSpace(login)
	id, _ := strconv.ParseInt(login, 10, 64)
	var r userRow
	if err := d.db.GetContext(ctx, &r, selectUserByLogin, login, id); err != nil {
		if err == sql.ErrNoRows {
			return app.User{}, app.Errorf(app.ENOTFOUND, "No user %q in this organization.", login)
		}
		return app.User{}, fmt.Errorf("data: user %q: %w", login, d.mapErr(err))
	}
	return r.user(), nil
}

// ImportUsers adds rows in one transaction; rows already in the directory
// come back as RowErrors.
func (d *DB) ImportUsers(ctx context.Context, rows []app.ImportRow) (app.ImportResult, error) {
	n := len(rows)
	lines := make([]int64, n)
	emails, names, mobiles, secondary, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	byLine := make(map[int]app.ImportRow, n)
	for i, r := range rows {
		lines[i], emails[i], names[i], mobiles[i], secondary[i], statuses[i] =
			int64(r.Line), r.Email, r.Name, r.Mobile, r.SecondaryEmail, string(r.Status)
		byLine[r.Line] = r
	}
	const q = `SELECT line, user_id, reason FROM resetdesk.import_users($1, $2, $3, $4, $5, $6)`
	res, err := d.db.QueryContext(ctx, q, pq.Int64Array(lines), pq.StringArray(emails), pq.StringArray(names),
		pq.StringArray(mobiles), pq.StringArray(secondary), pq.StringArray(statuses))
	if err != nil {
		return app.ImportResult{}, fmt.Errorf("data: import: %w", d.mapErr(err))
	}
	defer res.Close()
	var out app.ImportResult
	for res.Next() {
		var line int
		var id sql.NullInt64
		var reason sql.NullString
		if err := res.Scan(&line, &id, &reason); err != nil {
			return app.ImportResult{}, fmt.Errorf("data: import: %w", d.mapErr(err))
		}
		if id.Valid {
			out.Imported++
			continue
		}
		r := byLine[line]
		login := r.Email
		if login == "" {
			login = r.Mobile
		}
		msg := login + " is already in the directory."
		if reason.String == "taken" {
			msg = login + " is the login of a user in another organization in this database, and a login belongs to one user: leave it out, or ask the database administrator."
		}
		out.Rows = append(out.Rows, app.RowError{Line: line, Email: login, Message: msg})
	}
	if err := res.Err(); err != nil {
		return app.ImportResult{}, fmt.Errorf("data: import: %w", d.mapErr(err))
	}
	return out, nil
}

// resetPasswords also says, in the same round trip, whether each message
// is the office mail relay's: the trigger of migration 0018 marks a reset's
// messages via_relay by the org's mail_relay, which this reads as the
// function did (the policy as it stands now, not as it was at sign-in).
// For an emailed password it brings the relays' public keys too (0020:
// role:hex), which QueuePasswordMails seals it to; the subquery runs once,
// and only when such a row asks for it.
const resetPasswords = `
	SELECT r.user_id, r.outcome, r.reason, r.delivery_id, r.delivery_kind, r.to_address, r.expires_at,
	       r.delivery_id IS NOT NULL AND coalesce((SELECT o.mail_relay
	                                                 FROM resetdesk.users u JOIN resetdesk.orgs o ON o.id = u.org_id
	                                                WHERE u.id = r.user_id), false) AS via_relay,
	       CASE WHEN r.delivery_kind = 'password'
	            THEN (SELECT array_agg(k.db_role || ':' || k.public_key) FROM resetdesk.relay_public_keys() k) END AS relay_keys
	  FROM resetdesk.reset_passwords(resetdesk.with_change_tickets($1, $9), $2, $3, $4, $5, $6, $7, $8, $10, $11) r`

// ApplyReset resets every eligible target in one statement (the function
// runs a fixed number of set-based statements inside one transaction).
func (d *DB) ApplyReset(ctx context.Context, b app.ResetBatch) ([]app.AppliedReset, error) {
	n := len(b.Targets)
	ids := make([]int64, n)
	pw, codes, tickets := make([]sql.NullString, n), make([]sql.NullString, n), make([]sql.NullString, n)
	for i, t := range b.Targets {
		ids[i] = t.UserID
		tickets[i] = sql.NullString{String: t.ChangeTicket, Valid: t.ChangeTicket != ""}
		pw[i] = sql.NullString{String: t.PasswordHash, Valid: t.PasswordHash != ""}
		codes[i] = sql.NullString{String: t.CodeHash, Valid: t.CodeHash != ""}
	}
	o := b.Options
	args := []any{pq.Int64Array(ids), string(o.Mode),
		pq.Array(pw), pq.Array(codes), o.ForceChange, o.EmailPassword, o.ClearMobileSessions, o.Unlock, pq.Array(tickets),
		string(o.VerifiedBy), strings.TrimSpace(o.Reason)}
	rows, err := d.db.QueryContext(ctx, resetPasswords, args...)
	if err != nil && d.confirmWithSignIn && d.cfg.Password != "" && needsReauth(err) {
		// Nothing was written: the function refuses before it changes anything.
		if verr := d.VerifyPassword(ctx, d.cfg.Password); verr != nil {
			return nil, fmt.Errorf("data: reset: %w", verr)
		}
		rows, err = d.db.QueryContext(ctx, resetPasswords, args...)
	}
	if err != nil && needsReauth(err) {
		if gerr := d.blameMissingGrant(ctx, err); gerr != nil {
			return nil, fmt.Errorf("data: reset: %w", gerr)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("data: reset: %w", d.resetErr(err))
	}
	defer rows.Close()
	out := make([]app.AppliedReset, 0, n)
	for rows.Next() {
		var r app.AppliedReset
		var reason, kind, to sql.NullString
		var delivery sql.NullInt64
		var expires sql.NullTime
		var viaRelay bool
		var relayKeys pq.StringArray
		if err := rows.Scan(&r.UserID, &r.Outcome, &reason, &delivery, &kind, &to, &expires, &viaRelay, &relayKeys); err != nil {
			return nil, fmt.Errorf("data: reset: %w", d.mapErr(err))
		}
		if viaRelay && kind.String == string(app.KindPassword) {
			d.relay.keepSealKeys(relayKeys)
		}
		r.Reason, r.ExpiresAt = app.SkipReason(reason.String), expires.Time
		if delivery.Valid {
			r.Delivery = app.Delivery{ID: delivery.Int64, UserID: r.UserID, Kind: app.DeliveryKind(kind.String),
				To: to.String, Status: app.DeliveryPending}
			if viaRelay {
				// The relay sends it; this client must not.
				r.Delivery.Status = app.DeliveryQueued
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: reset: %w", d.mapErr(err))
	}
	return out, nil
}

// resetErr says what a broken connection means for a reset, which is one
// statement and so saved whole or not at all. database/sql reports
// ErrBadConn only when the statement never ran, and a server that ends a
// session mid-statement rolls it back; other network errors leave the admin
// to look.
func (d *DB) resetErr(err error) error {
	mapped := d.mapErr(err)
	if app.ErrorCode(mapped) != app.EUNAVAILABLE {
		return mapped
	}
	var pqe *pq.Error
	if errors.As(err, &pqe) && (pqe.Code == "55P03" || pqe.Code == "57014") {
		return mapped // a timeout: the transaction was rolled back, and mapErr says so
	}
	if errors.Is(err, driver.ErrBadConn) || (errors.As(err, &pqe) && (pqe.Code.Class() == "57" || pqe.Code.Class() == "08")) {
		return &app.Error{Code: app.EUNAVAILABLE, Err: err, Message: fmt.Sprintf(
			"The connection to the database at %s broke before the reset was saved. Nothing was changed; try again when the server is back.", d.Server())}
	}
	return &app.Error{Code: app.EUNAVAILABLE, Err: err, Message: fmt.Sprintf(
		"The connection to the database at %s broke during the reset. A reset is saved whole or not at all: reload the users list to see whether it was, then try again.", d.Server())}
}

// RecordDeliveries stores the outcome of sending messages, in one statement.
func (d *DB) RecordDeliveries(ctx context.Context, ds []app.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	ids, attempts := make([]int64, len(ds)), make([]int64, len(ds))
	statuses, errs := make([]string, len(ds)), make([]sql.NullString, len(ds))
	for i, x := range ds {
		ids[i], statuses[i], attempts[i] = x.ID, string(x.Status), int64(x.Attempts)
		errs[i] = sql.NullString{String: x.LastError, Valid: x.LastError != ""}
	}
	const q = `SELECT resetdesk.record_deliveries($1, $2, $3, $4)`
	_, err := d.db.ExecContext(ctx, q, pq.Int64Array(ids), pq.StringArray(statuses), pq.Array(errs), pq.Int64Array(attempts))
	if err != nil {
		return fmt.Errorf("data: record deliveries: %w", d.mapErr(err))
	}
	return nil
}

// CreateTestDelivery records a test message from Settings and returns its id.
func (d *DB) CreateTestDelivery(ctx context.Context, to string) (int64, error) {
	var id int64
	if err := d.db.GetContext(ctx, &id, `SELECT resetdesk.create_test_delivery($1)`, to); err != nil {
		return 0, fmt.Errorf("data: test delivery: %w", d.mapErr(err))
	}
	return id, nil
}

type deliveryRow struct {
	ID        int64          `db:"id"`
	UserID    sql.NullInt64  `db:"user_id"`
	Kind      string         `db:"kind"`
	To        string         `db:"to_address"`
	Status    string         `db:"status"`
	Attempts  int            `db:"attempts"`
	LastError sql.NullString `db:"last_error"`
	CreatedAt time.Time      `db:"created_at"`
	SentAt    sql.NullTime   `db:"sent_at"`
	ViaRelay  bool           `db:"via_relay"`
}

const selectDeliveries = `
	SELECT id, user_id, kind, to_address, status, attempts, last_error, created_at, sent_at, via_relay
	  FROM resetdesk.mail_deliveries
	 WHERE ($1 = 0 OR user_id = $1)
	   AND ($3::bigint[] IS NULL OR id = ANY ($3::bigint[]))
	 ORDER BY created_at DESC, id DESC
	 LIMIT $2`

// Deliveries lists messages, newest first; with f.IDs only those, however
// many (the row policies still choose which the actor may see).
func (d *DB) Deliveries(ctx context.Context, f app.DeliveryFilter) ([]app.Delivery, error) {
	var rows []deliveryRow
	n, ids := limit(f.Limit), any(nil)
	if f.IDs != nil {
		n, ids = max(len(f.IDs), 1), pq.Array(f.IDs)
	}
	if err := d.db.SelectContext(ctx, &rows, selectDeliveries, f.UserID, n, ids); err != nil {
		return nil, fmt.Errorf("data: deliveries: %w", d.mapErr(err))
	}
	out := make([]app.Delivery, len(rows))
	for i, r := range rows {
		out[i] = app.Delivery{ID: r.ID, UserID: r.UserID.Int64, Kind: app.DeliveryKind(r.Kind), To: r.To,
			Status: app.DeliveryStatus(r.Status), Attempts: r.Attempts, LastError: r.LastError.String,
			CreatedAt: r.CreatedAt, SentAt: r.SentAt.Time}
		if r.ViaRelay && r.Status == string(app.DeliveryPending) {
			out[i].Status = app.DeliveryQueued
		}
	}
	return out, nil
}

func limit(n int) int {
	if n <= 0 || n > 10000 {
		return 1000
	}
	return n
}

type auditRow struct {
	ID      int64         `db:"id"`
	At      time.Time     `db:"at"`
	Actor   string        `db:"actor"`
	Action  string        `db:"action"`
	Target  sql.NullInt64 `db:"target_user_id"`
	Details []byte        `db:"details"`
}

const selectAudit = `
	SELECT id, at, actor, action, target_user_id, details
	  FROM resetdesk.audit_events
	 WHERE ($1 = '' OR actor = $1) AND ($2 = 0 OR target_user_id = $2) AND ($3 = '' OR action = $3)
	 ORDER BY at DESC, id DESC
	 LIMIT $4`

// Audit lists audit events, newest first. EUNAUTHORIZED without view_audit:
// the database refuses the SELECT.
func (d *DB) Audit(ctx context.Context, f app.AuditFilter) ([]app.AuditEvent, error) {
	var rows []auditRow
	if err := d.db.SelectContext(ctx, &rows, selectAudit, f.Actor, f.UserID, f.Action, limit(f.Limit)); err != nil {
		return nil, fmt.Errorf("data: audit: %w", d.mapErr(err))
	}
	out := make([]app.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEvent{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, TargetUserID: r.Target.Int64}
		if err := json.Unmarshal(r.Details, &out[i].Details); err != nil {
			return nil, fmt.Errorf("data: audit details: %w", err)
		}
	}
	return out, nil
}

// SetOrgPolicies stores the org's policies; the database refuses anyone but
// the owner, and values out of range with a sentence. An empty TimeZone
// leaves the zone as it is.
func (d *DB) SetOrgPolicies(ctx context.Context, o app.Org) error {
	const q = `SELECT resetdesk.set_org_policies($1, make_interval(secs => $2), make_interval(secs => $3), $4, $5, $6, $7, $8, $9)`
	_, err := d.db.ExecContext(ctx, q, o.AdminsMaySetPasswords, o.OTPTTL.Seconds(), o.TempPasswordTTL.Seconds(),
		o.MinPasswordLength, o.SSOEnabled, o.RequireResetReason, o.CompletionInstructions, o.MailRelay,
		sql.NullString{String: o.TimeZone, Valid: o.TimeZone != ""})
	if err != nil {
		return fmt.Errorf("data: org policies: %w", d.mapErr(err))
	}
	return nil
}

type sessionRow struct {
	ID         int64        `db:"id"`
	UserID     int64        `db:"user_id"`
	Kind       string       `db:"kind"`
	Name       string       `db:"name"`
	CreatedAt  time.Time    `db:"created_at"`
	LastSeenAt sql.NullTime `db:"last_seen_at"`
	RevokedAt  sql.NullTime `db:"revoked_at"`
}

const selectSessions = `
	SELECT id, user_id, kind, client AS name, created_at, last_seen_at, revoked_at
	  FROM resetdesk.sessions WHERE user_id = $1
	UNION ALL
	SELECT id, user_id, 'api_token', name, created_at, NULL, revoked_at
	  FROM resetdesk.api_tokens WHERE user_id = $1
	 ORDER BY created_at DESC, id DESC
	 LIMIT 500`

// Sessions lists a user's sessions and API tokens, newest first.
func (d *DB) Sessions(ctx context.Context, userID int64) ([]app.SessionInfo, error) {
	var rows []sessionRow
	if err := d.db.SelectContext(ctx, &rows, selectSessions, userID); err != nil {
		return nil, fmt.Errorf("data: sessions: %w", d.mapErr(err))
	}
	out := make([]app.SessionInfo, len(rows))
	for i, r := range rows {
		out[i] = app.SessionInfo{ID: r.ID, UserID: r.UserID, Kind: r.Kind, Name: r.Name, CreatedAt: r.CreatedAt,
			LastSeenAt: r.LastSeenAt.Time, RevokedAt: r.RevokedAt.Time}
	}
	return out, nil
}
