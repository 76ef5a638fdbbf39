// Package data implements app's Directory on PostgreSQL with sqlx and lib/pq:
// the embedded migrations that build schema resetdesk, the setup commands a
// DBA runs once, and the queries a console user runs as their own login role.
// PostgreSQL enforces who may do what; this package only asks.
package data

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"resetdesk/app"
)

// DB is a connection pool signed in as one PostgreSQL role.
type DB struct {
	db    *sqlx.DB
	cfg   pq.Config
	trust Trust // how the server was proven: signing in again proves it the same way
	dial  *dialer
	// confirmWithSignIn: a reset the database refuses for want of a fresh
	// verification proves the sign-in password and tries once more.
	confirmWithSignIn bool
	relay             *relayState // a relay login's key (relay.go), shared by copies
}

// ConfirmWithSignInPassword is for the command line, whose password comes
// with the command and which signs in only to act: when the database wants
// the password confirmed before a reset (behind PgBouncer the connection
// never looks fresh to it), the pool proves the password it signed in with,
// then retries the reset once. The app's windows never use it: there the
// admin types the password for each reset.
func (d *DB) ConfirmWithSignInPassword() { d.confirmWithSignIn = true }

// reauthRefusal starts the database's sentence when a reset lacks a fresh
// verification (migration 0015).
const reauthRefusal = "Confirm your password first"

func needsReauth(err error) bool {
	var pqe *pq.Error
	return errors.As(err, &pqe) && pqe.Code == "42501" && strings.HasPrefix(pqe.Message, reauthRefusal)
}

// missingStatsGrant is the sentence for a database whose resetdesk_definer
// has lost pg_read_all_stats (a hosted server's DBA who granted it was
// removed): it cannot see when a connection signed in, so the database
// refuses every reset that relies on a fresh connection, and every check of
// an admin's password made by signing in again. Its refusal ("Confirm your
// password first") would send the admin to type a password that cannot help.
const missingStatsGrant = "The database is missing a grant that resets need, so no reset can be confirmed. " +
	"Ask whoever looks after the database to run `resetdesk setup` again, " +
	"or to run this as a superuser: GRANT pg_read_all_stats TO resetdesk_definer;"

// blameMissingGrant returns, for refused, a refusal of the database's
// check of a fresh sign-in, the missingStatsGrant error when that is its
// cause: resetdesk_definer lacks the privileges of pg_read_all_stats. It
// is internal, so that the cause goes to the log. Otherwise it returns nil.
func (d *DB) blameMissingGrant(ctx context.Context, refused error) error {
	var has bool
	const q = `SELECT pg_has_role('resetdesk_definer', 'pg_read_all_stats', 'USAGE')`
	if err := d.db.GetContext(ctx, &has, q); err != nil || has {
		return nil // the refusal says what it says
	}
	return &app.Error{Code: app.EINTERNAL, Message: missingStatsGrant,
		Err: fmt.Errorf("resetdesk_definer lacks the privileges of pg_read_all_stats, so pg_stat_activity hides when a connection signed in: %w", refused)}
}

// ParseConfig reads a connection string (a postgres:// URL or key=value pairs;
// the PG* environment variables fill in what it leaves out). Without an
// explicit sslmode, a loopback or socket server gets "prefer", as before,
// and any other "verify-full": a server on the network must prove who it is
// before it learns the role, let alone the password (see tls.go).
func ParseConfig(dsn string) (pq.Config, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		// The driver's message quotes the address, password and all: it
		// goes nowhere.
		return pq.Config{}, app.Errorf(app.EINVALID, "The database address is not valid. Check the host, port, database and role.")
	}
	defaultSSLMode(&cfg)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = "resetdesk"
	}
	return cfg, nil
}

func defaultSSLMode(cfg *pq.Config) {
	if cfg.SSLMode == "" {
		cfg.SSLMode = pq.SSLModeVerifyFull
		if isLoopback(cfg.Host) {
			cfg.SSLMode = pq.SSLModePrefer
		}
	}
}

// isLoopback is app.IsLoopbackHost, with loopbackIP deciding for an IP.
func isLoopback(host string) bool {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return loopbackIP(ip)
	}
	return app.IsLoopbackHost(host)
}

// Open connects with dsn and checks that the server answers.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenTrusted(ctx, dsn, Trust{})
}

// OpenTrusted connects with dsn, proving the server as t says, and checks
// that the server answers. A server that fails the proof is EUNTRUSTED;
// the first connection of a pinned profile is EUNTRUSTED with an
// *app.CertificateToConfirm, and sends nothing.
func OpenTrusted(ctx context.Context, dsn string, t Trust) (*DB, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, cfg, t)
}

// OpenConfig connects with a parsed configuration.
func OpenConfig(ctx context.Context, cfg pq.Config) (*DB, error) {
	return openConfig(ctx, cfg, Trust{})
}

func openConfig(ctx context.Context, cfg pq.Config, t Trust) (*DB, error) {
	// Parameters go with the query in one message (Parse, Bind, Execute,
	// Sync) instead of a Parse and Describe round trip first. Behind
	// PgBouncer in transaction mode the two halves of lib/pq's default could
	// reach different server connections: an unnamed statement lost, or
	// bound to another query's parameters. One round trip less per query on
	// a slow link, too. ResetDesk sends no []byte parameters, so nothing
	// travels in binary.
	cfg.BinaryParameters = true
	c, dl, err := newDialConnector(cfg, t)
	if err != nil {
		return nil, err
	}
	d := &DB{db: sqlx.NewDb(sql.OpenDB(c), "postgres"), cfg: cfg, trust: t, dial: dl, relay: &relayState{}}
	// A desktop client: a few connections are plenty, and idle ones should not
	// pin server slots for hours.
	d.db.SetMaxOpenConns(4)
	d.db.SetMaxIdleConns(2)
	d.db.SetConnMaxIdleTime(5 * time.Minute)
	// Sign in now, so that a wrong password or an unreachable server shows
	// at once; the connection then waits in the pool for the first query.
	// (A Ping would add a round trip of its own.)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		d.db.Close()
		return nil, d.mapErr(err)
	}
	conn.Close()
	return d, nil
}

// newConnector makes the driver's connector for cfg, whose connections go
// through the dialer of tls.go: it does the TLS, so the driver does none.
func newConnector(cfg pq.Config, t Trust) (*pq.Connector, error) {
	c, _, err := newDialConnector(cfg, t)
	return c, err
}

// newDialConnector is newConnector that also returns its dialer, which
// knows the certificate that proved the server.
func newDialConnector(cfg pq.Config, t Trust) (*pq.Connector, *dialer, error) {
	dl, err := newDialer(cfg, t)
	if err != nil {
		return nil, nil, err
	}
	cfg = cfg.Clone()
	cfg.SSLMode = pq.SSLModeDisable
	cfg.SSLNegotiation = ""
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, nil, app.Errorf(app.EINVALID, "The database address is not valid. Check the host, port, database and role.")
	}
	c.Dialer(dl)
	return c, dl, nil
}

// Close closes the pool.
func (d *DB) Close() error { return d.db.Close() }

// Role returns the role this pool signs in as.
func (d *DB) Role() string { return d.cfg.User }

// Endpoint returns where this pool connects: host, port and database.
func (d *DB) Endpoint() (host string, port int, database string) {
	return d.cfg.Host, int(d.cfg.Port), d.cfg.Database
}

// Trust returns how this pool proves its server, for signing in again
// later: a connection string's sslrootcert file counts as the CA file.
func (d *DB) Trust() Trust {
	t := d.trust
	if !t.Pinned && t.CAFile == "" && d.cfg.SSLRootCert != "system" {
		t.CAFile = d.cfg.SSLRootCert
	}
	return t
}

// ServerFingerprint is the SHA-256 fingerprint ("AB:CD:…") of the
// certificate with which the server last proved itself (verify-full,
// verify-ca or a pin), "" when nothing proved it (loopback, no TLS). The
// owner's self-service export carries it as the server's identity.
func (d *DB) ServerFingerprint() string { return d.dial.proven() }

// Server names the server for messages, as host:port.
func (d *DB) Server() string { return serverName(d.cfg) }

func serverName(cfg pq.Config) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return cfg.Host
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// VerifyPassword checks password against the signed-in role: "enter your
// password for verification". The database decides, never the client. Where
// setup could let the database read the role's SCRAM verifier, the client
// proves the password against a one-time challenge, as SCRAM does at sign
// in: no new connection, so it works behind PgBouncer, and the database
// counts a wrong proof itself. Elsewhere it signs in again on a separate
// connection, and the database records the verification because it sees
// that connection was authenticated moments ago; a wrong password is then
// reported from the pool (a report can only tighten). The next reset uses
// the verification up. Five wrong passwords in a row lock resets for 15
// minutes, which nothing but time ends. A wrong password, or a lock, is
// EUNAUTHORIZED.
func (d *DB) VerifyPassword(ctx context.Context, password string) error {
	var until sql.NullTime
	if err := d.db.GetContext(ctx, &until, `SELECT resetdesk.my_verification_lock()`); err != nil {
		return fmt.Errorf("data: verify: %w", d.mapErr(err))
	}
	if until.Valid {
		return lockedError(until.Time)
	}
	var ch struct {
		Nonce      string `db:"nonce"`
		Salt       string `db:"salt"`
		Iterations int    `db:"iterations"`
	}
	err := d.db.GetContext(ctx, &ch, `SELECT nonce, salt, iterations FROM resetdesk.begin_verification()`)
	switch {
	case err == nil:
		return d.proveVerification(ctx, password, ch.Nonce, ch.Salt, ch.Iterations)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("data: verify: %w", d.mapErr(err))
	}
	fresh, err := d.signInAgain(ctx, password)
	if err != nil {
		if app.ErrorCode(err) != app.EUNAUTHORIZED {
			return err // the server could not tell us; nothing to record
		}
		if rerr := d.db.GetContext(ctx, &until, `SELECT resetdesk.record_verification(false)`); rerr != nil {
			return fmt.Errorf("data: verify: %w", d.mapErr(rerr))
		}
		if until.Valid {
			return lockedError(until.Time)
		}
		return d.warnTriesLeft(ctx, err)
	}
	defer fresh.Close()
	if err := fresh.QueryRowContext(ctx, `SELECT resetdesk.record_verification(true)`).Scan(&until); err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && pqe.Code == "42501" {
			if gerr := d.blameMissingGrant(ctx, err); gerr != nil {
				return fmt.Errorf("data: verify: %w", gerr)
			}
		}
		return fmt.Errorf("data: verify: %w", d.mapErr(err))
	}
	if until.Valid {
		return lockedError(until.Time)
	}
	return nil
}

// proveVerification answers the database's challenge with a SCRAM-SHA-256
// client proof for password (RFC 5802): ClientKey XOR HMAC(StoredKey,
// message). The database holds StoredKey and checks it.
func (d *DB) proveVerification(ctx context.Context, password, nonce, salt string, iterations int) error {
	proof, err := reauthProof(password, d.cfg.User, nonce, salt, iterations)
	if err != nil {
		return &app.Error{Code: app.EINTERNAL, Message: "Internal error.", Err: err}
	}
	var r struct {
		OK    bool         `db:"ok"`
		Until sql.NullTime `db:"locked_until"`
	}
	if err := d.db.GetContext(ctx, &r, `SELECT ok, locked_until FROM resetdesk.finish_verification($1, $2)`, nonce, proof); err != nil {
		return fmt.Errorf("data: verify: %w", d.mapErr(err))
	}
	if r.Until.Valid {
		return lockedError(r.Until.Time)
	}
	if !r.OK {
		return d.warnTriesLeft(ctx, app.Errorf(app.EUNAUTHORIZED, "That is not your password (the one you signed in with as %s).", d.cfg.User))
	}
	return nil
}

// reauthProof computes the proof finish_verification checks, for the
// message "resetdesk-reauth,ROLE,NONCE". The role is the one the server knows
// as session_user: the name signed in with.
func reauthProof(password, role, nonce, salt string, iterations int) (string, error) {
	rawSalt, err := base64.StdEncoding.DecodeString(salt)
	if err != nil {
		return "", fmt.Errorf("reauth salt: %w", err)
	}
	if iterations < 1 || iterations > 1<<20 {
		return "", fmt.Errorf("reauth: %d iterations", iterations)
	}
	salted, err := pbkdf2.Key(sha256.New, password, rawSalt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	sig := mac(storedKey[:], "resetdesk-reauth,"+role+","+nonce)
	for i := range clientKey {
		clientKey[i] ^= sig[i]
	}
	return base64.StdEncoding.EncodeToString(clientKey), nil
}

// lockAfter is the number of wrong passwords in a row that lock resets
// (migration 0003).
const lockAfter = 5

// warnTriesLeft adds to a wrong password's sentence how many tries are
// left, once two or fewer are: the lock should not come as a surprise.
func (d *DB) warnTriesLeft(ctx context.Context, wrong error) error {
	var n int
	if err := d.db.GetContext(ctx, &n, `SELECT resetdesk.my_wrong_verifications()`); err != nil {
		return wrong // the warning is a courtesy; the wrong password is the news
	}
	switch left := lockAfter - n; {
	case left == 1:
		return app.Errorf(app.EUNAUTHORIZED, "%s 1 try left before resets lock for 15 minutes.", app.ErrorMessage(wrong))
	case left == 2:
		return app.Errorf(app.EUNAUTHORIZED, "%s 2 tries left before resets lock for 15 minutes.", app.ErrorMessage(wrong))
	}
	return wrong
}

func lockedError(until time.Time) error {
	return app.Errorf(app.EUNAUTHORIZED, "Resets are locked after %d wrong passwords. Try again after %s.", lockAfter, until.Local().Format("15:04 MST"))
}

// signInAgain opens one new connection as the same role with password, in
// a pool of one, so that what runs on it runs on that very connection.
func (d *DB) signInAgain(ctx context.Context, password string) (*sql.DB, error) {
	cfg := d.cfg.Clone()
	cfg.Password = password
	cfg.Passfile = ""
	c, err := newConnector(cfg, d.trust)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if isWrongPassword(err) {
			return nil, app.Errorf(app.EUNAUTHORIZED, "That is not your password (the one you signed in with as %s).", d.cfg.User)
		}
		return nil, d.mapErr(err)
	}
	return db, nil
}

// isWrongPassword reports whether the server refused the password.
// PostgreSQL says so with SQLSTATE 28P01; PgBouncer, which checks the
// password itself, with 08P01 ("SASL authentication failed", "password
// authentication failed"), a class that otherwise means a broken connection.
func isWrongPassword(err error) bool {
	var pqe *pq.Error
	if !errors.As(err, &pqe) {
		return false
	}
	return pqe.Code == "28P01" || (pqe.Code == "08P01" && strings.Contains(pqe.Message, "authentication failed"))
}

// mapErr turns driver and network errors into app errors with a sentence the
// admin can act on. It is the one place that knows SQLSTATEs.
func (d *DB) mapErr(err error) error { return mapErr(d.cfg, err) }

func mapErr(cfg pq.Config, err error) error {
	if err == nil {
		return nil
	}
	var ae *app.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &app.Error{Code: app.ENOTFOUND, Message: "Not found.", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The database at %s did not answer in time.", serverName(cfg)), Err: err}
	}
	if e := certificateError(serverName(cfg), err); e != nil {
		return e
	}
	var alert tls.AlertError
	var notTLS tls.RecordHeaderError
	switch {
	case errors.As(err, &alert):
		return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The database server %s broke off the TLS handshake (%s). Check its TLS settings, and a client certificate if it wants one, with your database administrator.", serverName(cfg), alert.Error()), Err: err}
	case errors.As(err, &notTLS):
		return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("What answers at %s does not speak TLS as a PostgreSQL server does. Check the host and port.", serverName(cfg)), Err: err}
	}
	var pqe *pq.Error
	if errors.As(err, &pqe) {
		switch {
		case isWrongPassword(err) || pqe.Code == "28000":
			return &app.Error{Code: app.EUNAUTHORIZED, Message: fmt.Sprintf("The database at %s refused the password for role %s.", serverName(cfg), cfg.User), Err: err}
		case (pqe.Code == "42501" || pqe.Code == "08P01") && strings.HasPrefix(pqe.Message, "permission denied for database"):
			// Setup lets only ResetDesk's own logins connect. PgBouncer
			// passes the server's refusal on as a protocol error (08P01)
			// with the server's message.
			return &app.Error{Code: app.EUNAUTHORIZED, Message: fmt.Sprintf(
				"The role %s may not connect to the database %q on %s: it is not a ResetDesk admin in this database (the owner may have disabled or removed it), nor one of its self-service or relay logins.",
				cfg.User, cfg.Database, serverName(cfg)), Err: err}
		case pqe.Code == "42501":
			msg := pqe.Message
			if strings.HasPrefix(msg, "permission denied") {
				msg = "The database refused: your role has no permission for that (" + msg + ")."
			}
			return &app.Error{Code: app.EUNAUTHORIZED, Message: msg, Err: err}
		case pqe.Code == "23514":
			return &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("The database refused a value outside its allowed range (%s).", pqe.Constraint), Err: err}
		case pqe.Code == "23505":
			return &app.Error{Code: app.ECONFLICT, Message: "That already exists in the directory.", Err: err}
		case pqe.Code == "55P03":
			return &app.Error{Code: app.EUNAVAILABLE, Message: "Another session is holding the rows this needs (an end user finishing a reset, or another admin), so nothing was changed. Try again in a moment; if it keeps happening, the database administrator can find the session in pg_stat_activity.", Err: err}
		case pqe.Code == "57014" && strings.Contains(pqe.Message, "statement timeout"):
			return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The database at %s stopped the step because it took too long, so nothing was changed. Try again in a moment.", serverName(cfg)), Err: err}
		case pqe.Code == "25P03":
			return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The database at %s closed a transaction left open too long, so nothing was changed. Try again.", serverName(cfg)), Err: err}
		case pqe.Code == "3D000":
			return &app.Error{Code: app.ENOTFOUND, Message: fmt.Sprintf("The database %q does not exist on %s.", cfg.Database, serverName(cfg)), Err: err}
		case pqe.Code == "3F000" || pqe.Code == "42P01" || pqe.Code == "42883":
			return &app.Error{Code: app.ENOTFOUND, Message: fmt.Sprintf("ResetDesk is not set up in database %q on %s: run `resetdesk setup` first.", cfg.Database, serverName(cfg)), Err: err}
		case pqe.Code == "22023" || pqe.Code == "54000" || pqe.Code == "P0001":
			return &app.Error{Code: app.EINVALID, Message: pqe.Message, Err: err}
		case pqe.Code.Class() == "08" || pqe.Code.Class() == "57":
			return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The connection to the database at %s was lost. Nothing was changed by the failed step; try again.", serverName(cfg)), Err: err}
		}
		return &app.Error{Code: app.EINTERNAL, Message: "Internal error.", Err: err}
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") {
		return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("Could not reach the database at %s. Check that the server is running and try again.", serverName(cfg)), Err: err}
	}
	if errors.Is(err, pq.ErrSSLNotSupported) {
		return &app.Error{Code: app.EUNAVAILABLE, Message: fmt.Sprintf("The database at %s does not offer TLS, and ResetDesk requires it for a server that is not on this machine. Enable SSL on the server, or set sslmode explicitly if you accept the risk.", serverName(cfg)), Err: err}
	}
	return &app.Error{Code: app.EINTERNAL, Message: "Internal error.", Err: err}
}
