-- 0026: the turns of 0025 cannot be taken by another login.
--
-- Attempts at one code (or one change ticket) take turns by a
-- transaction-scoped advisory lock. Advisory locks are open to every login
-- that can connect (a console, the relay, Dovecot's passdb login), and a
-- session-level one outlives any transaction and any idle timeout: with
-- keys made of the code's id, which counts up, any of them could hold the
-- turn of every live code and have every completion answer busy.
--
-- The keys are now a keyed hash of the id, with a secret made here that
-- only the definer reads. Nobody else can tell which key an attempt will
-- ask for, and PostgreSQL's lock table holds far too few locks to take
-- them all.

CREATE TABLE advisory_secret (
    secret text NOT NULL
);
INSERT INTO advisory_secret (secret) SELECT gen_random_uuid()::text || gen_random_uuid()::text;
ALTER TABLE advisory_secret ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION self_service_turn(p_space integer, p_id bigint) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, resetdesk, pg_temp AS $$
    SELECT pg_try_advisory_xact_lock(
        hashtextextended((SELECT s.secret FROM advisory_secret s LIMIT 1) || ':' || p_space || ':' || coalesce(p_id, 0), 0))
$$;
