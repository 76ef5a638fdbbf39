-- 0006: the owner can require that every reset records how the user was
-- verified and why (reset_passwords enforces it from 0007 on). The policy
-- function gains the column; its last parameter defaults to NULL, meaning
-- "leave as it is", so a client that knows only the first five still works.
-- Like every console function from here on, it waits at most 5 s for a lock
-- that another session holds (issue 13, S4): whoever redefines it keeps that.

ALTER TABLE orgs ADD COLUMN require_reset_reason boolean NOT NULL DEFAULT false;

DROP FUNCTION set_org_policies(boolean, interval, interval, integer, boolean);

CREATE FUNCTION set_org_policies(p_admins_may_set_passwords boolean, p_otp_ttl interval,
                                 p_temp_password_ttl interval, p_min_password_length integer,
                                 p_sso_enabled boolean, p_require_reset_reason boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    o orgs;
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner may change the organization''s policies.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE orgs
       SET admins_may_set_passwords = p_admins_may_set_passwords, otp_ttl = p_otp_ttl,
           temp_password_ttl = p_temp_password_ttl, min_password_length = p_min_password_length,
           sso_enabled = p_sso_enabled,
           require_reset_reason = coalesce(p_require_reset_reason, require_reset_reason)
     WHERE id = a.org_id
    RETURNING * INTO o;
    INSERT INTO audit_events (action, details)
    VALUES ('set_org_policies', jsonb_build_object('admins_may_set_passwords', o.admins_may_set_passwords,
            'otp_ttl', o.otp_ttl::text, 'temp_password_ttl', o.temp_password_ttl::text,
            'min_password_length', o.min_password_length, 'sso_enabled', o.sso_enabled,
            'require_reset_reason', o.require_reset_reason));
END $$;

GRANT EXECUTE ON FUNCTION set_org_policies(boolean, interval, interval, integer, boolean, boolean) TO resetdesk_console;
