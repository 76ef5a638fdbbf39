-- 0025: a self-service login no longer holds a row that a reset needs.
--
-- complete_reset took the user's live code FOR UPDATE and wrote its
-- attempt counters; change_password did the same to the user's change
-- ticket. A self-service login that leaves its transaction open (any login
-- may SET its idle-in-transaction timeout off) kept those rows locked, and
-- every reset of those users, a Resend or a bulk reset that includes one of
-- them, waited 5 s and failed, for as long as it liked: one transaction
-- that typed a wrong code for every user stopped the office's resets.
--
-- Now a wrong code or temporary password is an insert into a table of its
-- own (code_misses, ticket_misses), which nobody else locks, and attempts
-- at one code or ticket are kept one at a time by a transaction-scoped
-- advisory lock, which only other self-service attempts take: a held one
-- answers busy, as a held row did. The code's and the ticket's rows are
-- written only by whoever typed the right code or password. Five near
-- misses (0022) or five wrong temporary passwords now use a code or ticket
-- up by being counted, not by a write: a code so used is no longer live.
-- The counters on the rows (attempts, near_misses) keep what they held.
--
-- complete_reset as 0022 made it, change_password as 0007 made it (nothing
-- redefined it since), with these changes; lock timeouts kept.

CREATE TABLE code_misses (
    otp_id bigint NOT NULL, -- one_time_passwords.id; no foreign key, whose check would lock the code's row
    near   boolean NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_misses_otp ON code_misses (otp_id);
CREATE INDEX code_misses_at ON code_misses (at);

CREATE TABLE ticket_misses (
    user_id   bigint NOT NULL, -- change_tickets.user_id, no foreign key either
    issued_at timestamptz NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_misses_ticket ON ticket_misses (user_id, issued_at);
CREATE INDEX ticket_misses_at ON ticket_misses (at);

-- The keys of the advisory locks: (1380205361, code id) and (1380205362, user id).
CREATE FUNCTION self_service_turn(p_space integer, p_id bigint) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT pg_try_advisory_xact_lock(p_space, (coalesce(p_id, 0) % 2147483647)::integer)
$$;

-- Wrong codes typed for code p, and how many of them were near misses.
CREATE FUNCTION code_misses_of(p_otp bigint, OUT tries integer, OUT near integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT count(*)::integer, (count(*) FILTER (WHERE m.near))::integer FROM code_misses m WHERE m.otp_id = p_otp
$$;

REVOKE EXECUTE ON FUNCTION self_service_turn(integer, bigint), code_misses_of(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    u       users;
    c       one_time_passwords;
    n       integer;
    v_near  integer;
    m       record;
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
    SELECT * INTO c FROM one_time_passwords p
     WHERE p.user_id = u.id AND p.used_at IS NULL AND p.voided_at IS NULL
     ORDER BY p.created_at DESC LIMIT 1;
    -- One attempt at a time per code; the others answer busy. Read again
    -- once it is this one's turn: the one before may have used it.
    IF NOT self_service_turn(1380205361, c.id) AND c.id IS NOT NULL THEN
        PERFORM record_self_service('complete_reset', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END IF;
    SELECT * INTO c FROM one_time_passwords p WHERE p.id = c.id AND p.used_at IS NULL AND p.voided_at IS NULL;
    m := code_misses_of(c.id);
    IF c.id IS NOT NULL AND c.near_misses + m.near >= 5 THEN
        c := NULL; -- used up by near misses: no longer live
    END IF;
    IF c.id IS NULL THEN
        -- No live code. The same work as a wrong code, known login or not.
        INSERT INTO code_misses (otp_id, near) SELECT 0, false WHERE false;
        SELECT * INTO c FROM one_time_passwords p
         WHERE p.user_id = u.id AND p.code_hash = p_code_hash ORDER BY p.created_at DESC LIMIT 1;
        m := code_misses_of(c.id);
        IF c.id IS NOT NULL AND c.used_at IS NULL AND c.near_misses + m.near >= 5 THEN
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
        -- tells a guesser which. A code the relay has not made yet (0020)
        -- has no hash: no guess is near it.
        v_near := coalesce(left(c.code_hash, 3) = left(p_code_hash, 3), false)::integer;
        INSERT INTO code_misses (otp_id, near) VALUES (c.id, v_near = 1);
        DELETE FROM code_misses WHERE ctid IN (
            SELECT ctid FROM code_misses WHERE at < now() - interval '2 days' LIMIT 20 FOR UPDATE SKIP LOCKED);
        PERFORM record_self_service('complete_reset', v_login, u.id, 'wrong_code',
                                    jsonb_build_object('attempt', c.attempts + m.tries + 1));
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
        -- A reset replaced it meanwhile.
        PERFORM record_self_service('complete_reset', v_login, u.id, 'no_live_code', '{}');
        RETURN 'invalid';
    ELSIF c.expires_at < now() THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        PERFORM record_self_service('complete_reset', v_login, u.id, 'expired', '{}');
        RETURN 'expired';
    END IF;
    UPDATE one_time_passwords SET used_at = now(), attempts = attempts + m.tries + 1 WHERE id = c.id;
    UPDATE users
       SET password_hash = p_new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    PERFORM record_self_service('complete_reset', v_login, u.id, 'ok', '{}');
    RETURN 'ok';
END $$;

CREATE OR REPLACE FUNCTION change_password(p_login text, p_proof text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    v_login text := left(lower(trim(coalesce(p_login, ''))), 320);
    u       users;
    t       change_tickets;
    n       integer;
    v_right boolean;
    v_tries integer;
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
    IF NOT self_service_turn(1380205362, u.id) AND u.id IS NOT NULL THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END IF;
    SELECT * INTO t FROM change_tickets WHERE user_id = u.id;
    SELECT t.attempts + count(*) INTO v_tries FROM ticket_misses m WHERE m.user_id = t.user_id AND m.issued_at = t.issued_at;
    v_right := t.user_id IS NOT NULL AND t.ticket_hash = encode(sha256(decode(p_proof, 'hex')), 'hex');
    IF t.user_id IS NULL OR t.issued_at <> u.password_changed_at OR NOT u.must_change_password OR u.password_hash IS NULL THEN
        INSERT INTO ticket_misses (user_id, issued_at) SELECT 0, now() WHERE false;
        PERFORM record_self_service('change_password', v_login, u.id, 'no_ticket', '{}');
        RETURN 'invalid';
    ELSIF v_tries >= 5 THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'exhausted', '{}');
        RETURN CASE WHEN v_right THEN 'exhausted' ELSE 'invalid' END;
    ELSIF NOT v_right THEN
        INSERT INTO ticket_misses (user_id, issued_at) VALUES (t.user_id, t.issued_at);
        DELETE FROM ticket_misses WHERE ctid IN (
            SELECT ctid FROM ticket_misses WHERE at < now() - interval '60 days' LIMIT 20 FOR UPDATE SKIP LOCKED);
        PERFORM record_self_service('change_password', v_login, u.id, 'wrong_password', jsonb_build_object('attempt', v_tries + 1));
        RETURN 'invalid';
    END IF;
    -- The right temporary password: only now are the ticket's and the
    -- user's rows written, and never waited for.
    BEGIN
        PERFORM 1 FROM change_tickets WHERE user_id = t.user_id FOR UPDATE NOWAIT;
        PERFORM 1 FROM users WHERE id = u.id FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM record_self_service('change_password', v_login, u.id, 'busy', '{}');
        RETURN 'busy';
    END;
    IF NOT EXISTS (SELECT 1 FROM change_tickets x WHERE x.user_id = t.user_id AND x.issued_at = t.issued_at
                                                    AND x.ticket_hash = t.ticket_hash) THEN
        -- A reset replaced it meanwhile.
        PERFORM record_self_service('change_password', v_login, u.id, 'no_ticket', '{}');
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

-- A self-service attempt for a user writes an audit row about that user,
-- whose foreign key check takes the user's row FOR KEY SHARE until the
-- attempt's transaction ends. A reset locked its targets FOR UPDATE, which
-- waits for that; FOR NO KEY UPDATE does not, and still keeps two resets
-- of one user apart. reset_passwords_unchecked as 0015 made it (nothing
-- redefined it since), with that one word changed; hand_over_password as
-- 0019 made it, the same.
CREATE OR REPLACE FUNCTION reset_passwords_unchecked(
    p_user_ids        bigint[],
    p_mode            text,
    p_password_hashes text[],
    p_code_hashes     text[],
    p_force_change    boolean,
    p_email_password  boolean,
    p_clear_mobile    boolean,
    p_unlock          boolean,
    p_audit           jsonb
) RETURNS TABLE (user_id bigint, outcome text, reason text, delivery_id bigint, delivery_kind text,
                 to_address text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a         users := current_actor();
    o         orgs;
    n         integer := coalesce(cardinality(p_user_ids), 0);
    v_reasons text[];
    v_reset   bigint[];
    v_expires timestamptz;
    v_details jsonb;
BEGIN
    PERFORM require_permission(a, 'reset_password');
    SELECT * INTO STRICT o FROM orgs WHERE id = a.org_id;
    IF p_mode IS NULL OR p_mode NOT IN ('one_time_password', 'set_password') THEN
        RAISE EXCEPTION 'Unknown reset mode %.', left(p_mode, 40) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_mode = 'set_password' AND a.role <> 'owner' THEN
        PERFORM require_permission(a, 'set_password');
        IF NOT o.admins_may_set_passwords THEN
            RAISE EXCEPTION 'Only the owner may set passwords in this organization.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF n > 300 THEN
        RAISE EXCEPTION 'A reset holds at most 300 users; this one has %.', n USING ERRCODE = 'program_limit_exceeded';
    END IF;
    IF coalesce(cardinality(p_password_hashes), 0) <> n OR coalesce(cardinality(p_code_hashes), 0) <> n THEN
        RAISE EXCEPTION 'The hash arrays must match the user ids.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(p_user_ids) x) <> n THEN
        RAISE EXCEPTION 'A user appears twice in the reset.' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Lock the targets in id order, so two admins resetting overlapping sets
    -- wait for each other instead of deadlocking.
    PERFORM 1 FROM users u WHERE u.id = ANY (p_user_ids) AND u.org_id = a.org_id ORDER BY u.id FOR NO KEY UPDATE;

    SELECT array_agg(skip_reason(a, u, o, p_mode, p_email_password) ORDER BY i.ord)
      INTO v_reasons
      FROM unnest(p_user_ids) WITH ORDINALITY AS i(id, ord)
      LEFT JOIN users u ON u.id = i.id AND u.org_id = a.org_id;

    IF EXISTS (SELECT 1 FROM unnest(v_reasons, p_password_hashes, p_code_hashes) AS e(reason, ph, ch)
                WHERE e.reason IS NULL
                  AND ((p_mode = 'set_password' AND e.ph IS NULL) OR (p_mode = 'one_time_password' AND e.ch IS NULL))) THEN
        RAISE EXCEPTION 'A user to reset has no new password or code.' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    v_expires := CASE WHEN p_mode = 'one_time_password' THEN now() + o.otp_ttl
                      WHEN p_force_change THEN now() + o.temp_password_ttl END;

    -- The old password stops working now: a one-time reset leaves none until
    -- the user sets one with the code.
    WITH e AS (
        SELECT * FROM unnest(p_user_ids, v_reasons, p_password_hashes) AS e(id, reason, ph) WHERE e.reason IS NULL
    ), upd AS (
        UPDATE users u
           SET password_hash        = CASE WHEN p_mode = 'set_password' THEN e.ph END,
               must_change_password = p_mode = 'set_password' AND p_force_change,
               password_expires_at  = CASE WHEN p_mode = 'set_password' THEN v_expires END,
               password_changed_at  = now(),
               locked_until         = CASE WHEN p_unlock THEN NULL ELSE u.locked_until END
          FROM e
         WHERE u.id = e.id
        RETURNING u.id
    )
    SELECT array_agg(upd.id) INTO v_reset FROM upd;
    v_reset := coalesce(v_reset, '{}');

    UPDATE sessions s SET revoked_at = now()
     WHERE s.user_id = ANY (v_reset) AND s.revoked_at IS NULL AND (s.kind = 'web' OR p_clear_mobile);
    UPDATE api_tokens t SET revoked_at = now()
     WHERE p_clear_mobile AND t.user_id = ANY (v_reset) AND t.revoked_at IS NULL;

    -- Any code still out there dies with this reset; a one-time reset issues the new one.
    UPDATE one_time_passwords p SET voided_at = now()
     WHERE p.user_id = ANY (v_reset) AND p.used_at IS NULL AND p.voided_at IS NULL;
    INSERT INTO one_time_passwords (user_id, code_hash, expires_at, issued_by)
    SELECT e.id, e.ch, v_expires, session_user
      FROM unnest(p_user_ids, v_reasons, p_code_hashes) AS e(id, reason, ch)
     WHERE p_mode = 'one_time_password' AND e.reason IS NULL;

    v_details := jsonb_build_object('mode', p_mode, 'force_change', p_mode = 'set_password' AND p_force_change,
        'email_password', p_email_password, 'clear_mobile_sessions', p_clear_mobile, 'unlock', p_unlock,
        'batch_size', n) || coalesce(p_audit, '{}');

    RETURN QUERY
    WITH i AS (
        SELECT x.id, x.reason, x.ord, u.primary_email, u.secondary_email, u.primary_is_mobile, u.primary_email_undeliverable
          FROM unnest(p_user_ids, v_reasons) WITH ORDINALITY AS x(id, reason, ord)
          LEFT JOIN users u ON u.id = x.id AND u.org_id = a.org_id
    ), mail AS (
        -- What goes out after the commit: the code, the password, a notice
        -- without the secret, or a word to the secondary address.
        SELECT i.id,
               CASE WHEN i.reason IS NULL AND p_mode = 'one_time_password' THEN 'one_time_password'
                    WHEN i.reason IS NULL AND p_email_password THEN 'password'
                    WHEN i.reason IS NULL AND i.primary_email IS NOT NULL AND NOT i.primary_is_mobile
                         AND NOT i.primary_email_undeliverable THEN 'password_notice'
                    WHEN i.reason = 'primary_undeliverable' AND i.secondary_email IS NOT NULL THEN 'undeliverable_notice'
               END AS kind,
               CASE WHEN i.reason = 'primary_undeliverable' THEN i.secondary_email ELSE i.primary_email END::text AS addr
          FROM i
    ), ins AS (
        INSERT INTO mail_deliveries (user_id, kind, to_address)
        SELECT mail.id, mail.kind, mail.addr FROM mail WHERE mail.kind IS NOT NULL
        RETURNING mail_deliveries.id, mail_deliveries.user_id, mail_deliveries.kind, mail_deliveries.to_address
    ), aud AS (
        INSERT INTO audit_events (action, target_user_id, details)
        SELECT 'reset_password', i.id,
               v_details || jsonb_build_object(
                   'outcome', CASE WHEN i.reason IS NULL THEN 'reset' ELSE 'skipped' END,
                   'reason', i.reason,
                   'delivery', ins.kind)
          FROM i LEFT JOIN ins ON ins.user_id = i.id
         WHERE i.reason IS DISTINCT FROM 'not_found'
        UNION ALL
        SELECT 'reset_password', NULL,
               v_details || jsonb_build_object('outcome', 'skipped', 'reason', 'not_found', 'count', count(*))
          FROM i
         WHERE i.reason = 'not_found'
        HAVING count(*) > 0
    )
    SELECT i.id, CASE WHEN i.reason IS NULL THEN 'reset' ELSE 'skipped' END, i.reason,
           ins.id, ins.kind, ins.to_address, CASE WHEN i.reason IS NULL THEN v_expires END
      FROM i LEFT JOIN ins ON ins.user_id = i.id
     ORDER BY i.ord;
END $$;

CREATE OR REPLACE FUNCTION hand_over_password(p_user_id bigint, p_proof text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    a users := current_actor();
    o orgs;
    u users;
    t change_tickets;
    why text;
BEGIN
    SELECT * INTO STRICT o FROM orgs WHERE id = a.org_id;
    PERFORM require_permission(a, 'reset_password');
    IF a.role <> 'owner' THEN
        PERFORM require_permission(a, 'set_password');
        IF NOT o.admins_may_set_passwords THEN
            RAISE EXCEPTION 'Only the owner may set passwords in this organization.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF verification_locked_until(session_user) IS NOT NULL THEN
        RAISE EXCEPTION 'Resets are locked after 5 wrong passwords.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_proof IS NULL OR p_proof !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The proof of the temporary password is not 32 bytes of hex.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_new_hash IS NULL OR NOT valid_phc(p_new_hash) THEN
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string with ResetDesk''s parameters.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO u FROM users WHERE id = p_user_id AND org_id = a.org_id FOR NO KEY UPDATE;
    why := skip_reason(a, u, o, 'set_password', false);
    IF u.id IS NOT NULL AND why IS NOT NULL THEN
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('hand_over', u.id, jsonb_build_object('outcome', 'refused', 'reason', why));
        RAISE EXCEPTION 'This user can no longer be given a password here (%): reset them again if that is still right.', why
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO t FROM change_tickets WHERE user_id = u.id FOR UPDATE;
    IF u.id IS NULL OR t.user_id IS NULL OR t.issued_by <> session_user OR t.issued_at <> u.password_changed_at
       OR NOT u.must_change_password OR u.password_hash IS NULL
       OR t.ticket_hash <> encode(sha256(decode(p_proof, 'hex')), 'hex') THEN
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('hand_over', u.id, '{"outcome": "no_ticket"}');
        RETURN 'invalid';
    ELSIF coalesce(least(t.expires_at, u.password_expires_at), 'infinity') < now() THEN
        DELETE FROM change_tickets WHERE user_id = t.user_id;
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('hand_over', u.id, '{"outcome": "expired"}');
        RETURN 'expired';
    END IF;
    -- The change-ticket trigger deletes the ticket with the old password.
    UPDATE users
       SET password_hash = p_new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('hand_over', u.id, '{"outcome": "ok", "typed_by": "user"}');
    RETURN 'ok';
END $$;
