package handlers

import (
	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Derived figures follow the figures they come from. A change of index or
// rank is the difference of two rounds' figures: shown against a round
// the reader may not see, "index minus change" is that round's index. So
// every change is measured against the latest earlier round whose rankings
// this reader may see (scoreAccess), or not shown at all; and a respondent
// who may see the own scorecard of a round before its rankings sees only
// the institution's own figures (survey.InstitutionScore.OwnOnly).
//
// A change is also measured only between comparable questionnaires
// (survey/comparable.go): rounds on another questionnaire or model are
// passed over, and across versions declared comparable the change is on
// their common items, which the page says.

// comparedWith is what the changes on this reader's page of round r are
// measured against: the latest earlier comparable round they may see, or
// none and why (survey.RoundComparison; its Since is nil then).
func (s *Server) comparedWith(c *gin.Context, r survey.Round) (survey.RoundComparison, error) {
	u := currentUser(c)
	return s.store.CompareRounds(c.Request.Context(), r, func(x survey.Round) bool { return survey.Allowed(u, survey.SeeRankings, x, "") })
}

// roundIDOf is the id of a round that may be absent (0).
func roundIDOf(r *survey.Round) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}
