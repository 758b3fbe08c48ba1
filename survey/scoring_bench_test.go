package survey

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"marsad/data"
)

// BenchmarkScoreRound scores and ranks a round of 1,500 institutions on the
// default questionnaire (62 scored items, catalog metrics from 20 services each).
func BenchmarkScoreRound(b *testing.B) {
	d, err := ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	type response struct {
		answers  AnswerSet
		services []Service
	}
	var round []response
	for i := range 1500 {
		inst := Institution{Code: fmt.Sprintf("I%04d", i), Kind: "ministry", Region: "national"}
		answers := AnswerSet{}
		for _, it := range d.Items {
			a := demoAnswer(it, inst, r.Float64(), r)
			answers[it.ID] = a
		}
		var services []Service
		for j := range 20 {
			services = append(services, Service{Code: fmt.Sprintf("S%d", j), Status: ServiceActive, Audience: []string{"citizens", "diaspora"},
				Stage: r.IntN(6), YearlyVolume: int64(r.IntN(10000)), FeeILS: float64(r.IntN(3) * 10), Abroad: r.IntN(2) == 0,
				NoVisit: r.IntN(2) == 0, EPayment: r.IntN(2) == 0, MobileFriendly: true, Channels: []string{"web"}, OnlineShare: 40})
		}
		round = append(round, response{answers, services})
	}
	b.ResetTimer()
	for b.Loop() {
		results := make(map[string]Result, len(round))
		for i, resp := range round {
			results[fmt.Sprintf("I%04d", i)] = Score(d, resp.answers, resp.services, ScoreOptions{})
		}
		Rank(d.Model, results)
	}
}
