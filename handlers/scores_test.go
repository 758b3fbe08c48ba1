package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

func roundIDByName(t *testing.T, st *sqlstore.Store, name string) string {
	t.Helper()
	rounds, _ := st.ListRounds(context.Background())
	for _, r := range rounds {
		if r.Name == name {
			return strconv.FormatInt(r.ID, 10)
		}
	}
	t.Fatalf("no round %s", name)
	return ""
}

func TestScoresVisibilityAndPages(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	r2025, r2026 := roundIDByName(t, st, "2025"), roundIDByName(t, st, "2026")
	anon := newClient(t, ts)
	// A published, public round: everyone sees the rankings.
	r := anon.get("/api/v1/rounds/" + r2025 + "/scores")
	assertStatus(t, r, http.StatusOK)
	var out struct {
		Scores []survey.InstitutionScore
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || len(out.Scores) < 20 || out.Scores[0].Rank != 1 {
		t.Fatalf("scores %s: %v", r.Body[:min(300, len(r.Body))], err)
	}
	for _, l := range Languages {
		r = anon.get("/" + l + "/rounds/" + r2025 + "/rankings?sector=health")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		r = anon.get("/" + l + "/rounds/" + r2025 + "/scorecards/MOH?index=verified")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
	}
	assertContains(t, r.Body, "Suggested improvement actions", "How this score was computed")
	// The open round: not for the public, nor for respondents' rankings.
	assertStatus(t, anon.get("/api/v1/rounds/"+r2026+"/scores"), http.StatusForbidden)
	assertStatus(t, anon.get("/ar/rounds/"+r2026+"/rankings"), http.StatusSeeOther)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, moh.get("/ar/rounds/"+r2026+"/rankings"), http.StatusForbidden)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertStatus(t, admin.get("/ar/rounds/"+r2026+"/rankings"), http.StatusOK)
	// A private published round: viewers yes, the public no.
	id, _ := strconv.ParseInt(r2025, 10, 64)
	if err := st.SetRoundPublic(context.Background(), 0, id, false); err != nil {
		t.Fatal(err)
	}
	assertStatus(t, anon.get("/api/v1/rounds/"+r2025+"/scores"), http.StatusForbidden)
	viewer := newClient(t, ts)
	viewer.signIn("en", "viewer@example.ps", survey.DemoPassword)
	assertStatus(t, viewer.get("/api/v1/rounds/"+r2025+"/institutions/MOI/scorecard"), http.StatusOK)
}

// TestScoreAppearsOnSubmit: a submitted response has its score at once, and
// its own institution sees the scorecard while the round is still open.
func TestScoreAppearsOnSubmit(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	rid := openRoundID(t, st)
	q, _ := st.Questionnaire(ctx, func() int64 { r, _ := st.Round(ctx, rid); return r.QuestionnaireID }())
	var rows []survey.AnswerRow
	for _, it := range q.Def.Items {
		if !it.Required || it.Type == survey.TypeMetric {
			continue
		}
		var vals []string
		switch it.Type {
		case survey.TypeSingle:
			vals = []string{it.Options[len(it.Options)-1].Value}
		case survey.TypeMulti:
			for _, o := range it.Options {
				if o.Value != survey.NoneOption {
					vals = append(vals, o.Value)
				}
			}
		case survey.TypePercent:
			vals = []string{"100"}
		case survey.TypeYesNo:
			vals = []string{"yes"}
		}
		rows = append(rows, survey.AnswerRow{Institution: "MOI", Input: survey.AnswerInput{ItemID: it.ID, Values: vals}})
	}
	if _, err := st.ImportAnswers(ctx, survey.Actor{Role: survey.RoleAdmin}, rid, rows); err != nil {
		t.Fatal(err)
	}
	token := apiToken(t, ts, "moi@example.ps")
	id := strconv.FormatInt(rid, 10)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/institutions/MOI/scorecard", token, ""), http.StatusNotFound)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOI/submit", token, ""), http.StatusOK)
	r := apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/institutions/MOI/scorecard", token, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"improvement_actions"`, `"scoring_version":"`+survey.ScoringVersion+`"`)
	// Top level on every typed item: only the catalog metrics keep it below 100.
	var sc struct {
		Score struct{ Index float64 }
	}
	_ = json.Unmarshal([]byte(r.Body), &sc)
	if sc.Score.Index <= 50 || sc.Score.Index > 100 {
		t.Errorf("index %v", sc.Score.Index)
	}
	// Another institution's scorecard in an open round: 403.
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/institutions/MOH/scorecard", token, ""), http.StatusForbidden)
	if !strings.Contains(r.Body, `"code":"MOI"`) {
		t.Error("scorecard lacks the institution")
	}
}

// TestModelRoundReproducesComponents: a round on the GTMI model takes the
// published components through the answers import and returns the composite
// index, level and rank through the API.
func TestModelRoundReproducesComponents(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	r := apiCall(t, ts, http.MethodPost, "/api/v1/rounds", admin, `{"name":"GTMI 2022","model":"gtmi"}`)
	assertStatus(t, r, http.StatusCreated)
	var round survey.Round
	_ = json.Unmarshal([]byte(r.Body), &round)
	id := strconv.FormatInt(round.ID, 10)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds", admin, `{"name":"X","model":"nope"}`), http.StatusUnprocessableEntity)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/open", admin, ""), http.StatusOK)
	csv := "institution_code,question_id,value\n" +
		"MOH,CGSI,0.8\nMOH,PSDI,0.6\nMOH,DCEI,0.4\nMOH,GTEI,0.2\n" +
		"MOI,CGSI,0.9\nMOI,PSDI,0.8\nMOI,DCEI,0.7\nMOI,GTEI,0.6\n" +
		"MOF,CGSI,0.5\nMOF,PSDI,0.5\nMOF,DCEI,0.5\nMOF,GTEI,0.5\n"
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/rounds/"+id+"/answers/import", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+admin)
	assertStatus(t, newClient(t, ts).do(req), http.StatusOK)
	for _, code := range []string{"MOH", "MOI", "MOF"} {
		assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/"+code+"/submit", admin, ""), http.StatusOK)
	}
	r = apiCall(t, ts, http.MethodGet, "/api/v1/rounds/"+id+"/scores", admin, "")
	assertStatus(t, r, http.StatusOK)
	var out struct {
		Scores []survey.InstitutionScore
	}
	_ = json.Unmarshal([]byte(r.Body), &out)
	got := ""
	for _, sc := range out.Scores {
		got += sc.Code + " " + strconv.FormatFloat(sc.Index, 'f', -1, 64) + " " + sc.Level + " " + strconv.Itoa(sc.Rank) + "; "
	}
	// MOH and MOF both 0.5: they share rank 2 (1, 2, 2).
	if got != "MOI 0.75 A 1; MOF 0.5 B 2; MOH 0.5 B 2; " {
		t.Errorf("scores: %s", got)
	}
}
