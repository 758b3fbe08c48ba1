package handlers

import (
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// workPage is a respondent's "your work": the open rounds, what came back
// from the reviewer, the services to look at and the last published result.
type workPage struct {
	survey.Work
	Rounds []workRound
	// Me is the respondent as the database has it now, with the team
	// marks: a focal point is shown the way to the team page, a head the
	// responses waiting for sign-off (teams.go).
	Me survey.User
}

// workRound is an open round with its deadline said in words.
type workRound struct {
	survey.WorkRound
	// DueText is the deadline (or the institution's extension) with the
	// time left: "Deadline: 2026-10-31 … · 12 days left"; "" without one.
	DueText template.HTML
	// Assigned are the round's sections assigned in the institution, Mine
	// those assigned to the reader (shown first), Signoff the response's
	// sign-off in a round that requires it (teams.go, addTeamWork).
	Assigned survey.Assignments
	Mine     []survey.Section
	Signoff  survey.Signoff
}

// AssigneeOf names who a section is assigned to, "" for nobody.
func (w workRound) AssigneeOf(section string) string {
	if a, ok := w.Assigned[section]; ok {
		return a.Who()
	}
	return ""
}

// Status is the response's status key for labels and tags ("none" when
// not started).
func (w workRound) Status() string {
	if w.WorkRound.Status == "" {
		return "none"
	}
	return w.WorkRound.Status
}

// showWork is the respondent's landing page. Admins and viewers have the
// board and the dashboards instead (the route lets only respondents in).
func (s *Server) showWork(c *gin.Context) {
	u := currentUser(c)
	today := time.Now().In(s.cfg.Location)
	w, err := s.store.RespondentWork(c.Request.Context(), u.InstitutionCode, today)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "work.title")
	p := workPage{Work: w}
	for _, r := range w.Rounds {
		p.Rounds = append(p.Rounds, workRound{WorkRound: r, DueText: dueText(v, r, today)})
	}
	if err := s.addTeamWork(c, &p); err != nil {
		s.serverError(c, err)
		return
	}
	v.Data = p
	if !s.workByTemplate {
		v.Content = workContent(v, &p) // work_content.go
	}
	s.render(c, http.StatusOK, "work", v)
}

// dueText says a round's deadline for the institution and how long is
// left before it; once it is over, how long ago it passed.
func dueText(v *view, r survey.WorkRound, now time.Time) template.HTML {
	if !r.HasDeadline {
		return ""
	}
	if r.Closed {
		day := v.TD("due.deadline", r.Due.Deadline)
		if r.Due.Extended != "" {
			day = v.TD("due.extended", r.Due.Extended, r.Due.Deadline)
		}
		return day + " · " + template.HTML(template.HTMLEscapeString(v.N("work.overdue", -r.DaysLeft))) // #nosec G203 -- escaped
	}
	return dueWords(v, r.Due, now)
}

// NextSection is the first section with unanswered items, where "continue"
// leads ("" when every section is complete).
func (w workRound) NextSection() string {
	for _, p := range w.Sections {
		if !p.Done() {
			return p.Section.ID
		}
	}
	return ""
}
