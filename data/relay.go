package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"resetdesk/app"
)

// The office mail relay (migrations 0018 and 0020): the queries of `resetdesk relay`,
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
// "email the new password" messages (ids from ApplyReset, kind password),
// each sealed to every registered relay's public key (NaCl sealed box to
// X25519): the database keeps only what a relay's private key opens. The
// keys are those the reset itself read (ApplyReset), so this costs one
// round trip; a key that changed since is read again. A password that
// could not be queued is still the admin's to hand over.
func (d *DB) QueuePasswordMails(ctx context.Context, ids []int64, passwords []string) error {
	if len(ids) == 0 {
		return nil
	}
	keys, fresh := d.relay.sealKeys(), false
	for {
		if keys == nil {
			var err error
			if keys, err = d.relayPublicKeys(ctx); err != nil {
				return fmt.Errorf("data: queue password mails: %w", err)
			}
			fresh = true
		}
		if len(keys) == 0 {
			return app.Errorf(app.EUNAVAILABLE, "The office mail relay is not set up yet (no relay has started with its login), so the password was not emailed: hand it over, or start `resetdesk relay` and Resend.")
		}
		queued, err := d.queueSealed(ctx, ids, passwords, keys)
		if err != nil {
			return fmt.Errorf("data: queue password mails: %w", err)
		}
		if queued == len(ids)*len(keys) {
			return nil
		}
		if fresh {
			return app.Errorf(app.EUNAVAILABLE, "Not every emailed password could be queued for the office mail relay: hand them over, or Resend.")
		}
		// A relay's key changed since the reset read them: seal to the
		// keys as they are now that were not sealed to yet.
		now, err := d.relayPublicKeys(ctx)
		if err != nil {
			return fmt.Errorf("data: queue password mails: %w", err)
		}
		d.relay.keepSealKeys(nil)
		keys, fresh = newKeys(now, keys), true
		if len(keys) == 0 {
			return app.Errorf(app.EUNAVAILABLE, "Not every emailed password could be queued for the office mail relay: hand them over, or Resend.")
		}
	}
}

// sealKey is a relay login's public key as a console reads it.
type sealKey struct {
	role string
	key  [32]byte
}

// parseSealKeys reads relay_public_keys' "role:hex" pairs.
func parseSealKeys(pairs []string) ([]sealKey, error) {
	out := make([]sealKey, 0, len(pairs))
	for _, p := range pairs {
		role, h, _ := strings.Cut(p, ":")
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 || role == "" {
			return nil, app.Errorf(app.EINTERNAL, "The office mail relay's registered key is not 32 bytes.")
		}
		k := sealKey{role: role}
		copy(k.key[:], b)
		out = append(out, k)
	}
	return out, nil
}

// newKeys is the keys of now that are not in before.
func newKeys(now, before []sealKey) []sealKey {
	out := []sealKey{}
	for _, k := range now {
		if !slices.Contains(before, k) {
			out = append(out, k)
		}
	}
	return out
}

func (d *DB) relayPublicKeys(ctx context.Context) ([]sealKey, error) {
	var pairs pq.StringArray
	const q = `SELECT coalesce(array_agg(k.db_role || ':' || k.public_key), '{}') FROM resetdesk.relay_public_keys() k`
	if err := d.db.GetContext(ctx, &pairs, q); err != nil {
		return nil, d.mapErr(err)
	}
	return parseSealKeys(pairs)
}

// queueSealed seals each password to each key and queues them all in one
// statement; it returns how many were queued.
func (d *DB) queueSealed(ctx context.Context, ids []int64, passwords []string, keys []sealKey) (int, error) {
	n := len(ids) * len(keys)
	qIDs, qRelays, qKeys, qSealed := make([]int64, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	for _, k := range keys {
		for i, id := range ids {
			sealed, err := box.SealAnonymous(nil, []byte(passwords[i]), &k.key, rand.Reader)
			if err != nil {
				return 0, &app.Error{Code: app.EINTERNAL, Message: "Could not seal the password for the office mail relay.", Err: err}
			}
			qIDs, qRelays, qKeys = append(qIDs, id), append(qRelays, k.role), append(qKeys, hex.EncodeToString(k.key[:]))
			qSealed = append(qSealed, hex.EncodeToString(sealed))
		}
	}
	const q = `SELECT resetdesk.queue_password_mails($1, $2, $3, $4)`
	var queued int
	if err := d.db.GetContext(ctx, &queued, q, pq.Int64Array(qIDs), pq.StringArray(qRelays), pq.StringArray(qKeys), pq.StringArray(qSealed)); err != nil {
		return 0, d.mapErr(err)
	}
	return queued, nil
}

// RelayStatus says when a relay was last seen and what waits for it.
func (d *DB) RelayStatus(ctx context.Context) (app.RelayStatus, error) {
	var r struct {
		LastSeen sql.NullTime `db:"last_seen"`
		Waiting  int          `db:"waiting"`
		Oldest   sql.NullTime `db:"oldest"`
		Now      time.Time    `db:"server_now"`
	}
	if err := d.db.GetContext(ctx, &r, `SELECT last_seen, waiting, oldest, server_now FROM resetdesk.relay_status()`); err != nil {
		return app.RelayStatus{}, fmt.Errorf("data: relay status: %w", d.mapErr(err))
	}
	return app.RelayStatus{LastSeen: r.LastSeen.Time, Waiting: r.Waiting, Oldest: r.Oldest.Time, Now: r.Now}, nil
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
	SELECT id, kind, to_address, sealed, expires_at, user_name, login, org_name, instructions, time_zone,
	       must_change, attempts
	  FROM resetdesk.relay_next()`

// RelayOne takes the oldest due message that no other relay holds, calls
// send with it and records the outcome, in one transaction: the message
// stays locked while send runs, so two relays never send it both, and a
// relay that dies half way lets go of it with its connection (it is then
// sent again: at least once).
//
// A one-time password's code is made here, just before send, and only its
// hash reaches the database (relay_set_code, in the same transaction). A
// relay that dies after the mail server took the mail but before the
// commit leaves that hash unwritten: the code in that mail never works,
// and the message goes out again with a new code. An emailed set password
// arrives sealed to this relay's key and is opened here.
//
// It reports whether there was a message.
func (d *DB) RelayOne(ctx context.Context, send func(RelayMessage) RelayOutcome) (bool, error) {
	key, err := d.relayIdentity(ctx)
	if err != nil {
		return false, err
	}
	// Not bound to ctx: database/sql rolls a transaction back the moment
	// its context ends, and a relay stopped (SIGTERM) while the mail server
	// takes a message must still commit that it went. ctx still cuts short
	// the wait for the next message below.
	tx, err := d.db.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return false, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	defer tx.Rollback()
	var r struct {
		ID           int64          `db:"id"`
		Kind         string         `db:"kind"`
		To           string         `db:"to_address"`
		Sealed       sql.NullString `db:"sealed"`
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
		DeliveryID: r.ID, Kind: app.DeliveryKind(r.Kind), To: r.To,
		ExpiresAt: r.ExpiresAt.Time, UserName: r.UserName.String, Login: r.Login.String, OrgName: r.OrgName.String,
		Instructions: r.Instructions.String, TimeZone: r.TimeZone.String,
		MustChange: (r.Kind == string(app.KindPassword) || r.Kind == string(app.KindPasswordNotice)) && r.MustChange.Bool,
	}}
	var out RelayOutcome
	switch m.Notice.Kind {
	case app.KindOneTimePassword:
		out, err = d.relayCode(ctx, tx, &m)
	case app.KindPassword:
		out = key.open(r.Sealed.String, &m)
	}
	if err != nil {
		return true, err
	}
	if out.Status == "" {
		out = send(m)
	}
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

// relayCode makes the code of a one-time password message and gives its
// hash to the database. The outcome is set (failed) when the message's
// reset was used, replaced or expired since it was taken: nothing to send.
func (d *DB) relayCode(ctx context.Context, tx *sqlx.Tx, m *RelayMessage) (RelayOutcome, error) {
	code, err := app.NewOneTimeCode()
	if err != nil {
		return RelayOutcome{}, &app.Error{Code: app.EINTERNAL, Message: "Could not make a random one-time password.", Err: err}
	}
	var live bool
	if err := tx.GetContext(ctx, &live, `SELECT resetdesk.relay_set_code($1, $2)`, m.Notice.DeliveryID, app.HashCode(code)); err != nil {
		return RelayOutcome{}, fmt.Errorf("data: relay: %w", d.mapErr(err))
	}
	if !live {
		return RelayOutcome{Status: app.DeliveryFailed,
			Error: "The one-time password was used, replaced by a newer reset or expired before the relay could send it."}, nil
	}
	m.Notice.Secret = code
	return RelayOutcome{}, nil
}

// relayKey is a relay's X25519 key pair. The private half is made from the
// relay login's database password each time the relay starts and is never
// stored; the public half is registered in the database for the admins'
// clients to seal emailed passwords to.
type relayKey struct {
	public, private [32]byte
}

// relayKeyFromPassword derives role's key pair from its database password
// with argon2id (ResetDesk's password parameters), salted with the role's
// name: the public key, which every console can read, is as slow to test a
// guessed password against as a user's password hash.
func relayKeyFromPassword(role, password string) (*relayKey, error) {
	salt := sha256.Sum256([]byte("resetdesk relay key\x00" + role))
	k := &relayKey{}
	copy(k.private[:], argon2.IDKey([]byte(password), salt[:16], 2, 19*1024, 1, 32))
	pub, err := curve25519.X25519(k.private[:], curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	copy(k.public[:], pub)
	return k, nil
}

// open puts the password sealed for this relay into m, or says why it
// cannot be sent.
func (k *relayKey) open(sealedHex string, m *RelayMessage) RelayOutcome {
	if k == nil {
		return RelayOutcome{Status: app.DeliveryFailed,
			Error: "This relay signed in without a password, so it has no key to open an emailed password with. Resend, or hand the password over."}
	}
	sealed, err := hex.DecodeString(sealedHex)
	var pw []byte
	ok := false
	if err == nil {
		pw, ok = box.OpenAnonymous(nil, sealed, &k.public, &k.private)
	}
	if !ok {
		return RelayOutcome{Status: app.DeliveryFailed,
			Error: "The relay could not open the password sealed for it (was its password changed?). Resend, or hand the password over."}
	}
	m.Notice.Secret = string(pw)
	return RelayOutcome{}
}

// relayState is what a connection knows of the relay: a relay login's own
// key pair, once made and registered; a console's copy of the relays'
// public keys as its last reset with an emailed password read them.
type relayState struct {
	mu     sync.Mutex
	key    *relayKey
	sealTo []string
}

// keepSealKeys keeps the relays' public keys ("role:hex") a reset read.
func (s *relayState) keepSealKeys(pairs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealTo = slices.Clone(pairs)
}

// sealKeys is the kept keys; nil when there are none to trust.
func (s *relayState) sealKeys() []sealKey {
	s.mu.Lock()
	pairs := s.sealTo
	s.mu.Unlock()
	if pairs == nil {
		return nil
	}
	keys, err := parseSealKeys(pairs)
	if err != nil {
		return nil
	}
	return keys
}

// RegisterRelayKey makes this relay login's key pair from the password it
// signed in with and registers the public key (migration 0020), so that
// admins' clients can seal emailed passwords to it, and says whether it
// did. RelayOne and RelayHeartbeat do it on their first call; `resetdesk
// relay` does it as it starts, to say at once what a relay signed in
// without a password (peer or certificate authentication) cannot do: it
// has no key, so emailed set passwords are refused at the reset until a
// relay with one has started; codes and notices go out as ever.
func (d *DB) RegisterRelayKey(ctx context.Context) (bool, error) {
	k, err := d.relayIdentity(ctx)
	return k != nil, err
}

// relayIdentity is this relay's key pair, made and registered on the first
// call; nil when the connection has no password to make it from.
func (d *DB) relayIdentity(ctx context.Context) (*relayKey, error) {
	d.relay.mu.Lock()
	defer d.relay.mu.Unlock()
	if d.relay.key != nil || d.cfg.Password == "" {
		return d.relay.key, nil
	}
	k, err := relayKeyFromPassword(d.cfg.User, d.cfg.Password)
	if err != nil {
		return nil, &app.Error{Code: app.EINTERNAL, Message: "Could not make the relay's key.", Err: err}
	}
	if _, err := d.db.ExecContext(ctx, `SELECT resetdesk.relay_register_key($1)`, hex.EncodeToString(k.public[:])); err != nil {
		return nil, fmt.Errorf("data: relay key: %w", d.mapErr(err))
	}
	d.relay.key = k
	return k, nil
}

// RelayHeartbeat says this relay (instance: host and process) is alive.
// Its first call also registers the relay's key (RegisterRelayKey), so a
// relay that shows as running can be sealed to.
func (d *DB) RelayHeartbeat(ctx context.Context, instance string) error {
	if _, err := d.relayIdentity(ctx); err != nil {
		return err
	}
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
