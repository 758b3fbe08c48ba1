package handlers

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// responseCtx is what every response page and call needs: the round, its
// questionnaire, the institution and its response.
type responseCtx struct {
	Round       survey.Round
	Q           survey.QuestionnaireVersion
	Institution survey.Institution
	Response    survey.Response
	Answers     survey.AnswerSet
	// Due is the deadline the institution works to in an open round (with
	// its extension); Late, that it is over for this user, who may then
	// save and submit nothing (survey/deadline.go).
	Due  survey.Due
	Late bool
}

// loadResponse reads the round and institution in the URL and checks that
// the user may see them: admins any, respondents their own institution.
// It answers the request itself when it returns false.
func (s *Server) loadResponse(c *gin.Context) (responseCtx, bool) {
	return s.loadResponseWith(c, true)
}

// loadResponseWith is loadResponse, with the answers read only when
// answers is true: submitting reads them in its own transaction, and
// needs them here only to show what is missing.
func (s *Server) loadResponseWith(c *gin.Context, answers bool) (responseCtx, bool) {
	var rc responseCtx
	ctx := c.Request.Context()
	u := currentUser(c)
	code := c.Param("code")
	if !survey.Allowed(u, survey.SeeResponse, survey.Round{}, code) {
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return rc, false
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return rc, false
	}
	if rc.Round, err = s.store.Round(ctx, id); err != nil {
		s.failErr(c, err)
		return rc, false
	}
	if hiddenDraft(u, rc.Round) {
		s.notFound(c)
		return rc, false
	}
	if rc.Institution, err = s.store.Institution(ctx, code); err != nil {
		s.failErr(c, err)
		return rc, false
	}
	if rc.Q, err = s.store.Questionnaire(ctx, rc.Round.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return rc, false
	}
	if err := s.loadDue(c, &rc); err != nil {
		s.serverError(c, err)
		return rc, false
	}
	if rc.Response, err = s.store.Response(ctx, rc.Round.ID, rc.Institution.Code); err != nil {
		if errors.Is(err, survey.ErrNotFound) {
			rc.Answers = survey.AnswerSet{} // round not open and never answered: an empty, read-only form
			rc.Response = survey.Response{RoundID: rc.Round.ID, InstitutionCode: rc.Institution.Code, Status: "none"}
			return rc, true
		}
		s.serverError(c, err)
		return rc, false
	}
	if !answers {
		return rc, true
	}
	if rc.Answers, err = s.store.Answers(ctx, rc.Response.ID); err != nil {
		s.serverError(c, err)
		return rc, false
	}
	return rc, true
}

// itemView is one question on the form with its answer and state.
type itemView struct {
	Item    survey.Item
	Answer  survey.Answer
	Visible bool
	Error   string
	Cond    string // show_if as JSON for the browser, "" when none
	Other   *survey.Answer

	// Filled by questionTexts.fill just before the page is rendered: the
	// question as plain fields, so that the template prints them instead
	// of calling methods through reflection (60 questions of method calls
	// were half of the questionnaire page's time).
	Label, Hint, Improve, Value string
	Options                     []optionView
	Disabled                    bool
	Texts                       *questionTexts
	// HTML is the question rendered by the "question" partial, or served
	// from the cache of rendered questions (renderQuestions).
	HTML template.HTML
}

type optionView struct {
	ID, Value, Label string
	Checked          bool
}

// questionTexts are the words every question of a page repeats.
type questionTexts struct {
	Optional, OtherValue, NA, ReviewComment, MetricNote, MyServices, Extras, Evidence, Comment, HowToImprove string
	ServicesURL                                                                                              string

	// EvidenceFiles names the link to the question's evidence files. The
	// link is "?evidence=ID", relative to the page, so that the cached
	// question stays the same for every institution (showResponse
	// redirects it to the evidence page).
	EvidenceFiles string
}

// fillQuestions readies the questions of a page for the "question" partial.
func fillQuestions(v *view, items []itemView, editable bool, code string) {
	t := &questionTexts{Optional: v.T("form.optional"), OtherValue: v.T("response.other_value"), NA: v.T("response.na"),
		ReviewComment: v.T("review.comment_label"), MetricNote: v.T("response.metric_note"), MyServices: v.T("nav.my_services"),
		Extras: v.T("response.extras"), Evidence: v.T("response.evidence"), Comment: v.T("response.comment"),
		HowToImprove: v.T("response.how_to_improve"), ServicesURL: servicesLink(v, code), EvidenceFiles: v.T("evidence.open_item")}
	for i := range items {
		iv := &items[i]
		it, a := iv.Item, iv.Answer
		iv.Label, iv.Hint, iv.Improve, iv.Value = it.Label(v.Lang), it.Hint(v.Lang), it.Improve(v.Lang), a.Value()
		iv.Disabled, iv.Texts = !editable, t
		iv.Options = iv.Options[:0]
		if it.Type == survey.TypeYesNo {
			for _, yn := range v.YesNo() {
				iv.Options = append(iv.Options, optionView{ID: "o-" + it.ID + "-" + yn, Value: yn, Label: v.T(yn), Checked: a.Has(yn)})
			}
		}
		for _, o := range it.Options {
			iv.Options = append(iv.Options, optionView{ID: "o-" + it.ID + "-" + o.Value, Value: o.Value, Label: o.Label(v.Lang), Checked: a.Has(o.Value)})
		}
	}
}

// renderResponse renders the questionnaire page p.
func (s *Server) renderResponse(c *gin.Context, status int, v *view, p responsePage) {
	if p.Round.Status == survey.RoundOpen {
		p.DueText = dueWords(v, p.Due, time.Now())
	}
	fillQuestions(v, p.Items, p.Editable, p.Institution.Code)
	if err := s.renderQuestions(v, p.Q.ID, p.Institution.Code, p.Items); err != nil {
		s.serverError(c, err)
		return
	}
	p.itemsRef = v.fragmentRef(p.items)
	v.piece = func(text []byte) template.HTML { return v.fragmentRef(s.layoutPiece(text)) }
	v.Data = p
	if !s.responseByTemplate {
		v.Content = p.contentHTML(v) // response_content.go
	}
	body, release, ok := s.renderBytes(c, "response", v)
	defer release()
	if ok {
		s.writeSplicedPage(c, status, body, v.frags)
	}
}

// renderQuestions gives each question its HTML: rendered by the "question"
// partial, or the same HTML rendered before for a question in the same
// state (the cache's "questions" space). A respondent who saves one answer
// and opens the section again changes one question of ten; the template
// engine's reflection made rendering them two thirds of the page's time.
func (s *Server) renderQuestions(v *view, questionnaireID int64, code string, items []itemView) error {
	var t *template.Template
	for i := range items {
		iv := &items[i]
		key := questionKey(v, questionnaireID, code, iv)
		if f, ok := s.questions.get(key, ""); ok {
			iv.HTML = v.fragmentRef(f)
			continue
		}
		if t == nil {
			var err error
			if t, err = s.pages.get("response"); err != nil {
				return err
			}
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, "question", v.Pair(v, iv)); err != nil {
			return err
		}
		f := newFragment(b.String())
		s.questions.put(key, "", f)
		iv.HTML = v.fragmentRef(f)
	}
	return nil
}

// servicesLink is where a catalog metric sends the reader to raise it: a
// respondent (who sees only their own institution's response) to their
// services (/services, which leads there), anyone else to the
// institution's. The respondent's link is the same for every institution,
// so every institution's respondents share the metric's kept rendering.
func servicesLink(v *view, code string) string {
	if v.User != nil && v.User.Role == survey.RoleRespondent {
		return v.URL("/services")
	}
	return v.URL("/institutions/") + code + "/services"
}

// questionKey names everything the "question" partial reads (see
// templates/partials/question.html): the item (fixed by the questionnaire
// version and its id), the page's language and time zone, the institution
// for a catalog metric (the only kind that links to the institution's
// services: the link, servicesLink), and the state shown: editable, visible, the error, the answer
// with its version and review, and another person's newer answer. Two
// questions with one key render the same HTML;
// TestQuestionCacheMatchesRendering checks it over every state.
//
// Leaving the institution out of the other keys lets every institution
// share them: a section nobody has answered yet, the first page each
// respondent opens, is then made once for all (issue 15).
func questionKey(v *view, questionnaireID int64, code string, iv *itemView) string {
	if iv.Item.Type == survey.TypeMetric {
		code = servicesLink(v, code)
	} else {
		code = ""
	}
	h := sha256.New()
	field := func(ss ...string) {
		for _, x := range ss {
			h.Write([]byte(x))
			h.Write([]byte{0})
		}
	}
	a := iv.Answer
	field(strconv.FormatInt(questionnaireID, 10), iv.Item.ID, v.Lang, v.tz.String(), code,
		strconv.FormatBool(iv.Disabled), strconv.FormatBool(iv.Visible), iv.Error, iv.Cond, iv.Value,
		strconv.FormatInt(a.Version, 10), strconv.FormatBool(a.NA), a.Comment, a.Evidence, a.ReviewStatus, a.ReviewComment)
	field(a.Values...)
	if o := iv.Other; o != nil {
		field("other", strconv.FormatBool(o.NA), o.UpdatedBy, o.UpdatedAt.UTC().Format(time.RFC3339Nano))
		field(o.Values...)
	}
	return string(h.Sum(nil))
}

type sectionTab struct {
	Section         survey.Section
	Answered, Total int
	Current         bool
}

type responsePage struct {
	// The fields of responseCtx, not embedded: text/template finds a field
	// of an embedded struct by a search that allocates, on every use (a
	// tenth of the page's rendering, issue 15).
	Round       survey.Round
	Q           survey.QuestionnaireVersion
	Institution survey.Institution
	Response    survey.Response
	Answers     survey.AnswerSet

	Sections        []sectionTab
	Section         survey.Section
	Next            string // the following section's id, "" on the last
	Items           []itemView
	Answered, Total int
	Editable        bool
	Missing         []survey.Item
	Notice          string
	Prefilled       bool
	PrefilledN      int
	PrefilledFrom   string // the round the answers were copied from, "" when unknown
	// Due is the institution's deadline in the open round, Late that it
	// is over for this user; DueText says it in words (renderResponse).
	Due     survey.Due
	Late    bool
	DueText template.HTML
	// Prefill are the rounds a pre-fill may copy from, the default one
	// marked (only read for an editable response with no answer yet).
	Prefill []survey.PrefillSource
	// Signoff replaces the submit box in a round that requires the head's
	// sign-off (teams.go, addSignoffBox); "" otherwise.
	Signoff  template.HTML
	items    fragment      // formItemsJSON: escaped for an attribute
	itemsRef template.HTML // its placeholder on the page (splice.go)
}

// formItem is an answerable item as the questionnaire page's script sees
// it: id, section and show_if (null when none).
type formItem struct {
	ID      string
	Section string
	Cond    *survey.Cond
}

func (f formItem) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{f.ID, f.Section, f.Cond})
}

// formItemsJSON lists the questionnaire's answerable items (not the
// catalog metrics) as JSON escaped for an HTML attribute, made once per
// questionnaire version.
func (s *Server) formItemsJSON(q survey.QuestionnaireVersion) fragment {
	key := strconv.FormatInt(q.ID, 10)
	if f, ok := s.formItems.get(key, ""); ok { // versions never change
		return f
	}
	var items []formItem
	for _, it := range q.Def.Items {
		if it.Type != survey.TypeMetric {
			items = append(items, formItem{it.ID, it.Section, it.Cond()})
		}
	}
	b, _ := json.Marshal(items)
	f := newFragment(template.HTMLEscapeString(string(b)))
	s.formItems.put(key, "", f)
	return f
}

// StateAttr is what the questionnaire page's script needs to keep show_if
// and the progress counters live across sections, with the rules of
// survey.Progress, as the data-state attribute: every answerable item with
// its section and condition, the saved values (an N/A answer has none, as
// show_if reads it) and the items answered N/A. The
// list of items, the same on every page of a questionnaire version, comes
// escaped from the cache (formItemsJSON); only the answers are escaped
// here. HTML escaping maps each character on its own, so the pieces
// escaped apart make the whole escaped at once.
func (p responsePage) StateAttr() template.HTMLAttr {
	ids := make([]string, 0, len(p.Answers))
	for id := range p.Answers {
		ids = append(ids, id)
	}
	slices.Sort(ids) // as encoding/json writes a map's keys
	// The JSON is written out (survey.AppendJSONString) rather than
	// marshalled from a map: marshalling and escaping it were a twelfth of
	// the page's CPU (issue 15; TestStateAttrAsJSON holds the two ways to
	// the same bytes).
	answers := make([]byte, 0, 64+48*len(ids))
	answers = append(answers, '{')
	for i, id := range ids {
		if i > 0 {
			answers = append(answers, ',')
		}
		answers = survey.AppendJSONString(answers, id)
		answers = append(answers, ':')
		answers = survey.AppendJSONStrings(answers, p.Answers.Values(id))
	}
	answers = append(answers, '}')
	na := []byte{'['}
	for _, id := range ids {
		if p.Answers[id].NA {
			if len(na) > 1 {
				na = append(na, ',')
			}
			na = survey.AppendJSONString(na, id)
		}
	}
	na = append(na, ']')
	return template.HTMLAttr(`data-state="{&#34;items&#34;:` + string(p.itemsRef) + `,&#34;answers&#34;:` + escJSONAttr(answers) +
		`,&#34;na&#34;:` + escJSONAttr(na) + `}"`) // #nosec G203 -- every part is escaped
}

// jsonAttrEscaper escapes JSON as encoding/json writes it for a quoted
// attribute, as template.HTMLEscapeString would: such JSON never holds a
// raw <, >, & or NUL (it writes them \u003c, \u003e, \u0026, \u0000), so
// only the quotes are left.
var jsonAttrEscaper = strings.NewReplacer(`"`, "&#34;", "'", "&#39;")

func escJSONAttr(j []byte) string { return jsonAttrEscaper.Replace(string(j)) }

// ItemsHTML is the section's questions, each its rendering or, once
// renderQuestions has run, its fragment's placeholder: one template action
// for all of them.
func (p responsePage) ItemsHTML() template.HTML {
	var b strings.Builder
	for _, iv := range p.Items {
		b.WriteString(string(iv.HTML))
	}
	return template.HTML(b.String()) // #nosec G203 -- each part is rendered HTML or a placeholder
}

// SectionLinks is the list of the questionnaire's sections, each with its
// count of answered questions, the current one marked. It is made here
// rather than in the template: eight sections of template actions were a
// fifth of the page's rendering (issue 15). The script updates the counts
// in place (data-count, static/js/questionnaire.js).
func (p responsePage) SectionLinks(v *view) template.HTML {
	var b strings.Builder
	for _, t := range p.Sections {
		id := template.HTMLEscapeString(url.QueryEscape(t.Section.ID))
		b.WriteString("\n    <li")
		if t.Current {
			b.WriteString(` class="current"`)
		}
		b.WriteString(`><a href="?section=` + id + `"`)
		if t.Current {
			b.WriteString(` aria-current="step"`)
		}
		b.WriteString(`><span dir="auto">` + template.HTMLEscapeString(t.Section.Title(v.Lang)) + `</span> <span class="small muted" data-count="` +
			template.HTMLEscapeString(t.Section.ID) + `">` + strconv.Itoa(t.Answered) + "/" + strconv.Itoa(t.Total) + "</span></a></li>")
	}
	return template.HTML(b.String()) // #nosec G203 -- every text above is escaped
}

// ResponseTexts are the questionnaire page's messages for its script, as
// data attributes, made here for the reason SectionLinks is.
func (v *view) ResponseTexts() template.HTMLAttr {
	var b strings.Builder
	for i, kv := range [][2]string{{"saved", "autosave.saved"}, {"saving", "autosave.saving"}, {"offline", "autosave.offline"},
		{"conflict", "err.answer_conflict"}, {"error", "autosave.error"}, {"pending", "autosave.pending"},
		{"separator", "list.separator"}, {"na", "response.na"}} {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("data-" + kv[0] + `="` + template.HTMLEscapeString(v.T(kv[1])) + `"`)
	}
	b.WriteString(` data-progress-format="` + template.HTMLEscapeString(v.T("rounds.progress", "{a}", "{t}")) + `"`)
	return template.HTMLAttr(b.String()) // #nosec G203 -- every text above is escaped
}

// PrefillDefault reports whether one of the pre-fill sources is the
// default (survey.DefaultPrefillSource); without one, the respondent must
// choose.
func (p responsePage) PrefillDefault() bool {
	for _, x := range p.Prefill {
		if x.Standard {
			return true
		}
	}
	return false
}

// Percent is the share of items answered, 0–100.
func (p responsePage) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Answered * 100 / p.Total
}

func (s *Server) buildResponsePage(c *gin.Context, rc responseCtx, section string) responsePage {
	def := rc.Q.Def
	p := responsePage{Round: rc.Round, Q: rc.Q, Institution: rc.Institution, Response: rc.Response, Answers: rc.Answers, Editable: rc.Round.Editable() && rc.Response.Editable() && currentUser(c).Role != survey.RoleViewer && !rc.Late,
		items: s.formItemsJSON(rc.Q), Due: rc.Due, Late: rc.Late}
	if rc.Response.Status == "none" {
		p.Editable = false
	}
	// One pass over the items, each condition evaluated once: the counts
	// of every section (the rules of survey.Progress) and the current
	// section's questions.
	cur := 0
	tab := make(map[string]int, len(def.Sections))
	p.Sections = make([]sectionTab, len(def.Sections))
	for i, sec := range def.Sections {
		p.Sections[i] = sectionTab{Section: sec}
		tab[sec.ID] = i
		if sec.ID == section {
			cur = i
		}
	}
	if len(def.Sections) > 0 {
		p.Sections[cur].Current = true
		p.Section = def.Sections[cur]
		if cur+1 < len(def.Sections) {
			p.Next = def.Sections[cur+1].ID
		}
		// Room for the section's questions at once: an itemView holds the
		// whole item, and growing the list copied each several times
		// (8 % of what the respondent's path allocated).
		n := 0
		for _, it := range def.Items {
			if it.Section == p.Section.ID {
				n++
			}
		}
		p.Items = make([]itemView, 0, n)
	}
	for _, it := range def.Items {
		visible := rc.Answers.Visible(it)
		i, inSection := tab[it.Section]
		if it.Type != survey.TypeMetric && visible {
			a, ok := rc.Answers[it.ID]
			answered := ok && (a.NA || len(a.Values) > 0)
			p.Total++
			if answered {
				p.Answered++
			}
			if inSection {
				p.Sections[i].Total++
				if answered {
					p.Sections[i].Answered++
				}
			}
		}
		if inSection && i == cur {
			iv := itemView{Item: it, Answer: rc.Answers[it.ID], Visible: visible}
			if it.ShowIf != "" {
				iv.Cond = it.Cond().JSON()
			}
			p.Items = append(p.Items, iv)
		}
	}
	return p
}

// showResponse is the questionnaire form, one section at a time.
func (s *Server) showResponse(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	if item := c.Query("evidence"); item != "" { // a question's link to its files (question.html)
		s.redirectToEvidence(c, rc, item)
		return
	}
	p := s.buildResponsePage(c, rc, c.Query("section"))
	if c.Query("saved") == "1" {
		p.Notice = "response.saved"
	}
	if n, err := strconv.Atoi(c.Query("prefilled")); err == nil {
		p.Prefilled, p.PrefilledN = true, n
		p.PrefilledFrom = s.prefilledFrom(c, c.Query("from"))
	}
	if p.Editable && p.Answered == 0 {
		list, err := s.store.PrefillSources(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code)
		if err != nil {
			s.serverError(c, err)
			return
		}
		p.Prefill = list
	}
	v := s.newView(c, "response.title")
	v.Title = rc.Q.Title(v.Lang) + " — " + rc.Round.Name
	if err := s.addSignoffBox(c, v, rc, &p); err != nil {
		s.serverError(c, err)
		return
	}
	s.renderResponse(c, http.StatusOK, v, p)
}

// answerFromForm reads one item's fields from the plain (no JavaScript) form.
func answerFromForm(c *gin.Context, id string) survey.AnswerInput {
	in := survey.AnswerInput{ItemID: id, Values: c.PostFormArray("v." + id), NA: c.PostForm("na."+id) == "1",
		Evidence: c.PostForm("ev." + id), Comment: c.PostForm("c." + id)}
	in.BaseVersion, _ = strconv.ParseInt(c.PostForm("ver."+id), 10, 64)
	return in
}

func sameAnswer(a survey.Answer, in survey.AnswerInput) bool {
	return slices.Equal(a.Values, in.Values) && a.NA == in.NA && a.Evidence == in.Evidence && a.Comment == in.Comment
}

// saveResponseSection saves a section sent without JavaScript: every item
// whose fields changed is saved against the version the page showed. Field
// errors and other people's newer answers come back on the same section,
// with what was typed kept; nothing valid is lost.
func (s *Server) saveResponseSection(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	section := c.PostForm("section")
	actor := survey.ActorOf(*currentUser(c))
	p := s.buildResponsePage(c, rc, section)
	if rc.Late {
		s.fail(c, http.StatusConflict, "err.past_deadline")
		return
	}
	if !p.Editable {
		s.fail(c, http.StatusConflict, "err.not_editable")
		return
	}
	v := s.newView(c, "response.title")
	v.Title = rc.Q.Title(v.Lang) + " — " + rc.Round.Name
	failed := false
	for i := range p.Items {
		iv := &p.Items[i]
		if iv.Item.Type == survey.TypeMetric {
			continue
		}
		in := answerFromForm(c, iv.Item.ID)
		in.Values = trimEmpty(in.Values)
		if sameAnswer(iv.Answer, in) {
			continue
		}
		saved, err := s.store.SaveAnswer(c.Request.Context(), actor, rc.Round.ID, rc.Institution.Code, in)
		var ve *survey.ValidationError
		var ce *survey.ConflictError
		switch {
		case err == nil:
			iv.Answer = saved
		case errors.As(err, &ve):
			failed = true
			iv.Error = firstMessage(v, ve)
			iv.Answer = survey.Answer{ItemID: in.ItemID, Values: in.Values, NA: in.NA, Evidence: in.Evidence, Comment: in.Comment, Version: in.BaseVersion}
		case errors.As(err, &ce):
			failed = true
			iv.Error = v.T("err.answer_conflict")
			other := ce.Current
			iv.Other = &other
			iv.Answer = survey.Answer{ItemID: in.ItemID, Values: in.Values, NA: in.NA, Evidence: in.Evidence, Comment: in.Comment, Version: other.Version}
		default:
			s.failErr(c, err)
			return
		}
	}
	if failed {
		s.renderResponse(c, http.StatusUnprocessableEntity, v, p)
		return
	}
	next := p.Section.ID
	if c.PostForm("go") == "next" && p.Next != "" {
		next = p.Next
	}
	c.Redirect(http.StatusSeeOther, responseURL(v.Lang, rc)+"?section="+next+"&saved=1")
}

func responseURL(lang string, rc responseCtx) string {
	return "/" + lang + "/rounds/" + strconv.FormatInt(rc.Round.ID, 10) + "/responses/" + rc.Institution.Code
}

func trimEmpty(vals []string) []string {
	out := []string{}
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// firstMessage is the translated message of a validation error's first field.
func firstMessage(v *view, ve *survey.ValidationError) string {
	for _, f := range []string{"value", "comment", "evidence"} {
		if k, ok := ve.Fields[f]; ok {
			return v.T(k)
		}
	}
	for _, k := range ve.Fields {
		return v.T(k)
	}
	return ""
}

// submitResponse sends the response for review: every required visible item
// must be answered; otherwise the page lists what is missing.
func (s *Server) submitResponse(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	_, err := s.store.ResponseAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, "submit")
	var inc *survey.ErrIncomplete
	switch {
	case errors.As(err, &inc):
		if rc.Answers, err = s.store.Answers(c.Request.Context(), rc.Response.ID); err != nil {
			s.serverError(c, err)
			return
		}
		p := s.buildResponsePage(c, rc, c.PostForm("section"))
		for _, id := range inc.Items {
			if it, ok := rc.Q.Def.Item(id); ok {
				p.Missing = append(p.Missing, it)
			}
		}
		v := s.newView(c, "response.title")
		v.Title = rc.Q.Title(v.Lang) + " — " + rc.Round.Name
		s.renderResponse(c, http.StatusUnprocessableEntity, v, p)
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, responseURL(lang(c), rc)+"?submitted=1")
}
