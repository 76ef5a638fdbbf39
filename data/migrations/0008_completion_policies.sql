-- 0008: the policies that say where and how users finish a reset. The
-- office's completion_instructions go into every one-time and temporary-
-- password mail; time_zone is the zone those mails state times in;
-- mail_relay chooses how mail leaves (its sender comes with issue 12).
-- set_org_policies takes them as optional arguments: NULL leaves a policy as
-- it is, so older clients keep working. It also bounds what it accepts, with
-- a sentence for each refusal.

ALTER TABLE orgs
    ADD COLUMN completion_instructions text NOT NULL DEFAULT ''
        CHECK (char_length(completion_instructions) <= 500
               AND translate(completion_instructions, E'\n', '') !~ '[[:cntrl:]]'),
    ADD COLUMN mail_relay boolean NOT NULL DEFAULT false,
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC' CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');

DROP FUNCTION set_org_policies(boolean, interval, interval, integer, boolean, boolean);

CREATE FUNCTION set_org_policies(p_admins_may_set_passwords boolean, p_otp_ttl interval,
                                 p_temp_password_ttl interval, p_min_password_length integer,
                                 p_sso_enabled boolean, p_require_reset_reason boolean DEFAULT NULL,
                                 p_completion_instructions text DEFAULT NULL, p_mail_relay boolean DEFAULT NULL,
                                 p_time_zone text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
    o orgs;
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner may change the organization''s policies.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_otp_ttl IS NOT NULL AND (p_otp_ttl < interval '1 minute' OR p_otp_ttl > interval '24 hours') THEN
        RAISE EXCEPTION 'A one-time password must stay valid for 1 minute to 24 hours.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_temp_password_ttl IS NOT NULL AND (p_temp_password_ttl < interval '1 hour' OR p_temp_password_ttl > interval '90 days') THEN
        RAISE EXCEPTION 'A temporary password must stay valid for 1 hour to 90 days.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_min_password_length IS NOT NULL AND p_min_password_length NOT BETWEEN 8 AND 128 THEN
        RAISE EXCEPTION 'The minimum password length must be 8 to 128 characters.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF char_length(p_completion_instructions) > 500 THEN
        RAISE EXCEPTION 'The completion instructions may have at most 500 characters; these have %.', char_length(p_completion_instructions)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF translate(p_completion_instructions, E'\n', '') ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'The completion instructions may hold line breaks but no other control characters (such as tabs).'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_time_zone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_time_zone) THEN
        RAISE EXCEPTION 'Unknown time zone "%": use a name such as Europe/Berlin, America/New_York or UTC.', left(p_time_zone, 64)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE orgs
       SET admins_may_set_passwords = coalesce(p_admins_may_set_passwords, admins_may_set_passwords),
           otp_ttl = coalesce(p_otp_ttl, otp_ttl),
           temp_password_ttl = coalesce(p_temp_password_ttl, temp_password_ttl),
           min_password_length = coalesce(p_min_password_length, min_password_length),
           sso_enabled = coalesce(p_sso_enabled, sso_enabled),
           require_reset_reason = coalesce(p_require_reset_reason, require_reset_reason),
           completion_instructions = coalesce(p_completion_instructions, completion_instructions),
           mail_relay = coalesce(p_mail_relay, mail_relay),
           time_zone = coalesce(p_time_zone, time_zone)
     WHERE id = a.org_id
    RETURNING * INTO o;
    INSERT INTO audit_events (action, details)
    VALUES ('set_org_policies', jsonb_build_object('admins_may_set_passwords', o.admins_may_set_passwords,
            'otp_ttl', o.otp_ttl::text, 'temp_password_ttl', o.temp_password_ttl::text,
            'min_password_length', o.min_password_length, 'sso_enabled', o.sso_enabled,
            'require_reset_reason', o.require_reset_reason, 'completion_instructions', o.completion_instructions,
            'mail_relay', o.mail_relay, 'time_zone', o.time_zone));
END $$;

GRANT EXECUTE ON FUNCTION set_org_policies(boolean, interval, interval, integer, boolean, boolean, text, boolean, text)
    TO resetdesk_console;
