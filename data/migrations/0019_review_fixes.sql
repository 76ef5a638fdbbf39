-- 0019: what a review of 0006-0017 as each role found.
--
-- 1. valid_phc (0007) accepted any argon2 cost, so a bad hash from an end
--    user was stopped only by the table's CHECK (0016), whose error detail
--    shows the user's row. It now takes exactly what that CHECK takes.
CREATE OR REPLACE FUNCTION valid_phc(p_hash text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_hash ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$'
$$;

-- 2. No console function waits on a lock for ever: 0008 redefined
--    set_org_policies without 0006's lock_timeout, and the console-user
--    functions of 0011 and 0014 never had one.
ALTER FUNCTION set_org_policies(boolean, interval, interval, integer, boolean, boolean, text, boolean, text)
    SET lock_timeout = '5s';
-- The console-user functions belong to resetdesk_provisioner (0011, 0014).
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;
ALTER FUNCTION add_console_user(text, text, text, text, text, boolean) SET lock_timeout = '5s';
ALTER FUNCTION save_custom_role(text, text[]) SET lock_timeout = '5s';
ALTER FUNCTION set_console_role(bigint, text) SET lock_timeout = '5s';
ALTER FUNCTION disable_console_user(bigint) SET lock_timeout = '5s';
ALTER FUNCTION remove_console_user(bigint) SET lock_timeout = '5s';
ALTER FUNCTION add_self_service_login(text, text) SET lock_timeout = '5s';
RESET ROLE;
SET LOCAL ROLE resetdesk_definer;

-- 3. A hand-over is a set-password reset finished later, so the rules of
--    who may be reset hold at that moment too, not only at the reset: a
--    user made an admin, deactivated or put under SSO since is refused.
--    And a change ticket dies with any such change, not only with the
--    password.
CREATE OR REPLACE FUNCTION users_change_tickets() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    tickets jsonb := coalesce(nullif(current_setting('resetdesk.change_tickets', true), ''), '{}')::jsonb;
BEGIN
    DELETE FROM change_tickets t
     USING new_rows n JOIN old_rows o ON o.id = n.id
     WHERE t.user_id = n.id
       AND (n.password_hash IS DISTINCT FROM o.password_hash
            OR n.password_changed_at IS DISTINCT FROM o.password_changed_at
            OR n.role IS DISTINCT FROM o.role OR n.status IS DISTINCT FROM o.status
            OR n.db_role IS DISTINCT FROM o.db_role OR n.sso_managed IS DISTINCT FROM o.sso_managed
            OR n.org_id IS DISTINCT FROM o.org_id);
    IF tickets <> '{}' THEN
        INSERT INTO change_tickets (user_id, ticket_hash, expires_at)
        SELECT n.id, tickets ->> n.id::text, n.password_expires_at
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE tickets ? n.id::text AND n.must_change_password AND n.password_hash IS NOT NULL
           AND n.password_changed_at = now()
           AND (n.password_hash IS DISTINCT FROM o.password_hash OR n.password_changed_at IS DISTINCT FROM o.password_changed_at)
        ON CONFLICT (user_id) DO UPDATE
           SET ticket_hash = EXCLUDED.ticket_hash, issued_at = EXCLUDED.issued_at,
               expires_at = EXCLUDED.expires_at, attempts = 0, issued_by = EXCLUDED.issued_by;
        PERFORM set_config('resetdesk.change_tickets', '{}', true);
    END IF;
    RETURN NULL;
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
    SELECT * INTO u FROM users WHERE id = p_user_id AND org_id = a.org_id FOR UPDATE;
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
