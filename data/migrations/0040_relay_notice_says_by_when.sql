-- 0040: the relay's notice of a temporary password says by when.
--
-- A set password that was not emailed (handed over on paper, read out, or
-- typed by the user at the admin's desk) gets a notice without the secret.
-- When the password is temporary, that notice must say where and by when to
-- change it, like the mail that carries the password. relay_next gave a
-- notice no expiry, so a relayed notice could not say when. Now it gives a
-- password_notice the user's password_expires_at while the user still must
-- change the password (and none once they have: nothing is left to do).
--
-- relay_next as 0023 made it, with that one case more.

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
                WHEN d.kind = 'password_notice'
                THEN CASE WHEN u.must_change_password THEN u.password_expires_at END
                ELSE (SELECT s.expires_at FROM mail_secrets s WHERE s.delivery_id = d.id AND s.relay_role = session_user) END,
           u.display_name::text, coalesce(u.primary_email::text, u.mobile_number), o.name::text,
           o.completion_instructions::text, o.time_zone::text, u.must_change_password, d.attempts
      FROM mail_deliveries d
      LEFT JOIN users u ON u.id = d.user_id
      LEFT JOIN orgs o ON o.id = u.org_id
     WHERE d.id = v_id;
END $$;
