-- 0024: a rolled-back guess counts.
--
-- Every self-service limit (10 failures per typed login and self-service
-- login, 50 per typed login, 100 per self-service login, 500 in all, 5 near
-- misses per code) counts rows that complete_reset and change_password
-- write in the caller's transaction. A self-service login that runs
-- BEGIN; SELECT complete_reset(...); ROLLBACK reads the answer and takes
-- the rows back: nothing counted, so guesses at a code (or at a temporary
-- password, 5 tries per ticket) were limited only by the server's speed,
-- thousands a second.
--
-- Sequences are not transactional: nextval stays spent after a rollback.
-- Each call now draws from a budget kept in one: it grows by 500 every 15
-- minutes (one call per 1.8 s) and holds at most 500, and a call beyond it
-- answers limited, as the "500 in all" limit does. A caller who rolls back
-- gets no more than that: at most 500 guesses at a code in 15 minutes and
-- 48,000 in a day, over all self-service logins, against the 50 and 4,800
-- that the committed limits of 0022 allow a caller who does not. A
-- guesser's chance at one 50-bit code stays below 48,000 / 2^50 = 4.3e-11
-- a day. Those limits still hold for every caller who commits, which any
-- honest one does; this one bounds the rest, and like "500 in all" it is
-- shared: a login that spends it refuses everyone until it grows back.
--
-- self_service_limited as 0022 made it, after drawing from the budget.

CREATE SEQUENCE self_service_budget;

CREATE OR REPLACE FUNCTION self_service_limited(p_login text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    -- The budget's top now: 500 per 900 s since the epoch. The clock, not
    -- now(): a transaction kept open does not keep its start time's budget.
    v_top  bigint := floor(extract(epoch FROM clock_timestamp()) * 500 / 900)::bigint;
    v_call bigint := nextval('self_service_budget');
BEGIN
    IF v_call <= v_top - 500 THEN
        -- Unspent budget beyond 500 lapses.
        PERFORM setval('self_service_budget', v_top - 500 + 1);
    ELSIF v_call > v_top THEN
        -- Refused calls spend nothing: the budget grows back on time.
        PERFORM setval('self_service_budget', v_top);
        RETURN true;
    END IF;
    RETURN (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE login = p_login AND db_role = session_user
                                     AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 10) x) >= 10
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE login = p_login AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 50) x) >= 50
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE db_role = session_user AND at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 100) x) >= 100
        OR (SELECT count(*) FROM (SELECT 1 FROM self_service_attempts
                                   WHERE at > now() - interval '15 minutes' AND outcome <> 'ok' LIMIT 500) x) >= 500;
END $$;
