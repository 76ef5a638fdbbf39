package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// allowed is the import graph of DESIGN.md section 1: for each of our
// packages, which of our other packages it may import. Test files are free
// to reach further (ui tests drive real databases), production code is not.
var allowed = map[string][]string{
	"resetdesk/app":                {},
	"resetdesk/data":               {"resetdesk/app"},
	"resetdesk/data/localpg":       {"resetdesk/app"},
	"resetdesk/data/pgtest":        {"resetdesk/app", "resetdesk/data"},
	"resetdesk/data/pgbouncertest": {"resetdesk/data/pgtest"},
	"resetdesk/internal/clocale":   {},
	"resetdesk/internal/errlog":    {"resetdesk/app"},
	// demo is main's helper for `resetdesk demo`: it starts what main
	// would otherwise start itself, and nothing but main imports it.
	"resetdesk/demo": {"resetdesk/app", "resetdesk/data", "resetdesk/data/localpg", "resetdesk/mail", "resetdesk/mail/sink", "resetdesk/relay"},
	// relay is main's helper for `resetdesk relay`, as demo is for the
	// demo: it takes the outbox from data and sends it through an
	// app.Mailer that main makes.
	"resetdesk/relay":            {"resetdesk/app", "resetdesk/data"},
	"resetdesk/mail":             {"resetdesk/app"},
	"resetdesk/mail/sink":        {"resetdesk/app"},
	"resetdesk/mail/postfixtest": {"resetdesk/app"},
	"resetdesk/icons":            {},
	"resetdesk/ui":               {"resetdesk/app", "resetdesk/icons"},
	"resetdesk/ui/cli":           {"resetdesk/app"},
}

func TestImportGraph(t *testing.T) {
	seen := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := "resetdesk"
		if dir := filepath.ToSlash(filepath.Dir(path)); dir != "." {
			pkg += "/" + dir
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		seen++
		for _, imp := range f.Imports {
			dep := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(dep, "resetdesk/") || pkg == "resetdesk" {
				continue
			}
			ok, known := allowed[pkg]
			if !known {
				t.Errorf("%s: package %s is not in the import graph; add it to allowed", path, pkg)
				continue
			}
			if !contains(ok, dep) {
				t.Errorf("%s: %s may not import %s", path, pkg, dep)
			}
		}
		// Only app and its allowed neighbours stay free of Fyne, SQL and SMTP.
		if pkg == "resetdesk/app" || pkg == "resetdesk/ui/cli" {
			for _, imp := range f.Imports {
				dep := strings.Trim(imp.Path.Value, `"`)
				for _, banned := range []string{"fyne.io/", "github.com/lib/pq", "github.com/jmoiron/sqlx", "github.com/emersion/", "database/sql"} {
					if strings.HasPrefix(dep, banned) {
						t.Errorf("%s: %s may not import %s", path, pkg, dep)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("walked only %d Go files; is the test running from the module root?", seen)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
