package sqlstore

import (
	"context"
	"testing"

	"marsad/survey"
)

// TestRankingCachedPerRound: a round's cached ranking is made again when
// that round's scores or response states change, and kept when another
// round's do. Before issue 15, every response submitted in the open round
// made every published round's ranking stale, and the next respondent's
// work page (which shows the latest published result) ranked every
// institution again.
func TestRankingCachedPerRound(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	mustCreateInstitution(t, s, validInstitution("MOI"))
	a := openRound(t, s)
	b, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2027", QuestionnaireID: a.QuestionnaireID, Deadline: "2027-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = s.RoundAction(ctx, 0, b.ID, "open"); err != nil {
		t.Fatal(err)
	}
	submit := func(r survey.Round, code string) {
		t.Helper()
		who := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		if _, err := s.SaveAnswer(ctx, who, r.ID, code, survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResponseAction(ctx, who, r.ID, code, "submit"); err != nil {
			t.Fatal(err)
		}
	}
	read := func(r survey.Round) *survey.Ranking {
		t.Helper()
		var got *survey.Ranking
		if err := s.ReadRanking(ctx, r.ID, survey.ScoreSelf, func(rk *survey.Ranking) error { got = rk; return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}

	submit(a, "MOH")
	first := read(a)
	if read(a) != first {
		t.Fatal("a ranking read twice with nothing written between was made twice: nothing is cached")
	}
	submit(b, "MOH")
	if read(a) != first {
		t.Error("a submission in another round made the round's ranking again")
	}
	if got := read(b); len(got.List) != 1 {
		t.Errorf("round b's ranking %+v, want MOH alone", got.List)
	}
	submit(a, "MOI")
	if got := read(a); got == first || len(got.List) != 2 {
		t.Errorf("after MOI submitted in the round, its ranking has %d institutions (kept: %v), want 2, made again", len(got.List), got == first)
	}
	kept := read(b)
	if _, err := s.ResponseAction(ctx, survey.Actor{Role: survey.RoleAdmin}, a.ID, "MOI", "return"); err != nil {
		t.Fatal(err)
	}
	if got := read(a); len(got.List) != 1 {
		t.Errorf("after MOI's response was returned, the ranking has %d institutions, want 1", len(got.List))
	}
	if read(b) != kept {
		t.Error("a response returned in another round made the round's ranking again")
	}
}
