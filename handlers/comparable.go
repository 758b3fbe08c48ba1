package handlers

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// ComparisonStore keeps which questionnaire version continues which and
// says which rounds' figures may be compared (survey/comparable.go).
type ComparisonStore interface {
	QuestionnaireLineage(ctx context.Context) (survey.Lineage, error)
	SetPredecessor(ctx context.Context, actorID, id, pred int64) error
	CompareVersions(ctx context.Context, earlier, later survey.QuestionnaireVersion) (survey.Comparison, error)
	CompareRounds(ctx context.Context, r survey.Round, seen func(survey.Round) bool) (survey.RoundComparison, error)
	ComparableRounds(ctx context.Context, r survey.Round, rounds []survey.Round) ([]survey.Round, []survey.PassedRound, error)
}

// questionnairePage is one questionnaire version's page: what it is, the
// version it continues (which the coordinator sets here) and how the two
// differ.
type questionnairePage struct {
	Q survey.QuestionnaireVersion
	// Others are the versions it may continue: every other one.
	Others []survey.QuestionnaireVersion
	// Predecessor is the version it continues (nil: none), and How how
	// rounds on it compare with rounds on Q.
	Predecessor *survey.QuestionnaireVersion
	How         survey.Comparison
	// Successors are the versions that continue Q.
	Successors []survey.QuestionnaireVersion
	Saved      bool
}

func (s *Server) showQuestionnaire(c *gin.Context) {
	s.renderQuestionnaire(c, http.StatusOK, nil)
}

// renderQuestionnaire shows a version's page, with the predecessor field's
// problem (ve) when the choice just posted was refused.
func (s *Server) renderQuestionnaire(c *gin.Context, status int, ve *survey.ValidationError) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	p, err := s.questionnairePage(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	p.Saved = c.Query("done") == "saved"
	v := s.newView(c, "qversion.title")
	v.Title = p.Q.Title(v.Lang) + " " + p.Q.Version
	pred := ""
	if p.Predecessor != nil {
		pred = strconv.FormatInt(p.Predecessor.ID, 10)
	}
	v.Form = &form{Values: map[string]string{"predecessor": pred}}
	if ve != nil {
		v.Form.Errors = v.loc.fieldMessages(ve)
		v.Form.Values["predecessor"] = c.PostForm("predecessor")
	}
	v.Data = p
	s.render(c, status, "questionnaire", v)
}

// questionnairePage reads what a version's page shows.
func (s *Server) questionnairePage(ctx context.Context, id int64) (questionnairePage, error) {
	var p questionnairePage
	var err error
	if p.Q, err = s.store.Questionnaire(ctx, id); err != nil {
		return p, err
	}
	lineage, err := s.store.QuestionnaireLineage(ctx)
	if err != nil {
		return p, err
	}
	all, err := s.store.ListQuestionnaires(ctx)
	if err != nil {
		return p, err
	}
	for _, q := range all {
		if q.ID != id {
			p.Others = append(p.Others, q)
		}
		if pred, ok := lineage[q.ID]; ok && pred == id {
			p.Successors = append(p.Successors, q)
		}
	}
	if pred, ok := lineage[id]; ok {
		pq, err := s.store.Questionnaire(ctx, pred)
		if err != nil {
			return p, err
		}
		p.Predecessor = &pq
		if p.How, err = s.store.CompareVersions(ctx, pq, p.Q); err != nil {
			return p, err
		}
	}
	return p, nil
}

// setPredecessor records the version a questionnaire version continues
// (the coordinator's declaration that rounds on the two are comparable),
// audited by the store.
func (s *Server) setPredecessor(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	pred, ok := predecessorOf(c.PostForm("predecessor"))
	if !ok {
		s.renderQuestionnaire(c, http.StatusUnprocessableEntity, &survey.ValidationError{Fields: map[string]string{"predecessor": "err.choose_one"}})
		return
	}
	err = s.store.SetPredecessor(c.Request.Context(), currentUser(c).ID, id, pred)
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		s.renderQuestionnaire(c, http.StatusUnprocessableEntity, ve)
	case err != nil:
		s.failErr(c, err)
	default:
		seeOther(c, "/"+lang(c)+"/admin/questionnaires/"+strconv.FormatInt(id, 10)+"/version?done=saved#predecessor")
	}
}

// predecessorOf reads a predecessor field: a version id, or empty or 0
// for none.
func predecessorOf(v string) (int64, bool) {
	v = strings.TrimSpace(survey.NormalizeDigits(v))
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id >= 0
}

// predecessorRequest is the API's declaration of a version's predecessor.
type predecessorRequest struct {
	PredecessorID int64 `json:"predecessor_id"`
}

// apiSetPredecessor records the version a questionnaire version continues
// (0: none).
func (s *Server) apiSetPredecessor(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	var in predecessorRequest
	if !s.bindJSON(c, &in) {
		return
	}
	if err := s.store.SetPredecessor(c.Request.Context(), currentUser(c).ID, id, in.PredecessorID); err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "predecessor_id": in.PredecessorID})
}

// The sentences a page of a round shows about what its changes are
// measured against (the "comparison" partial).

// NoChangeWhy says why a page shows no change.
func (v *view) NoChangeWhy(rc survey.RoundComparison) template.HTML {
	if rc.Passed == nil {
		return template.HTML(template.HTMLEscapeString(v.T("rankings.no_comparison"))) // #nosec G203 -- escaped here
	}
	why, round := rc.Passed.Why, rc.Passed.Round.Name
	if why.Reason == survey.ReasonUndeclared {
		return v.TB("compare.why."+why.Reason, round, why.Early.Version, why.Late.Version)
	}
	return v.TB("compare.why."+why.Reason, round, v.questionnaireName(why.Early))
}

// questionnaireName names a questionnaire version in a sentence: its title
// and version.
func (v *view) questionnaireName(q survey.QuestionnaireRef) string {
	return v.T("compare.questionnaire", q.Title(v.Lang), q.Version)
}

// PassedNote says which later round a change passed over, and why.
func (v *view) PassedNote(rc survey.RoundComparison) template.HTML {
	if rc.Passed == nil {
		return ""
	}
	return v.TB("compare.passed", rc.Passed.Round.Name, v.questionnaireName(rc.Passed.Why.Early))
}

// CommonItemsNote says that a change across declared versions is on their
// common items.
func (v *view) CommonItemsNote(rc survey.RoundComparison) template.HTML {
	if !rc.Declared() {
		return ""
	}
	return v.TB("compare.common", rc.Since.Name, strconv.Itoa(rc.How.Diff.CommonItems))
}

// commonItemsText is CommonItemsNote as plain text, for exports; "" when
// the change is not across declared versions.
func (v *view) commonItemsText(rc survey.RoundComparison) string {
	if !rc.Declared() {
		return ""
	}
	return v.T("compare.common", rc.Since.Name, strconv.Itoa(rc.How.Diff.CommonItems))
}

// VersionWhy says why two versions, though one continues the other, are
// still not compared.
func (v *view) VersionWhy(c survey.Comparison) string { return v.T("compare.version." + c.Reason) }

// LeftOut names the rounds a trend leaves out in the message key, ""
// when none.
func (v *view) LeftOut(key string, left []survey.PassedRound) template.HTML {
	if len(left) == 0 {
		return ""
	}
	names := make([]string, len(left))
	for i, x := range left {
		names[i] = x.Round.Name
	}
	return v.TB(key, strings.Join(names, v.T("list.separator")))
}

// comparisonJSON is what the API says about a ranking's changes: how they
// are measured ("same"; "declared", with the items counted and left out)
// or why none is shown ("none" and a reason), and the later round passed
// over as not comparable.
func comparisonJSON(rc survey.RoundComparison) gin.H {
	out := gin.H{"kind": rc.How.Kind}
	if rc.Since == nil {
		out["reason"] = rc.How.Reason
	}
	if rc.How.Late.ID != 0 {
		out["questionnaire"], out["earlier_questionnaire"] = rc.How.Late, rc.How.Early
	}
	if rc.Declared() {
		out["diff"] = rc.How.Diff
	}
	if p := rc.Passed; p != nil {
		out["passed_over"] = gin.H{"round_id": p.Round.ID, "round": p.Round.Name, "reason": p.Why.Reason, "questionnaire": p.Why.Early}
	}
	return out
}
