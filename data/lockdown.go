package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// consoleSessionDefaults are the session defaults of every console login
// (setup, admin add, the owner's add_console_user, and existing logins on
// upgrade): a transaction a tampered client leaves open, or a statement
// that never ends, lets go of its locks within a minute at most. The
// longest statements a console sends take about a second on a shared
// 2-core machine: the list of 100,000 users 1.0 s, an import of 300 0.14 s,
// a bulk set-password reset of 300 with force-change 0.12 s (data's
// BenchmarkLongestConsoleStatement), so 60 s leaves room for a slow server.
// The console sends one statement at a time and opens no transaction, so
// it is never idle in one.
var consoleSessionDefaults = []string{"statement_timeout = '60s'", "idle_in_transaction_session_timeout = '30s'"}

// largeObjectCreators are the functions that create a large object. Any
// login that may connect could otherwise fill the server's disk with them,
// or park data there; ResetDesk uses none. lo_import(text) and
// lo_import(text, oid) read server files and are a superuser's already; a
// client's lo_import goes through lo_creat or lo_create.
const largeObjectCreators = `pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer), pg_catalog.lo_from_bytea(oid, bytea)`

// lockDown closes this database to whoever ResetDesk did not let in, after
// the migrations: CONNECT only for the console groups (bootstrap) and, each
// by a grant of its own, the self-service and relay logins registered here
// and the roles granted the passdb (a Dovecot login, or a group of them);
// PUBLIC loses CONNECT and TEMP, large objects and, on PostgreSQL 14 and
// older, CREATE on schema public. Console logins get their session
// timeouts. What the DBA may not do itself (a hosted service's DBA is no
// superuser) comes back as SQL for a superuser, and the rest is done.
func (a *Admin) lockDown(ctx context.Context) ([]string, error) {
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, a.mapErr(err)
	}
	defer tx.Rollback()
	if err := a.takeSetupLock(ctx, tx); err != nil {
		return nil, err
	}
	me, err := whoAmI(ctx, tx)
	if err != nil {
		return nil, a.mapErr(err)
	}
	db := quoteIdent(me.database)
	// A database restored onto another server links its rows to the
	// logins made again there (0042), before anyone is granted CONNECT.
	if err := rebindIfRestored(ctx, tx); err != nil {
		return nil, a.mapErr(err)
	}

	// Who connects, by name. A registered login that was dropped since is
	// skipped, and so is another login that took its name since (0041:
	// registrations keep the role's OID); the passdb's owner (the definer)
	// needs no grant.
	const connectors = `
		SELECT DISTINCT n.rolname
		  FROM (SELECT db_role AS rolname, db_role_oid AS oid FROM resetdesk.self_service_logins
		        UNION SELECT db_role, db_role_oid FROM resetdesk.relay_logins
		        UNION SELECT g.rolname, g.oid
		                FROM pg_class c, aclexplode(c.relacl) x, pg_roles g
		               WHERE c.oid = 'resetdesk.passdb'::regclass AND x.privilege_type = 'SELECT'
		                 AND g.oid = x.grantee AND x.grantee <> c.relowner) n
		  JOIN pg_roles r ON r.rolname = n.rolname AND r.oid = n.oid
		 ORDER BY 1`
	var names []string
	if err := tx.SelectContext(ctx, &names, connectors); err != nil {
		return nil, a.mapErr(err)
	}
	var stmts []string
	for _, n := range names {
		stmts = append(stmts, "GRANT CONNECT ON DATABASE "+db+" TO "+quoteIdent(n)+";")
	}
	// The console logins of this database, each by a grant of its own
	// (0039), which the provisioner makes, so that the owner's disabling
	// or removing one takes it back.
	const consoleLogins = `
		SELECT DISTINCT u.db_role FROM resetdesk.users u JOIN pg_roles r ON r.rolname = u.db_role AND r.oid = u.db_role_oid
		 WHERE u.role <> 'member' AND u.status = 'confirmed' ORDER BY 1`
	var consoles []string
	if err := tx.SelectContext(ctx, &consoles, consoleLogins); err != nil {
		return nil, a.mapErr(err)
	}
	if err := grantAsProvisioner(ctx, tx, db, consoles); err != nil {
		return nil, a.mapErr(err)
	}
	stmts = append(stmts,
		// The console groups are the whole server's: CONNECT for them let
		// every office's console users into this database (before 0039).
		"REVOKE CONNECT ON DATABASE "+db+" FROM "+roleConsole+";",
		// The old server-wide passdb group needs no way in: its members
		// read the passdb by grants of their own (0016), listed above.
		"REVOKE CONNECT ON DATABASE "+db+" FROM "+rolePassdb+";",
		"REVOKE CONNECT, TEMPORARY ON DATABASE "+db+" FROM PUBLIC;",
		"REVOKE EXECUTE ON FUNCTION "+largeObjectCreators+" FROM PUBLIC;",
	)
	var hasPublic bool
	if err := tx.GetContext(ctx, &hasPublic, `SELECT to_regnamespace('public') IS NOT NULL`); err != nil {
		return nil, a.mapErr(err)
	}
	if hasPublic {
		stmts = append(stmts, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
	}
	for _, s := range stmts {
		if err := tryExec(ctx, tx, s); err != nil && !errors.Is(err, errNotAllowed) {
			return nil, a.mapErr(err)
		}
	}
	// A REVOKE by a role that holds the privilege only through PUBLIC is a
	// warning, not an error: what is still open is asked of the catalog.
	var open struct {
		Connect     bool `db:"connect"`
		Console     bool `db:"console"`
		Temp        bool `db:"temp"`
		LargeObject bool `db:"large_object"`
		Create      bool `db:"create_public"`
	}
	const stillOpen = `
		SELECT has_database_privilege('public', current_database(), 'CONNECT') AS connect,
		       EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) x
		                WHERE d.datname = current_database() AND x.privilege_type = 'CONNECT'
		                  AND x.grantee = 'resetdesk_console'::regrole) AS console,
		       has_database_privilege('public', current_database(), 'TEMPORARY') AS temp,
		       has_function_privilege('public', 'pg_catalog.lo_create(oid)', 'EXECUTE')
		           OR has_function_privilege('public', 'pg_catalog.lo_creat(integer)', 'EXECUTE')
		           OR has_function_privilege('public', 'pg_catalog.lo_from_bytea(oid, bytea)', 'EXECUTE') AS large_object,
		       coalesce(has_schema_privilege('public', to_regnamespace('public'), 'CREATE'), false) AS create_public`
	if err := tx.GetContext(ctx, &open, stillOpen); err != nil {
		return nil, a.mapErr(err)
	}
	// A DBA that does not own the database grants nothing on it either
	// (a warning too): whoever lacks CONNECT, once PUBLIC has none, is
	// named. While PUBLIC has it, everyone is, the DBA first: the
	// superuser's REVOKE would end its own way in.
	connectFor := append(slices.Clone(consoles), names...)
	if open.Connect || open.Temp {
		connectFor = append([]string{me.name}, connectFor...)
	}
	var advice []string
	for _, g := range connectFor {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT has_database_privilege($1, current_database(), 'CONNECT')`, g); err != nil {
			return nil, a.mapErr(err)
		}
		// While the console group keeps the CONNECT an older setup gave
		// it (this DBA may not revoke it), a console login has CONNECT
		// through the group, and would lose it with the REVOKE below
		// unless it has a grant of its own.
		if ok && open.Console && slices.Contains(consoles, g) {
			const ownGrant = `
				SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) x
				                WHERE d.datname = current_database() AND x.privilege_type = 'CONNECT'
				                  AND x.grantee = $1::regrole)`
			if err := tx.GetContext(ctx, &ok, ownGrant, g); err != nil {
				return nil, a.mapErr(err)
			}
		}
		if !ok || open.Connect {
			advice = append(advice, "GRANT CONNECT ON DATABASE "+db+" TO "+quoteIdent(g)+";")
		}
	}
	// The owner's self-service and relay logins get CONNECT from the
	// provisioner (0014, 0018).
	var option bool
	if err := tx.GetContext(ctx, &option, `SELECT has_database_privilege($1, current_database(), 'CONNECT WITH GRANT OPTION')`, roleProvisioner); err != nil {
		return nil, a.mapErr(err)
	}
	if !option {
		advice = append(advice, "GRANT CONNECT ON DATABASE "+db+" TO "+roleProvisioner+" WITH GRANT OPTION;")
	}
	if open.Console {
		advice = append(advice, "REVOKE CONNECT ON DATABASE "+db+" FROM "+roleConsole+";")
	}
	if open.Connect || open.Temp {
		advice = append(advice, "REVOKE CONNECT, TEMPORARY ON DATABASE "+db+" FROM PUBLIC;")
	}
	if open.LargeObject {
		advice = append(advice, "REVOKE EXECUTE ON FUNCTION "+largeObjectCreators+" FROM PUBLIC;")
	}
	if open.Create {
		advice = append(advice, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
	}

	more, err := consoleTimeouts(ctx, tx)
	if err != nil {
		return nil, a.mapErr(err)
	}
	advice = append(advice, more...)
	if more, err = selfServiceConnectionLimits(ctx, tx); err != nil {
		return nil, a.mapErr(err)
	}
	return append(advice, more...), a.mapErr(tx.Commit())
}

// rebindIfRestored links every row to the login that bears its name, in a
// database restored onto another server (0042), where every role was made
// again with a new OID. Only the definer may, which every DBA that setup
// runs as can become (the migrations run as it).
func rebindIfRestored(ctx context.Context, tx *sqlx.Tx) error {
	for _, s := range []string{"SET LOCAL ROLE " + roleDefiner, "SELECT resetdesk.rebind_logins_if_restored()", "RESET ROLE"} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// grantAsProvisioner grants CONNECT on db to each of logins as
// resetdesk_provisioner, which holds it with the grant option. A grant the
// provisioner may not make (a hosted DBA that does not own the database
// has not yet given it the option) is left to lockDown's advice, which
// names every login that still lacks CONNECT.
func grantAsProvisioner(ctx context.Context, tx *sqlx.Tx, db string, logins []string) error {
	if len(logins) == 0 {
		return nil
	}
	if err := tryExec(ctx, tx, "SET LOCAL ROLE "+roleProvisioner+";"); errors.Is(err, errNotAllowed) {
		return nil
	} else if err != nil {
		return err
	}
	for _, l := range logins {
		if err := tryExec(ctx, tx, "GRANT CONNECT ON DATABASE "+db+" TO "+quoteIdent(l)+";"); err != nil && !errors.Is(err, errNotAllowed) {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "RESET ROLE")
	return err
}

// selfServiceConnectionLimits gives every self-service login registered
// here that has no connection limit SelfServiceConnectionLimit; a limit
// the DBA chose is kept. It returns the statements it was not allowed to
// run.
func selfServiceConnectionLimits(ctx context.Context, tx *sqlx.Tx) ([]string, error) {
	var unlimited []string
	const q = `
		SELECT r.rolname FROM resetdesk.self_service_logins l JOIN pg_roles r ON r.rolname = l.db_role AND r.oid = l.db_role_oid
		 WHERE r.rolconnlimit < 0 AND NOT r.rolsuper ORDER BY 1`
	if err := tx.SelectContext(ctx, &unlimited, q); err != nil {
		return nil, err
	}
	var advice []string
	for _, r := range unlimited {
		s := fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d;", quoteIdent(r), SelfServiceConnectionLimit)
		if err := tryExec(ctx, tx, s); errors.Is(err, errNotAllowed) {
			advice = append(advice, s)
		} else if err != nil {
			return nil, err
		}
	}
	return advice, nil
}

// consoleTimeouts gives every console login that lacks them the session
// defaults of consoleSessionDefaults; a setting the DBA chose is kept. It
// returns the statements it was not allowed to run.
func consoleTimeouts(ctx context.Context, tx *sqlx.Tx) ([]string, error) {
	var missing []struct {
		Role    string `db:"rolname"`
		Setting string `db:"setting"`
	}
	const q = `
		SELECT r.rolname, d.setting
		  FROM resetdesk.users u
		  JOIN pg_roles r ON r.rolname = u.db_role AND r.oid = u.db_role_oid AND NOT r.rolsuper
		 CROSS JOIN unnest($1::text[]) d(setting)
		 WHERE NOT EXISTS (SELECT 1 FROM pg_db_role_setting s, unnest(s.setconfig) c
		                    WHERE s.setrole = r.oid AND s.setdatabase = 0
		                      AND c LIKE split_part(d.setting, ' ', 1) || '=%')
		 ORDER BY 1, 2`
	if err := tx.SelectContext(ctx, &missing, q, pq.StringArray(consoleSessionDefaults)); err != nil {
		return nil, err
	}
	var advice []string
	for _, m := range missing {
		s := "ALTER ROLE " + quoteIdent(m.Role) + " SET " + m.Setting + ";"
		if err := tryExec(ctx, tx, s); errors.Is(err, errNotAllowed) {
			advice = append(advice, s)
		} else if err != nil {
			return nil, err
		}
	}
	return advice, nil
}

var errNotAllowed = errors.New("not allowed")

// tryExec runs s under a savepoint. A refusal for lack of privilege
// (42501) is undone and reported as errNotAllowed; anything else is
// returned as it is.
func tryExec(ctx context.Context, tx *sqlx.Tx, s string) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT lock_down"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s)
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "42501" {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT lock_down"); err != nil {
			return err
		}
		return errNotAllowed
	}
	if err != nil {
		return fmt.Errorf("%s: %w", strings.TrimSuffix(s, ";"), err)
	}
	return nil
}
