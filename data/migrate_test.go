package data_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
)

// An applied migration whose file was edited since is refused with a
// sentence that says what to do, and nothing of it runs again; the files
// as applied pass. A database from before checksums were kept takes the
// files it meets next as the ones applied, and refuses edits from then on.
func TestEditedAppliedMigrationIsRefused(t *testing.T) {
	o := pgtest.NewOrg(t)
	ctx := context.Background()
	files := fstest.MapFS{}
	err := fs.WalkDir(data.Migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(data.Migrations, path)
		files[path] = &fstest.MapFile{Data: body}
		return err
	})
	if err != nil || len(files) < 2 {
		t.Fatalf("read the migrations: %d files, %v", len(files), err)
	}
	const second = "migrations/0002_functions.sql"
	if files[second] == nil {
		t.Fatalf("no %s among the migrations", second)
	}
	asApplied := files[second].Data

	if applied, err := data.MigrateFrom(ctx, o.Super, files); err != nil || len(applied) != 0 {
		t.Fatalf("the files as applied: applied %v, %v", applied, err)
	}

	files[second] = &fstest.MapFile{Data: append(append([]byte(nil), asApplied...), "\n-- a fix, edited in place\n"...)}
	_, err = data.MigrateFrom(ctx, o.Super, files)
	if app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("an edited applied migration: %v, want %s", err, app.ECONFLICT)
	}
	msg := app.ErrorMessage(err)
	for _, want := range []string{"0002_functions.sql", "never edited", "new migration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("sentence %q does not say %q", msg, want)
		}
	}

	// A database set up before checksums: the next run records them.
	o.Exec(t, `UPDATE resetdesk.schema_migrations SET checksum = NULL`)
	files[second] = &fstest.MapFile{Data: asApplied}
	if _, err := data.MigrateFrom(ctx, o.Super, files); err != nil {
		t.Fatalf("recording checksums: %v", err)
	}
	files[second] = &fstest.MapFile{Data: append(append([]byte(nil), asApplied...), "\n-- edited after\n"...)}
	if _, err := data.MigrateFrom(ctx, o.Super, files); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("an edit after the checksums were recorded: %v", err)
	}
}

// Every migration the build carries has a number of its own, and a folder
// where two share one is refused before any of it runs. Two engineers who
// each added "0037" once made every setup stop with "changed since".
func TestMigrationNumbersAreUnique(t *testing.T) {
	names, versions, err := data.MigrationFiles(data.Migrations)
	if err != nil {
		t.Fatalf("the build's migrations: %v", err)
	}
	if len(names) < 30 || len(versions) != len(names) {
		t.Fatalf("read %d migrations, %d numbers", len(names), len(versions))
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] <= versions[i-1] {
			t.Errorf("%s (%d) does not come after %s (%d)", names[i], versions[i], names[i-1], versions[i-1])
		}
	}

	twins := fstest.MapFS{
		"migrations/0001_a.sql": &fstest.MapFile{Data: []byte("SELECT 1;")},
		"migrations/0002_b.sql": &fstest.MapFile{Data: []byte("SELECT 2;")},
		"migrations/0002_c.sql": &fstest.MapFile{Data: []byte("SELECT 3;")},
	}
	_, _, err = data.MigrationFiles(twins)
	if err == nil || !strings.Contains(err.Error(), "0002_b.sql and 0002_c.sql share the number 2") {
		t.Fatalf("two files numbered 2: got %v", err)
	}
}
