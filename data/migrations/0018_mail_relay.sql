-- 0018: the office mail relay (issue 12). With the org's mail_relay policy
-- on, PostgreSQL makes every one-time code itself: whatever hash the
-- client sent is replaced, as the code's row is written, by the hash of a
-- code made here, and the code goes to one_time_codes, which no console
-- role can read. Every message of a reset (codes, emailed passwords,
-- notices) is marked via_relay as it is written and waits for `resetdesk
-- relay`, a login in resetdesk_relay registered for this database, which
-- alone may take a message, learn its secret and record what the mail
-- server said. A secret is deleted once its message is sent or failed for
-- good, or once it expires. With the policy off nothing changes: the
-- admin's device makes the code and sends the mail (direct mode).
--
-- Triggers rather than new bodies for reset_passwords and
-- record_deliveries: those belong to other changes (0015, 0016) and stay
-- as they are; the rules here hold whatever a later body does.

-- The relay's group. Roles are server-wide: the provisioner (CREATEROLE)
-- makes it once; another database's migration may have made it already.
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'resetdesk_relay') THEN
        BEGIN
            CREATE ROLE resetdesk_relay NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- made at the same moment by another database's migration
        END;
    END IF;
END $$;
RESET ROLE;
SET LOCAL ROLE resetdesk_definer;

GRANT USAGE ON SCHEMA resetdesk TO resetdesk_relay;

ALTER TABLE mail_deliveries
    ADD COLUMN via_relay boolean NOT NULL DEFAULT false,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX mail_deliveries_relay_queue ON mail_deliveries (id) WHERE via_relay AND status = 'pending';

-- The code of a one-time password made with the relay on, and the secret of
-- a queued "email the new password" message. No grant to anyone: only the
-- definer's functions below touch them, and of those only the relay's
-- return them.
CREATE TABLE one_time_codes (
    otp_id     bigint PRIMARY KEY, -- one_time_passwords.id; no foreign key, whose check would cost a statement per code
    code       text NOT NULL,
    expires_at timestamptz NOT NULL
);
ALTER TABLE one_time_codes ENABLE ROW LEVEL SECURITY;

CREATE TABLE mail_secrets (
    delivery_id bigint PRIMARY KEY REFERENCES mail_deliveries (id) ON DELETE CASCADE,
    secret      text NOT NULL CHECK (length(secret) BETWEEN 1 AND 256),
    expires_at  timestamptz NOT NULL
);
ALTER TABLE mail_secrets ENABLE ROW LEVEL SECURITY;

-- The relay logins of this database: group membership is server-wide, so
-- it alone would let one office's relay drain another office's outbox.
CREATE TABLE relay_logins (
    db_role    name PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT session_user
);

-- Each running relay says it is alive every few seconds.
CREATE TABLE relay_heartbeats (
    db_role  name NOT NULL,
    instance text NOT NULL CHECK (length(instance) <= 200),
    seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (db_role, instance)
);

-- A one-time code as app.NewOneTimeCode makes it, from 16 random bytes:
-- ten characters of app.CodeAlphabet (32 characters, so the low 5 bits of
-- a byte pick one uniformly), a dash after the fifth: 50 bits. The bytes
-- come from gen_random_uuid, which draws from the server's strong random
-- source (pg_strong_random, as pgcrypto's gen_random_bytes does) and is in
-- core PostgreSQL 13 and later, so no extension (and no privilege to create
-- one) is needed. Bytes 6 and 8 carry the UUID's version and variant bits
-- and are skipped. Plain SQL expressions without SET clauses, so that the
-- planner inlines them into the one statement that codes a whole batch.
CREATE FUNCTION code_char(b bytea, i integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', (pg_catalog.get_byte(b, i) & 31) + 1, 1) $$;

CREATE FUNCTION one_time_code(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT resetdesk.code_char(b, 0) || resetdesk.code_char(b, 1) || resetdesk.code_char(b, 2)
        || resetdesk.code_char(b, 3) || resetdesk.code_char(b, 4) || '-' || resetdesk.code_char(b, 5)
        || resetdesk.code_char(b, 7) || resetdesk.code_char(b, 9) || resetdesk.code_char(b, 10) || resetdesk.code_char(b, 11)
$$;

CREATE FUNCTION new_one_time_code() RETURNS text
LANGUAGE sql VOLATILE AS $$ SELECT resetdesk.one_time_code(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())) $$;

-- The hash app.HashCode makes of a code: SHA-256 of it without the dash.
CREATE FUNCTION one_time_code_hash(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.upper(pg_catalog.replace(p_code, '-', '')), 'UTF8')), 'hex')
$$;

-- The codes of a statement that wrote one-time passwords, as any reset
-- does: for users whose org has the relay on, each row's hash becomes that
-- of a code made here, whatever the client sent, and the code is filed
-- under the row's id. One statement for the whole batch; expired codes are
-- deleted on the way, even when no relay runs.
CREATE FUNCTION one_time_passwords_by_server() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    WITH gone AS (
        DELETE FROM one_time_codes c WHERE c.expires_at < now()
    ), made AS (
        SELECT n.id, n.expires_at, new_one_time_code() AS code
          FROM new_rows n JOIN users u ON u.id = n.user_id JOIN orgs o ON o.id = u.org_id
         WHERE o.mail_relay
    ), upd AS (
        UPDATE one_time_passwords p SET code_hash = one_time_code_hash(m.code) FROM made m WHERE p.id = m.id
    )
    INSERT INTO one_time_codes (otp_id, code, expires_at) SELECT m.id, m.code, m.expires_at FROM made m;
    RETURN NULL;
END $$;
CREATE TRIGGER by_server AFTER INSERT ON one_time_passwords
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION one_time_passwords_by_server();

-- The messages a reset wrote: with the relay on, they are the relay's, and
-- it is woken. Test messages from Settings stay with the device that asked.
CREATE FUNCTION mail_deliveries_via_relay() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    queued integer;
BEGIN
    UPDATE mail_deliveries d SET via_relay = true
      FROM new_rows n JOIN users u ON u.id = n.user_id JOIN orgs o ON o.id = u.org_id
     WHERE d.id = n.id AND n.kind <> 'test' AND o.mail_relay;
    GET DIAGNOSTICS queued = ROW_COUNT;
    IF queued > 0 THEN
        PERFORM pg_notify('resetdesk_outbox', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER via_relay AFTER INSERT ON mail_deliveries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mail_deliveries_via_relay();

-- A message of the relay is the relay's to record: record_deliveries (or
-- anything else) run by a console is refused. A user deleted later may
-- still set user_id to NULL.
CREATE FUNCTION is_relay_login() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT pg_has_role(session_user, 'resetdesk_relay', 'MEMBER')
       AND NOT pg_has_role(session_user, 'resetdesk_console', 'MEMBER')
       AND EXISTS (SELECT 1 FROM relay_logins WHERE db_role = session_user)
$$;

CREATE FUNCTION mail_delivery_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF OLD.via_relay
       AND (NEW.status, NEW.attempts, NEW.last_error, NEW.sent_at, NEW.via_relay, NEW.to_address, NEW.kind)
           IS DISTINCT FROM (OLD.status, OLD.attempts, OLD.last_error, OLD.sent_at, OLD.via_relay, OLD.to_address, OLD.kind)
       AND NOT is_relay_login() THEN
        RAISE EXCEPTION 'The office mail relay sends this message and records what happened to it; no admin can.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER relay_guard BEFORE UPDATE ON mail_deliveries
    FOR EACH ROW EXECUTE FUNCTION mail_delivery_guard();

-- With the relay on, a set password the admin chose to email reaches the
-- outbox here, after the reset, from the session that made that reset (it
-- knows the password already: it set it). Only its own pending relay rows
-- of kind password without a secret take one.
CREATE FUNCTION queue_password_mails(p_ids bigint[], p_passwords text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
    n integer;
BEGIN
    IF coalesce(cardinality(p_ids), 0) <> coalesce(cardinality(p_passwords), 0) OR coalesce(cardinality(p_ids), 0) > 300 THEN
        RAISE EXCEPTION 'The passwords must match the deliveries (at most 300).' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO mail_secrets (delivery_id, secret, expires_at)
    SELECT d.id, e.pw, coalesce(u.password_expires_at, now() + o.temp_password_ttl)
      FROM unnest(p_ids, p_passwords) AS e(id, pw)
      JOIN mail_deliveries d ON d.id = e.id
      JOIN users u ON u.id = d.user_id AND u.org_id = a.org_id
      JOIN orgs o ON o.id = u.org_id
     WHERE d.via_relay AND d.kind = 'password' AND d.status = 'pending' AND d.created_by = session_user
       AND e.pw IS NOT NULL AND length(e.pw) BETWEEN 1 AND 256
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_notify('resetdesk_outbox', '');
    RETURN n;
END $$;

-- The relay's functions refuse anyone but a registered relay login that is
-- not also a console user.
CREATE FUNCTION require_relay() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF NOT is_relay_login() THEN
        RAISE EXCEPTION 'The role % is not a mail relay of this database (resetdesk relay add).', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- The secret a queued message carries, while it is live: the code of the
-- one-time password written with it (same user, same transaction), unused
-- and not replaced by a newer reset; or the emailed password.
CREATE FUNCTION queued_secret(p_id bigint) RETURNS TABLE (secret text, expires_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    (SELECT c.code, c.expires_at
       FROM mail_deliveries d
       JOIN one_time_passwords p ON p.user_id = d.user_id AND p.created_at = d.created_at
       JOIN one_time_codes c ON c.otp_id = p.id
      WHERE d.id = p_id AND d.kind = 'one_time_password' AND p.used_at IS NULL AND p.voided_at IS NULL
      ORDER BY p.id DESC LIMIT 1)
    UNION ALL
    (SELECT s.secret, s.expires_at FROM mail_secrets s WHERE s.delivery_id = p_id)
$$;

-- The relay takes the oldest message that is due and that no other relay
-- holds, and keeps it locked until its transaction ends: it sends, records
-- with relay_done and commits. A relay that dies lets go of its message
-- with its connection. Before that, messages whose secret is gone (expired,
-- used, replaced by a newer reset, or an emailed password that never came
-- within 10 minutes) fail, and expired secrets are deleted.
CREATE FUNCTION relay_next()
RETURNS TABLE (id bigint, kind text, to_address text, secret text, expires_at timestamptz, user_name text,
               login text, org_name text, instructions text, time_zone text, must_change boolean, attempts integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM require_relay();
    UPDATE mail_deliveries d
       SET status = 'failed',
           last_error = CASE WHEN d.kind = 'one_time_password'
                             THEN 'The one-time password expired, or a newer reset replaced it, before the relay could send it.'
                             ELSE 'The password expired, or never reached the relay, before the relay could send it.' END
     WHERE d.id IN (SELECT x.id FROM mail_deliveries x LEFT JOIN LATERAL queued_secret(x.id) q ON true
                     WHERE x.via_relay AND x.status = 'pending'
                       AND ((x.kind = 'one_time_password' AND (q.secret IS NULL OR q.expires_at < now()))
                            OR (x.kind = 'password' AND (q.expires_at < now()
                                 OR (q.secret IS NULL AND x.created_at < now() - interval '10 minutes'))))
                       FOR UPDATE OF x SKIP LOCKED);
    DELETE FROM one_time_codes c WHERE c.expires_at < now();
    DELETE FROM mail_secrets s WHERE s.expires_at < now();
    RETURN QUERY
    SELECT d.id, d.kind, d.to_address, q.secret, q.expires_at, u.display_name::text,
           coalesce(u.primary_email::text, u.mobile_number), o.name::text, o.completion_instructions::text,
           o.time_zone::text, u.must_change_password, d.attempts
      FROM mail_deliveries d
      LEFT JOIN LATERAL queued_secret(d.id) q ON true
      LEFT JOIN users u ON u.id = d.user_id
      LEFT JOIN orgs o ON o.id = u.org_id
     WHERE d.id = (SELECT x.id FROM mail_deliveries x
                    WHERE x.via_relay AND x.status = 'pending' AND x.next_attempt_at <= now()
                      AND (x.kind NOT IN ('one_time_password', 'password') OR EXISTS (SELECT 1 FROM queued_secret(x.id)))
                    ORDER BY x.id LIMIT 1
                      FOR UPDATE OF x SKIP LOCKED);
END $$;

-- What the mail server said about a message the relay took: sent, failed
-- (for good, with the server's words) or retry after p_retry_after. Sent
-- or failed, its secret is deleted.
CREATE FUNCTION relay_done(p_id bigint, p_status text, p_error text, p_retry_after interval) RETURNS void
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
     WHERE d.id = p_id AND d.via_relay AND d.status = 'pending';
    IF p_status <> 'retry' THEN
        DELETE FROM mail_secrets WHERE delivery_id = p_id;
        DELETE FROM one_time_codes c
         USING mail_deliveries d, one_time_passwords p
         WHERE d.id = p_id AND d.kind = 'one_time_password' AND p.user_id = d.user_id
           AND p.created_at = d.created_at AND c.otp_id = p.id;
    END IF;
END $$;

-- The relay is alive; rows of relays gone for a day are dropped.
CREATE FUNCTION relay_heartbeat(p_instance text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    PERFORM require_relay();
    INSERT INTO relay_heartbeats (db_role, instance) VALUES (session_user, left(p_instance, 200))
    ON CONFLICT (db_role, instance) DO UPDATE SET seen_at = now();
    DELETE FROM relay_heartbeats WHERE seen_at < now() - interval '1 day';
END $$;

-- What Settings and Mail show: when a relay was last seen, how many of the
-- org's messages wait for it and since when the oldest has waited.
CREATE FUNCTION relay_status(OUT last_seen timestamptz, OUT waiting bigint, OUT oldest timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    SELECT max(h.seen_at) INTO last_seen FROM relay_heartbeats h;
    SELECT count(*), min(d.created_at) INTO waiting, oldest
      FROM mail_deliveries d JOIN users u ON u.id = d.user_id AND u.org_id = a.org_id
     WHERE d.via_relay AND d.status = 'pending';
END $$;

GRANT EXECUTE ON FUNCTION queue_password_mails(bigint[], text[]), relay_status() TO resetdesk_console;
GRANT EXECUTE ON FUNCTION relay_next(), relay_done(bigint, text, text, interval), relay_heartbeat(text) TO resetdesk_relay;

-- `resetdesk relay add LOGIN` with the owner's connection: as 0014's
-- add_self_service_login, a provisioner-owned function that runs fixed
-- statements on a validated name. The DBA's connection does the same
-- directly (data.Admin.AddRelayLogin).
GRANT SELECT, INSERT ON relay_logins TO resetdesk_provisioner;
GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE FUNCTION add_relay_login(p_login text, p_verifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner (or the DBA) may add mail relay logins.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' OR p_login ~ '^(pg_|resetdesk_)' THEN
        RAISE EXCEPTION '% is not a valid login role name: use lowercase letters, digits and _.', coalesce(p_login, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64}:[A-Za-z0-9+/=]{40,64}$' THEN
        RAISE EXCEPTION 'The password must arrive as a SCRAM-SHA-256 verifier.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'The role % already exists on this server. Choose another name.', p_login
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L IN ROLE resetdesk_relay',
                   p_login, p_verifier);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_login);
    INSERT INTO relay_logins (db_role) VALUES (p_login);
    INSERT INTO audit_events (action, details) VALUES ('add_relay_login', jsonb_build_object('db_role', p_login));
END $$;

REVOKE EXECUTE ON FUNCTION add_relay_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION add_relay_login(text, text) TO resetdesk_owner;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
