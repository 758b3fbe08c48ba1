package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
	"marsad/survey/synth"
)

// BenchmarkMicrodata serves a round's microdata (CSV, workbook, JSON)
// through the whole router and reports the rows, the bytes and the peak
// heap while serving: it must stay bounded however many institutions the
// round has (the rows are streamed, one response at a time). By default
// the round is 1,500 synthetic institutions, published; with
// MARSAD_MICRODATA_DB=path a copy of a larger database is read instead
// (its largest published or closed round) — never the original, which
// the store migrates on opening.
func BenchmarkMicrodata(b *testing.B) {
	ctx := context.Background()
	var st *sqlstore.Store
	var round survey.Round
	if path := os.Getenv("MARSAD_MICRODATA_DB"); path != "" {
		st = openTestStore(b, path)
		rounds, err := st.ListRounds(ctx)
		if err != nil {
			b.Fatal(err)
		}
		best := -1
		for _, r := range rounds {
			if !r.Frozen() {
				continue
			}
			scores, err := st.Scores(ctx, r.ID, survey.ScoreSelf)
			if err != nil {
				b.Fatal(err)
			}
			if len(scores) > best {
				best, round = len(scores), r
			}
		}
		if best < 0 {
			b.Fatal("no closed or published round")
		}
		b.Logf("round %s (%s): %d institutions", round.Name, round.Status, best)
	} else {
		st = newTestStore(b)
		if err := synth.Seed(ctx, st, 1500, 15000, 3); err != nil {
			b.Fatal(err)
		}
		q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
		if err != nil {
			b.Fatal(err)
		}
		round = seedScoredRound(b, st, q, "2026", 0, 1500, true)
	}
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "microdata-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.ps", Role: survey.RoleAdmin, Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _ := st.CreateSession(ctx, u.ID, survey.SessionAPI)
	srv := newServerOn(b, st)
	srv.tap = nil // the tap keeps a copy of every answer: not what is measured
	for _, format := range []string{"csv", "xlsx", "json"} {
		b.Run(format, func(b *testing.B) {
			path := "/api/v1/rounds/" + strconv.FormatInt(round.ID, 10) + "/microdata." + format
			var peak atomic.Uint64
			stop := make(chan struct{})
			go func() { // samples the heap while the file is served
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
						runtime.ReadMemStats(&m)
						if m.HeapInuse > peak.Load() {
							peak.Store(m.HeapInuse)
						}
					}
				}
			}()
			var written int64
			var base runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&base)
			for b.Loop() {
				runtime.GC()
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				w := &countingWriter{discardWriter: discardWriter{header: http.Header{}}}
				srv.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				written = int64(w.n)
			}
			close(stop)
			b.ReportMetric(float64(written)/1e6, "MB/file")
			b.ReportMetric(float64(peak.Load())/1e6, "MB-peak-heap")
			b.ReportMetric(float64(base.HeapInuse)/1e6, "MB-heap-before")
		})
	}
}
