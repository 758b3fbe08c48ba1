package sqlstore

import (
	"context"
	"testing"
	"time"

	"marsad/survey"
)

// TestCachedRowsFollowWrites: a round and an institution changed through
// the store are read changed at once; changed by another process (SQL on
// the file), at most rowCacheTTL later.
func TestCachedRowsFollowWrites(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := lifecycleRound(t, s, q.ID, "2026", "2026-03-10", false)

	round := func() survey.Round {
		t.Helper()
		got, err := s.Round(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	inst := func() survey.Institution {
		t.Helper()
		got, err := s.Institution(ctx, "MOH")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	wasOpen, name := round().Status, inst().NameAr // now kept

	// Through the store: seen by the very next read.
	if _, err := s.RoundAction(ctx, 0, r.ID, "close"); err != nil {
		t.Fatal(err)
	}
	if got := round().Status; got != survey.RoundClosed {
		t.Errorf("round read after closing it: %s (was %s), want %s", got, wasOpen, survey.RoundClosed)
	}
	in := validInstitution("MOH")
	in.NameAr = "وزارة الصحة الفلسطينية"
	if _, err := s.UpdateInstitution(ctx, 0, "MOH", in); err != nil {
		t.Fatal(err)
	}
	if got := inst().NameAr; got != in.NameAr {
		t.Errorf("institution read after renaming it: %q (was %q), want %q", got, name, in.NameAr)
	}

	// Another process: kept for at most rowCacheTTL.
	if _, err := s.w.ExecContext(ctx, "UPDATE institutions SET name_ar = 'وزارة' WHERE code = 'MOH'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE rounds SET deadline = '2026-04-01' WHERE id = ?", r.ID); err != nil {
		t.Fatal(err)
	}
	if got := inst().NameAr; got != in.NameAr {
		t.Errorf("institution changed elsewhere, read at once: %q, want the kept %q", got, in.NameAr)
	}
	clock.Advance(rowCacheTTL + time.Millisecond)
	if got := inst().NameAr; got != "وزارة" {
		t.Errorf("institution changed elsewhere, read after %v: %q, want وزارة", rowCacheTTL, got)
	}
	if got := round().Deadline; got != "2026-04-01" {
		t.Errorf("round changed elsewhere, read after %v: deadline %q, want 2026-04-01", rowCacheTTL, got)
	}
}
