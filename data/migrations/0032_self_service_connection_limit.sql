-- 0032: a self-service login the owner adds may hold at most 25
-- connections at once (data.SelfServiceConnectionLimit; `self-service add`
-- as the DBA sets the same, and setup gives it to registered logins that
-- have no limit). Its password is on every office PC and its session
-- defaults bind nobody, so without a limit whoever holds it could take
-- every connection the server has: no admin could sign in, and the mail
-- server's passdb lookups, and with them the office's mail sign-ins,
-- would fail.
--
-- add_self_service_login as 0014 made it, with 0019's lock_timeout, and
-- the limit in its CREATE ROLE. It belongs to the provisioner.

GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE OR REPLACE FUNCTION add_self_service_login(p_login text, p_verifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
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
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 25 PASSWORD %L IN ROLE resetdesk_self_service',
                   p_login, p_verifier);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '10s');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_login, '10s');
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', p_login, '3s');
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_login);
    INSERT INTO self_service_logins (db_role) VALUES (p_login);
    INSERT INTO audit_events (action, details) VALUES ('add_self_service_login', jsonb_build_object('db_role', p_login));
END $$;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
