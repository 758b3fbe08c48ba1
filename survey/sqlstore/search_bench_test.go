package sqlstore

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/synth"

	"golang.org/x/crypto/bcrypt"
)

// benchStore is a store with 150 institutions and 30,000 generated services.
func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := synth.Seed(context.Background(), s, 150, 30000, 1); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSearchCatalog measures one catalog search (counts per filter value
// and one page of results) over 30,000 services.
func BenchmarkSearchCatalog(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cases := map[string]survey.CatalogQuery{
		"all":          {},
		"query":        {Q: "شهادة ميلاد"},
		"query+abroad": {Q: "تجديد", Abroad: true, StageMin: 3},
		"institution":  {Institution: "I0042", Sort: "stage"},
		"deep page":    {Q: "جواز", Page: 40},
		"no match":     {Q: "لا يوجد شيء كهذا"},
	}
	// "fresh" searches forget remembered outcomes first, so each pays the
	// whole pass over the index: the worst case, for queries never seen.
	for _, fresh := range []bool{true, false} {
		for name, q := range cases {
			label := "repeated/" + name
			if fresh {
				label = "fresh/" + name
			}
			b.Run(label, func(b *testing.B) {
				var times []time.Duration
				for b.Loop() {
					if fresh {
						forgetSearches(s)
					}
					start := time.Now()
					if _, err := s.SearchCatalog(ctx, q); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
			})
		}
	}
}

func forgetSearches(s *Store) { s.searches.Clear() }

// BenchmarkExportCSV streams all 30,000 services as CSV.
func BenchmarkExportCSV(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for b.Loop() {
		var n countWriter
		err := survey.WriteServicesCSV(&n, func(fn func(survey.Service) error) error { return s.EachService(ctx, false, fn) })
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
