package data_test

import (
	"context"
	"testing"

	"resetdesk/app"
	"resetdesk/data/pgtest"
)

// The tests in this file attack the database as psql would, each as the role
// named, for the findings of issue 13 (security-and-deployments.md).

// TestResetReasonPolicyIsTheOwners: only the owner turns the policy on, it
// reads back, and a client that knows only the five older policies leaves it
// as it is.
func TestResetReasonPolicyIsTheOwners(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	_, org, err := o.Owner.Actor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.RequireResetReason {
		t.Fatal("a new org requires a reason")
	}
	org.RequireResetReason = true
	if err := o.Admin.SetOrgPolicies(ctx, org); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Fatalf("the admin sets it: %v", err)
	}
	if err := o.Owner.SetOrgPolicies(ctx, org); err != nil {
		t.Fatal(err)
	}
	if _, got, err := o.Admin.Actor(ctx); err != nil || !got.RequireResetReason {
		t.Fatalf("after the owner set it, the admin reads %+v (%v)", got, err)
	}
	owner := asRole(t, o.OwnerURL)
	if _, err := owner.Exec(`SELECT resetdesk.set_org_policies(false, '15 minutes', '72 hours', 15, false)`); err != nil {
		t.Fatalf("the five-policy call: %v", err)
	}
	if _, got, err := o.Owner.Actor(ctx); err != nil || !got.RequireResetReason {
		t.Fatalf("the five-policy call changed it: %+v (%v)", got, err)
	}
	var audited bool
	if err := superDB(t, o).QueryRow(`SELECT (details->>'require_reset_reason')::boolean FROM resetdesk.audit_events
		WHERE action = 'set_org_policies' ORDER BY id DESC LIMIT 1`).Scan(&audited); err != nil || !audited {
		t.Fatalf("the audit row: %v %v", audited, err)
	}
}
