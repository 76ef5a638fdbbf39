-- 0005: the end user's side learns the minimum length of a new password for
-- their org, so that complete-reset checks the org's policy, not a default.
-- An unknown login gets the default, the same shape of answer.
CREATE FUNCTION password_policy(p_login text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT coalesce((SELECT o.min_password_length FROM users u JOIN orgs o ON o.id = u.org_id
                      WHERE u.primary_email = p_login::citext LIMIT 1), 15)
$$;
GRANT EXECUTE ON FUNCTION password_policy(text) TO PUBLIC;
