package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// A round's life under the coordinator's control: extensions of the
// deadline for one institution, deleting a round never published (after a
// page that names what goes with it), archiving a published one and
// restoring it. The rules are the store's (survey/sqlstore/lifecycle.go);
// these handlers bind, call and render.

// pathArchivedRounds lists the archived rounds.
const pathArchivedRounds = "/admin/rounds/archived"

func extensionPath(round int64, code string) string {
	return adminRoundPath(round) + "/extensions/" + code
}

// roundParam is the round id of the URL; it answers 404 itself when the id
// is not a number.
func (s *Server) roundParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return 0, false
	}
	return id, true
}

// extensionPage is one institution's extension in a round.
type extensionPage struct {
	Round       survey.Round
	Institution survey.Institution
	Extension   *survey.Extension // nil without one
	Due         survey.Due
	Saved       bool
}

// loadExtension reads the round, the institution and its extension of the
// URL; it answers the request itself when it returns false.
func (s *Server) loadExtension(c *gin.Context) (extensionPage, bool) {
	var p extensionPage
	id, ok := s.roundParam(c)
	if !ok {
		return p, false
	}
	ctx := c.Request.Context()
	var err error
	if p.Round, err = s.store.Round(ctx, id); err != nil {
		s.failErr(c, err)
		return p, false
	}
	if p.Institution, err = s.store.Institution(ctx, c.Param("code")); err != nil {
		s.failErr(c, err)
		return p, false
	}
	ext, err := s.store.Extension(ctx, id, p.Institution.Code)
	switch {
	case err == nil:
		p.Extension = &ext
	case !errors.Is(err, survey.ErrNotFound):
		s.serverError(c, err)
		return p, false
	}
	p.Due = p.Round.DueFor("")
	if p.Extension != nil {
		p.Due.Extended = p.Extension.Until
	}
	return p, true
}

// showExtension is the form that grants, changes or revokes an
// institution's extension.
func (s *Server) showExtension(c *gin.Context) {
	p, ok := s.loadExtension(c)
	if !ok {
		return
	}
	v := s.newView(c, "extension.title")
	v.Title = v.T("extension.title") + " — " + p.Institution.Name(v.Lang)
	until := ""
	reason := ""
	if p.Extension != nil {
		until, reason = p.Extension.Until, p.Extension.Reason
	} else if end, ok := p.Round.DueFor("").End(); ok {
		until = end.AddDate(0, 0, 6).Format(survey.DateLayout) // a week more, to change
	}
	v.Form = &form{Values: map[string]string{"until": until, "reason": reason}}
	p.Saved = c.Query("saved") == "1"
	v.Data = p
	s.render(c, http.StatusOK, "extension", v)
}

// grantExtension grants or changes the institution's extension.
func (s *Server) grantExtension(c *gin.Context) {
	p, ok := s.loadExtension(c)
	if !ok {
		return
	}
	var in survey.ExtensionInput
	_ = c.ShouldBind(&in)
	_, err := s.store.GrantExtension(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code, in)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		v := s.newView(c, "extension.title")
		v.Title = v.T("extension.title") + " — " + p.Institution.Name(v.Lang)
		v.Form = &form{Values: map[string]string{"until": in.Until, "reason": in.Reason}, Errors: v.loc.fieldMessages(ve)}
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "extension", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, extensionPath(p.Round.ID, p.Institution.Code)+"?saved=1")
}

// revokeExtension takes the institution's extension back.
func (s *Server) revokeExtension(c *gin.Context) {
	p, ok := s.loadExtension(c)
	if !ok {
		return
	}
	if err := s.store.RevokeExtension(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, extensionPath(p.Round.ID, p.Institution.Code)+"?saved=1")
}

// deletePage confirms a round's deletion, naming what goes with it.
type deletePage struct {
	Round    survey.Round
	Contents survey.RoundContents
	// Changed: the round held more (or less) than the page the coordinator
	// confirmed on showed; nothing was deleted.
	Changed bool
}

// loadDeletable reads the round of the URL and what deleting it removes;
// a published round is refused (it is archived instead).
func (s *Server) loadDeletable(c *gin.Context) (deletePage, bool) {
	var p deletePage
	id, ok := s.roundParam(c)
	if !ok {
		return p, false
	}
	var err error
	if p.Round, err = s.store.Round(c.Request.Context(), id); err != nil {
		s.failErr(c, err)
		return p, false
	}
	if !p.Round.Deletable() {
		s.failErr(c, survey.ErrNotDeletable)
		return p, false
	}
	if p.Contents, err = s.store.RoundContents(c.Request.Context(), id); err != nil {
		s.failErr(c, err)
		return p, false
	}
	return p, true
}

// showDeleteRound is the confirmation page of a round's deletion.
func (s *Server) showDeleteRound(c *gin.Context) {
	p, ok := s.loadDeletable(c)
	if !ok {
		return
	}
	v := s.newView(c, "round_delete.title")
	v.Title = v.T("round_delete.heading", p.Round.Name)
	v.Data = p
	s.render(c, http.StatusOK, "round_delete", v)
}

// deleteRound deletes the round, provided it holds what the confirmation
// page named (the counts it posts back); otherwise the page comes back
// with the new counts.
func (s *Server) deleteRound(c *gin.Context) {
	p, ok := s.loadDeletable(c)
	if !ok {
		return
	}
	var expect survey.RoundContents
	expect.Responses, _ = strconv.Atoi(c.PostForm("responses"))
	expect.Answers, _ = strconv.Atoi(c.PostForm("answers"))
	err := s.store.DeleteRound(c.Request.Context(), currentUser(c).ID, p.Round.ID, expect)
	if errors.Is(err, survey.ErrRoundChanged) {
		p.Changed = true
		v := s.newView(c, "round_delete.title")
		v.Title = v.T("round_delete.heading", p.Round.Name)
		v.Data = p
		s.render(c, http.StatusConflict, "round_delete", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathRounds+"?done=deleted")
}

// archiveRound puts a published round away.
func (s *Server) archiveRound(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	if _, err := s.store.ArchiveRound(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathArchivedRounds+"?done=archived")
}

// restoreRound brings an archived round back to the lists.
func (s *Server) restoreRound(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	if _, err := s.store.RestoreRound(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathRounds+"?done=restored")
}

// archivedPage lists the archived rounds.
type archivedPage struct {
	Rows   []roundRow
	Notice string
}

// listArchivedRounds is the coordinator's list of archived rounds, each
// with its dashboard (still theirs to open) and a button to restore it.
func (s *Server) listArchivedRounds(c *gin.Context) {
	ctx := c.Request.Context()
	rounds, err := s.store.ArchivedRounds(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "rounds_archived.title")
	var p archivedPage
	for _, r := range rounds {
		row := roundRow{Round: r}
		if q, err := s.store.Questionnaire(ctx, r.QuestionnaireID); err == nil {
			row.Title = q.Title(v.Lang)
		}
		p.Rows = append(p.Rows, row)
	}
	if c.Query("done") == "archived" {
		p.Notice = v.T("rounds_archived.done")
	}
	v.Data = p
	s.render(c, http.StatusOK, "rounds_archived", v)
}

// roundsNotice is what the rounds page says after the coordinator deleted
// or restored a round there ("" otherwise): a key from the URL, never text.
func roundsNotice(v *view, done string) string {
	switch done {
	case "deleted":
		return v.T("rounds.deleted")
	case "restored":
		return v.T("rounds.restored")
	}
	return ""
}

// The API.

// apiRoundExtensions lists a round's extensions.
func (s *Server) apiRoundExtensions(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	if _, err := s.store.Round(c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return
	}
	list, err := s.store.RoundExtensions(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	writePage(s, c, list) // by institution code
}

// apiGrantExtension grants or changes an institution's extension:
// {"until": "2026-11-15", "reason": "…"}.
func (s *Server) apiGrantExtension(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	var in survey.ExtensionInput
	if !s.bindJSON(c, &in) {
		return
	}
	e, err := s.store.GrantExtension(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, c.Param("code"), in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

// apiRevokeExtension takes an institution's extension back.
func (s *Server) apiRevokeExtension(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	if err := s.store.RevokeExtension(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, c.Param("code")); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiRoundContents is what deleting the round would remove: the counts
// DELETE must be given back.
func (s *Server) apiRoundContents(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	contents, err := s.store.RoundContents(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, contents)
}

// apiDeleteRound deletes a round never published:
// DELETE /api/v1/rounds/7?responses=12&answers=340, the counts that
// GET …/contents gave, as the web's confirmation page posts them.
func (s *Server) apiDeleteRound(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	var expect survey.RoundContents
	var err1, err2 error
	expect.Responses, err1 = strconv.Atoi(c.Query("responses"))
	expect.Answers, err2 = strconv.Atoi(c.Query("answers"))
	if err1 != nil || err2 != nil {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"responses": "err.confirm_contents"}})
		return
	}
	if err := s.store.DeleteRound(c.Request.Context(), currentUser(c).ID, id, expect); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiArchiveRound and apiRestoreRound archive and restore a round.
func (s *Server) apiArchiveRound(c *gin.Context) { s.apiSetArchived(c, s.store.ArchiveRound) }

func (s *Server) apiRestoreRound(c *gin.Context) { s.apiSetArchived(c, s.store.RestoreRound) }

func (s *Server) apiSetArchived(c *gin.Context, fn func(ctx context.Context, actorID, id int64) (survey.Round, error)) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	r, err := fn(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// apiArchivedRounds lists the archived rounds.
func (s *Server) apiArchivedRounds(c *gin.Context) {
	list, err := s.store.ArchivedRounds(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list) // by name, the latest first, then by id
}

// apiPrefillSources lists the rounds whose answers may pre-fill the
// response, the default one marked.
func (s *Server) apiPrefillSources(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	list, err := s.store.PrefillSources(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	writePage(s, c, list) // the latest round first
}

type prefillRequest struct {
	From int64 `json:"from"` // a round id of the sources; 0 or absent: the default
}

// apiPrefill pre-fills the response: {"from": 12}, or {} for the default
// source. It answers how many answers were copied and from which round.
func (s *Server) apiPrefill(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	var in prefillRequest
	if !s.bindJSON(c, &in) {
		return
	}
	src, n, err := s.store.PrefillFrom(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, in.From)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := gin.H{"copied": n, "from": nil}
	if src.Round.ID != 0 {
		out["from"] = src
	}
	c.JSON(http.StatusOK, out)
}

// dueJSON is a response's deadline as the API gives it.
type dueJSON struct {
	survey.Due
	ClosesAt *time.Time `json:"closes_at"` // the instant answers stop being taken; null without a deadline
	Passed   bool       `json:"passed"`    // for the caller: a respondent can no longer save or submit
}

func dueOf(d survey.Due, late bool) dueJSON {
	out := dueJSON{Due: d, Passed: late}
	if end, ok := d.End(); ok {
		out.ClosesAt = &end
	}
	return out
}

// loadDue reads the deadline the institution works to in an open round
// (the round's, or its extension) and whether it is over for this user.
func (s *Server) loadDue(c *gin.Context, rc *responseCtx) error {
	rc.Due = rc.Round.DueFor("")
	if rc.Round.Status != survey.RoundOpen || !rc.Due.Has() {
		return nil
	}
	ext, err := s.store.Extension(c.Request.Context(), rc.Round.ID, rc.Institution.Code)
	switch {
	case err == nil:
		rc.Due.Extended = ext.Until
	case !errors.Is(err, survey.ErrNotFound):
		return err
	}
	rc.Late = survey.PastDeadline(survey.ActorOf(*currentUser(c)), rc.Due, time.Now())
	return nil
}

// dueWords says a deadline in the page's language: the day (extended or
// not) and how long is left, or that it has passed. Days are Palestine's
// (survey/deadline.go), and the page says so.
func dueWords(v *view, d survey.Due, now time.Time) template.HTML {
	if !d.Has() {
		return ""
	}
	var left string
	switch n := d.DaysLeft(now); {
	case d.Passed(now):
		left = v.T("due.passed")
	case n > 0:
		left = v.N("work.days_left", n)
	default:
		left = v.T("work.due_today")
	}
	var day template.HTML
	if d.Extended != "" {
		day = v.TD("due.extended", d.Extended, d.Deadline)
	} else {
		day = v.TD("due.deadline", d.Deadline)
	}
	return day + " · " + template.HTML(template.HTMLEscapeString(left)) // #nosec G203 -- TB escapes; left is escaped here
}

// prefilledFrom is the name of the round a pre-fill copied from (the
// from of the URL), "" when it is not a round the user may see.
func (s *Server) prefilledFrom(c *gin.Context, from string) string {
	id, err := strconv.ParseInt(from, 10, 64)
	if err != nil {
		return ""
	}
	r, err := s.store.Round(c.Request.Context(), id)
	if err != nil || !survey.Allowed(currentUser(c), survey.SeeRound, r, "") {
		return ""
	}
	return r.Name
}

// TD translates key like TB, for messages whose arguments are days
// (YYYY-MM-DD): each is isolated left to right, so that an Arabic sentence
// shows 2026-12-04, not its parts in reverse order (a day has no letter
// for the browser to take its direction from).
func (v *view) TD(key string, days ...string) template.HTML {
	msg, ok := v.loc.messages[key]
	if !ok {
		msg = "⟦" + key + "⟧"
	}
	isolated := make([]any, len(days))
	for i, d := range days {
		isolated[i] = `<bdi dir="ltr">` + html.EscapeString(d) + "</bdi>"
	}
	return template.HTML(fmt.Sprintf(html.EscapeString(msg), isolated...)) // #nosec G203 -- every part escaped above
}
