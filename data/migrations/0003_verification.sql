-- 0003: "Enter your password for verification" has teeth. The client checks
-- the password by signing in again (only the server can); it reports each
-- outcome here. Five wrong passwords in a row within 15 minutes lock resets
-- for that console user for 15 minutes, and reset_passwords refuses while the
-- lock holds. Both are audited.

CREATE TABLE admin_verifications (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    db_role name NOT NULL DEFAULT session_user,
    at      timestamptz NOT NULL DEFAULT now(),
    ok      boolean NOT NULL
);
CREATE INDEX admin_verifications_role ON admin_verifications (db_role, at DESC);

-- When resets unlock for p_role, or NULL when they are not locked.
CREATE FUNCTION verification_locked_until(p_role name) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    WITH recent AS (
        SELECT at, ok FROM admin_verifications
         WHERE db_role = p_role AND at > now() - interval '15 minutes'
         ORDER BY at DESC, id DESC LIMIT 5
    )
    SELECT max(at) + interval '15 minutes' FROM recent
    HAVING count(*) = 5 AND bool_and(NOT ok)
$$;

CREATE FUNCTION record_verification(p_ok boolean) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a     users := current_actor();
    until timestamptz;
BEGIN
    INSERT INTO admin_verifications (ok) VALUES (p_ok);
    until := verification_locked_until(session_user);
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('verify_password', a.id, jsonb_build_object('ok', p_ok, 'locked_until', until));
    RETURN until;
END $$;

CREATE FUNCTION my_verification_lock() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT verification_locked_until(session_user)
$$;

-- reset_passwords refuses while the caller is locked out. Wrapping keeps the
-- body of 0002 as it was released.
ALTER FUNCTION reset_passwords(bigint[], text, text[], text[], boolean, boolean, boolean, boolean)
    RENAME TO reset_passwords_unchecked;
REVOKE EXECUTE ON FUNCTION reset_passwords_unchecked(bigint[], text, text[], text[], boolean, boolean, boolean, boolean) FROM resetdesk_console;

CREATE FUNCTION reset_passwords(
    p_user_ids bigint[], p_mode text, p_password_hashes text[], p_code_hashes text[],
    p_force_change boolean, p_email_password boolean, p_clear_mobile boolean, p_unlock boolean
) RETURNS TABLE (user_id bigint, outcome text, reason text, delivery_id bigint, delivery_kind text,
                 to_address text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    until timestamptz := verification_locked_until(session_user);
BEGIN
    IF until IS NOT NULL THEN
        RAISE EXCEPTION 'Resets are locked after 5 wrong passwords; try again after %.', to_char(until, 'HH24:MI TZ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY SELECT * FROM reset_passwords_unchecked(p_user_ids, p_mode, p_password_hashes, p_code_hashes,
        p_force_change, p_email_password, p_clear_mobile, p_unlock);
END $$;

GRANT EXECUTE ON FUNCTION record_verification(boolean), my_verification_lock(),
    reset_passwords(bigint[], text, text[], text[], boolean, boolean, boolean, boolean)
    TO resetdesk_console;
