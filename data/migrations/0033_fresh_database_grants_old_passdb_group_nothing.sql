-- 0016 gives each member of the old server-wide group resetdesk_passdb a
-- SELECT on passdb of its own, so that an upgraded office's Dovecot goes on
-- reading its hashes. It does the same when a database is set up fresh, where
-- no Dovecot has read anything yet: a new office's hashes became readable by
-- any other office's Dovecot still left in the group. A database with no org
-- yet is a fresh one (setup adds the org after the migrations): take those
-- grants back, and the audit lines that announced them.
DO $$
DECLARE
    r text;
BEGIN
    IF EXISTS (SELECT 1 FROM orgs) THEN
        RETURN;
    END IF;
    FOR r IN SELECT DISTINCT details->>'role' FROM audit_events WHERE action = 'grant_passdb'
    LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON passdb FROM %I', r);
        END IF;
    END LOOP;
    DELETE FROM audit_events WHERE action = 'grant_passdb';
END $$;
