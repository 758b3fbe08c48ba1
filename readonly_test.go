package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRefusesReadOnlyDatabase: a server on a database it cannot
// write would answer pages and fail every save and sign-in; it refuses to
// start and says why.
func TestServeRefusesReadOnlyDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "marsad.db")
	if _, err := runCmd(t, "", "migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chattr", "+i", db).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s (needs root)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", db).Run() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut strings.Builder
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "cannot be written") || !strings.Contains(err.Error(), db) {
		t.Fatalf("serve on a read-only database: err = %v, want a refusal naming the file", err)
	}
	if strings.Contains(out.String(), "listening") || strings.Contains(errOut.String(), "listening") {
		t.Error("the server listened before refusing")
	}
}
