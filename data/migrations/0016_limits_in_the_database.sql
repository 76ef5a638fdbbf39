-- 0016: the limits the client applies, applied again where every writer
-- passes: constraints on the tables and checks in the functions.
--
-- * One login, one row: a primary email (compared case-insensitively) or a
--   mobile-number login names one user in the whole database, across orgs.
-- * Stored hashes are argon2id with exactly ResetDesk's parameters
--   (m=19456,t=2,p=1, 16-byte salt, 32-byte hash): a stored hash can no
--   longer make every verifier (Dovecot included) work for minutes.
-- * Addresses are one plain address without spaces, line breaks, a display
--   name or a list, at most 254 characters; names and mobile numbers are
--   one line and short.
-- * import_users takes at most 300 rows whatever the arguments, checks every
--   array and row, and says per row why one was left out.
-- * create_test_delivery needs reset_password and a sane address;
--   record_deliveries caps counts and lengths.
-- * Custom roles belong to an org and are read under row security.
-- * The passdb view serves lower-case logins and no hash for a locked,
--   deactivated or not-confirmed user; it is granted per database.
-- * The console's functions wait at most 5 s for a lock held elsewhere.

-- One login, one row. A database that already holds a login twice cannot be
-- fixed by a migration: which org keeps it is the DBA's call.
DO $$
DECLARE
    dup text;
BEGIN
    SELECT string_agg(l, ', ') INTO dup FROM (
        SELECT lower(primary_email::text) AS l FROM users WHERE primary_email IS NOT NULL
         GROUP BY 1 HAVING count(*) > 1
        UNION ALL
        SELECT mobile_number FROM users WHERE primary_email IS NULL AND mobile_number IS NOT NULL
         GROUP BY 1 HAVING count(*) > 1
        LIMIT 10) d;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'These logins belong to more than one user in this database: %. Give each login to one user (change or remove the others), then run resetdesk setup again.', dup
            USING ERRCODE = 'unique_violation';
    END IF;
END $$;
CREATE UNIQUE INDEX users_login ON users (primary_email);
CREATE UNIQUE INDEX users_mobile_login ON users (mobile_number) WHERE primary_email IS NULL;

-- Our hashes only. Any other stored hash was not written by ResetDesk: it
-- stops working (the user gets a reset), and the audit log says so.
WITH bad AS (
    UPDATE users SET password_hash = NULL
     WHERE password_hash !~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$'
    RETURNING id
)
INSERT INTO audit_events (action, target_user_id, details)
SELECT 'password_hash_refused', id, '{"why": "not argon2id with m=19456,t=2,p=1"}' FROM bad;
ALTER TABLE users DROP CONSTRAINT users_password_hash_check;
ALTER TABLE users ADD CONSTRAINT users_password_hash_phc
    CHECK (password_hash ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$');

-- One plain address: local@domain.tld, no space, control character, quote,
-- angle bracket, comma or semicolon, at most 254 characters.
-- No SET clause, so that the planner inlines them into the constraints
-- (a bulk reset stays a fixed number of statements); every name in them is
-- qualified, and console roles can create nothing anywhere.
CREATE FUNCTION valid_address(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NULL OR (pg_catalog.length(p) BETWEEN 3 AND 254
        AND p OPERATOR(pg_catalog.~) '^[^][[:space:][:cntrl:]@<>,;:"()\\]+@[^][[:space:][:cntrl:]@<>,;:"()\\.]+(\.[^][[:space:][:cntrl:]@<>,;:"()\\.]+)+$')
$$;
CREATE FUNCTION valid_name(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NULL OR (pg_catalog.length(p) <= 200 AND p OPERATOR(pg_catalog.!~) '[[:cntrl:]]')
$$;
-- Whoever writes a users row runs the constraints, the provisioner's
-- functions included: anyone may call these two pure functions.
GRANT EXECUTE ON FUNCTION valid_address(text), valid_name(text) TO PUBLIC;

-- Names: a line break becomes a space (nothing is lost that a mail header
-- could show); then the rule holds for every row.
UPDATE users SET display_name = btrim(regexp_replace(display_name, '[[:cntrl:]]+', ' ', 'g'))
 WHERE display_name ~ '[[:cntrl:]]';
UPDATE users SET display_name = left(display_name, 200) WHERE length(display_name) > 200;
ALTER TABLE users ADD CONSTRAINT users_display_name_line CHECK (valid_name(display_name));

-- Addresses and mobile numbers: rows written before this stay as they are
-- (NOT VALID) unless all of them pass; new and changed rows must pass.
ALTER TABLE users ADD CONSTRAINT users_primary_email_address CHECK (valid_address(primary_email::text)) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_secondary_email_address CHECK (valid_address(secondary_email::text)) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_mobile_number_format CHECK (mobile_number ~ '^\+?[0-9][0-9 ().-]{4,30}[0-9]$') NOT VALID;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE NOT valid_address(primary_email::text) OR NOT valid_address(secondary_email::text)) THEN
        ALTER TABLE users VALIDATE CONSTRAINT users_primary_email_address;
        ALTER TABLE users VALIDATE CONSTRAINT users_secondary_email_address;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE mobile_number !~ '^\+?[0-9][0-9 ().-]{4,30}[0-9]$') THEN
        ALTER TABLE users VALIDATE CONSTRAINT users_mobile_number_format;
    END IF;
END $$;
ALTER TABLE mail_deliveries ADD CONSTRAINT mail_deliveries_last_error_length CHECK (length(last_error) <= 1000) NOT VALID;
ALTER TABLE mail_deliveries ADD CONSTRAINT mail_deliveries_attempts_range CHECK (attempts BETWEEN 0 AND 1000) NOT VALID;

-- Custom roles belong to the org of the console user who saves them (the
-- DBA's `role add`, who is none, gives them the first org, as `admin add`
-- does). Until now there was one org per setup: existing roles go to the
-- first. Console users read their org's roles; the provisioner (0011) reads
-- and writes only the roles of the org it acts for.
CREATE FUNCTION role_org_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT coalesce((SELECT org_id FROM users WHERE db_role = session_user AND status = 'confirmed'),
                    (SELECT min(id) FROM orgs))
$$;
GRANT EXECUTE ON FUNCTION role_org_id() TO resetdesk_provisioner;
ALTER TABLE roles ADD COLUMN org_id bigint REFERENCES orgs (id) DEFAULT role_org_id();
UPDATE roles SET org_id = (SELECT min(id) FROM orgs) WHERE org_id IS NULL;
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON roles FOR SELECT TO resetdesk_console
    USING (org_id = (SELECT my_org_id()));
DROP POLICY provisioner ON roles; -- 0013's, which let it reach any org's roles
CREATE POLICY provisioner ON roles TO resetdesk_provisioner
    USING (org_id = (SELECT role_org_id())) WITH CHECK (org_id = (SELECT role_org_id()));

-- The import, again: every array as long as the emails, at most 300 rows,
-- each row checked, and a reason for each row left out: 'exists' (already
-- in this org) or 'taken' (the login of a user in another org here).
DROP FUNCTION import_users(integer[], text[], text[], text[], text[], text[]);
CREATE FUNCTION import_users(p_lines integer[], p_emails text[], p_names text[], p_mobiles text[],
                             p_secondary text[], p_statuses text[])
RETURNS TABLE (line integer, user_id bigint, reason text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
#variable_conflict use_column
DECLARE
    a   users := current_actor();
    n   integer := cardinality(p_lines);
    bad integer;
BEGIN
    PERFORM require_permission(a, 'import_users');
    IF n IS NULL OR n IS DISTINCT FROM cardinality(p_emails) OR n IS DISTINCT FROM cardinality(p_names)
       OR n IS DISTINCT FROM cardinality(p_mobiles) OR n IS DISTINCT FROM cardinality(p_secondary)
       OR n IS DISTINCT FROM cardinality(p_statuses) THEN
        RAISE EXCEPTION 'An import needs one line number, email, name, mobile, secondary email and status per row.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n > 300 THEN
        RAISE EXCEPTION 'An import holds at most 300 users; this one has %.', n USING ERRCODE = 'program_limit_exceeded';
    END IF;
    SELECT e.line INTO bad
      FROM unnest(p_lines, p_emails, p_names, p_mobiles, p_secondary, p_statuses) AS e(line, email, name, mobile, secondary, status)
     WHERE e.line IS NULL
        OR NOT valid_address(nullif(e.email, '')) OR NOT valid_address(nullif(e.secondary, ''))
        OR NOT valid_name(e.name)
        OR (nullif(e.mobile, '') IS NOT NULL AND e.mobile !~ '^\+?[0-9][0-9 ().-]{4,30}[0-9]$')
        OR (nullif(e.email, '') IS NULL AND nullif(e.mobile, '') IS NULL)
        OR coalesce(nullif(e.status, ''), 'invited') NOT IN ('invited', 'confirmed', 'deactivated')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'Import line % is not valid: an email must be one plain address, a name one line, a mobile number digits with an optional leading + (spaces, dashes, dots and parentheses allowed), and the status invited, confirmed or deactivated.', bad
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(p_lines) x) <> n THEN
        RAISE EXCEPTION 'A line number appears twice in the import.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH e AS (
        SELECT * FROM unnest(p_lines, p_emails, p_names, p_mobiles, p_secondary, p_statuses)
                 AS e(line, email, name, mobile, secondary, status)
    ), ins AS (
        INSERT INTO users (org_id, display_name, primary_email, mobile_number, primary_is_mobile,
                           secondary_email, status, role)
        SELECT a.org_id, coalesce(e.name, ''), nullif(e.email, ''), nullif(e.mobile, ''),
               nullif(e.email, '') IS NULL, nullif(e.secondary, ''), coalesce(nullif(e.status, ''), 'invited'), 'member'
          FROM e
        ON CONFLICT DO NOTHING
        RETURNING users.id, users.primary_email, users.mobile_number
    ), aud AS (
        INSERT INTO audit_events (action, target_user_id, details)
        SELECT 'import_user', ins.id, '{}'::jsonb FROM ins
    )
    SELECT e.line, ins.id,
           CASE WHEN ins.id IS NOT NULL THEN NULL
                WHEN EXISTS (SELECT 1 FROM users u WHERE u.org_id = a.org_id
                               AND (u.primary_email = nullif(e.email, '')::citext
                                    OR (u.primary_email IS NULL AND nullif(e.email, '') IS NULL AND u.mobile_number = e.mobile)))
                     THEN 'exists'
                ELSE 'taken' END
      FROM e LEFT JOIN ins ON (ins.primary_email = nullif(e.email, '')::citext)
                           OR (ins.primary_email IS NULL AND nullif(e.email, '') IS NULL AND ins.mobile_number = e.mobile)
     ORDER BY e.line;
END $$;
GRANT EXECUTE ON FUNCTION import_users(integer[], text[], text[], text[], text[], text[]) TO resetdesk_console;

-- A test message from Settings: for those who send mail, to one address.
CREATE OR REPLACE FUNCTION create_test_delivery(p_to text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a  users := current_actor();
    id bigint;
BEGIN
    PERFORM require_permission(a, 'reset_password');
    IF p_to IS NULL OR NOT valid_address(p_to) THEN
        RAISE EXCEPTION 'A test message goes to one plain address (name@example.org), at most 254 characters.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO mail_deliveries (kind, to_address) VALUES ('test', p_to) RETURNING mail_deliveries.id INTO id;
    INSERT INTO audit_events (action, details) VALUES ('send_test_mail', jsonb_build_object('to', p_to));
    RETURN id;
END $$;

-- What happened to messages after the reset committed: at most 1000 rows a
-- call, the arrays alike, a sane count of attempts, and the server's words
-- cut to 1000 characters.
CREATE OR REPLACE FUNCTION record_deliveries(p_ids bigint[], p_statuses text[], p_errors text[], p_attempts integer[])
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a users := current_actor();
    n integer := coalesce(cardinality(p_ids), 0);
BEGIN
    IF n > 1000 OR n <> coalesce(cardinality(p_statuses), 0) OR n <> coalesce(cardinality(p_errors), 0)
       OR n <> coalesce(cardinality(p_attempts), 0) THEN
        RAISE EXCEPTION 'A delivery report needs one status, error and attempt count per message, for at most 1000 messages.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_attempts) x WHERE x IS NULL OR x NOT BETWEEN 0 AND 100) THEN
        RAISE EXCEPTION 'A message is tried between 0 and 100 times.' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE mail_deliveries d
       SET status     = e.status,
           last_error = left(e.err, 1000),
           attempts   = least(d.attempts + e.attempts, 1000),
           sent_at    = CASE WHEN e.status = 'sent' THEN now() END
      FROM unnest(p_ids, p_statuses, p_errors, p_attempts) AS e(id, status, err, attempts)
     WHERE d.id = e.id AND d.status = 'pending' AND e.status IN ('sent', 'failed')
       AND d.created_by = session_user;
END $$;

-- The passdb: lower-case logins, as Dovecot sends them (%Lu), and a hash
-- only for a confirmed user who is not locked and whose temporary password
-- has not expired. A lock holds here until a reset (or the DBA) clears it,
-- whatever its time: the reader cannot tell a lapsed lock from a live one.
CREATE OR REPLACE VIEW passdb AS
SELECT lower(coalesce(primary_email::text, mobile_number)) AS login,
       CASE WHEN status <> 'confirmed' OR locked_until IS NOT NULL
                 OR (password_expires_at IS NOT NULL AND password_expires_at < now()) THEN NULL
            ELSE password_hash END AS password_hash,
       must_change_password,
       status
  FROM users;
CREATE INDEX users_passdb_login ON users (lower(coalesce(primary_email::text, mobile_number)));

-- Granted per database, never through a server-wide group: the group
-- resetdesk_passdb let one office's Dovecot read every office's hashes. Its
-- members keep reading this database (so mail goes on working after the
-- upgrade), each by a grant of its own that the DBA can revoke; the setup
-- output names them. A database set up from now on grants nobody.
REVOKE ALL ON passdb FROM resetdesk_passdb;
DO $$
DECLARE
    r name;
BEGIN
    FOR r IN SELECT m.rolname FROM pg_auth_members am
               JOIN pg_roles g ON g.oid = am.roleid AND g.rolname = 'resetdesk_passdb'
               JOIN pg_roles m ON m.oid = am.member
    LOOP
        EXECUTE format('GRANT SELECT ON passdb TO %I', r);
        INSERT INTO audit_events (action, details)
        VALUES ('grant_passdb', jsonb_build_object('role', r, 'why', 'was a member of resetdesk_passdb'));
    END LOOP;
END $$;
