-- 0022: a self-service login can no longer lock a user out of their code.
--
-- Until now 5 wrong codes voided a user's code, and 10 failures for a typed
-- login refused every kiosk for 15 minutes: anyone holding any self-service
-- login (the set-up is exported to every office PC and phone) could void a
-- user's code with 5 calls, or block it for 15 minutes with 10, without
-- knowing anything.
--
-- 1. A wrong code counts against the live code only when it is a near
--    miss: its SHA-256 begins with the same 3 hex digits as the code's
--    (one guess in 4096). 5 near misses void the code. A guesser who does
--    not know the code does not know its 3 digits either, so a guess at
--    it is evaluated freely only where it cannot be right; at most 5
--    guesses land where the code is, among 2^50 / 4096 = 2^38 codes. The
--    user's own typos almost never count (1 in 4096 each). To void a code
--    blindly takes about 10,000 wrong codes for that one login (5 in each
--    of half the 4096 prefixes), far beyond the limits below during a
--    code's life (15 minutes by default, 24 hours at most). `attempts`
--    still counts every wrong code.
-- 2. The limit per typed login is per typed login and self-service login:
--    10 failures in 15 minutes refuse that kiosk only; a user locked out
--    at one kiosk finishes at another. Over all self-service logins a
--    typed login may fail 50 times in 15 minutes (five kiosks' worth), the
--    bound on guesses at one code: 50 in 15 minutes, 4,800 in 24 hours.
--    The limits of 100 per self-service login and 500 in all stay.
--    Failures count whether or not the login exists: an unknown login
--    meets the same answers after the same work.
--
-- A guesser's chance against one code is at most min(guesses, 5 x 4096) /
-- 2^50: 50 / 2^50 = 4.4e-14 at the default 15 minutes, 4,800 / 2^50 =
-- 4.3e-12 at 24 hours. Temporary passwords (change_password) keep 5 tries
-- per ticket: they may be typed by an admin, so their guesses stay few;
-- using a ticket up stops only the self-service change, not the password.
--
-- complete_reset as 0007 made it (nothing redefined it since), with the
-- near-miss count.

ALTER TABLE one_time_passwords ADD COLUMN near_misses integer NOT NULL DEFAULT 0;
-- Codes the old rule used up still say so to whoever types them right.
UPDATE one_time_passwords SET near_misses = 5 WHERE attempts >= 5 AND used_at IS NULL;

CREATE OR REPLACE FUNCTION self_service_limited(p_login text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE login = p_login AND db_role = session_user
                                     AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 10) x) >= 10
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE login = p_login AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 50) x) >= 50
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE db_role = session_user AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 100) x) >= 100
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 500) x) >= 500
$$;

CREATE OR REPLACE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    u       users;
    c       one_time_passwords;
    n       integer;
    v_near  integer;
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
        IF c.id IS NOT NULL AND c.used_at IS NULL AND c.near_misses >= 5 THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'exhausted', '{}');
            RETURN 'exhausted';
        ELSIF c.id IS NOT NULL AND c.used_at IS NULL AND c.expires_at < now() THEN
            PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
            RETURN 'expired';
        END IF;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'no_live_code', '{}');
        RETURN 'invalid';
    ELSIF c.code_hash IS DISTINCT FROM p_code_hash THEN
        -- The same statement near or far: neither the answer nor the work
        -- tells a guesser which.
        -- A code the relay has not made yet (0020) has no hash: no guess
        -- is near it.
        v_near := coalesce(left(c.code_hash, 3) = left(p_code_hash, 3), false)::integer;
        UPDATE one_time_passwords
           SET attempts = attempts + 1,
               near_misses = near_misses + v_near,
               voided_at = CASE WHEN near_misses + v_near >= 5 OR expires_at < now() THEN now() END
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
