package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// evidenceInput is a text file to attach to item.
func evidenceInput(item, title string, body []byte) survey.EvidenceInput {
	sum := sha256.Sum256(body)
	return survey.EvidenceInput{ItemID: item, Title: title, Filename: title + ".txt",
		File: survey.EvidenceFile{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
		Body: bytes.NewReader(body)}
}

// TestEvidenceStore: a file attached twice is stored once, in chunks, and
// reads back whole; it stays with the answer's version it was given with
// (audited); detaching the last attachment removes the file; the limits
// hold; the deadline refuses attachments like answers; another
// institution may not attach.
func TestEvidenceStore(t *testing.T) {
	s, clock := newTestStoreWithClock(t) // 2026-03-01 09:00 UTC
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"MOH", "MOI"} {
		mustCreateInstitution(t, s, validInstitution(code))
	}
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	moi := survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}
	r := lifecycleRound(t, s, q.ID, "2026", "2026-03-10", false)
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Fatal(err)
	}

	// 600 KB: three chunks.
	big := bytes.Repeat([]byte("قرار مجلس الوزراء\n"), 600<<10/len("قرار مجلس الوزراء\n"))
	a, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "القرار", big))
	if err != nil {
		t.Fatal(err)
	}
	if a.AnswerVersion != 1 || a.File.Size != int64(len(big)) {
		t.Errorf("attached: version %d size %d, want 1 and %d", a.AnswerVersion, a.File.Size, len(big))
	}
	b, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-2", "the same decree", big))
	if err != nil {
		t.Fatal(err)
	}
	files, chunks, err := s.evidenceStored(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (len(big) + evidenceChunk - 1) / evidenceChunk; files != 1 || chunks != want {
		t.Errorf("stored %d files in %d chunks, want 1 in %d: the same file twice must be stored once", files, chunks, want)
	}
	var out bytes.Buffer
	if err := s.WriteEvidence(ctx, a.File.SHA256, &out); err != nil || !bytes.Equal(out.Bytes(), big) {
		t.Fatalf("read back %d bytes (err %v), want the %d attached", out.Len(), err, len(big))
	}
	if n := auditCount(t, s, "attach", "2026/MOH/STR-1"); n != 1 {
		t.Errorf("%d attach events, want 1", n)
	}
	var after string
	if err := s.r.QueryRowContext(ctx, "SELECT after_json FROM audit_events WHERE action = 'attach' AND entity_key = '2026/MOH/STR-1'").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after, `"answer_version":1`) || !strings.Contains(after, a.File.SHA256) {
		t.Errorf("the audit of the attachment lacks the answer's version or the file's hash: %s", after)
	}

	// Another institution, a metric, an unknown question, a long title.
	if _, err := s.AttachEvidence(ctx, moi, r.ID, "MOH", evidenceInput("STR-1", "x", []byte("x"))); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI attaching to MOH: %v, want ErrForbidden", err)
	}
	for _, item := range []string{"SRV-1", "NOPE"} {
		if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput(item, "x", []byte("x"))); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("attaching to %s: %v, want ErrNotFound", item, err)
		}
	}
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", strings.Repeat("ع", 201), []byte("x"))); !errors.Is(err, survey.ErrEvidenceTitle) {
		t.Errorf("a 201-character title: %v, want ErrEvidenceTitle", err)
	}

	// Limits: per file and per institution in the round (a file already
	// attached counts once).
	admin := survey.Actor{Role: survey.RoleAdmin}
	if err := s.SetEvidenceLimits(ctx, admin, survey.EvidenceLimits{FileBytes: 700 << 10, RoundBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEvidenceLimits(ctx, moh, survey.EvidenceLimits{FileBytes: 1, RoundBytes: 1}); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a respondent setting the limits: %v, want ErrForbidden", err)
	}
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "big", make([]byte, 701<<10))); !errors.Is(err, survey.ErrEvidenceTooBig) {
		t.Errorf("a file over the per-file limit: %v, want ErrEvidenceTooBig", err)
	}
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "again", big)); err != nil {
		t.Errorf("the same file a third time (counted once): %v", err)
	}
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "more", bytes.Repeat([]byte("b"), 500<<10))); !errors.Is(err, survey.ErrEvidenceQuota) {
		t.Errorf("past the round's total: %v, want ErrEvidenceQuota", err)
	}
	if _, err := s.AttachEvidence(ctx, moi, r.ID, "MOI", evidenceInput("STR-1", "MOI's", bytes.Repeat([]byte("b"), 500<<10))); err != nil {
		t.Errorf("MOI's quota is its own: %v", err)
	}

	// Detaching: the file stays while an attachment refers to it.
	links, err := s.ResponseEvidence(ctx, a.ResponseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 3 {
		t.Fatalf("%d attachments, want 3", len(links))
	}
	if err := s.DetachEvidence(ctx, moi, r.ID, "MOH", a.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI detaching MOH's file: %v, want ErrForbidden", err)
	}
	if err := s.DetachEvidence(ctx, moi, r.ID, "MOI", a.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("MOI detaching MOH's file through its own response: %v, want ErrNotFound", err)
	}
	for _, l := range links {
		if err := s.DetachEvidence(ctx, moh, r.ID, "MOH", l.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := auditCount(t, s, "detach", "2026/MOH/STR-1"); n != 2 {
		t.Errorf("%d detach events on STR-1, want 2", n)
	}
	if files, chunks, _ = s.evidenceStored(ctx); files != 1 || chunks != 2 {
		t.Errorf("after MOH detached all: %d files, %d chunks; want MOI's file only (1 file, 2 chunks)", files, chunks)
	}
	_ = b

	// After the deadline: refused like an answer's save.
	clock.Advance(time.Date(2026, 3, 11, 0, 1, 0, 0, time.UTC).Sub(clock.Now()))
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "late", []byte("late"))); !errors.Is(err, survey.ErrPastDeadline) {
		t.Errorf("attaching after the deadline: %v, want ErrPastDeadline", err)
	}

	// A round deleted takes its files with it.
	contents, err := s.RoundContents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRound(ctx, 0, r.ID, contents); err != nil {
		t.Fatal(err)
	}
	if files, chunks, _ = s.evidenceStored(ctx); files != 0 || chunks != 0 {
		t.Errorf("after the round was deleted: %d files, %d chunks; want none", files, chunks)
	}
}
