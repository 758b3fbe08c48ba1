package survey

import (
	"math"
)

// Score kinds: the self-reported index counts every answer; the verified
// index only answers the reviewer approved.
const (
	ScoreSelf     = "self"
	ScoreVerified = "verified"
)

// InstitutionScore is an institution's score in a round, ranked among the
// round's scored responses, with its change since the previous round.
type InstitutionScore struct {
	Institution Institution        `json:"-"`
	Code        string             `json:"code"`
	NameAr      string             `json:"name_ar"`
	NameEn      string             `json:"name_en"`
	Sector      string             `json:"sector"`
	Kind        string             `json:"kind"`
	Region      string             `json:"region"`
	Status      string             `json:"status"`
	Index       float64            `json:"index"`
	Level       string             `json:"level"`
	Rank        int                `json:"rank,omitempty"` // 0 in OwnOnly
	Of          int                `json:"of,omitempty"`
	Dimensions  map[string]float64 `json:"dimensions"`
	// DimensionRanks ranks the institution on each dimension (ties share).
	DimensionRanks map[string]int `json:"dimension_ranks,omitempty"`
	// DeltaIndex and DeltaRank are the changes since the round the ranking
	// was read against (ScoresSince); nil without one, or for an
	// institution absent from it.
	DeltaIndex        *float64 `json:"delta_index,omitempty"`
	DeltaRank         *int     `json:"delta_rank,omitempty"` // positive: moved up
	Result            Result   `json:"-"`
	ScoringVersion    string   `json:"scoring_version"`
	QuestionnaireHash string   `json:"questionnaire_hash"`

	// Band is where the rank lands under other reasonable weights and
	// choices (RankAnalysis); nil when the round has no current analysis.
	Band *RankBand `json:"rank_band,omitempty"`

	// ownIndex and ownLevel are the index and level as scored, before any
	// normalisation across institutions (normalized says there was one).
	ownIndex   float64
	ownLevel   string
	normalized bool
}

// KeepOwn records the index and level as scored by m, before any
// normalisation across institutions, for OwnOnly.
func (x *InstitutionScore) KeepOwn(m Model) {
	x.ownIndex, x.ownLevel = m.Display(x.Result.Index), m.level(x.Result.Index)
	x.normalized = m.Normalization != "" && m.Normalization != "none"
}

// OwnOnly is the score as an institution's own respondents may see it
// before the round's results are published to them: its own figures and
// nothing measured against the others. No rank, no count of those ranked,
// no rank per dimension, no change of rank; and where the model normalises
// across institutions, the index and level as scored (a normalised index
// places it among the others) and no change of index (measured on the
// normalised scale). Dimensions are never normalised in a ranking's rows.
func (x InstitutionScore) OwnOnly() InstitutionScore {
	x.Rank, x.Of, x.DimensionRanks, x.DeltaRank, x.Band = 0, 0, nil, nil, nil
	if x.normalized {
		x.Index, x.Level, x.DeltaIndex = x.ownIndex, x.ownLevel, nil
	}
	return x
}

// Name is the institution's name in lang, falling back to Arabic.
func (x InstitutionScore) Name(lang string) string {
	if lang == "en" && x.NameEn != "" {
		return x.NameEn
	}
	return x.NameAr
}

// Pick is how a picker offers the institution: "name (CODE)".
func (x InstitutionScore) Pick(lang string) string { return x.Name(lang) + " (" + x.Code + ")" }

// Ranking is a round's ranking on one index with the figures every
// institution profile compares against, computed once with it: the
// national average of each dimension and the best two of each sector (two,
// so that the best is never compared with itself). A profile used to work
// them out from 1,500 rows a request, and its trend line scanned ten rounds
// for one code; both are now lookups.
type Ranking struct {
	List      []InstitutionScore
	byCode    map[string]int
	average   map[string]float64 // dimension → mean of those scored on it, display scale, one decimal
	sectorTop map[string][2]int  // sector → indexes in List of its best two (-1 when absent)
}

// IndexPoint is an institution's index in one round: as ranked (Index) and
// as its own respondents may see it before publication (Own, see OwnOnly).
type IndexPoint struct {
	Index, Own float64
}

// RoundIndexes are every institution's index in one round, by code: what a
// trend of one institution over many rounds needs, some 50 bytes an
// institution where the ranking holds over a kilobyte.
type RoundIndexes map[string]IndexPoint

// Indexes lists the ranking's indexes by code.
func (r *Ranking) Indexes() RoundIndexes {
	out := make(RoundIndexes, len(r.List))
	for _, x := range r.List {
		out[x.Code] = IndexPoint{Index: x.Index, Own: x.OwnOnly().Index}
	}
	return out
}

// Bytes estimates the memory a ranking holds, for a cache's budget: the
// rows with their maps and the indexes; names are not counted, the store
// shares one copy of them among rankings. Measured with runtime.MemStats on
// rounds of 1,500 institutions and 8 dimensions: 1,265 bytes a row, as
// estimated here.
func (r *Ranking) Bytes() int64 {
	n := int64(128 + 64*len(r.byCode) + 48*(len(r.average)+len(r.sectorTop)))
	for i := range r.List {
		x := &r.List[i]
		n += 240 + 64*int64(len(x.Dimensions)+len(x.DimensionRanks))
		if x.Band != nil {
			n += 40
		}
		n += 96*int64(len(x.Result.Items)) + 96*int64(len(x.Result.Dimensions))
	}
	return n
}

// NewRanking indexes a ranked list (best first) by code, with its
// averages per dimension and each sector's best two.
func NewRanking(list []InstitutionScore) *Ranking {
	r := &Ranking{List: list, byCode: make(map[string]int, len(list)), average: map[string]float64{}, sectorTop: map[string][2]int{}}
	sums, counts := map[string]float64{}, map[string]int{}
	for i, x := range list {
		r.byCode[x.Code] = i
		for d, v := range x.Dimensions {
			sums[d] += v
			counts[d]++
		}
		top, ok := r.sectorTop[x.Sector]
		if !ok {
			top = [2]int{-1, -1}
		}
		switch {
		case top[0] < 0 || x.Index > list[top[0]].Index:
			top = [2]int{i, top[0]}
		case top[1] < 0 || x.Index > list[top[1]].Index:
			top[1] = i
		}
		r.sectorTop[x.Sector] = top
	}
	for d, sum := range sums {
		r.average[d] = math.Round(sum/float64(counts[d])*10) / 10
	}
	return r
}

// Find is the institution's row, if it is ranked.
func (r *Ranking) Find(code string) (InstitutionScore, bool) {
	i, ok := r.byCode[code]
	if !ok {
		return InstitutionScore{}, false
	}
	return r.List[i], true
}

// Average is the national mean of a dimension (0 when nobody scored on it).
func (r *Ranking) Average(dimension string) float64 { return r.average[dimension] }

// SectorBest is the highest index of the sector other than the institution
// named by except (the first of equals keeps the place), or nil.
func (r *Ranking) SectorBest(sector, except string) *InstitutionScore {
	top, ok := r.sectorTop[sector]
	if !ok {
		return nil
	}
	for _, i := range top {
		if i >= 0 && r.List[i].Code != except {
			return &r.List[i]
		}
	}
	return nil
}
