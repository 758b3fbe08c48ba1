package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goList runs go list with args and returns its output's lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// TestLayout checks the import rules of docs/architecture.md: the domain
// knows nothing of SQL, the SQLite driver or HTTP; the web layer reaches the
// data only through its interfaces; the store knows nothing of the web.
func TestLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list; the full run (and CI) checks it")
	}
	t.Parallel()
	forbidden := map[string][]string{
		"marsad/survey":          {"database/sql", "github.com/mattn/go-sqlite3", "github.com/jackc/pgx/v5", "net/http", "github.com/gin-gonic/gin", "marsad/survey/sqlstore", "marsad/handlers", "marsad/reports"},
		"marsad/survey/sqlstore": {"net/http", "github.com/gin-gonic/gin", "marsad/handlers", "marsad/reports"},
		"marsad/survey/cache":    {"database/sql", "net/http"},
		"marsad/reports":         {"github.com/gin-gonic/gin", "database/sql", "marsad/survey/sqlstore", "marsad/handlers"},
		"marsad/handlers":        {"marsad/survey/sqlstore", "database/sql", "github.com/mattn/go-sqlite3", "github.com/jackc/pgx/v5", "marsad/survey/demo", "marsad/survey/synth"},
	}
	for pkg, bad := range forbidden {
		deps := goList(t, "-deps", pkg)
		for _, b := range bad {
			if slices.Contains(deps, b) {
				t.Errorf("%s depends on %s", pkg, b)
			}
		}
	}
	// A cgo package other than the standard library's (the SQLite driver)
	// would tie the domain to a C compiler.
	for _, line := range goList(t, "-deps", "-f", "{{if .CgoFiles}}{{if not .Standard}}{{.ImportPath}}{{end}}{{end}}", "marsad/survey") {
		t.Errorf("marsad/survey depends on the cgo package %s", line)
	}
}
