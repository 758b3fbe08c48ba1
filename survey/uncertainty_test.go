package survey

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// bandDef is a questionnaire of two dimensions weighing the same, each of
// two items, the second of which allows "not applicable".
func bandDef() *Definition {
	d := &Definition{
		ID: "bands", TitleAr: "نطاقات", Model: Model{Scale: 100, Precision: 1, Levels: []Level{{Key: "x", Min: 0, LabelAr: "س"}}},
		Sections: []Section{{ID: "P", TitleAr: "أ", Weight: 1}, {ID: "Q", TitleAr: "ب", Weight: 1}},
		Items: []Item{
			{Section: "P", ID: "P1", Type: TypePercent, LabelAr: "١", Weight: 1},
			{Section: "P", ID: "P2", Type: TypePercent, LabelAr: "٢", Weight: 1, NAAllowed: true},
			{Section: "Q", ID: "Q1", Type: TypePercent, LabelAr: "٣", Weight: 1},
			{Section: "Q", ID: "Q2", Type: TypePercent, LabelAr: "٤", Weight: 1, NAAllowed: true},
		},
	}
	if err := d.Validate(); err != nil {
		panic(err)
	}
	return d
}

// bandUnits scores each institution's answers ("" is not applicable) and
// prepares it for the analysis.
func bandUnits(d *Definition, answers map[string][4]string) ([]BandUnit, map[string]Result) {
	results := map[string]Result{}
	var units []BandUnit
	for code, a := range answers {
		set := AnswerSet{}
		for i, id := range []string{"P1", "P2", "Q1", "Q2"} {
			if a[i] == "" {
				set[id] = Answer{NA: true, Version: 1}
			} else {
				set[id] = ans(a[i])
			}
		}
		r := Score(d, set, nil, ScoreOptions{})
		results[code] = r
		units = append(units, NewBandUnit(d, code, r))
	}
	return units, results
}

func bandsOf(a RankAnalysis, codes ...string) []RankBand {
	var out []RankBand
	for _, c := range codes {
		out = append(out, a.Bands[c])
	}
	return out
}

// TestBandsFarApartNeverSwap: an institution better on every dimension
// under every treatment of N/A is ahead under any weights and either mean.
func TestBandsFarApartNeverSwap(t *testing.T) {
	d := bandDef()
	units, _ := bandUnits(d, map[string][4]string{
		"TOP": {"95", "90", "90", "95"},
		"MID": {"50", "", "55", "50"}, // N/A dropped: 50 and 52.5; scored 0: 25 and 52.5
		"LOW": {"5", "10", "10", "5"},
	})
	a := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.5, Seed: 1})
	want := []RankBand{{1, 1, 1, 0}, {2, 2, 2, 0}, {3, 3, 3, 0}}
	if got := bandsOf(a, "TOP", "MID", "LOW"); !reflect.DeepEqual(got, want) {
		t.Errorf("bands %v, want %v", got, want)
	}
	if a.MeanShift != 0 {
		t.Errorf("nothing moved, yet the mean shift is %v", a.MeanShift)
	}
	for _, e := range a.Dimensions {
		if e.Effect != 0 {
			t.Errorf("%s: effect %v on a ranking that never moves", e.Section, e.Effect)
		}
	}
}

// TestBandsIdenticalShare: two institutions with the same answers get the
// same rank in every replicate, so the same band, whatever else moves.
func TestBandsIdenticalShare(t *testing.T) {
	d := bandDef()
	r := rand.New(rand.NewPCG(5, 6))
	answers := map[string][4]string{"TWIN-A": {"60", "", "40", "70"}, "TWIN-B": {"60", "", "40", "70"}}
	for i := range 30 {
		var a [4]string
		for k := range a {
			if k%2 == 1 && r.IntN(4) == 0 {
				continue // not applicable
			}
			a[k] = itoa(r.IntN(101))
		}
		answers["X"+itoa(i)] = a
	}
	units, _ := bandUnits(d, answers)
	a := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.25, Seed: 42})
	x, y := a.Bands["TWIN-A"], a.Bands["TWIN-B"]
	if x != y {
		t.Errorf("identical institutions: %+v and %+v", x, y)
	}
	if x.High == x.Low {
		t.Errorf("the twins' band %+v has no width among 30 random others: the test shows nothing", x)
	}
	if !x.Overlap(y) || x.Overlaps < 1 {
		t.Errorf("twins must overlap each other: %+v", x)
	}
}

// TestBandsZeroSpreadIsPublished: with no spread and only the published
// choices every replicate is the published ranking, so each band has no
// width and sits on survey.Rank's rank — ties, N/A and the model's
// normalisations included.
func TestBandsZeroSpreadIsPublished(t *testing.T) {
	d := scoringDefinition()
	r := rand.New(rand.NewPCG(9, 9))
	results := map[string]Result{}
	var units []BandUnit
	for i := range 60 {
		code := "I" + itoa(i)
		answers := AnswerSet{"A1": ans(itoa(r.IntN(4))), "B1": ans(itoa(r.IntN(101))), "B2": ans(itoa(r.IntN(200)))}
		if r.IntN(3) == 0 {
			answers["A3"] = Answer{NA: true, Version: 1}
		} else {
			answers["A3"] = ans([]string{"yes", "no"}[r.IntN(2)])
		}
		if r.IntN(2) == 0 {
			answers["C1"] = Answer{NA: true, Version: 1}
		}
		results[code] = Score(d, answers, nil, ScoreOptions{})
		units = append(units, NewBandUnit(d, code, results[code]))
	}
	for _, m := range []Model{
		d.Model,
		{Scale: 100, Precision: 0, Normalization: "minmax", Levels: d.Model.Levels},
		{Scale: 1, Precision: 2, Normalization: "zscore-minmax", NormalizeOn: "dimensions", Levels: d.Model.Levels},
	} {
		dm := *d
		dm.Model = m
		ranked := Rank(m, results)
		ties := 0
		for i := 1; i < len(ranked); i++ {
			if ranked[i].Rank == ranked[i-1].Rank {
				ties++
			}
		}
		if ties == 0 {
			t.Errorf("%+v: no ties among 60: the test does not check them", m)
		}
		a := AnalyseRanks(&dm, units, AnalysisOptions{Spread: 0, Seed: 3, FixedAggregation: true, FixedNA: true})
		for _, x := range ranked {
			b := a.Bands[x.Institution]
			if b.Low != x.Rank || b.High != x.Rank || b.Median != x.Rank || a.Published[x.Institution] != x.Rank {
				t.Errorf("%s (%s): band %+v, published %d, want all %d", x.Institution, m.Normalization, b, a.Published[x.Institution], x.Rank)
			}
		}
	}
}

// TestBandsSeed: the same seed gives the same analysis; another seed draws
// other rankings.
func TestBandsSeed(t *testing.T) {
	d := bandDef()
	r := rand.New(rand.NewPCG(1, 1))
	answers := map[string][4]string{}
	for i := range 40 {
		answers["X"+itoa(i)] = [4]string{itoa(r.IntN(101)), "", itoa(r.IntN(101)), itoa(r.IntN(101))}
	}
	units, _ := bandUnits(d, answers)
	one := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.25, Seed: 7})
	// Other workers, the units in another order: the same analysis.
	rev := append([]BandUnit(nil), units...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	two := AnalyseRanks(d, rev, AnalysisOptions{Spread: 0.25, Seed: 7, Workers: 3})
	if !reflect.DeepEqual(one, two) {
		t.Errorf("same seed, different analysis:\n%+v\n%+v", one, two)
	}
	other := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.25, Seed: 8})
	if reflect.DeepEqual(one.Bands, other.Bands) && one.MeanShift == other.MeanShift {
		t.Errorf("another seed drew the very same rankings")
	}
	// Pinned: another seed for the same round would move published bands.
	if RankSeed(3, "1") == RankSeed(4, "1") || RankSeed(3, "1") == RankSeed(3, "2") || RankSeed(3, "1") != 0x4f1bd4134bbbc3a3 {
		t.Errorf("RankSeed does not follow the round and the scoring version, or changed: %#x", RankSeed(3, "1"))
	}
}

// TestBandsHandChecked: choices whose effect is worked out by hand.
func TestBandsHandChecked(t *testing.T) {
	d := bandDef()
	t.Run("geometric mean", func(t *testing.T) {
		// EVEN (100, 0) averages 50 arithmetically but only
		// √(1.01 × 0.01) − 0.01 ≈ 9.05 geometrically; FLAT (40, 40) is 40
		// either way. EVEN leads under one mean and trails under the other.
		units, _ := bandUnits(d, map[string][4]string{"EVEN": {"100", "100", "0", "0"}, "FLAT": {"40", "40", "40", "40"}})
		a := AnalyseRanks(d, units, AnalysisOptions{Seed: 11, FixedNA: true})
		if got := bandsOf(a, "EVEN", "FLAT"); got[0].Low != 1 || got[0].High != 2 || got[1].Low != 1 || got[1].High != 2 || got[0].Overlaps != 1 {
			t.Errorf("bands %+v, want both 1–2", got)
		}
		if a.Published["EVEN"] != 1 || a.Published["FLAT"] != 2 {
			t.Errorf("published %v", a.Published)
		}
		// The mean alone moves the ranking: all of its variance is the
		// aggregation's (less the bins' chance share, 1/999).
		if a.Aggregation < 0.99 || a.NotApplicable != 0 || a.Dimensions[0].Effect != 0 {
			t.Errorf("effects: aggregation %v, N/A %v, weights %+v", a.Aggregation, a.NotApplicable, a.Dimensions)
		}
		if a.MeanShift < 0.4 || a.MeanShift > 0.6 {
			// Half the replicates are geometric, and then both move one place.
			t.Errorf("mean shift %v, want about 0.5", a.MeanShift)
		}
	})
	t.Run("not applicable", func(t *testing.T) {
		// NA: P is 100 (P2 dropped) or 50 (P2 scored 0); Q is 100: index
		// 100 or 75. SURE is 80 throughout.
		units, _ := bandUnits(d, map[string][4]string{"NA": {"100", "", "100", "100"}, "SURE": {"80", "80", "80", "80"}})
		u := units[0]
		if u.Code != "NA" {
			u = units[1]
		}
		if u.Scores[0][0] != 1 || u.Scores[1][0] != 0.5 || u.Scores[1][1] != 1 {
			t.Fatalf("NA's dimensions %+v", u.Scores)
		}
		a := AnalyseRanks(d, units, AnalysisOptions{Seed: 12, FixedAggregation: true})
		if b := a.Bands["NA"]; b.Low != 1 || b.High != 2 {
			t.Errorf("NA's band %+v, want 1–2", b)
		}
		if a.NotApplicable < 0.99 || a.Aggregation != 0 {
			t.Errorf("effects: N/A %v, aggregation %v", a.NotApplicable, a.Aggregation)
		}
	})
	t.Run("weights", func(t *testing.T) {
		// LEFT (72, 30) leads RIGHT (40, 60) by 51 to 50 under equal
		// weights; it stays ahead while 0.32 × wP > 0.30 × wQ, so a draw
		// that raises Q's weight 7 % above P's swaps them (about 40 % of
		// draws). Only the weights move the ranking, both of them alike.
		units, _ := bandUnits(d, map[string][4]string{"LEFT": {"72", "72", "30", "30"}, "RIGHT": {"40", "40", "60", "60"}})
		a := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.25, Seed: 13, FixedAggregation: true, FixedNA: true})
		if a.Published["LEFT"] != 1 || a.Published["RIGHT"] != 2 {
			t.Errorf("published %v, want LEFT then RIGHT", a.Published)
		}
		if a.MeanShift < 0.25 || a.MeanShift > 0.55 {
			t.Errorf("mean shift %v, want about 0.4", a.MeanShift)
		}
		for _, e := range a.Dimensions {
			if e.Effect < 0.2 {
				t.Errorf("%s: effect %v, want a clear share", e.Section, e.Effect)
			}
		}
		if b := a.Bands["LEFT"]; b.Low != 1 || b.High != 2 {
			t.Errorf("LEFT %+v, want 1–2", b)
		}
	})
}

// TestBandsWeightsAmongOtherChoices: when N/A moves the ranking far more
// than the weights do, the weights' effects are still read clearly, among
// rankings that treated N/A alike.
func TestBandsWeightsAmongOtherChoices(t *testing.T) {
	d := bandDef()
	answers := map[string][4]string{
		// LEFT and RIGHT swap with the weights, as in TestBandsHandChecked.
		"LEFT": {"72", "72", "30", "30"}, "RIGHT": {"40", "40", "60", "60"},
		// NA is first (100) with N/A left out and behind every S (75) with it scored 0.
		"NA": {"100", "", "100", "100"},
	}
	for i, v := range []string{"80", "79", "78", "77", "76"} {
		answers["S"+itoa(i)] = [4]string{v, v, v, v}
	}
	units, _ := bandUnits(d, answers)
	a := AnalyseRanks(d, units, AnalysisOptions{Spread: 0.25, Seed: 21, FixedAggregation: true})
	if a.NotApplicable < 0.8 {
		t.Errorf("N/A effect %v, want most of the movement", a.NotApplicable)
	}
	// Read over all the rankings, each weight would explain some 3 % (a
	// third of the tenth N/A leaves); among rankings alike in N/A, 20–40 %.
	for _, e := range a.Dimensions {
		if e.Effect < 0.1 {
			t.Errorf("%s: effect %v among rankings with the same N/A treatment, want a clear share", e.Section, e.Effect)
		}
	}
}

func TestCountOverlaps(t *testing.T) {
	bands := []RankBand{{Low: 1, High: 2}, {Low: 2, High: 4}, {Low: 3, High: 3}, {Low: 5, High: 6}, {Low: 5, High: 5}}
	CountOverlaps(bands)
	var got []int
	for _, b := range bands {
		got = append(got, b.Overlaps)
	}
	// 1–2 meets 2–4; 2–4 meets 1–2 and 3; 3 meets 2–4; 5–6 and 5 meet each other.
	if want := []int{1, 2, 1, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("overlaps %v, want %v", got, want)
	}
}

func TestAnalyseRanksEmpty(t *testing.T) {
	a := AnalyseRanks(bandDef(), nil, AnalysisOptions{Spread: 0.25})
	if len(a.Bands) != 0 || len(a.Dimensions) != 2 || a.Replicates != DefaultReplicates {
		t.Errorf("%+v", a)
	}
}
