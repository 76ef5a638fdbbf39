package data

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
)

var _ app.SelfService = (*DB)(nil)

// selfServiceErr maps the refusal of a login that may not call the end
// user's functions at all to a sentence that says what to do.
func (d *DB) selfServiceErr(err error) error {
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "42501" && strings.HasPrefix(pqe.Message, "permission denied for function") {
		return &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: fmt.Sprintf(
			"The login %s may not complete resets or change passwords: only a self-service login may, which the office makes with `resetdesk self-service add`.", d.cfg.User)}
	}
	return d.mapErr(err)
}

// PasswordRules returns the rules for a new password. The database gives the
// same answer for every login, so nobody learns whether one exists; a login
// outside resetdesk_self_service is refused (EUNAUTHORIZED).
func (d *DB) PasswordRules(ctx context.Context, login string) (app.PasswordRules, error) {
	var r app.PasswordRules
	if err := d.db.GetContext(ctx, &r.MinLength, `SELECT resetdesk.password_policy($1)`, login); err != nil {
		return r, fmt.Errorf("data: password rules: %w", d.selfServiceErr(err))
	}
	return r, nil
}

// CompleteReset is the end user's side of a one-time reset, on a
// self-service login.
func (d *DB) CompleteReset(ctx context.Context, login, codeHash, newHash string) (app.CompletionStatus, error) {
	return d.selfServiceCall(ctx, "complete_reset", "complete reset", login, codeHash, newHash)
}

// ChangePassword replaces a temporary password, on a self-service login.
func (d *DB) ChangePassword(ctx context.Context, login, proof, newHash string) (app.CompletionStatus, error) {
	return d.selfServiceCall(ctx, "change_password", "change password", login, proof, newHash)
}

// selfServiceCall makes one attempt of the given kind in two statements,
// each its own transaction: the first records it, the second answers it.
// The database answers only an attempt that is already committed, so no
// caller can read an answer and then take the attempt back by rolling back
// (migration 0030). A lock the answer could not get in time (an admin's
// reset of that user holds the row) or a statement timeout rolled the
// answer back: the status is busy after at most the function's 2 s lock
// timeout, never an endless wait. A self-service login at its limits gets
// no token at all (migration 0031): limited.
func (d *DB) selfServiceCall(ctx context.Context, kind, what, login, proof, newHash string) (app.CompletionStatus, error) {
	var token sql.NullString
	var s string
	err := d.db.GetContext(ctx, &token, `SELECT resetdesk.self_service_try($1, $2, $3, $4)`, kind, login, proof, newHash)
	if err == nil && !token.Valid {
		return app.CompletionLimited, nil
	}
	if err == nil {
		err = d.db.GetContext(ctx, &s, `SELECT resetdesk.self_service_answer($1)`, token.String)
	}
	if err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && (pqe.Code == "55P03" || pqe.Code == "57014") {
			return app.CompletionBusy, nil
		}
		return "", fmt.Errorf("data: %s: %w", what, d.selfServiceErr(err))
	}
	return app.CompletionStatus(s), nil
}

var _ app.SelfServiceProvisioner = (*Admin)(nil)

// serviceLogin is a kind of login that is no console user: the group it
// joins, the table that registers it for this database, the audit action
// (also the name of the owner's function that makes one), and defaults for
// its sessions.
type serviceLogin struct {
	group, table, action string
	name                 string   // for sentences: "self-service login"
	sessionDefaults      []string // ALTER ROLE … SET clauses
	connectionLimit      int      // CONNECTION LIMIT of the role; 0: none
}

// Its sessions default to short timeouts: an end-user screen never needs a
// long transaction.
var selfServiceLogin = serviceLogin{group: roleSelfService, table: "self_service_logins",
	action: "add_self_service_login", name: "self-service login",
	sessionDefaults: []string{"idle_in_transaction_session_timeout = '10s'", "statement_timeout = '10s'", "lock_timeout = '3s'"},
	connectionLimit: SelfServiceConnectionLimit}

// SelfServiceConnectionLimit is how many connections one self-service login
// may hold at once (its role's CONNECTION LIMIT). Its password is on every
// office PC, and its session defaults bind nobody (any login may SET its
// timeouts off), so without a limit whoever holds it could take every
// connection the server has and leave none for the admins, the relay or
// the mail server's passdb lookups. An end user's screen holds at most
// one connection while idle (OpenSelfService).
const SelfServiceConnectionLimit = 25

// AddSelfServiceLogin creates a login role in resetdesk_self_service,
// registers it for this database and lets it connect here, and nowhere else.
func (a *Admin) AddSelfServiceLogin(ctx context.Context, l app.SelfServiceLogin) error {
	return a.addServiceLogin(ctx, selfServiceLogin, l)
}

// addServiceLogin makes a login of kind k as the DBA: the role, its
// membership and session defaults, CONNECT on this database only, its
// registration and an audit row, in one transaction.
func (a *Admin) addServiceLogin(ctx context.Context, k serviceLogin, l app.SelfServiceLogin) error {
	if !ValidRoleName(l.LoginRole) {
		return app.Errorf(app.EINVALID, "%q is not a valid role name: use lowercase letters, digits and _.", l.LoginRole)
	}
	if err := checkDBPassword(l.Password); err != nil {
		return err
	}
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, l.LoginRole); err != nil {
		return a.mapErr(err)
	}
	if exists {
		return app.Errorf(app.ECONFLICT, "The role %s already exists on this server. Choose another name.", l.LoginRole)
	}
	verifier, err := scramVerifier(l.Password)
	if err != nil {
		return err
	}
	var grantConnect string
	if err := tx.GetContext(ctx, &grantConnect, `SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), $1::text)`, l.LoginRole); err != nil {
		return a.mapErr(err)
	}
	role := pq.QuoteIdentifier(l.LoginRole)
	create := "CREATE ROLE " + role + " LOGIN PASSWORD " + pq.QuoteLiteral(verifier) + " IN ROLE " + k.group
	if k.connectionLimit > 0 {
		create += " CONNECTION LIMIT " + strconv.Itoa(k.connectionLimit)
	}
	stmts := []string{create}
	for _, set := range k.sessionDefaults {
		stmts = append(stmts, "ALTER ROLE "+role+" SET "+set)
	}
	for _, s := range append(stmts, grantConnect) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return a.mapErr(err)
		}
	}
	register := `INSERT INTO resetdesk.` + k.table + ` (db_role) VALUES ($1)`
	if _, err := tx.ExecContext(ctx, register, l.LoginRole); err != nil {
		return a.mapErr(err)
	}
	const record = `INSERT INTO resetdesk.audit_events (action, details) VALUES ($1, jsonb_build_object('db_role', $2::text))`
	if _, err := tx.ExecContext(ctx, record, k.action, l.LoginRole); err != nil {
		return a.mapErr(err)
	}
	return a.mapErr(tx.Commit())
}

var _ app.SelfServiceProvisioner = (*DB)(nil)

// AddSelfServiceLogin makes a self-service login on the owner's connection,
// through the database's add_self_service_login, which refuses anyone but
// the owner. The password leaves this process only as a SCRAM verifier.
func (d *DB) AddSelfServiceLogin(ctx context.Context, l app.SelfServiceLogin) error {
	return d.addServiceLogin(ctx, selfServiceLogin, l)
}

// addServiceLogin makes a login of kind k through the owner's function
// k.action.
func (d *DB) addServiceLogin(ctx context.Context, k serviceLogin, l app.SelfServiceLogin) error {
	if !ValidRoleName(l.LoginRole) {
		return app.Errorf(app.EINVALID, "%q is not a valid role name: use lowercase letters, digits and _.", l.LoginRole)
	}
	if err := checkDBPassword(l.Password); err != nil {
		return err
	}
	verifier, err := scramVerifier(l.Password)
	if err != nil {
		return &app.Error{Code: app.EINTERNAL, Message: "Internal error.", Err: err}
	}
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.`+k.action+`($1, $2)`, l.LoginRole, verifier); err != nil {
		var pqe *pq.Error
		switch {
		case errors.As(err, &pqe) && pqe.Code == "42501" && strings.HasPrefix(pqe.Message, "permission denied for function"):
			return &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: "Only the owner (or the DBA) may add " + k.name + "s."}
		case errors.As(err, &pqe) && pqe.Code == "22023" && strings.HasSuffix(pqe.Message, "already exists on this server. Choose another name."):
			// Role names are the server's, not the database's: another
			// office's database on the same server may hold it.
			return &app.Error{Code: app.ECONFLICT, Err: err, Message: pqe.Message}
		}
		return fmt.Errorf("data: add %s: %w", k.name, d.mapErr(err))
	}
	return nil
}

var _ app.SelfServiceLoginLister = (*DB)(nil)

// selfServiceLoginRow is a row of SelfServiceLogins.
type selfServiceLoginRow struct {
	Login     string       `db:"db_role"`
	CreatedAt time.Time    `db:"created_at"`
	CreatedBy string       `db:"created_by"`
	LastUsed  sql.NullTime `db:"last_used"`
}

// The owner reads the registrations (0007); the audit shows the owner the
// rows about the org's users, which are the rows a self-service login
// writes, found by actor (0037).
const selfServiceLoginsSQL = `
SELECT l.db_role, l.created_at, l.created_by,
       (SELECT max(a.at) FROM resetdesk.audit_events a WHERE a.actor = l.db_role) AS last_used
FROM resetdesk.self_service_logins l
ORDER BY l.created_at, l.db_role`

// SelfServiceLogins lists the self-service logins registered for this
// database, oldest first, each with the time of the newest audit row it
// wrote. Only the owner may read them (EUNAUTHORIZED).
func (d *DB) SelfServiceLogins(ctx context.Context) ([]app.SelfServiceLoginInfo, error) {
	var rows []selfServiceLoginRow
	if err := d.db.SelectContext(ctx, &rows, selfServiceLoginsSQL); err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && pqe.Code == "42501" {
			return nil, &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: "Only the owner (or the DBA) sees the self-service logins."}
		}
		return nil, fmt.Errorf("data: self-service logins: %w", d.mapErr(err))
	}
	out := make([]app.SelfServiceLoginInfo, len(rows))
	for i, r := range rows {
		out[i] = app.SelfServiceLoginInfo{Login: r.Login, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, LastUsed: r.LastUsed.Time}
	}
	return out, nil
}

// RemoveSelfServiceLogin takes a self-service login back on the owner's
// connection, through the database's remove_self_service_login, which
// refuses anyone but the owner.
func (d *DB) RemoveSelfServiceLogin(ctx context.Context, login string) error {
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.remove_self_service_login($1)`, login); err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && pqe.Code == "42501" && strings.HasPrefix(pqe.Message, "permission denied for function") {
			return &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: "Only the owner (or the DBA) may remove self-service logins."}
		}
		return fmt.Errorf("data: remove self-service login: %w", d.mapErr(err))
	}
	return nil
}

// RemoveSelfServiceLogin takes a self-service login back as the DBA: its
// registration here, its CONNECT on this database and its LOGIN, and an
// audit row, in one transaction.
func (a *Admin) RemoveSelfServiceLogin(ctx context.Context, login string) error {
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	// The registration names its role by OID too (0041): when the login was
	// dropped and another took its name, only the registration goes.
	var same sql.NullBool
	const unregister = `
		DELETE FROM resetdesk.self_service_logins l WHERE l.db_role = $1
		RETURNING l.db_role_oid IS NOT DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = l.db_role)`
	switch err := tx.GetContext(ctx, &same, unregister, login); {
	case errors.Is(err, sql.ErrNoRows):
		return app.Errorf(app.EINVALID, "%s is not a self-service login of this database.", login)
	case err != nil:
		return a.mapErr(err)
	}
	const record = `INSERT INTO resetdesk.audit_events (action, details) VALUES ('remove_self_service_login', jsonb_build_object('db_role', $1::text))`
	if !same.Bool {
		if _, err := tx.ExecContext(ctx, record, login); err != nil {
			return a.mapErr(err)
		}
		return a.mapErr(tx.Commit())
	}
	var revoke string
	if err := tx.GetContext(ctx, &revoke, `SELECT format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), $1::text)`, login); err != nil {
		return a.mapErr(err)
	}
	if _, err := tx.ExecContext(ctx, revoke); err != nil {
		return a.mapErr(err)
	}
	// A hosted DBA may not alter a login the owner made (PostgreSQL 16
	// wants ADMIN on it): its registration and CONNECT are what count here.
	if err := tryExec(ctx, tx, "ALTER ROLE "+pq.QuoteIdentifier(login)+" NOLOGIN"); err != nil && !errors.Is(err, errNotAllowed) {
		return a.mapErr(err)
	}
	if _, err := tx.ExecContext(ctx, record, login); err != nil {
		return a.mapErr(err)
	}
	return a.mapErr(tx.Commit())
}

// OpenSelfService connects as the self-service login of s, proving the
// server as s says: by its pin, by its CA beside the system's authorities,
// or, with neither, as any connection does (verify-full off this machine).
// A server that fails that proof gets EUNTRUSTED with a sentence for the
// person at the device, and nothing is sent to it, the login's password
// least of all. When s names no identity and the server's certificate is
// one no authority here vouches for, the error wraps an
// *app.CertificateToConfirm with its fingerprint, for an owner at Settings
// to compare and pin; an end user is told to have the set-up exported
// again.
func OpenSelfService(ctx context.Context, s app.SelfServiceSetup) (*DB, error) {
	e := Endpoint{Host: s.Host, Port: s.Port, Database: s.Database, Role: s.Login, Password: s.Password}
	t := Trust{Pinned: s.Pin != "", Pin: s.Pin, CA: s.CA}
	db, err := OpenEndpoint(ctx, e, t)
	if err == nil {
		// One attempt is two statements in a row: two connections at
		// most, and one kept while idle, of the login's shared limit.
		db.db.SetMaxOpenConns(2)
		db.db.SetMaxIdleConns(1)
		return db, nil
	}
	if app.ErrorCode(err) != app.EUNTRUSTED {
		return db, err
	}
	return nil, selfServiceTrustErr(ctx, e, s, err)
}

// selfServiceTrustErr words a failed proof of the server for the end
// user's device, whose owner is the one to act.
func selfServiceTrustErr(ctx context.Context, e Endpoint, s app.SelfServiceSetup, err error) error {
	port := e.Port
	if port == 0 {
		port = 5432
	}
	server := net.JoinHostPort(e.Host, strconv.Itoa(port))
	const again = " Neither the self-service login nor its password was sent. If the office changed the server or its certificate, the owner exports the self-service set-up again " +
		"(Settings, Self-service on this computer) and it is imported here; otherwise someone may be posing as the server."
	var (
		changed   *pinChanged
		unknown   x509.UnknownAuthorityError
		roots     x509.SystemRootsError
		wrongName x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	why := ""
	switch {
	case errors.As(err, &unknown) || errors.As(err, &roots):
		why = "no authority this device trusts signed its certificate"
	case errors.As(err, &wrongName):
		why = "its certificate is for another name (" + certNames(wrongName.Certificate) + ")"
	case errors.As(err, &invalid):
		why = "its certificate cannot prove it (" + invalid.Error() + ")"
	}
	out := &app.Error{Code: app.EUNTRUSTED, Err: err}
	switch {
	case errors.As(err, &changed):
		out.Message = fmt.Sprintf("The database server %s shows a certificate other than the one this self-service set-up trusts (its SHA-256 fingerprint is now %s).%s",
			server, changed.fingerprint, again)
	case why != "" && s.CA != "":
		out.Message = fmt.Sprintf("ResetDesk cannot prove that %s is the office's database server: %s, and the authority in this self-service set-up does not vouch for it.%s", server, why, again)
	case why != "":
		out.Message = fmt.Sprintf("ResetDesk cannot prove that %s is the office's database server: %s, "+
			"and this self-service set-up names no certificate or authority for it (it was exported without the server's identity).%s", server, why, again)
		// What the owner would confirm: a connection that stops after the
		// handshake, before the startup message.
		var confirm *app.CertificateToConfirm
		if _, perr := OpenEndpoint(ctx, e, Trust{Pinned: true}); errors.As(perr, &confirm) {
			out.Err = errors.Join(confirm, err)
		}
	default:
		out.Message = app.ErrorMessage(err) + " If the office changed the server, the owner exports the self-service set-up again and it is imported here."
	}
	return out
}
