package handlers

import (
	"context"

	"marsad/reports"
	"marsad/survey"
)

// conferenceInput reads what the dashboard and the slides show besides
// scores (reports.ConferenceCharts narrows and charts it): the obstacles
// cited in the round, the active initiatives, and the action plans due by
// the round — or, for the latest round, which has none due yet, those
// made after it.
func (s *Server) conferenceInput(ctx context.Context, r survey.Round) (reports.ConferenceInput, error) {
	var in reports.ConferenceInput
	var err error
	if in.Citations, err = s.store.ObstacleCitations(ctx, r.ID, false); err != nil {
		return in, err
	}
	if in.Initiatives, err = s.store.ListInitiatives(ctx, survey.InitiativeFilter{ActiveOnly: true}); err != nil {
		return in, err
	}
	if in.Plans, err = s.store.PlanActions(ctx, survey.PlanFilter{TargetRound: r.Name}); err != nil {
		return in, err
	}
	if len(in.Plans) == 0 {
		in.PlansMade = true
		if in.Plans, err = s.store.PlanActions(ctx, survey.PlanFilter{RoundID: r.ID}); err != nil {
			return in, err
		}
	}
	return in, nil
}
