-- 0013: the provisioner's functions (0011) read and write custom roles. A
-- policy for it on roles now means they keep working once roles gets row
-- security of its own (a policy on a table without row security is simply
-- not consulted yet).
CREATE POLICY provisioner ON roles TO resetdesk_provisioner USING (true) WITH CHECK (true);
