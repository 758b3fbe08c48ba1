package survey

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
)

// Uncertainty and sensitivity of a round's ranking (docs/uncertainty.md).
//
// A composite index rests on choices the data do not dictate: how much
// each dimension weighs, how the dimensions are averaged, what an answer
// of "not applicable" is worth. Following the JRC's audits of composite
// indicators (and its COINr package), AnalyseRanks ranks the round again
// under many such choices, drawn at random around the published ones, and
// reports for each institution where its rank lands (median, 5th and 95th
// percentile), and for each dimension how much its weight moves the
// ranking. The draws come from a seed fixed by the round and the scoring
// version, so a round's analysis is reproducible to the digit.

const (
	// DefaultWeightSpread is how far each dimension weight may move, as a
	// share of itself (±25 %), when the model does not say (Model.WeightSpread).
	DefaultWeightSpread = 0.25
	// DefaultReplicates is how many rankings an analysis draws: enough for
	// the 5th and 95th percentiles to rest on 50 rankings each.
	DefaultReplicates = 1000
	// GeometricOffset is added to every dimension score (0–1) before the
	// geometric mean and taken off after it, so that a dimension scored 0
	// does not make the whole index 0 (a geometric mean of anything with 0
	// is 0): one point on a 0–100 scale.
	GeometricOffset = 0.01
	// sensitivityBins is how many equal slices of its range each weight's
	// draws are grouped in to estimate its first-order effect.
	sensitivityBins = 10
)

// RankBand is where an institution's rank lands across the analysis'
// rankings: the median and the 5th–95th percentile interval (Low is the
// better, smaller rank). Overlaps counts the other institutions whose
// interval overlaps this one: those it cannot be told apart from.
type RankBand struct {
	Median   int `json:"median"`
	Low      int `json:"p5"`
	High     int `json:"p95"`
	Overlaps int `json:"overlaps"`
}

// Overlap reports whether two bands share a rank: the institutions cannot
// be told apart under the analysis' choices.
func (b RankBand) Overlap(o RankBand) bool { return b.Low <= o.High && o.Low <= b.High }

// DimensionEffect is a dimension's first-order sensitivity: the share
// (0–1) of the variance of the ranking's movement (the mean absolute rank
// shift) that its weight alone explains, among rankings that made the same
// choice of mean and of N/A.
type DimensionEffect struct {
	Section string  `json:"section"`
	Effect  float64 `json:"effect"`
}

// RankAnalysis is a round's uncertainty and sensitivity analysis.
type RankAnalysis struct {
	Seed       uint64  `json:"seed,string"`
	Replicates int     `json:"replicates"`
	Spread     float64 `json:"weight_spread"`
	// Bands are the institutions' rank bands, by code.
	Bands map[string]RankBand `json:"-"`
	// Published is each institution's rank under the published choices,
	// by code (survey.Rank's rank).
	Published map[string]int `json:"-"`
	// Dimensions are the weights' effects, in the questionnaire's order.
	Dimensions []DimensionEffect `json:"dimensions"`
	// Aggregation and NotApplicable are the effects of the two other
	// choices: arithmetic or geometric mean; N/A dropped or scored 0.
	Aggregation   float64 `json:"aggregation_effect"`
	NotApplicable float64 `json:"not_applicable_effect"`
	// MeanShift is the mean, over the rankings drawn, of the mean absolute
	// difference between an institution's rank and its published rank.
	MeanShift float64 `json:"mean_shift"`
}

// AnalysisOptions set an analysis. The zero value of each choice is the
// full analysis; the Fixed fields keep the published choice instead (for
// tests and for reading one choice's effect alone).
type AnalysisOptions struct {
	Replicates int     // 0: DefaultReplicates
	Spread     float64 // each weight drawn uniformly in weight × [1−Spread, 1+Spread]
	Seed       uint64
	// FixedAggregation keeps the arithmetic mean (the published choice).
	FixedAggregation bool
	// FixedNA keeps "not applicable" dropped (the published choice).
	FixedNA bool
	// Workers is how many goroutines draw rankings (0: 2).
	Workers int
}

// RankSeed is the seed of a round's analysis: a hash of the round and the
// scoring version, so that analysing the same scores again gives the same
// bands, and a new scoring version draws afresh.
func RankSeed(roundID int64, scoringVersion string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("marsad rank analysis|" + strconv.FormatInt(roundID, 10) + "|" + scoringVersion))
	return h.Sum64()
}

// WeightSpreadOf is the model's weight spread, or the default.
func (m Model) WeightSpreadOf() float64 {
	if m.WeightSpread != nil {
		return *m.WeightSpread
	}
	return DefaultWeightSpread
}

// BandUnit is one institution as the analysis needs it: its dimension
// scores (0–1, in the questionnaire's section order) under both treatments
// of "not applicable". Has says whether the dimension counts (false: no
// applicable item, the dimension is dropped and the others share its
// weight). Index 0 is N/A dropped (as published), 1 is N/A scored 0.
type BandUnit struct {
	Code   string
	Scores [2][]float64
	Has    [2][]bool
}

// NewBandUnit prepares a scored result for AnalyseRanks. The published
// treatment takes r's dimensions as they are (the figures ranked); the
// other adds the weight of every item answered "not applicable" to its
// dimension at score 0. r must carry its items where N/A answers exist
// (NAAnswers > 0); without items the two treatments are the same.
func NewBandUnit(def *Definition, code string, r Result) BandUnit {
	n := len(def.Sections)
	u := BandUnit{Code: code}
	for t := range 2 {
		u.Scores[t], u.Has[t] = make([]float64, n), make([]bool, n)
	}
	pos := make(map[string]int, n)
	for i, sec := range def.Sections {
		pos[sec.ID] = i
	}
	for _, d := range r.Dimensions {
		if i, ok := pos[d.Section]; ok && !d.Dropped {
			u.Scores[0][i], u.Has[0][i] = d.Score, true
		}
	}
	w, ws, na := make([]float64, n), make([]float64, n), make([]float64, n)
	for _, it := range r.Items {
		i, ok := pos[it.Section]
		if !ok {
			continue
		}
		switch it.Dropped {
		case "":
			w[i] += it.Weight
			ws[i] += it.Weight * it.Score
		case DropNA:
			na[i] += it.Weight
		}
	}
	for i := range n {
		switch {
		case na[i] == 0:
			// No N/A here: the same figure, to the bit, as published.
			u.Scores[1][i], u.Has[1][i] = u.Scores[0][i], u.Has[0][i]
		case w[i]+na[i] > 0:
			u.Scores[1][i], u.Has[1][i] = ws[i]/(w[i]+na[i]), true
		}
	}
	return u
}

// ScoresFingerprint identifies the figures a ranking is made of: each
// institution's index and dimension scores, bit for bit. An analysis is
// stored with the fingerprint of the scores it analysed, and shown only
// while the ranking's scores have the same one.
func ScoresFingerprint(results map[string]Result) string {
	codes := make([]string, 0, len(results))
	for c := range results {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	h := fnv.New64a()
	var b [8]byte
	word := func(x float64) {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		_, _ = h.Write(b[:])
	}
	for _, c := range codes {
		r := results[c]
		_, _ = h.Write([]byte(c))
		_, _ = h.Write([]byte{0})
		word(r.Index)
		for _, d := range r.Dimensions {
			_, _ = h.Write([]byte(d.Section))
			if d.Dropped {
				_, _ = h.Write([]byte{1})
				continue
			}
			word(d.Score)
		}
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// analysis holds what every replicate reads, prepared once.
type analysis struct {
	n, dims    int
	weights    []float64
	scores     [2][]float64 // n×dims, row by institution; after any normalisation of dimensions
	logs       [2][]float64 // log(score + GeometricOffset)
	has        [2][]bool
	model      Model
	normIndex  bool    // normalise the index across institutions (the model's)
	scale, pow float64 // Display's factors: rank on round(x × scale × 10^precision)
}

// draw is one replicate's choices.
type draw struct {
	factors   []float64 // each dimension weight's multiplier
	geometric bool
	naZero    bool
}

// AnalyseRanks draws opt.Replicates rankings of the units under other
// reasonable choices and summarises them (see RankAnalysis). Each
// replicate draws every dimension weight uniformly within ±Spread of the
// model's and renormalises, the arithmetic or the geometric mean (even
// odds), and "not applicable" dropped or scored 0 (even odds, for every
// N/A answer of the round at once: it is one rule, applied to all alike).
// Ranks are the published ranks' (survey.Rank): the model's normalisation,
// the index rounded to its precision, ties sharing a rank.
func AnalyseRanks(def *Definition, units []BandUnit, opt AnalysisOptions) RankAnalysis {
	if opt.Replicates <= 0 {
		opt.Replicates = DefaultReplicates
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	units = slices.Clone(units)
	// Code order, as survey.Rank: normalisation sums in the same order
	// give the same figures to the bit.
	slices.SortFunc(units, func(a, b BandUnit) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	a := prepare(def, units)
	R, n := opt.Replicates, a.n
	out := RankAnalysis{Seed: opt.Seed, Replicates: R, Spread: opt.Spread, Bands: make(map[string]RankBand, n), Published: make(map[string]int, n)}
	if n == 0 {
		for _, sec := range def.Sections {
			out.Dimensions = append(out.Dimensions, DimensionEffect{Section: sec.ID})
		}
		return out
	}

	// Every draw first, from one generator in a fixed order: the result
	// does not depend on how the replicates are shared among workers.
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6d61727361642e62)) // #nosec G404 -- reproducible draws, not secrets
	draws := make([]draw, R)
	factors := make([]float64, R*a.dims)
	for r := range draws {
		d := draw{factors: factors[r*a.dims : (r+1)*a.dims]}
		for k := range d.factors {
			d.factors[k] = 1 + opt.Spread*(2*rng.Float64()-1)
		}
		geo, na := rng.IntN(2) == 1, rng.IntN(2) == 1
		d.geometric = geo && !opt.FixedAggregation
		d.naZero = na && !opt.FixedNA
		draws[r] = d
	}

	published := make([]int32, n)
	ones := make([]float64, a.dims)
	for k := range ones {
		ones[k] = 1
	}
	newScratch(n).rank(a, draw{factors: ones}, published)
	for i, u := range units {
		out.Published[u.Code] = int(published[i])
	}

	// ranks[i*R+r] is institution i's rank in replicate r: each
	// institution's ranks lie together for the percentiles.
	ranks := make([]int32, n*R)
	shift := make([]float64, R)
	var wg sync.WaitGroup
	per := (R + opt.Workers - 1) / opt.Workers
	for w := range opt.Workers {
		from, to := w*per, min((w+1)*per, R)
		if from >= to {
			break
		}
		wg.Go(func() {
			sc := newScratch(n)
			one := make([]int32, n)
			for r := from; r < to; r++ {
				sc.rank(a, draws[r], one)
				var moved int64
				for i, x := range one {
					ranks[i*R+r] = x
					d := int64(x - published[i])
					if d < 0 {
						d = -d
					}
					moved += d
				}
				shift[r] = float64(moved) / float64(n)
			}
		})
	}
	wg.Wait()

	sorted := make([]int32, R)
	bands := make([]RankBand, n)
	for i := range units {
		copy(sorted, ranks[i*R:(i+1)*R])
		slices.Sort(sorted)
		bands[i] = RankBand{Median: int(sorted[nearestRank(0.5, R)]), Low: int(sorted[nearestRank(0.05, R)]), High: int(sorted[nearestRank(0.95, R)])}
	}
	CountOverlaps(bands)
	for i, u := range units {
		out.Bands[u.Code] = bands[i]
	}

	var mean float64
	for _, s := range shift {
		mean += s
	}
	out.MeanShift = mean / float64(R)
	// The weights' effects are read among rankings that made the same
	// choice of mean and of N/A (four cells): the two switches move the
	// ranking far more than any one weight, and would drown them. The
	// switches' own effects are read over all the rankings.
	geo, na := make([]float64, R), make([]float64, R)
	cell, one := make([]int, R), make([]int, R)
	for r, d := range draws {
		if d.geometric {
			geo[r], cell[r] = 1, cell[r]+2
		}
		if d.naZero {
			na[r], cell[r] = 1, cell[r]+1
		}
	}
	for k, sec := range def.Sections {
		x := make([]float64, R)
		for r := range draws {
			x[r] = draws[r].factors[k]
		}
		out.Dimensions = append(out.Dimensions, DimensionEffect{Section: sec.ID,
			Effect: firstOrder(x, shift, 1-opt.Spread, 1+opt.Spread, sensitivityBins, cell, 4)})
	}
	out.Aggregation = firstOrder(geo, shift, 0, 1, 2, one, 1)
	out.NotApplicable = firstOrder(na, shift, 0, 1, 2, one, 1)
	return out
}

// nearestRank is the index, in R sorted values, of the p-th percentile by
// the nearest-rank method: the smallest value with at least p·R values at
// or below it (so the 5th–95th interval holds at least 90 % of the draws).
func nearestRank(p float64, R int) int {
	k := int(math.Ceil(p*float64(R))) - 1
	return max(0, min(R-1, k))
}

// CountOverlaps sets each band's Overlaps: how many of the others overlap
// it. Sorted ends and two binary searches keep it O(n log n): the others
// that do not overlap [lo, hi] start after hi or end before lo, never both.
func CountOverlaps(bands []RankBand) {
	lows, highs := make([]int, len(bands)), make([]int, len(bands))
	for i, b := range bands {
		lows[i], highs[i] = b.Low, b.High
	}
	slices.Sort(lows)
	slices.Sort(highs)
	for i, b := range bands {
		after := len(lows) - sort.SearchInts(lows, b.High+1) // start after hi
		before := sort.SearchInts(highs, b.Low)              // end before lo
		bands[i].Overlaps = len(bands) - after - before - 1
	}
}

// firstOrder estimates the first-order sensitivity index of y to x,
// Var(E[y | x]) / Var(y), by grouping x's draws in bins equal slices of
// [lo, hi] and taking the variance of the bins' means. It is read within
// groups of replicates (group[r] < groups: the other choices held alike),
// the sums of squares pooled over them. The share that bins groups of
// pure noise would show, (bins−1)/(n−1) of each group's variance, is taken
// off (a choice that does not matter then reads 0, not 1 %), and the
// result kept within 0–1.
func firstOrder(x, y []float64, lo, hi float64, bins int, group []int, groups int) float64 {
	if len(y) < 2 || hi <= lo {
		return 0
	}
	var between, total, chance float64
	sums, counts := make([]float64, bins), make([]int, bins)
	for g := range groups {
		var n int
		var mean, within float64
		clear(sums)
		clear(counts)
		for r, v := range y {
			if group[r] != g {
				continue
			}
			n++
			mean += v
			b := int(float64(bins) * (x[r] - lo) / (hi - lo))
			b = max(0, min(bins-1, b))
			sums[b] += v
			counts[b]++
		}
		if n < 2 {
			continue
		}
		mean /= float64(n)
		for r, v := range y {
			if group[r] == g {
				within += (v - mean) * (v - mean)
			}
		}
		for b := range bins {
			if counts[b] > 0 {
				m := sums[b] / float64(counts[b])
				between += float64(counts[b]) * (m - mean) * (m - mean)
			}
		}
		total += within
		chance += within * float64(bins-1) / float64(n-1)
	}
	if total <= 1e-12*float64(len(y)) {
		return 0 // the ranking never moved: nothing to explain
	}
	return math.Max(0, math.Min(1, (between-chance)/total))
}

// prepare lays the units out flat, normalises the dimensions across
// institutions when the model does (as survey.Rank does, for each
// treatment of N/A), and takes the logarithms the geometric mean needs,
// once for every replicate.
func prepare(def *Definition, units []BandUnit) *analysis {
	m := def.Model
	a := &analysis{n: len(units), dims: len(def.Sections), model: m}
	for _, sec := range def.Sections {
		a.weights = append(a.weights, sec.Weight)
	}
	a.scale = m.Scale
	if a.scale == 0 {
		a.scale = 100
	}
	a.pow = math.Pow(10, float64(m.Precision))
	normalizes := m.Normalization != "" && m.Normalization != "none"
	a.normIndex = normalizes && m.NormalizeOn != "dimensions"
	for t := range 2 {
		a.scores[t] = make([]float64, a.n*a.dims)
		a.logs[t] = make([]float64, a.n*a.dims)
		a.has[t] = make([]bool, a.n*a.dims)
		for i, u := range units {
			for k := range a.dims {
				if k < len(u.Has[t]) && u.Has[t][k] {
					a.scores[t][i*a.dims+k], a.has[t][i*a.dims+k] = u.Scores[t][k], true
				}
			}
		}
		if normalizes && m.NormalizeOn == "dimensions" {
			for k := range a.dims {
				var idx []int
				var xs []float64
				for i := range a.n {
					if a.has[t][i*a.dims+k] {
						idx, xs = append(idx, i), append(xs, a.scores[t][i*a.dims+k])
					}
				}
				for j, v := range normalize(m.Normalization, xs) {
					a.scores[t][idx[j]*a.dims+k] = v
				}
			}
		}
		for j, v := range a.scores[t] {
			a.logs[t][j] = math.Log(v + GeometricOffset)
		}
	}
	return a
}

// scratch is one worker's buffers, reused by every replicate it draws.
type scratch struct {
	values []float64
	order  []uint64
	w      []float64
}

func newScratch(n int) *scratch {
	return &scratch{values: make([]float64, n), order: make([]uint64, n)}
}

// rank ranks every institution under one replicate's choices into out
// (competition ranks, 1 best). With factors all 1, the arithmetic mean and
// N/A dropped it gives survey.Rank's ranks: the same sums in the same
// order.
func (sc *scratch) rank(a *analysis, d draw, out []int32) {
	t := 0
	if d.naZero {
		t = 1
	}
	if cap(sc.w) < a.dims {
		sc.w = make([]float64, a.dims)
	}
	w := sc.w[:a.dims]
	for k := range w {
		w[k] = a.weights[k] * d.factors[k]
	}
	scores, logs, has := a.scores[t], a.logs[t], a.has[t]
	for i := range a.n {
		row := i * a.dims
		var sumW, sum float64
		for k, wk := range w {
			if !has[row+k] {
				continue
			}
			sumW += wk
			if d.geometric {
				sum += wk * logs[row+k]
			} else {
				sum += wk * scores[row+k]
			}
		}
		v := 0.0
		switch {
		case sumW == 0:
		case d.geometric:
			v = math.Exp(sum/sumW) - GeometricOffset
		default:
			v = sum / sumW
		}
		sc.values[i] = v
	}
	values := sc.values
	if a.normIndex {
		values = normalize(a.model.Normalization, values)
	}
	// One sort of packed keys: the rounded index (higher first) above,
	// the institution below. Ranks are on the index rounded as Display
	// rounds it, so the figures a page shows as equal share a rank.
	for i, v := range values {
		key := math.Round(v * a.scale * a.pow)
		if !(key > 0) {
			key = 0 // also NaN
		}
		key = math.Min(key, math.MaxUint32)
		sc.order[i] = uint64(math.MaxUint32-uint32(key))<<32 | uint64(i)
	}
	slices.Sort(sc.order)
	var prevKey uint64
	var prevRank int32
	for pos, packed := range sc.order {
		i, key := packed&math.MaxUint32, packed>>32
		r := int32(pos + 1)
		if pos > 0 && key == prevKey {
			r = prevRank
		}
		out[i], prevKey, prevRank = r, key, r
	}
}
