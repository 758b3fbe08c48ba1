package synth

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

func newStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "marsad.db"), sqlstore.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSeed: a seed always gives the same catalog, another seed another
// one; the store holds exactly what was generated, and refuses a second
// catalog on top.
func TestSeed(t *testing.T) {
	t.Parallel()
	gen := slices.Collect(Services(7, 300, 4))
	if again := slices.Collect(Services(7, 300, 4)); !slices.EqualFunc(gen, again, sameService) {
		t.Error("the same seed gave another catalog")
	}
	if other := slices.Collect(Services(7, 300, 5)); slices.EqualFunc(gen, other, sameService) {
		t.Error("another seed gave the same catalog")
	}
	planned, stages := 0, map[int]bool{}
	for _, sv := range gen {
		stages[sv.Stage] = true
		if sv.Status == survey.ServicePlanned {
			planned++
		}
	}
	if len(stages) != survey.MaxStage+1 || planned == 0 || planned > 40 {
		t.Errorf("stages %v, %d planned of 300; want every stage and about one in twenty planned", stages, planned)
	}

	st := newStore(t)
	ctx := context.Background()
	if err := Seed(ctx, st, 7, 300, 4); err != nil {
		t.Fatal(err)
	}
	insts, err := st.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil || len(insts) != 7 || insts[0].Code != "I0001" || insts[6].Code != "I0007" {
		t.Fatalf("institutions %+v, %v; want I0001…I0007", insts, err)
	}
	var stored []survey.Service
	if err := st.EachService(ctx, false, func(sv survey.Service) error { stored = append(stored, sv); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(stored, func(a, b survey.Service) int { return int(a.ID - b.ID) })
	if !slices.EqualFunc(gen, stored, sameService) {
		t.Errorf("stored %d services, not the %d generated ones", len(stored), len(gen))
	}
	if err := Seed(ctx, st, 7, 300, 4); err == nil {
		t.Error("a second synthetic catalog was accepted on top of the first")
	}
}

// sameService compares what the generator sets.
func sameService(a, b survey.Service) bool {
	return a.InstitutionCode == b.InstitutionCode && a.Code == b.Code && a.NameAr == b.NameAr && a.NameEn == b.NameEn &&
		a.DescriptionAr == b.DescriptionAr && a.Category == b.Category && slices.Equal(a.Audience, b.Audience) &&
		slices.Equal(a.Channels, b.Channels) && a.Stage == b.Stage && a.OnlineURL == b.OnlineURL && a.EPayment == b.EPayment &&
		a.EID == b.EID && a.Abroad == b.Abroad && a.NoVisit == b.NoVisit && slices.Equal(a.Languages, b.Languages) &&
		a.FeeILS == b.FeeILS && a.ProcessingDays == b.ProcessingDays && a.YearlyVolume == b.YearlyVolume &&
		a.OnlineShare == b.OnlineShare && a.Status == b.Status
}

// TestScoredRound: a whole round through the store's own paths ends
// published and public with every institution scored, and rounds with
// another shift score differently.
func TestScoredRound(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	if err := Seed(ctx, st, 5, 40, 1); err != nil {
		t.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	indices := map[string][]float64{}
	for n, name := range []string{"2024", "2025"} {
		round, err := ScoredRound(ctx, st, q, name, n*7, 5, n == 0)
		if err != nil {
			t.Fatal(err)
		}
		if published := n == 0; (round.Status == survey.RoundPublished) != published || round.Public != published {
			t.Errorf("round %s: %s, public %v; want published and public %v", name, round.Status, round.Public, published)
		}
		scores, err := st.Scores(ctx, round.ID, survey.ScoreSelf)
		if err != nil || len(scores) != 5 {
			t.Fatalf("round %s: %d scores, %v; want 5", name, len(scores), err)
		}
		for _, s := range scores {
			indices[name] = append(indices[name], s.Index)
		}
	}
	if slices.Equal(indices["2024"], indices["2025"]) {
		t.Errorf("both rounds scored %v", indices["2024"])
	}
}
