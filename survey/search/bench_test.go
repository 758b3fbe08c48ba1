package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Words that generated service names are made of, as in the store's
// synthetic catalogs (package survey/synth) that the bench loads, so that
// searches match a realistic share of services.
var (
	synthActions = []string{"إصدار", "تجديد", "تعديل", "طلب", "إلغاء", "نقل", "تصديق", "تسجيل", "استعلام عن", "بدل فاقد"}
	synthObjects = []string{"شهادة ميلاد", "جواز سفر", "بطاقة هوية", "رخصة قيادة", "سجل تجاري", "تصريح بناء", "شهادة عدم محكومية",
		"تأمين صحي", "رخصة مهنة", "شهادة وفاة", "عقد إيجار", "شهادة مدرسية", "إقرار ضريبي", "رخصة مركبة", "اشتراك مياه"}
)

// testConfig is a catalog's vocabularies as the store's (16 categories, 4
// audiences, stages 0-5), under names of their own.
var testConfig = Config{
	Categories: []string{"c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12", "c13", "c14", "c15"},
	Audiences:  []string{"citizens", "businesses", "government", "diaspora"},
	MaxStage:   5,
}

// synthDocs generates n active services of institutions (I0001…), as
// survey/synth does: deterministic for a seed, names made of an
// action and an object, an English name and a code unique to each.
func synthDocs(institutions, n int, seed uint64) []Doc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- generated test data
	docs := make([]Doc, 0, n)
	for i := 0; i < n; i++ {
		stage := min(r.IntN(4)+r.IntN(3), testConfig.MaxStage)
		inst := i%institutions + 1
		d := Doc{
			ID: int64(i + 1), Institution: fmt.Sprintf("I%04d", inst),
			InstitutionAr: fmt.Sprintf("مؤسسة تجريبية %d", inst), InstitutionEn: fmt.Sprintf("Synthetic institution %d", inst),
			NameAr:   synthActions[r.IntN(len(synthActions))] + " " + synthObjects[r.IntN(len(synthObjects))],
			NameEn:   fmt.Sprintf("Service %d", i),
			Category: testConfig.Categories[r.IntN(len(testConfig.Categories))],
			Audience: []string{testConfig.Audiences[r.IntN(len(testConfig.Audiences))]},
			Stage:    stage, Abroad: stage >= 3 && r.IntN(2) == 0, NoVisit: stage >= 3 && r.IntN(3) > 0, EPayment: stage >= 3 && r.IntN(3) > 0,
			Updated: fmt.Sprintf("2026-%02d-%02dT10:00:00Z", r.IntN(12)+1, r.IntN(28)+1),
		}
		code := fmt.Sprintf("S%06d", i)
		d.Text = Fold(strings.Join([]string{code, d.NameAr, d.NameEn, "خدمة مولّدة لاختبار الأداء: " + d.NameAr}, " "))
		docs = append(docs, d)
	}
	return docs
}

func build(docs []Doc) *Index {
	b := NewBuilder(testConfig)
	for _, d := range docs {
		b.Add(d)
	}
	return b.Build()
}

// benchQueries are the benchmark's searches: the catalog's landing view,
// words (whole, folded, stemmed, English), filters, a miss.
var benchQueries = []struct {
	name string
	q    Query
}{
	{"all", Query{Sort: "relevance"}},
	{"query", Query{Q: "شهادة ميلاد", Sort: "relevance"}},
	{"query+abroad", Query{Q: "تجديد", Abroad: true, StageMin: 3, Sort: "relevance"}},
	{"institution", Query{Institution: "I0042", Sort: "stage"}},
	{"category+epay", Query{Category: "c03", EPayment: true, Sort: "name"}},
	{"word", Query{Q: "جواز", Sort: "relevance"}},
	{"article", Query{Q: "الشهادة", Sort: "relevance"}},
	{"article2", Query{Q: "رخصة البناء", Sort: "relevance"}},
	{"english", Query{Q: "service 12", Sort: "relevance", Lang: "en"}},
	{"no match", Query{Q: "لا يوجد شيء كهذا", Sort: "relevance"}},
}

// BenchmarkSearch is one search over 30,000 generated services, as the
// catalog page makes when its page cache and the store's remembered
// searches both miss: every result ordered, every filter value counted.
// cpu-ns/op is the process's CPU time (the collector's included) a search.
func BenchmarkSearch(b *testing.B) {
	idx := build(synthDocs(150, 30000, 1))
	for _, c := range benchQueries {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, ok := cpuTime()
			for b.Loop() {
				if m := idx.Search(c.q); m.Total < 0 {
					b.Fatal(m.Total)
				}
			}
			if cpu1, _ := cpuTime(); ok {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkBuild builds the index of 30,000 generated services, as a
// server does after every change to the catalog.
func BenchmarkBuild(b *testing.B) {
	docs := synthDocs(150, 30000, 1)
	b.ReportAllocs()
	for b.Loop() {
		build(docs)
	}
}
