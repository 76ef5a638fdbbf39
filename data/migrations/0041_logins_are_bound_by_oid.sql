-- 0041: a row names its login by the role itself, not by a name another
-- office could take.
--
-- Login roles are the server's, and this database named them by name only:
-- users.db_role, self_service_logins and relay_logins. Once the DBA drops a
-- login (a disabled console user's, say: since 0039 disabling one takes its
-- CONNECT, so DROP ROLE works), its name is free, and another office may
-- make a login with it, such as adam, who moved there. That login then was
-- this database's row's: the owner's "remove" or "set role" on the
-- disabled row revoked or granted the server-wide groups of the other
-- office's adam (revoking resetdesk_admin locked them out of their own
-- office), and setup's lock-down granted CONNECT here, and session
-- defaults, to whatever login now bore a registered name. A confirmed
-- console row, a self-service or a relay registration would have made the
-- newcomer this office's admin, kiosk or relay.
--
-- Each row now keeps the OID of the login it was linked to (set by a
-- trigger whenever it is linked, whoever writes it), and a row counts only
-- while a role of that name has that OID:
-- * current_actor(), my_org_id() and role_org_id() find the caller's row
--   only then; require_self_service() and is_relay_login() likewise find
--   the caller's registration;
-- * set_console_role refuses such a row, disable_console_user and
--   remove_console_user change the row and leave the other login alone,
--   and remove_self_service_login drops the registration without touching
--   the role that now has the name;
-- * setup's lock-down (data.lockDown) grants and sets only on logins whose
--   OID matches.
--
-- The functions are as they last were (current_actor, my_org_id: 0002;
-- role_org_id: 0016; require_self_service: 0007; is_relay_login: 0018;
-- set_console_role: 0011 with 0019's lock_timeout; disable_console_user,
-- remove_console_user: 0039; remove_self_service_login: 0035), with the
-- OID compared.

ALTER TABLE users ADD COLUMN db_role_oid oid;
ALTER TABLE self_service_logins ADD COLUMN db_role_oid oid;
ALTER TABLE relay_logins ADD COLUMN db_role_oid oid;
UPDATE users u SET db_role_oid = r.oid FROM pg_roles r WHERE r.rolname = u.db_role;
UPDATE self_service_logins l SET db_role_oid = r.oid FROM pg_roles r WHERE r.rolname = l.db_role;
UPDATE relay_logins l SET db_role_oid = r.oid FROM pg_roles r WHERE r.rolname = l.db_role;

-- Whoever links a row to a login (the functions, the DBA's setup and admin
-- add, a DBA by hand) links it to the role that has the name now; the OID
-- is never written otherwise.
CREATE FUNCTION login_oid_of_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.db_role IS DISTINCT FROM OLD.db_role THEN
        NEW.db_role_oid := (SELECT r.oid FROM pg_roles r WHERE r.rolname = NEW.db_role);
    ELSE
        NEW.db_role_oid := OLD.db_role_oid;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER login_oid BEFORE INSERT OR UPDATE OF db_role, db_role_oid ON users
    FOR EACH ROW EXECUTE FUNCTION login_oid_of_row();
CREATE TRIGGER login_oid BEFORE INSERT OR UPDATE OF db_role, db_role_oid ON self_service_logins
    FOR EACH ROW EXECUTE FUNCTION login_oid_of_row();
CREATE TRIGGER login_oid BEFORE INSERT OR UPDATE OF db_role, db_role_oid ON relay_logins
    FOR EACH ROW EXECUTE FUNCTION login_oid_of_row();

CREATE OR REPLACE FUNCTION current_actor() RETURNS users
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users;
BEGIN
    SELECT * INTO a FROM users
     WHERE db_role = session_user AND db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user);
    IF NOT FOUND OR a.status <> 'confirmed' THEN
        RAISE EXCEPTION 'The role % is not an active ResetDesk admin.', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN a;
END $$;

CREATE OR REPLACE FUNCTION my_org_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT org_id FROM users
     WHERE db_role = session_user AND status = 'confirmed'
       AND db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user)
$$;

CREATE OR REPLACE FUNCTION role_org_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT coalesce((SELECT org_id FROM users
                      WHERE db_role = session_user AND status = 'confirmed'
                        AND db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user)),
                    (SELECT min(id) FROM orgs))
$$;

CREATE OR REPLACE FUNCTION require_self_service() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF pg_has_role(session_user, 'resetdesk_console', 'MEMBER') THEN
        RAISE EXCEPTION 'Admins cannot complete a reset or change a password for a user; the user does, on a self-service login.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT pg_has_role(session_user, 'resetdesk_self_service', 'MEMBER')
       OR NOT EXISTS (SELECT 1 FROM self_service_logins
                       WHERE db_role = session_user
                         AND db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user)) THEN
        RAISE EXCEPTION 'The login % is not a self-service login of this office; the office makes one with `resetdesk self-service add`.', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION is_relay_login() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT pg_has_role(session_user, 'resetdesk_relay', 'MEMBER')
       AND NOT pg_has_role(session_user, 'resetdesk_console', 'MEMBER')
       AND EXISTS (SELECT 1 FROM relay_logins
                    WHERE db_role = session_user
                      AND db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user))
$$;

GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE OR REPLACE FUNCTION set_console_role(p_user_id bigint, p_role text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
    g name;
BEGIN
    PERFORM manage_check(a, p_role);
    g := manage_group(p_role);
    IF t.role = p_role THEN
        RETURN;
    END IF;
    IF t.db_role_oid IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = t.db_role) THEN
        RAISE EXCEPTION 'The login % that % was given no longer exists (its name may now be another login''s): remove them, then add them again.',
            t.db_role, t.primary_email USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('GRANT %I TO %I', g, t.db_role);
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    UPDATE users SET role = p_role WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('set_console_role', t.id, jsonb_build_object('from', t.role, 'to', p_role));
END $$;

CREATE OR REPLACE FUNCTION disable_console_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
BEGIN
    IF t.db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = t.db_role) THEN
        EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), t.db_role);
    END IF;
    UPDATE users SET status = 'deactivated' WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('disable_console_user', t.id, jsonb_build_object('role', t.role, 'db_role', t.db_role));
END $$;

CREATE OR REPLACE FUNCTION remove_console_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
BEGIN
    IF t.db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = t.db_role) THEN
        EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), t.db_role);
    END IF;
    UPDATE users SET role = 'member', db_role = NULL WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('remove_console_user', t.id, jsonb_build_object('role', t.role, 'db_role', t.db_role));
END $$;

CREATE OR REPLACE FUNCTION remove_self_service_login(p_login text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    l self_service_logins;
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner (or the DBA) may remove self-service logins.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM self_service_logins WHERE db_role = p_login RETURNING * INTO l;
    IF l.db_role IS NULL THEN
        RAISE EXCEPTION '% is not a self-service login of this database.', coalesce(p_login, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF l.db_role_oid = (SELECT r.oid FROM pg_roles r WHERE r.rolname = l.db_role) THEN
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), p_login);
        BEGIN
            EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
        EXCEPTION WHEN insufficient_privilege THEN
            NULL; -- a role the DBA made: its registration and CONNECT are gone, which is what counts here
        END;
    END IF;
    INSERT INTO audit_events (action, details) VALUES ('remove_self_service_login', jsonb_build_object('db_role', p_login));
END $$;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
