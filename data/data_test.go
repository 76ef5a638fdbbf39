package data_test

import (
	"context"
	"testing"

	"resetdesk/data/pgtest"
)

func TestSetupCreatesOrg(t *testing.T) {
	o := pgtest.NewOrg(t)
	a, org, err := o.Owner.Actor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.User.Role != "owner" || org.Name != "Acme Test" || len(a.Permissions) != 5 {
		t.Fatalf("actor %+v org %+v", a, org)
	}
}
