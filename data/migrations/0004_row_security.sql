-- 0004: a console user sees their own org and nothing else. The group roles
-- are shared by every database on the server, so without this an admin of
-- one office's database could connect to another's and read its directory;
-- and two orgs in one database would see each other. The functions run as
-- the tables' owner, which row security does not restrict.

CREATE FUNCTION my_org_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT org_id FROM users WHERE db_role = session_user AND status = 'confirmed'
$$;
GRANT EXECUTE ON FUNCTION my_org_id() TO resetdesk_console;

-- (SELECT my_org_id()) is evaluated once per query, not once per row.
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON orgs FOR SELECT TO resetdesk_console
    USING (id = (SELECT my_org_id()));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON users FOR SELECT TO resetdesk_console
    USING (org_id = (SELECT my_org_id()));

-- The tables below belong to users; the subquery on users is itself limited
-- by the policy above.
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON sessions FOR SELECT TO resetdesk_console
    USING (user_id IN (SELECT id FROM users));

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON api_tokens FOR SELECT TO resetdesk_console
    USING (user_id IN (SELECT id FROM users));

ALTER TABLE one_time_passwords ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON one_time_passwords FOR SELECT TO resetdesk_console
    USING (user_id IN (SELECT id FROM users));

ALTER TABLE mail_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON mail_deliveries FOR SELECT TO resetdesk_console
    USING (user_id IN (SELECT id FROM users) OR created_by = session_user);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_org ON audit_events FOR SELECT TO resetdesk_console
    USING (target_user_id IN (SELECT id FROM users)
           OR actor IN (SELECT db_role FROM users WHERE db_role IS NOT NULL));
