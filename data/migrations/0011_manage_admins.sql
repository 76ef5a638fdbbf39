-- 0011: the owner (or a console user with manage_admins) manages console
-- users and custom roles with their own connection: add an admin or a
-- custom-role user, promote a member (only when asked to), create or change
-- a custom role, change a console user's role, disable or remove one.
--
-- Adding a console user means CREATE ROLE and GRANT, which need CREATEROLE.
-- That power belongs to one NOLOGIN role, resetdesk_provisioner, which owns
-- only the functions below; resetdesk_definer, which owns everything else,
-- has no CREATEROLE. On PostgreSQL 15 and older CREATEROLE may create, alter,
-- drop and grant any role but a superuser (pg_execute_server_program, other
-- offices' admins), so these functions run only fixed statements:
--   CREATE ROLE <new name> LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
--       NOREPLICATION NOBYPASSRLS INHERIT PASSWORD <SCRAM verifier>
--   GRANT / REVOKE <a ResetDesk group> TO / FROM <a console user's login>
--   CREATE ROLE resetdesk_role_<name> NOLOGIN IN ROLE resetdesk_console
-- where a new name matches ^[a-z_][a-z0-9_]{0,62}$ (no pg_ or resetdesk_
-- prefix) and does not exist yet, a group is resetdesk_admin or a custom
-- role's group of this database (never resetdesk_owner), a login is the
-- db_role of a console user of the caller's org (never the owner, never the
-- caller), and a verifier matches SCRAM-SHA-256's form. Every name goes
-- through format('%I'), every value through format('%L').
--
-- Nobody grants more than they hold: a caller other than the owner may give
-- only roles whose permissions are among their own, and act only on console
-- users whose permissions are.
--
-- This migration runs as resetdesk_definer, hands the provisioner what it
-- needs, creates the functions as the provisioner, and ends as the definer.

GRANT SELECT ON orgs TO resetdesk_provisioner;
GRANT SELECT, INSERT, UPDATE ON users, roles TO resetdesk_provisioner;
GRANT INSERT ON audit_events TO resetdesk_provisioner;
-- Custom roles with view_audit read the log: the provisioner grants that.
GRANT SELECT ON audit_events TO resetdesk_provisioner WITH GRANT OPTION;
GRANT EXECUTE ON FUNCTION current_actor(), role_permissions(text) TO resetdesk_provisioner;
-- Triggers on users run as whoever updates the row: the change-ticket
-- trigger (0007) drops a ticket whose password changed.
GRANT SELECT, INSERT, UPDATE, DELETE ON change_tickets TO resetdesk_provisioner;
GRANT USAGE ON SCHEMA resetdesk TO resetdesk_provisioner;

-- Row security: the provisioner's functions check the org themselves.
CREATE POLICY provisioner ON users TO resetdesk_provisioner USING (true) WITH CHECK (true);
CREATE POLICY provisioner ON audit_events TO resetdesk_provisioner USING (true) WITH CHECK (true);
CREATE POLICY provisioner ON orgs FOR SELECT TO resetdesk_provisioner USING (true);

GRANT CREATE ON SCHEMA resetdesk TO resetdesk_provisioner;
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;

-- The checks every function below shares: the caller may manage console
-- users, and p_role (a role to give) holds no permission the caller lacks.
CREATE FUNCTION manage_check(a users, p_role text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
BEGIN
    IF NOT 'manage_admins' = ANY (role_permissions(a.role)) THEN
        RAISE EXCEPTION 'Your role (%) does not have the manage_admins permission.', a.role
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_role IS NOT NULL AND a.role <> 'owner' AND NOT role_permissions(p_role) <@ role_permissions(a.role) THEN
        RAISE EXCEPTION 'You cannot give the role % a permission you do not have yourself.', p_role
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- The group of a role a console user can be given: resetdesk_admin or a
-- custom role's, never the owner's.
CREATE FUNCTION manage_group(p_role text) RETURNS name
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    g name;
BEGIN
    IF p_role = 'admin' THEN
        RETURN 'resetdesk_admin';
    END IF;
    SELECT db_group INTO g FROM roles WHERE name = p_role;
    IF g IS NULL OR g !~ '^resetdesk_role_[a-z][a-z0-9_]{0,30}$' THEN
        RAISE EXCEPTION 'There is no role %: choose admin or a custom role.', coalesce(p_role, '(none)')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN g;
END $$;

-- A console user of the caller's org whom the caller may change.
CREATE FUNCTION manage_target(a users, p_user_id bigint) RETURNS users
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    t users;
BEGIN
    SELECT * INTO t FROM users WHERE id = p_user_id AND org_id = a.org_id;
    IF NOT FOUND OR t.db_role IS NULL OR t.role = 'member' THEN
        RAISE EXCEPTION 'That user is not a console user of your organization.' USING ERRCODE = 'invalid_parameter_value';
    ELSIF t.role = 'owner' THEN
        RAISE EXCEPTION 'Nobody changes the owner here.' USING ERRCODE = 'insufficient_privilege';
    ELSIF t.id = a.id THEN
        RAISE EXCEPTION 'You cannot change your own access; ask the owner.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM manage_check(a, t.role);
    RETURN t;
END $$;

-- Add a console user: a new login role with the SCRAM verifier the client
-- computed (the password itself never reaches the server), its group, and
-- the directory row. An address that already belongs to a console user is
-- refused; a member is promoted only with p_promote, keeping their row.
CREATE FUNCTION add_console_user(p_login text, p_verifier text, p_email text, p_name text,
                                 p_role text, p_promote boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
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

-- Create or change a custom role: its row, its group and, with view_audit,
-- read access to the audit log.
CREATE FUNCTION save_custom_role(p_name text, p_permissions text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a     users := current_actor();
    g     name;
    perms text[];
BEGIN
    PERFORM manage_check(a, NULL);
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_]{0,30}$' OR p_name IN ('owner', 'admin', 'member') THEN
        RAISE EXCEPTION '% is not a valid custom role name: use lowercase letters, digits and _, and not owner, admin or member.',
            coalesce(p_name, '(none)') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(array_agg(DISTINCT p ORDER BY p), '{}') INTO perms FROM unnest(p_permissions) p;
    IF NOT perms <@ ARRAY['reset_password', 'set_password', 'import_users', 'manage_admins', 'view_audit'] THEN
        RAISE EXCEPTION 'Unknown permission among %. Permissions: reset_password, set_password, import_users, manage_admins, view_audit.',
            array_to_string(perms, ', ') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF a.role <> 'owner' AND NOT (perms <@ role_permissions(a.role) AND role_permissions(p_name) <@ role_permissions(a.role)) THEN
        RAISE EXCEPTION 'You cannot give a role a permission you do not have yourself.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    g := 'resetdesk_role_' || p_name;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = g) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE resetdesk_console', g);
    END IF;
    INSERT INTO roles (name, permissions, db_group) VALUES (p_name, perms, g)
    ON CONFLICT (name) DO UPDATE SET permissions = EXCLUDED.permissions;
    IF 'view_audit' = ANY (perms) THEN
        EXECUTE format('GRANT SELECT ON audit_events TO %I', g);
    ELSE
        EXECUTE format('REVOKE SELECT ON audit_events FROM %I', g);
    END IF;
    INSERT INTO audit_events (action, details) VALUES ('add_role', jsonb_build_object('role', p_name, 'permissions', perms));
END $$;

-- Give a console user another role (admin or a custom role).
CREATE FUNCTION set_console_role(p_user_id bigint, p_role text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
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
    EXECUTE format('GRANT %I TO %I', g, t.db_role);
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    UPDATE users SET role = p_role WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('set_console_role', t.id, jsonb_build_object('from', t.role, 'to', p_role));
END $$;

-- Disable a console user: every function and every row of the directory is
-- closed to their login at once (current_actor and row security require a
-- confirmed user), and their group goes.
CREATE FUNCTION disable_console_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
BEGIN
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    UPDATE users SET status = 'deactivated' WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('disable_console_user', t.id, jsonb_build_object('role', t.role, 'db_role', t.db_role));
END $$;

-- Remove a console user's access: they stay in the directory as a member,
-- their login keeps no link to it and no group. The DBA may drop the login.
CREATE FUNCTION remove_console_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    a users := current_actor();
    t users := manage_target(a, p_user_id);
BEGIN
    EXECUTE format('REVOKE %I FROM %I', manage_group(t.role), t.db_role);
    UPDATE users SET role = 'member', db_role = NULL WHERE id = t.id;
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('remove_console_user', t.id, jsonb_build_object('role', t.role, 'db_role', t.db_role));
END $$;

REVOKE EXECUTE ON FUNCTION manage_check(users, text), manage_group(text), manage_target(users, bigint),
    add_console_user(text, text, text, text, text, boolean), save_custom_role(text, text[]),
    set_console_role(bigint, text), disable_console_user(bigint), remove_console_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION add_console_user(text, text, text, text, text, boolean), save_custom_role(text, text[]),
    set_console_role(bigint, text), disable_console_user(bigint), remove_console_user(bigint) TO resetdesk_console;

RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
REVOKE CREATE ON SCHEMA resetdesk FROM resetdesk_provisioner;
