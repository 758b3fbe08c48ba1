package survey_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/demo"
)

// BenchmarkUncertainty analyses a round of 1,500 institutions on the
// default questionnaire (eight dimensions), answered as the demo answers
// (a third of them municipalities, which answer some items "not
// applicable"), with 1,000 replicates: the size issue 16 sets a target of
// 2 s for. It reports the milliseconds and the megabytes allocated per
// analysis. An external test, as BenchmarkScoreRound: package demo
// imports survey.
func BenchmarkUncertainty(b *testing.B) {
	d, err := survey.ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	c, err := demo.Load()
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	units := make([]survey.BandUnit, 0, 1500)
	na := 0
	for i := range 1500 {
		inst := survey.Institution{Code: fmt.Sprintf("I%04d", i), Kind: []string{"ministry", "authority", "municipality"}[i%3], Region: "national"}
		answers := survey.AnswerSet{}
		for _, it := range d.Items {
			answers[it.ID] = c.Answer(it, inst, r.Float64(), r)
		}
		res := survey.Score(d, answers, nil, survey.ScoreOptions{})
		na += res.NAAnswers
		units = append(units, survey.NewBandUnit(d, inst.Code, res))
	}
	if na == 0 {
		b.Fatal("no answer is not applicable: the benchmark would skip half the work")
	}
	opt := survey.AnalysisOptions{Replicates: 1000, Spread: 0.25, Seed: survey.RankSeed(1, survey.ScoringVersion)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	b.ResetTimer()
	for b.Loop() {
		survey.AnalyseRanks(d, units, opt)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/analysis")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/analysis")
}
