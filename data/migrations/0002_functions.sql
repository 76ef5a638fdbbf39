-- 0002: every write a console user can make. Each function is SECURITY DEFINER
-- with a fixed search_path, finds the caller by session_user, checks rank and
-- permissions, applies the rules of a reset, and writes the audit row in the
-- same transaction. A refusal is SQLSTATE 42501 with a sentence for the admin.

-- The console user behind this connection.
CREATE FUNCTION current_actor() RETURNS users
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users;
BEGIN
    SELECT * INTO a FROM users WHERE db_role = session_user;
    IF NOT FOUND OR a.status <> 'confirmed' THEN
        RAISE EXCEPTION 'The role % is not an active ResetDesk admin.', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN a;
END $$;

CREATE FUNCTION role_permissions(p_role text) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT CASE p_role
        WHEN 'owner' THEN ARRAY['reset_password', 'set_password', 'import_users', 'manage_admins', 'view_audit']
        WHEN 'admin' THEN ARRAY['reset_password', 'set_password', 'import_users', 'view_audit']
        WHEN 'member' THEN '{}'::text[]
        ELSE coalesce((SELECT permissions FROM roles WHERE name = p_role), '{}'::text[])
    END
$$;

-- The caller's permissions: what the console reads to show or hide actions.
CREATE FUNCTION my_permissions() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT role_permissions((current_actor()).role)
$$;

-- The same rule as app.SkipReasonFor, in the same order. NULL means eligible.
-- No SET clause, so the planner inlines it into the callers' set-based
-- queries; only the definer functions (fixed search_path) can call it.
CREATE FUNCTION skip_reason(a users, t users, o orgs, p_mode text, p_email_password boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN t.id IS NULL THEN 'not_found'
        WHEN t.role = 'owner' OR t.id = a.id OR (t.role <> 'member' AND a.role <> 'owner') THEN 'protected'
        WHEN t.status = 'deactivated' THEN 'deactivated'
        WHEN t.status <> 'confirmed' THEN 'not_confirmed'
        WHEN t.sso_managed OR o.sso_enabled THEN 'sso'
        WHEN NOT (p_mode = 'one_time_password' OR p_email_password) THEN NULL
        WHEN t.primary_is_mobile THEN 'mobile_primary'
        WHEN t.primary_email_undeliverable THEN 'primary_undeliverable'
        WHEN t.primary_email IS NULL THEN 'no_email'
    END
$$;

CREATE FUNCTION require_permission(a users, p_perm text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF NOT p_perm = ANY (role_permissions(a.role)) THEN
        RAISE EXCEPTION 'Your role (%) does not have the % permission.', a.role, p_perm
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- Reset many users in one go. The arrays run in parallel: p_password_hashes
-- holds PHC strings in set_password mode, p_code_hashes hex SHA-256 of the
-- one-time passwords in one_time_password mode (NULL elsewhere). Returns one row
-- per user id, in the order given. A fixed number of statements, whatever the count.
CREATE FUNCTION reset_passwords(
    p_user_ids        bigint[],
    p_mode            text,
    p_password_hashes text[],
    p_code_hashes     text[],
    p_force_change    boolean,
    p_email_password  boolean,
    p_clear_mobile    boolean,
    p_unlock          boolean
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
        RAISE EXCEPTION 'Unknown reset mode %.', p_mode USING ERRCODE = 'invalid_parameter_value';
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
        'batch_size', n);

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
        SELECT 'reset_password', CASE WHEN i.reason = 'not_found' THEN NULL ELSE i.id END,
               v_details || jsonb_build_object(
                   'outcome', CASE WHEN i.reason IS NULL THEN 'reset' ELSE 'skipped' END,
                   'reason', i.reason,
                   'delivery', ins.kind)
          FROM i LEFT JOIN ins ON ins.user_id = i.id
    )
    SELECT i.id, CASE WHEN i.reason IS NULL THEN 'reset' ELSE 'skipped' END, i.reason,
           ins.id, ins.kind, ins.to_address, CASE WHEN i.reason IS NULL THEN v_expires END
      FROM i LEFT JOIN ins ON ins.user_id = i.id
     ORDER BY i.ord;
END $$;

-- Record what happened to messages after the reset committed. Only rows still
-- pending change, so a late or repeated report never turns sent into failed.
CREATE FUNCTION record_deliveries(p_ids bigint[], p_statuses text[], p_errors text[], p_attempts integer[])
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    UPDATE mail_deliveries d
       SET status     = e.status,
           last_error = e.err,
           attempts   = d.attempts + e.attempts,
           sent_at    = CASE WHEN e.status = 'sent' THEN now() END
      FROM unnest(p_ids, p_statuses, p_errors, p_attempts) AS e(id, status, err, attempts)
     WHERE d.id = e.id AND d.status = 'pending' AND e.status IN ('sent', 'failed')
       AND d.created_by = session_user;
END $$;

-- A row for a test message from Settings, which has no user.
CREATE FUNCTION create_test_delivery(p_to text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a  users := current_actor();
    id bigint;
BEGIN
    INSERT INTO mail_deliveries (kind, to_address) VALUES ('test', p_to) RETURNING mail_deliveries.id INTO id;
    INSERT INTO audit_events (action, details) VALUES ('send_test_mail', jsonb_build_object('to', p_to));
    RETURN id;
END $$;

-- Add users from an import file. Rows whose email or mobile number is already
-- in the org are left out and come back with user_id NULL; the caller reports
-- them by line. Two imports of overlapping files cannot create duplicates: the
-- unique indexes decide.
CREATE FUNCTION import_users(p_lines integer[], p_emails text[], p_names text[], p_mobiles text[],
                             p_secondary text[], p_statuses text[])
RETURNS TABLE (line integer, user_id bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a users := current_actor();
    n integer := coalesce(cardinality(p_lines), 0);
BEGIN
    PERFORM require_permission(a, 'import_users');
    IF n > 300 THEN
        RAISE EXCEPTION 'An import holds at most 300 users; this one has %.', n USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN QUERY
    WITH e AS (
        SELECT * FROM unnest(p_lines, p_emails, p_names, p_mobiles, p_secondary, p_statuses)
                 AS e(line, email, name, mobile, secondary, status)
    ), ins AS (
        INSERT INTO users (org_id, display_name, primary_email, mobile_number, primary_is_mobile,
                           secondary_email, status, role)
        SELECT a.org_id, coalesce(e.name, ''), nullif(e.email, ''), nullif(e.mobile, ''),
               nullif(e.email, '') IS NULL, nullif(e.secondary, ''), coalesce(nullif(e.status, ''), 'invited'), 'member'
          FROM e
        ON CONFLICT DO NOTHING
        RETURNING users.id, users.primary_email, users.mobile_number
    ), aud AS (
        INSERT INTO audit_events (action, target_user_id, details)
        SELECT 'import_user', ins.id, '{}'::jsonb FROM ins
    )
    SELECT e.line, ins.id
      FROM e LEFT JOIN ins ON (ins.primary_email = nullif(e.email, '')::citext)
                           OR (ins.primary_email IS NULL AND nullif(e.email, '') IS NULL AND ins.mobile_number = e.mobile)
     ORDER BY e.line;
END $$;

-- The end user's side of a one-time reset. Any role that can connect may call
-- it: the code is the credential, and it allows five attempts. Returns ok,
-- invalid, expired or exhausted; an unknown login answers invalid, as a wrong
-- code does, after the same work.
CREATE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    u users;
    c one_time_passwords;
BEGIN
    IF p_code_hash IS NULL OR p_code_hash !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The one-time password hash is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Console users never redeem codes: whoever may issue a code of their
    -- choosing could otherwise set any password through this door.
    IF pg_has_role(session_user, 'resetdesk_console', 'MEMBER') THEN
        RAISE EXCEPTION 'Admins cannot complete a reset for a user; the user does, with the code they were sent.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_new_hash IS NULL OR p_new_hash !~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$' THEN
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO u FROM users WHERE primary_email = p_login::citext AND status = 'confirmed';
    SELECT * INTO c FROM one_time_passwords p
     WHERE p.user_id = u.id AND p.used_at IS NULL AND p.voided_at IS NULL
     ORDER BY p.created_at DESC LIMIT 1
       FOR UPDATE;
    IF c.id IS NULL THEN
        -- The same work as a wrong code, whether or not the login exists, so
        -- the answer's timing says nothing; and probing leaves a trail.
        UPDATE one_time_passwords SET attempts = attempts WHERE false;
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('complete_reset', u.id, '{"outcome": "no_live_code"}');
        RETURN 'invalid';
    ELSIF c.expires_at < now() THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('complete_reset', u.id, '{"outcome": "expired"}');
        RETURN 'expired';
    ELSIF c.attempts >= 5 THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        RETURN 'exhausted';
    ELSIF c.code_hash IS DISTINCT FROM p_code_hash THEN
        UPDATE one_time_passwords
           SET attempts = attempts + 1,
               voided_at = CASE WHEN attempts + 1 >= 5 THEN now() END
         WHERE id = c.id;
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('complete_reset', u.id, jsonb_build_object('outcome', 'wrong_code', 'attempt', c.attempts + 1));
        RETURN CASE WHEN c.attempts + 1 >= 5 THEN 'exhausted' ELSE 'invalid' END;
    END IF;
    UPDATE one_time_passwords SET used_at = now(), attempts = attempts + 1 WHERE id = c.id;
    UPDATE users
       SET password_hash = p_new_hash, must_change_password = false,
           password_expires_at = NULL, password_changed_at = now()
     WHERE id = u.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('complete_reset', u.id, '{"outcome": "ok"}');
    RETURN 'ok';
END $$;

-- The owner sets the org's policies.
CREATE FUNCTION set_org_policies(p_admins_may_set_passwords boolean, p_otp_ttl interval,
                                 p_temp_password_ttl interval, p_min_password_length integer,
                                 p_sso_enabled boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner may change the organization''s policies.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE orgs
       SET admins_may_set_passwords = p_admins_may_set_passwords, otp_ttl = p_otp_ttl,
           temp_password_ttl = p_temp_password_ttl, min_password_length = p_min_password_length,
           sso_enabled = p_sso_enabled
     WHERE id = a.org_id;
    INSERT INTO audit_events (action, details)
    VALUES ('set_org_policies', jsonb_build_object('admins_may_set_passwords', p_admins_may_set_passwords,
            'otp_ttl', p_otp_ttl::text, 'temp_password_ttl', p_temp_password_ttl::text,
            'min_password_length', p_min_password_length, 'sso_enabled', p_sso_enabled));
END $$;

-- Setup revoked the default EXECUTE for PUBLIC on functions that
-- resetdesk_definer creates; these grants are the only way in.
GRANT EXECUTE ON FUNCTION my_permissions(), reset_passwords(bigint[], text, text[], text[], boolean, boolean, boolean, boolean),
    record_deliveries(bigint[], text[], text[], integer[]), create_test_delivery(text),
    import_users(integer[], text[], text[], text[], text[], text[]),
    set_org_policies(boolean, interval, interval, integer, boolean)
    TO resetdesk_console;
-- complete_reset is for end users too: any role that can connect and reach the schema.
GRANT USAGE ON SCHEMA resetdesk TO PUBLIC;
GRANT EXECUTE ON FUNCTION complete_reset(text, text, text) TO PUBLIC;
