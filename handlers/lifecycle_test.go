package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// lateRound opens a round on the demo's questionnaire whose deadline was
// the day before yesterday (Palestine time): it is past for everyone.
func lateRound(t *testing.T, st *sqlstore.Store, name string) survey.Round {
	t.Helper()
	ctx := context.Background()
	open, err := st.Round(ctx, openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().In(survey.DeadlineZone).AddDate(0, 0, -2).Format(survey.DateLayout)
	r, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: open.QuestionnaireID, Deadline: deadline})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = st.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	return r
}

// auditActions are the actions of the audit events on key, oldest first.
func auditActions(t *testing.T, st *sqlstore.Store, key string) []string {
	t.Helper()
	var out []string
	err := st.EachAuditEvent(context.Background(), func(e survey.AuditEvent) error {
		if e.EntityKey == key {
			out = append(out, e.Action)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeadlineThroughTheRouter: after the deadline a respondent's every
// way of saving or submitting is refused with the message in their
// language, and the pages say so; an extension granted on the board opens
// the institution's response again, and revoking it closes it.
func TestDeadlineThroughTheRouter(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	r := lateRound(t, st, "2026-late")
	id := strconv.FormatInt(r.ID, 10)
	page := "/ar/rounds/" + id + "/responses/MOH"
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	token := apiToken(t, ts, "moh@example.ps")
	q, err := st.Questionnaire(context.Background(), r.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	item := q.Def.Items[0].ID

	got := moh.get(page)
	assertStatus(t, got, http.StatusOK)
	assertTranslated(t, got.Body)
	assertContains(t, got.Body, "انقضى الموعد النهائي: لم يعد بالإمكان حفظ الإجابات أو إرسالها", r.Deadline, "بتوقيت فلسطين")
	if strings.Contains(got.Body, "data-editable") || strings.Contains(got.Body, `/submit"`) {
		t.Error("the questionnaire page offers editing after the deadline")
	}

	// Autosave (the page's PUT), in the page's language.
	for lang, msg := range map[string]string{"ar": "انقضى الموعد النهائي لهذه الجولة", "en": "The deadline of this round has passed"} {
		req, _ := http.NewRequest(http.MethodPut, ts.URL+"/api/v1/rounds/"+id+"/responses/MOH/answers/"+url.PathEscape(item),
			strings.NewReader(`{"values":["1"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Language", lang)
		res := newClient(t, ts).do(req)
		assertStatus(t, res, http.StatusConflict)
		if e := assertAPIError(t, res, "past_deadline"); !strings.Contains(e.Message, msg) {
			t.Errorf("%s message %q, want %q", lang, e.Message, msg)
		}
	}
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/responses/MOH/answers", token,
		`[{"item":"`+item+`","values":["1"]}]`), "past_deadline")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/submit", token, ""), "past_deadline")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/prefill", token, `{}`), "past_deadline")
	var resp struct {
		Due struct {
			Deadline string `json:"deadline"`
			Passed   bool   `json:"passed"`
		} `json:"due"`
	}
	if err := json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/responses/MOH", token, "").Body), &resp); err != nil ||
		resp.Due.Deadline != r.Deadline || !resp.Due.Passed {
		t.Errorf("API response due %+v, %v", resp.Due, err)
	}
	// The pages' forms: a section, submit, pre-fill, an offline sheet.
	for path, form := range map[string]url.Values{
		page:              {"section": {q.Def.Items[0].Section}, "v." + item: {"1"}, "ver." + item: {"0"}},
		page + "/submit":  {},
		page + "/prefill": {},
	} {
		res := moh.post(path, form, "/ar/work")
		assertStatus(t, res, http.StatusConflict)
		assertContains(t, res.Body, "انقضى الموعد النهائي لهذه الجولة")
	}
	res := moh.upload(page+"/xlsx", "/ar/work", "sheet.xlsx", []byte("not read"))
	assertStatus(t, res, http.StatusConflict)
	assertContains(t, res.Body, "انقضى الموعد النهائي لهذه الجولة")
	work := moh.get("/ar/work")
	assertContains(t, work.Body, "انقضى الموعد منذ يومين", "لم يعد بالإمكان حفظ الإجابات")
	if resp, err := st.Response(context.Background(), r.ID, "MOH"); err == nil {
		if a, _ := st.Answers(context.Background(), resp.ID); len(a) != 0 {
			t.Errorf("answers stored after the deadline: %v", a)
		}
	}

	// The coordinator extends it for MOH on the board.
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	board := "/ar/admin/rounds/" + id
	ext := board + "/extensions/MOH"
	assertContains(t, admin.get(board).Body, `href="`+ext+`"`)
	bad := admin.post(ext, url.Values{"until": {r.Deadline}}, ext)
	assertStatus(t, bad, http.StatusUnprocessableEntity)
	assertContains(t, bad.Body, "اختر يوماً بعد الموعد النهائي للجولة")
	until := time.Now().In(survey.DeadlineZone).AddDate(0, 0, 5).Format(survey.DateLayout)
	assertStatus(t, admin.post(ext, url.Values{"until": {until}, "reason": {"طلب مكتوب من الوزارة"}}, ext), http.StatusSeeOther)
	assertContains(t, admin.get(ext+"?saved=1").Body, until, "طلب مكتوب من الوزارة", "admin@example.ps")
	assertContains(t, admin.get(board).Body, "مُدِّد حتى <bdi dir=\"ltr\">"+until+"</bdi>", "مؤسسة واحدة لديها تمديد.")
	if a := auditActions(t, st, r.Name+"/MOH"); len(a) != 1 || a[0] != "extend" {
		t.Errorf("audit of MOH's extension: %v", a)
	}
	got = moh.get(page)
	assertContains(t, got.Body, "data-editable", "مُدِّد حتى <bdi dir=\"ltr\">"+until+"</bdi> لهذه المؤسسة", "بقيت 5 أيام")
	res = apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/responses/MOH/answers/"+url.PathEscape(item), token, `{"values":["1"]}`)
	if res.Status != http.StatusOK && res.Status != http.StatusUnprocessableEntity { // saved, or a value this item refuses
		t.Errorf("save with an extension: %d %s", res.Status, res.Body)
	}
	// MOI has none.
	moi := apiToken(t, ts, "moi@example.ps")
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/responses/MOI/answers/"+url.PathEscape(item), moi, `{"values":["1"]}`), "past_deadline")

	// Revoked: closed again.
	assertStatus(t, admin.post(ext+"/revoke", url.Values{}, ext), http.StatusSeeOther)
	assertContains(t, admin.get(ext+"?saved=1").Body, "أُلغي التمديد")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/submit", token, ""), "past_deadline")
	if a := auditActions(t, st, r.Name+"/MOH"); len(a) != 2 || a[1] != "revoke-extension" {
		t.Errorf("audit of MOH's extension: %v", a)
	}
	// The API's side: grant, list, revoke.
	admTok := apiToken(t, ts, "admin@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/extensions/MOI", admTok, `{"until":"`+until+`"}`), http.StatusOK)
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/extensions", admTok, "").Body, `"institution":"MOI"`, `"until":"`+until+`"`)
	assertAPIError(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/extensions/MOI", admTok, `{"until":"someday"}`), "validation")
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/rounds/"+id+"/extensions/MOI", admTok, ""), http.StatusNoContent)
	assertAPIError(t, apiCall(t, ts, http.MethodDelete, "/api/v1/rounds/"+id+"/extensions/MOI", admTok, ""), "not_found")
}

// TestPrefillSourceThroughTheRouter: the pre-fill form offers the
// institution's past rounds with the default one chosen; the respondent
// may pick another, and sees which round the answers came from; nobody
// picks for another institution or from a round that is still open.
func TestPrefillSourceThroughTheRouter(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	open, err := st.Round(ctx, openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: "2027", QuestionnaireID: open.QuestionnaireID})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = st.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(r.ID, 10)
	page := "/ar/rounds/" + id + "/responses/MOH"
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	sources, err := st.PrefillSources(ctx, survey.Actor{Role: survey.RoleAdmin}, r.ID, "MOH")
	if err != nil || len(sources) == 0 {
		t.Fatalf("sources %v, %v", sources, err)
	}
	var def, other survey.PrefillSource
	for _, p := range sources {
		if p.Standard {
			def = p
		} else if other.Round.ID == 0 {
			other = p
		}
		if p.Round.ID == open.ID {
			t.Errorf("the open round %s is offered as a source", open.Name)
		}
	}
	if def.Round.Name != "2025" {
		t.Fatalf("default source %q, want 2025 (the last published round)", def.Round.Name)
	}
	got := moh.get(page)
	assertStatus(t, got, http.StatusOK)
	assertTranslated(t, got.Body)
	assertContains(t, got.Body, `name="from"`, `<option value="`+strconv.FormatInt(def.Round.ID, 10)+`" selected>`, "(الافتراضي)")

	if other.Round.ID != 0 {
		res := moh.post(page+"/prefill", url.Values{"from": {strconv.FormatInt(other.Round.ID, 10)}}, page)
		assertStatus(t, res, http.StatusSeeOther)
		loc := res.Header.Get("Location")
		if !strings.Contains(loc, "from="+strconv.FormatInt(other.Round.ID, 10)) {
			t.Errorf("redirect %s does not name the source", loc)
		}
		assertContains(t, moh.get(loc).Body, "المصدر: جولة <bdi>"+other.Round.Name+"</bdi>")
	} else {
		t.Log("MOH has a single past round in the demo: the default is the only pick")
	}
	// The default, through the API, in a response still empty: MOI's.
	moiTok := apiToken(t, ts, "moi@example.ps")
	res := apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOI/prefill", moiTok, `{}`)
	assertStatus(t, res, http.StatusOK)
	var out struct {
		Copied int                   `json:"copied"`
		From   *survey.PrefillSource `json:"from"`
	}
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || out.From == nil || out.From.Round.Name != "2025" || out.Copied == 0 {
		t.Errorf("API prefill %s, %v", res.Body, err)
	}
	// Refused: another institution's response, an open round, a round unknown.
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/prefill", moiTok, `{}`), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/responses/MOH/prefill", moiTok, ""), http.StatusForbidden)
	mohTok := apiToken(t, ts, "moh@example.ps")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/prefill", mohTok,
		`{"from":`+strconv.FormatInt(open.ID, 10)+`}`), "not_found")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/prefill", mohTok, `{"from":999999}`), "not_found")
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/responses/MOH/prefill", mohTok, "").Body,
		`"default":true`, `"name":"2025"`)
}

// TestDeleteAndArchiveThroughTheRouter: a round never published is
// deleted after a page that names what goes with it (and not when the
// counts changed); a published one cannot be, and is archived instead:
// out of the lists, trends and other people's reach, and back when
// restored. Each is audited.
func TestDeleteAndArchiveThroughTheRouter(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	open, err := st.Round(ctx, openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	openID := strconv.FormatInt(open.ID, 10)
	contents, err := st.RoundContents(ctx, open.ID)
	if err != nil || contents.Answers == 0 {
		t.Fatalf("contents of the open round %+v, %v", contents, err)
	}

	// The confirmation page names what will be lost.
	confirm := "/ar/admin/rounds/" + openID + "/delete"
	assertContains(t, admin.get("/ar/rounds").Body, `href="`+confirm+`"`)
	got := admin.get(confirm)
	assertStatus(t, got, http.StatusOK)
	assertTranslated(t, got.Body)
	assertContains(t, got.Body, "حذف جولة التقييم <bdi>"+open.Name+"</bdi>؟", strconv.Itoa(contents.Answers)+" إجابة",
		"استبانات "+strconv.Itoa(contents.Responses)+" مؤسسة", `name="answers" value="`+strconv.Itoa(contents.Answers)+`"`)
	// A page that showed other counts deletes nothing.
	stale := admin.post(confirm, url.Values{"responses": {strconv.Itoa(contents.Responses)}, "answers": {strconv.Itoa(contents.Answers - 1)}}, confirm)
	assertStatus(t, stale, http.StatusConflict)
	assertContains(t, stale.Body, "تغيّرت الجولة منذ عُرضت صفحة التأكيد")
	if _, err := st.Round(ctx, open.ID); err != nil {
		t.Fatalf("the round went on a stale confirmation: %v", err)
	}
	// Only the coordinator.
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, moh.post(confirm, url.Values{"responses": {strconv.Itoa(contents.Responses)}, "answers": {strconv.Itoa(contents.Answers)}}, "/ar/work"),
		http.StatusForbidden)
	res := admin.post(confirm, url.Values{"responses": {strconv.Itoa(contents.Responses)}, "answers": {strconv.Itoa(contents.Answers)}}, confirm)
	assertStatus(t, res, http.StatusSeeOther)
	assertContains(t, admin.get(res.Header.Get("Location")).Body, "حُذفت الجولة مع كل ما فيها.")
	if _, err := st.Round(ctx, open.ID); err == nil {
		t.Fatal("the round is still there")
	}
	if a := auditActions(t, st, open.Name); len(a) == 0 || a[len(a)-1] != "delete" {
		t.Errorf("audit of the round: %v", a)
	}
	assertStatus(t, admin.get("/ar/admin/rounds/"+openID), http.StatusNotFound)

	// A published round is not deleted: archived, then restored.
	r2025 := roundIDByName(t, st, "2025")
	res = admin.get("/ar/admin/rounds/" + r2025 + "/delete")
	assertStatus(t, res, http.StatusConflict)
	assertContains(t, res.Body, "لا تُحذف جولة نُشرت نتائجها")
	admTok := apiToken(t, ts, "admin@example.ps")
	assertAPIError(t, apiCall(t, ts, http.MethodDelete, "/api/v1/rounds/"+r2025+"?responses=0&answers=0", admTok, ""), "round_not_deletable")

	viewer := newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	dashboard := "/ar/rounds/" + r2025 + "/dashboard"
	assertStatus(t, viewer.get(dashboard), http.StatusOK)
	assertContains(t, newClient(t, ts).get("/ar/").Body, "&#34;2024&#34;,&#34;2025&#34;") // the national trend
	res = admin.post("/ar/admin/rounds/"+r2025+"/archive", url.Values{}, "/ar/rounds")
	assertStatus(t, res, http.StatusSeeOther)
	archived := admin.get(res.Header.Get("Location"))
	assertTranslated(t, archived.Body)
	assertContains(t, archived.Body, "أُرشفت الجولة", "<bdi>2025</bdi>", "/ar/admin/rounds/"+r2025+"/restore")
	for who, c := range map[string]*client{"admin": admin, "viewer": viewer} {
		if body := c.get("/ar/rounds").Body; strings.Contains(body, "/ar/rounds/"+r2025+"/") {
			t.Errorf("%s's list of rounds still links the archived 2025", who)
		}
	}
	if res := viewer.get(dashboard); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
		t.Errorf("the viewer opens the archived round's dashboard: %d", res.Status)
	}
	anon := newClient(t, ts)
	if body := anon.get("/ar/").Body; strings.Contains(body, "&#34;2025&#34;") {
		t.Error("the home page's national trend still shows the archived 2025")
	}
	if body := apiCall(t, ts, http.MethodGet, "/api/v1/rounds", apiToken(t, ts, "viewer@example.ps"), "").Body; strings.Contains(body, `"name":"2025"`) {
		t.Error("the API's rounds still list the archived 2025")
	}
	assertContains(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/archived", admTok, "").Body, `"name":"2025"`, `"archived":true`)
	assertStatus(t, admin.get(dashboard), http.StatusOK) // kept: the coordinator still opens it
	res = admin.post("/ar/admin/rounds/"+r2025+"/restore", url.Values{}, "/ar/admin/rounds/archived")
	assertStatus(t, res, http.StatusSeeOther)
	assertContains(t, admin.get(res.Header.Get("Location")).Body, "استُعيدت الجولة", "/ar/rounds/"+r2025+"/dashboard")
	assertStatus(t, viewer.get(dashboard), http.StatusOK)
	if a := auditActions(t, st, "2025"); len(a) < 2 || a[len(a)-2] != "archive" || a[len(a)-1] != "restore" {
		t.Errorf("audit of 2025: %v", a)
	}
	// The API's way.
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+r2025+"/restore", admTok, ""), "not_editable")
	assertContains(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+r2025+"/archive", admTok, "").Body, `"archived":true`)
	assertContains(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+r2025+"/restore", admTok, "").Body, `"archived":false`)
}
