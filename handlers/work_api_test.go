package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// Tests of the API for a response and what follows it (work_api.go,
// teams_api.go, evidence_api.go): for each capability the way through,
// another institution's refusal, the state's refusal (409), bad input
// (422 with fields), and the page showing what the API wrote. Every API
// answer is checked against docs/openapi.yaml by the test server's tap.

// apiWorkSetup adds the matrix's objects for these routes (authz_test.go).
func (e *authzEnv) apiWorkSetup(actor survey.Actor, set func(string, int64)) {
	list, err := e.st.Obstacles(e.ctx, false)
	e.must(err, "obstacles")
	if len(list) == 0 {
		e.t.Fatal("no obstacle in the demo")
	}
	set("obstacle", list[0].ID)
	p, err := e.st.CreatePlanAction(e.ctx, actor, e.id("r2025"), "MOH", survey.PlanInput{TextAr: "إجراء مؤقت", Owner: "مدير تكنولوجيا المعلومات", TargetRound: "2026"})
	e.must(err, "planDeleteAPI")
	set("planDeleteAPI", p.ID)
	story, err := e.st.CreateInitiative(e.ctx, actor, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: "قصة للمراجعة عبر الواجهة",
		Status: "done", BudgetBand: "lt_100k", StartMonth: "2025-01", Story: true, StoryAr: "قصة قصيرة.",
		FigureLabelAr: "طلبات", FigureBefore: "0", FigureAfter: "10"})
	e.must(err, "storyPendingAPI")
	set("storyPendingAPI", story.ID)
	body := authzEvidenceText + " evidenceDetachAPI"
	l, err := e.st.AttachEvidence(e.ctx, actor, e.id("open"), "MOH", survey.EvidenceInput{ItemID: e.item, Title: "evidenceDetachAPI",
		Filename: "evidenceDetachAPI.txt", File: survey.EvidenceFile{SHA256: sha256Hex(body), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
		Body: strings.NewReader(body)})
	e.must(err, "evidenceDetachAPI")
	set("evidenceDetachAPI", l.ID)
	e.ids["section"] = e.q.Def.Sections[0].ID
}

// obstacleJSON is the matrix's obstacle as a read returns it.
func (e *authzEnv) obstacleJSON() string {
	list, err := e.st.Obstacles(e.ctx, true)
	e.must(err, "obstacles")
	for _, o := range list {
		if o.ID == e.id("obstacle") {
			b, _ := json.Marshal(o)
			return string(b)
		}
	}
	e.t.Fatal("obstacle gone")
	return ""
}

// obstacleRatingsJSON clears A's obstacles, from the version stored now.
func (e *authzEnv) obstacleRatingsJSON() string {
	var version int64
	if resp, err := e.st.Response(e.ctx, e.id("open"), "MOH"); err == nil {
		cur, err := e.st.ResponseObstacles(e.ctx, resp.ID)
		e.must(err, "response obstacles")
		version = cur.Version
	}
	return fmt.Sprintf(`{"ratings":[],"version":%d}`, version)
}

// planJSON is a plan action as a read returns it.
func (e *authzEnv) planJSON(key string) string {
	p, err := e.st.PlanAction(e.ctx, e.id(key))
	e.must(err, key)
	b, _ := json.Marshal(p)
	return string(b)
}

// storyDecisionJSON approves a story at its current version.
func (e *authzEnv) storyDecisionJSON(key string) string {
	in, err := e.st.Initiative(e.ctx, e.id(key))
	e.must(err, key)
	return fmt.Sprintf(`{"decision":"approve","version":%d}`, in.Version)
}

// workAPI is a test server with a token per demo account.
type workAPI struct {
	t      *testing.T
	ts     *httptest.Server
	st     *sqlstore.Store
	tokens map[string]string
	open   string // the open round's id
}

func newWorkAPI(t *testing.T) *workAPI {
	ts, st := startServer(t)
	return &workAPI{t: t, ts: ts, st: st, tokens: map[string]string{}, open: strconv.FormatInt(openRoundID(t, st), 10)}
}

// call makes an API call as the account (by e-mail) with a JSON body.
func (w *workAPI) call(who, method, path, body string) response {
	w.t.Helper()
	if w.tokens[who] == "" {
		w.tokens[who] = apiToken(w.t, w.ts, who)
	}
	return apiCall(w.t, w.ts, method, path, w.tokens[who], body)
}

// decode reads a JSON answer into dst.
func decode(t *testing.T, r response, dst any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), dst); err != nil {
		t.Fatalf("answer %d not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// page signs in as who and reads a page.
func (w *workAPI) page(who, path string) response {
	w.t.Helper()
	c := newClient(w.t, w.ts)
	c.signIn("ar", who, survey.DemoPassword)
	r := c.get(path)
	assertStatus(w.t, r, http.StatusOK)
	return r
}

// wantFields checks a 422 naming the fields given.
func wantFields(t *testing.T, r response, fields ...string) {
	t.Helper()
	assertStatus(t, r, http.StatusUnprocessableEntity)
	e := assertAPIError(t, r, "validation")
	for _, f := range fields {
		if e.Fields[f] == "" {
			t.Errorf("422 without field %q: %+v", f, e.Fields)
		}
	}
}

const (
	acctMOH    = "moh@example.ps"
	acctMOI    = "moi@example.ps"
	acctAdmin  = "admin@example.ps"
	acctViewer = "viewer@example.ps"
	acctHead   = "moh-head@example.ps"
)

func TestAPIObstacles(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	base := "/api/v1/rounds/" + w.open + "/responses/MOH/obstacles"

	var list listJSON[survey.Obstacle]
	r := w.call(acctViewer, http.MethodGet, "/api/v1/obstacles?per_page=2", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &list)
	if list.Total < 3 || len(list.Items) != 2 || list.PerPage != 2 {
		t.Fatalf("obstacles page %+v", list)
	}
	o1 := list.Items[0]

	var got obstaclesOut
	r = w.call(acctMOH, http.MethodGet, base, "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &got)
	if !got.Editable {
		t.Fatal("MOH's open response: obstacles not editable")
	}
	// MOI may neither read nor change MOH's.
	assertStatus(t, w.call(acctMOI, http.MethodGet, base, ""), http.StatusForbidden)
	r = w.call(acctMOI, http.MethodPut, base, fmt.Sprintf(`{"ratings":[{"obstacle":%d,"severity":2}],"version":%d}`, o1.ID, got.Version))
	assertStatus(t, r, http.StatusForbidden)
	// Bad severity: 422 naming the obstacle.
	r = w.call(acctMOH, http.MethodPut, base, fmt.Sprintf(`{"ratings":[{"obstacle":%d,"severity":7}],"version":%d}`, o1.ID, got.Version))
	wantFields(t, r, fmt.Sprintf("obstacle_%d", o1.ID))
	// The same obstacle twice: 422 naming it.
	r = w.call(acctMOH, http.MethodPut, base, fmt.Sprintf(`{"ratings":[{"obstacle":%d,"severity":1},{"obstacle":%d,"severity":0}],"version":%d}`, o1.ID, o1.ID, got.Version))
	wantFields(t, r, fmt.Sprintf("obstacle_%d", o1.ID))
	// What GET returned, changed, goes back as it is (editable ignored).
	got.Ratings = []obstacleRating{{o1.ID, 2}}
	b, _ := json.Marshal(got)
	r = w.call(acctMOH, http.MethodPut, base, string(b))
	assertStatus(t, r, http.StatusOK)
	var saved obstaclesOut
	decode(t, r, &saved)
	if saved.Version != got.Version+1 || len(saved.Ratings) != 1 || saved.Ratings[0] != (obstacleRating{o1.ID, 2}) {
		t.Fatalf("saved %+v after %+v", saved, got)
	}
	// The old version again: 409 with the set as it is now.
	r = w.call(acctMOH, http.MethodPut, base, string(b))
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "conflict")
	if !strings.Contains(r.Body, fmt.Sprintf(`"current":{"ratings":[{"obstacle":%d,"severity":2}]`, o1.ID)) {
		t.Errorf("conflict without the current set: %s", r.Body)
	}
	// The page shows what the API wrote.
	p := w.page(acctMOH, "/ar/rounds/"+w.open+"/responses/MOH/obstacles")
	assertContains(t, p.Body, fmt.Sprintf(`name="o_%d" value="2" checked`, o1.ID))
	// A published round's response takes no change: 409.
	r = w.call(acctMOH, http.MethodPut, "/api/v1/rounds/"+roundIDByName(t, w.st, "2025")+"/responses/MOH/obstacles", `{"ratings":[],"version":0}`)
	assertStatus(t, r, http.StatusConflict)

	// The coordinator's list: add, then change with the version read.
	r = w.call(acctMOH, http.MethodPost, "/api/v1/obstacles", `{"code":"api_x","kind":"internal","label_ar":"معيق","position":9,"active":true}`)
	assertStatus(t, r, http.StatusForbidden)
	r = w.call(acctAdmin, http.MethodPost, "/api/v1/obstacles", `{"code":"api_x","kind":"internal","label_ar":"English only","position":9,"active":true}`)
	wantFields(t, r, "label_ar")
	r = w.call(acctAdmin, http.MethodPost, "/api/v1/obstacles", `{"code":"api_x","kind":"internal","label_ar":"ضعف الربط بين الأنظمة","position":9,"active":true}`)
	assertStatus(t, r, http.StatusCreated)
	var made survey.Obstacle
	decode(t, r, &made)
	made.LabelEn = "Weak links between systems"
	b, _ = json.Marshal(made)
	r = w.call(acctAdmin, http.MethodPut, "/api/v1/obstacles/"+strconv.FormatInt(made.ID, 10), string(b))
	assertStatus(t, r, http.StatusOK)
	r = w.call(acctAdmin, http.MethodPut, "/api/v1/obstacles/"+strconv.FormatInt(made.ID, 10), string(b))
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "conflict")
	p = w.page(acctAdmin, "/en/admin/obstacles")
	assertContains(t, p.Body, "Weak links between systems")
}

func TestAPIPlans(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	r2025 := roundIDByName(t, w.st, "2025")
	plan := "/api/v1/rounds/" + r2025 + "/plans/MOH"

	r := w.call(acctMOH, http.MethodPost, plan, `{"text_ar":"ربط خدمة الشهادات بالدفع الإلكتروني","target_round":"2026"}`)
	wantFields(t, r, "owner")
	assertStatus(t, w.call(acctMOI, http.MethodPost, plan, `{"text_ar":"إجراء","owner":"س","target_round":"2026"}`), http.StatusForbidden)
	r = w.call(acctMOH, http.MethodPost, plan, `{"text_ar":"ربط خدمة الشهادات بالدفع الإلكتروني","owner":"مدير تكنولوجيا المعلومات","target_round":"2026"}`)
	assertStatus(t, r, http.StatusCreated)
	var a survey.PlanAction
	decode(t, r, &a)
	if a.Outcome == "" || a.InstitutionCode != "MOH" || r.Header.Get("Location") != "/api/v1/plans/"+strconv.FormatInt(a.ID, 10) {
		t.Fatalf("created %+v at %q", a, r.Header.Get("Location"))
	}
	one := "/api/v1/plans/" + strconv.FormatInt(a.ID, 10)

	// PUT takes what GET returned.
	r = w.call(acctViewer, http.MethodGet, one, "")
	assertStatus(t, r, http.StatusOK)
	var read map[string]any
	decode(t, r, &read)
	read["owner"] = "وحدة التحول الرقمي"
	b, _ := json.Marshal(read)
	r = w.call(acctMOH, http.MethodPut, one, string(b))
	assertStatus(t, r, http.StatusOK)
	// A stale version: 409 with the current action; MOI: 403.
	r = w.call(acctMOH, http.MethodPut, one, string(b))
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "conflict")
	assertStatus(t, w.call(acctMOI, http.MethodPut, one, string(b)), http.StatusForbidden)
	assertStatus(t, w.call(acctMOI, http.MethodGet, one, ""), http.StatusForbidden)
	// PATCH must name its version.
	wantFields(t, w.call(acctMOH, http.MethodPatch, one, `{"progress":"done"}`), "version")
	r = w.call(acctMOH, http.MethodPatch, one, fmt.Sprintf(`{"progress":"in_progress","progress_note":"بدأ العمل","version":%d}`, int(read["version"].(float64))+1))
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &a)
	if a.Owner != "وحدة التحول الرقمي" || a.Progress != "in_progress" {
		t.Fatalf("patched %+v", a)
	}
	wantFields(t, w.call(acctMOH, http.MethodPatch, one, fmt.Sprintf(`{"progress":"maybe","version":%d}`, a.Version)), "progress")

	// The lists: MOI sees only its own; the coordinator, everyone's.
	var page listJSON[survey.PlanAction]
	decode(t, w.call(acctMOI, http.MethodGet, "/api/v1/rounds/"+r2025+"/plans", ""), &page)
	for _, x := range page.Items {
		if x.InstitutionCode != "MOI" {
			t.Errorf("MOI's list holds %s's action", x.InstitutionCode)
		}
	}
	assertStatus(t, w.call(acctMOI, http.MethodGet, plan, ""), http.StatusForbidden)
	decode(t, w.call(acctAdmin, http.MethodGet, plan+"?per_page=1000", ""), &page)
	found := false
	for _, x := range page.Items {
		found = found || x.ID == a.ID
	}
	if !found || page.Total != len(page.Items) {
		t.Errorf("MOH's plan %+v lacks action %d", page, a.ID)
	}
	// The plan page shows what the API wrote.
	p := w.page(acctMOH, "/ar/rounds/"+r2025+"/plans/MOH")
	assertContains(t, p.Body, "وحدة التحول الرقمي", "بدأ العمل")

	// A draft round takes no plan: 409 (the coordinator sees drafts).
	ctx := context.Background()
	open, _ := strconv.ParseInt(w.open, 10, 64)
	round, _ := w.st.Round(ctx, open)
	users, _ := w.st.ListUsers(ctx)
	var adminID int64
	for _, u := range users {
		if u.Email == acctAdmin {
			adminID = u.ID
		}
	}
	draft, err := w.st.CreateRound(ctx, adminID, survey.RoundInput{Name: "plans-draft", QuestionnaireID: round.QuestionnaireID})
	if err != nil {
		t.Fatal(err)
	}
	r = w.call(acctAdmin, http.MethodPost, "/api/v1/rounds/"+strconv.FormatInt(draft.ID, 10)+"/plans/MOH", `{"text_ar":"إجراء","owner":"س","target_round":"2026"}`)
	assertStatus(t, r, http.StatusConflict)

	assertStatus(t, w.call(acctMOH, http.MethodDelete, one, ""), http.StatusNoContent)
	assertStatus(t, w.call(acctMOH, http.MethodGet, one, ""), http.StatusNotFound)
}

func TestAPIStoryReview(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	ctx := context.Background()
	story, err := w.st.CreateInitiative(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.InitiativeInput{InstitutionCode: "MOH",
		TitleAr: "حجز المواعيد عبر الهاتف", Status: "done", BudgetBand: "lt_100k", StartMonth: "2025-01", Story: true,
		StoryAr: "صار حجز المواعيد ممكناً دون زيارة.", FigureLabelAr: "مواعيد شهرياً", FigureBefore: "0", FigureAfter: "900"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(story.ID, 10)
	decide := "/api/v1/initiatives/" + id + "/story"

	var queue listJSON[survey.Initiative]
	r := w.call(acctAdmin, http.MethodGet, "/api/v1/stories/pending?per_page=1000", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &queue)
	found := false
	for _, in := range queue.Items {
		found = found || in.ID == story.ID
	}
	if !found {
		t.Fatalf("the queue lacks story %d: %s", story.ID, r.Body)
	}
	assertStatus(t, w.call(acctMOH, http.MethodGet, "/api/v1/stories/pending", ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodPost, decide, fmt.Sprintf(`{"decision":"approve","version":%d}`, story.Version)), http.StatusForbidden)

	wantFields(t, w.call(acctAdmin, http.MethodPost, decide, fmt.Sprintf(`{"decision":"reject","version":%d}`, story.Version)), "review_note")
	wantFields(t, w.call(acctAdmin, http.MethodPost, decide, fmt.Sprintf(`{"decision":"maybe","version":%d}`, story.Version)), "decision")
	r = w.call(acctAdmin, http.MethodPost, decide, fmt.Sprintf(`{"decision":"approve","version":%d}`, story.Version-1))
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "conflict")
	// Not public before approval, public after.
	assertStatus(t, newClient(t, w.ts).get("/ar/stories/"+id), http.StatusNotFound)
	r = w.call(acctAdmin, http.MethodPost, decide, fmt.Sprintf(`{"decision":"approve","version":%d,"review_note":""}`, story.Version))
	assertStatus(t, r, http.StatusOK)
	var out survey.Initiative
	decode(t, r, &out)
	if out.StoryStatus != survey.StoryApproved {
		t.Fatalf("story after approval: %+v", out)
	}
	r = newClient(t, w.ts).get("/ar/stories/" + id)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "حجز المواعيد عبر الهاتف")
	// Decided already: 409.
	r = w.call(acctAdmin, http.MethodPost, decide, fmt.Sprintf(`{"decision":"reject","version":%d,"review_note":"لا"}`, out.Version))
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "story_decided")
}

// submittedCode is an institution whose response in the open round is
// submitted in the demo (not MOH or MOI).
func submittedCode(t *testing.T, st *sqlstore.Store, open int64) string {
	t.Helper()
	list, err := st.ListInstitutions(context.Background(), survey.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if resp, err := st.Response(context.Background(), open, in.Code); err == nil && resp.Status == survey.ResponseSubmitted &&
			in.Code != "MOH" && in.Code != "MOI" {
			return in.Code
		}
	}
	t.Fatal("no submitted response in the open round")
	return ""
}

func TestAPIReviewMarks(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	open, _ := strconv.ParseInt(w.open, 10, 64)
	code := submittedCode(t, w.st, open)
	base := "/api/v1/rounds/" + w.open + "/responses/" + code

	var marks listJSON[reviewMarkOut]
	r := w.call(acctAdmin, http.MethodGet, base+"/review?per_page=1000", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &marks)
	var answered []string
	for _, m := range marks.Items {
		if m.Answered {
			answered = append(answered, m.Item)
		}
	}
	if len(answered) < 2 {
		t.Fatalf("%s has %d answered items", code, len(answered))
	}
	assertStatus(t, w.call(acctMOH, http.MethodGet, base+"/review", ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodPut, "/api/v1/rounds/"+w.open+"/responses/MOH/review", `{"marks":[]}`), http.StatusForbidden)

	// Issues need a comment; an unknown item is refused by name.
	r = w.call(acctAdmin, http.MethodPut, base+"/review", `{"marks":[{"item":"`+answered[0]+`","status":"issues","comment":""},{"item":"NOPE","status":"approved"}]}`)
	wantFields(t, r, answered[0], "NOPE")
	// A read's mark goes back as it was read (section, answered ignored).
	r = w.call(acctAdmin, http.MethodPut, base+"/review", `{"marks":[{"item":"`+answered[0]+`","status":"issues","comment":"أرفقوا رابط الخدمة","section":"x","answered":true}]}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "أرفقوا رابط الخدمة")
	// A draft takes no mark: 409.
	r = w.call(acctAdmin, http.MethodPut, "/api/v1/rounds/"+w.open+"/responses/MOH/review", `{"marks":[{"item":"`+answered[0]+`","status":"approved"}]}`)
	assertStatus(t, r, http.StatusConflict)
	// The review page shows the API's mark and comment.
	p := w.page(acctAdmin, "/ar/admin/rounds/"+w.open+"/responses/"+code)
	assertContains(t, p.Body, `name="r.`+answered[0]+`" value="issues" checked`, "أرفقوا رابط الخدمة")

	// An unknown action is not found, not a refused move.
	assertStatus(t, w.call(acctAdmin, http.MethodPost, base+"/frobnicate", ""), http.StatusNotFound)
	// Returning carries the reviewer's comment, as the review form does;
	// a refused mark moves nothing.
	r = w.call(acctAdmin, http.MethodPost, base+"/return", `{"marks":[{"item":"`+answered[1]+`","status":"issues"}]}`)
	wantFields(t, r, answered[1])
	r = w.call(acctAdmin, http.MethodPost, base+"/return", `{"marks":[{"item":"`+answered[1]+`","status":"issues","comment":"الرقم لا يطابق التقرير السنوي"}]}`)
	assertStatus(t, r, http.StatusOK)
	var resp survey.Response
	decode(t, r, &resp)
	if resp.Status != survey.ResponseReturned {
		t.Fatalf("after return: %+v", resp)
	}
	r = w.call(acctAdmin, http.MethodGet, base, "")
	assertContains(t, r.Body, "الرقم لا يطابق التقرير السنوي")
	// Returned: no second return (409).
	assertStatus(t, w.call(acctAdmin, http.MethodPost, base+"/return", ""), http.StatusConflict)
}

func TestAPITeams(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	ctx := context.Background()
	open, _ := strconv.ParseInt(w.open, 10, 64)
	base := "/api/v1/rounds/" + w.open + "/responses/MOH"

	// Assignments: MOH's focal point assigns a section to a colleague.
	var sections listJSON[assignmentJSON]
	r := w.call(acctMOH, http.MethodGet, base+"/assignments", "")
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &sections)
	if len(sections.Items) == 0 || sections.Items[0].AssignedAt != nil && sections.Items[0].UserID == 0 {
		t.Fatalf("sections %+v", sections)
	}
	colleagues, err := w.st.Colleagues(ctx, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	var colleague survey.User
	for _, u := range colleagues {
		if u.Active && u.Email != acctMOH {
			colleague = u
		}
	}
	moi, _ := w.st.Colleagues(ctx, "MOI")
	sec := sections.Items[0]
	one := base + "/assignments/" + sec.Section
	assertStatus(t, w.call(acctMOI, http.MethodGet, base+"/assignments", ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOI, http.MethodPut, one, `{"user_id":0}`), http.StatusForbidden)
	wantFields(t, w.call(acctMOH, http.MethodPut, one, fmt.Sprintf(`{"user_id":%d}`, moi[0].ID)))
	sec.UserID = colleague.ID
	b, _ := json.Marshal(sec)
	r = w.call(acctMOH, http.MethodPut, one, string(b))
	assertStatus(t, r, http.StatusOK)
	var got assignmentJSON
	decode(t, r, &got)
	if got.UserID != colleague.ID || got.AssignedAt == nil {
		t.Fatalf("assigned %+v", got)
	}
	p := w.page(acctMOH, "/ar/rounds/"+w.open+"/responses/MOH/assignments")
	assertContains(t, p.Body, fmt.Sprintf(`value="%d" selected`, colleague.ID))

	// Sign-off: not required in this round yet (409).
	assertStatus(t, w.call(acctMOH, http.MethodPost, base+"/signoff/request", ""), http.StatusConflict)
	users, _ := w.st.ListUsers(ctx)
	var adminID int64
	for _, u := range users {
		if u.Email == acctAdmin {
			adminID = u.ID
		}
	}
	if _, err := w.st.SetRoundSignoff(ctx, adminID, open, true); err != nil {
		t.Fatal(err)
	}
	r = w.call(acctMOH, http.MethodPost, base+"/signoff/request", "")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertAPIError(t, r, "incomplete")
	answerRequired(t, w.st, open, "MOH")
	assertStatus(t, w.call(acctMOI, http.MethodPost, base+"/signoff/request", ""), http.StatusForbidden)
	r = w.call(acctMOH, http.MethodPost, base+"/signoff/request", "")
	assertStatus(t, r, http.StatusOK)
	var so signoffJSON
	decode(t, r, &so)
	if so.State != survey.SignoffPending || so.CanDecide || so.RequestedAt == nil || so.At != nil {
		t.Fatalf("after the request: %+v", so)
	}
	decode(t, w.call(acctHead, http.MethodGet, base+"/signoff", ""), &so)
	if !so.CanDecide {
		t.Fatalf("the head may not decide: %+v", so)
	}
	// Only the head decides; sending back needs a comment.
	assertStatus(t, w.call(acctMOH, http.MethodPost, base+"/signoff/approve", ""), http.StatusForbidden)
	wantFields(t, w.call(acctHead, http.MethodPost, base+"/signoff/send-back", `{"comment":""}`), "comment")
	r = w.call(acctHead, http.MethodPost, base+"/signoff/send-back", `{"comment":"راجعوا أرقام المحور الأول"}`)
	assertStatus(t, r, http.StatusOK)
	decode(t, r, &so)
	if so.State != survey.SignoffSentBack || so.Comment != "راجعوا أرقام المحور الأول" {
		t.Fatalf("after sending back: %+v", so)
	}
	p = w.page(acctMOH, "/ar/rounds/"+w.open+"/responses/MOH/signoff")
	assertContains(t, p.Body, "راجعوا أرقام المحور الأول")
	// Sent back: nothing waits, so approving is a refused move (409).
	assertStatus(t, w.call(acctHead, http.MethodPost, base+"/signoff/approve", ""), http.StatusConflict)
	assertStatus(t, w.call(acctMOH, http.MethodPost, base+"/signoff/request", ""), http.StatusOK)
	r = w.call(acctHead, http.MethodPost, base+"/signoff/approve", "")
	assertStatus(t, r, http.StatusOK)
	var resp survey.Response
	decode(t, r, &resp)
	if resp.Status != survey.ResponseSubmitted {
		t.Fatalf("after approval: %+v", resp)
	}
}

// apiUpload is a multipart upload of one file with the form's fields.
func apiUpload(t *testing.T, w *workAPI, who, path string, fields map[string]string, name string, content []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	if w.tokens[who] == "" {
		w.tokens[who] = apiToken(t, w.ts, who)
	}
	req, _ := http.NewRequest(http.MethodPost, w.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	return newClient(t, w.ts).do(req)
}

func TestAPIEvidence(t *testing.T) {
	t.Parallel()
	w := newWorkAPI(t)
	base := "/api/v1/rounds/" + w.open + "/responses/MOH/evidence"
	q, err := w.st.Questionnaire(context.Background(), func() int64 {
		open, _ := strconv.ParseInt(w.open, 10, 64)
		r, _ := w.st.Round(context.Background(), open)
		return r.QuestionnaireID
	}())
	if err != nil {
		t.Fatal(err)
	}
	item := ""
	for _, it := range q.Def.Items {
		if it.Type != survey.TypeMetric {
			item = it.ID
			break
		}
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

	// MOI is refused before its body is read; a JSON body is 415.
	r := apiUpload(t, w, acctMOI, base, map[string]string{"item": item}, "x.pdf", pdf)
	assertStatus(t, r, http.StatusForbidden)
	r = w.call(acctMOH, http.MethodPost, base, `{"item":"`+item+`"}`)
	assertStatus(t, r, http.StatusUnsupportedMediaType)
	// No file, or an unknown question: 422 naming the field.
	wantFields(t, apiUpload(t, w, acctMOH, base, map[string]string{"item": item}, "", nil), "file")
	wantFields(t, apiUpload(t, w, acctMOH, base, map[string]string{"item": "NOPE"}, "x.pdf", pdf), "item")
	// Not a document: 415.
	r = apiUpload(t, w, acctMOH, base, map[string]string{"item": item}, "x.pdf", []byte("<html><script>alert(1)</script></html>"))
	assertStatus(t, r, http.StatusUnsupportedMediaType)
	assertAPIError(t, r, "bad_type")

	r = apiUpload(t, w, acctMOH, base, map[string]string{"item": item, "title": "محضر اجتماع اللجنة"}, "minutes.pdf", pdf)
	assertStatus(t, r, http.StatusCreated)
	var f evidenceJSON
	decode(t, r, &f)
	if f.Item != item || f.ContentType != "application/pdf" || f.Size != int64(len(pdf)) || r.Header.Get("Location") != base+"/"+strconv.FormatInt(f.ID, 10) {
		t.Fatalf("attached %+v at %q", f, r.Header.Get("Location"))
	}
	var list listJSON[evidenceJSON]
	decode(t, w.call(acctMOH, http.MethodGet, base+"?per_page=1000", ""), &list)
	found := false
	for _, x := range list.Items {
		found = found || x.ID == f.ID
	}
	if !found {
		t.Fatalf("the list lacks file %d", f.ID)
	}
	assertStatus(t, w.call(acctMOI, http.MethodGet, base, ""), http.StatusForbidden)
	assertStatus(t, w.call(acctViewer, http.MethodGet, base, ""), http.StatusForbidden)
	r = w.call(acctMOH, http.MethodGet, base+"/"+strconv.FormatInt(f.ID, 10), "")
	assertStatus(t, r, http.StatusOK)
	if r.Body != string(pdf) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %v %q", r.Header, r.Body)
	}
	p := w.page(acctMOH, "/ar/rounds/"+w.open+"/responses/MOH/evidence")
	assertContains(t, p.Body, "محضر اجتماع اللجنة")
	// A published round takes no file: 409 before the body is read.
	r = apiUpload(t, w, acctMOH, "/api/v1/rounds/"+roundIDByName(t, w.st, "2025")+"/responses/MOH/evidence", map[string]string{"item": item}, "x.pdf", pdf)
	assertStatus(t, r, http.StatusConflict)

	// The coordinator's file limit holds for the API too: 413.
	if err := w.st.SetEvidenceLimits(context.Background(), survey.Actor{Role: survey.RoleAdmin}, survey.EvidenceLimits{FileBytes: 64, RoundBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	r = apiUpload(t, w, acctMOH, base, map[string]string{"item": item}, "big.pdf", append(pdf, bytes.Repeat([]byte("%"), 64)...))
	assertStatus(t, r, http.StatusRequestEntityTooLarge)
	assertAPIError(t, r, "too_big")

	assertStatus(t, w.call(acctMOI, http.MethodDelete, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusForbidden)
	assertStatus(t, w.call(acctMOH, http.MethodDelete, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusNoContent)
	assertStatus(t, w.call(acctMOH, http.MethodGet, base+"/"+strconv.FormatInt(f.ID, 10), ""), http.StatusNotFound)
}
