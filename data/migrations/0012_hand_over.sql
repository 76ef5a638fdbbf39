-- 0012: hand-over. After a set-password reset that nobody saw the password
-- of (generated, must change, not emailed), the user types their own new
-- password on the admin's device. The admin's role may then replace that
-- temporary password once, with:
--   * the rules of setting a password: the owner, or a role with
--     set_password in an org whose owner allows admins to set passwords;
--   * the change ticket the reset left, issued by this same role for this
--     same password: so a hand-over can only follow the caller's own reset
--     (with its revocations and its checks of who may be reset), and only
--     until that password changes or expires;
--   * an audit row that says the user typed it and the admin never saw it.
-- Closing the hand-over unfinished calls nothing: the account stays as the
-- reset left it.
CREATE FUNCTION hand_over_password(p_user_id bigint, p_proof text, p_new_hash text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    a users := current_actor();
    o orgs;
    u users;
    t change_tickets;
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
        RAISE EXCEPTION 'The new password hash is not an argon2id PHC string.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO u FROM users WHERE id = p_user_id AND org_id = a.org_id FOR UPDATE;
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

GRANT EXECUTE ON FUNCTION hand_over_password(bigint, text, text) TO resetdesk_console;
