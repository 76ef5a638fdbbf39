package data

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"resetdesk/app"
)

//go:embed migrations/*.sql
var migrations embed.FS

// The roles setup creates. They are cluster-wide, so several ResetDesk
// databases on one server share them; what they may do is granted per database.
const (
	roleDefiner = "resetdesk_definer" // owns the schema; the functions run as it
	roleConsole = "resetdesk_console" // everything a console user may read and call
	roleOwner   = "resetdesk_owner"
	roleAdmin   = "resetdesk_admin"
	// rolePassdb once gave Dovecot the passdb of every database on the
	// server; it is kept (empty of grants) because migration 0001 names it.
	rolePassdb = "resetdesk_passdb"
	// roleProvisioner holds CREATEROLE and owns only the functions that add
	// and change console users (migration 0011); nobody logs in as it.
	roleProvisioner = "resetdesk_provisioner"
	// roleSelfService may call the end user's functions (complete a reset,
	// change a temporary password), in the databases that registered the login.
	roleSelfService = "resetdesk_self_service"
)

// selectSetupLock serializes setup, migrations and the demo seed on one
// database: a transaction-scoped advisory lock with ResetDesk's own key.
const selectSetupLock = `SELECT pg_advisory_xact_lock(7353001)`

// setupLockWait is how long setup waits for the set-up lock. Advisory
// locks are open to every login that can connect (a self-service login
// whose password is on every office PC, say), so a session holding this
// key must not stall a setup or an upgrade for ever.
var setupLockWait = time.Minute

// takeSetupLock takes the set-up lock in tx, waiting at most setupLockWait;
// when another session holds it that long, the error names that session
// for the DBA. The rest of tx keeps its usual lock timeout.
func (a *Admin) takeSetupLock(ctx context.Context, tx *sqlx.Tx) error {
	for _, s := range []string{fmt.Sprintf(`SET LOCAL lock_timeout = %d`, setupLockWait.Milliseconds()), `SAVEPOINT setup_lock`} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return a.mapErr(err)
		}
	}
	_, err := tx.ExecContext(ctx, selectSetupLock)
	var pqe *pq.Error
	if !errors.As(err, &pqe) || pqe.Code != "55P03" {
		if err == nil {
			_, err = tx.ExecContext(ctx, `SET LOCAL lock_timeout TO DEFAULT`)
		}
		return a.mapErr(err)
	}
	if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT setup_lock`); rerr != nil {
		return a.mapErr(err)
	}
	var h struct {
		PID  int            `db:"pid"`
		Role sql.NullString `db:"usename"`
		App  sql.NullString `db:"application_name"`
	}
	const holder = `
		SELECT l.pid, a.usename, a.application_name
		  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		 WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = 7353001 AND l.objsubid = 1
		   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		 LIMIT 1`
	who := "another session"
	if tx.GetContext(ctx, &h, holder) == nil {
		who = fmt.Sprintf("the session of role %s (process %d", h.Role.String, h.PID)
		if h.App.String != "" {
			who += ", " + h.App.String
		}
		who += ")"
	}
	msg := fmt.Sprintf("ResetDesk's set-up lock on this database has been held by %s for over %s. "+
		"If no setup or upgrade is running there, end that session (SELECT pg_terminate_backend(%d)) and run this again.",
		who, setupLockWait.Round(time.Second), h.PID)
	if h.PID == 0 {
		msg = fmt.Sprintf("ResetDesk's set-up lock on this database has been held by another session for over %s. "+
			"If no setup or upgrade is running, find it in pg_locks (an advisory lock on key 7353001), end it, and run this again.",
			setupLockWait.Round(time.Second))
	}
	return &app.Error{Code: app.EUNAVAILABLE, Err: err, Message: msg}
}

// Admin is a DBA connection (a superuser, or a role with CREATEROLE that owns
// the database): what setup, role add and admin add run on.
type Admin struct {
	DB
}

// OpenAdmin connects as a DBA.
func OpenAdmin(ctx context.Context, dsn string) (*Admin, error) {
	d, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &Admin{DB: *d}, nil
}

// SetupOptions and the other provisioning types live in app.
type (
	SetupOptions = app.SetupOptions
	SetupResult  = app.SetupResult
	AdminOptions = app.ConsoleUserOptions
)

var _ app.Provisioner = (*Admin)(nil)

var roleNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ValidRoleName reports whether name is acceptable as a login role: plain
// lowercase identifiers only, so that nobody needs to quote them.
func ValidRoleName(name string) bool {
	return roleNameRE.MatchString(name) && !strings.HasPrefix(name, "pg_") && !strings.HasPrefix(name, "resetdesk_")
}

// NeedsOrg reports whether setup would create the org (and so needs the
// owner's password). A database that was never set up needs one.
func (a *Admin) NeedsOrg(ctx context.Context) (bool, error) {
	var exists bool
	err := a.db.GetContext(ctx, &exists, `SELECT to_regclass('resetdesk.orgs') IS NOT NULL`)
	if err != nil || !exists {
		return true, a.mapErr(err)
	}
	err = a.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM resetdesk.orgs)`)
	return !exists, a.mapErr(err)
}

// Setup creates or upgrades schema resetdesk, its roles and grants, and on the
// first run the org and its owner. Running it again applies new migrations
// and changes nothing else.
func (a *Admin) Setup(ctx context.Context, o SetupOptions) (SetupResult, error) {
	var res SetupResult
	if err := a.bootstrap(ctx); err != nil {
		return res, fmt.Errorf("data: setup: %w", err)
	}
	applied, err := a.migrate(ctx)
	res.Applied = applied
	if err != nil {
		return res, fmt.Errorf("data: setup: %w", err)
	}
	res.Advice, err = a.lockDown(ctx)
	if err != nil {
		return res, fmt.Errorf("data: setup: %w", err)
	}
	need, err := a.NeedsOrg(ctx)
	if err != nil || !need {
		if err == nil {
			err = a.db.GetContext(ctx, &res.OrgID, `SELECT min(id) FROM resetdesk.orgs`)
		}
		return res, a.mapErr(err)
	}
	if strings.TrimSpace(o.OrgName) == "" {
		return res, app.Errorf(app.EINVALID, "Give the organization a name with --org.")
	}
	if !app.ValidEmail(o.OwnerEmail) {
		return res, app.Errorf(app.EINVALID, "The owner's email %q is not a valid address.", o.OwnerEmail)
	}
	if !ValidRoleName(o.OwnerRole) {
		return res, app.Errorf(app.EINVALID, "The owner's role %q is not a valid role name: use lowercase letters, digits and _.", o.OwnerRole)
	}
	if err := checkDBPassword(o.OwnerPassword); err != nil {
		return res, err
	}
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return res, a.mapErr(err)
	}
	defer tx.Rollback()
	if err := a.takeSetupLock(ctx, tx); err != nil {
		return res, err
	}
	const insertOrg = `INSERT INTO resetdesk.orgs (name) VALUES ($1) RETURNING id`
	if err := tx.GetContext(ctx, &res.OrgID, insertOrg, strings.TrimSpace(o.OrgName)); err != nil {
		return res, a.mapErr(err)
	}
	if err := addConsoleUser(ctx, tx, res.OrgID, o.OwnerRole, o.OwnerPassword, o.OwnerEmail, o.OwnerName, app.RoleOwner, roleOwner, false); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, a.mapErr(err)
	}
	res.OrgCreated = true
	return res, nil
}

// bootstrap creates what only a DBA may: the roles, the schema and citext.
func (a *Admin) bootstrap(ctx context.Context) error {
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	// Serialize concurrent setups on this database. Role creation is cluster
	// wide and can still race with another database's setup; ensureRole copes.
	if err := a.takeSetupLock(ctx, tx); err != nil {
		return err
	}
	me, err := whoAmI(ctx, tx)
	if err != nil {
		return a.mapErr(err)
	}
	if err := me.canSetUp(ctx, tx); err != nil {
		return err
	}
	// resetdesk_definer and the provisioner are the DBA's: it acts as
	// them. A DBA who is not a superuser (a hosted service's master user)
	// becomes a member of both, with the right to SET ROLE to them
	// (PostgreSQL 16 gives a role's creator only the ADMIN option).
	if err := ensureRole(ctx, tx, roleDefiner, ""); err != nil {
		return err
	}
	if err := ensureProvisioner(ctx, tx); err != nil {
		return fmt.Errorf("bootstrap: %w", a.mapErr(err))
	}
	if !me.super {
		for _, r := range []string{roleDefiner, roleProvisioner} {
			var member bool
			const q = `SELECT pg_has_role(current_user, $1::name, 'USAGE') AND pg_has_role(current_user, $1::name, 'SET')`
			if me.version < 160000 {
				// SET as a privilege of pg_has_role is 16's; before, a member may.
				const q15 = `SELECT pg_has_role(current_user, $1::name, 'USAGE')`
				if err := tx.GetContext(ctx, &member, q15, r); err != nil {
					return a.mapErr(err)
				}
			} else if err := tx.GetContext(ctx, &member, q, r); err != nil {
				return a.mapErr(err)
			}
			if !member {
				if _, err := tx.ExecContext(ctx, me.grantToSelf(r)); err != nil {
					return fmt.Errorf("bootstrap: %w", a.mapErr(err))
				}
			}
		}
	}
	if err := ensureGroups(ctx, tx, me); err != nil {
		return fmt.Errorf("bootstrap: %w", a.mapErr(err))
	}
	// The definer functions check when the caller's connection was
	// authenticated (re-authentication before a reset); pg_stat_activity
	// shows that of another role's session only to pg_read_all_stats.
	// Granted once per server: granting it again, as another DBA, would be
	// a new grant that needs the ADMIN option (PostgreSQL 16 and later).
	const grantStats = `DO $$ BEGIN
		IF NOT pg_has_role('resetdesk_definer', 'pg_read_all_stats', 'MEMBER') THEN
			GRANT pg_read_all_stats TO resetdesk_definer;
		END IF; END $$`
	if _, err := tx.ExecContext(ctx, grantStats); err != nil {
		if pqe, ok := err.(*pq.Error); ok && pqe.Code == "42501" {
			return &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: "Setup could not grant pg_read_all_stats to resetdesk_definer, which the check of an admin's password before a reset needs. Run this once as a superuser (or the hosting service's administrator role), then run setup again: GRANT pg_read_all_stats TO resetdesk_definer;"}
		}
		return fmt.Errorf("bootstrap: %w", a.mapErr(err))
	}
	// Whoever may connect gets a grant of their own, and PUBLIC none
	// (lockDown): the console logins of this database (0039), the
	// self-service and relay logins, the passdb's readers. The group
	// resetdesk_console is the whole server's, so it gets none.
	//
	// The console logins and the owner's self-service and relay logins
	// (0014) may connect to this database only: the provisioner grants
	// them CONNECT on it, and nothing more.
	// Once it may, it is not granted again: a DBA that is no owner holds
	// the grant option through the provisioner, and cannot grant it back.
	const grantDBOption = `
		SELECT CASE WHEN has_database_privilege('resetdesk_provisioner', current_database(), 'CONNECT WITH GRANT OPTION') THEN 'SELECT 1'
		            ELSE format('GRANT CONNECT ON DATABASE %I TO resetdesk_provisioner WITH GRANT OPTION', current_database()) END
		  FROM pg_roles WHERE rolname = 'resetdesk_provisioner'`
	var option string
	if err := tx.GetContext(ctx, &option, grantDBOption); err != nil {
		return a.mapErr(err)
	}
	for _, s := range []string{
		option,
		`CREATE SCHEMA IF NOT EXISTS resetdesk AUTHORIZATION resetdesk_definer`,
		// Functions the definer creates are not callable by PUBLIC unless a
		// migration grants them: the safe default for SECURITY DEFINER.
		`ALTER DEFAULT PRIVILEGES FOR ROLE resetdesk_definer REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`,
		`CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA resetdesk`,
		scramVerifierFunc,
		`SET LOCAL ROLE resetdesk_definer`,
		`CREATE TABLE IF NOT EXISTS resetdesk.schema_migrations (
		     version    integer PRIMARY KEY,
		     name       text NOT NULL,
		     applied_at timestamptz NOT NULL DEFAULT now()
		 )`,
		// The SHA-256 of the file as applied: an applied migration whose
		// file changed since is refused (migrate). Rows from before the
		// column take the file they meet next.
		`ALTER TABLE resetdesk.schema_migrations ADD COLUMN IF NOT EXISTS checksum text`,
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			if strings.Contains(s, "citext") {
				return citextError(me, err)
			}
			return fmt.Errorf("bootstrap: %w", a.mapErr(err))
		}
	}
	return a.mapErr(tx.Commit())
}

// ensureProvisioner creates resetdesk_provisioner, the one ResetDesk role
// with CREATEROLE, unless it exists.
func ensureProvisioner(ctx context.Context, tx *sqlx.Tx) error {
	var exists, createRole bool
	err := tx.QueryRowxContext(ctx, `SELECT true, rolcreaterole FROM pg_roles WHERE rolname = $1`, roleProvisioner).Scan(&exists, &createRole)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	switch {
	case !exists:
		if _, err := tx.ExecContext(ctx, "SAVEPOINT ensure_role"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "CREATE ROLE "+roleProvisioner+" NOLOGIN CREATEROLE"); err != nil {
			if pqe, ok := err.(*pq.Error); !ok || (pqe.Code != "42710" && pqe.Code != "23505") {
				return fmt.Errorf("create role %s: %w", roleProvisioner, err)
			}
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT ensure_role"); err != nil {
				return err
			}
		}
	case !createRole:
		if _, err := tx.ExecContext(ctx, "ALTER ROLE "+roleProvisioner+" CREATEROLE"); err != nil {
			return err
		}
	}
	return nil
}

// provisionedGroups are the groups the provisioner grants: to console
// users, to self-service logins, and the console group to the others.
var provisionedGroups = []string{roleConsole, roleOwner, roleAdmin, roleSelfService}

// ensureGroups creates the groups as resetdesk_provisioner, and makes sure
// the provisioner holds the ADMIN option on each and that the owner's, the
// admins' and the custom roles' groups are in resetdesk_console.
//
// On PostgreSQL 16 and later a membership depends on the role that granted
// it, and on that role's ADMIN option: dropping the DBA who ran setup (DROP
// OWNED BY, then DROP ROLE) revokes every grant it made, and those made
// through the ADMIN option it gave. So the groups are created by the
// provisioner, whose ADMIN option on them PostgreSQL then grants in the
// bootstrap superuser's name, and the provisioner grants the memberships
// between them: they outlive any DBA. On groups someone else created, the
// ADMIN option comes from the DBA (or from a superuser, as canSetUp asks).
// A membership lost anyway is granted again here on the next setup.
func ensureGroups(ctx context.Context, tx *sqlx.Tx, me dba) error {
	stmts := []string{"SET LOCAL ROLE " + roleProvisioner}
	if me.version >= 160000 {
		// The provisioner becomes no member of what it creates, whatever
		// the DBA's own default.
		stmts = append(stmts, "SET LOCAL createrole_self_grant = ''")
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	for _, r := range []struct{ name, in string }{
		{roleConsole, ""}, {rolePassdb, ""}, {roleSelfService, ""},
		{roleOwner, roleConsole}, {roleAdmin, roleConsole},
	} {
		if err := ensureRole(ctx, tx, r.name, r.in); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "RESET ROLE"); err != nil {
		return err
	}
	if me.version >= 160000 {
		var lacking []string
		const q = `SELECT g FROM unnest($1::text[]) g WHERE NOT pg_has_role($2, g::name, 'MEMBER WITH ADMIN OPTION')`
		if err := tx.SelectContext(ctx, &lacking, q, pq.StringArray(provisionedGroups), roleProvisioner); err != nil {
			return err
		}
		for _, g := range lacking {
			if _, err := tx.ExecContext(ctx, "GRANT "+g+" TO "+roleProvisioner+" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE"); err != nil {
				return err
			}
		}
	}
	var outside []string
	const q = `
		SELECT rolname FROM pg_roles
		 WHERE (rolname = ANY ($1) OR rolname LIKE 'resetdesk\_role\_%')
		   AND NOT rolcanlogin AND NOT pg_has_role(oid, $2::name, 'MEMBER')
		 ORDER BY 1`
	if err := tx.SelectContext(ctx, &outside, q, pq.StringArray{roleOwner, roleAdmin}, roleConsole); err != nil {
		return err
	}
	if len(outside) == 0 {
		return nil
	}
	stmts = []string{"SET LOCAL ROLE " + roleProvisioner}
	for _, g := range outside {
		stmts = append(stmts, "GRANT "+roleConsole+" TO "+pq.QuoteIdentifier(g))
	}
	stmts = append(stmts, "RESET ROLE")
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// dba is the role that runs setup, as far as setup cares.
type dba struct {
	name     string
	database string
	super    bool
	version  int // server_version_num
}

func whoAmI(ctx context.Context, tx *sqlx.Tx) (dba, error) {
	var me dba
	const q = `SELECT current_user, current_database(), r.rolsuper, current_setting('server_version_num')::int
	             FROM pg_roles r WHERE r.rolname = current_user`
	err := tx.QueryRowxContext(ctx, q).Scan(&me.name, &me.database, &me.super, &me.version)
	return me, err
}

// grantToSelf is the statement that makes the DBA a member of group with
// its privileges and the right to SET ROLE to it. PostgreSQL 16 grants a
// role's creator only the ADMIN option, and spells the rest out.
func (me dba) grantToSelf(group string) string {
	stmt := "GRANT " + quoteIdent(group) + " TO " + quoteIdent(me.name)
	if me.version >= 160000 {
		stmt += " WITH INHERIT TRUE, SET TRUE"
	}
	return stmt
}

// canSetUp checks, before anything changes, that a DBA who is not a
// superuser has what setup needs, and otherwise says what is missing in
// SQL a superuser (or the service's console) can run as it is.
func (me dba) canSetUp(ctx context.Context, tx *sqlx.Tx) error {
	if me.super {
		return nil
	}
	var fixes []string
	var createRole, createOnDB bool
	const q = `SELECT rolcreaterole, has_database_privilege(current_database(), 'CREATE')
	             FROM pg_roles WHERE rolname = current_user`
	if err := tx.QueryRowxContext(ctx, q).Scan(&createRole, &createOnDB); err != nil {
		return err
	}
	who := quoteIdent(me.name)
	if !createRole {
		fixes = append(fixes, "ALTER ROLE "+who+" CREATEROLE;")
	}
	if !createOnDB {
		fixes = append(fixes, "GRANT CREATE ON DATABASE "+quoteIdent(me.database)+" TO "+who+";")
	}
	if me.version >= 160000 {
		// Groups an earlier setup made under another role (or that role
		// since dropped): this DBA must be able to act as
		// resetdesk_definer and the provisioner, and the provisioner
		// needs the ADMIN option on the groups it grants (ensureGroups),
		// which a superuser gives it best directly: such a grant outlives
		// any DBA.
		rows, err := tx.QueryxContext(ctx, `
			SELECT r.rolname,
			       pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION'),
			       pg_has_role(current_user, r.oid, 'USAGE') AND pg_has_role(current_user, r.oid, 'SET'),
			       p.oid IS NOT NULL,
			       coalesce(pg_has_role(p.oid, r.oid, 'MEMBER WITH ADMIN OPTION'), false)
			  FROM pg_roles r LEFT JOIN pg_roles p ON p.rolname = $2
			 WHERE r.rolname = ANY ($1) OR r.rolname LIKE 'resetdesk\_role\_%'
			 ORDER BY r.rolname`, pq.StringArray(append([]string{roleDefiner, roleProvisioner}, provisionedGroups...)), roleProvisioner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var admin, use, provisioner, provisionerAdmin bool
			if err := rows.Scan(&name, &admin, &use, &provisioner, &provisionerAdmin); err != nil {
				return err
			}
			switch {
			case name == roleDefiner || name == roleProvisioner:
				if !use && !admin {
					fixes = append(fixes, me.grantToSelf(name)+";")
				}
			case admin || provisionerAdmin:
			case provisioner:
				fixes = append(fixes, "GRANT "+quoteIdent(name)+" TO "+roleProvisioner+" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;")
			default:
				fixes = append(fixes, "GRANT "+quoteIdent(name)+" TO "+who+" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;")
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// The check of an admin's password reads pg_stat_activity through
		// resetdesk_definer, which needs pg_read_all_stats; from 16 on only
		// a holder of its ADMIN option may grant it. Asked for here, with
		// the rest, so that one message lists everything: to the definer
		// itself when it exists (a grant that outlives this DBA), or else
		// the ADMIN option, for setup to grant it once it made the definer.
		var definer, stats bool
		const qs = `SELECT d.oid IS NOT NULL,
		                   pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER WITH ADMIN OPTION')
		                   OR coalesce(pg_has_role(d.oid, 'pg_read_all_stats', 'MEMBER'), false)
		              FROM (SELECT) AS one LEFT JOIN pg_roles d ON d.rolname = 'resetdesk_definer'`
		if err := tx.QueryRowxContext(ctx, qs).Scan(&definer, &stats); err != nil {
			return err
		}
		switch {
		case stats:
		case definer:
			fixes = append(fixes, "GRANT pg_read_all_stats TO "+roleDefiner+";")
		default:
			fixes = append(fixes, "GRANT pg_read_all_stats TO "+who+" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;")
		}
	}
	if len(fixes) == 0 {
		return nil
	}
	return app.Errorf(app.EUNAUTHORIZED, "Setup as %s, which is not a superuser, needs a few privileges it lacks. "+
		"As a superuser (or the service's administrator), run:\n  %s\nthen run setup again.", me.name, strings.Join(fixes, "\n  "))
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// quoteIdent quotes a name for SQL shown to a person: only when it needs it.
func quoteIdent(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return pq.QuoteIdentifier(name)
}

// citextError explains a refused CREATE EXTENSION citext: hosted services
// allow extensions from a list of their own.
func citextError(me dba, err error) error {
	return &app.Error{Code: app.EUNAUTHORIZED, Err: err, Message: fmt.Sprintf(
		"The server did not let %s create the citext extension, which ResetDesk needs for addresses that compare "+
			"in any case. Allow citext in your service's extension settings, or as a superuser run:\n  "+
			"CREATE ROLE resetdesk_definer NOLOGIN;  -- unless it exists\n  "+
			"CREATE SCHEMA IF NOT EXISTS resetdesk AUTHORIZATION resetdesk_definer;\n  "+
			"CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA resetdesk;\n"+
			"then run setup again.", me.name)}
}

// scramVerifierFunc lets the definer functions read the caller's own SCRAM
// verifier, to check the proof of the typed password before a reset
// (migration 0017). Only a superuser may read pg_authid, so a superuser
// owns this one function; it answers for session_user only, and only
// resetdesk_definer may call it. Run by anyone else, setup skips it and the
// re-authentication falls back to a freshly signed-in connection.
const scramVerifierFunc = `
	DO $do$
	BEGIN
	    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
	        CREATE OR REPLACE FUNCTION resetdesk.scram_verifier() RETURNS text
	        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
	            SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = session_user
	        $f$;
	        REVOKE ALL ON FUNCTION resetdesk.scram_verifier() FROM PUBLIC;
	        GRANT EXECUTE ON FUNCTION resetdesk.scram_verifier() TO resetdesk_definer;
	    END IF;
	END $do$`

// ensureRole creates a NOLOGIN group role unless it exists. Names are our
// constants or validated role names, never user text.
func ensureRole(ctx context.Context, tx *sqlx.Tx, name, inRole string) error {
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name); err != nil {
		return err
	}
	if exists {
		return nil
	}
	stmt := "CREATE ROLE " + pq.QuoteIdentifier(name) + " NOLOGIN"
	if inRole != "" {
		stmt += " IN ROLE " + pq.QuoteIdentifier(inRole)
	}
	// Another database's setup may create the same role at the same moment:
	// a savepoint lets us accept its win.
	if _, err := tx.ExecContext(ctx, "SAVEPOINT ensure_role"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		if pqe, ok := err.(*pq.Error); ok && (pqe.Code == "42710" || pqe.Code == "23505") {
			_, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT ensure_role")
			return err
		}
		return fmt.Errorf("create role %s: %w", name, err)
	}
	return nil
}

// migrate applies the embedded migrations not yet recorded, in order, each in
// its own transaction, as resetdesk_definer.
func (a *Admin) migrate(ctx context.Context) ([]string, error) { return a.migrateFrom(ctx, migrations) }

// migrateFrom applies the migrations in fsys's folder migrations; an
// applied one whose file changed since stops it with ECONFLICT.
func (a *Admin) migrateFrom(ctx context.Context, fsys fs.FS) ([]string, error) {
	names, versions, err := migrationFiles(fsys)
	if err != nil {
		return nil, err
	}
	var applied []string
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return applied, err
		}
		done, err := a.applyMigration(ctx, versions[i], base, string(body))
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", base, err)
		}
		if done {
			applied = append(applied, base)
		}
	}
	return applied, nil
}

// migrationFiles lists fsys's migrations in order with their numbers. Two
// files with one number are refused before any runs: the second would look
// like the first edited after it ran, and stop setup on every database.
func migrationFiles(fsys fs.FS) ([]string, []int, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(names)
	versions := make([]int, len(names))
	seen := map[int]string{}
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(base[:max(strings.IndexByte(base, '_'), 0)])
		if err != nil {
			return nil, nil, fmt.Errorf("migration %s: bad name", base)
		}
		if other, ok := seen[version]; ok {
			return nil, nil, fmt.Errorf("migrations %s and %s share the number %d", other, base, version)
		}
		seen[version], versions[i] = base, version
	}
	return names, versions, nil
}

// applyMigration applies one migration unless it is recorded, and checks a
// recorded one against its file.
func (a *Admin) applyMigration(ctx context.Context, version int, name, body string) (bool, error) {
	sum := sha256.Sum256([]byte(body))
	checksum := hex.EncodeToString(sum[:])
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, a.mapErr(err)
	}
	defer tx.Rollback()
	if err := a.takeSetupLock(ctx, tx); err != nil {
		return false, err
	}
	for _, s := range []string{`SET LOCAL ROLE resetdesk_definer`, `SET LOCAL search_path = resetdesk, pg_catalog`} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return false, a.mapErr(err)
		}
	}
	var was struct {
		Name      string         `db:"name"`
		Checksum  sql.NullString `db:"checksum"`
		AppliedAt time.Time      `db:"applied_at"`
	}
	err = tx.GetContext(ctx, &was, `SELECT name, checksum, applied_at FROM resetdesk.schema_migrations WHERE version = $1`, version)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return false, a.mapErr(err)
	case !was.Checksum.Valid: // applied before checksums were kept
		if _, err := tx.ExecContext(ctx, `UPDATE resetdesk.schema_migrations SET checksum = $2 WHERE version = $1`, version, checksum); err != nil {
			return false, a.mapErr(err)
		}
		return false, a.mapErr(tx.Commit())
	case was.Checksum.String != checksum || was.Name != name:
		return false, app.Errorf(app.ECONFLICT, "This database applied migration %s on %s, and the file this ResetDesk has for it is different. "+
			"An applied migration is never edited: use the ResetDesk that applied it, or one that makes the change in a new migration "+
			"(a developer restores the file and adds the change as the next number).", was.Name, was.AppliedAt.Format("2 January 2006"))
	default:
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, err
	}
	const record = `INSERT INTO resetdesk.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`
	if _, err := tx.ExecContext(ctx, record, version, name, checksum); err != nil {
		return false, a.mapErr(err)
	}
	return true, a.mapErr(tx.Commit())
}

// AddRole creates or updates a custom role: its row, its NOLOGIN group role
// (resetdesk_role_NAME, member of resetdesk_console) and, with view_audit,
// read access to the audit log.
func (a *Admin) AddRole(ctx context.Context, name string, perms []app.Permission) error {
	if !regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`).MatchString(name) || app.BuiltinPermissions(name) != nil || name == app.RoleMember {
		return app.Errorf(app.EINVALID, "%q is not a valid custom role name: use lowercase letters, digits and _, and not owner, admin or member.", name)
	}
	ps := make([]string, 0, len(perms))
	for _, p := range perms {
		if !app.ValidPermission(p) {
			return app.Errorf(app.EINVALID, "Unknown permission %q. Permissions: reset_password, set_password, import_users, manage_admins, view_audit.", p)
		}
		if !slices.Contains(ps, string(p)) {
			ps = append(ps, string(p))
		}
	}
	group := "resetdesk_role_" + name
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	// As the provisioner, like the owner's own role add, so that either can
	// change the role later (see addConsoleUser).
	if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE "+roleProvisioner); err != nil {
		return a.mapErr(err)
	}
	if err := ensureRole(ctx, tx, group, roleConsole); err != nil {
		return a.mapErr(err)
	}
	const upsert = `
		INSERT INTO resetdesk.roles (name, permissions, db_group) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET permissions = EXCLUDED.permissions`
	if _, err := tx.ExecContext(ctx, upsert, name, pq.StringArray(ps), group); err != nil {
		return a.mapErr(err)
	}
	audit := "REVOKE SELECT ON resetdesk.audit_events FROM " + pq.QuoteIdentifier(group)
	if slices.Contains(ps, string(app.PermViewAudit)) {
		audit = "GRANT SELECT ON resetdesk.audit_events TO " + pq.QuoteIdentifier(group)
	}
	if _, err := tx.ExecContext(ctx, audit); err != nil {
		return a.mapErr(err)
	}
	if _, err := tx.ExecContext(ctx, "RESET ROLE"); err != nil {
		return a.mapErr(err)
	}
	const record = `INSERT INTO resetdesk.audit_events (action, details) VALUES ('add_role', jsonb_build_object('role', $1::text, 'permissions', $2::text[]))`
	if _, err := tx.ExecContext(ctx, record, name, pq.StringArray(ps)); err != nil {
		return a.mapErr(err)
	}
	return a.mapErr(tx.Commit())
}

// AddAdmin creates a login role for a console user and their directory row
// (or promotes the existing user with that email).
func (a *Admin) AddAdmin(ctx context.Context, o AdminOptions) error {
	if !ValidRoleName(o.LoginRole) {
		return app.Errorf(app.EINVALID, "%q is not a valid role name: use lowercase letters, digits and _.", o.LoginRole)
	}
	if !app.ValidEmail(o.Email) {
		return app.Errorf(app.EINVALID, "%q is not a valid email address.", o.Email)
	}
	if err := checkDBPassword(o.Password); err != nil {
		return err
	}
	role, group := app.RoleAdmin, roleAdmin
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return a.mapErr(err)
	}
	defer tx.Rollback()
	if o.CustomRole != "" {
		role = o.CustomRole
		if err := tx.GetContext(ctx, &group, `SELECT db_group FROM resetdesk.roles WHERE name = $1`, o.CustomRole); err != nil {
			if app.ErrorCode(a.mapErr(err)) == app.ENOTFOUND {
				return app.Errorf(app.ENOTFOUND, "There is no custom role %q. Create it first with `resetdesk role add`.", o.CustomRole)
			}
			return a.mapErr(err)
		}
	}
	var orgID int64
	if err := tx.GetContext(ctx, &orgID, `SELECT min(id) FROM resetdesk.orgs`); err != nil {
		return a.mapErr(err)
	}
	if err := addConsoleUser(ctx, tx, orgID, o.LoginRole, o.Password, o.Email, o.Name, role, group, o.Promote); err != nil {
		return err
	}
	return a.mapErr(tx.Commit())
}

// addConsoleUser creates the login role (its password sent as a SCRAM
// verifier, so the plaintext never reaches the server's logs), puts it in its
// group, and creates or promotes the directory row.
func addConsoleUser(ctx context.Context, tx *sqlx.Tx, orgID int64, login, password, email, name, role, group string, promote bool) error {
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, login); err != nil {
		return err
	}
	if exists {
		return app.Errorf(app.ECONFLICT, "The role %s already exists on this server. Choose another name.", login)
	}
	verifier, err := scramVerifier(password)
	if err != nil {
		return err
	}
	// An address that is already a console user's is never taken over (a
	// typo must not demote the owner); a member is promoted only when asked.
	var existing struct {
		ID     int64          `db:"id"`
		Name   string         `db:"display_name"`
		Role   string         `db:"role"`
		DBRole sql.NullString `db:"db_role"`
		Status string         `db:"status"`
	}
	const find = `SELECT id, display_name, role, db_role, status FROM resetdesk.users WHERE org_id = $1 AND primary_email = $2::resetdesk.citext`
	switch err := tx.GetContext(ctx, &existing, find, orgID, email); {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	case existing.Role != app.RoleMember || existing.DBRole.Valid:
		return app.Errorf(app.ECONFLICT, "%s is already a console user (%s). Nothing was changed.", email, existing.Role)
	case existing.Status == string(app.StatusDeactivated):
		return app.Errorf(app.EINVALID, "%s is deactivated in the directory. Nothing was changed.", email)
	case !promote:
		return app.Errorf(app.ECONFLICT, "%s is already a member of the directory (%s). To make them a console user, keeping their name, mobile number and secondary email as they are, add --promote.", email, existing.Name)
	}
	// The login and its group are made as resetdesk_provisioner, as the
	// owner's own admin add makes them, so that the owner can later change
	// or revoke what was granted here (PostgreSQL 16 revokes only a
	// grantor's own grants).
	// CONNECT on this database only (0039), from the provisioner too, so
	// that disabling or removing the console user takes it back.
	var grantConnect string
	if err := tx.GetContext(ctx, &grantConnect, `SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), $1::text)`, login); err != nil {
		return err
	}
	stmts := []string{
		"SET LOCAL ROLE " + roleProvisioner,
		"CREATE ROLE " + pq.QuoteIdentifier(login) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD " + pq.QuoteLiteral(verifier),
		"GRANT " + pq.QuoteIdentifier(group) + " TO " + pq.QuoteIdentifier(login),
	}
	for _, set := range consoleSessionDefaults {
		stmts = append(stmts, "ALTER ROLE "+pq.QuoteIdentifier(login)+" SET "+set)
	}
	stmts = append(stmts, grantConnect, "RESET ROLE")
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if name == "" {
		name = email[:strings.IndexByte(email, '@')]
	}
	const insert = `
		INSERT INTO resetdesk.users (org_id, display_name, primary_email, status, role, db_role)
		VALUES ($1, $2, $3, 'confirmed', $4, $5)
		RETURNING id`
	const promoteRow = `UPDATE resetdesk.users SET role = $2, db_role = $3, status = 'confirmed' WHERE id = $1 RETURNING id`
	var id int64
	if existing.ID != 0 {
		err = tx.GetContext(ctx, &id, promoteRow, existing.ID, role, login)
	} else {
		err = tx.GetContext(ctx, &id, insert, orgID, name, email, role, login)
	}
	if err != nil {
		if pqe, ok := err.(*pq.Error); ok && pqe.Code == "23505" {
			return app.Errorf(app.ECONFLICT, "The organization already has an owner.")
		}
		return err
	}
	const record = `
		INSERT INTO resetdesk.audit_events (action, target_user_id, details)
		VALUES ('add_console_user', $1, jsonb_build_object('role', $2::text, 'db_role', $3::text))`
	_, err = tx.ExecContext(ctx, record, id, role, login)
	return err
}

// checkDBPassword accepts a password for a database login role: 12 or more
// printable ASCII characters. PostgreSQL's own clients normalize other
// characters (SASLprep) before hashing and lib/pq does not, so such a
// password could work here and fail in psql, or the other way round.
func checkDBPassword(pw string) error {
	if len(pw) < 12 {
		return app.Errorf(app.EINVALID, "The database password must have at least 12 characters.")
	}
	for _, r := range pw {
		if r < 0x21 || r > 0x7e {
			return app.Errorf(app.EINVALID, "Use letters, digits and ASCII punctuation in a database password, without spaces: PostgreSQL's tools treat other characters differently.")
		}
	}
	return nil
}

// scramVerifier computes the SCRAM-SHA-256 secret PostgreSQL stores for a
// password (RFC 5802/7677), in the form CREATE ROLE ... PASSWORD accepts.
func scramVerifier(password string) (string, error) {
	const iterations = 4096
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	server := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(stored[:]), b64(server)), nil
}

// ExecRaw runs a statement as the DBA. Tests and the demo use it to arrange
// states that no console user could create; the console never does.
func (a *Admin) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := a.db.ExecContext(ctx, query, args...)
	return err
}
