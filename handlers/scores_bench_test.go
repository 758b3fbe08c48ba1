package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
	"marsad/survey/synth"
)

// BenchmarkScoresAPI serves GET /api/v1/rounds/{id}/scores for a round of
// 1,500 scored institutions through the whole router, reporting p99.
func BenchmarkScoresAPI(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	if err := synth.Seed(ctx, st, 1500, 15000, 3); err != nil {
		b.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	round := seedScoredRound(b, st, q, "2026", 0, 1500, false)
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _ := st.CreateSession(ctx, u.ID, survey.SessionAPI)
	srv := newServerOn(b, st)
	path := "/api/v1/rounds/" + strconv.FormatInt(round.ID, 10) + "/scores"
	// 32 concurrent clients on the 2 CPUs, like a hall of dashboards. The
	// first request after a change computes the ranking (about 30 ms); the
	// rest are served from memory.
	b.SetParallelism(16)
	if os.Getenv("MARSAD_BENCH_COLD") == "" {
		warm := httptest.NewRequest(http.MethodGet, path, nil)
		warm.Header.Set("Authorization", "Bearer "+token)
		srv.ServeHTTP(&discardWriter{header: http.Header{}}, warm)
	}
	var mu sync.Mutex
	var times []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := &discardWriter{header: http.Header{}}
			start := time.Now()
			srv.ServeHTTP(w, req)
			d := time.Since(start)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
			mu.Lock()
			times = append(times, d)
			mu.Unlock()
		}
	})
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
}

// seedScoredRound runs a whole round for the synthetic institutions I0001…
// I{institutions}: opened, every institution's answers imported and submitted (which
// scores them); shift varies the answers from round to round. With publish
// the round ends closed, published and public.
func seedScoredRound(b testing.TB, st *sqlstore.Store, q survey.QuestionnaireVersion, name string, shift, institutions int, publish bool) survey.Round {
	ctx := context.Background()
	round, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: q.ID})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.RoundAction(ctx, 0, round.ID, "open"); err != nil {
		b.Fatal(err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	for i := 1; i <= institutions; i++ {
		code := fmt.Sprintf("I%04d", i)
		k := i + shift
		rows := synth.Answers(q.Def, code, k)
		if _, err := st.ImportAnswers(ctx, admin, round.ID, rows); err != nil {
			b.Fatal(err)
		}
		if _, err := st.ResponseAction(ctx, admin, round.ID, code, "submit"); err != nil {
			b.Fatal(err)
		}
	}
	if publish {
		for _, a := range []string{"close", "publish"} {
			if _, err := st.RoundAction(ctx, 0, round.ID, a); err != nil {
				b.Fatal(err)
			}
		}
	}
	return round
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

// BenchmarkResponsePage renders the questionnaire's section pages in turn
// for a signed-in respondent, gzip-compressed as a browser asks (server
// time only), reporting p99.
func BenchmarkResponsePage(b *testing.B) {
	srv, st := newTestServer(b)
	ctx := context.Background()
	rounds, _ := st.OpenRounds(ctx)
	u, _ := st.CreateUser(ctx, 0, survey.NewUser{Email: "r@moh.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "bench-password"})
	token, _, _ := st.CreateSession(ctx, u.ID, survey.SessionWeb)
	q, err := st.Questionnaire(ctx, rounds[0].QuestionnaireID)
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	for _, sec := range q.Def.Sections {
		paths = append(paths, "/ar/rounds/"+strconv.FormatInt(rounds[0].ID, 10)+"/responses/MOH?section="+sec.ID)
	}
	var times []time.Duration
	i := 0
	cpu := processCPU()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil)
		i++
		req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		w := &discardWriter{header: http.Header{}}
		start := time.Now()
		srv.ServeHTTP(w, req)
		times = append(times, time.Since(start))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
}

// processCPU is the CPU time the test process has used (user and system):
// other processes on the machine share the cores, which makes wall time
// per operation move; CPU time moves much less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardWriter is a ResponseWriter that drops the body, as a network
// connection would take it, so benchmarks time the server and not a
// recorder's growing buffer.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(code int) { w.status = code }
