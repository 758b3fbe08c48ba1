package survey

import (
	"testing"
)

func TestPreviousRound(t *testing.T) {
	rounds := []Round{
		{ID: 1, Name: "2021", Status: RoundPublished, Public: true},
		{ID: 2, Name: "2022", Status: RoundPublished},
		{ID: 3, Name: "2023", Status: RoundClosed},
		{ID: 4, Name: "2024", Status: RoundOpen},
		{ID: 5, Name: "2025", Status: RoundDraft},
		{ID: 6, Name: "2026", Status: RoundPublished, Public: true},
	}
	staff := func(Round) bool { return true }
	respondent := func(r Round) bool { return r.Status == RoundPublished }
	anonymous := func(r Round) bool { return r.Status == RoundPublished && r.Public }
	for _, tc := range []struct {
		name  string
		round int
		seen  func(Round) bool
		want  string // "" for none
	}{
		{"coordinator: the last closed one", 6, staff, "2023"},
		{"respondent: the last published one", 6, respondent, "2022"},
		{"anonymous: the last published public one", 6, anonymous, "2021"},
		{"open and draft rounds are never compared with", 5, staff, "2023"},
		{"none earlier", 1, staff, ""},
		{"none earlier that anonymous may see", 2, anonymous, "2021"},
		{"nothing visible before", 1, anonymous, ""},
	} {
		var r Round
		for _, x := range rounds {
			if x.ID == int64(tc.round) {
				r = x
			}
		}
		got, ok := PreviousRound(rounds, r, tc.seen)
		if (tc.want == "") == ok || (ok && got.Name != tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got.Name, ok, tc.want)
		}
	}
}

func TestOwnOnly(t *testing.T) {
	up, move := 4.2, 3
	x := InstitutionScore{Code: "MOH", Index: 61.5, Level: "high", Rank: 2, Of: 9, Dimensions: map[string]float64{"STR": 70},
		DimensionRanks: map[string]int{"STR": 1}, DeltaIndex: &up, DeltaRank: &move, ownIndex: 61.5, ownLevel: "high"}
	got := x.OwnOnly()
	if got.Rank != 0 || got.Of != 0 || got.DimensionRanks != nil || got.DeltaRank != nil {
		t.Errorf("own only keeps what compares with others: %+v", got)
	}
	if got.Index != 61.5 || got.Level != "high" || got.DeltaIndex != &up || got.Dimensions["STR"] != 70 {
		t.Errorf("own only lost the institution's own figures: %+v", got)
	}
	// Normalised across institutions, the ranking's index places it among
	// them: the own view shows the index as scored, and no change of it.
	x.normalized, x.Index, x.Level, x.ownIndex, x.ownLevel = true, 100, "very_high", 48.25, "middle"
	got = x.OwnOnly()
	if got.Index != 48.25 || got.Level != "middle" || got.DeltaIndex != nil {
		t.Errorf("normalised: %+v; want the index as scored (48.25, middle) and no change", got)
	}
}
