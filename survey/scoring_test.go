package survey

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func scoringDefinition() *Definition {
	d := &Definition{
		ID: "scoring", TitleAr: "اختبار", Model: Model{Scale: 100, Precision: 1, Levels: []Level{
			{Key: "high", Min: 0.75, LabelAr: "مرتفع"}, {Key: "mid", Min: 0.5, LabelAr: "متوسط"}, {Key: "low", Min: 0, LabelAr: "منخفض"}}},
		Sections: []Section{{ID: "A", TitleAr: "أ", Weight: 3}, {ID: "B", TitleAr: "ب", Weight: 1}, {ID: "C", TitleAr: "ج", Weight: 1}},
		Items: []Item{
			{Section: "A", ID: "A1", Type: TypeSingle, LabelAr: "١", Weight: 2, Options: []Option{
				{Value: "0", LabelAr: "٠"}, {Value: "1", LabelAr: "١", Points: 1}, {Value: "2", LabelAr: "٢", Points: 2}, {Value: "3", LabelAr: "٣", Points: 3}}},
			{Section: "A", ID: "A1-EV", Type: TypeURL, LabelAr: "رابط", ShowIf: "A1 >= 2"},
			{Section: "A", ID: "A2", Type: TypeMulti, LabelAr: "٢", Weight: 1, Cap: 2, Options: []Option{
				{Value: "a", LabelAr: "أ", Points: 1}, {Value: "b", LabelAr: "ب", Points: 1}, {Value: "c", LabelAr: "ج", Points: 1}}},
			{Section: "A", ID: "A3", Type: TypeYesNo, LabelAr: "٣", Weight: 1, NAAllowed: true},
			{Section: "B", ID: "B1", Type: TypePercent, LabelAr: "نسبة", Weight: 1, Floor: fptr(0), Target: fptr(60)},
			{Section: "B", ID: "B2", Type: TypeNumber, LabelAr: "عدد", Weight: 1, Min: fptr(0), Max: fptr(1000),
				Bands: []Band{{Min: 0, Score: 0}, {Min: 10, Score: 0.5}, {Min: 100, Score: 1}}},
			{Section: "C", ID: "C1", Type: TypeSingle, LabelAr: "ج", Weight: 1, NAAllowed: true, Options: []Option{
				{Value: "0", LabelAr: "٠"}, {Value: "1", LabelAr: "١", Points: 1}}},
			{Section: "C", ID: "C2", Type: TypeMetric, Metric: "share_abroad_diaspora", LabelAr: "مغتربون", Weight: 1},
		},
	}
	if err := d.Validate(); err != nil {
		panic(err)
	}
	return d
}

func ans(values ...string) Answer { return Answer{Values: values, Version: 1} }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestScoreHandChecked: every number below is worked out by hand in the comments.
func TestScoreHandChecked(t *testing.T) {
	d := scoringDefinition()
	answers := AnswerSet{
		"A1": ans("2"),           // 2/3
		"A2": ans("a", "b", "c"), // 3 points, capped at 2 → 1
		"A3": {NA: true},         // dropped: A renormalises over A1 (w 2) and A2 (w 1)
		"B1": ans("30"),          // 30 on 0 → 60 = 0.5
		"B2": ans("50"),          // band from 10 → 0.5
		"C1": {NA: true},         // dropped; C2's diaspora set is empty (no services) → 0, see below
	}
	// With no public service at all, every catalog metric scores 0 (not N/A):
	// C = C2 = 0, so C counts. A = (2·2/3 + 1·1)/3 = 7/9; B = 0.5.
	// Index = (3·7/9 + 1·0.5 + 1·0)/5 = (7/3 + 0.5)/5 = 0.5666…
	r := Score(d, answers, nil, ScoreOptions{})
	if !near(r.Dimensions[0].Score, 7.0/9) || !near(r.Dimensions[1].Score, 0.5) || !near(r.Dimensions[2].Score, 0) {
		t.Fatalf("dimensions %+v", r.Dimensions)
	}
	if !near(r.Index, (7.0/3+0.5)/5) || r.Level != "mid" || r.NAAnswers != 2 || len(r.DroppedDimensions) != 0 {
		t.Fatalf("index %v level %s na %d dropped %v", r.Index, r.Level, r.NAAnswers, r.DroppedDimensions)
	}
	// With services but none for the diaspora, C2 is N/A: C has no item left
	// and is dropped; the index renormalises over A and B: (3·7/9 + 0.5)/4.
	services := []Service{{Status: ServiceActive, Audience: []string{"citizens"}, Stage: 3}}
	r = Score(d, answers, services, ScoreOptions{})
	if !r.Dimensions[2].Dropped || len(r.DroppedDimensions) != 1 || r.DroppedDimensions[0] != "C" || !near(r.Index, (7.0/3+0.5)/4) {
		t.Fatalf("dropped dimension: %+v %v", r.Dimensions, r.Index)
	}
	if got := d.Model.Display(r.Index); got != 70.8 {
		t.Errorf("display %v, want 70.8", got)
	}
	// The evidence item is unscored; hidden items drop.
	for _, is := range r.Items {
		if is.ItemID == "A1-EV" && is.Dropped != DropUnscored {
			t.Errorf("evidence item: %+v", is)
		}
	}
	// Improvement actions: A1 3/4 · 2/3 · 1/3 · 100 = 16.67; B1 and B2 1/4 · 1/2 · 0.5 · 100 = 6.25.
	acts := ImprovementActions(d, r, 5)
	if len(acts) != 3 || acts[0].ItemID != "A1" || !near(acts[0].Gain, 75.0*2/3/3) || !near(acts[1].Gain, 6.25) || !near(acts[2].Gain, 6.25) {
		t.Errorf("actions %+v", acts)
	}
	// Unanswered counts 0; the verified index counts only approved answers.
	answers["A1"] = Answer{Values: []string{"3"}, ReviewStatus: ReviewApproved, Version: 1}
	v := Score(d, answers, services, ScoreOptions{VerifiedOnly: true})
	// Approved: A1 = 1. Not approved: A2, B1, B2 → 0; the N/A of A3 and C1
	// are not approved → 0, so C counts again (C2 stays N/A).
	// A = (2·1 + 0 + 0)/4 = 0.5; B = 0; C = 0; index = (3·0.5 + 0 + 0)/5 = 0.3.
	if !near(v.Index, 0.3) || v.Level != "low" {
		t.Errorf("verified index %v %s", v.Index, v.Level)
	}
}

func TestLevelThresholds(t *testing.T) {
	m := scoringDefinition().Model
	for x, want := range map[float64]string{1: "high", 0.75: "high", 0.7499999: "mid", 0.5: "mid", 0.4999: "low", 0: "low"} {
		if got := m.level(x); got != want {
			t.Errorf("level(%v) = %s, want %s", x, got, want)
		}
	}
}

func TestRankTiesAndNormalisation(t *testing.T) {
	m := Model{Scale: 100, Precision: 1, Levels: []Level{{Key: "x", Min: 0}}}
	res := map[string]Result{
		"W": {Index: 0.6}, "X": {Index: 0.8}, "Y": {Index: 0.70004}, "Z": {Index: 0.69996},
	}
	ranked := Rank(m, res)
	got := ""
	for _, r := range ranked {
		got += r.Institution + ":" + string(rune('0'+r.Rank)) + " "
	}
	// Y and Z both show 70.0: they share rank 2, and W is 4th (1, 2, 2, 4).
	if got != "X:1 Y:2 Z:2 W:4 " {
		t.Errorf("ranks %s", got)
	}
	for _, method := range []string{"minmax", "zscore-minmax"} {
		m.Normalization = method
		out := Rank(m, map[string]Result{"A": {Index: 0.1}, "B": {Index: 0.2}, "C": {Index: 0.6}})
		want := map[string]float64{"C": 1, "B": 0.2, "A": 0}
		for _, r := range out {
			if !near(r.Value, want[r.Institution]) {
				t.Errorf("%s: %s = %v, want %v", method, r.Institution, r.Value, want[r.Institution])
			}
		}
	}
	// No spread: left as is.
	m.Normalization = "minmax"
	if out := Rank(m, map[string]Result{"A": {Index: 0.4}, "B": {Index: 0.4}}); out[0].Value != 0.4 || out[1].Rank != 1 {
		t.Errorf("no spread: %+v", out)
	}
}

// TestScoreProperties: over random answers, the index stays within 0–1 and
// raising one answer never lowers it (absolute scores, no normalisation).
func TestScoreProperties(t *testing.T) {
	d := scoringDefinition()
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(it Item) Answer {
		switch it.Type {
		case TypeSingle:
			return ans(it.Options[r.IntN(len(it.Options))].Value)
		case TypeMulti:
			var v []string
			for _, o := range it.Options {
				if r.IntN(2) == 0 {
					v = append(v, o.Value)
				}
			}
			return ans(v...)
		case TypeYesNo:
			return ans([]string{"yes", "no"}[r.IntN(2)])
		case TypePercent:
			return ans(itoa(r.IntN(101)))
		case TypeNumber:
			return ans(itoa(r.IntN(1001)))
		}
		return Answer{}
	}
	for range 500 {
		answers := AnswerSet{}
		for _, it := range d.Items {
			if r.IntN(5) > 0 {
				answers[it.ID] = pick(it)
			}
		}
		base := Score(d, answers, nil, ScoreOptions{})
		if base.Index < 0 || base.Index > 1 {
			t.Fatalf("index %v out of bounds", base.Index)
		}
		up := AnswerSet{}
		for k, v := range answers {
			up[k] = v
		}
		up["A1"] = ans("3") // the top level
		if better := Score(d, up, nil, ScoreOptions{}); better.Index < base.Index-1e-12 {
			t.Fatalf("raising A1 lowered the index: %v → %v", base.Index, better.Index)
		}
	}
}

func TestCatalogMetricValues(t *testing.T) {
	svc := func(stage int, vol int64, fee float64, abroad, diaspora bool) Service {
		aud := []string{"citizens"}
		if diaspora {
			aud = append(aud, "diaspora")
		}
		return Service{Code: itoa(int(vol)), Status: ServiceActive, Audience: aud, Stage: stage, YearlyVolume: vol, FeeILS: fee, Abroad: abroad, EPayment: fee > 0 && stage >= 3}
	}
	list := []Service{svc(0, 100, 10, false, false), svc(3, 300, 0, true, true), svc(4, 0, 5, true, false), svc(1, 200, 0, false, true),
		{Status: ServiceActive, Audience: []string{"government"}, Stage: 5}, // not public-facing: ignored
	}
	m := catalogMetricValues(list, mustDate("2026-03-01"))
	// A = 4 services. Stage ≥ 3: 2/4. Abroad: 2/4. Diaspora D = 2, abroad in D = 1/2.
	// Fees F = 2 (10 and 5), e-payment in F: only the stage-4 one → 1/2.
	// Volumes 100, 300, (none → median of 100, 200, 300 = 200), 200:
	// mean stage = (0·100 + 3·300 + 4·200 + 1·200)/800 = 1900/800 = 2.375 → /5 = 0.475.
	for key, want := range map[string]float64{"share_stage3": 0.5, "share_abroad": 0.5, "share_abroad_diaspora": 0.5,
		"share_e_payment": 0.5, "mean_stage": 0.475} {
		if !near(m[key], want) {
			t.Errorf("%s = %v, want %v", key, m[key], want)
		}
	}
	// No fee-bearing service: e-payment is N/A (absent).
	m = catalogMetricValues([]Service{svc(3, 1, 0, false, false)}, mustDate("2026-03-01"))
	if _, ok := m["share_e_payment"]; ok {
		t.Error("e-payment share with no fees should be N/A")
	}
}

func mustDate(s string) (t time.Time) {
	t, _ = time.Parse("2006-01-02", s)
	return t
}

// TestRankIgnoresOrder: the same institutions given in another order (and
// with normalisation on) get the same values, levels and ranks.
func TestRankIgnoresOrder(t *testing.T) {
	d := scoringDefinition()
	r := rand.New(rand.NewPCG(3, 4))
	results := map[string]Result{}
	codes := []string{}
	for i := range 40 {
		code := string(rune('A'+i%26)) + itoa(i)
		codes = append(codes, code)
		answers := AnswerSet{"A1": ans(itoa(r.IntN(4))), "B1": ans(itoa(r.IntN(101))), "A3": ans("yes")}
		results[code] = Score(d, answers, nil, ScoreOptions{})
	}
	for _, method := range []string{"none", "minmax", "zscore-minmax"} {
		m := d.Model
		m.Normalization = method
		m.NormalizeOn = "dimensions"
		base := Rank(m, results)
		for range 5 {
			r.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
			shuffled := map[string]Result{}
			for _, c := range codes {
				shuffled[c] = results[c]
			}
			again := Rank(m, shuffled)
			for i := range base {
				if base[i].Institution != again[i].Institution || base[i].Rank != again[i].Rank || !near(base[i].Value, again[i].Value) {
					t.Fatalf("%s: order changed the outcome at %d: %+v vs %+v", method, i, base[i], again[i])
				}
			}
		}
	}
}
