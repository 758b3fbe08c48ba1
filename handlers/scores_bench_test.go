package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
)

// BenchmarkScoresAPI serves GET /api/v1/rounds/{id}/scores for a round of
// 1,500 scored institutions through the whole router, reporting p99.
func BenchmarkScoresAPI(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	if err := st.SeedSynthetic(ctx, 1500, 15000, 3); err != nil {
		b.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	round, _ := st.CreateRound(ctx, 0, survey.RoundInput{Name: "2026", QuestionnaireID: q.ID})
	if _, err := st.RoundAction(ctx, 0, round.ID, "open"); err != nil {
		b.Fatal(err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	for i := 1; i <= 1500; i++ {
		code := fmt.Sprintf("I%04d", i)
		var rows []survey.AnswerRow
		for _, it := range q.Def.Items {
			if !it.Required || it.Type == survey.TypeMetric {
				continue
			}
			v := []string{"1"}
			switch it.Type {
			case survey.TypeSingle:
				v = []string{it.Options[i%len(it.Options)].Value}
			case survey.TypeMulti:
				v = []string{it.Options[i%len(it.Options)].Value}
			case survey.TypePercent:
				v = []string{strconv.Itoa(i % 101)}
			case survey.TypeYesNo:
				v = []string{"yes"}
			}
			rows = append(rows, survey.AnswerRow{Institution: code, Input: survey.AnswerInput{ItemID: it.ID, Values: v}})
		}
		if _, err := st.ImportAnswers(ctx, admin, round.ID, rows); err != nil {
			b.Fatal(err)
		}
		if _, err := st.ResponseAction(ctx, admin, round.ID, code, "submit"); err != nil {
			b.Fatal(err)
		}
	}
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _ := st.CreateSession(ctx, u.ID, survey.SessionAPI)
	srv := newServerOn(b, st)
	path := "/api/v1/rounds/" + strconv.FormatInt(round.ID, 10) + "/scores"
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(w, req)
		times = append(times, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
}

// BenchmarkAutosave is one answer saved through the whole router (bearer
// token, JSON, validation, version check, audit) on the demo database.
func BenchmarkAutosave(b *testing.B) {
	srv, st := newTestServer(b)
	ctx := context.Background()
	rounds, _ := st.OpenRounds(ctx)
	u, _ := st.CreateUser(ctx, 0, survey.NewUser{Email: "r@moi.ps", Role: survey.RoleRespondent, InstitutionCode: "MOI", Password: "bench-password"})
	token, _, _ := st.CreateSession(ctx, u.ID, survey.SessionAPI)
	path := "/api/v1/rounds/" + strconv.FormatInt(rounds[0].ID, 10) + "/responses/MOI/answers/STR-1"
	version := 0
	for b.Loop() {
		body := fmt.Sprintf(`{"values":["%d"],"version":%d}`, version%4, version)
		req := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
		version++
	}
}
