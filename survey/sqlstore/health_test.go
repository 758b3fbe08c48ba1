package sqlstore

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

func TestWritable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	if err := s.Writable(ctx); err != nil {
		t.Fatalf("a fresh store: %v", err)
	}
	// The probe wrote nothing that stays.
	if v, _ := s.Setting(ctx, "health.probe"); v != "" {
		t.Errorf("the probe left a setting: %q", v)
	}
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM settings WHERE key = 'health.probe'").Scan(&n); err != nil || n != 0 {
		t.Errorf("probe rows = %d, %v", n, err)
	}
	// Writes now fail (as on a read-only file).
	if _, err := s.w.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	// Within healthEvery the last result is answered: no probe.
	if err := s.Writable(ctx); err != nil {
		t.Errorf("within %v: %v, want the cached result", healthEvery, err)
	}
	s.health.mu.Lock()
	s.health.at = time.Now().Add(-healthEvery)
	s.health.mu.Unlock()
	err := s.Writable(ctx)
	var we *survey.WriteError
	if !errors.As(err, &we) || we.Reason != survey.ReasonReadOnly {
		t.Fatalf("not writable: err = %v, want a read-only WriteError", err)
	}
	if err := s.CheckWritable(ctx); !errors.As(err, &we) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("CheckWritable = %v", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx); err != nil {
		t.Errorf("writable again: %v", err)
	}
}

// immutable makes path unchangeable even for root (chattr +i) until the
// test ends, or skips the test where that is not possible.
func immutable(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i %s: %v %s (needs root on a file system that has the attribute)", path, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
}

// TestOpenReadOnlyDatabase: a database file (or folder) that cannot be
// written is refused when opened, with a message that says so.
func TestOpenReadOnlyDatabase(t *testing.T) {
	for _, what := range []string{"file", "folder"} {
		t.Run(what, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "marsad.db")
			s := openTestStore(t, path, Options{BcryptCost: 4})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, suffix := range []string{"-wal", "-shm"} {
				_ = os.Remove(path + suffix)
			}
			target := path
			if what == "folder" {
				target = dir
			}
			immutable(t, target)
			s, err := Open(context.Background(), path, Options{BcryptCost: 4})
			if err == nil {
				err = s.CheckWritable(context.Background())
				s.Close()
			}
			err = NotWritable(path, err)
			var we *survey.WriteError
			if !errors.As(err, &we) || we.Reason != survey.ReasonReadOnly || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want a read-only WriteError naming %s", err, path)
			}
			t.Log(err)
		})
	}
}
