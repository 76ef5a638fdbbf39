-- 0023: a session holding a user's code row no longer stalls the relay.
--
-- Session defaults (the idle-in-transaction timeouts of 0014 and 0021) are
-- only defaults: any login may SET them off and leave a transaction open.
-- A self-service login that typed a wrong code for a user in such a
-- transaction holds that user's code row (complete_reset takes it FOR
-- UPDATE), and so does an admin whose open reset voided it. The relay's
-- relay_set_code then waited 5 s for that row, failed, and relay_next
-- handed the relay the same, oldest message again: no mail left the
-- office while the transaction stayed open.
--
-- Now relay_next passes over a code message whose code row another session
-- holds (it waits until that session ends, and expires as any other), and
-- relay_set_code takes the row without waiting: it answers lock_not_available
-- at once if a session took it in the moment between the two.
--
-- relay_next as 0020 made it, with that one condition more; relay_set_code
-- as 0020 made it (lock_timeout included), taking the row first.

-- Whether message p_id's code row is free right now: it is locked and let go
-- again in a subtransaction, so nothing stays held and nothing waits.
CREATE FUNCTION relay_code_free(p_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    BEGIN
        PERFORM 1 FROM one_time_passwords p WHERE p.id = relay_code_row(p_id) FOR UPDATE NOWAIT;
        RAISE EXCEPTION USING ERRCODE = 'RD001';
    EXCEPTION
        WHEN lock_not_available THEN
            RETURN false;
        WHEN SQLSTATE 'RD001' THEN
            RETURN true;
    END;
END $$;
REVOKE EXECUTE ON FUNCTION relay_code_free(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION relay_next()
RETURNS TABLE (id bigint, kind text, to_address text, sealed text, expires_at timestamptz, user_name text,
               login text, org_name text, instructions text, time_zone text, must_change boolean, attempts integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_id bigint;
BEGIN
    PERFORM require_relay();
    UPDATE mail_deliveries d
       SET status = 'failed',
           last_error = CASE WHEN d.kind = 'one_time_password'
                             THEN 'The one-time password expired, or a newer reset replaced it, before the relay could send it.'
                             ELSE 'The password expired, or never reached the relay, before the relay could send it.' END
     WHERE d.id IN (SELECT x.id FROM mail_deliveries x
                     WHERE x.via_relay AND x.status = 'pending'
                       AND ((x.kind = 'one_time_password' AND relay_code_row(x.id) IS NULL)
                            OR (x.kind = 'password'
                                AND (EXISTS (SELECT 1 FROM mail_secrets s WHERE s.delivery_id = x.id AND s.expires_at < now())
                                     OR (NOT EXISTS (SELECT 1 FROM mail_secrets s WHERE s.delivery_id = x.id)
                                         AND x.created_at < now() - interval '10 minutes'))))
                       FOR UPDATE OF x SKIP LOCKED);
    DELETE FROM mail_secrets s WHERE s.expires_at < now();
    SELECT x.id INTO v_id
      FROM mail_deliveries x
     WHERE x.via_relay AND x.status = 'pending' AND x.next_attempt_at <= now()
       AND (x.kind <> 'one_time_password' OR (relay_code_row(x.id) IS NOT NULL AND relay_code_free(x.id)))
       AND (x.kind <> 'password'
            OR EXISTS (SELECT 1 FROM mail_secrets s JOIN relay_keys k ON k.db_role = s.relay_role AND k.public_key = s.public_key
                        WHERE s.delivery_id = x.id AND s.relay_role = session_user))
     ORDER BY x.id LIMIT 1
       FOR UPDATE OF x SKIP LOCKED;
    IF v_id IS NULL THEN
        RETURN;
    END IF;
    UPDATE mail_deliveries d SET claimed_xact = txid_current() WHERE d.id = v_id;
    RETURN QUERY
    SELECT d.id, d.kind, d.to_address,
           (SELECT encode(s.sealed, 'hex') FROM mail_secrets s WHERE s.delivery_id = d.id AND s.relay_role = session_user),
           CASE WHEN d.kind = 'one_time_password'
                THEN (SELECT p.expires_at FROM one_time_passwords p WHERE p.id = relay_code_row(d.id))
                ELSE (SELECT s.expires_at FROM mail_secrets s WHERE s.delivery_id = d.id AND s.relay_role = session_user) END,
           u.display_name::text, coalesce(u.primary_email::text, u.mobile_number), o.name::text,
           o.completion_instructions::text, o.time_zone::text, u.must_change_password, d.attempts
      FROM mail_deliveries d
      LEFT JOIN users u ON u.id = d.user_id
      LEFT JOIN orgs o ON o.id = u.org_id
     WHERE d.id = v_id;
END $$;

CREATE OR REPLACE FUNCTION relay_set_code(p_id bigint, p_code_hash text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    d mail_deliveries;
    n integer;
BEGIN
    PERFORM require_relay();
    IF p_code_hash IS NULL OR p_code_hash !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'The one-time password hash is not a hex SHA-256.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM mail_deliveries WHERE id = p_id;
    IF d.id IS NULL OR NOT d.via_relay OR d.status <> 'pending' OR d.kind <> 'one_time_password'
       OR d.claimed_xact IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION 'Delivery % is not a one-time password this relay has taken to send.', coalesce(p_id::text, '(none)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Never wait on a session that holds the code (55P03 at once).
    PERFORM 1 FROM one_time_passwords p WHERE p.id = relay_code_row(p_id) FOR UPDATE NOWAIT;
    UPDATE one_time_passwords p SET code_hash = p_code_hash
     WHERE p.id = relay_code_row(p_id)
       AND p.used_at IS NULL AND p.voided_at IS NULL AND p.expires_at > now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n = 1;
END $$;
