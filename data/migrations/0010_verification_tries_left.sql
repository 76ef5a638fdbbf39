-- 0010: the admin is warned before the lock of 0003 falls. The client asks,
-- after a wrong password, how many wrong ones in a row now stand against
-- its login within the lock's 15 minutes, and says how many tries are left.

CREATE FUNCTION my_wrong_verifications() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT count(*)::integer FROM admin_verifications
     WHERE db_role = session_user AND at > now() - interval '15 minutes' AND NOT ok
       AND id > coalesce((SELECT max(id) FROM admin_verifications WHERE db_role = session_user AND ok), 0)
$$;

GRANT EXECUTE ON FUNCTION my_wrong_verifications() TO resetdesk_console;
