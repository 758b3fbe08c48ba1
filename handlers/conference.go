package handlers

import (
	"context"
	"strconv"

	"marsad/reports"
	"marsad/survey"
)

// conference is what the dashboard and the slides show besides scores:
// the obstacles cited in the round, the initiatives and their partners,
// the action plans due by the round, and approved success stories.
type conference struct {
	Charts  []reports.Chart
	Stories []survey.Initiative
}

// conferenceCharts builds those charts for a round, narrowed like the
// rest of the dashboard.
func (s *Server) conferenceCharts(ctx context.Context, v *view, r survey.Round, f scoreFilter) (conference, error) {
	var out conference
	cites, err := s.store.ObstacleCitations(ctx, r.ID, false)
	if err != nil {
		return out, err
	}
	var kept []survey.ObstacleCitation
	for _, c := range cites {
		if f.matches(c.Sector, c.Kind, c.Region) {
			kept = append(kept, c)
		}
	}
	kinds := map[string]string{survey.ObstacleInternal: v.T("obstacle_kind.internal"), survey.ObstacleExternal: v.T("obstacle_kind.external")}
	if len(kept) > 0 {
		var sev [survey.MaxSeverity]string
		for i := range sev {
			sev[i] = v.T("severity." + string(rune('1'+i)))
		}
		ranked := reports.ObstaclesRanked(reports.ChartID("obstacles", r.ID), v.T("obstacles.ranked"),
			reports.AggregateObstacles(kept, v.Lang), sev, kinds, v.Lang)
		ranked.Head[0], ranked.Head[1], ranked.Head[5], ranked.Head[6] = v.T("obstacles.title"), v.T("field.obstacle_kind"),
			v.T("dashboard.institutions"), v.T("obstacles.weighted")
		// How often each kind is cited and how severe it is rated are two
		// charts, each with its own honest axis, rather than twin axes.
		byKind := reports.ObstaclesByKind(reports.ChartID("obstacles_kind", r.ID), v.T("obstacles.by_kind"), kept, kinds, v.Lang)
		severity := reports.ObstacleSeverityByKind(reports.ChartID("obstacles_severity", r.ID), v.T("obstacles.severity_by_kind"), kept, kinds, sev, v.Lang)
		for _, ch := range []*reports.Chart{&byKind, &severity} {
			ch.Head = []string{v.T("field.obstacle_kind"), v.T("obstacles.citations"), v.T("dashboard.institutions"), v.T("obstacles.mean_severity")}
		}
		regionLabels := map[string]string{}
		for _, rg := range survey.Regions {
			regionLabels[rg] = v.Region(rg)
		}
		byRegion := reports.ObstaclesByRegion(reports.ChartID("obstacles_region", r.ID), v.T("obstacles.by_region"), kept,
			survey.Regions, regionLabels, kinds, v.Lang)
		byRegion.Head[0], byRegion.Head[3] = v.T("field.region"), v.T("obstacles.total")
		out.Charts = append(out.Charts, ranked, byKind, severity, byRegion)
	}

	all, err := s.store.ListInitiatives(ctx, survey.InitiativeFilter{ActiveOnly: true})
	if err != nil {
		return out, err
	}
	var initiatives []survey.Initiative
	for _, in := range all {
		if f.matches(in.Sector, in.InstitutionKind, in.Region) {
			initiatives = append(initiatives, in)
		}
	}
	if len(initiatives) > 0 {
		// Initiatives are as they are today, whatever the round.
		out.Charts = append(out.Charts, initiativeCharts(v, initiatives, strconv.FormatInt(r.ID, 10), "_today")...)
	}

	// The plans due by this round (were they kept?), or, for the latest
	// round, those made after it (how far along are they?).
	title := "plans.chart_due"
	plans, err := s.store.PlanActions(ctx, survey.PlanFilter{TargetRound: r.Name})
	if err != nil {
		return out, err
	}
	if len(plans) == 0 {
		title = "plans.chart_made"
		if plans, err = s.store.PlanActions(ctx, survey.PlanFilter{RoundID: r.ID}); err != nil {
			return out, err
		}
	}
	var keptPlans []survey.PlanAction
	for _, p := range plans {
		if f.matches(p.Sector, p.InstitutionKind, p.Region) {
			keptPlans = append(keptPlans, p)
		}
	}
	if len(keptPlans) > 0 {
		out.Charts = append(out.Charts, planChart(v, reports.ChartID("plans", r.ID), title, keptPlans))
	}
	if out.Stories, err = s.store.PublicStories(ctx, 3); err != nil {
		return out, err
	}
	return out, nil
}
