package survey

import (
	"strings"
	"testing"
)

// TestAccessPolicy is the access policy written down: for each round state,
// each reader and each action, whether it is allowed. Columns: anonymous,
// coordinator, viewer, respondent of the institution, respondent of
// another; "+" allowed, "." refused.
func TestAccessPolicy(t *testing.T) {
	readers := []*User{
		nil,
		{ID: 1, Role: RoleAdmin},
		{ID: 2, Role: RoleViewer},
		{ID: 3, Role: RoleRespondent, InstitutionCode: "MOH"},
		{ID: 4, Role: RoleRespondent, InstitutionCode: "MOI"},
	}
	rounds := map[string]Round{
		"draft":            {Status: RoundDraft},
		"open":             {Status: RoundOpen},
		"closed":           {Status: RoundClosed},
		"published":        {Status: RoundPublished},
		"published+public": {Status: RoundPublished, Public: true},
	}
	want := map[string]map[Permission]string{
		"draft": {
			SeeRound: ".+...", SeeRankings: ".+...", SeeScorecard: ".+.+.",
			SeeResponse: ".+.+.", SeeInstitution: ".+++.", Edit: ".+.+.",
		},
		"open": {
			SeeRound: "+++++", SeeRankings: ".+...", SeeScorecard: ".+.+.",
			SeeResponse: ".+.+.", SeeInstitution: ".+++.", Edit: ".+.+.",
		},
		"closed": {
			SeeRound: "+++++", SeeRankings: ".++..", SeeScorecard: ".+++.",
			SeeResponse: ".+.+.", SeeInstitution: ".+++.", Edit: ".+.+.",
		},
		"published": {
			SeeRound: "+++++", SeeRankings: ".++++", SeeScorecard: ".++++",
			SeeResponse: ".+.+.", SeeInstitution: ".+++.", Edit: ".+.+.",
		},
		"published+public": {
			SeeRound: "+++++", SeeRankings: "+++++", SeeScorecard: "+++++",
			SeeResponse: ".+.+.", SeeInstitution: ".+++.", Edit: ".+.+.",
		},
	}
	for state, r := range rounds {
		for a, row := range want[state] {
			var got strings.Builder
			for _, u := range readers {
				if Allowed(u, a, r, "MOH") {
					got.WriteByte('+')
				} else {
					got.WriteByte('.')
				}
			}
			if got.String() != row {
				t.Errorf("%s round, %s on MOH: got %s, want %s (anonymous, coordinator, viewer, own, other)", state, a, got.String(), row)
			}
		}
	}
	// Round-wide questions name no institution: a respondent's own
	// institution does not match an empty code.
	own := readers[3]
	if Allowed(own, SeeScorecard, rounds["open"], "") || Allowed(own, Edit, Round{}, "") {
		t.Error("an empty institution code matched a respondent's own")
	}
	if !OwnFiguresOnly(own, rounds["closed"]) || OwnFiguresOnly(own, rounds["published"]) || OwnFiguresOnly(readers[1], rounds["open"]) {
		t.Error("OwnFiguresOnly does not follow SeeRankings")
	}
	if Allowed(readers[1], Permission("unknown"), rounds["open"], "MOH") {
		t.Error("an unknown permission was allowed")
	}
}
