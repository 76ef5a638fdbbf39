-- 0036: a reset's audit says whether it unlocked the user.
--
-- The audit of a reset kept the admin's "Unlock the account" option
-- ('unlock'), which the bulk dialog ticks for everyone, so a reviewer read
-- "unlocked" about users who had never been locked. Each target's row now
-- also says what happened to that user: 'unlocked' is true only when the
-- option was on and the user had a lock for the reset to clear. A lock is
-- any locked_until, lapsed or not: the passdb (0016) refuses the password
-- until something clears it, so clearing a lapsed one unlocks the user too.
--
-- reset_passwords_unchecked as 0025 made it (nothing redefined it since),
-- with v_locked and the 'unlocked' key added.
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
    v_locked  bigint[];
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

    -- Who has a lock before the reset clears it (the rows are ours until
    -- the commit, so nothing changes them in between).
    SELECT array_agg(u.id) INTO v_locked
      FROM users u
     WHERE u.id = ANY (p_user_ids) AND u.org_id = a.org_id AND u.locked_until IS NOT NULL;
    v_locked := coalesce(v_locked, '{}');

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
                   'delivery', ins.kind,
                   'unlocked', p_unlock AND i.reason IS NULL AND i.id = ANY (v_locked))
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
