package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// openRoundID is the demo's open round (2026).
func openRoundID(t *testing.T, st *sqlstore.Store) int64 {
	t.Helper()
	rounds, err := st.OpenRounds(context.Background())
	if err != nil || len(rounds) != 1 {
		t.Fatalf("open rounds %+v, %v", rounds, err)
	}
	return rounds[0].ID
}

func TestResponsePagesAndOwnership(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := strconv.FormatInt(openRoundID(t, st), 10)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	r := moh.get("/ar/rounds")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	assertContains(t, r.Body, "/ar/rounds/"+id+"/responses/MOH")
	for _, sec := range []string{"", "?section=SRV", "?section=RES"} {
		r = moh.get("/ar/rounds/" + id + "/responses/MOH" + sec)
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
	}
	assertContains(t, r.Body, `dir="rtl"`, "RES-1", "data-api=")
	r = moh.get("/en/rounds/" + id + "/responses/MOH")
	assertTranslated(t, r.Body)
	assertContains(t, r.Body, "Strategy, governance and capacity")
	// Another institution's response: 403 on every way in.
	assertStatus(t, moh.get("/ar/rounds/"+id+"/responses/MOI"), http.StatusForbidden)
	assertStatus(t, moh.post("/ar/rounds/"+id+"/responses/MOI", url.Values{"section": {"STR"}, "v.STR-1": {"1"}}, "/ar/rounds"), http.StatusForbidden)
	assertStatus(t, moh.post("/ar/rounds/"+id+"/responses/MOI/submit", url.Values{}, "/ar/rounds"), http.StatusForbidden)
	token := apiToken(t, ts, "moh@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/rounds/"+id+"/responses/MOI/answers/STR-1", token, `{"values":["1"],"version":0}`), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/responses/MOI", token, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOH/accept", token, ""), http.StatusForbidden)
	// Admin pages.
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	for _, p := range []string{"/ar/rounds", "/ar/admin/rounds/" + id, "/ar/admin/rounds/" + id + "/responses/MOH", "/ar/admin/questionnaires", "/en/admin/rounds/" + id} {
		r := admin.get(p)
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
	}
	assertStatus(t, moh.get("/ar/admin/rounds/"+id), http.StatusForbidden)
}

func TestAutosaveConflictAndValidation(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := strconv.FormatInt(openRoundID(t, st), 10)
	path := "/api/v1/rounds/" + id + "/responses/MOI/answers/"
	a := apiToken(t, ts, "moi@example.ps")
	r := apiCall(t, ts, http.MethodPut, path+"STR-1", a, `{"values":["2"],"version":0}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"version":1`)
	// A colleague's page still shows version 0: refused, told the newer value.
	r = apiCall(t, ts, http.MethodPut, path+"STR-1", a, `{"values":["3"],"version":0}`)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, `"current"`, `"values":["2"]`)
	for name, tc := range map[string]struct {
		item, body string
		status     int
	}{
		"unknown option":  {"STR-1", `{"values":["7"],"version":1}`, http.StatusUnprocessableEntity},
		"unknown item":    {"NOPE", `{"values":["1"],"version":0}`, http.StatusNotFound},
		"metric":          {"SRV-3", `{"values":["1"],"version":0}`, http.StatusUnprocessableEntity},
		"malformed":       {"STR-1", `{"values":`, http.StatusBadRequest},
		"wrong type":      {"STR-1", `{"values":"1"}`, http.StatusBadRequest},
		"unknown field":   {"STR-1", `{"value":"1"}`, http.StatusBadRequest},
		"N/A not allowed": {"STR-1", `{"na":true,"comment":"x","version":1}`, http.StatusUnprocessableEntity},
	} {
		t.Run(name, func(t *testing.T) {
			assertStatus(t, apiCall(t, ts, http.MethodPut, path+tc.item, a, tc.body), tc.status)
		})
	}
	resp, _ := st.Response(context.Background(), openRoundID(t, st), "MOI")
	answers, _ := st.Answers(context.Background(), resp.ID)
	if len(answers) != 1 || answers["STR-1"].Value() != "2" || answers["STR-1"].Version != 1 {
		t.Errorf("after refused saves: %+v", answers)
	}
	// Several answers at once: all or none.
	batch := "/api/v1/rounds/" + id + "/responses/MOI/answers"
	r = apiCall(t, ts, http.MethodPut, batch, a, `[{"item":"STR-2","values":["1"],"version":0},{"item":"STR-3","values":["9"],"version":0}]`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, `"STR-3"`)
	r = apiCall(t, ts, http.MethodPut, batch, a, `[{"item":"STR-2","values":["1"],"version":0},{"item":"STR-1","values":["3"],"version":0}]`)
	assertStatus(t, r, http.StatusConflict) // STR-1 is at version 1 now
	r = apiCall(t, ts, http.MethodPut, batch, a, `[{"item":"STR-2","values":["1"],"version":0},{"item":"STR-3","values":["2"],"version":0}]`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"item":"STR-3"`)
	if answers, _ = st.Answers(context.Background(), resp.ID); len(answers) != 3 {
		t.Errorf("after batches: %d answers", len(answers))
	}

	// Submitting an incomplete response lists what is missing.
	r = apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOI/submit", a, "")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	var e apiError
	_ = json.Unmarshal([]byte(r.Body), &e)
	if e.Error.Code != "incomplete" || e.Error.Fields["STR-4"] == "" {
		t.Errorf("incomplete: %+v", e)
	}
}

func TestPlainFormSaveWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	rid := openRoundID(t, st)
	id := strconv.FormatInt(rid, 10)
	c := newClient(t, ts)
	c.signIn("ar", "moi@example.ps", survey.DemoPassword)
	page := "/ar/rounds/" + id + "/responses/MOI"
	form := url.Values{"section": {"STR"}, "go": {"next"}, "v.STR-1": {"3"}, "ver.STR-1": {"0"}, "v.STR-1-EV": {"https://moi.example.ps/plan"},
		"ver.STR-1-EV": {"0"}, "v.STR-3": {"٢"}, "ver.STR-3": {"0"}}
	r := c.post(page, form, page)
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.Contains(loc, "section=SRV") {
		t.Errorf("next section: %s", loc)
	}
	resp, _ := st.Response(context.Background(), rid, "MOI")
	answers, _ := st.Answers(context.Background(), resp.ID)
	if answers["STR-1"].Value() != "3" || answers["STR-1-EV"].Value() != "https://moi.example.ps/plan" || answers["STR-3"].Value() != "2" {
		t.Fatalf("saved %+v", answers)
	}
	// A bad value comes back on the page with a message; the good one is saved.
	form = url.Values{"section": {"STR"}, "v.STR-1": {"9"}, "ver.STR-1": {"1"}, "v.STR-4": {"1"}, "ver.STR-4": {"0"}}
	r = c.post(page, form, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "اختر أحد الخيارات")
	answers, _ = st.Answers(context.Background(), resp.ID)
	if answers["STR-4"].Value() != "1" || answers["STR-1"].Value() != "3" {
		t.Errorf("after a partly bad save: %+v", answers)
	}
	// A stale version shows the other person's answer instead of overwriting it.
	form = url.Values{"section": {"STR"}, "v.STR-1": {"0"}, "ver.STR-1": {"0"}}
	r = c.post(page, form, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "حفظ شخص آخر هذه الإجابة")
	answers, _ = st.Answers(context.Background(), resp.ID)
	if answers["STR-1"].Value() != "3" {
		t.Error("a stale plain save overwrote a newer answer")
	}
}

func TestRoundAdmin(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	qs, _ := st.ListQuestionnaires(context.Background())
	r := admin.post("/ar/admin/rounds", url.Values{"name": {"2026"}, "questionnaire": {strconv.FormatInt(qs[0].ID, 10)}}, "/ar/rounds")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "توجد جولة تقييم بهذا الاسم")
	r = admin.post("/ar/admin/rounds", url.Values{"name": {"2027"}, "questionnaire": {strconv.FormatInt(qs[0].ID, 10)}, "deadline": {"2027-11-30"}}, "/ar/rounds")
	assertStatus(t, r, http.StatusSeeOther)
	rounds, _ := st.ListRounds(context.Background())
	var newID int64
	for _, x := range rounds {
		if x.Name == "2027" {
			newID = x.ID
		}
	}
	p := "/ar/admin/rounds/" + strconv.FormatInt(newID, 10)
	assertStatus(t, admin.post(p, url.Values{"action": {"publish"}}, "/ar/rounds"), http.StatusConflict)
	assertStatus(t, admin.post(p, url.Values{"action": {"open"}}, "/ar/rounds"), http.StatusSeeOther)
	token := apiToken(t, ts, "admin@example.ps")
	r = apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+strconv.FormatInt(newID, 10)+"/publish", token, "")
	assertStatus(t, r, http.StatusConflict)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+strconv.FormatInt(newID, 10)+"/close", token, ""), http.StatusOK)
	// Questionnaire upload: a broken definition lists its problems, nothing stored.
	before, _ := st.ListQuestionnaires(context.Background())
	r = admin.upload("/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.json", []byte(`{"id":"x","title_ar":"س","model":{"scale":100},"sections":[{"id":"A","title_ar":"أ","weight":1}],"items":[{"section":"A","id":"A-1","type":"single","label_ar":"؟","weight":1,"show_if":"B-1 == 1"}]}`))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "needs at least two options", "not an earlier item")
	after, _ := st.ListQuestionnaires(context.Background())
	if len(after) != len(before) {
		t.Error("an invalid definition was stored")
	}
	dl := admin.get("/ar/admin/questionnaires/" + strconv.FormatInt(qs[0].ID, 10))
	assertStatus(t, dl, http.StatusOK)
	if _, err := survey.ParseDefinition([]byte(dl.Body)); err != nil {
		t.Errorf("downloaded definition: %v", err)
	}
	// The Excel form downloads and uploads back as the same version.
	x := admin.get("/ar/admin/questionnaires/" + strconv.FormatInt(qs[0].ID, 10) + "?format=xlsx")
	assertStatus(t, x, http.StatusOK)
	r = admin.upload("/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.xlsx", []byte(x.Body))
	assertStatus(t, r, http.StatusOK)
	if again, _ := st.ListQuestionnaires(context.Background()); len(again) != len(before) {
		t.Errorf("the same content stored as a new version: %d → %d", len(before), len(again))
	}
}

func TestImportAnswersPrefillAndAudit(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	rid := openRoundID(t, st)
	id := strconv.FormatInt(rid, 10)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	board := "/ar/admin/rounds/" + id
	bad := "institution_code,question_id,value\nMOI,STR-1,2\nMOI,NOPE,1\nZZZ,STR-2,1\nMOI,STR-3,9\n"
	r := admin.upload(board+"/answers", board, "a.csv", []byte(bad))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "لم يُستورد أي شيء", "السطر 3", "السطر 5")
	if resp, err := st.Response(ctx, rid, "MOI"); err == nil {
		if answers, _ := st.Answers(ctx, resp.ID); len(answers) != 0 {
			t.Fatal("a failed import stored answers")
		}
	}
	good := "\xEF\xBB\xBFinstitution_code,question_id,value\nMOI,STR-1,٢\nMOI,STR-7,pilot;university\n"
	r = admin.upload(board+"/answers", board, "a.csv", []byte(good))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "استُوردت 2 إجابة")
	resp, _ := st.Response(ctx, rid, "MOI")
	answers, _ := st.Answers(ctx, resp.ID)
	if answers["STR-1"].Value() != "2" || len(answers["STR-7"].Values) != 2 {
		t.Fatalf("imported %+v", answers)
	}
	// The same through the API, with a text/csv body.
	token := apiToken(t, ts, "admin@example.ps")
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/rounds/"+id+"/answers/import", strings.NewReader("institution_code,question_id,value\nMOI,STR-2,3\n"))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	r = newClient(t, ts).do(req)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"imported":1`)

	// Pre-fill: a respondent whose institution answered last round.
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	mohResp, _ := st.Response(ctx, rid, "MOH")
	before, _ := st.Answers(ctx, mohResp.ID)
	page := "/ar/rounds/" + id + "/responses/MOH"
	r = moh.post(page+"/prefill", url.Values{}, page)
	assertStatus(t, r, http.StatusSeeOther)
	after, _ := st.Answers(ctx, mohResp.ID)
	if len(after) <= len(before) {
		t.Errorf("prefill copied nothing: %d → %d answers", len(before), len(after))
	}
	for id, a := range before {
		if after[id].Version != a.Version {
			t.Errorf("prefill changed the existing answer %s", id)
		}
	}
	// The page names the round the answers came from: the last published.
	assertContains(t, moh.get(r.Header.Get("Location")).Body, "المصدر: جولة <bdi>2025</bdi>")

	// The audit log shows and exports all of it.
	r = admin.get("/ar/admin/audit?entity=response")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	assertContains(t, r.Body, "import-answer", "prefill")
	csvOut := admin.get("/ar/admin/audit.csv")
	assertStatus(t, csvOut, http.StatusOK)
	if !strings.HasPrefix(csvOut.Body, "\xEF\xBB\xBF\"id\",\"at\",\"actor\",\"action\"") || !strings.Contains(csvOut.Body, "import-answer") {
		t.Errorf("audit csv:\n%.500s", csvOut.Body)
	}
	assertStatus(t, moh.get("/ar/admin/audit"), http.StatusForbidden)
}

// setSheet changes cells of the answer sheet: item id → value.
func setSheet(t *testing.T, body string, values map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("answers")
	for r, row := range rows {
		if v, ok := values[row[0]]; ok {
			cell, _ := excelize.CoordinatesToCellName(6, r+1) // the value column
			_ = f.SetCellValue("answers", cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOfflineExcelRoundTrip(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	rid := openRoundID(t, st)
	page := "/ar/rounds/" + strconv.FormatInt(rid, 10) + "/responses/MOI"
	c := newClient(t, ts)
	c.signIn("ar", "moi@example.ps", survey.DemoPassword)
	sheet := c.get(page + "/xlsx")
	assertStatus(t, sheet, http.StatusOK)

	// An invalid value: the preview explains it, offers no apply, saves nothing.
	r := c.upload(page+"/xlsx", page, "a.xlsx", setSheet(t, sheet.Body, map[string]string{"STR-1": "2", "STR-4": "9"}))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "STR-4: اختر أحد الخيارات")
	if strings.Contains(r.Body, "/xlsx/apply") {
		t.Error("an invalid sheet can be applied")
	}
	// A valid sheet: preview, then apply all at once.
	r = c.upload(page+"/xlsx", page, "a.xlsx", setSheet(t, sheet.Body, map[string]string{"STR-1": "2", "STR-7": "pilot;university"}))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "يغيّر الملف إجابتين")
	changes := regexpFind(t, r.Body, `name="changes" value="([^"]+)"`)
	changes = strings.NewReplacer("&#34;", `"`, "&quot;", `"`).Replace(changes)
	r = c.post(page+"/xlsx/apply", url.Values{"changes": {changes}}, page)
	assertStatus(t, r, http.StatusSeeOther)
	resp, _ := st.Response(ctx, rid, "MOI")
	answers, _ := st.Answers(ctx, resp.ID)
	if answers["STR-1"].Value() != "2" || len(answers["STR-7"].Values) != 2 {
		t.Fatalf("applied %+v", answers)
	}
	// Applying the same sheet again: its versions are now old, so nothing is
	// overwritten and the page says why.
	r = c.post(page+"/xlsx/apply", url.Values{"changes": {strings.Replace(changes, `"values":["2"]`, `"values":["1"]`, 1)}}, page)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "حفظ شخص آخر هذه الإجابة")
	answers, _ = st.Answers(ctx, resp.ID)
	if answers["STR-1"].Value() != "2" {
		t.Error("a stale sheet overwrote a newer answer")
	}
	// Not a workbook.
	r = c.upload(page+"/xlsx", page, "a.xlsx", []byte("plain text"))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	// Another institution's sheet: 403.
	assertStatus(t, c.get("/ar/rounds/"+strconv.FormatInt(rid, 10)+"/responses/MOH/xlsx"), http.StatusForbidden)
}
