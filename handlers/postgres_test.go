package handlers

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"marsad/survey/sqlstore/pgtest"
)

// TestRouterOnPostgres runs this package's tests a second time, on
// PostgreSQL (MARSAD_TEST_STORE=postgres, helpers_test.go): the router
// tests, the authorisation matrix and the hostile-input suite, every store
// a database of its own on the MARSAD_TEST_POSTGRES server. The run is
// -short: the browser tests, which test pages rather than the store, run
// once, on SQLite.
func TestRouterOnPostgres(t *testing.T) {
	if onPostgres {
		t.Skip("this is the run on PostgreSQL")
	}
	pgtest.Require(t)
	if testing.Short() {
		t.Skip("runs the package's tests again on PostgreSQL; skipped with -short")
	}
	args := []string{"-test.short", "-test.count=1", "-test.timeout=30m", "-test.skip=^TestRouterOnPostgres$"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	start := time.Now()
	cmd := exec.Command(os.Args[0], args...) // #nosec G204 -- this test binary, fixed flags
	cmd.Env = append(os.Environ(), "MARSAD_TEST_STORE=postgres")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	took := time.Since(start).Round(time.Second)
	if err != nil {
		t.Fatalf("the tests on PostgreSQL failed after %v (%v):\n%s", took, err, tail(out.String(), 20000))
	}
	if !strings.Contains(out.String(), "PASS") {
		t.Fatalf("the run on PostgreSQL said no PASS:\n%s", tail(out.String(), 4000))
	}
	t.Logf("the package's tests passed on PostgreSQL in %v", took)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
