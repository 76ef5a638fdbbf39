-- 0030: an end user's attempt is answered only once it is committed, and
-- holds nothing while it waits.
--
-- The self-service login's password is on every office PC (the exported
-- set-up and its QR carry it), so whoever holds it has psql. Two holes were
-- left by 0024 to 0026:
--
-- 1. Rolled-back guesses. complete_reset and change_password counted a
--    wrong code (or temporary password) with rows written in the caller's
--    transaction: BEGIN; SELECT complete_reset(...); ROLLBACK, or one
--    query string "SELECT complete_reset(...); SELECT 1/0", read the answer
--    and took the count back. Only 0024's sequence budget bounded that:
--    500 calls in 15 minutes over all self-service logins, which one login
--    could spend to answer every kiosk in the office "limited".
-- 2. Held turns. Attempts at one code took turns by an advisory lock held
--    until the attempt's transaction ended; any login may SET its
--    idle-in-transaction timeout off, so one attempt left open answered
--    that user's every later attempt "busy" for as long as the session
--    lasted, and one transaction could do it to every user with a code.
--
-- A function cannot know whether its caller will commit. So an attempt now
-- takes two calls, each its own transaction:
--
--   self_service_try(kind, login, proof, new_hash) records the attempt and
--     returns a token; it looks nothing up and answers nothing.
--   self_service_answer(token) answers an attempt that a transaction other
--     than its own has already committed; it refuses one made in its own.
--
-- Every limit counts committed attempts, which no caller can take back, so
-- they bind whoever rolls back as they bind anyone: five near misses per
-- code (0022), five wrong temporary passwords per ticket, and the limits
-- per typed login, per self-service login and in all. 0024's budget is no
-- longer drawn from. An attempt is judged against the code or ticket that
-- is live when it is answered, and only if that was issued before the
-- attempt was made; every committed attempt made since a code was issued
-- counts against it, answered or not, so the attempts that could have been
-- answered "ok" are at most those made before its fifth near miss was
-- committed, whatever the order of commits and answers.
--
-- Nothing is locked between the two calls, and an answer takes a row lock
-- only for the right code or temporary password (and never waits for it:
-- busy). An attempt left open, before or after its answer, holds nothing
-- another user's attempt or an admin's reset needs, so the session
-- timeouts that a client can SET off no longer matter for them.
--
-- complete_reset and change_password now refuse with a sentence: a client
-- that still calls them is older than this database.
--
-- The answers keep 0025's rules and lock timeouts: complete_reset's as
-- 0025 made it, change_password's as 0025 made it (nothing redefined
-- either since), with the counts taken from the attempts instead.

CREATE TABLE self_service_tries (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token    uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    -- The transaction that made it (top level): an answer in the same
    -- transaction is refused.
    xact     bigint NOT NULL DEFAULT txid_current(),
    db_role  name NOT NULL DEFAULT session_user,
    kind     text NOT NULL CHECK (kind IN ('complete_reset', 'change_password')),
    login    text NOT NULL,
    -- complete_reset: the code's SHA-256 as typed; change_password: the
    -- SHA-256 of the proof, as change_tickets keeps it (never the proof).
    proof    text NOT NULL CHECK (proof ~ '^[0-9a-f]{64}$'),
    new_hash text NOT NULL,
    -- When it was made, by the clock: a transaction kept open does not
    -- date its attempts back to its start.
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    ok_at    timestamptz
);
CREATE INDEX self_service_tries_login ON self_service_tries (login, at);
CREATE INDEX self_service_tries_role ON self_service_tries (db_role, at);
CREATE INDEX self_service_tries_at ON self_service_tries (at);
ALTER TABLE self_service_tries ENABLE ROW LEVEL SECURITY;

-- Whether attempt t may no longer be answered: the limits of 0022 (10
-- failures per typed login and self-service login, 50 per typed login, 100
-- per self-service login, 500 in all, in 15 minutes), over committed
-- attempts other than t that were not answered ok. An attempt never
-- answered counts as a failure.
CREATE FUNCTION self_service_try_limited(t self_service_tries) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.login = t.login AND x.db_role = t.db_role AND x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id <> t.id LIMIT 10) y) >= 10
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.login = t.login AND x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id <> t.id LIMIT 50) y) >= 50
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.db_role = t.db_role AND x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id <> t.id LIMIT 100) y) >= 100
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id <> t.id LIMIT 500) y) >= 500
$$;

-- Wrong codes against code c: every committed attempt for its login made
-- since it was issued, and those of them that were near misses (0022),
-- with what 0022 and 0025 counted before attempts were kept here.
CREATE FUNCTION code_tries(c one_time_passwords, p_login text, OUT tries integer, OUT near integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT (count(*) + (code_misses_of(c.id)).tries)::integer,
           (count(*) FILTER (WHERE left(x.proof, 3) = left(c.code_hash, 3)) + c.near_misses + (code_misses_of(c.id)).near)::integer
      FROM self_service_tries x
     WHERE x.login = p_login AND x.kind = 'complete_reset' AND x.at >= c.created_at
       AND x.proof IS DISTINCT FROM c.code_hash
$$;

-- The first call: record an attempt, answer nothing.
CREATE FUNCTION self_service_try(p_kind text, p_login text, p_proof text, p_new_hash text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_token uuid;
BEGIN
    PERFORM require_self_service();
    IF p_kind IS NULL OR p_kind NOT IN ('complete_reset', 'change_password') THEN
        RAISE EXCEPTION 'Unknown self-service attempt %.', left(p_kind, 40) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_proof IS NULL OR p_proof !~ '^[0-9a-f]{64}$' THEN
        IF p_kind = 'complete_reset' THEN
            RAISE EXCEPTION 'The one-time password hash is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RAISE EXCEPTION 'The proof of the temporary password is not 32 bytes of hex.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_new_hash IS NULL OR NOT valid_phc(p_new_hash) THEN
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO self_service_tries (kind, login, proof, new_hash)
    VALUES (p_kind, left(lower(trim(coalesce(p_login, ''))), 320),
            CASE WHEN p_kind = 'complete_reset' THEN p_proof ELSE encode(sha256(decode(p_proof, 'hex')), 'hex') END,
            p_new_hash)
    RETURNING token INTO v_token;
    -- Attempts are kept two days (a code lives at most one).
    DELETE FROM self_service_tries WHERE id IN (
        SELECT id FROM self_service_tries WHERE at < now() - interval '2 days' LIMIT 20 FOR UPDATE SKIP LOCKED);
    RETURN v_token;
END $$;

-- The second call: answer a committed attempt.
CREATE FUNCTION self_service_answer(p_token uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    t self_service_tries;
BEGIN
    PERFORM require_self_service();
    SELECT * INTO t FROM self_service_tries x WHERE x.token = p_token AND x.db_role = session_user;
    IF t.id IS NULL THEN
        RAISE EXCEPTION 'There is no such attempt to answer: it was made by another login, or its transaction has not committed.'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF t.xact = txid_current() THEN
        RAISE EXCEPTION 'An attempt is answered only after the transaction that made it has committed.'
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    IF self_service_try_limited(t) THEN
        RETURN 'limited';
    ELSIF t.kind = 'complete_reset' THEN
        RETURN answer_complete_reset(t);
    END IF;
    RETURN answer_change_password(t);
END $$;

CREATE FUNCTION answer_complete_reset(t self_service_tries) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    v_login text := t.login;
    u       users;
    c       one_time_passwords;
    n       integer;
    m       record;
BEGIN
    -- Two users with one login (two orgs) is nobody: never pick one silently.
    SELECT count(*) INTO n FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    IF n = 1 THEN
        SELECT * INTO u FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    END IF;
    -- The live code, if it was issued before the attempt was made: an
    -- attempt is never a guess at a code that came after it.
    SELECT * INTO c FROM one_time_passwords p
     WHERE p.user_id = u.id AND p.used_at IS NULL AND p.voided_at IS NULL
     ORDER BY p.created_at DESC LIMIT 1;
    IF c.created_at > t.at THEN
        c := NULL;
    END IF;
    m := code_tries(c, v_login);
    IF c.id IS NOT NULL AND m.near >= 5 THEN
        c := NULL; -- used up by near misses: no longer live
    END IF;
    IF c.id IS NULL THEN
        -- No live code. The same work as a wrong code, known login or not.
        SELECT * INTO c FROM one_time_passwords p
         WHERE p.user_id = u.id AND p.code_hash = t.proof AND p.created_at <= t.at
         ORDER BY p.created_at DESC LIMIT 1;
        m := code_tries(c, v_login);
        IF c.id IS NOT NULL AND c.used_at IS NULL AND m.near >= 5 THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'exhausted', '{}');
            RETURN 'exhausted';
        ELSIF c.id IS NOT NULL AND c.used_at IS NULL AND c.expires_at < now() THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
            RETURN 'expired';
        END IF;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'no_live_code', '{}');
        RETURN 'invalid';
    ELSIF c.code_hash IS DISTINCT FROM t.proof THEN
        -- Near or far, the answer and the work are the same; the attempt
        -- itself is what counts. A code the relay has not made yet (0020)
        -- has no hash: no attempt is near it.
        PERFORM record_self_service('complete_reset', v_login, u.id, 'wrong_code',
                                    jsonb_build_object('attempt', c.attempts + m.tries));
        RETURN 'invalid';
    END IF;
    -- The right code: only now is the code's row written, and never waited for.
    BEGIN
        PERFORM 1 FROM one_time_passwords WHERE id = c.id FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM record_self_service('complete_reset', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END;
    SELECT * INTO c FROM one_time_passwords p WHERE p.id = c.id AND p.used_at IS NULL AND p.voided_at IS NULL;
    IF c.id IS NULL THEN
        -- A reset replaced it meanwhile, or another answer used it.
        PERFORM record_self_service('complete_reset', v_login, u.id, 'no_live_code', '{}');
        RETURN 'invalid';
    ELSIF c.expires_at < now() THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
        RETURN 'expired';
    END IF;
    UPDATE one_time_passwords SET used_at = now(), attempts = attempts + m.tries + 1 WHERE id = c.id;
    UPDATE users
       SET password_hash = t.new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    UPDATE self_service_tries SET ok_at = now() WHERE id = t.id;
    PERFORM record_self_service('complete_reset', v_login, u.id, 'ok', '{}');
    RETURN 'ok';
END $$;

CREATE FUNCTION answer_change_password(t self_service_tries) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    v_login text := t.login;
    u       users;
    k       change_tickets;
    n       integer;
    v_right boolean;
    v_tries integer;
BEGIN
    SELECT count(*) INTO n FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    IF n = 1 THEN
        SELECT * INTO u FROM users WHERE primary_email = v_login::citext AND status = 'confirmed';
    END IF;
    SELECT * INTO k FROM change_tickets WHERE user_id = u.id;
    -- Wrong temporary passwords since the ticket was issued, committed,
    -- answered or not, with what 0025 counted before.
    SELECT k.attempts
           + (SELECT count(*) FROM ticket_misses m WHERE m.user_id = k.user_id AND m.issued_at = k.issued_at)
           + (SELECT count(*) FROM self_service_tries x
               WHERE x.login = v_login AND x.kind = 'change_password' AND x.at >= k.issued_at
                 AND x.proof <> k.ticket_hash)
      INTO v_tries;
    v_right := k.user_id IS NOT NULL AND k.ticket_hash = t.proof;
    IF k.user_id IS NULL OR k.issued_at > t.at OR k.issued_at <> u.password_changed_at
       OR NOT u.must_change_password OR u.password_hash IS NULL THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'no_ticket', '{}');
        RETURN 'invalid';
    ELSIF v_tries >= 5 THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'exhausted', '{}');
        RETURN CASE WHEN v_right THEN 'exhausted' ELSE 'invalid' END;
    ELSIF NOT v_right THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'wrong_password', jsonb_build_object('attempt', v_tries));
        RETURN 'invalid';
    END IF;
    -- The right temporary password: only now are the ticket's and the
    -- user's rows written, and never waited for.
    BEGIN
        PERFORM 1 FROM change_tickets WHERE user_id = k.user_id FOR UPDATE NOWAIT;
        PERFORM 1 FROM users WHERE id = u.id FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END;
    IF NOT EXISTS (SELECT 1 FROM change_tickets x WHERE x.user_id = k.user_id AND x.issued_at = k.issued_at
                                                    AND x.ticket_hash = k.ticket_hash) THEN
        -- A reset replaced it meanwhile, or another answer used it.
        PERFORM record_self_service('change_password', v_login, u.id, 'no_ticket', '{}');
        RETURN 'invalid';
    ELSIF coalesce(least(k.expires_at, u.password_expires_at), 'infinity') < now() THEN
        DELETE FROM change_tickets WHERE user_id = k.user_id;
        PERFORM record_self_service('change_password', v_login, u.id, 'expired', '{}');
        RETURN 'expired';
    END IF;
    -- The trigger deletes the ticket with the old password.
    UPDATE users
       SET password_hash = t.new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    UPDATE self_service_tries SET ok_at = now() WHERE id = t.id;
    PERFORM record_self_service('change_password', v_login, u.id, 'ok', '{}');
    RETURN 'ok';
END $$;

-- The one-call functions answered in the caller's transaction: no more.
CREATE OR REPLACE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    PERFORM require_self_service();
    RAISE EXCEPTION 'This ResetDesk is older than the office''s database: update it to finish a reset here.'
        USING ERRCODE = 'feature_not_supported';
END $$;

CREATE OR REPLACE FUNCTION change_password(p_login text, p_proof text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    PERFORM require_self_service();
    RAISE EXCEPTION 'This ResetDesk is older than the office''s database: update it to change a password here.'
        USING ERRCODE = 'feature_not_supported';
END $$;

REVOKE EXECUTE ON FUNCTION self_service_try_limited(self_service_tries), code_tries(one_time_passwords, text),
    answer_complete_reset(self_service_tries), answer_change_password(self_service_tries),
    self_service_try(text, text, text, text), self_service_answer(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION self_service_try(text, text, text, text), self_service_answer(uuid) TO resetdesk_self_service;
