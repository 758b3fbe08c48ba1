package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// TestUserDeactivateActivateCLI: the command line deactivates an account
// (its sessions end, sign-in is refused, the audit log records it),
// reactivates it, and keeps the last coordinator.
func TestUserDeactivateActivateCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for _, u := range []struct{ email, role string }{{"coordinator@example.ps", "admin"}, {"viewer@example.ps", "viewer"}} {
		if out, err := runCmd(t, "long-enough-password\n", "user", "add", "--db", db, "--email", u.email, "--role", u.role, "--password-stdin"); err != nil {
			t.Fatalf("user add: %q, %v", out, err)
		}
	}
	ctx := context.Background()
	open := func() *sqlstore.Store {
		t.Helper()
		st, err := sqlstore.Open(ctx, db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	viewer, err := st.UserByEmail(ctx, "viewer@example.ps")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := st.CreateSession(ctx, viewer.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, err := runCmd(t, "", "user", "deactivate", "--db", db, "--email", "Viewer@Example.ps")
	if err != nil || !strings.Contains(out, "viewer@example.ps") || !strings.Contains(out, "deactivated") {
		t.Fatalf("user deactivate: %q, %v", out, err)
	}
	st = open()
	if _, err := st.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("session after deactivation: %v, want ErrNotFound", err)
	}
	if _, err := st.Authenticate(ctx, "viewer@example.ps", "long-enough-password"); !errors.Is(err, survey.ErrAccountDisabled) {
		t.Errorf("sign-in after deactivation: %v, want ErrAccountDisabled", err)
	}
	events, err := st.AuditLog(ctx, "user", 1)
	if err != nil || len(events) != 1 || events[0].Action != "deactivate" || events[0].EntityKey != "viewer@example.ps" {
		t.Errorf("audit: %+v, %v", events, err)
	}
	st.Close()

	if out, err := runCmd(t, "", "user", "activate", "--db", db, "--email", "viewer@example.ps"); err != nil || !strings.Contains(out, "active") {
		t.Fatalf("user activate: %q, %v", out, err)
	}
	st = open()
	if _, err := st.Authenticate(ctx, "viewer@example.ps", "long-enough-password"); err != nil {
		t.Errorf("sign-in after reactivation: %v", err)
	}
	st.Close()

	out, err = runCmd(t, "", "user", "deactivate", "--db", db, "--email", "coordinator@example.ps")
	if err == nil || !strings.Contains(err.Error(), "last active coordinator") {
		t.Errorf("deactivating the last coordinator: %q, %v", out, err)
	}
	if _, err := runCmd(t, "", "user", "deactivate", "--db", db, "--email", "nobody@example.ps"); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := runCmd(t, "", "user", "deactivate", "--db", db); err == nil {
		t.Error("deactivate without --email accepted")
	}
}
