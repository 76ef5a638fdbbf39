package data

import (
	"context"
	"io/fs"
)

// Migrations are the embedded migrations, for tests that change one.
var Migrations fs.FS = migrations

// MigrateFrom applies the migrations of fsys as Setup applies the embedded
// ones.
func MigrateFrom(ctx context.Context, a *Admin, fsys fs.FS) ([]string, error) {
	return a.migrateFrom(ctx, fsys)
}
