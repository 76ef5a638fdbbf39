-- 0004: complete_reset answers an unknown login, or one without a live
-- code, after the same work as a wrong code, and audits the attempt.

CREATE OR REPLACE FUNCTION complete_reset(p_login text, p_code_hash text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    u users;
    c one_time_passwords;
BEGIN
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
        VALUES ('complete_reset', u.id, jsonb_build_object('outcome', 'no_live_code', 'login', left(p_login, 254)));
        RETURN 'invalid';
    ELSIF c.expires_at < now() THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('complete_reset', u.id, '{"outcome": "expired"}');
        RETURN 'expired';
    ELSIF c.attempts >= 5 THEN
        UPDATE one_time_passwords SET voided_at = now() WHERE id = c.id;
        RETURN 'exhausted';
    ELSIF c.code_hash <> p_code_hash THEN
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
