-- 0034: an attempt is answered once.
--
-- self_service_answer (0030) judged a committed attempt as often as it was
-- asked, and each time wrote an audit row about the user it named and a
-- row of the attempt trail: the limits count attempts, not answers, so
-- one wrong attempt answered in a loop filled the audit log with rows
-- naming a real user, out of any limit.
--
-- The first answer that commits is kept with the attempt and given again,
-- with nothing more written; an answer rolled back takes its audit row
-- with it, so asking again writes only what one answer writes.
--
-- self_service_answer as 0030 made it (its lock timeout kept), with the
-- kept answer.

ALTER TABLE self_service_tries ADD COLUMN answer text;

CREATE OR REPLACE FUNCTION self_service_answer(p_token uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '2s' AS $$
DECLARE
    t self_service_tries;
    v text;
BEGIN
    PERFORM require_self_service();
    -- The attempt's row is held while it is judged: a second answer at the
    -- same moment waits for the first (or answers busy) and then repeats it.
    SELECT * INTO t FROM self_service_tries x WHERE x.token = p_token AND x.db_role = session_user FOR UPDATE;
    IF t.id IS NULL THEN
        RAISE EXCEPTION 'There is no such attempt to answer: it was made by another login, or its transaction has not committed.'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF t.xact = txid_current() THEN
        RAISE EXCEPTION 'An attempt is answered only after the transaction that made it has committed.'
            USING ERRCODE = 'invalid_transaction_state';
    ELSIF t.answer IS NOT NULL THEN
        RETURN t.answer;
    END IF;
    IF self_service_try_limited(t) THEN
        v := 'limited';
    ELSIF t.kind = 'complete_reset' THEN
        v := answer_complete_reset(t);
    ELSE
        v := answer_change_password(t);
    END IF;
    -- Busy is no verdict: the attempt may be answered again.
    IF v <> 'busy' THEN
        UPDATE self_service_tries SET answer = v WHERE id = t.id;
    END IF;
    RETURN v;
END $$;
