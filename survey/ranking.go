package survey

import (
	"math"
	"sort"
)

// Ranked is one institution's place in a round.
type Ranked struct {
	Institution string  `json:"institution"`
	Result      Result  `json:"-"`
	Value       float64 `json:"value"` // the index after any normalisation, 0–1
	Display     float64 `json:"index"` // Value on the model's scale, rounded to its precision
	Level       string  `json:"level"`
	Rank        int     `json:"rank"`
}

// Rank orders a round's results: optional normalisation across the
// institutions (the model's "minmax" or "zscore-minmax", on the index or on
// each dimension), levels, and standard competition ranking (1, 2, 2, 4)
// on the value rounded to the model's precision. Ties are listed by code.
func Rank(m Model, results map[string]Result) []Ranked {
	codes := make([]string, 0, len(results))
	for c := range results {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	values := make([]float64, len(codes))
	switch {
	case m.Normalization == "" || m.Normalization == "none":
		for i, c := range codes {
			values[i] = results[c].Index
		}
	case m.NormalizeOn == "dimensions":
		values = normalizedDimensionIndex(m, codes, results)
	default:
		for i, c := range codes {
			values[i] = results[c].Index
		}
		values = normalize(m.Normalization, values)
	}
	out := make([]Ranked, len(codes))
	for i, c := range codes {
		out[i] = Ranked{Institution: c, Result: results[c], Value: values[i], Display: m.Display(values[i]), Level: m.level(values[i])}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Display > out[j].Display })
	for i := range out {
		if i > 0 && out[i].Display == out[i-1].Display {
			out[i].Rank = out[i-1].Rank
		} else {
			out[i].Rank = i + 1
		}
	}
	return out
}

// normalize rescales values across institutions: minmax to 0–1, or
// z-scores then minmax (as the UN indices do). With no spread at all the
// values are left as they are: there is nothing to tell apart.
func normalize(method string, xs []float64) []float64 {
	out := append([]float64(nil), xs...)
	if len(xs) < 2 {
		return out
	}
	if method == "zscore-minmax" {
		var mean, sd float64
		for _, x := range xs {
			mean += x
		}
		mean /= float64(len(xs))
		for _, x := range xs {
			sd += (x - mean) * (x - mean)
		}
		sd = math.Sqrt(sd / float64(len(xs)))
		if sd == 0 {
			return out
		}
		for i, x := range xs {
			out[i] = (x - mean) / sd
		}
	}
	lo, hi := out[0], out[0]
	for _, x := range out {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if hi == lo {
		return append([]float64(nil), xs...)
	}
	for i, x := range out {
		out[i] = (x - lo) / (hi - lo)
	}
	return out
}

// normalizedDimensionIndex normalises each dimension across institutions
// (those where it is not dropped), then recombines each index.
func normalizedDimensionIndex(m Model, codes []string, results map[string]Result) []float64 {
	if len(codes) == 0 {
		return nil
	}
	nd := len(results[codes[0]].Dimensions)
	norm := make([][]float64, len(codes))
	for i := range codes {
		norm[i] = make([]float64, nd)
	}
	for d := 0; d < nd; d++ {
		var idx []int
		var xs []float64
		for i, c := range codes {
			if dim := results[c].Dimensions[d]; !dim.Dropped {
				idx, xs = append(idx, i), append(xs, dim.Score)
			}
		}
		for k, v := range normalize(m.Normalization, xs) {
			norm[idx[k]][d] = v
		}
	}
	out := make([]float64, len(codes))
	for i, c := range codes {
		var w, ws float64
		for d, dim := range results[c].Dimensions {
			if !dim.Dropped {
				w += dim.Weight
				ws += dim.Weight * norm[i][d]
			}
		}
		if w > 0 {
			out[i] = ws / w
		}
	}
	return out
}

// Action is an improvement action: raising one item to full marks would
// raise the index by Gain points (on the model's scale).
type Action struct {
	ItemID  string  `json:"item"`
	Section string  `json:"section"`
	Score   float64 `json:"score"`
	Gain    float64 `json:"gain"`
}

// ImprovementActions lists the n items whose full marks would raise the
// index most: dimension share × item share × (1 − item score), in points.
func ImprovementActions(def *Definition, r Result, n int) []Action {
	var sumW float64
	dimW := map[string]float64{}
	for _, d := range r.Dimensions {
		if !d.Dropped {
			sumW += d.Weight
			dimW[d.Section] = d.Weight
		}
	}
	itemW := map[string]float64{}
	for _, is := range r.Items {
		if is.Dropped == "" {
			itemW[is.Section] += is.Weight
		}
	}
	scale := def.Model.Scale
	if scale == 0 {
		scale = 100
	}
	var out []Action
	for _, is := range r.Items {
		if is.Dropped != "" || is.Score >= 1 || sumW == 0 || itemW[is.Section] == 0 {
			continue
		}
		gain := dimW[is.Section] / sumW * is.Weight / itemW[is.Section] * (1 - is.Score) * scale
		out = append(out, Action{ItemID: is.ItemID, Section: is.Section, Score: is.Score, Gain: gain})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Gain > out[j].Gain })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// PreviousRound is the round a ranking of r could measure its changes
// against for one reader, questionnaires aside: the latest round before r (by id) whose results are
// final enough to compare with (closed or published) and that the reader
// may see (seen). A change against a round the reader may not see would
// give its figures away — index minus change is the earlier index, and
// rank minus change of rank the earlier rank — so such a round is skipped;
// ok is false when no earlier round qualifies, and changes are not shown.
// Pages measure change with CompareWith (comparable.go), which also passes
// over rounds whose questionnaire is not comparable.
func PreviousRound(rounds []Round, r Round, seen func(Round) bool) (Round, bool) {
	var best Round
	found := false
	for _, x := range rounds {
		if x.ID >= r.ID || (x.Status != RoundClosed && x.Status != RoundPublished) || !seen(x) {
			continue
		}
		if !found || x.ID > best.ID {
			best, found = x, true
		}
	}
	return best, found
}
