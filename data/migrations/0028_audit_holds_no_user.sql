-- 0028: an end user's attempt holds no lock on the user it names.
--
-- Each self-service attempt for a known login writes an audit row naming
-- that user, and the row's foreign key check took the user's row FOR KEY
-- SHARE until the attempt's transaction ended. A self-service login that
-- leaves its transaction open (it may SET its idle timeout off) so held
-- off every change of a key of that row: the owner could not remove an
-- admin from the console (remove_console_user clears db_role), nor promote
-- a member, while a kiosk held an attempt naming them.
--
-- The audit log records what happened to whom; it needs no foreign key.
-- Users are never deleted (deactivated instead), so nothing relied on its
-- ON DELETE SET NULL, and a row of the log should outlive its user anyway.

ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_target_user_id_fkey;
