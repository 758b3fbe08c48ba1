package survey

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ScoringVersion identifies the scoring rules below. Stored scores carry
// it, so a score can always be traced to the rules that produced it.
const ScoringVersion = "1"

// Why an item does not count in its dimension.
const (
	DropNA       = "na"        // answered "not applicable"
	DropHidden   = "hidden"    // hidden by show_if
	DropUnscored = "unscored"  // text, evidence links, weight 0
	DropMetricNA = "metric-na" // a catalog metric whose set is empty for a legitimate reason
)

// ItemScore is one item's contribution: its score (0–1) and weight, or why
// it was dropped.
type ItemScore struct {
	ItemID  string  `json:"item"`
	Section string  `json:"section"`
	Score   float64 `json:"score"`
	Weight  float64 `json:"weight"`
	Dropped string  `json:"dropped,omitempty"`
	Value   string  `json:"value,omitempty"` // the answer or metric value that was scored
}

// DimensionScore is one dimension (section) of the index.
type DimensionScore struct {
	Section string  `json:"section"`
	Score   float64 `json:"score"` // 0–1
	Weight  float64 `json:"weight"`
	Dropped bool    `json:"dropped,omitempty"` // no applicable item
}

// Result is one response's score.
type Result struct {
	Index      float64          `json:"index"` // 0–1
	Level      string           `json:"level"` // the model's level key
	Dimensions []DimensionScore `json:"dimensions"`
	Items      []ItemScore      `json:"items"`
	// DroppedDimensions lists dimensions with no applicable item; the
	// other dimensions' weights were renormalised.
	DroppedDimensions []string `json:"dropped_dimensions,omitempty"`
	NAAnswers         int      `json:"na_answers"`
}

// ScoreOptions change how a response is scored.
type ScoreOptions struct {
	// VerifiedOnly counts only answers the reviewer approved: any other
	// answer scores 0 (the verified index).
	VerifiedOnly bool
	// AsOf is the round's opening date, for the catalog's freshness.
	AsOf time.Time
	// ObservedTech is the institution's observed technology score (0–1,
	// survey/discrepancy.go) for a metric item on MetricObservedTech; nil
	// when nothing was checked: the item is then not applicable.
	ObservedTech *float64
}

// Score scores one response: its answers and the catalog snapshot frozen
// with it. It is a pure function of its arguments (docs/scoring.md).
func Score(def *Definition, answers AnswerSet, services []Service, opt ScoreOptions) Result {
	metrics := catalogMetricValues(services, opt.AsOf)
	r := Result{Items: make([]ItemScore, 0, len(def.Items))}
	for _, it := range def.Items {
		is := ItemScore{ItemID: it.ID, Section: it.Section, Weight: it.Weight}
		a, answered := answers[it.ID]
		switch {
		case !it.Scored():
			is.Dropped = DropUnscored
		case !answers.Visible(it):
			is.Dropped = DropHidden
		case it.Type == TypeMetric:
			m, ok := metrics[it.Metric]
			if it.Metric == MetricObservedTech {
				// Observed, not declared: it comes from the checks, not the snapshot.
				m, ok = 0, opt.ObservedTech != nil
				if ok {
					m = *opt.ObservedTech
				}
			}
			if !ok {
				is.Dropped = DropMetricNA
				break
			}
			is.Value = strconv.FormatFloat(m, 'f', 4, 64)
			is.Score = it.linear(m, 0, 1)
		case answered && a.NA && it.NAAllowed && (!opt.VerifiedOnly || a.ReviewStatus == ReviewApproved):
			is.Dropped = DropNA
			r.NAAnswers++
		case !answered || (opt.VerifiedOnly && a.ReviewStatus != ReviewApproved):
			is.Score = 0 // unanswered, or not (yet) approved for the verified index
		default:
			is.Value = strings.Join(a.Values, ";")
			is.Score = it.score(a.Values)
		}
		r.Items = append(r.Items, is)
	}
	r.Dimensions, r.Index, r.DroppedDimensions = combine(def, r.Items)
	r.Level = def.Model.level(r.Index)
	return r
}

// score is the item score (0–1) of an answer's values.
func (it Item) score(values []string) float64 {
	switch it.Type {
	case TypeSingle, TypeMulti:
		var got, best, all float64
		for _, o := range it.Options {
			best = math.Max(best, o.Points)
			all += o.Points
			if contains(values, o.Value) {
				if it.Type == TypeSingle {
					got = math.Max(got, o.Points)
				} else {
					got += o.Points
				}
			}
		}
		if it.Type == TypeMulti {
			if best = all; it.Cap > 0 {
				best = it.Cap
			}
			got = math.Min(got, best)
		}
		if best == 0 {
			return 0
		}
		return got / best
	case TypeYesNo:
		if len(values) > 0 && values[0] == "yes" {
			return 1
		}
		return 0
	}
	if len(values) == 0 {
		return 0
	}
	x, err := strconv.ParseFloat(NormalizeDigits(values[0]), 64)
	if err != nil {
		return 0
	}
	switch it.Type {
	case TypePercent:
		return it.linear(x, 0, 100)
	case TypeScale, TypeNumber:
		if len(it.Bands) > 0 {
			s := 0.0
			for _, b := range it.Bands {
				if x >= b.Min {
					s = b.Score
				}
			}
			return s
		}
		lo, hi := 0.0, 1.0
		if it.Min != nil && it.Max != nil {
			lo, hi = *it.Min, *it.Max
		}
		return it.linear(x, lo, hi)
	}
	return 0
}

// linear maps x to 0–1 between the item's floor and target (or the given
// defaults), clamped.
func (it Item) linear(x, floor, target float64) float64 {
	if it.Floor != nil && it.Target != nil {
		floor, target = *it.Floor, *it.Target
	}
	if target == floor {
		return 0
	}
	return math.Max(0, math.Min(1, (x-floor)/(target-floor)))
}

// combine renormalises item weights within each dimension (dropped items
// out) and dimension weights across dimensions (empty dimensions out).
func combine(def *Definition, items []ItemScore) ([]DimensionScore, float64, []string) {
	var dims []DimensionScore
	var dropped []string
	var sumW, sumWD float64
	for _, sec := range def.Sections {
		var w, ws float64
		for _, is := range items {
			if is.Section == sec.ID && is.Dropped == "" {
				w += is.Weight
				ws += is.Weight * is.Score
			}
		}
		d := DimensionScore{Section: sec.ID, Weight: sec.Weight}
		if w == 0 {
			d.Dropped = true
			dropped = append(dropped, sec.ID)
		} else {
			d.Score = ws / w
			sumW += sec.Weight
			sumWD += sec.Weight * d.Score
		}
		dims = append(dims, d)
	}
	if sumW == 0 {
		return dims, 0, dropped
	}
	return dims, sumWD / sumW, dropped
}

// level is the key of the highest level whose minimum the value reaches.
func (m Model) level(x float64) string {
	for _, l := range m.Levels {
		if x >= l.Min-1e-12 {
			return l.Key
		}
	}
	return ""
}

// Display is an index or dimension score (0–1) on the model's scale,
// rounded to its precision: what is shown and what ranks.
func (m Model) Display(x float64) float64 {
	scale := m.Scale
	if scale == 0 {
		scale = 100
	}
	p := math.Pow(10, float64(m.Precision))
	return math.Round(x*scale*p) / p
}

// catalogMetricValues computes the catalog metrics of docs/scoring.md
// ("Catalog metrics") from a snapshot. A metric whose set is empty for a legitimate reason
// (no fee-bearing services, none for the diaspora) is absent: N/A. With no
// public service at all, every metric is 0.
func catalogMetricValues(services []Service, asOf time.Time) map[string]float64 {
	// Sets hold pointers: a Service is large, and a round scores thousands of catalogs.
	a := make([]*Service, 0, len(services)) // public-facing active services
	for i := range services {
		s := &services[i]
		if s.Status == ServiceActive && (contains(s.Audience, "citizens") || contains(s.Audience, "businesses") || contains(s.Audience, "diaspora")) {
			a = append(a, s)
		}
	}
	out := map[string]float64{}
	if len(a) == 0 {
		for _, m := range Metrics {
			out[m] = 0
		}
		return out
	}
	share := func(set []*Service, p func(*Service) bool) float64 {
		if len(set) == 0 {
			return 0
		}
		n := 0
		for _, s := range set {
			if p(s) {
				n++
			}
		}
		return float64(n) / float64(len(set))
	}
	where := func(p func(*Service) bool) []*Service {
		var out []*Service
		for _, s := range a {
			if p(s) {
				out = append(out, s)
			}
		}
		return out
	}
	a1 := where(func(s *Service) bool { return s.Stage >= 1 })
	a2 := where(func(s *Service) bool { return s.Stage >= 2 })
	a3 := where(func(s *Service) bool { return s.Stage >= 3 })
	fees := where(func(s *Service) bool { return s.FeeILS > 0 })
	diaspora := where(func(s *Service) bool { return contains(s.Audience, "diaspora") })
	withVolume := where(func(s *Service) bool { return s.YearlyVolume > 0 })

	cutoff := asOf.AddDate(-1, 0, 0).Format("2006-01-02")
	out["catalog_fresh"] = share(a, func(s *Service) bool {
		return s.NameAr != "" && s.NameEn != "" && s.DescriptionAr != "" && len(s.Channels) > 0 &&
			s.LastReviewed != "" && (asOf.IsZero() || s.LastReviewed >= cutoff)
	})
	out["share_stage1"] = share(a, func(s *Service) bool { return s.Stage >= 1 })
	out["share_stage3"] = share(a, func(s *Service) bool { return s.Stage >= 3 })
	out["share_stage4"] = share(a, func(s *Service) bool { return s.Stage >= 4 })
	out["mean_stage"] = weightedMeanStage(a, withVolume) / MaxStage
	if len(fees) > 0 {
		out["share_e_payment"] = share(fees, func(s *Service) bool { return s.EPayment })
	}
	var vol, online float64
	for _, s := range withVolume {
		vol += float64(s.YearlyVolume)
		if s.Stage > 1 {
			online += float64(s.YearlyVolume) * s.OnlineShare / 100
		}
	}
	if vol > 0 {
		out["digital_takeup"] = online / vol
	} else {
		out["digital_takeup"] = 0
	}
	top := append([]*Service(nil), withVolume...)
	sort.SliceStable(top, func(i, j int) bool {
		if top[i].YearlyVolume != top[j].YearlyVolume {
			return top[i].YearlyVolume > top[j].YearlyVolume
		}
		return top[i].Code < top[j].Code
	})
	out["top5_stage3"] = share(top[:min(5, len(top))], func(s *Service) bool { return s.Stage >= 3 })
	out["share_mobile"] = share(a1, func(s *Service) bool { return s.MobileFriendly })
	out["share_e_id"] = share(a3, func(s *Service) bool { return s.EID })
	out["share_data_exchange"] = share(a2, func(s *Service) bool { return s.DataExchange })
	// Published standards: a stated processing time and a description (the
	// catalog has no separate list of required documents yet; the fee,
	// 0 included, is always stated).
	out["share_published_standards"] = share(a, func(s *Service) bool { return s.ProcessingDays > 0 && s.DescriptionAr != "" })
	out["share_abroad"] = share(a, func(s *Service) bool { return s.Abroad })
	if len(diaspora) > 0 {
		out["share_abroad_diaspora"] = share(diaspora, func(s *Service) bool { return s.Abroad })
	}
	out["share_no_visit"] = share(a, func(s *Service) bool { return s.NoVisit })
	return out
}

// weightedMeanStage is the volume-weighted mean stage; a service with no
// recorded volume weighs the median recorded volume (1 when none is).
func weightedMeanStage(a, withVolume []*Service) float64 {
	median := 1.0
	if n := len(withVolume); n > 0 {
		v := make([]float64, n)
		for i, s := range withVolume {
			v[i] = float64(s.YearlyVolume)
		}
		sort.Float64s(v)
		if median = v[n/2]; n%2 == 0 {
			median = (v[n/2-1] + v[n/2]) / 2
		}
	}
	var sum, w float64
	for _, s := range a {
		vw := float64(s.YearlyVolume)
		if vw <= 0 {
			vw = median
		}
		sum += vw * float64(s.Stage)
		w += vw
	}
	if w == 0 {
		return 0
	}
	return sum / w
}
