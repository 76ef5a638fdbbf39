package data

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lib/pq"

	"resetdesk/app"
)

// The office mail relay (migration 0015): the queries of `resetdesk relay`,
// signed in as a login in resetdesk_relay, and what a console reads of it.

// OutboxChannel is the NOTIFY channel a reset with the relay on wakes the
// relay with.
const OutboxChannel = "resetdesk_outbox"

var _ app.RelayProvisioner = (*Admin)(nil)

// relayLogin is the relay's kind of login; it needs no session defaults of
// its own.
var relayLogin = serviceLogin{group: "resetdesk_relay", table: "relay_logins",
	action: "add_relay_login", name: "mail relay login"}

// AddRelayLogin creates a login role in resetdesk_relay, registers it as a
// relay of this database and lets it connect here, and nowhere else.
func (a *Admin) AddRelayLogin(ctx context.Context, l app.SelfServiceLogin) error {
	return a.addServiceLogin(ctx, relayLogin, l)
}

var _ app.RelayProvisioner = (*DB)(nil)

// AddRelayLogin makes a relay login on the owner's connection, through the
// database's add_relay_login, which refuses anyone but the owner. The
// password leaves this process only as a SCRAM verifier.
func (d *DB) AddRelayLogin(ctx context.Context, l app.SelfServiceLogin) error {
	return d.addServiceLogin(ctx, relayLogin, l)
}

// QueuePasswordMails hands the relay the set passwords of a reset's
// "email the new password" messages (ids from ApplyReset, kind password).
func (d *DB) QueuePasswordMails(ctx context.Context, ids []int64, passwords []string) error {
	if len(ids) == 0 {
		return nil
	}
	const q = `SELECT resetdesk.queue_password_mails($1, $2)`
	if _, err := d.db.ExecContext(ctx, q, pq.Int64Array(ids), pq.StringArray(passwords)); err != nil {
		return fmt.Errorf("data: queue password mails: %w", d.mapErr(err))
	}
	return nil
}

// RelayStatus says when a relay was last seen and what waits for it.
func (d *DB) RelayStatus(ctx context.Context) (app.RelayStatus, error) {
	var r struct {
		LastSeen sql.NullTime `db:"last_seen"`
		Waiting  int          `db:"waiting"`
		Oldest   sql.NullTime `db:"oldest"`
	}
	if err := d.db.GetContext(ctx, &r, `SELECT last_seen, waiting, oldest FROM resetdesk.relay_status()`); err != nil {
		return app.RelayStatus{}, fmt.Errorf("data: relay status: %w", d.mapErr(err))
	}
	return app.RelayStatus{LastSeen: r.LastSeen.Time, Waiting: r.Waiting, Oldest: r.Oldest.Time}, nil
}

// RelayMessage is a queued message the relay holds: its notice (secret
// included) and how many times it was tried before.
type RelayMessage struct {
	Notice   app.Notice
	Attempts int
}

// RelayOutcome is what became of a message the relay tried to send.
type RelayOutcome struct {
	Status     app.DeliveryStatus // DeliverySent, DeliveryFailed, or DeliveryPending to try again
	Error      string             // the mail server's words, when not sent
	RetryAfter time.Duration      // with DeliveryPending: when to try again
}

const relayNext = `
	SELECT id, kind, to_address, secret, expires_at, user_name, login, org_name, instructions, time_zone,
	       must_change, attempts
	  FROM resetdesk.relay_next()`

// RelayOne takes the oldest due message that no other relay holds, calls
// send with it and records the outcome, in one transaction: the message
// stays locked while send runs, so two relays never send it both, and a
// relay that dies half way lets go of it with its connection (it is then
// sent again: at least once). It reports whether there was a message.
func (d *DB) RelayOne(ctx context.Context, send func(RelayMessage) RelayOutcome) (bool, error) {
	tx, err := d.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	defer tx.Rollback()
	var r struct {
		ID           int64          `db:"id"`
		Kind         string         `db:"kind"`
		To           string         `db:"to_address"`
		Secret       sql.NullString `db:"secret"`
		ExpiresAt    sql.NullTime   `db:"expires_at"`
		UserName     sql.NullString `db:"user_name"`
		Login        sql.NullString `db:"login"`
		OrgName      sql.NullString `db:"org_name"`
		Instructions sql.NullString `db:"instructions"`
		TimeZone     sql.NullString `db:"time_zone"`
		MustChange   sql.NullBool   `db:"must_change"`
		Attempts     int            `db:"attempts"`
	}
	if err := tx.GetContext(ctx, &r, relayNext); err != nil {
		if err == sql.ErrNoRows {
			return false, d.mapErr(tx.Commit()) // keeps the sweep of expired secrets
		}
		return false, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	m := RelayMessage{Attempts: r.Attempts, Notice: app.Notice{
		DeliveryID: r.ID, Kind: app.DeliveryKind(r.Kind), To: r.To, Secret: r.Secret.String,
		ExpiresAt: r.ExpiresAt.Time, UserName: r.UserName.String, Login: r.Login.String, OrgName: r.OrgName.String,
		Instructions: r.Instructions.String, TimeZone: r.TimeZone.String,
		MustChange: r.Kind == string(app.KindPassword) && r.MustChange.Bool,
	}}
	out := send(m)
	status := "retry"
	switch out.Status {
	case app.DeliverySent:
		status = "sent"
	case app.DeliveryFailed:
		status = "failed"
	}
	const done = `SELECT resetdesk.relay_done($1, $2, $3, make_interval(secs => $4))`
	var errText sql.NullString
	if out.Error != "" {
		errText = sql.NullString{String: out.Error, Valid: true}
	}
	// The outcome is recorded whatever happened to ctx: the mail went or not.
	wctx := context.WithoutCancel(ctx)
	if _, err := tx.ExecContext(wctx, done, r.ID, status, errText, out.RetryAfter.Seconds()); err != nil {
		return true, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return true, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	return true, nil
}

// RelayHeartbeat says this relay (instance: host and process) is alive.
func (d *DB) RelayHeartbeat(ctx context.Context, instance string) error {
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.relay_heartbeat($1)`, instance); err != nil {
		return fmt.Errorf("data: relay heartbeat: %w", d.mapErr(err))
	}
	return nil
}

// ListenOutbox listens on OutboxChannel with its own connection to the
// server of dsn, proven as t says, reconnecting when it drops (the
// listener then sends a nil notification: the relay looks at the outbox).
func ListenOutbox(dsn string, t Trust) (*pq.Listener, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	dl, err := newDialer(cfg, t)
	if err != nil {
		return nil, err
	}
	plain, err := withoutTLS(dsn)
	if err != nil {
		return nil, err
	}
	l := pq.NewDialListener(dl, plain, time.Second, 30*time.Second, nil)
	if err := l.Listen(OutboxChannel); err != nil {
		l.Close()
		return nil, fmt.Errorf("data: listen: %w", mapErr(cfg, err))
	}
	return l, nil
}

// withoutTLS is dsn with sslmode=disable: the dialer of tls.go does the TLS,
// so the driver must not ask for it again.
func withoutTLS(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", app.Errorf(app.EINVALID, "The database address is not valid. Check the host, port, database and role.")
		}
		q := u.Query()
		q.Set("sslmode", "disable")
		for _, k := range []string{"sslrootcert", "sslcert", "sslkey", "sslnegotiation"} {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " sslmode=disable", nil
}
