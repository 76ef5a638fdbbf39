-- 0014: the owner makes self-service logins with their own connection
-- (`resetdesk self-service add` signed in as the owner), as the owner adds
-- console users (0011): a function owned by resetdesk_provisioner, the one
-- ResetDesk role with CREATEROLE, that runs only fixed statements on a
-- validated new name:
--   CREATE ROLE <new name> LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
--       NOREPLICATION NOBYPASSRLS INHERIT PASSWORD <SCRAM verifier>
--       IN ROLE resetdesk_self_service
--   ALTER ROLE <it> SET the end user's short timeouts
--   GRANT CONNECT ON DATABASE <this one> TO <it>
-- and registers the login for this database. Setup gives the provisioner
-- CONNECT on the database with the grant option for the last one.

GRANT SELECT, INSERT ON self_service_logins TO resetdesk_provisioner;
GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE FUNCTION add_self_service_login(p_login text, p_verifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
BEGIN
    IF a.role <> 'owner' THEN
        RAISE EXCEPTION 'Only the owner (or the DBA) may add self-service logins.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' OR p_login ~ '^(pg_|resetdesk_)' THEN
        RAISE EXCEPTION '% is not a valid login role name: use lowercase letters, digits and _.', coalesce(p_login, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64}:[A-Za-z0-9+/=]{40,64}$' THEN
        RAISE EXCEPTION 'The password must arrive as a SCRAM-SHA-256 verifier.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'The role % already exists on this server. Choose another name.', p_login
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L IN ROLE resetdesk_self_service',
                   p_login, p_verifier);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '10s');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_login, '10s');
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', p_login, '3s');
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_login);
    INSERT INTO self_service_logins (db_role) VALUES (p_login);
    INSERT INTO audit_events (action, details) VALUES ('add_self_service_login', jsonb_build_object('db_role', p_login));
END $$;

REVOKE EXECUTE ON FUNCTION add_self_service_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION add_self_service_login(text, text) TO resetdesk_owner;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
