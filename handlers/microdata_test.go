package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/xuri/excelize/v2"

	"marsad/reports"
	"marsad/survey"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func init() {
	// kin-openapi knows no decoder for a workbook: the tap reads it as a
	// file (its schema is a binary string).
	openapi3filter.RegisterBodyDecoder(xlsxType, openapi3filter.FileBodyDecoder)
}

// parseMicrodataCSV reads the microdata CSV: its header and its rows keyed
// by kind, institution and item or dimension.
func parseMicrodataCSV(t *testing.T, body string) ([]string, map[string]map[string]string, int) {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("microdata CSV without a byte-order mark: %.80q", body)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("microdata CSV: %v (%d records)", err, len(recs))
	}
	head := recs[0]
	rows := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range head {
			row[h] = rec[i]
		}
		key := row["row_kind"] + "/" + row["institution_code"] + "/" + row["item_id"] + row["dimension"]
		if row["row_kind"] == survey.MicroItem {
			key = row["row_kind"] + "/" + row["institution_code"] + "/" + row["item_id"]
		}
		if _, dup := rows[key]; dup {
			t.Fatalf("two microdata rows %s", key)
		}
		rows[key] = row
	}
	return head, rows, len(recs) - 1
}

// scoreText is a score as the microdata writes it (shortest exact form).
func scoreText(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// TestMicrodataOfPublishedRound publishes the open round with evidence files
// and an N/A answer on one response, then reads its microdata as a visitor:
// every row equals what the database holds (answers as stored, the stored
// scores the scorecards show, N/A, evidence files), the JSON and workbook
// say the same, the codebook lists every item with its options, the files
// do not change when the catalog does, and a round that is not public has
// no microdata for anyone but the coordinator and viewers.
func TestMicrodataOfPublishedRound(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r2026 := roundIDByName(t, st, "2026")
	roundID, _ := strconv.ParseInt(r2026, 10, 64)
	round, err := st.Round(ctx, roundID)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	scored, err := st.ScoresSince(ctx, roundID, survey.ScoreSelf, 0)
	if err != nil || len(scored) < 3 {
		t.Fatalf("2026 scored: %d, %v", len(scored), err)
	}
	code := scored[0].Code
	users, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actor survey.Actor
	for _, u := range users {
		if u.Role == survey.RoleAdmin {
			actor = survey.ActorOf(u)
		}
	}

	// One response gets two files on one item, one on another, and an
	// N/A answer, while the round is open.
	if _, err := st.ResponseAction(ctx, actor, roundID, code, "return"); err != nil {
		t.Fatalf("return %s: %v", code, err)
	}
	resp, err := st.Response(ctx, roundID, code)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := st.Answers(ctx, resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var naItem string
	var fileItems []string
	for _, it := range q.Def.Items {
		switch {
		case naItem == "" && it.NAAllowed && it.ShowIf == "" && it.Scored() && it.Type != survey.TypeMetric && !answers[it.ID].NA:
			naItem = it.ID
		case len(fileItems) < 2 && it.Type != survey.TypeMetric && it.ShowIf == "":
			fileItems = append(fileItems, it.ID)
		}
	}
	if naItem == "" || len(fileItems) < 2 {
		t.Fatalf("no item to mark N/A (%q) or to attach files to (%v)", naItem, fileItems)
	}
	if _, err := st.SaveAnswer(ctx, actor, roundID, code, survey.AnswerInput{ItemID: naItem, NA: true,
		Comment: "لا تقدّم المؤسسة هذه الخدمة", BaseVersion: answers[naItem].Version}); err != nil {
		t.Fatalf("N/A answer: %v", err)
	}
	wantFiles := map[string]int{fileItems[0]: 2, fileItems[1]: 1}
	for item, n := range wantFiles {
		for i := range n {
			body := "microdata evidence " + item + strconv.Itoa(i)
			if _, err := st.AttachEvidence(ctx, actor, roundID, code, survey.EvidenceInput{ItemID: item, Title: "file " + strconv.Itoa(i),
				Filename: "f.txt", File: survey.EvidenceFile{SHA256: sha256Hex(body), Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
				Body: strings.NewReader(body)}); err != nil {
				t.Fatalf("attach to %s: %v", item, err)
			}
		}
	}
	if _, err := st.ResponseAction(ctx, actor, roundID, code, "submit"); err != nil {
		t.Fatalf("submit %s: %v", code, err)
	}

	// Before publication the visitor finds nothing; the coordinator does
	// once the round is closed.
	anon := newClient(t, ts)
	assertStatus(t, anon.get("/api/v1/rounds/"+r2026+"/microdata.csv"), http.StatusNotFound)
	for _, action := range []string{"close", "publish", "public"} {
		assertStatus(t, admin.post("/ar/admin/rounds/"+r2026, url.Values{"action": {action}}, "/ar/admin/rounds/"+r2026), http.StatusSeeOther)
	}

	r := anon.get("/api/v1/rounds/" + r2026 + "/microdata.csv")
	assertStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	head, rows, n := parseMicrodataCSV(t, r.Body)
	if strings.Join(head, ",") != strings.Join(reports.MicrodataColumns, ",") {
		t.Errorf("header %v", head)
	}
	// The published ranking, as the scores API answers it.
	var published struct {
		Scores []survey.InstitutionScore `json:"scores"`
	}
	if err := json.Unmarshal([]byte(anon.get("/api/v1/rounds/"+r2026+"/scores").Body), &published); err != nil {
		t.Fatal(err)
	}
	if len(published.Scores) == 0 || n != len(published.Scores)*(len(q.Def.Items)+len(q.Def.Sections)+1) {
		t.Fatalf("%d rows for %d institutions, %d items, %d dimensions", n, len(published.Scores), len(q.Def.Items), len(q.Def.Sections))
	}
	naSeen, filesSeen := 0, 0
	for _, sc := range published.Scores {
		resp, err := st.Response(ctx, roundID, sc.Code)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := st.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		result, err := st.ScoreResult(ctx, roundID, sc.Code, survey.ScoreSelf)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range result.Items {
			row := rows["item/"+sc.Code+"/"+is.ItemID]
			if row == nil {
				t.Fatalf("no row for %s %s", sc.Code, is.ItemID)
			}
			a := answers[is.ItemID]
			wantValue := strings.Join(a.Values, ";")
			if a.NA {
				wantValue = ""
			}
			if row["item_type"] == survey.TypeMetric {
				wantValue = is.Value
			}
			wantScore := ""
			if is.Dropped == "" {
				wantScore = scoreText(is.Score)
			}
			wantNA := map[bool]string{true: "1", false: "0"}[a.NA]
			if row["value"] != wantValue || row["score"] != wantScore || row["na"] != wantNA || row["dropped"] != is.Dropped ||
				row["dimension"] != is.Section {
				t.Errorf("%s %s: value %q score %q na %s dropped %q dimension %q; the database: %q %q %s %q %q", sc.Code, is.ItemID,
					row["value"], row["score"], row["na"], row["dropped"], row["dimension"], wantValue, wantScore, wantNA, is.Dropped, is.Section)
			}
			if a.NA {
				naSeen++
			}
			wantN := 0
			if sc.Code == code {
				wantN = wantFiles[is.ItemID]
			}
			if row["evidence_files"] != strconv.Itoa(wantN) {
				t.Errorf("%s %s: %s evidence files, want %d", sc.Code, is.ItemID, row["evidence_files"], wantN)
			}
			filesSeen += wantN
		}
		for _, d := range result.Dimensions {
			row := rows["dimension/"+sc.Code+"/"+d.Section]
			want := scoreText(d.Score)
			if d.Dropped {
				want = ""
			}
			if row == nil || row["score"] != want {
				t.Errorf("%s dimension %s: %v, want score %s", sc.Code, d.Section, row, want)
			}
		}
		idx := rows["index/"+sc.Code+"/"]
		if idx == nil || idx["score"] != scoreText(result.Index) || idx["rank"] != strconv.Itoa(sc.Rank) || idx["level"] != sc.Level {
			t.Errorf("%s index row %v, want index %v rank %d level %s", sc.Code, idx, result.Index, sc.Rank, sc.Level)
		}
	}
	if rows["item/"+code+"/"+naItem]["na"] != "1" || naSeen == 0 || filesSeen != 3 {
		t.Errorf("N/A on %s: %v; N/A answers %d, files %d", naItem, rows["item/"+code+"/"+naItem], naSeen, filesSeen)
	}

	// The scores are the published scorecard's.
	var card struct {
		Result survey.Result `json:"result"`
	}
	if err := json.Unmarshal([]byte(anon.get("/api/v1/rounds/"+r2026+"/institutions/"+code+"/scorecard").Body), &card); err != nil {
		t.Fatal(err)
	}
	for _, is := range card.Result.Items {
		if is.Dropped == "" && rows["item/"+code+"/"+is.ItemID]["score"] != scoreText(is.Score) {
			t.Errorf("%s %s: microdata %s, scorecard %v", code, is.ItemID, rows["item/"+code+"/"+is.ItemID]["score"], is.Score)
		}
	}

	// JSON: the same rows (the tap checks it against the OpenAPI schema).
	rj := anon.get("/api/v1/rounds/" + r2026 + "/microdata.json")
	assertStatus(t, rj, http.StatusOK)
	var doc struct {
		Meta    reports.MicrodataMeta `json:"meta"`
		Columns []string              `json:"columns"`
		Rows    []survey.MicrodataRow `json:"rows"`
	}
	if err := json.Unmarshal([]byte(rj.Body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rows) != n || doc.Meta.RoundID != roundID || doc.Meta.ScoringVersion != survey.ScoringVersion {
		t.Fatalf("JSON: %d rows (CSV %d), meta %+v", len(doc.Rows), n, doc.Meta)
	}
	for _, jr := range doc.Rows {
		if jr.RowKind != survey.MicroItem {
			continue
		}
		row := rows["item/"+jr.InstitutionCode+"/"+jr.ItemID]
		score := ""
		if jr.Score != nil {
			score = scoreText(*jr.Score)
		}
		if row["value"] != jr.Value || row["score"] != score || row["evidence_files"] != strconv.Itoa(jr.EvidenceFiles) {
			t.Fatalf("JSON row %+v differs from CSV %v", jr, row)
		}
	}

	// The workbook: the same rows, and the codebook.
	rx := anon.get("/api/v1/rounds/" + r2026 + "/microdata.xlsx")
	assertStatus(t, rx, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader([]byte(rx.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "microdata,codebook,dimensions,about" {
		t.Errorf("sheets %s", got)
	}
	sheet, _ := f.GetRows("microdata")
	if len(sheet) != n+1 {
		t.Errorf("microdata sheet: %d rows, want %d", len(sheet), n+1)
	}
	cbSheet, _ := f.GetRows("codebook")
	if len(cbSheet) < len(q.Def.Items)+1 {
		t.Errorf("codebook sheet: %d rows for %d items", len(cbSheet), len(q.Def.Items))
	}

	// The codebook: every item, with its options.
	rc := anon.get("/api/v1/rounds/" + r2026 + "/codebook.json")
	assertStatus(t, rc, http.StatusOK)
	var cb survey.Codebook
	if err := json.Unmarshal([]byte(rc.Body), &cb); err != nil {
		t.Fatal(err)
	}
	if len(cb.Items) != len(q.Def.Items) || len(cb.Dimensions) != len(q.Def.Sections) || cb.ScoringVersion != survey.ScoringVersion {
		t.Fatalf("codebook: %d items (want %d), %d dimensions, scoring %q", len(cb.Items), len(q.Def.Items), len(cb.Dimensions), cb.ScoringVersion)
	}
	for i, it := range q.Def.Items {
		ci := cb.Items[i]
		want := len(it.Options)
		if it.Type == survey.TypeYesNo && want == 0 {
			want = 2
		}
		if ci.Code != it.ID || ci.Dimension != it.Section || ci.Weight != it.Weight || ci.NAAllowed != it.NAAllowed || len(ci.Options) != want {
			t.Errorf("codebook item %d: %+v, questionnaire %s", i, ci, it.ID)
		}
		for j, o := range it.Options {
			if ci.Options[j].Code != o.Value || ci.Options[j].Points != o.Points || ci.Options[j].LabelEn != o.LabelEn {
				t.Errorf("codebook %s option %d: %+v", it.ID, j, ci.Options[j])
			}
		}
	}

	// Frozen: editing the catalog of the institution changes nothing.
	services, err := st.InstitutionServices(ctx, code)
	if err != nil || len(services) == 0 {
		t.Fatalf("services of %s: %v", code, err)
	}
	if err := st.RetireService(ctx, actor, services[0].ID); err != nil {
		t.Logf("retire: %v", err) // retiring may be refused; adding one below still changes the catalog
	}
	addService(t, st, survey.ServiceInput{InstitutionCode: code, Code: "MD-NEW", NameAr: "خدمة جديدة", Stage: "1", Channels: []string{"web"}})
	if again := anon.get("/api/v1/rounds/" + r2026 + "/microdata.csv"); again.Body != r.Body {
		t.Error("the microdata of a published round changed with the catalog")
	}

	// A harvester that comes back with the ETag gets 304 and no body; the
	// workbook has its own.
	etag := r.Header.Get("ETag")
	if etag == "" || r.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("published public microdata: ETag %q, Cache-Control %q", etag, r.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/rounds/"+r2026+"/microdata.csv", nil)
	req.Header.Set("If-None-Match", etag)
	if nm := anon.do(req); nm.Status != http.StatusNotModified || nm.Body != "" {
		t.Fatalf("If-None-Match: %d, %d bytes", nm.Status, len(nm.Body))
	}
	if x := anon.get("/api/v1/rounds/" + r2026 + "/microdata.xlsx"); x.Header.Get("ETag") == etag || x.Header.Get("ETag") == "" {
		t.Errorf("workbook ETag %q (CSV %q)", x.Header.Get("ETag"), etag)
	}

	// Not public: 404 for visitors and respondents, there for the
	// coordinator and viewers.
	assertStatus(t, admin.post("/ar/admin/rounds/"+r2026, url.Values{"action": {"private"}}, "/ar/admin/rounds/"+r2026), http.StatusSeeOther)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	viewer := newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	for _, p := range []string{"microdata.csv", "microdata.xlsx", "microdata.json", "codebook.json"} {
		path := "/api/v1/rounds/" + r2026 + "/" + p
		assertStatus(t, anon.get(path), http.StatusNotFound)
		assertStatus(t, moh.get(path), http.StatusNotFound)
		assertStatus(t, viewer.get(path), http.StatusOK)
		assertStatus(t, admin.get(path), http.StatusOK)
	}
	assertStatus(t, anon.get("/api/v1/rounds/999999/microdata.csv"), http.StatusNotFound)
	assertStatus(t, anon.get("/api/v1/rounds/x/codebook.json"), http.StatusNotFound)
}

func TestMicrodataAllowed(t *testing.T) {
	admin := &survey.User{Role: survey.RoleAdmin}
	viewer := &survey.User{Role: survey.RoleViewer}
	resp := &survey.User{Role: survey.RoleRespondent, InstitutionCode: "MOH"}
	for _, c := range []struct {
		r                         survey.Round
		anon, resp, viewer, admin bool
	}{
		{survey.Round{Status: survey.RoundPublished, Public: true}, true, true, true, true},
		{survey.Round{Status: survey.RoundPublished}, false, false, true, true},
		{survey.Round{Status: survey.RoundClosed, Public: true}, false, false, true, true},
		{survey.Round{Status: survey.RoundOpen, Public: true}, false, false, false, false},
		{survey.Round{Status: survey.RoundDraft}, false, false, false, false},
		{survey.Round{Status: survey.RoundPublished, Public: true, Archived: true}, false, false, false, true},
	} {
		got := [4]bool{survey.MicrodataAllowed(nil, c.r), survey.MicrodataAllowed(resp, c.r), survey.MicrodataAllowed(viewer, c.r), survey.MicrodataAllowed(admin, c.r)}
		if got != [4]bool{c.anon, c.resp, c.viewer, c.admin} {
			t.Errorf("%+v: anon, respondent, viewer, admin = %v", c.r, got)
		}
		// Never wider than the rankings.
		for i, u := range []*survey.User{nil, resp, viewer, admin} {
			if got[i] && !survey.Allowed(u, survey.SeeRankings, c.r, "") {
				t.Errorf("%+v: microdata for %d but not rankings", c.r, i)
			}
		}
	}
}
