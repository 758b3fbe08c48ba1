package handlers

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"marsad/data"
	"marsad/reports/hostile"
	"marsad/survey"
)

// hasArabic says whether text has an Arabic letter: a message in the
// caller's language when the page or Accept-Language is Arabic.
func hasArabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// zipBomb is a "workbook" whose one sheet unpacks to 200 MiB of zeros.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for range 200 {
		_, _ = w.Write(zero)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestHostileInput sends every write form, API endpoint and importer
// input built to hurt: malformed, oversized, wrong types, invalid UTF-8,
// control characters, 10,000-character names, nesting bombs, zip bombs,
// files that are not what they claim, show_if expressions built to blow
// up. Each gets a clear 4xx in the caller's language, and the database
// (every table but sessions and sign-in failures) is byte for byte what
// it was.
func TestHostileInput(t *testing.T) {
	heavyUploads(t)
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	open := strconv.FormatInt(openRoundID(t, st), 10)
	services, err := st.InstitutionServices(t.Context(), "MOH")
	if err != nil || len(services) == 0 {
		t.Fatal(err)
	}
	service := strconv.FormatInt(services[0].ID, 10)
	adminTok, mohTok := apiToken(t, ts, "admin@example.ps"), apiToken(t, ts, "moh@example.ps")
	// apiFile posts a file as an API import's body, as the coordinator.
	apiFile := func(path, ctype string, body []byte) func() response {
		return func() response {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Accept-Language", "en")
			req.Header.Set("Authorization", "Bearer "+adminTok)
			return admin.do(req)
		}
	}
	long := strings.Repeat("ب", 10000)
	nest := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	bomb := zipBomb(t)
	tall := hostile.Tall(survey.ServiceColumns, 100000, 50)
	// A show_if built to blow up: deep nesting and a huge expression.
	deepCond := strings.Repeat("(", 5000) + "STR-1 >= 2" + strings.Repeat(")", 5000)
	questionnaire := func(cond string) string {
		var def map[string]any
		if err := json.Unmarshal(data.DefaultQuestionnaire, &def); err != nil {
			t.Fatal(err)
		}
		items := def["items"].([]any)
		items[1].(map[string]any)["show_if"] = cond
		b, _ := json.Marshal(def)
		return string(b)
	}

	type request struct {
		name   string
		send   func() response
		status int  // 0: any 4xx
		en     bool // the caller reads English
	}
	form := func(c *client, path, page string, v url.Values) func() response {
		return func() response { return c.post(path, v, page) }
	}
	api := func(method, path, tok, body string) func() response {
		return func() response {
			req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", "en")
			req.Header.Set("Authorization", "Bearer "+tok)
			return admin.do(req)
		}
	}
	raw := func(c *client, path, page, body string) func() response {
		return func() response {
			tok := c.csrf(page)
			req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader("csrf_token="+tok+"&"+body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return c.do(req)
		}
	}
	upload := func(c *client, path, page, name string, content []byte) func() response {
		return func() response { return c.upload(path, page, name, content) }
	}
	inst := url.Values{"code": {"HOST"}, "name_ar": {"مؤسسة"}, "kind": {"ministry"}, "sector": {"health"}, "region": {"national"}}
	with := func(v url.Values, k, val string) url.Values {
		out := url.Values{}
		for key, vals := range v {
			out[key] = append([]string(nil), vals...)
		}
		out.Set(k, val)
		return out
	}
	cases := []request{
		// Forms, in Arabic.
		{name: "institution name 10,000 characters", send: form(admin, "/ar/admin/institutions", "/ar/admin/institutions/new", with(inst, "name_ar", long))},
		{name: "institution name with control characters", send: form(admin, "/ar/admin/institutions", "/ar/admin/institutions/new", with(inst, "name_ar", "وزارة\x00\x1b[31m"))},
		{name: "institution code mixed-direction junk", send: form(admin, "/ar/admin/institutions", "/ar/admin/institutions/new", with(inst, "code", "\u202eHOST\u202c"))},
		{name: "institution form invalid UTF-8", send: raw(admin, "/ar/admin/institutions", "/ar/admin/institutions/new", "code=BAD&name_ar=%C7%E1"), status: http.StatusBadRequest},
		{name: "service with a formula for a name and no Arabic", send: form(moh, "/ar/institutions/MOH/services", "/ar/institutions/MOH/services/new", url.Values{"code": {"X-1"}, "name_ar": {"=HYPERLINK(\"http://evil\")"}, "category": {"health"}, "stage": {"0"}})},
		{name: "service stage out of range", send: form(moh, "/ar/services/"+service, "/ar/services/"+service+"/edit", url.Values{"code": {"X-1"}, "name_ar": {"خدمة"}, "stage": {"9"}, "version": {"1"}})},
		{name: "answers form with a stale version and junk", send: form(moh, "/ar/rounds/"+open+"/responses/MOH", "/ar/rounds/"+open+"/responses/MOH", url.Values{"section": {"STR"}, "v.STR-1": {"not-an-option"}, "ver.STR-1": {"99"}})},
		{name: "initiative title 10,000 characters", send: form(moh, "/ar/institutions/MOH/initiatives", "/ar/institutions/MOH/initiatives/new", initiativeValues(long))},
		{name: "obstacle severity 9", send: form(moh, "/ar/rounds/"+open+"/responses/MOH/obstacles", "/ar/rounds/"+open+"/responses/MOH/obstacles", url.Values{"version": {"1"}, "o_1": {"9"}})},
		{name: "plan action without an owner", send: form(moh, "/ar/rounds/"+open+"/plans/MOH", "/ar/rounds/"+open+"/plans/MOH", url.Values{"text_ar": {"إجراء"}, "target_round": {"2027"}})},
		{name: "obstacle list code with spaces", send: form(admin, "/ar/admin/obstacles", "/ar/admin/obstacles", url.Values{"code": {"a b"}, "kind": {"internal"}, "label_ar": {"معيق"}})},
		{name: "invitation to a non-address", send: form(admin, "/ar/admin/invitations", "/ar/admin/invitations", url.Values{"email": {"not an address\x00"}, "role": {"respondent"}, "institution": {"MOH"}})},
		// Importers.
		{name: "institutions CSV that is a zip bomb", send: upload(admin, "/ar/admin/institutions/import", "/ar/admin/institutions/import", "bomb.csv", bomb)},
		{name: "institutions CSV with one bad row", send: upload(admin, "/ar/admin/institutions/import", "/ar/admin/institutions/import", "i.csv", []byte("code,name_ar,name_en,kind,sector,region\nNEW1,مؤسسة جديدة,,ministry,health,national\nNEW2,\x01,,ministry,health,national\n"))},
		{name: "services workbook that is a zip bomb", send: upload(admin, "/ar/admin/services/import", "/ar/admin/services", "bomb.xlsx", bomb)},
		{name: "services workbook that is not a zip", send: upload(admin, "/ar/admin/services/import", "/ar/admin/services", "fake.xlsx", []byte("%PDF-1.7 not a workbook"))},
		{name: "answers workbook that is a zip bomb", send: upload(moh, "/ar/rounds/"+open+"/responses/MOH/xlsx", "/ar/rounds/"+open+"/responses/MOH", "bomb.xlsx", bomb)},
		{name: "questionnaire with a show_if nesting bomb", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.json", []byte(questionnaire(deepCond)))},
		{name: "questionnaire with a 100,000-term show_if", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.json", []byte(questionnaire(strings.Repeat("STR-1 >= 2 or ", 100000)+"STR-1 = 1")))},
		{name: "questionnaire JSON nesting bomb", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.json", []byte(`{"sections":`+nest+`}`))},
		// Workbooks built to fill memory (upload_limits.go), on every
		// route that reads one, and files over each route's limits.
		{name: "services workbook whose every cell shows a 4 MB shared string", send: upload(admin, "/ar/admin/services/import", "/ar/admin/services", "s.xlsx", hostile.SharedStringBomb(survey.ServiceColumns, 4<<20, 1000, 50))},
		{name: "services workbook of 100,000 rows × 50 columns", send: upload(admin, "/ar/admin/services/import", "/ar/admin/services", "s.xlsx", tall)},
		{name: "answers workbook whose every cell shows a 4 MB shared string", send: upload(moh, "/ar/rounds/"+open+"/responses/MOH/xlsx", "/ar/rounds/"+open+"/responses/MOH", "a.xlsx", hostile.SharedStringBomb(nil, 4<<20, 1000, 50))},
		{name: "answers workbook of a million cells in one row", send: upload(moh, "/ar/rounds/"+open+"/responses/MOH/xlsx", "/ar/rounds/"+open+"/responses/MOH", "a.xlsx", hostile.Book{Sheets: []hostile.Sheet{{Name: "answers", Rows: hostile.Grid(nil, 1, 1000000, `<c><v>1</v></c>`)}}}.Bytes())},
		{name: "questionnaire workbook that is a zip bomb", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.xlsx", bomb)},
		{name: "questionnaire workbook whose every cell shows a 4 MB shared string", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.xlsx", hostile.SharedStringBomb(nil, 4<<20, 1000, 50))},
		{name: "questionnaire JSON over 2 MB", send: upload(admin, "/ar/admin/questionnaires", "/ar/admin/questionnaires", "q.json", bytes.Repeat([]byte(" "), survey.MaxDefinitionJSONBytes+1)), status: http.StatusRequestEntityTooLarge},
		{name: "institutions CSV of 5,001 rows", send: upload(admin, "/ar/admin/institutions/import", "/ar/admin/institutions/import", "i.csv", []byte("code,name_ar,name_en,kind,sector,region\n"+strings.Repeat("X,ب,,ministry,health,national\n", survey.MaxImportRows+1)))},
		{name: "institutions CSV with a 10,001-character cell", send: upload(admin, "/ar/admin/institutions/import", "/ar/admin/institutions/import", "i.csv", []byte("code,name_ar,name_en,kind,sector,region\nX,"+strings.Repeat("ب", survey.MaxCellChars+1)+",,ministry,health,national\n"))},
		{name: "answers CSV of 50,001 rows", send: upload(admin, "/ar/admin/rounds/"+open+"/answers", "/ar/admin/rounds/"+open, "a.csv", []byte("institution_code,question_id,value\n"+strings.Repeat("MOH,STR-1,yes\n", survey.MaxServiceImportRows+1)))},
		{name: "answers sheet larger than its route takes", send: upload(moh, "/ar/rounds/"+open+"/responses/MOH/xlsx", "/ar/rounds/"+open+"/responses/MOH", "a.xlsx", make([]byte, 3<<20)), status: http.StatusRequestEntityTooLarge},
		// The API, in English.
		{name: "API malformed JSON", send: api(http.MethodPost, "/api/v1/institutions", adminTok, `{"code": "X",`), status: http.StatusBadRequest, en: true},
		{name: "API JSON nesting bomb", send: api(http.MethodPost, "/api/v1/institutions", adminTok, `{"code":`+nest+`}`), status: http.StatusBadRequest, en: true},
		{name: "API wrong types", send: api(http.MethodPost, "/api/v1/institutions/MOH/services", mohTok, `{"code": 12, "name_ar": ["x"]}`), status: http.StatusBadRequest, en: true},
		{name: "API body over 1 MiB", send: api(http.MethodPost, "/api/v1/institutions", adminTok, `{"code":"`+strings.Repeat("A", 2<<20)+`"}`), status: http.StatusRequestEntityTooLarge, en: true},
		{name: "API invalid UTF-8", send: api(http.MethodPost, "/api/v1/institutions", adminTok, "{\"code\":\"X\",\"name_ar\":\"\xff\xfe\"}"), status: http.StatusBadRequest, en: true},
		{name: "API 10,000-character service name", send: api(http.MethodPost, "/api/v1/institutions/MOH/services", mohTok, `{"code":"LONG-1","name_ar":"`+long+`","category":"health","stage":"0","audience":["citizens"],"channels":["counter"]}`), en: true},
		{name: "API answer to an unknown item", send: api(http.MethodPut, "/api/v1/rounds/"+open+"/responses/MOH/answers/NOPE-1", mohTok, `{"values":["yes"],"version":0}`), en: true},
		{name: "API batch with one bad answer", send: api(http.MethodPut, "/api/v1/rounds/"+open+"/responses/MOH/answers", mohTok, `[{"item":"STR-1","values":["yes"],"version":0},{"item":"STR-2","values":["`+long+`"],"version":0}]`), en: true},
		{name: "API answers CSV with control characters", send: func() response {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/rounds/"+open+"/answers/import", strings.NewReader("institution,item,value\nMOH,STR-1,\x00yes\n"))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Accept-Language", "en")
			req.Header.Set("Authorization", "Bearer "+adminTok)
			return admin.do(req)
		}, en: true},
		{name: "API answers CSV over 10 MB, sent without a length", send: func() response {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/rounds/"+open+"/answers/import",
				io.MultiReader(strings.NewReader("institution_code,question_id,value\n"), strings.NewReader(strings.Repeat("MOH,STR-1,"+strings.Repeat("y", 200)+"\n", 60000))))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Accept-Language", "en")
			req.Header.Set("Authorization", "Bearer "+adminTok)
			return admin.do(req)
		}, status: http.StatusRequestEntityTooLarge, en: true},
		// The coordinator's imports through the API (admin_io_api.go), as on the pages.
		{name: "API services workbook that is a zip bomb", send: apiFile("/api/v1/services/import", xlsxMediaType, bomb), en: true},
		{name: "API services workbook of 100,000 rows × 50 columns", send: apiFile("/api/v1/services/import", xlsxMediaType, tall), en: true},
		{name: "API institutions CSV with control characters", send: apiFile("/api/v1/institutions/import", "text/csv",
			[]byte("code,name_ar,name_en,kind,sector,region\nNEW-X,وزارة\x00,Ministry,ministry,health,national\n")), en: true},
		{name: "API initiative with a nesting bomb of partners", send: api(http.MethodPost, "/api/v1/institutions/MOH/initiatives", mohTok, `{"title_ar":"م","partners":`+nest+`}`), status: http.StatusBadRequest, en: true},
	}
	// The checksum after one case is the one before the next (a case that
	// stopped early leaves none), which halves the cost of the check.
	last := ""
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := last
			if before == "" {
				before = checksum(t, st)
			}
			last = ""
			r := tc.send()
			if tc.status != 0 && r.Status != tc.status || r.Status < 400 || r.Status >= 500 {
				t.Fatalf("status %d, want %d (a 4xx)\n%.600s", r.Status, tc.status, r.Body)
			}
			if tc.en {
				var e apiError
				if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Message == "" || hasArabic(e.Error.Message) {
					t.Errorf("not a clear English error: %.300s", r.Body)
				}
			} else if !hasArabic(r.Body) || !strings.Contains(r.Body, `lang="ar"`) {
				t.Errorf("not an Arabic page: %.300s", r.Body)
			}
			if last = checksum(t, st); last != before {
				t.Error("the database changed")
			}
		})
	}
}
