-- 0039: a console login may connect to its own office's database only.
--
-- Setup used to grant CONNECT on each office's database to the group
-- resetdesk_console. Groups are the server's, so every console user of
-- every office on the server could connect to every other office's
-- database. Row security kept them from its rows, but not from what any
-- session there can read: PostgreSQL's statistics and catalogs say how many
-- users, audit rows, resets and mail that office has, and rising (pg_class,
-- pg_stat_user_tables); and whatever a server-wide group was granted there
-- without row security (0038 closed two such grants) was theirs as well.
-- Now each console login gets CONNECT on its own office's database by a
-- grant of its own, as self-service and relay logins do, and setup takes
-- CONNECT from resetdesk_console (data.lockDown, which also grants it to the
-- console logins of databases set up before).
--
-- add_console_user as 0021 made it (with 0019's lock_timeout), plus the
-- GRANT CONNECT on this database to the new login; disable_console_user and
-- remove_console_user as 0011 made them (with 0019's lock_timeout), plus the
-- REVOKE CONNECT of what the provisioner granted. They belong to the
-- provisioner, which holds CONNECT on this database with the grant option.

GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

CREATE OR REPLACE FUNCTION add_console_user(p_login text, p_verifier text, p_email text, p_name text,
                                 p_role text, p_promote boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a     users := current_actor();
    g     name;
    t     users;
    v_id  bigint;
BEGIN
    PERFORM manage_check(a, p_role);
    g := manage_group(p_role);
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' OR p_login ~ '^(pg_|resetdesk_)' THEN
        RAISE EXCEPTION '% is not a valid login role name: use lowercase letters, digits and _.', coalesce(p_login, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64}:[A-Za-z0-9+/=]{40,64}$' THEN
        RAISE EXCEPTION 'The password must arrive as a SCRAM-SHA-256 verifier.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_email IS NULL OR p_email !~ '^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$' OR length(p_email) > 254 THEN
        RAISE EXCEPTION '% is not a valid email address.', coalesce(p_email, '(none)') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'The role % already exists on this server. Choose another name.', p_login
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO t FROM users WHERE primary_email = p_email::citext AND org_id = a.org_id;
    IF FOUND THEN
        IF t.role <> 'member' OR t.db_role IS NOT NULL THEN
            RAISE EXCEPTION '% is already a console user (%): change their role instead.', p_email, t.role
                USING ERRCODE = 'invalid_parameter_value';
        ELSIF t.status = 'deactivated' THEN
            RAISE EXCEPTION '% is deactivated in the directory.', p_email USING ERRCODE = 'invalid_parameter_value';
        ELSIF NOT coalesce(p_promote, false) THEN
            RAISE EXCEPTION '% is already a member of the directory (%). To make them a console user, keeping their name, mobile number and secondary email as they are, promote them.',
                p_email, t.display_name USING ERRCODE = 'invalid_parameter_value';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM users WHERE primary_email = p_email::citext) THEN
        RAISE EXCEPTION '% belongs to another organization in this database.', p_email USING ERRCODE = 'invalid_parameter_value';
    END IF;

    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
                   p_login, p_verifier);
    EXECUTE format('GRANT %I TO %I', g, p_login);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_login, '60s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '30s');
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_login);

    IF t.id IS NOT NULL THEN
        UPDATE users SET role = p_role, db_role = p_login, status = 'confirmed' WHERE id = t.id RETURNING id INTO v_id;
    ELSE
        INSERT INTO users (org_id, display_name, primary_email, status, role, db_role)
        VALUES (a.org_id, coalesce(nullif(p_name, ''), split_part(p_email, '@', 1)), p_email, 'confirmed', p_role, p_login)
        RETURNING id INTO v_id;
    END IF;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('add_console_user', v_id, jsonb_build_object('role', p_role, 'db_role', p_login, 'promoted', t.id IS NOT NULL));
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION disable_console_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
BEGIN
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), t.db_role);
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
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), t.db_role);
    UPDATE users SET role = 'member', db_role = NULL WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('remove_console_user', t.id, jsonb_build_object('role', t.role, 'db_role', t.db_role));
END $$;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
