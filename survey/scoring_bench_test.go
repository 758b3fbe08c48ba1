package survey_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/demo"
)

// BenchmarkScoreRound scores and ranks a round of 1,500 institutions on the
// default questionnaire (62 scored items, catalog metrics from 20 services
// each), answered as the demo answers. It is an external test: package demo
// imports survey.
func BenchmarkScoreRound(b *testing.B) {
	d, err := survey.ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	c, err := demo.Load()
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	type response struct {
		answers  survey.AnswerSet
		services []survey.Service
	}
	var round []response
	for i := range 1500 {
		inst := survey.Institution{Code: fmt.Sprintf("I%04d", i), Kind: "ministry", Region: "national"}
		answers := survey.AnswerSet{}
		for _, it := range d.Items {
			answers[it.ID] = c.Answer(it, inst, r.Float64(), r)
		}
		var services []survey.Service
		for j := range 20 {
			services = append(services, survey.Service{Code: fmt.Sprintf("S%d", j), Status: survey.ServiceActive, Audience: []string{"citizens", "diaspora"},
				Stage: r.IntN(6), YearlyVolume: int64(r.IntN(10000)), FeeILS: float64(r.IntN(3) * 10), Abroad: r.IntN(2) == 0,
				NoVisit: r.IntN(2) == 0, EPayment: r.IntN(2) == 0, MobileFriendly: true, Channels: []string{"web"}, OnlineShare: 40})
		}
		round = append(round, response{answers, services})
	}
	b.ResetTimer()
	for b.Loop() {
		results := make(map[string]survey.Result, len(round))
		for i, resp := range round {
			results[fmt.Sprintf("I%04d", i)] = survey.Score(d, resp.answers, resp.services, survey.ScoreOptions{})
		}
		survey.Rank(d.Model, results)
	}
}
