package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/synth"
)

// BenchmarkDashboardPages serves each dashboard page for the last of ten
// published rounds of 1,500 scored institutions, as an anonymous visitor
// (the published round is public), from 32 concurrent clients, reporting
// server time p50/p99 and the size of a page.
func BenchmarkDashboardPages(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	if err := synth.Seed(ctx, st, 1500, 15000, 3); err != nil {
		b.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	var last survey.Round
	for i := range 10 {
		last = seedScoredRound(b, st, q, strconv.Itoa(2017+i), i*7, 1500, true)
		if err := st.SetRoundPublic(ctx, 0, last.ID, true); err != nil {
			b.Fatal(err)
		}
	}
	// A coordinator exists (or every page sends visitors to first-run set-up).
	if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "bench-password"}); err != nil {
		b.Fatal(err)
	}
	// A signed-in decision maker is never served from the page cache.
	viewer, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "v@example.ps", Role: survey.RoleViewer, Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _ := st.CreateSession(ctx, viewer.ID, survey.SessionWeb)
	srv := newServerOn(b, st)
	id := strconv.FormatInt(last.ID, 10)
	for _, who := range []string{"anonymous", "viewer"} {
		for _, page := range []string{"dashboard", "rankings", "heatmap", "scorecards/I0042", "present", "dashboard.html", "home"} {
			path := "/ar/rounds/" + id + "/" + page
			switch page {
			case "present":
				path = "/ar/present/" + id
			case "home":
				path = "/ar/"
			}
			request := func() *http.Request {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if who == "viewer" {
					req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
				}
				return req
			}
			b.Run(who+"/"+page, func(b *testing.B) {
				warm := &discardWriter{header: http.Header{}}
				srv.ServeHTTP(warm, request())
				if warm.status != http.StatusOK {
					b.Fatalf("%s: status %d", path, warm.status)
				}
				b.SetParallelism(16) // 32 clients on 2 CPUs
				var mu sync.Mutex
				var times []time.Duration
				var size int
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						w := &countingWriter{discardWriter: discardWriter{header: http.Header{}}}
						start := time.Now()
						srv.ServeHTTP(w, request())
						d := time.Since(start)
						mu.Lock()
						times, size = append(times, d), w.n
						mu.Unlock()
					}
				})
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
				b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
				b.ReportMetric(float64(size)/1024, "KiB")
			})
		}
	}
}

type countingWriter struct {
	discardWriter
	n int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return w.discardWriter.Write(p)
}
