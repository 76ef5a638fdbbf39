-- 0017: re-authentication that works through a connection pooler. The
-- client proves the typed password to the database itself, the way SCRAM
-- does at sign-in, against a one-time challenge the database issues: the
-- proof is ClientKey XOR HMAC(StoredKey, challenge), checked against the
-- role's own SCRAM verifier. No new connection is needed, so PgBouncer in
-- any mode is no obstacle; the password never leaves the client; and a
-- wrong proof is counted by the database, not reported by the client.
--
-- The verifier lives in pg_authid, which only a superuser may read: setup,
-- run as a superuser, creates resetdesk.scram_verifier() for that (it
-- returns the caller's own verifier, to resetdesk_definer only). Without it
-- (a hosted server with no superuser) begin_verification returns no
-- challenge, and the client falls back to the fresh connection of 0015.

CREATE TABLE reauth_challenges (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    db_role    name NOT NULL DEFAULT session_user,
    nonce      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);

-- HMAC-SHA-256 (RFC 2104) from the built-in sha256, for keys of at most 64 bytes.
CREATE FUNCTION xor_bytes(a bytea, b bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT decode(string_agg(lpad(to_hex(get_byte(a, i) # get_byte(b, i)), 2, '0'), '' ORDER BY i), 'hex')
      FROM generate_series(0, length(a) - 1) i
$$;
CREATE FUNCTION hmac_sha256(k bytea, m bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, resetdesk AS $$
    SELECT sha256(xor_bytes(kp, decode(repeat('5c', 64), 'hex')) || sha256(xor_bytes(kp, decode(repeat('36', 64), 'hex')) || m))
      FROM (SELECT k || decode(repeat('00', 64 - length(k)), 'hex') AS kp) p
$$;

-- The caller's SCRAM verifier, split; NULL when it cannot be read.
CREATE FUNCTION my_scram_verifier(OUT iterations integer, OUT salt text, OUT stored_key bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp AS $$
DECLARE
    v text;
    m text[];
BEGIN
    IF to_regprocedure('resetdesk.scram_verifier()') IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT resetdesk.scram_verifier()' INTO v;
    m := regexp_match(v, '^SCRAM-SHA-256\$([0-9]+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$');
    IF m IS NULL THEN
        RETURN;
    END IF;
    iterations := m[1]::integer;
    salt := m[2];
    stored_key := decode(m[3], 'base64');
END $$;

-- A challenge for the caller: the nonce to sign, and the salt and
-- iteration count to derive the key from the typed password. No rows when
-- the verifier cannot be read.
CREATE FUNCTION begin_verification() RETURNS TABLE (nonce text, salt text, iterations integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
#variable_conflict use_column
DECLARE
    a users := current_actor();
    v record := my_scram_verifier();
    n text := encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex');
BEGIN
    IF v.stored_key IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM reauth_challenges c WHERE c.created_at < now() - interval '1 day';
    INSERT INTO reauth_challenges (nonce) VALUES (n);
    RETURN QUERY SELECT n, v.salt, v.iterations;
END $$;

-- The proof for a challenge: base64 of ClientKey XOR HMAC(StoredKey,
-- 'resetdesk-reauth,' || role || ',' || nonce). A right proof records a
-- verification the next reset uses up (unless locked); a wrong one counts
-- toward the lock. Returns whether it was right, and the lock if any.
CREATE FUNCTION finish_verification(p_nonce text, p_proof text, OUT ok boolean, OUT locked_until timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, resetdesk, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    a     users := current_actor();
    v     record := my_scram_verifier();
    c     bigint;
    proof bytea;
BEGIN
    UPDATE reauth_challenges r SET used_at = now()
     WHERE r.nonce = p_nonce AND r.db_role = session_user AND r.used_at IS NULL
       AND r.created_at > now() - interval '1 minute'
    RETURNING r.id INTO c;
    IF c IS NULL OR v.stored_key IS NULL THEN
        RAISE EXCEPTION 'That confirmation expired or was already used; enter your password again.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    BEGIN
        proof := decode(p_proof, 'base64');
    EXCEPTION WHEN others THEN
        proof := NULL;
    END;
    ok := proof IS NOT NULL AND length(proof) = 32 AND
          sha256(xor_bytes(proof, hmac_sha256(v.stored_key,
              convert_to('resetdesk-reauth,' || session_user || ',' || p_nonce, 'UTF8')))) = v.stored_key;
    IF NOT ok THEN
        INSERT INTO admin_verifications (ok) VALUES (false);
        locked_until := verification_locked_until(session_user);
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('verify_password', a.id, jsonb_build_object('ok', false, 'locked_until', locked_until));
        RETURN;
    END IF;
    locked_until := verification_locked_until(session_user);
    IF locked_until IS NOT NULL THEN
        INSERT INTO audit_events (action, target_user_id, details)
        VALUES ('verify_password', a.id, jsonb_build_object('ok', false, 'refused', 'locked', 'locked_until', locked_until));
        RETURN;
    END IF;
    INSERT INTO admin_verifications (ok) VALUES (true);
    INSERT INTO audit_events (action, target_user_id, details)
    VALUES ('verify_password', a.id, jsonb_build_object('ok', true, 'locked_until', NULL, 'method', 'scram_proof'));
END $$;

GRANT EXECUTE ON FUNCTION begin_verification(), finish_verification(text, text) TO resetdesk_console;
