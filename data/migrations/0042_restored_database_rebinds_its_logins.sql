-- 0042: a database restored onto another server finds its logins again.
--
-- Since 0041 each console row, self-service and relay registration counts
-- only while a role of its name has the OID it was linked to. A dump and
-- restore (pg_dumpall --roles-only and pg_dump onto a new server, a
-- hosted service's migration, Debian's pg_upgradecluster in its default
-- dump mode) makes every role again with a new OID, so every row pointed
-- at an OID the new server never had: no admin, kiosk or relay could work
-- there, and nothing in ResetDesk could link them again.
--
-- A restore also makes the database again, with a new OID, while a login
-- dropped and made again by another office (what 0041 guards against)
-- leaves the database as it was. So the database's OID is recorded with
-- the bindings, and setup (data.lockDown, as the definer) calls
-- rebind_logins_if_restored(): in a database whose OID is not the recorded
-- one, every row is linked again to the role that has its name now, and
-- the OID recorded. pg_upgrade keeps the OIDs of roles (and, from
-- PostgreSQL 15, of databases), so it changes nothing here.

CREATE TABLE logins_bound_in (
    database_oid oid NOT NULL,
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row)
);
INSERT INTO logins_bound_in (database_oid) SELECT oid FROM pg_database WHERE datname = current_database();

-- Not SECURITY DEFINER, and no one but its owner may call it: setup runs
-- it as the definer, which owns the tables and their triggers.
CREATE FUNCTION rebind_logins_if_restored() RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    here oid := (SELECT oid FROM pg_database WHERE datname = current_database());
BEGIN
    IF (SELECT database_oid FROM logins_bound_in) = here THEN
        RETURN false;
    END IF;
    -- The trigger keeps a row's OID unless its name changes.
    ALTER TABLE users DISABLE TRIGGER login_oid;
    ALTER TABLE self_service_logins DISABLE TRIGGER login_oid;
    ALTER TABLE relay_logins DISABLE TRIGGER login_oid;
    UPDATE users SET db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = db_role)
     WHERE db_role IS NOT NULL;
    UPDATE self_service_logins SET db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = db_role);
    UPDATE relay_logins SET db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = db_role);
    ALTER TABLE users ENABLE TRIGGER login_oid;
    ALTER TABLE self_service_logins ENABLE TRIGGER login_oid;
    ALTER TABLE relay_logins ENABLE TRIGGER login_oid;
    UPDATE logins_bound_in SET database_oid = here;
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION rebind_logins_if_restored() FROM PUBLIC;
