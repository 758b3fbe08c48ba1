package handlers

import (
	"context"
	"slices"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// roundFigures are the services figures round r shows on its dashboard,
// slides, standalone file, stages page and their exports. A closed or
// published round shows what it froze (survey.RoundCatalog: the catalog
// snapshot each scored response froze on submit, over the institutions
// the round was run with), so that editing the catalog later changes
// nothing in it. A draft or open round has frozen nothing yet: it shows
// today's catalog (catalogFigures), and its pages say that it is live.
func (s *Server) roundFigures(ctx context.Context, r survey.Round) (catalogFigures, error) {
	if !r.Frozen() {
		return s.catalogFigures(ctx)
	}
	rc, err := s.store.RoundCatalog(ctx, r.ID)
	if err != nil {
		return catalogFigures{}, err
	}
	return catalogFigures{institutions: rc.Institutions, tallies: rc.Tallies, frozen: true}, nil
}

// listed are the institutions whose services the figures hold, as the
// stages page lists them (survey.RoundCatalog.Catalogued): in a frozen
// round only those scored in it.
func (cf catalogFigures) listed() []survey.Institution {
	return survey.RoundCatalog{Frozen: cf.frozen, Institutions: cf.institutions, Tallies: cf.tallies}.Catalogued()
}

// scoresOfVersion is the round's ranking the scores API answers: under the
// scoring version shown (the round's current scores, with changes against
// the round of id since, 0 for none), or, when the request names another
// (?scoring_version=), under that earlier version a rescore superseded,
// as it was. versions are every version the round can be read in, the
// one shown first. A version the round was never scored under is
// ErrNotFound.
func (s *Server) scoresOfVersion(c *gin.Context, r survey.Round, since int64) (list []survey.InstitutionScore, version string, versions []string, err error) {
	ctx := c.Request.Context()
	if versions, err = s.store.ScoringVersions(ctx, r.ID); err != nil {
		return nil, "", nil, err
	}
	version = versions[0]
	if v := c.Query("scoring_version"); v != "" && v != version {
		if len(v) > 32 || !slices.Contains(versions, v) {
			return nil, v, versions, survey.ErrNotFound
		}
		list, err = s.store.PreviousScores(ctx, r.ID, scoreKind(c), v)
		return list, v, versions, err
	}
	list, err = s.store.ScoresSince(ctx, r.ID, scoreKind(c), since)
	return list, version, versions, err
}
