package data

import (
	"context"
	"fmt"

	"resetdesk/app"
)

var _ app.HandOverer = (*DB)(nil)

// HandOverPassword replaces the temporary password of the caller's own
// set-password reset with newHash, the hash of what the user typed on the
// admin's device. The database applies the set-password rules and checks
// proof against the reset's change ticket.
func (d *DB) HandOverPassword(ctx context.Context, userID int64, proof, newHash string) (app.CompletionStatus, error) {
	var s string
	if err := d.db.GetContext(ctx, &s, `SELECT resetdesk.hand_over_password($1, $2, $3)`, userID, proof, newHash); err != nil {
		return "", fmt.Errorf("data: hand over: %w", d.mapErr(err))
	}
	return app.CompletionStatus(s), nil
}
