-- 0031: no self-service login refuses the others.
--
-- 0022 kept four limits on failed attempts in 15 minutes: 10 per typed
-- login at one self-service login, 100 per self-service login, and over
-- all of them 50 per typed login and 500 in all. The last two were there to
-- bound guesses at a code, which a caller who rolled back escaped. Since
-- 0030 every attempt counts once committed, and five near misses use a
-- code up, so at most those attempts made before its fifth near miss could
-- ever be answered "ok": a chance below 5 x 4096 / 2^50 = 1.8e-11 per code,
-- at any rate of guessing and for as long as it lives. The two shared
-- limits bound nothing more, and they let anyone who holds any
-- self-service login refuse every other one: 50 failures kept a chosen
-- user from finishing at every kiosk, 500 kept everyone from it.
--
-- Now only the limits of the self-service login itself remain (10 per
-- typed login, 100 in all): a device whose login's password went astray
-- can refuse its own users, never another device's. An office that gives
-- each device or site its own self-service login keeps the others
-- working; one login shared by all devices shares its limits too.
--
-- self_service_try also refuses (NULL, which the client reads as limited)
-- once the self-service login is at either limit, so that a login past
-- its limits adds no more rows. The answer checks them again, since
-- attempts made at the same moment all pass the first check.
--
-- self_service_try_limited as 0030 made it without the two shared limits;
-- self_service_try as 0030 made it (its lock timeout kept), with the check.

CREATE OR REPLACE FUNCTION self_service_try_limited(t self_service_tries) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.login = t.login AND x.db_role = t.db_role AND x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id IS DISTINCT FROM t.id LIMIT 10) y) >= 10
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_tries x
                                   WHERE x.db_role = t.db_role AND x.at > now() - interval '15 minutes'
                                     AND x.ok_at IS NULL AND x.id IS DISTINCT FROM t.id LIMIT 100) y) >= 100
$$;

CREATE OR REPLACE FUNCTION self_service_try(p_kind text, p_login text, p_proof text, p_new_hash text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    t       self_service_tries;
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
    -- What the limits would say of this attempt, before it is made: they
    -- read only this self-service login's own failures, and the typed
    -- login as typed, so the refusal tells nothing about any user.
    t.login := v_login;
    t.db_role := session_user;
    IF self_service_try_limited(t) THEN
        RETURN NULL;
    END IF;
    INSERT INTO self_service_tries (kind, login, proof, new_hash)
    VALUES (p_kind, v_login,
            CASE WHEN p_kind = 'complete_reset' THEN p_proof ELSE encode(sha256(decode(p_proof, 'hex')), 'hex') END,
            p_new_hash)
    RETURNING token INTO v_token;
    -- Attempts are kept two days (a code lives at most one).
    DELETE FROM self_service_tries WHERE id IN (
        SELECT id FROM self_service_tries WHERE at < now() - interval '2 days' LIMIT 20 FOR UPDATE SKIP LOCKED);
    RETURN v_token;
END $$;
