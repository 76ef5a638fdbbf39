-- 0009: whether a probe of an unknown login was logged in the last 15
-- minutes is asked of the attempts table (indexed by login role and time),
-- not of the whole audit log: the answer for an unknown login now costs what
-- the answer for a known one does, however long the log.

CREATE OR REPLACE FUNCTION record_self_service(p_kind text, p_login text, p_user_id bigint, p_outcome text, p_details jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    v_logged boolean;
BEGIN
    IF p_user_id IS NULL THEN
        SELECT EXISTS (SELECT 1 FROM self_service_attempts
                        WHERE db_role = session_user AND at > now() - interval '15 minutes'
                          AND user_id IS NULL AND kind = p_kind)
          INTO v_logged;
    END IF;
    INSERT INTO self_service_attempts (login, user_id, kind, outcome) VALUES (p_login, p_user_id, p_kind, p_outcome);
    DELETE FROM self_service_attempts WHERE id IN (
        SELECT id FROM self_service_attempts WHERE at < now() - interval '1 day' LIMIT 20 FOR UPDATE SKIP LOCKED);
    IF p_user_id IS NOT NULL THEN
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES (p_kind, p_user_id, p_details || jsonb_build_object('outcome', p_outcome, 'by', 'user', 'login', session_user));
    ELSIF NOT v_logged THEN
        INSERT INTO audit_events (action, details)
        VALUES (p_kind || '_unknown_login', jsonb_build_object('outcome', p_outcome, 'login', session_user,
                'note', 'further attempts for unknown logins in the next 15 minutes are counted, not logged'));
    END IF;
END $$;
