package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"testing"
)

// TestHealthzNotWritable: a database that answers reads but cannot take a
// write makes /healthz answer 503 with the reason, and the probe leaves
// nothing behind.
func TestHealthzNotWritable(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	c := newClient(t, ts)
	before := checksum(t, st)
	r := c.get("/healthz")
	assertStatus(t, r, http.StatusOK)
	for range 3 {
		assertStatus(t, c.get("/healthz"), http.StatusOK)
	}
	if checksum(t, st) != before {
		t.Error("the write probe changed the data")
	}
	// The write-ahead log turns read-only under the running server (as on
	// a file system remounted read-only).
	wal := st.Path() + "-wal"
	if out, err := exec.Command("chattr", "+i", wal).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s (needs root)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", wal).Run() })
	// A probe ran a moment ago: its result stands for a few seconds, so a
	// flood of /healthz cannot load the database. A start-up style check
	// probes now.
	if err := st.CheckWritable(context.Background()); err == nil {
		t.Fatal("CheckWritable: nil on a read-only log")
	}
	r = c.get("/healthz")
	assertStatus(t, r, http.StatusServiceUnavailable)
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["database"] != "not-writable" || body["reason"] != "read-only" {
		t.Errorf("/healthz = %s, want database not-writable, reason read-only", r.Body)
	}
}
