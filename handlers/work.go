package handlers

import (
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
}

// workRound is an open round with its deadline said in words.
type workRound struct {
	survey.WorkRound
	Due string // "12 days left", "due today", "closed 3 days ago…"; "" without a deadline
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
		p.Rounds = append(p.Rounds, workRound{WorkRound: r, Due: dueText(v, r)})
	}
	v.Data = p
	s.render(c, http.StatusOK, "work", v)
}

// dueText says how long is left before a round's deadline.
func dueText(v *view, r survey.WorkRound) string {
	switch {
	case !r.HasDeadline:
		return ""
	case r.DaysLeft > 0:
		return v.N("work.days_left", r.DaysLeft)
	case r.DaysLeft == 0:
		return v.T("work.due_today")
	}
	return v.N("work.overdue", -r.DaysLeft)
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
