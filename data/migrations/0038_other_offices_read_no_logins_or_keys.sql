-- 0038: another office's console reads no relay keys or self-service logins.
--
-- The console groups (resetdesk_console, resetdesk_owner, ...) belong to
-- the server, not to a database, so whatever is granted to them here is
-- also granted to every other office's console users on the same server
-- that can connect to this database. Row security keeps them from the
-- directory's rows, but two grants had none:
--
-- * relay_public_keys() answered any member of resetdesk_console: the
--   relay logins of this database with their public keys. A relay makes its
--   key from its own database password (argon2id, salted with its login),
--   so another office's helpdesk could test guesses at this office's relay
--   password offline, and the relay's password opens this office's outbox.
--   It now answers only a console user of this database (current_actor()),
--   who seals emailed passwords to those keys.
-- * self_service_logins was readable by every member of resetdesk_owner,
--   so every office's owner listed this office's self-service logins. Row
--   security now shows its rows only to a console user of this database;
--   the provisioner's functions (add and remove) see every row, as before.
--   The definer, as the table's owner, and the DBA are not bound by it.

CREATE OR REPLACE FUNCTION relay_public_keys() RETURNS TABLE (db_role name, public_key text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a users := current_actor();
BEGIN
    RETURN QUERY
    SELECT k.db_role, encode(k.public_key, 'hex')
      FROM relay_keys k JOIN relay_logins l ON l.db_role = k.db_role
     ORDER BY k.db_role;
END $$;

ALTER TABLE self_service_logins ENABLE ROW LEVEL SECURITY;
CREATE POLICY this_office ON self_service_logins FOR SELECT TO resetdesk_owner
    USING ((SELECT resetdesk.my_org_id()) IS NOT NULL);
CREATE POLICY provisioner ON self_service_logins TO resetdesk_provisioner
    USING (true) WITH CHECK (true);
