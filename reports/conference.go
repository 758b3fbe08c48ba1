package reports

import (
	"strconv"

	"marsad/survey"
)

// ConferenceInput is what the dashboard and the slides show besides
// scores, read from the store: the obstacles cited in the round, the
// active initiatives and the action plans. Filter narrows each list.
type ConferenceInput struct {
	RoundID     int64
	Filter      Filter
	Citations   []survey.ObstacleCitation
	Initiatives []survey.Initiative
	// Plans are the actions due by the round (were they kept?), or, when
	// PlansMade, those made after it (how far along are they?): the
	// latest round has none due yet.
	Plans     []survey.PlanAction
	PlansMade bool
}

// ConferenceCharts are the obstacles (ranked, by kind, by severity, by
// region), the initiatives (by status, by partner) and the plans'
// completion, each only when the filter leaves something to show.
func ConferenceCharts(in ConferenceInput, loc Locale) []Chart {
	t, id := loc.T, in.RoundID
	var out []Chart
	cites := keep(in.Citations, in.Filter, func(c survey.ObstacleCitation) (string, string, string) { return c.Sector, c.Kind, c.Region })
	kinds := map[string]string{survey.ObstacleInternal: t("obstacle_kind.internal"), survey.ObstacleExternal: t("obstacle_kind.external")}
	if len(cites) > 0 {
		var sev [survey.MaxSeverity]string
		for i := range sev {
			sev[i] = t("severity." + string(rune('1'+i)))
		}
		ranked := ObstaclesRanked(ChartID("obstacles", id), t("obstacles.ranked"), AggregateObstacles(cites, loc.Lang), sev, kinds, loc.Lang)
		ranked.Head[0], ranked.Head[1], ranked.Head[5], ranked.Head[6] = t("obstacles.title"), t("field.obstacle_kind"),
			t("dashboard.institutions"), t("obstacles.weighted")
		// How often each kind is cited and how severe it is rated are two
		// charts, each with its own honest axis, rather than twin axes.
		byKind := ObstaclesByKind(ChartID("obstacles_kind", id), t("obstacles.by_kind"), cites, kinds, loc.Lang)
		severity := ObstacleSeverityByKind(ChartID("obstacles_severity", id), t("obstacles.severity_by_kind"), cites, kinds, sev, loc.Lang)
		for _, ch := range []*Chart{&byKind, &severity} {
			ch.Head = []string{t("field.obstacle_kind"), t("obstacles.citations"), t("dashboard.institutions"), t("obstacles.mean_severity")}
		}
		regionLabels := map[string]string{}
		for _, rg := range survey.Regions {
			regionLabels[rg] = t("region." + rg)
		}
		byRegion := ObstaclesByRegion(ChartID("obstacles_region", id), t("obstacles.by_region"), cites, survey.Regions, regionLabels, kinds, loc.Lang)
		byRegion.Head[0], byRegion.Head[3] = t("field.region"), t("obstacles.total")
		out = append(out, ranked, byKind, severity, byRegion)
	}
	initiatives := keep(in.Initiatives, in.Filter, func(x survey.Initiative) (string, string, string) { return x.Sector, x.InstitutionKind, x.Region })
	if len(initiatives) > 0 {
		// Initiatives are as they are today, whatever the round.
		out = append(out, InitiativeCharts(initiatives, strconv.FormatInt(id, 10), "_today", loc)...)
	}
	plans := keep(in.Plans, in.Filter, func(p survey.PlanAction) (string, string, string) { return p.Sector, p.InstitutionKind, p.Region })
	if len(plans) > 0 {
		title := "plans.chart_due"
		if in.PlansMade {
			title = "plans.chart_made"
		}
		out = append(out, PlanChart(ChartID("plans", id), title, plans, loc))
	}
	return out
}

// InitiativeCharts are initiatives by status and by partner type, their
// IDs ending in idSuffix; titleSuffix picks the titles ("" or "_today").
func InitiativeCharts(list []survey.Initiative, idSuffix, titleSuffix string, loc Locale) []Chart {
	t := loc.T
	byStatus, byPartner := InitiativeCounts(list)
	var statusLabels, partnerLabels []string
	for _, s := range survey.InitiativeStatuses {
		statusLabels = append(statusLabels, t("initiative_status."+s))
	}
	for _, p := range survey.PartnerTypes {
		partnerLabels = append(partnerLabels, t("partner."+p))
	}
	status := Counts(ChartID("initiatives_status", idSuffix), t("initiatives.by_status"+titleSuffix), statusLabels, byStatus,
		InitiativeStatusColors, loc.Lang)
	status.Head = []string{t("field.status"), t("initiatives.count")}
	partners := Counts(ChartID("initiatives_partners", idSuffix), t("initiatives.by_partner"+titleSuffix), partnerLabels, byPartner,
		[]string{PrimaryColor}, loc.Lang)
	partners.Head = []string{t("field.partner_type"), t("initiatives.count")}
	return []Chart{status, partners}
}

// PlanChart is the completion of each institution's plan, titled by the
// locale key titleKey, its table's head in loc's language.
func PlanChart(id, titleKey string, plans []survey.PlanAction, loc Locale) Chart {
	outcomes := map[string]string{}
	for _, o := range survey.PlanOutcomes {
		outcomes[o] = loc.T("outcome." + o)
	}
	ch := PlanCompletion(id, loc.T(titleKey), plans, outcomes, loc.Lang)
	ch.Head[0], ch.Head[5], ch.Head[6] = loc.T("field.institution"), loc.T("plans.count"), loc.T("plans.share_done")
	return ch
}
