package survey

import (
	"testing"

	"marsad/data"
)

// TestExampleModels: the shipped models carry the structure of the GTMI,
// the EGDI and the EU eGovernment Benchmark, and score as those indices do.
func TestExampleModels(t *testing.T) {
	load := func(name string) *Definition {
		b, ok := data.Model(name)
		if !ok {
			t.Fatalf("no model %s", name)
		}
		d, err := ParseDefinition(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	// GTMI: the mean of four components on 0–1, precision 4, groups A–D.
	g := load("gtmi")
	r := Score(g, AnswerSet{"CGSI": ans("0.8"), "PSDI": ans("0.6"), "DCEI": ans("0.4"), "GTEI": ans("0.2")}, nil, ScoreOptions{})
	if !near(r.Index, 0.5) || r.Level != "B" || g.Model.Display(r.Index) != 0.5 {
		t.Errorf("gtmi: %v %s", r.Index, r.Level)
	}
	r = Score(g, AnswerSet{"CGSI": ans("0.9"), "PSDI": ans("0.8"), "DCEI": ans("0.7"), "GTEI": ans("0.6")}, nil, ScoreOptions{})
	if !near(r.Index, 0.75) || r.Level != "A" {
		t.Errorf("gtmi on the A threshold: %v %s", r.Index, r.Level)
	}
	// EGDI: the mean of three normalised components.
	e := load("egdi")
	r = Score(e, AnswerSet{"OSI": ans("0.7543"), "TII": ans("0.6012"), "HCI": ans("0.8221")}, nil, ScoreOptions{})
	if got := e.Model.Display(r.Index); got != 0.7259 || r.Level != "high" {
		t.Errorf("egdi: %v %s", got, r.Level)
	}
	// EU benchmark: a not-relevant indicator is dropped and the weights of
	// the rest of its dimension renormalised.
	eu := load("eu-benchmark")
	answers := AnswerSet{}
	for _, it := range eu.Items {
		answers[it.ID] = ans("80")
	}
	answers["CB-EID"] = Answer{NA: true, Version: 1}
	answers["CB-ONLINE"] = ans("50")
	r = Score(eu, answers, nil, ScoreOptions{})
	// CB = 50 (CB-EID dropped); others 80 → index = (80·75 + 50·25)/100 = 72.5.
	if got := eu.Model.Display(r.Index); got != 72.5 {
		t.Errorf("eu benchmark: %v", got)
	}
}
