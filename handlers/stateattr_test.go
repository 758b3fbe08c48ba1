package handlers

import (
	"encoding/json"
	"html/template"
	"math/rand/v2"
	"slices"
	"testing"

	"marsad/survey"
)

// stateAttrByJSON is StateAttr as it was written first, with
// encoding/json and template.HTMLEscapeString: the reference the written
// out JSON is held to.
func stateAttrByJSON(p responsePage) template.HTMLAttr {
	answers := make(map[string][]string, len(p.Answers))
	na := []string{}
	for id, a := range p.Answers {
		answers[id] = p.Answers.Values(id)
		if a.NA {
			na = append(na, id)
		}
	}
	slices.Sort(na)
	ab, _ := json.Marshal(answers)
	nb, _ := json.Marshal(na)
	return template.HTMLAttr(`data-state="{&#34;items&#34;:` + string(p.itemsRef) + `,&#34;answers&#34;:` + template.HTMLEscapeString(string(ab)) +
		`,&#34;na&#34;:` + template.HTMLEscapeString(string(nb)) + `}"`) // #nosec G203 -- a test's reference
}

// TestStateAttrAsJSON: the questionnaire page's state attribute, written
// out by hand, is byte for byte what encoding/json and the HTML escaper
// made of it, for values chosen to need every kind of escape (quotes,
// apostrophes, backslashes, HTML characters, control characters, line
// separators, invalid UTF-8, Arabic), for N/A answers, empty answers and
// no answer at all.
func TestStateAttrAsJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"3", "yes", "https://moh.ps/a?b=1&c=2", "إجابة", "٤٥", `"`, "'", `\`, "<b>", "&amp;", "\x00", "\n", "\t", "\x1f",
		"\u2028", "\u2029", "\xff", "\xe2\x80", "+", " ", "", "x'y\"z", "مرحبا 'بكم'"}
	word := func() string {
		s := ""
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for trial := range 300 {
		p := responsePage{Answers: survey.AnswerSet{}, itemsRef: "\x003\x00"}
		for range rng.IntN(12) {
			id := word()
			a := survey.Answer{ItemID: id, NA: rng.IntN(5) == 0}
			switch rng.IntN(4) {
			case 0: // no value
			case 1:
				a.Values = []string{}
			default:
				for range 1 + rng.IntN(3) {
					a.Values = append(a.Values, word())
				}
			}
			p.Answers[id] = a
		}
		if got, want := p.StateAttr(), stateAttrByJSON(p); got != want {
			t.Fatalf("trial %d:\ngot  %s\nwant %s", trial, got, want)
		}
	}
}
