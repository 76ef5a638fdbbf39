-- 0035: the owner can take a self-service login back.
--
-- A self-service login's password is on every office PC, and PostgreSQL
-- lets every role change its own password (ALTER ROLE ... PASSWORD): whoever
-- holds a shared login can lock every device out of it with one statement,
-- and keep it. Nothing but the DBA could undo a login until now. The owner
-- (`resetdesk self-service remove LOGIN`) now removes one: it stops being a
-- self-service login of this database at once (every end-user function
-- checks the registration), loses the CONNECT the provisioner gave it, and,
-- where the provisioner made the role, may no longer log in. A new login
-- (`self-service add`) exported to the devices replaces it.
--
-- remove_self_service_login belongs to resetdesk_provisioner, like
-- add_self_service_login (0014, 0032), and runs only fixed statements on a
-- registered login's name.

GRANT DELETE ON self_service_logins TO resetdesk_provisioner;
GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE FUNCTION remove_self_service_login(p_login text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner (or the DBA) may remove self-service logins.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM self_service_logins WHERE db_role = p_login;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a self-service login of this database.', coalesce(p_login, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), p_login);
    BEGIN
        EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    EXCEPTION WHEN insufficient_privilege THEN
        NULL; -- a role the DBA made: its registration and CONNECT are gone, which is what counts here
    END;
    INSERT INTO audit_events (action, details) VALUES ('remove_self_service_login', jsonb_build_object('db_role', p_login));
END $$;

REVOKE EXECUTE ON FUNCTION remove_self_service_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION remove_self_service_login(text) TO resetdesk_owner;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
