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

// MigrationFiles lists fsys's migrations and their numbers, as setup does.
func MigrationFiles(fsys fs.FS) ([]string, []int, error) { return migrationFiles(fsys) }
