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

// comparedWith is the round the changes on this reader's page of round r
// are measured against, nil when none qualifies (the page says so).
func (s *Server) comparedWith(c *gin.Context, r survey.Round) (*survey.Round, error) {
	rounds, err := s.store.ListRounds(c.Request.Context())
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	prev, ok := survey.PreviousRound(rounds, r, func(x survey.Round) bool { return survey.Allowed(u, survey.SeeRankings, x, "") })
	if !ok {
		return nil, nil
	}
	return &prev, nil
}

// roundIDOf is the id of a round that may be absent (0).
func roundIDOf(r *survey.Round) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}
