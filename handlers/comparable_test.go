package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

// scoresAnswer is what GET /api/v1/rounds/{id}/scores says about changes.
type scoresAnswer struct {
	ComparedWith *survey.Round `json:"compared_with"`
	Comparison   struct {
		Kind       string `json:"kind"`
		Reason     string `json:"reason"`
		PassedOver *struct {
			Round  string `json:"round"`
			Reason string `json:"reason"`
		} `json:"passed_over"`
		Diff *survey.VersionDiff `json:"diff"`
	} `json:"comparison"`
	Scores []survey.InstitutionScore `json:"scores"`
}

func getScores(t *testing.T, c *client, roundID string) scoresAnswer {
	t.Helper()
	r := c.get("/api/v1/rounds/" + roundID + "/scores")
	assertStatus(t, r, http.StatusOK)
	var out scoresAnswer
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("scores: %v\n%.500s", err, r.Body)
	}
	return out
}

// TestNoChangeAcrossModels is the case: the demo's 2025 GTMI
// round (the World Bank model, 0–1) after the 2025 round on Marsad's
// questionnaire (0–100). Measured against 2025, MOH fell by some 56
// points; no change may be shown, anywhere, and every page says why.
func TestNoChangeAcrossModels(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	gtmi, r2025 := roundIDByName(t, st, "2025 GTMI"), roundIDByName(t, st, "2025")
	for _, who := range []string{"admin@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("en", who, survey.DemoPassword)
		got := getScores(t, c, gtmi)
		if got.ComparedWith != nil || got.Comparison.Kind != survey.CompareNone || got.Comparison.Reason != survey.ReasonOtherQuestionnaire ||
			got.Comparison.PassedOver == nil || got.Comparison.PassedOver.Round != "2025" {
			t.Errorf("%s: compared with %+v, comparison %+v; want none, the 2025 round passed over", who, got.ComparedWith, got.Comparison)
		}
		for _, x := range got.Scores {
			if x.DeltaIndex != nil || x.DeltaRank != nil {
				t.Errorf("%s: %s has a change across questionnaires: index %v, rank %v", who, x.Code, x.DeltaIndex != nil, x.DeltaRank != nil)
			}
		}
		// The 2025 round still measures its change against 2024: same
		// questionnaire.
		if prev := getScores(t, c, r2025); prev.ComparedWith == nil || prev.ComparedWith.Name != "2024" || prev.Comparison.Kind != survey.CompareSame {
			t.Errorf("%s: 2025 compared with %+v, %+v; want 2024, same", who, prev.ComparedWith, prev.Comparison)
		}
	}

	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	why := map[string]string{
		"ar": "لا يظهر التغير: استخدمت الجولة السابقة، <bdi>2025</bdi>، استبانة أخرى",
		"en": "No change is shown: the previous round, <bdi>2025</bdi>, used another questionnaire",
	}
	changes := map[string][]string{
		"ar": {"متوسط التغير عن جولة", "تغير الدرجة", "التغير عن جولة"},
		"en": {"average change since round", "Score change", "Change since round"},
	}
	for _, l := range Languages {
		for _, page := range []string{"dashboard", "rankings", "scorecards/MOH", "compare?c=MOH"} {
			r := admin.get("/" + l + "/rounds/" + gtmi + "/" + page)
			assertStatus(t, r, http.StatusOK)
			assertTranslated(t, r.Body)
			assertContains(t, r.Body, why[l], `data-comparison="other-questionnaire"`)
			for _, c := range changes[l] {
				if strings.Contains(r.Body, c) {
					t.Errorf("%s %s shows a change (%q)", l, page, c)
				}
			}
			if strings.Contains(r.Body, "chart_movers_") {
				t.Errorf("%s %s has a movers chart", l, page)
			}
		}
		// MOH's trend leaves out the rounds on the other questionnaire,
		// and says so; one round left, no line.
		r := admin.get("/" + l + "/rounds/" + gtmi + "/scorecards/MOH")
		assertContains(t, r.Body, `data-trend="left-out"`, "<bdi>2025</bdi>")
		if strings.Contains(r.Body, "chart_trend_") {
			t.Errorf("%s: MOH's scorecard draws a trend through rounds on another questionnaire", l)
		}
		// The round on Marsad's questionnaire keeps its change and trend.
		r = admin.get("/" + l + "/rounds/" + r2025 + "/scorecards/MOE")
		assertContains(t, r.Body, changes[l][2], "chart_trend_")
		if strings.Contains(r.Body, `data-comparison=`) || strings.Contains(r.Body, `data-trend="left-out"`) {
			t.Errorf("%s: the 2025 scorecard has a note about comparability", l)
		}
	}
	// The rankings export leaves the change columns empty.
	r := admin.get("/en/rounds/" + gtmi + "/rankings.csv")
	assertStatus(t, r, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) < 30 {
		t.Fatalf("rankings.csv: %d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if row[8] != "" || row[9] != "" {
			t.Errorf("rankings.csv: %s has a change %q, %q", row[1], row[8], row[9])
		}
	}

	// Published and public, the GTMI round becomes the home page's latest:
	// its national trend leaves out 2024 and 2025 and names them.
	ctx := context.Background()
	gid, _ := strconv.ParseInt(gtmi, 10, 64)
	if _, err := st.RoundAction(ctx, adminID(t, st), gid, "publish"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRoundPublic(ctx, adminID(t, st), gid, true); err != nil {
		t.Fatal(err)
	}
	anon := newClient(t, ts)
	for _, l := range Languages {
		r := anon.get("/" + l + "/")
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, `data-trend="left-out"`, "<bdi>2024"+map[string]string{"ar": "، ", "en": ", "}[l]+"2025</bdi>")
	}
}

// adminID is the demo coordinator's user id.
func adminID(t *testing.T, st *sqlstore.Store) int64 {
	t.Helper()
	users, err := st.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == "admin@example.ps" {
			return u.ID
		}
	}
	t.Fatal("no demo coordinator")
	return 0
}

// revisedQuestionnaire is version 2027.1 of the default questionnaire: no
// catalog metrics, one item removed, one re-weighted, one added. It
// returns the version and the ids removed, re-weighted and added.
func revisedQuestionnaire(t *testing.T) (*survey.Definition, string, string, string) {
	t.Helper()
	def, err := survey.ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	referred := map[string]bool{}
	for _, it := range def.Items {
		for _, ref := range it.Cond().Refs() {
			referred[ref] = true
		}
	}
	removed, reweighted := "", ""
	var items []survey.Item
	for _, it := range def.Items {
		switch {
		case it.Type == survey.TypeMetric:
			continue
		case removed == "" && it.Scored() && !referred[it.ID] && it.Section == "USR":
			removed = it.ID
			continue
		case reweighted == "" && it.Scored() && it.Section == "ENB":
			reweighted = it.ID
			it.Weight *= 2
		}
		items = append(items, it)
	}
	added := survey.Item{Section: "STR", ID: "STR-NEW", Type: survey.TypeYesNo, LabelAr: "هل نُشرت استراتيجية البيانات؟",
		LabelEn: "Is a data strategy published?", Weight: 1}
	def.Version, def.Items = "2027.1", append(items, added)
	if removed == "" || reweighted == "" {
		t.Fatalf("no item to remove (%q) or re-weight (%q)", removed, reweighted)
	}
	return def, removed, reweighted, added.ID
}

// TestChangeOnCommonItems: a round on a revised questionnaire whose
// respondents gave exactly their 2025 answers. Its published indexes
// differ from 2025's (an item removed, one re-weighted, one added and
// unanswered, the catalog metrics gone), so subtracting them — the old
// code — shows changes that are only the revision. Not declared
// comparable, no change at all; once the coordinator declares 2026.1 its
// predecessor, the change is computed on the common items: 0 for every
// institution, with a note listing what differs.
func TestChangeOnCommonItems(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := survey.Actor{ID: adminID(t, st), Role: survey.RoleAdmin}
	prevID, _ := strconv.ParseInt(roundIDByName(t, st, "2025"), 10, 64)
	prev, err := st.Round(ctx, prevID)
	if err != nil {
		t.Fatal(err)
	}
	def, removed, reweighted, added := revisedQuestionnaire(t)
	q, err := st.StoreQuestionnaire(ctx, admin.ID, def)
	if err != nil {
		t.Fatal(err)
	}
	round, err := st.CreateRound(ctx, admin.ID, survey.RoundInput{Name: "2027", QuestionnaireID: q.ID, Deadline: "2099-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RoundAction(ctx, admin.ID, round.ID, "open"); err != nil {
		t.Fatal(err)
	}
	board, err := st.RoundBoard(ctx, prev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range board {
		if row.Status != survey.ResponseAccepted {
			continue
		}
		code := row.Institution.Code
		resp, err := st.Response(ctx, prev.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := st.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ins []survey.AnswerInput
		for _, it := range def.Items {
			if a, ok := answers[it.ID]; ok {
				ins = append(ins, survey.AnswerInput{ItemID: a.ItemID, Values: a.Values, NA: a.NA, Evidence: a.Evidence, Comment: a.Comment})
			}
		}
		if _, err := st.SaveAnswers(ctx, admin, round.ID, code, ins); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if _, err := st.ResponseAction(ctx, admin, round.ID, code, "submit"); err != nil {
			t.Fatalf("submit %s: %v", code, err)
		}
	}
	if round, err = st.RoundAction(ctx, admin.ID, round.ID, "close"); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(round.ID, 10)

	viewer := newClient(t, ts)
	viewer.signIn("en", "viewer@example.ps", survey.DemoPassword)
	before := getScores(t, viewer, roundIDByName(t, st, "2025"))
	published := map[string]float64{}
	for _, x := range before.Scores {
		published[x.Code] = x.Index
	}
	// Not declared: no change. The latest earlier round the viewer may see
	// is the GTMI pilot, on another questionnaire: named as passed over.
	got := getScores(t, viewer, id)
	if got.ComparedWith != nil || got.Comparison.Kind != survey.CompareNone || got.Comparison.PassedOver == nil {
		t.Errorf("undeclared: compared with %+v, %+v; want none", got.ComparedWith, got.Comparison)
	}
	moved := 0
	for _, x := range got.Scores {
		if x.DeltaIndex != nil {
			t.Errorf("undeclared: %s changed by %v", x.Code, *x.DeltaIndex)
		}
		if p, ok := published[x.Code]; ok && p != x.Index {
			moved++
		}
	}
	if len(got.Scores) < 30 || moved < len(got.Scores)/2 {
		t.Fatalf("%d ranked, %d with another published index than in 2025; the revision should move most", len(got.Scores), moved)
	}

	// The coordinator declares 2026.1 the predecessor on the version's page.
	coord := newClient(t, ts)
	coord.signIn("en", "admin@example.ps", survey.DemoPassword)
	page := "/en/admin/questionnaires/" + strconv.FormatInt(q.ID, 10) + "/version"
	r := coord.post("/en/admin/questionnaires/"+strconv.FormatInt(q.ID, 10)+"/predecessor",
		url.Values{"predecessor": {strconv.FormatInt(prev.QuestionnaireID, 10)}}, page)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "done=saved") {
		t.Fatalf("declaring the predecessor: %d %s", r.Status, r.Header.Get("Location"))
	}
	for _, l := range Languages {
		r = coord.get("/" + l + "/admin/questionnaires/" + strconv.FormatInt(q.ID, 10) + "/version")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, removed, reweighted, added, `value="`+strconv.FormatInt(prev.QuestionnaireID, 10)+`" selected`)
	}
	// A version cannot continue its own successor.
	r = coord.post("/en/admin/questionnaires/"+strconv.FormatInt(prev.QuestionnaireID, 10)+"/predecessor",
		url.Values{"predecessor": {strconv.FormatInt(q.ID, 10)}}, "/en/admin/questionnaires/"+strconv.FormatInt(prev.QuestionnaireID, 10)+"/version")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "A version cannot continue itself or a version that continues it.")
	r = coord.get("/en/admin/audit")
	assertContains(t, r.Body, "Comparable earlier version set")

	// Declared: the change is on the common items, where every answer is
	// the same: 0 for everyone, rank unchanged.
	got = getScores(t, viewer, id)
	if got.ComparedWith == nil || got.ComparedWith.ID != prev.ID || got.Comparison.Kind != survey.CompareDeclared || got.Comparison.Diff == nil {
		t.Fatalf("declared: compared with %+v, %+v", got.ComparedWith, got.Comparison)
	}
	d := got.Comparison.Diff
	ids := func(cs []survey.ItemChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if !slices.Contains(ids(d.Removed), removed) || !slices.Equal(ids(d.Added), []string{added}) || !slices.Equal(ids(d.Reweighted), []string{reweighted}) ||
		d.CommonItems < 40 || len(d.Removed) != 16 {
		t.Errorf("diff: common %d, removed %v, added %v, re-weighted %v", d.CommonItems, ids(d.Removed), ids(d.Added), ids(d.Reweighted))
	}
	for _, x := range got.Scores {
		if x.DeltaIndex == nil || *x.DeltaIndex != 0 || x.DeltaRank == nil || *x.DeltaRank != 0 {
			t.Errorf("declared: %s changed by %v, rank %v; the same answers on the common items", x.Code, x.DeltaIndex, x.DeltaRank)
		}
	}
	note := map[string]string{
		"ar": "التغير عن جولة <bdi>2025</bdi> محسوب على البنود المشتركة بين نسختَي الاستبانة فقط (عددها <bdi>" + strconv.Itoa(d.CommonItems) + "</bdi>)",
		"en": "The change since round <bdi>2025</bdi> is computed only on the items both versions of the questionnaire share (<bdi>" + strconv.Itoa(d.CommonItems) + "</bdi> items)",
	}
	passed := map[string]string{"ar": "لم تُقارَن هذه الجولة بجولة <bdi>2025 GTMI</bdi>", "en": "Round <bdi>2025 GTMI</bdi> is not compared with"}
	for _, l := range Languages {
		viewer := newClient(t, ts)
		viewer.signIn(l, "viewer@example.ps", survey.DemoPassword)
		for _, page := range []string{"dashboard", "rankings", "scorecards/MOE", "compare?c=MOE"} {
			r := viewer.get("/" + l + "/rounds/" + id + "/" + page)
			assertStatus(t, r, http.StatusOK)
			assertTranslated(t, r.Body)
			assertContains(t, r.Body, note[l], `data-comparison="declared"`, removed, passed[l])
		}
	}
	// The exports carry the note above the changes.
	plain := "The change since round 2025 is computed only on the items both versions of the questionnaire share (" + strconv.Itoa(d.CommonItems) + " items)"
	for _, path := range []string{"rankings.csv", "dashboard.csv?chart=chart_movers_" + id} {
		r := viewer.get("/en/rounds/" + id + "/" + path)
		assertStatus(t, r, http.StatusOK)
		if first, _, _ := strings.Cut(strings.TrimPrefix(r.Body, "\ufeff"), "\n"); !strings.Contains(first, plain) {
			t.Errorf("%s starts with %q, want the note on common items", path, first)
		}
	}

	// Published and public, the round is compared with 2025 for anonymous
	// visitors too; they are never told of the closed GTMI pilot, not even
	// from an answer cached for a viewer.
	if _, err := st.RoundAction(ctx, admin.ID, round.ID, "publish"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRoundPublic(ctx, admin.ID, round.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := getScores(t, viewer, id); got.Comparison.PassedOver == nil {
		t.Fatal("the viewer is not told of the GTMI pilot passed over")
	}
	anon := newClient(t, ts)
	got = getScores(t, anon, id)
	if got.ComparedWith == nil || got.ComparedWith.ID != prev.ID || got.Comparison.Kind != survey.CompareDeclared || got.Comparison.PassedOver != nil {
		t.Errorf("anonymous: compared with %+v, %+v; want 2025, declared, nothing passed over", got.ComparedWith, got.Comparison)
	}
	for _, l := range Languages {
		r := anon.get("/" + l + "/rounds/" + id + "/rankings")
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, note[l])
		if strings.Contains(r.Body, "GTMI") {
			t.Errorf("%s: the public rankings name the closed GTMI pilot", l)
		}
	}
}

// TestPredecessorAPI: the API declares a version's predecessor when
// storing it or later, lists it, and refuses a loop or an unknown version.
func TestPredecessorAPI(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	token := apiToken(t, ts, "admin@example.ps")
	prevID, _ := strconv.ParseInt(roundIDByName(t, st, "2025"), 10, 64)
	prev, err := st.Round(context.Background(), prevID)
	if err != nil {
		t.Fatal(err)
	}
	v1 := strconv.FormatInt(prev.QuestionnaireID, 10)
	def, _, _, _ := revisedQuestionnaire(t)
	body, err := def.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	countVersions := func() int {
		t.Helper()
		r := apiCall(t, ts, http.MethodGet, "/api/v1/questionnaires", token, "")
		assertStatus(t, r, http.StatusOK)
		return strings.Count(r.Body, `"predecessor_id"`)
	}
	// An unknown predecessor is refused before anything is stored.
	versions := countVersions()
	r := apiCall(t, ts, http.MethodPost, "/api/v1/questionnaires?predecessor=987654", token, string(body))
	assertStatus(t, r, http.StatusNotFound)
	if n := countVersions(); n != versions {
		t.Errorf("a version with an unknown predecessor was stored: %d versions, had %d", n, versions)
	}
	r = apiCall(t, ts, http.MethodPost, "/api/v1/questionnaires?predecessor="+v1, token, string(body))
	assertStatus(t, r, http.StatusCreated)
	var created struct {
		ID          int64 `json:"id"`
		Predecessor int64 `json:"predecessor_id"`
	}
	if err := json.Unmarshal([]byte(r.Body), &created); err != nil || created.Predecessor != prev.QuestionnaireID {
		t.Fatalf("created %s: %v", r.Body, err)
	}
	v2 := strconv.FormatInt(created.ID, 10)
	listed := func() map[int64]int64 {
		t.Helper()
		r := apiCall(t, ts, http.MethodGet, "/api/v1/questionnaires", token, "")
		assertStatus(t, r, http.StatusOK)
		var out struct {
			Questionnaires []struct {
				ID          int64 `json:"id"`
				Predecessor int64 `json:"predecessor_id"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatal(err)
		}
		m := map[int64]int64{}
		for _, q := range out.Questionnaires {
			m[q.ID] = q.Predecessor
		}
		return m
	}
	if m := listed(); m[created.ID] != prev.QuestionnaireID || m[prev.QuestionnaireID] != 0 {
		t.Errorf("listed predecessors %v", m)
	}
	r = apiCall(t, ts, http.MethodPut, "/api/v1/questionnaires/"+v1+"/predecessor", token, `{"predecessor_id":`+v2+`}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["predecessor"] == "" {
		t.Errorf("loop refused without naming the field: %+v", e)
	}
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/questionnaires/987654/predecessor", token, `{"predecessor_id":`+v1+`}`), http.StatusNotFound)
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/questionnaires/"+v2+"/predecessor", token, `{"predecessor_id":0}`), http.StatusOK)
	if m := listed(); m[created.ID] != 0 {
		t.Errorf("after withdrawing: %v", m)
	}
}

// TestComparisonReasonsTranslated: the keys built from a reason exist in
// both languages (TestEveryUsedKeyIsTranslated cannot see built keys).
func TestComparisonReasonsTranslated(t *testing.T) {
	t.Parallel()
	locs, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{survey.ReasonOtherQuestionnaire, survey.ReasonUndeclared, survey.ReasonOtherModel, survey.ReasonNoCommonItems} {
		for lang, l := range locs {
			for _, key := range []string{"compare.why." + reason, "compare.version." + reason} {
				if _, ok := l.messages[key]; !ok {
					t.Errorf("%s.json lacks %q", lang, key)
				}
			}
		}
	}
}

// TestUploadWithPredecessor: the coordinator names the version a new one
// continues in the upload form; the list shows it.
func TestUploadWithPredecessor(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	c := newClient(t, ts)
	c.signIn("en", "admin@example.ps", survey.DemoPassword)
	prevID, _ := strconv.ParseInt(roundIDByName(t, st, "2025"), 10, 64)
	prev, err := st.Round(ctx, prevID)
	if err != nil {
		t.Fatal(err)
	}
	def, _, _, _ := revisedQuestionnaire(t)
	body, err := def.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf("/en/admin/questionnaires"))
	_ = mw.WriteField("predecessor", strconv.FormatInt(prev.QuestionnaireID, 10))
	fw, _ := mw.CreateFormFile("file", "v2.json")
	_, _ = fw.Write(body)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/en/admin/questionnaires", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := c.do(req)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "Version 2027.1 stored.")
	lineage, err := st.QuestionnaireLineage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v2 int64
	for id, pred := range lineage {
		if pred == prev.QuestionnaireID {
			v2 = id
		}
	}
	if v2 == 0 {
		t.Fatalf("lineage %v: the upload's predecessor was not recorded", lineage)
	}
	for _, l := range Languages {
		r = c.get("/" + l + "/admin/questionnaires")
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, "/admin/questionnaires/"+strconv.FormatInt(v2, 10)+"/version", `<bdi dir="ltr">marsad-default 2026.1</bdi>`)
	}
}
