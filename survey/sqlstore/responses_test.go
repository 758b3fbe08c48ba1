package sqlstore

import (
	"context"
	"errors"
	"sync"
	"testing"

	"marsad/survey"
)

// openRound stores the small test definition and opens a round on it.
func openRound(t *testing.T, s *Store) survey.Round {
	t.Helper()
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "٢٠٢٦", QuestionnaireID: q.ID, Deadline: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "2026" || r.Status != survey.RoundDraft {
		t.Fatalf("created %+v", r)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundStateMachine(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	r := openRound(t, s)
	steps := []struct {
		action string
		ok     bool
		status string
	}{
		{"open", false, survey.RoundOpen},
		{"publish", false, survey.RoundOpen},
		{"close", true, survey.RoundClosed},
		{"close", false, survey.RoundClosed},
		{"reopen", true, survey.RoundOpen},
		{"close", true, survey.RoundClosed},
		{"publish", true, survey.RoundPublished},
		{"reopen", false, survey.RoundPublished},
		{"delete", false, survey.RoundPublished},
	}
	for _, st := range steps {
		got, err := s.RoundAction(ctx, 0, r.ID, st.action)
		if st.ok != (err == nil) || (err != nil && !errors.Is(err, survey.ErrInvalidTransition)) {
			t.Fatalf("%s: err = %v, want ok=%v", st.action, err, st.ok)
		}
		if err == nil && got.Status != st.status {
			t.Fatalf("%s: status %s, want %s", st.action, got.Status, st.status)
		}
	}
	// The same definition stored again is the same version; a changed one is new.
	q1, _ := s.StoreQuestionnaire(ctx, 0, validDefinition())
	d := validDefinition()
	d.Items[0].LabelAr = "سؤال معدل"
	q2, _ := s.StoreQuestionnaire(ctx, 0, d)
	if q1.ID != r.QuestionnaireID || q2.ID == q1.ID {
		t.Errorf("versions: %d %d %d", r.QuestionnaireID, q1.ID, q2.ID)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE questionnaires SET title_ar = 'x' WHERE id = ?", q1.ID); err == nil {
		t.Error("a stored questionnaire version was changed")
	}
	if _, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2026", QuestionnaireID: q1.ID}); err == nil {
		t.Error("duplicate round name accepted")
	}
}

func TestAnswersSubmitReviewCycle(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	mustCreateInstitution(t, s, validInstitution("MOI"))
	r := openRound(t, s)
	moh := survey.Actor{ID: 0, Role: survey.RoleRespondent, Institution: "MOH"}
	admin := survey.Actor{Role: survey.RoleAdmin}

	// Ownership and validation.
	if _, err := s.SaveAnswer(ctx, survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("other institution: %v", err)
	}
	for name, in := range map[string]survey.AnswerInput{
		"unknown option":  {ItemID: "STR-1", Values: []string{"9"}},
		"two for single":  {ItemID: "STR-1", Values: []string{"0", "1"}},
		"N/A not allowed": {ItemID: "STR-1", NA: true, Comment: "x"},
		"metric typed":    {ItemID: "SRV-1", Values: []string{"1"}},
		"percent > 100":   {ItemID: "SRV-2", Values: []string{"120"}},
		"bad evidence":    {ItemID: "STR-1", Values: []string{"1"}, Evidence: "not a url"},
		"bad url answer":  {ItemID: "STR-1-EV", Values: []string{"ftp://x"}},
	} {
		var ve *survey.ValidationError
		if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", in); !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want a ValidationError", name, err)
		}
	}
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "NOPE", Values: []string{"1"}}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}

	// Saves with versions; a stale one is refused with the newer answer.
	a1, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
	if err != nil || a1.Version != 1 {
		t.Fatalf("first save: %+v, %v", a1, err)
	}
	a2, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Evidence: "https://moh.example.ps/plan", BaseVersion: 1})
	if err != nil || a2.Version != 2 {
		t.Fatalf("second save: %+v, %v", a2, err)
	}
	_, err = s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"0"}, BaseVersion: 1})
	var ce *survey.ConflictError
	if !errors.As(err, &ce) || ce.Current.Version != 2 || ce.Current.Value() != "2" {
		t.Fatalf("stale save: %v", err)
	}
	// Arabic-Indic digits in numbers.
	if a, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "SRV-2", Values: []string{"٤٥"}}); err != nil || a.Value() != "45" {
		t.Fatalf("percent: %+v, %v", a, err)
	}

	// Submit refuses while required items are missing, then works.
	if _, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "accept"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("respondent accepting: %v", err)
	}
	// STR-1 is the only required item here and is answered: submit works.
	resp, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "submit")
	if err != nil || resp.Status != survey.ResponseSubmitted {
		t.Fatalf("submit: %+v, %v", resp, err)
	}
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"0"}, BaseVersion: 2}); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("save after submit: %v", err)
	}
	if err := s.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", survey.ReviewIssues, ""); err == nil {
		t.Error("issues without a comment accepted")
	}
	if err := s.ReviewAnswer(ctx, admin, r.ID, "MOH", "STR-1", survey.ReviewIssues, "الخطة غير معتمدة بعد"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, admin, r.ID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
	answers, _ := s.Answers(ctx, resp.ID)
	if answers["STR-1"].ReviewComment != "الخطة غير معتمدة بعد" {
		t.Errorf("review comment not visible: %+v", answers["STR-1"])
	}
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}, BaseVersion: 2}); err != nil {
		t.Fatalf("fix after return: %v", err)
	}
	if _, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	if resp, err = s.ResponseAction(ctx, admin, r.ID, "MOH", "accept"); err != nil || resp.Status != survey.ResponseAccepted {
		t.Fatalf("accept: %+v, %v", resp, err)
	}
	// Closed rounds are read-only.
	if _, err := s.RoundAction(ctx, 0, r.ID, "close"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveAnswer(ctx, survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}, r.ID, "MOI", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("save in a closed round: %v", err)
	}
	log, _ := s.AuditLog(ctx, "response", 50)
	if len(log) < 8 {
		t.Errorf("audit has %d response events", len(log))
	}
}

func TestSubmitNeedsRequiredAnswers(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := openRound(t, s)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	_, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "submit")
	var inc *survey.ErrIncomplete
	if !errors.As(err, &inc) || len(inc.Items) != 1 || inc.Items[0] != "STR-1" {
		t.Fatalf("err = %v", err)
	}
}

// TestConcurrentSavesLoseNothing: many saves of the same item from the same
// version: the first to commit wins; saves of the same value succeed with it
// (they overwrite nothing), every other is told about it; nothing silent.
func TestConcurrentSavesLoseNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := openRound(t, s)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[string]int{}
	lost := map[string]int{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := []string{"0", "1", "2"}[i%3]
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{v}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won[v]++
			case errors.Is(err, survey.ErrConflict):
				lost[v]++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	resp, err := s.Response(ctx, r.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	answers, err := s.Answers(ctx, resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := answers["STR-1"]
	if stored.Version != 1 || len(won) != 1 || won[stored.Value()] == 0 || lost[stored.Value()] != 0 {
		t.Errorf("stored %+v; successes by value %v, conflicts by value %v", stored, won, lost)
	}
	total := 0
	for _, n := range won {
		total += n
	}
	for _, n := range lost {
		total += n
	}
	if total != 20 {
		t.Errorf("successes %v and conflicts %v do not add up to 20", won, lost)
	}
}

// TestRetriedSaveIsNotAConflict: a save that reached the server but whose
// reply was lost is sent again from the same version; it is not someone
// else's newer answer and must not be reported as one. A different value
// from that version still is.
func TestRetriedSaveIsNotAConflict(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := openRound(t, s)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	in := survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Comment: "خطة معتمدة"}
	first, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", in)
	if err != nil {
		t.Fatal(err)
	}
	audits := tableCounts(t, s, "audit_events")["audit_events"]
	again, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", in) // the retry, from version 0
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if again.Version != first.Version || again.Value() != "2" {
		t.Errorf("retry answered %+v, want version %d", again, first.Version)
	}
	if n := tableCounts(t, s, "audit_events")["audit_events"]; n != audits {
		t.Errorf("a retry wrote %d audit events", n-audits)
	}
	in.Values = []string{"1"}
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", in); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("a different value from an old version: %v, want a conflict", err)
	}
}
