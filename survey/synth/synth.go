// Package synth generates synthetic data for benchmarks, load tests and
// tests that need a big catalog or many scored rounds: institutions
// I0001…, their services and their answers. Everything is deterministic
// for a seed and goes through the store (SeedCatalog for the catalog, the
// ordinary round and import methods for rounds), so the production survey
// package carries no generator and the bench measures the app's own code.
package synth

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"

	"marsad/survey"
)

// Words that synthetic service names are made of, so that searches over
// generated catalogs match a realistic share of rows.
var (
	actions = []string{"إصدار", "تجديد", "تعديل", "طلب", "إلغاء", "نقل", "تصديق", "تسجيل", "استعلام عن", "بدل فاقد"}
	objects = []string{"شهادة ميلاد", "جواز سفر", "بطاقة هوية", "رخصة قيادة", "سجل تجاري", "تصريح بناء", "شهادة عدم محكومية",
		"تأمين صحي", "رخصة مهنة", "شهادة وفاة", "عقد إيجار", "شهادة مدرسية", "إقرار ضريبي", "رخصة مركبة", "اشتراك مياه"}
)

// Queries are searches that benchmarks run against generated data.
var Queries = []string{"", "شهاده ميلاد", "تجديد", "جواز", strings.Repeat("x", 3)}

// InstitutionCode is the code of generated institution i (1-based).
func InstitutionCode(i int) string { return fmt.Sprintf("I%04d", i) }

// Institutions are n generated institutions, I0001…, of every kind and
// region in turn, in a sector of their own.
func Institutions(n int) []survey.InstitutionInput {
	kinds := []string{"ministry", "agency", "municipality"}
	out := make([]survey.InstitutionInput, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, survey.InstitutionInput{Code: InstitutionCode(i), NameAr: fmt.Sprintf("مؤسسة تجريبية %d", i),
			NameEn: fmt.Sprintf("Synthetic institution %d", i), Kind: kinds[i%3], Sector: "synthetic",
			Region: survey.Regions[i%len(survey.Regions)]})
	}
	return out
}

// Services yields n generated services spread over institutions
// institutions, drawn from a generator seeded with seed: stages 0–5 with
// matching features, names from a small vocabulary, one in twenty planned.
func Services(institutions, n int, seed uint64) iter.Seq[survey.Service] {
	return func(yield func(survey.Service) bool) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- synthetic data only; nothing secret is drawn
		for i := 0; i < n; i++ {
			// The draws are made in a fixed order, so a seed always gives
			// the same catalog.
			stage := min(r.IntN(4)+r.IntN(3), survey.MaxStage)
			name := actions[r.IntN(len(actions))] + " " + objects[r.IntN(len(objects))]
			sv := survey.Service{InstitutionCode: InstitutionCode(i%institutions + 1), Code: fmt.Sprintf("S%06d", i),
				NameAr: name, NameEn: fmt.Sprintf("Service %d", i), DescriptionAr: "خدمة مولّدة لاختبار الأداء: " + name,
				Stage: stage, Languages: []string{"ar"}, Status: survey.ServiceActive, OnlineShare: float64(stage * 15)}
			if stage >= survey.StageTransactional {
				sv.OnlineURL = "https://example.ps/s/" + sv.Code
			}
			if r.IntN(20) == 0 {
				sv.Status = survey.ServicePlanned
			}
			sv.Category = survey.Categories[r.IntN(len(survey.Categories))]
			sv.Audience = []string{survey.Audiences[r.IntN(len(survey.Audiences))]}
			sv.Channels = []string{survey.Channels[r.IntN(len(survey.Channels))]}
			sv.EPayment = stage >= 3 && r.IntN(3) > 0
			sv.EID = stage >= 3
			sv.Abroad = stage >= 3 && r.IntN(2) == 0
			sv.NoVisit = stage >= 3 && r.IntN(3) > 0
			sv.FeeILS = float64(r.IntN(200))
			sv.ProcessingDays = r.IntN(30)
			sv.YearlyVolume = int64(r.IntN(50000))
			if !yield(sv) {
				return
			}
		}
	}
}

// CatalogStore is what Seed needs of a store.
type CatalogStore interface {
	SeedCatalog(ctx context.Context, institutions []survey.InstitutionInput, services iter.Seq[survey.Service]) error
}

// Seed fills an empty database with institutions generated institutions
// and services generated services (see Institutions and Services), in one
// transaction, unaudited; it refuses a database that has institutions.
func Seed(ctx context.Context, st CatalogStore, institutions, services int, seed uint64) error {
	return st.SeedCatalog(ctx, Institutions(institutions), Services(institutions, services, seed))
}
