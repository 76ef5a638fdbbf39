-- 0029: relay_status (0018) also returns the server's now(), the clock its
-- last_seen and oldest were written by. The console measures "last seen 2
-- minutes ago" against it, not against the computer's or phone's own
-- clock, which may be minutes off and would call a running relay down (or
-- a stopped one fine). Its OUT columns change, so it is dropped and made
-- again, as 0018's, with its grant.
DROP FUNCTION relay_status();

CREATE FUNCTION relay_status(OUT last_seen timestamptz, OUT waiting bigint, OUT oldest timestamptz, OUT server_now timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    SELECT max(h.seen_at) INTO last_seen FROM relay_heartbeats h;
    SELECT count(*), min(d.created_at) INTO waiting, oldest
      FROM mail_deliveries d JOIN users u ON u.id = d.user_id AND u.org_id = a.org_id
     WHERE d.via_relay AND d.status = 'pending';
    server_now := now();
END $$;

GRANT EXECUTE ON FUNCTION relay_status() TO resetdesk_console;
