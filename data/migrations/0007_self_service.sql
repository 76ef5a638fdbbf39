-- 0007: the end user's functions belong to the self-service group.
--
-- Until now any login on the server could complete a reset (Dovecot's, a
-- stray one). Now only a login that is a member of resetdesk_self_service
-- AND registered for this database (`resetdesk self-service add`) may call
-- complete_reset, change_password and password_policy; console roles never.
-- Every call is rate-limited per typed login, per self-service login and in
-- all, from an insert-only table that no update ever locks. A temporary
-- password set with "force a change" leaves a change ticket that lets its
-- holder choose their own password once, checked here.

-- The logins registered for this database: group membership is server-wide,
-- so it alone would let one office's kiosk act in another office's database.
CREATE TABLE self_service_logins (
    db_role    name PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT session_user
);

-- One row per end-user attempt, for the rate limits and the trail of probes
-- that name no real user. Rows older than a day are dropped as new ones come.
-- No foreign keys: a row here must never lock a user or a code.
CREATE TABLE self_service_attempts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    db_role name NOT NULL DEFAULT session_user,
    login   text NOT NULL,
    user_id bigint,
    kind    text NOT NULL CHECK (kind IN ('complete_reset', 'change_password')),
    outcome text NOT NULL
);
CREATE INDEX self_service_attempts_at ON self_service_attempts (at);
CREATE INDEX self_service_attempts_role ON self_service_attempts (db_role, at);
CREATE INDEX self_service_attempts_login ON self_service_attempts (login, at);

-- The change ticket of a temporary password: SHA-256 of the proof the
-- admin's client derived from it (app.ChangeProof). Only the definer reads it.
-- A ticket counts only while the password it came with is the user's
-- current one (issued_at = the user's password_changed_at) and must change.
CREATE TABLE change_tickets (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    ticket_hash text NOT NULL CHECK (ticket_hash ~ '^[0-9a-f]{64}$'),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    issued_by   name NOT NULL DEFAULT session_user
);

-- The admin's client hands the tickets of a set-password reset over in the
-- same statement as the reset: reset_passwords(with_change_tickets(ids,
-- tickets), ...). Arguments are evaluated before the call, so the trigger
-- below finds them when the reset updates the users. Whatever a caller puts
-- here only matters for users whose password that same statement sets, so
-- only whoever set that password can give it a ticket.
CREATE FUNCTION with_change_tickets(p_user_ids bigint[], p_tickets text[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    IF coalesce(cardinality(p_tickets), 0) NOT IN (0, coalesce(cardinality(p_user_ids), 0)) THEN
        RAISE EXCEPTION 'The change tickets must match the user ids.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_tickets) t WHERE t IS NOT NULL AND t !~ '^[0-9a-f]{64}$') THEN
        RAISE EXCEPTION 'A change ticket is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('resetdesk.change_tickets',
        coalesce((SELECT jsonb_object_agg(e.id::text, e.t)
                    FROM unnest(p_user_ids, p_tickets) AS e(id, t) WHERE e.t IS NOT NULL AND e.id IS NOT NULL), '{}')::text,
        true);
    RETURN p_user_ids;
END $$;

-- Any change of a password ends its ticket; a set password that must change,
-- set in this statement, gets the ticket its setter handed over. One
-- statement each, whatever the number of rows.
CREATE FUNCTION users_change_tickets() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    tickets jsonb := coalesce(nullif(current_setting('resetdesk.change_tickets', true), ''), '{}')::jsonb;
BEGIN
    DELETE FROM change_tickets t
     USING new_rows n JOIN old_rows o ON o.id = n.id
     WHERE t.user_id = n.id
       AND (n.password_hash IS DISTINCT FROM o.password_hash OR n.password_changed_at IS DISTINCT FROM o.password_changed_at);
    IF tickets <> '{}' THEN
        INSERT INTO change_tickets (user_id, ticket_hash, expires_at)
        SELECT n.id, tickets ->> n.id::text, n.password_expires_at
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE tickets ? n.id::text AND n.must_change_password AND n.password_hash IS NOT NULL
           AND n.password_changed_at = now()
           AND (n.password_hash IS DISTINCT FROM o.password_hash OR n.password_changed_at IS DISTINCT FROM o.password_changed_at)
        ON CONFLICT (user_id) DO UPDATE
           SET ticket_hash = EXCLUDED.ticket_hash, issued_at = EXCLUDED.issued_at,
               expires_at = EXCLUDED.expires_at, attempts = 0, issued_by = EXCLUDED.issued_by;
        PERFORM set_config('resetdesk.change_tickets', '{}', true);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_change_tickets AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_change_tickets();

-- The gate of every end-user function: a registered self-service login that
-- is no console user. Raises 42501 otherwise.
CREATE FUNCTION require_self_service() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF pg_has_role(session_user, 'resetdesk_console', 'MEMBER') THEN
        RAISE EXCEPTION 'Admins cannot complete a reset or change a password for a user; the user does, on a self-service login.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT pg_has_role(session_user, 'resetdesk_self_service', 'MEMBER')
       OR NOT EXISTS (SELECT 1 FROM self_service_logins WHERE db_role = session_user) THEN
        RAISE EXCEPTION 'The login % is not a self-service login of this office; the office makes one with `resetdesk self-service add`.', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- 'limited' when there were too many failed attempts in the last 15 minutes:
-- 10 for the typed login, 100 from this self-service login, 500 in all.
CREATE FUNCTION self_service_limited(p_login text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE login = p_login AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 10) x) >= 10
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE db_role = session_user AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 100) x) >= 100
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 500) x) >= 500
$$;

-- Records an attempt and, for a login that names nobody, at most one audit
-- row per self-service login in 15 minutes: probes leave a trail without
-- flooding the log. Old rows go a few at a time, never waiting on a lock.
CREATE FUNCTION record_self_service(p_kind text, p_login text, p_user_id bigint, p_outcome text, p_details jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    INSERT INTO self_service_attempts (login, user_id, kind, outcome) VALUES (p_login, p_user_id, p_kind, p_outcome);
    DELETE FROM self_service_attempts WHERE id IN (
        SELECT id FROM self_service_attempts WHERE at < now() - interval '1 day' LIMIT 20 FOR UPDATE SKIP LOCKED);
    IF p_user_id IS NOT NULL THEN
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES (p_kind, p_user_id, p_details || jsonb_build_object('outcome', p_outcome, 'by', 'user', 'login', session_user));
    ELSIF NOT EXISTS (SELECT 1 FROM audit_events WHERE actor = session_user AND action = p_kind || '_unknown_login'
                                                     AND at > now() - interval '15 minutes') THEN
        INSERT INTO audit_events (action, details)
        VALUES (p_kind || '_unknown_login', jsonb_build_object('outcome', p_outcome, 'login', session_user,
                'note', 'further attempts for unknown logins in the next 15 minutes are counted, not logged'));
    END IF;
END $$;

CREATE FUNCTION valid_phc(p_hash text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_hash ~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$'
$$;

-- The end user's side of a one-time reset. Returns ok, invalid, expired,
-- exhausted, busy or limited. An unknown login, a wrong code and a used or
-- voided one all answer invalid after the same work; expired and exhausted
-- only come back with the right code, so they reveal nothing to a guesser.
-- The code row is taken with NOWAIT: a session that holds it answers busy at
-- once instead of stalling the user.
CREATE OR REPLACE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    u       users;
    c       one_time_passwords;
    n       integer;
BEGIN
    PERFORM require_self_service();
    IF p_code_hash IS NULL OR p_code_hash !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The one-time password hash is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_new_hash IS NULL OR NOT valid_phc(p_new_hash) THEN
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF self_service_limited(v_login) THEN
        RETURN 'limited';
    END IF;
    -- Two users with one login (two orgs) is nobody: never pick one silently.
    SELECT count(*) INTO n FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    IF n = 1 THEN
        SELECT * INTO u FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    END IF;
    BEGIN
        SELECT * INTO c FROM one_time_passwords p
         WHERE p.user_id = u.id AND p.used_at IS NULL AND p.voided_at IS NULL
         ORDER BY p.created_at DESC LIMIT 1
           FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM record_self_service('complete_reset', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END;
    IF c.id IS NULL THEN
        -- No live code. The same work as a wrong code, known login or not.
        UPDATE one_time_passwords SET attempts = attempts WHERE false;
        SELECT * INTO c FROM one_time_passwords p
         WHERE p.user_id = u.id AND p.code_hash = p_code_hash ORDER BY p.created_at DESC LIMIT 1;
        IF c.id IS NOT NULL AND c.used_at IS NULL AND c.attempts >= 5 THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'exhausted', '{}');
            RETURN 'exhausted';
        ELSIF c.id IS NOT NULL AND c.used_at IS NULL AND c.expires_at < now() THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
            RETURN 'expired';
        END IF;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'no_live_code', '{}');
        RETURN 'invalid';
    ELSIF c.code_hash IS DISTINCT FROM p_code_hash THEN
        UPDATE one_time_passwords
           SET attempts = attempts + 1,
               voided_at = CASE WHEN attempts + 1 >= 5 OR expires_at < now() THEN now() END
         WHERE id = c.id;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'wrong_code', jsonb_build_object('attempt', c.attempts + 1));
        RETURN 'invalid';
    ELSIF c.expires_at < now() THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
        RETURN 'expired';
    END IF;
    UPDATE one_time_passwords SET used_at = now(), attempts = attempts + 1 WHERE id = c.id;
    UPDATE users
       SET password_hash = p_new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    PERFORM record_self_service('complete_reset', v_login, u.id, 'ok', '{}');
    RETURN 'ok';
END $$;

-- The end user replaces a temporary password: p_proof is app.ChangeProof of
-- the login and the temporary password, checked against the ticket the
-- admin's reset left. The same answers and the same care as complete_reset.
-- Afterwards the user's password is theirs: must_change_password is false,
-- it never expires, and the temporary one no longer works.
CREATE FUNCTION change_password(p_login text, p_proof text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    u       users;
    t       change_tickets;
    n       integer;
    v_right boolean;
BEGIN
    PERFORM require_self_service();
    IF p_proof IS NULL OR p_proof !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The proof of the temporary password is not 32 bytes of hex.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_new_hash IS NULL OR NOT valid_phc(p_new_hash) THEN
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF self_service_limited(v_login) THEN
        RETURN 'limited';
    END IF;
    SELECT count(*) INTO n FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    IF n = 1 THEN
        SELECT * INTO u FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    END IF;
    BEGIN
        SELECT * INTO t FROM change_tickets WHERE user_id = u.id FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END;
    v_right := t.user_id IS NOT NULL AND t.ticket_hash = encode(sha256(decode(p_proof, 'hex')), 'hex');
    IF t.user_id IS NULL OR t.issued_at <> u.password_changed_at OR NOT u.must_change_password OR u.password_hash IS NULL THEN
        UPDATE change_tickets SET attempts = attempts WHERE false;
        PERFORM record_self_service('change_password', v_login, u.id, 'no_ticket', '{}');
        RETURN 'invalid';
    ELSIF t.attempts >= 5 THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'exhausted', '{}');
        RETURN CASE WHEN v_right THEN 'exhausted' ELSE 'invalid' END;
    ELSIF NOT v_right THEN
        UPDATE change_tickets SET attempts = attempts + 1 WHERE user_id = t.user_id;
        PERFORM record_self_service('change_password', v_login, u.id, 'wrong_password', jsonb_build_object('attempt', t.attempts + 1));
        RETURN 'invalid';
    ELSIF coalesce(least(t.expires_at, u.password_expires_at), 'infinity') < now() THEN
        DELETE FROM change_tickets WHERE user_id = t.user_id;
        PERFORM record_self_service('change_password', v_login, u.id, 'expired', '{}');
        RETURN 'expired';
    END IF;
    -- The trigger deletes the ticket with the old password.
    UPDATE users
       SET password_hash = p_new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    PERFORM record_self_service('change_password', v_login, u.id, 'ok', '{}');
    RETURN 'ok';
END $$;

-- The rules for a new password. The same answer for every login, known or
-- not: the strictest minimum of the orgs in this database (one org, usually,
-- so exactly its own).
CREATE OR REPLACE FUNCTION password_policy(p_login text) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    PERFORM require_self_service();
    RETURN coalesce((SELECT max(min_password_length) FROM orgs), 15);
END $$;

REVOKE EXECUTE ON FUNCTION complete_reset(text, text, text), password_policy(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION complete_reset(text, text, text), change_password(text, text, text), password_policy(text)
    TO resetdesk_self_service;
GRANT EXECUTE ON FUNCTION with_change_tickets(bigint[], text[]) TO resetdesk_console;
-- The owner sees who may use the end user's screens.
GRANT SELECT ON self_service_logins TO resetdesk_owner;
