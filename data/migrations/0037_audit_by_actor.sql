-- 0037: the audit is searchable by who acted.
--
-- Settings lists the office's self-service logins, one per device, with
-- when each was last used: the newest audit row it wrote (every attempt
-- that names a user of the org leaves one, its actor the login). Without
-- an index that is a scan of the whole audit per login listed.
CREATE INDEX audit_events_actor ON audit_events (actor, at DESC);
