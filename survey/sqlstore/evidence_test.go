package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
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
	// The audit log's institution filter finds an institution's files
	// among its changes, and not another's.
	mine, err := s.AuditLogPage(ctx, survey.AuditFilter{Institution: "MOH", Entity: "evidence"}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if mine.Total != 6 { // three attached, three detached
		t.Errorf("MOH's file events by institution: %d, want 6", mine.Total)
	}
	for _, e := range mine.Events {
		if !strings.Contains(e.EntityKey, "/MOH/") {
			t.Errorf("MOH's filter found %s %s", e.Action, e.EntityKey)
		}
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

// TestInitiativeEvidenceStore: files on initiatives and stories share the
// store of answers' files (one copy per content, removed with the last
// attachment of either kind); they count in the institution's total of
// the round open when attached, with its answers' files, or with no
// round open in an allowance of their own; only the institution and the
// coordinator attach; a respondent's file on a reviewed story sends it
// back for review; all audited.
func TestInitiativeEvidenceStore(t *testing.T) {
	s, _ := newTestStoreWithClock(t)
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
	admin := survey.Actor{Role: survey.RoleAdmin}
	plain, err := s.CreateInitiative(ctx, moh, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: "بوابة المواعيد", Status: "in_progress", BudgetBand: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	story, err := s.CreateInitiative(ctx, moh, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: "قصة الوصفة الإلكترونية", Status: "done",
		BudgetBand: "unknown", Story: true, StoryAr: "صار المرضى يستلمون الوصفة دون زيارة."})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetEvidenceLimits(ctx, admin, survey.EvidenceLimits{FileBytes: 700 << 10, RoundBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	six := bytes.Repeat([]byte("a"), 600<<10)
	five := bytes.Repeat([]byte("b"), 500<<10)

	// No round open: the file counts in the allowance outside any round.
	a, err := s.AttachInitiativeEvidence(ctx, moh, plain.ID, evidenceInput("", "خطة المشروع", six))
	if err != nil {
		t.Fatal(err)
	}
	if a.RoundID != 0 || a.InitiativeID != plain.ID {
		t.Errorf("attached with no round open: %+v", a)
	}
	if _, err := s.AttachInitiativeEvidence(ctx, moh, story.ID, evidenceInput("", "more", five)); !errors.Is(err, survey.ErrEvidenceQuota) {
		t.Errorf("past the allowance outside rounds: %v, want ErrEvidenceQuota", err)
	}

	// A round open: its total counts answers' and initiatives' files of
	// that round, each distinct file once.
	r := lifecycleRound(t, s, q.ID, "2026", "2026-03-10", false)
	b, err := s.AttachInitiativeEvidence(ctx, moh, story.ID, evidenceInput("", "صور الإطلاق", five))
	if err != nil {
		t.Fatal(err)
	}
	if b.RoundID != r.ID {
		t.Errorf("attached in round %d, want %d", b.RoundID, r.ID)
	}
	if _, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "more", six)); !errors.Is(err, survey.ErrEvidenceQuota) {
		t.Errorf("an answer's file past the round's total with the initiative's: %v, want ErrEvidenceQuota", err)
	}
	ans, err := s.AttachEvidence(ctx, moh, r.ID, "MOH", evidenceInput("STR-1", "the same photos", five))
	if err != nil {
		t.Errorf("the initiative's file on an answer (counted once): %v", err)
	}
	if files, _, _ := s.evidenceStored(ctx); files != 2 {
		t.Errorf("%d files stored, want 2: the same content is kept once", files)
	}
	if _, err := s.AttachInitiativeEvidence(ctx, moi, plain.ID, evidenceInput("", "x", []byte("x"))); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI attaching to MOH's initiative: %v, want ErrForbidden", err)
	}
	if _, err := s.AttachInitiativeEvidence(ctx, survey.Actor{Role: survey.RoleViewer}, plain.ID, evidenceInput("", "x", []byte("x"))); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a viewer attaching: %v, want ErrForbidden", err)
	}
	if _, err := s.AttachInitiativeEvidence(ctx, moh, plain.ID, evidenceInput("", "big", make([]byte, 701<<10))); !errors.Is(err, survey.ErrEvidenceTooBig) {
		t.Errorf("a file over the per-file limit: %v, want ErrEvidenceTooBig", err)
	}
	if n := auditCount(t, s, "attach", "initiative/MOH/"+strconv.FormatInt(plain.ID, 10)); n != 1 {
		t.Errorf("%d attach events on the initiative, want 1", n)
	}

	// A story approved, then a respondent's file: back to review, and a
	// coordinator approving what they read before is refused.
	story, _ = s.Initiative(ctx, story.ID)
	if err := s.ReviewStory(ctx, admin, story.ID, story.Version, true, ""); err != nil {
		t.Fatal(err)
	}
	story, _ = s.Initiative(ctx, story.ID)
	if _, err := s.AttachInitiativeEvidence(ctx, admin, story.ID, evidenceInput("", "من المنسق", []byte("ملاحظة المنسق"))); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Initiative(ctx, story.ID); in.StoryStatus != survey.StoryApproved {
		t.Errorf("after the coordinator's file: %q, want approved", in.StoryStatus)
	}
	read, _ := s.Initiative(ctx, story.ID)
	if _, err := s.AttachInitiativeEvidence(ctx, moh, story.ID, evidenceInput("", "جديد", []byte("ملف جديد"))); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Initiative(ctx, story.ID); in.StoryStatus != survey.StoryPending {
		t.Errorf("after the respondent's file: %q, want pending", in.StoryStatus)
	}
	if err := s.ReviewStory(ctx, admin, story.ID, read.Version, true, ""); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("approving the story as read before its new file: %v, want ErrConflict", err)
	}

	// Detaching: the shared file stays while the answer holds it, and goes
	// with its last attachment.
	if err := s.DetachInitiativeEvidence(ctx, moi, story.ID, b.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI detaching: %v, want ErrForbidden", err)
	}
	if err := s.DetachInitiativeEvidence(ctx, moh, plain.ID, b.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("detaching the story's file through another initiative: %v, want ErrNotFound", err)
	}
	if err := s.DetachInitiativeEvidence(ctx, moh, story.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.WriteEvidence(ctx, ans.File.SHA256, &out); err != nil || out.Len() != len(five) {
		t.Errorf("the answer's copy after the initiative's went: %d bytes, %v", out.Len(), err)
	}
	if err := s.DetachEvidence(ctx, moh, r.ID, "MOH", ans.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DetachInitiativeEvidence(ctx, moh, plain.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	links, err := s.InitiativeEvidence(ctx, story.ID)
	if err != nil {
		t.Fatal(err)
	}
	if files, _, _ := s.evidenceStored(ctx); files != len(links) {
		t.Errorf("%d files stored, want the story's %d left", files, len(links))
	}

	// Archived: no more changes.
	if err := s.ArchiveInitiative(ctx, moh, plain.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachInitiativeEvidence(ctx, moh, plain.ID, evidenceInput("", "x", []byte("x"))); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("attaching to an archived initiative: %v, want ErrNotFound", err)
	}

	// A round deleted leaves its initiative files, now outside any round.
	contents, err := s.RoundContents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRound(ctx, 0, r.ID, contents); err != nil {
		t.Fatal(err)
	}
	after, err := s.InitiativeEvidence(ctx, story.ID)
	if err != nil || len(after) != len(links) || after[0].RoundID != 0 {
		t.Errorf("story files after the round's deletion: %+v, %v", after, err)
	}
}
