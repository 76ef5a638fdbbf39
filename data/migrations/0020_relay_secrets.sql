-- 0020: the office mail relay keeps no secret in plaintext (issue 12).
--
-- 0018 made each one-time code in PostgreSQL and kept the code itself in
-- one_time_codes, and kept an emailed set password in mail_secrets, until
-- sent or expired: plaintext in the heap, the WAL and every backup, for any
-- superuser to read. Now:
--
-- * A one-time password written with the relay on has no hash at all
--   (code_hash NULL): nobody can redeem it. The relay makes the code at send
--   time (crypto/rand, app.NewOneTimeCode), in the transaction that holds the
--   message, stores only its hash through relay_set_code, sends the mail and
--   records it sent. A relay killed before its commit leaves the row without
--   a hash again, and the next relay sends a new code: the earlier mail's
--   code answers "invalid", as any wrong code does.
-- * An emailed set password arrives sealed by the admin's client to each
--   registered relay's X25519 key (NaCl sealed box): mail_secrets holds only
--   ciphertext, and only a relay's private key, made from its own database
--   password and never stored, opens it.
--
-- The plaintext tables are dropped, not emptied: DROP unlinks their files,
-- where DELETE would leave dead tuples until a vacuum. A password mail that
-- was waiting for the relay when this ran loses its password with them and
-- fails after 10 minutes (Resend makes a new one); a waiting code's mail gets
-- a new code from the relay.

DROP FUNCTION relay_next();
DROP FUNCTION queued_secret(bigint);
DROP FUNCTION queue_password_mails(bigint[], text[]);
DROP FUNCTION new_one_time_code();
DROP FUNCTION one_time_code(bytea);
DROP FUNCTION code_char(bytea, integer);
DROP FUNCTION one_time_code_hash(text);
DROP TABLE one_time_codes;
DROP TABLE mail_secrets;

-- No hash: no code exists yet, so none can be redeemed.
ALTER TABLE one_time_passwords ALTER COLUMN code_hash DROP NOT NULL;

-- The transaction of the relay that took a message (relay_next): only it
-- may give the message's code a hash or record the message's outcome.
ALTER TABLE mail_deliveries ADD COLUMN claimed_xact bigint;

-- Each relay login's public key (X25519, 32 bytes), registered by the relay
-- itself as it starts. Public, but read only through relay_public_keys.
CREATE TABLE relay_keys (
    db_role       name PRIMARY KEY REFERENCES relay_logins (db_role) ON DELETE CASCADE,
    public_key    bytea NOT NULL CHECK (octet_length(public_key) = 32),
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- An emailed set password, sealed to one relay's key: one row per relay.
-- No grant to anyone; the sealed box is the password plus 48 bytes.
CREATE TABLE mail_secrets (
    delivery_id bigint NOT NULL REFERENCES mail_deliveries (id) ON DELETE CASCADE,
    relay_role  name NOT NULL,
    public_key  bytea NOT NULL,
    sealed      bytea NOT NULL CHECK (octet_length(sealed) BETWEEN 49 AND 1100),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (delivery_id, relay_role)
);
ALTER TABLE mail_secrets ENABLE ROW LEVEL SECURITY;

-- With the relay on, a reset's one-time passwords keep no hash, whatever the
-- client sent: the relay gives each one when it sends its mail.
CREATE OR REPLACE FUNCTION one_time_passwords_by_server() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    UPDATE one_time_passwords p SET code_hash = NULL
      FROM new_rows n JOIN users u ON u.id = n.user_id JOIN orgs o ON o.id = u.org_id
     WHERE p.id = n.id AND o.mail_relay;
    RETURN NULL;
END $$;

-- 0018's trigger, and: a reset that would queue an emailed password while
-- no relay has registered a key is refused whole, before anything changes,
-- rather than queue what no relay could open.
CREATE OR REPLACE FUNCTION mail_deliveries_via_relay() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    queued integer;
BEGIN
    UPDATE mail_deliveries d SET via_relay = true
      FROM new_rows n JOIN users u ON u.id = n.user_id JOIN orgs o ON o.id = u.org_id
     WHERE d.id = n.id AND n.kind <> 'test' AND o.mail_relay;
    GET DIAGNOSTICS queued = ROW_COUNT;
    IF queued > 0 THEN
        IF EXISTS (SELECT 1 FROM new_rows n JOIN users u ON u.id = n.user_id JOIN orgs o ON o.id = u.org_id
                    WHERE n.kind = 'password' AND o.mail_relay)
           AND NOT EXISTS (SELECT 1 FROM relay_keys k JOIN relay_logins l ON l.db_role = k.db_role) THEN
            RAISE EXCEPTION 'The office mail relay is not set up yet: no relay has started with its login, so no relay could open an emailed password. Nothing was changed. Start `resetdesk relay` (its login comes from `resetdesk relay add`), or reset without emailing the password and hand it over.';
        END IF;
        PERFORM pg_notify('resetdesk_outbox', '');
    END IF;
    RETURN NULL;
END $$;

-- The one-time password a relay message of kind one_time_password is for
-- (same user, same transaction), while it may still be given a code: not
-- used, not voided by a newer reset or by wrong tries, not expired.
CREATE FUNCTION relay_code_row(p_id bigint) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT p.id
      FROM mail_deliveries d
      JOIN one_time_passwords p ON p.user_id = d.user_id AND p.created_at = d.created_at
     WHERE d.id = p_id AND d.kind = 'one_time_password'
       AND p.used_at IS NULL AND p.voided_at IS NULL AND p.expires_at > now()
     ORDER BY p.id DESC LIMIT 1
$$;

-- A relay registers its public key as it starts (and again whenever its
-- password, and so its key, changed). Passwords sealed to its earlier key
-- can no longer be opened by anyone: they are deleted.
CREATE FUNCTION relay_register_key(p_public_key text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
BEGIN
    PERFORM require_relay();
    IF p_public_key IS NULL OR p_public_key !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'A relay key is 32 bytes of hex.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO relay_keys (db_role, public_key) VALUES (session_user, decode(p_public_key, 'hex'))
    ON CONFLICT (db_role) DO UPDATE SET public_key = EXCLUDED.public_key, registered_at = now()
     WHERE relay_keys.public_key <> EXCLUDED.public_key;
    IF FOUND THEN
        DELETE FROM mail_secrets WHERE relay_role = session_user AND public_key <> decode(p_public_key, 'hex');
        INSERT INTO audit_events (action, details)
        VALUES ('relay_key', jsonb_build_object('db_role', session_user, 'public_key', p_public_key));
    END IF;
END $$;

-- The keys a console seals an emailed password to: those of the relay
-- logins registered for this database.
CREATE FUNCTION relay_public_keys() RETURNS TABLE (db_role name, public_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT k.db_role, encode(k.public_key, 'hex')
      FROM relay_keys k JOIN relay_logins l ON l.db_role = k.db_role
     ORDER BY k.db_role
$$;

-- The session that made a set-password reset queues its emailed passwords,
-- sealed: p_sealed[i] (hex) is the password of delivery p_ids[i] sealed to
-- the key p_keys[i] of relay p_relays[i]. Only its own pending relay rows of
-- kind password take one, and only for a key that is registered now.
CREATE FUNCTION queue_password_mails(p_ids bigint[], p_relays text[], p_keys text[], p_sealed text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
    n integer := coalesce(cardinality(p_ids), 0);
BEGIN
    IF coalesce(cardinality(p_relays), 0) <> n OR coalesce(cardinality(p_keys), 0) <> n
       OR coalesce(cardinality(p_sealed), 0) <> n OR n > 3000 THEN
        RAISE EXCEPTION 'The sealed passwords must match the deliveries and relays (at most 3000).' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_keys, p_sealed) AS e(k, s)
                WHERE e.k IS NULL OR e.k !~ '^[0-9a-f]{64}$'
                   OR e.s IS NULL OR length(e.s) NOT BETWEEN 98 AND 2200 OR e.s !~ '^([0-9a-f]{2})+$') THEN
        RAISE EXCEPTION 'A sealed password is not hex of the right size.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO mail_secrets (delivery_id, relay_role, public_key, sealed, expires_at)
    SELECT d.id, k.db_role, k.public_key, decode(e.s, 'hex'), coalesce(u.password_expires_at, now() + o.temp_password_ttl)
      FROM unnest(p_ids, p_relays, p_keys, p_sealed) AS e(id, relay, k, s)
      JOIN relay_keys k ON k.db_role = e.relay AND k.public_key = decode(e.k, 'hex')
      JOIN relay_logins l ON l.db_role = k.db_role
      JOIN mail_deliveries d ON d.id = e.id
      JOIN users u ON u.id = d.user_id AND u.org_id = a.org_id
      JOIN orgs o ON o.id = u.org_id
     WHERE d.via_relay AND d.kind = 'password' AND d.status = 'pending' AND d.created_by = session_user
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_notify('resetdesk_outbox', '');
    RETURN n;
END $$;

-- 0018's relay_next, with no secret to hand out but a sealed password: the
-- relay takes the oldest message that is due, that it can send (a code's
-- reset is still live; a password is sealed to this relay's current key)
-- and that no other relay holds, keeps it locked until its transaction
-- ends, and is recorded as the transaction that took it. Before that,
-- messages that can no longer be sent fail, and expired sealed passwords
-- are deleted.
CREATE FUNCTION relay_next()
RETURNS TABLE (id bigint, kind text, to_address text, sealed text, expires_at timestamptz, user_name text,
               login text, org_name text, instructions text, time_zone text, must_change boolean, attempts integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_id bigint;
BEGIN
    PERFORM require_relay();
    UPDATE mail_deliveries d
       SET status = 'failed',
           last_error = CASE WHEN d.kind = 'one_time_password'
                             THEN 'The one-time password expired, or a newer reset replaced it, before the relay could send it.'
                             ELSE 'The password expired, or never reached the relay, before the relay could send it.' END
     WHERE d.id IN (SELECT x.id FROM mail_deliveries x
                     WHERE x.via_relay AND x.status = 'pending'
                       AND ((x.kind = 'one_time_password' AND relay_code_row(x.id) IS NULL)
                            OR (x.kind = 'password'
                                AND (EXISTS (SELECT 1 FROM mail_secrets s WHERE s.delivery_id = x.id AND s.expires_at < now())
                                     OR (NOT EXISTS (SELECT 1 FROM mail_secrets s WHERE s.delivery_id = x.id)
                                         AND x.created_at < now() - interval '10 minutes'))))
                       FOR UPDATE OF x SKIP LOCKED);
    DELETE FROM mail_secrets s WHERE s.expires_at < now();
    SELECT x.id INTO v_id
      FROM mail_deliveries x
     WHERE x.via_relay AND x.status = 'pending' AND x.next_attempt_at <= now()
       AND (x.kind <> 'one_time_password' OR relay_code_row(x.id) IS NOT NULL)
       AND (x.kind <> 'password'
            OR EXISTS (SELECT 1 FROM mail_secrets s JOIN relay_keys k ON k.db_role = s.relay_role AND k.public_key = s.public_key
                        WHERE s.delivery_id = x.id AND s.relay_role = session_user))
     ORDER BY x.id LIMIT 1
       FOR UPDATE OF x SKIP LOCKED;
    IF v_id IS NULL THEN
        RETURN;
    END IF;
    UPDATE mail_deliveries d SET claimed_xact = txid_current() WHERE d.id = v_id;
    RETURN QUERY
    SELECT d.id, d.kind, d.to_address,
           (SELECT encode(s.sealed, 'hex') FROM mail_secrets s WHERE s.delivery_id = d.id AND s.relay_role = session_user),
           CASE WHEN d.kind = 'one_time_password'
                THEN (SELECT p.expires_at FROM one_time_passwords p WHERE p.id = relay_code_row(d.id))
                ELSE (SELECT s.expires_at FROM mail_secrets s WHERE s.delivery_id = d.id AND s.relay_role = session_user) END,
           u.display_name::text, coalesce(u.primary_email::text, u.mobile_number), o.name::text,
           o.completion_instructions::text, o.time_zone::text, u.must_change_password, d.attempts
      FROM mail_deliveries d
      LEFT JOIN users u ON u.id = d.user_id
      LEFT JOIN orgs o ON o.id = u.org_id
     WHERE d.id = v_id;
END $$;

-- The relay gives the code it made for the message it took the hash of that
-- code, right before it sends the mail. Refused (42501) for anything but a
-- pending relay one-time-password message this very transaction took;
-- false, with nothing stored, when the message's reset was used, replaced
-- by a newer one or expired: the relay then fails the message unsent.
CREATE FUNCTION relay_set_code(p_id bigint, p_code_hash text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    d mail_deliveries;
    n integer;
BEGIN
    PERFORM require_relay();
    IF p_code_hash IS NULL OR p_code_hash !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The one-time password hash is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM mail_deliveries WHERE id = p_id;
    IF d.id IS NULL OR NOT d.via_relay OR d.status <> 'pending' OR d.kind <> 'one_time_password'
       OR d.claimed_xact IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION 'Delivery % is not a one-time password this relay has taken to send.', coalesce(p_id::text, '(none)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE one_time_passwords p SET code_hash = p_code_hash
     WHERE p.id = relay_code_row(p_id)
       AND p.used_at IS NULL AND p.voided_at IS NULL AND p.expires_at > now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n = 1;
END $$;

-- 0018's relay_done, for the message this transaction took only. Sent or
-- failed, its sealed passwords are deleted. A code whose mail did not go
-- (failed, or to be tried again) loses its hash: the next try makes a new
-- one, and meanwhile nobody can redeem it.
CREATE OR REPLACE FUNCTION relay_done(p_id bigint, p_status text, p_error text, p_retry_after interval) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    PERFORM require_relay();
    IF p_status IS NULL OR p_status NOT IN ('sent', 'failed', 'retry') THEN
        RAISE EXCEPTION 'Unknown delivery status %.', p_status USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE mail_deliveries d
       SET status          = CASE WHEN p_status = 'retry' THEN 'pending' ELSE p_status END,
           attempts        = least(d.attempts + 1, 1000),
           last_error      = CASE WHEN p_status = 'sent' THEN NULL ELSE left(p_error, 1000) END,
           sent_at         = CASE WHEN p_status = 'sent' THEN now() END,
           next_attempt_at = now() + least(greatest(coalesce(p_retry_after, '0'), '0'), interval '1 hour')
     WHERE d.id = p_id AND d.via_relay AND d.status = 'pending' AND d.claimed_xact = txid_current();
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_status <> 'sent' THEN
        UPDATE one_time_passwords p SET code_hash = NULL
         WHERE p.id = relay_code_row(p_id) AND p.code_hash IS NOT NULL;
    END IF;
    IF p_status <> 'retry' THEN
        DELETE FROM mail_secrets WHERE delivery_id = p_id;
    END IF;
END $$;

GRANT EXECUTE ON FUNCTION queue_password_mails(bigint[], text[], text[], text[]), relay_public_keys() TO resetdesk_console;
GRANT EXECUTE ON FUNCTION relay_next(), relay_set_code(bigint, text), relay_register_key(text) TO resetdesk_relay;
