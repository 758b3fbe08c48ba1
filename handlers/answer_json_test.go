package handlers

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"marsad/survey"
)

// TestAnswerJSONAsMarshal: the autosave's reply written out by hand is
// byte for byte what encoding/json makes of the answer, for strings that
// need every kind of escape, nil and empty values, N/A, times in several
// zones and versions of every size.
func TestAnswerJSONAsMarshal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"3", "yes", "https://moh.ps/a?b=1&c=2", "إجابة", "٤٥", `"`, "'", `\`, "<b>", "&amp;", "\x00", "\n", "\t", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x80", "+", " ", "", "💡"}
	word := func() string {
		s := ""
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	gaza, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		gaza = time.FixedZone("EET", 2*3600)
	}
	zones := []*time.Location{time.UTC, gaza, time.FixedZone("", -3*3600-1800)}
	for trial := range 500 {
		a := survey.Answer{ItemID: word(), NA: rng.IntN(2) == 0, Evidence: word(), Comment: word(), Version: rng.Int64N(1 << uint(rng.IntN(63))),
			UpdatedBy: word(), ReviewStatus: word(), ReviewComment: word()}
		if rng.IntN(4) > 0 {
			a.UpdatedAt = time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])
		}
		switch rng.IntN(3) {
		case 0: // nil
		case 1:
			a.Values = []string{}
		default:
			for range 1 + rng.IntN(3) {
				a.Values = append(a.Values, word())
			}
		}
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendAnswerJSON(nil, a)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("trial %d:\ngot  %s\nwant %s", trial, got, want)
		}
	}
}
