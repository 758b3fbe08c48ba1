package handlers

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// The work page's content, written in Go (issue 15), as
// response_content.go writes the questionnaire page's: every respondent
// lands on it once a visit, and its template spent two thirds of the page
// in reflection over the services to look at and the sections. It is the
// same page as templates/pages/work.html, escaped as html/template would
// escape each value in its place: TestWorkContentMatchesTemplate renders
// it both ways in every state the page has (no open round, a response not
// started, a draft, returned answers, sign-off, assignments, a deadline
// passed, services to look at or none, a published result or none, hostile
// names) and compares them. A change to the page is made in both places.

// workContent is the work page's content as work.html writes it.
func workContent(v *view, p *workPage) template.HTML {
	var b strings.Builder
	b.Grow(8 << 10)
	w := func(parts ...string) {
		for _, x := range parts {
			b.WriteString(x)
		}
	}
	t := func(key string, args ...any) string { return escText(v.T(key, args...)) }
	code := p.Institution.Code

	w("\n\n<span class=\"caption\" dir=\"auto\">", escText(v.InstitutionName(p.Institution)), "</span>\n",
		"<h1 class=\"heading-xl\">", t("work.heading"), "</h1>\n",
		"<p class=\"lead\">", t("work.lead"), "</p>\n")
	if p.Me.FocalPoint {
		w(`<p class="actions"><a class="button button-secondary" href="`, escURLStart(v.URL("/team")), `">`, t("team.open"), `</a></p>`)
	}
	w("\n\n")
	for i := range p.Rounds {
		writeWorkRound(w, t, v, p, &p.Rounds[i], code)
	}
	if len(p.Rounds) == 0 {
		w("\n<section class=\"work-round\" aria-labelledby=\"work-no-round\">\n",
			"  <h2 class=\"heading-l\" id=\"work-no-round\">", t("work.no_round"), "</h2>\n",
			"  <p>", t("work.no_round_help"), "</p>\n",
			"</section>\n")
	}

	w("\n\n<section class=\"work-services\" aria-labelledby=\"work-services-h\">\n",
		"  <h2 class=\"heading-l\" id=\"work-services-h\">", t("work.services_heading"), "</h2>\n",
		"  <p>", t("work.services_lead"), "</p>\n",
		"  <ul class=\"list small\">\n",
		"    <li>", t("work.criteria.reviewed"), "</li>\n",
		"    <li>", t("work.criteria.incomplete"), "</li>\n",
		"    <li>", t("work.criteria.no_url"), "</li>\n",
		"    <li>", t("work.criteria.mismatch"), "</li>\n",
		"  </ul>\n  ")
	if len(p.Services) > 0 {
		w("\n  <p><strong>", escText(v.N("count.services", len(p.Services))), "</strong></p>\n",
			"  <ul class=\"review-services\">")
		services := escURLStart(v.URL("/services/"))
		for _, sr := range p.Services {
			stage := strconv.Itoa(sr.Service.Stage)
			w("\n    <li><a href=\"", services, strconv.FormatInt(sr.Service.ID, 10), "/edit\" dir=\"auto\">", escText(sr.Service.Name(v.Lang)), "</a>\n",
				"      <span class=\"small\"><span class=\"stage stage-", stage, "\">", stage, "</span> ", t("stage."+stage), "</span>\n",
				"      <ul class=\"reasons\">")
			for _, r := range sr.Reasons {
				w(`<li class="tag tag-grey">`, t("work.reason."+r), "</li>")
			}
			w("</ul></li>")
		}
		w("\n  </ul>\n  ")
	} else {
		w(`<p class="notice">`, t("work.services_ok"), "</p>")
	}
	w("\n  <p><a href=\"", escURLStart(v.URL("/institutions/"+code+"/services")), "\">", t("work.all_services"), "</a></p>\n",
		"</section>\n\n",
		"<section class=\"work-published\" aria-labelledby=\"work-published-h\">\n  ")
	if pub := p.Published; pub != nil {
		w("\n  <h2 class=\"heading-l\" id=\"work-published-h\">", string(v.TB("work.published_heading", pub.Round.Name)), "</h2>\n",
			"  <ul class=\"facts\">\n",
			"    <li class=\"fact\"><span class=\"fact-value\">", escText(fmt.Sprint(pub.Score.Index)), "</span><span class=\"fact-label\">", t("rankings.index"), "</span></li>\n",
			"    <li class=\"fact\"><span class=\"fact-value\"><span class=\"level level-", escText(pub.Score.Level), "\">", escText(v.LevelLabel(pub.Def, pub.Score.Level)),
			"</span></span><span class=\"fact-label\">", t("rankings.level"), "</span></li>\n",
			"    <li class=\"fact\"><span class=\"fact-value\">", strconv.Itoa(pub.Score.Rank), "<span class=\"small muted\"> / ", strconv.Itoa(pub.Score.Of),
			"</span></span><span class=\"fact-label\">", t("rankings.rank"), "</span></li>\n",
			"  </ul>\n",
			"  <p class=\"actions\"><a class=\"button button-secondary\" href=\"", escURLStart(v.ScorecardURL(pub.Round.ID, code)), "\">", t("scorecard.title"), "</a>\n",
			"    <a class=\"button button-secondary\" href=\"", escURLStart(v.PlanURL(pub.Round.ID, code)), "\">", t("plans.open"), "</a></p>\n  ")
	} else {
		w("\n  <h2 class=\"heading-l\" id=\"work-published-h\">", t("work.published_none_heading"), "</h2>\n",
			"  <p>", t("work.published_none"), "</p>\n  ")
	}
	w("\n</section>\n\n")
	return template.HTML(b.String()) // #nosec G203 -- every value escaped above, as the template would
}

// writeWorkRound writes one open round's part of the work page.
func writeWorkRound(w func(...string), t func(string, ...any) string, v *view, p *workPage, r *workRound, code string) {
	id := strconv.FormatInt(r.Round.ID, 10)
	resp := escURLStart(v.ResponseURL(r.Round.ID, code))
	status := r.Status()
	w("\n<section class=\"work-round\" aria-labelledby=\"work-round-", id, "\">\n",
		"  <h2 class=\"heading-l\" id=\"work-round-", id, "\">", string(v.TB("work.round_open", r.Round.Name)), "</h2>\n",
		"  <dl class=\"summary-list\">\n",
		"    <div><dt>", t("work.deadline"), "</dt><dd>")
	if r.HasDeadline {
		w("<span")
		if r.DaysLeft < 8 {
			w(` class="due-soon"`)
		}
		w(">", string(r.DueText), "</span>")
		if r.Closed {
			w(`<span class="warning-text deadline-passed">`, t("due.closed_notice"), "</span>")
		}
	} else {
		w(t("work.no_deadline"))
	}
	w("</dd></div>\n",
		"    <div><dt>", t("field.status"), "</dt><dd><span class=\"tag tag-resp-", escText(status), "\">", t("response_status."+status), "</span> ")
	if !r.Closed {
		w(`<span class="small">`, t("work.status_help."+status), "</span>")
	}
	w("</dd></div>\n    ")
	if r.Round.RequiresSignoff {
		state := r.Signoff.StateKey()
		w("<div><dt>", t("signoff.box_heading"), "</dt><dd><span class=\"tag tag-signoff-", escText(state), "\">", t("signoff.state."+state),
			"</span> <a href=\"", escURLStart(v.SignoffURL(r.Round.ID, code)), "\">")
		if p.Me.Signoff && r.Signoff.Pending() {
			w(t("signoff.review_approve"))
		} else {
			w(t("signoff.open_summary"))
		}
		w("</a>")
		if r.Signoff.State == "sent_back" {
			w("\n      <div class=\"review-comment\"><span class=\"review-comment-label\">", string(v.TB("signoff.sent_back_by", r.Signoff.By)),
				"</span> <span dir=\"auto\" class=\"pre-line\">", escText(r.Signoff.Comment), "</span></div>")
		}
		w("</dd></div>")
	}
	percent := strconv.Itoa(r.Percent())
	w("\n    <div><dt>", t("work.progress"), "</dt><dd><progress class=\"progress\" max=\"100\" value=\"", percent, "\" aria-label=\"", t("response.progress_label"), "\">",
		percent, "%</progress> <span class=\"nowrap\">", t("rounds.progress", r.Answered, r.Total), "</span></dd></div>\n",
		"  </dl>\n",
		"  <p class=\"actions\">\n    ")
	switch {
	case r.Closed:
		w(`<a class="button button-secondary" href="`, resp, `">`, t("work.view_answers"), "</a>\n    ")
	case len(r.Returned) > 0:
		first := r.Returned[0]
		w(`<a class="button" href="`, resp, "?section=", escQuery(first.Item.Section), "#i-", escQuery(first.Item.ID), `">`, t("work.fix_returned"), "</a>\n    ")
	case status == "none":
		w(`<a class="button" href="`, resp, `">`, t("work.start"), "</a>\n    ")
	case status == "draft":
		w(`<a class="button" href="`, resp)
		if next := r.NextSection(); next != "" {
			w("?section=", escQuery(next))
		}
		w(`">`, t("work.continue"), "</a>\n    ")
	default:
		w(`<a class="button button-secondary" href="`, resp, `">`, t("work.view_answers"), "</a>")
	}
	w("\n    <a class=\"button button-secondary\" href=\"", resp, "/obstacles\">", t("work.obstacles"), "</a>\n    ")
	if p.Me.FocalPoint {
		w(`<a class="button button-secondary" href="`, escURLStart(v.AssignmentsURL(r.Round.ID, code)), `">`, t("assign.open"), "</a>")
	}
	w("\n  </p>\n\n  ")
	if len(r.Returned) > 0 {
		w("\n  <h3 class=\"heading-m\">", escText(v.N("work.returned_n", len(r.Returned))), "</h3>\n",
			"  <p>", t("work.returned_help"), "</p>\n",
			"  <ol class=\"returned-list\">")
		for _, ri := range r.Returned {
			w("\n    <li><a href=\"", resp, "?section=", escQuery(ri.Item.Section), "#i-", escQuery(ri.Item.ID), "\"><span class=\"question-id\" dir=\"ltr\">", escText(ri.Item.ID),
				"</span> <span dir=\"auto\">", escText(ri.Item.Label(v.Lang)), "</span></a>\n",
				"      <div class=\"review-comment\"><span class=\"review-comment-label\">", t("work.reviewer_comment"), "</span> <span dir=\"auto\" class=\"pre-line\">",
				escText(ri.Comment), "</span></div></li>")
		}
		w("\n  </ol>\n  ")
	}
	w("\n\n  ")
	if len(r.Mine) > 0 {
		w("\n  <h3 class=\"heading-m\">", t("work.your_sections"), "</h3>\n",
			"  <ul class=\"your-sections\">")
		for _, sec := range r.Mine {
			w("\n    <li><a href=\"", resp, "?section=", escQuery(sec.ID), "\" dir=\"auto\">", escText(sec.Title(v.Lang)), "</a></li>")
		}
		w("\n  </ul>\n  ")
	}
	w("\n  <h3 class=\"heading-m\">", t("work.sections"), "</h3>\n",
		"  <ul class=\"section-progress\">")
	for _, sp := range r.Sections {
		title := escText(sp.Section.Title(v.Lang))
		w("\n    <li><a href=\"", resp, "?section=", escQuery(sp.Section.ID), "\" title=\"", title, "\" dir=\"auto\">", escText(sp.Section.Short(v.Lang)), "</a>")
		if who := r.AssigneeOf(sp.Section.ID); who != "" {
			w("\n      <span class=\"small muted section-assignee\">", string(v.TB("work.assigned_to", who)), "</span>")
		}
		w("\n      <span class=\"section-count")
		if sp.Done() {
			w(" done")
		}
		sectionPercent := strconv.Itoa(sp.Percent())
		w("\">", t("work.section_count", sp.Answered, sp.Total), "</span>\n",
			"      <progress class=\"progress\" max=\"100\" value=\"", sectionPercent, "\" aria-label=\"", title, "\">", sectionPercent, "%</progress></li>")
	}
	w("\n  </ul>\n</section>\n")
}
