-- 0027: the two console functions of 0018 and 0020 that could wait on a
-- lock for ever get the lock timeout every other one has (0006, 0019).
--
-- queue_password_mails writes sealed passwords whose foreign key takes the
-- message's row FOR KEY SHARE, which waits while a relay holds that row
-- FOR UPDATE to send it (a reset that seals again to a relay key changed
-- meanwhile does this); add_relay_login creates a role and writes rows.

ALTER FUNCTION queue_password_mails(bigint[], text[], text[], text[]) SET lock_timeout = '5s';
-- add_relay_login belongs to resetdesk_provisioner (0018).
RESET ROLE;
SET LOCAL ROLE resetdesk_provisioner;
ALTER FUNCTION add_relay_login(text, text) SET lock_timeout = '5s';
RESET ROLE;
SET LOCAL ROLE resetdesk_definer;
