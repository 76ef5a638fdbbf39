package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// walkCheckedWith is the Fyne release whose WalkVisibleObjectTree was last
// read against wheel.go: what it calls beforeChildren with (positions in
// the root's coordinates, the clip around each object), when it calls
// afterChildren, and that the drivers still pick the wheel's target with it.
const walkCheckedWith = "v2.7.1"

// fyneModule is the Fyne module this package builds against, as the go
// command resolves it.
func fyneModule(t *testing.T) (dir, version string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH; this test asks it where Fyne's source is: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-m", "-json", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Fatalf("go list -m fyne.io/fyne/v2: %v", err)
	}
	var m struct {
		Dir, Version string
		Replace      *struct{ Dir, Version string }
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("go list -m -json fyne.io/fyne/v2 answered %q: %v", out, err)
	}
	if m.Replace != nil {
		m.Dir, m.Version = m.Replace.Dir, m.Replace.Version
	}
	if m.Dir == "" {
		t.Fatalf("go list -m -json fyne.io/fyne/v2 names no source folder: %s", out)
	}
	return m.Dir, m.Version
}

// typeString writes a type expression of Fyne's source the way reflect
// names a type: parameter and result names left out.
func typeString(e ast.Expr) string {
	ft, ok := e.(*ast.FuncType)
	if !ok {
		return types.ExprString(e)
	}
	list := func(fl *ast.FieldList) []string {
		var s []string
		if fl == nil {
			return s
		}
		for _, f := range fl.List {
			for range max(1, len(f.Names)) {
				s = append(s, typeString(f.Type))
			}
		}
		return s
	}
	str := "func(" + strings.Join(list(ft.Params), ", ") + ")"
	switch res := list(ft.Results); len(res) {
	case 0:
	case 1:
		str += " " + res[0]
	default:
		str += " (" + strings.Join(res, ", ") + ")"
	}
	return str
}

// //go:linkname binds walkVisibleObjectTree to Fyne's internal function by
// name alone: a Fyne release that renamed it would fail to link, but one
// that changed its parameters would build and then corrupt memory at the
// first turn of the wheel. So the declaration in wheel.go must have
// exactly the type of the function in the Fyne source being built, and a
// new Fyne release must be read against wheel.go before it is trusted.
func TestWheelLinknameMatchesFyne(t *testing.T) {
	dir, version := fyneModule(t)
	files, err := filepath.Glob(filepath.Join(dir, "internal", "driver", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in Fyne's internal/driver under %s (%v)", dir, err)
	}
	var theirs string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "WalkVisibleObjectTree" {
				theirs = typeString(fd.Type)
			}
		}
	}
	if theirs == "" {
		t.Fatalf("Fyne %s has no driver.WalkVisibleObjectTree: wheel.go's //go:linkname would not link", version)
	}
	ours := reflect.TypeOf(walkVisibleObjectTree).String()
	if ours != theirs {
		t.Fatalf("wheel.go declares walkVisibleObjectTree as\n\t%s\nbut Fyne %s has\n\t%s\nMatch the declaration to Fyne's, and check its callers.", ours, version, theirs)
	}
	if version != walkCheckedWith {
		t.Fatalf("this build uses Fyne %s, but wheel.go's use of driver.WalkVisibleObjectTree was checked against %s: "+
			"read the function in the new release, run the wheel tests, then set walkCheckedWith to %s", version, walkCheckedWith, version)
	}
}
