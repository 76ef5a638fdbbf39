-- 0015: re-authentication is the database's finding, not the client's word.
--
-- Until now the client signed in again with the typed password and then
-- reported "ok" or "wrong" through record_verification(p_ok): a tampered
-- client, or a psql session left open, could report "ok" and so end a lock,
-- and nothing required a verification before a reset. Now:
--
-- * A failure is still reported by the client (only a failure: it can only
--   tighten) and five in 15 minutes lock that console user's resets.
-- * An "ok" counts only when the database sees it on a connection that was
--   authenticated moments ago (pg_stat_activity.backend_start within
--   reauth_window()), and only once per connection. The verdict argument is
--   ignored for it: the fresh, password-authenticated connection is the proof.
-- * While the lock holds, nothing the locked user does records an "ok":
--   the lock ends only with time.
-- * reset_passwords consumes one such verification (at most 2 minutes old),
--   or runs on a connection that is itself that fresh (the command line signs
--   in, resets and leaves). Otherwise it refuses.
--
-- Behind a pooler (PgBouncer) backend_start is the server connection's, not
-- the client's, so a verification through it is refused as not fresh; see
-- the README's PgBouncer section.
--
-- Each reset also records how the user was verified and why; the org can
-- require both (0006).

ALTER TABLE admin_verifications
    ADD COLUMN backend_pid   integer,
    ADD COLUMN backend_start timestamptz,
    ADD COLUMN used_at       timestamptz;
CREATE INDEX admin_verifications_unused ON admin_verifications (db_role, at) WHERE ok AND used_at IS NULL;

-- How recently a connection must have been authenticated to vouch for the
-- password. A function, so that tests (as superuser) can shorten it.
CREATE FUNCTION reauth_window() RETURNS interval
LANGUAGE sql STABLE AS $$ SELECT interval '1 minute' $$;

-- When the server accepted this connection. The functions run as
-- resetdesk_definer, which sees other roles' sessions through
-- pg_read_all_stats (granted by setup).
CREATE FUNCTION my_backend_start() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
$$;

CREATE OR REPLACE FUNCTION record_verification(p_ok boolean) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a       users := current_actor();
    until   timestamptz := verification_locked_until(session_user);
    started timestamptz := my_backend_start();
BEGIN
    IF p_ok IS NOT TRUE THEN
        INSERT INTO admin_verifications (ok) VALUES (false);
        until := verification_locked_until(session_user);
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('verify_password', a.id, jsonb_build_object('ok', false, 'locked_until', until));
        RETURN until;
    END IF;
    IF until IS NOT NULL THEN
        -- Even the right password does not end a lock: only time does.
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('verify_password', a.id, jsonb_build_object('ok', false, 'refused', 'locked', 'locked_until', until));
        RETURN until;
    END IF;
    IF started IS NULL THEN
        RAISE EXCEPTION 'The database cannot see when this connection was signed in: run resetdesk setup again (it grants pg_read_all_stats to resetdesk_definer).'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF started < now() - reauth_window() THEN
        RAISE EXCEPTION 'This connection was signed in at %, not moments ago, so it cannot confirm your password. Sign in again with your password to confirm it.',
            to_char(started, 'HH24:MI:SS TZ') USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM admin_verifications v
                WHERE v.db_role = session_user AND v.backend_pid = pg_backend_pid() AND v.backend_start = started) THEN
        RAISE EXCEPTION 'This connection has already confirmed your password once. Sign in again with your password to confirm it again.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO admin_verifications (ok, backend_pid, backend_start) VALUES (true, pg_backend_pid(), started);
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('verify_password', a.id, jsonb_build_object('ok', true, 'locked_until', NULL));
    RETURN NULL;
END $$;

-- The body of 0002, with two changes: p_audit joins every audit row's
-- details (how the user was verified, the reason), and ids that name nobody
-- in the org share one audit row with their count, so 300 unknown ids do not
-- write 300 rows.
DROP FUNCTION reset_passwords(bigint[], text, text[], text[], boolean, boolean, boolean, boolean);
DROP FUNCTION reset_passwords_unchecked(bigint[], text, text[], text[], boolean, boolean, boolean, boolean);

CREATE FUNCTION reset_passwords_unchecked(
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
    PERFORM 1 FROM users u WHERE u.id = ANY (p_user_ids) AND u.org_id = a.org_id ORDER BY u.id FOR UPDATE;

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

-- How an admin may have verified the caller before a reset.
CREATE FUNCTION reset_verification_methods() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY['in_person', 'call_back', 'manager_approval', 'ticket'] $$;

-- The console's entry point. The last two parameters default to NULL, so a
-- client that predates them still resets where the org does not require them.
CREATE FUNCTION reset_passwords(
    p_user_ids bigint[], p_mode text, p_password_hashes text[], p_code_hashes text[],
    p_force_change boolean, p_email_password boolean, p_clear_mobile boolean, p_unlock boolean,
    p_verified_by text DEFAULT NULL, p_reason text DEFAULT NULL
) RETURNS TABLE (user_id bigint, outcome text, reason text, delivery_id bigint, delivery_kind text,
                 to_address text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
#variable_conflict use_column
DECLARE
    a        users := current_actor();
    until    timestamptz := verification_locked_until(session_user);
    started  timestamptz;
    v_ver    bigint;
    v_by     text := nullif(btrim(p_verified_by), '');
    v_reason text := nullif(btrim(p_reason), '');
    v_req    boolean;
BEGIN
    IF until IS NOT NULL THEN
        RAISE EXCEPTION 'Resets are locked after 5 wrong passwords; try again after %.', to_char(until, 'HH24:MI TZ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF v_by IS NOT NULL AND NOT v_by = ANY (reset_verification_methods()) THEN
        RAISE EXCEPTION 'How the user was verified must be one of: in_person, call_back, manager_approval, ticket.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF length(v_reason) > 500 OR v_reason ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'The reason must be one line of at most 500 characters.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT o.require_reset_reason INTO v_req FROM orgs o WHERE o.id = a.org_id;
    IF v_req AND (v_by IS NULL OR v_reason IS NULL) THEN
        RAISE EXCEPTION 'This organization requires how the user was verified and a reason before a reset.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The re-authentication: a verification made moments ago on a fresh
    -- connection (used up here), or this connection is itself that fresh.
    UPDATE admin_verifications v SET used_at = now()
     WHERE v.id = (SELECT x.id FROM admin_verifications x
                    WHERE x.db_role = session_user AND x.ok AND x.used_at IS NULL
                      AND x.at > now() - interval '2 minutes'
                    ORDER BY x.at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING v.id INTO v_ver;
    IF v_ver IS NULL THEN
        started := my_backend_start();
        IF started IS NULL OR started < now() - reauth_window() THEN
            RAISE EXCEPTION 'Confirm your password first: a reset needs your password, checked by the database moments before.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;

    RETURN QUERY SELECT * FROM reset_passwords_unchecked(p_user_ids, p_mode, p_password_hashes, p_code_hashes,
        p_force_change, p_email_password, p_clear_mobile, p_unlock,
        jsonb_strip_nulls(jsonb_build_object('verified_by', v_by, 'verification_reason', v_reason,
                                             'reauth', CASE WHEN v_ver IS NULL THEN 'fresh_connection' ELSE 'verified' END)));
END $$;

GRANT EXECUTE ON FUNCTION reset_passwords(bigint[], text, text[], text[], boolean, boolean, boolean, boolean, text, text)
    TO resetdesk_console;
