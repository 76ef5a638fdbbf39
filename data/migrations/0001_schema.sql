-- 0001: the directory tables and who may read which column.
-- Runs as resetdesk_definer, which owns everything in the schema. Console roles
-- (members of resetdesk_console) may read what they need and nothing secret;
-- they write only through the functions of 0002.

CREATE TABLE orgs (
    id                       bigint GENERATED ALWAYS AS IDENTITY (START WITH 60000001) PRIMARY KEY,
    name                     text NOT NULL CHECK (name <> ''),
    admins_may_set_passwords boolean NOT NULL DEFAULT false,
    otp_ttl                  interval NOT NULL DEFAULT '15 minutes' CHECK (otp_ttl > '0'),
    temp_password_ttl        interval NOT NULL DEFAULT '72 hours' CHECK (temp_password_ttl > '0'),
    min_password_length      integer NOT NULL DEFAULT 15 CHECK (min_password_length BETWEEN 8 AND 128),
    sso_enabled              boolean NOT NULL DEFAULT false,
    created_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE roles (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,30}$' AND name NOT IN ('owner', 'admin', 'member')),
    permissions text[] NOT NULL DEFAULT '{}'
        CHECK (permissions <@ ARRAY['reset_password', 'set_password', 'import_users', 'manage_admins', 'view_audit']),
    db_group    name NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                          bigint GENERATED ALWAYS AS IDENTITY (START WITH 100000001) PRIMARY KEY,
    org_id                      bigint NOT NULL REFERENCES orgs (id),
    display_name                text NOT NULL DEFAULT '',
    primary_email               citext,
    mobile_number               text,
    primary_is_mobile           boolean NOT NULL DEFAULT false,
    secondary_email             citext,
    primary_email_undeliverable boolean NOT NULL DEFAULT false,
    status                      text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'confirmed', 'deactivated')),
    role                        text NOT NULL DEFAULT 'member',
    db_role                     name UNIQUE,
    sso_managed                 boolean NOT NULL DEFAULT false,
    locked_until                timestamptz,
    password_hash               text CHECK (password_hash ~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$'),
    has_password                boolean GENERATED ALWAYS AS (password_hash IS NOT NULL) STORED,
    must_change_password        boolean NOT NULL DEFAULT false,
    password_expires_at         timestamptz,
    password_changed_at         timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (primary_email IS NOT NULL OR mobile_number IS NOT NULL),
    CHECK ((role IN ('owner', 'admin')) <= (db_role IS NOT NULL)),
    UNIQUE (org_id, primary_email)
);
CREATE UNIQUE INDEX users_one_owner ON users (org_id) WHERE role = 'owner';
CREATE UNIQUE INDEX users_mobile_only ON users (org_id, mobile_number) WHERE primary_email IS NULL;

CREATE TABLE one_time_passwords (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    voided_at  timestamptz,
    attempts   integer NOT NULL DEFAULT 0,
    issued_by  name NOT NULL
);
CREATE INDEX one_time_passwords_live ON one_time_passwords (user_id) WHERE used_at IS NULL AND voided_at IS NULL;

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('web', 'mobile')),
    client       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX sessions_live ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE api_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_tokens_live ON api_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE audit_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          name NOT NULL DEFAULT session_user,
    action         text NOT NULL,
    target_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at DESC);
CREATE INDEX audit_events_target ON audit_events (target_user_id, at DESC);

CREATE TABLE mail_deliveries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    kind       text NOT NULL CHECK (kind IN ('one_time_password', 'password', 'password_notice', 'undeliverable_notice', 'test')),
    to_address text NOT NULL,
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   integer NOT NULL DEFAULT 0,
    last_error text,
    created_by name NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX mail_deliveries_user ON mail_deliveries (user_id, created_at DESC);
CREATE INDEX mail_deliveries_created ON mail_deliveries (created_at DESC);

-- What a Dovecot passdb (or any other system that signs users in) reads. A
-- temporary password that has expired is no password at all.
CREATE VIEW passdb AS
SELECT coalesce(primary_email::text, mobile_number) AS login,
       CASE WHEN password_expires_at IS NOT NULL AND password_expires_at < now() THEN NULL
            ELSE password_hash END AS password_hash,
       must_change_password,
       status
  FROM users;

-- Nothing for anyone by default; then exactly what each group needs.
REVOKE ALL ON ALL TABLES IN SCHEMA resetdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA resetdesk TO resetdesk_console, resetdesk_passdb;
GRANT SELECT ON passdb TO resetdesk_passdb;

GRANT SELECT ON orgs, roles, sessions, mail_deliveries TO resetdesk_console;
GRANT SELECT (id, org_id, display_name, primary_email, mobile_number, primary_is_mobile,
              secondary_email, primary_email_undeliverable, status, role, db_role, sso_managed,
              locked_until, has_password, must_change_password, password_expires_at, password_changed_at, created_at)
    ON users TO resetdesk_console;
GRANT SELECT (id, user_id, created_at, expires_at, used_at, voided_at, attempts, issued_by)
    ON one_time_passwords TO resetdesk_console;
GRANT SELECT (id, user_id, name, created_at, revoked_at) ON api_tokens TO resetdesk_console;
-- The audit log is for roles with view_audit: the owner and admins here, custom
-- roles when `role add` grants it to their group.
GRANT SELECT ON audit_events TO resetdesk_owner, resetdesk_admin;
