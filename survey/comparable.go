package survey

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Change over time is measured only between rounds whose figures mean the
// same thing (docs/scoring.md, "Comparable rounds"). Two rounds are
// comparable when they used the same questionnaire, or versions of it the
// coordinator declared comparable (a version records its predecessor). A
// change across declared versions is computed on the items both share,
// both rounds' responses rescored on them with the later version's
// weights; across unrelated questionnaires or models no change is shown,
// and the page says why. The functions here are pure: the store hands
// them the rounds, the questionnaires and the declared predecessors.

// How two rounds compare (Comparison.Kind).
const (
	// CompareSame: the same questionnaire, or a version scored exactly as
	// it: the stored figures are compared as they are.
	CompareSame = "same"
	// CompareDeclared: versions declared comparable that differ in items,
	// weights or levels: the change is computed on the common items.
	CompareDeclared = "declared"
	// CompareNone: no change is shown (Reason says why).
	CompareNone = "none"
)

// Why no change is shown (Comparison.Reason).
const (
	// ReasonNoEarlierRound: no earlier closed or published round the reader
	// may see.
	ReasonNoEarlierRound = "no-earlier-round"
	// ReasonOtherQuestionnaire: the rounds used different questionnaires
	// (another model, such as the GTMI's), not declared comparable.
	ReasonOtherQuestionnaire = "other-questionnaire"
	// ReasonUndeclared: another version of the same questionnaire that the
	// coordinator has not declared comparable.
	ReasonUndeclared = "undeclared"
	// ReasonOtherModel: declared comparable, but the index is on another
	// scale or normalised otherwise: the figures measure different things.
	ReasonOtherModel = "other-model"
	// ReasonNoCommonItems: declared comparable, but no scored item in common.
	ReasonNoCommonItems = "no-common-items"
)

// maxLineage bounds a walk up the declared predecessors. CheckPredecessor
// never lets a loop be declared; the bound is a second guard, and versions
// further apart than this are simply not related.
const maxLineage = 64

// Lineage is what the coordinator declared: each questionnaire version's
// predecessor, by version id.
type Lineage map[int64]int64

// descends reports whether version a continues version b through declared
// predecessors (a's predecessor is b, or its predecessor's, and so on).
func (l Lineage) descends(a, b int64) bool {
	x := a
	for range maxLineage {
		p, ok := l[x]
		if !ok {
			return false
		}
		if p == b {
			return true
		}
		x = p
	}
	return false
}

// Related reports whether one of two versions continues the other through
// declared predecessors.
func (l Lineage) Related(a, b int64) bool { return a != b && (l.descends(a, b) || l.descends(b, a)) }

// CheckPredecessor checks that version id may record predecessor pred (0:
// none): neither itself nor one of its own successors, which would make
// a version its own ancestor. The field key is "predecessor".
func (l Lineage) CheckPredecessor(id, pred int64) error {
	if pred != 0 && (pred == id || l.descends(pred, id)) {
		return &ValidationError{Fields: map[string]string{"predecessor": "err.predecessor_loop"}}
	}
	return nil
}

// QuestionnaireRef names a questionnaire version in a comparison's message.
// The definition's own id and version are def_id and def_version, as GET
// /api/v1/questionnaires lists them: "version" on an API record is the
// number a write carries.
type QuestionnaireRef struct {
	ID      int64  `json:"id"`
	DefID   string `json:"def_id"`
	Version string `json:"def_version"`
	TitleAr string `json:"title_ar"`
	TitleEn string `json:"title_en"`
}

// Title is the questionnaire's title in lang.
func (q QuestionnaireRef) Title(lang string) string { return pick(lang, q.TitleAr, q.TitleEn) }

// RefOf is the reference to a stored version.
func RefOf(q QuestionnaireVersion) QuestionnaireRef {
	return QuestionnaireRef{ID: q.ID, DefID: q.DefID, Version: q.Version, TitleAr: q.TitleAr, TitleEn: q.TitleEn}
}

// ItemChange is a scored item that differs between two versions: its
// label (from the version that has it, the later one when both do) and its
// weight in each (0 where it is absent).
type ItemChange struct {
	ID      string  `json:"item"`
	LabelAr string  `json:"label_ar"`
	LabelEn string  `json:"label_en"`
	Before  float64 `json:"weight_before"`
	After   float64 `json:"weight_after"`
}

// Label is the item's text in lang.
func (c ItemChange) Label(lang string) string { return pick(lang, c.LabelAr, c.LabelEn) }

// DimensionChange is a dimension added, removed or re-weighted, with its
// weight in each version (0 where it is absent).
type DimensionChange struct {
	ID      string  `json:"dimension"`
	TitleAr string  `json:"title_ar"`
	TitleEn string  `json:"title_en"`
	Before  float64 `json:"weight_before"`
	After   float64 `json:"weight_after"`
}

// Title is the dimension's title in lang.
func (c DimensionChange) Title(lang string) string { return pick(lang, c.TitleAr, c.TitleEn) }

// VersionDiff is how a later version's scoring differs from an earlier
// one's, item by item. Only scored items count (text and evidence links
// never change a figure).
type VersionDiff struct {
	// Common are the scored items both versions score the same way from
	// the same answer, in the later version's order: what a change is
	// computed on.
	Common []string `json:"-"`
	// CommonItems is len(Common), for the API.
	CommonItems int `json:"common_items"`
	// Removed are scored only by the earlier version, Added only by the
	// later one.
	Removed []ItemChange `json:"removed,omitempty"`
	Added   []ItemChange `json:"added,omitempty"`
	// Reweighted are common items whose weight or dimension changed:
	// counted, with the later version's weight.
	Reweighted []ItemChange `json:"reweighted,omitempty"`
	// Rescored are in both but scored differently (type, options, points,
	// bounds, condition): an earlier answer does not mean the same, so
	// they are left out like removed ones.
	Rescored []ItemChange `json:"scored_differently,omitempty"`
	// Dimensions added, removed or re-weighted.
	Dimensions []DimensionChange `json:"dimensions,omitempty"`
	// Levels: the model's levels or precision changed (the later ones
	// apply).
	Levels bool `json:"levels_changed,omitempty"`
}

// Empty reports whether the versions score every answer alike: their
// stored figures can be compared as they are.
func (d VersionDiff) Empty() bool {
	return len(d.Removed)+len(d.Added)+len(d.Reweighted)+len(d.Rescored)+len(d.Dimensions) == 0 && !d.Levels
}

// LeftOut is how many scored items of either version the change leaves
// out: removed, added and scored differently.
func (d VersionDiff) LeftOut() int { return len(d.Removed) + len(d.Added) + len(d.Rescored) }

// DiffVersions compares the scoring of two versions (earlier, then later).
func DiffVersions(earlier, later *Definition) VersionDiff {
	var d VersionDiff
	before := map[string]Item{}
	for _, it := range earlier.Items {
		if it.Scored() {
			before[it.ID] = it
		}
	}
	secWeight := func(def *Definition, id string) float64 {
		for _, s := range def.Sections {
			if s.ID == id {
				return s.Weight
			}
		}
		return 0
	}
	inLater := map[string]bool{}
	for _, it := range later.Items {
		if !it.Scored() {
			continue
		}
		inLater[it.ID] = true
		b, ok := before[it.ID]
		change := ItemChange{ID: it.ID, LabelAr: it.LabelAr, LabelEn: it.LabelEn, After: it.Weight}
		switch {
		case !ok:
			d.Added = append(d.Added, change)
		case !sameScoring(b, it):
			change.Before = b.Weight
			d.Rescored = append(d.Rescored, change)
		default:
			d.Common = append(d.Common, it.ID)
			if b.Weight != it.Weight || b.Section != it.Section {
				change.Before = b.Weight
				d.Reweighted = append(d.Reweighted, change)
			}
		}
	}
	for _, it := range earlier.Items {
		if it.Scored() && !inLater[it.ID] {
			d.Removed = append(d.Removed, ItemChange{ID: it.ID, LabelAr: it.LabelAr, LabelEn: it.LabelEn, Before: it.Weight})
		}
	}
	seen := map[string]bool{}
	for _, s := range later.Sections {
		seen[s.ID] = true
		if w := secWeight(earlier, s.ID); w != s.Weight {
			d.Dimensions = append(d.Dimensions, DimensionChange{ID: s.ID, TitleAr: s.TitleAr, TitleEn: s.TitleEn, Before: w, After: s.Weight})
		}
	}
	for _, s := range earlier.Sections {
		if !seen[s.ID] {
			d.Dimensions = append(d.Dimensions, DimensionChange{ID: s.ID, TitleAr: s.TitleAr, TitleEn: s.TitleEn, Before: s.Weight})
		}
	}
	em, lm := earlier.Model, later.Model
	d.Levels = em.Precision != lm.Precision || !slices.Equal(em.Levels, lm.Levels)
	d.CommonItems = len(d.Common)
	return d
}

// sameScoring reports whether two items score every answer alike: same
// type, options and points, bounds, bands, metric, not-applicable rule
// and condition. Labels, hints and weights do not matter here.
func sameScoring(a, b Item) bool {
	eqf := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.Type != b.Type || a.Cap != b.Cap || a.Metric != b.Metric || a.NAAllowed != b.NAAllowed || a.ShowIf != b.ShowIf ||
		!eqf(a.Min, b.Min) || !eqf(a.Max, b.Max) || !eqf(a.Floor, b.Floor) || !eqf(a.Target, b.Target) ||
		!slices.Equal(a.Bands, b.Bands) || len(a.Options) != len(b.Options) {
		return false
	}
	for i, o := range a.Options {
		if p := b.Options[i]; o.Value != p.Value || o.Points != p.Points {
			return false
		}
	}
	return true
}

// sameScale reports whether two models put the index on the same footing:
// the same scale and the same normalisation across institutions.
func sameScale(a, b Model) bool {
	norm := func(m Model) (float64, string, string) {
		scale, n, on := m.Scale, m.Normalization, m.NormalizeOn
		if scale == 0 {
			scale = 100
		}
		if n == "" {
			n = "none"
		}
		if on == "" || n == "none" {
			on = "index"
		}
		return scale, n, on
	}
	as, an, ao := norm(a)
	bs, bn, bo := norm(b)
	return as == bs && an == bn && ao == bo
}

// Comparison says whether figures of a round on one questionnaire version
// (Later) can be compared with an earlier round's (on Earlier), and how.
type Comparison struct {
	Kind   string           `json:"kind"`             // CompareSame, CompareDeclared or CompareNone
	Reason string           `json:"reason,omitempty"` // with CompareNone
	Early  QuestionnaireRef `json:"earlier_questionnaire"`
	Late   QuestionnaireRef `json:"questionnaire"`
	// Diff is set with CompareDeclared: the items the change is computed
	// on and those it leaves out.
	Diff *VersionDiff `json:"diff,omitempty"`
}

// Comparable reports whether a change may be shown.
func (c Comparison) Comparable() bool { return c.Kind == CompareSame || c.Kind == CompareDeclared }

// Compare says how figures on version later compare with figures on
// version earlier, given the declared predecessors.
func Compare(earlier, later QuestionnaireVersion, l Lineage) Comparison {
	c := Comparison{Kind: CompareNone, Early: RefOf(earlier), Late: RefOf(later)}
	if earlier.ID == later.ID {
		c.Kind = CompareSame
		return c
	}
	sameVersion := earlier.DefID == later.DefID && earlier.Version == later.Version
	switch {
	case !sameVersion && !l.Related(earlier.ID, later.ID) && earlier.DefID == later.DefID:
		c.Reason = ReasonUndeclared
		return c
	case !sameVersion && !l.Related(earlier.ID, later.ID):
		c.Reason = ReasonOtherQuestionnaire
		return c
	case earlier.Def == nil || later.Def == nil || !sameScale(earlier.Def.Model, later.Def.Model):
		c.Reason = ReasonOtherModel
		return c
	}
	d := DiffVersions(earlier.Def, later.Def)
	switch {
	case d.Empty():
		c.Kind = CompareSame
	case len(d.Common) == 0:
		c.Reason = ReasonNoCommonItems
	default:
		c.Kind, c.Diff = CompareDeclared, &d
	}
	return c
}

// PassedRound is an earlier round left out of a comparison or a trend,
// and why (Why.Kind is CompareNone).
type PassedRound struct {
	Round Round      `json:"round"`
	Why   Comparison `json:"why"`
}

// RoundComparison is what one reader's page of a round measures change
// against: the latest earlier round, closed or published, that the reader
// may see and whose questionnaire is comparable (Since), and how (How).
// Earlier rounds on unrelated questionnaires are passed over: Passed is
// the latest of them, newer than Since, so that the page can say why it
// was not the one compared with.
type RoundComparison struct {
	// Since is nil when no change is shown; How then says why.
	Since  *Round
	How    Comparison
	Passed *PassedRound
}

// Declared reports whether the change is on the common items only.
func (rc RoundComparison) Declared() bool { return rc.Since != nil && rc.How.Kind == CompareDeclared }

// PassedKey identifies the round passed over ("" for none), for caches:
// readers who may see different earlier rounds are told of different
// rounds passed over, and must never be served each other's.
func (rc RoundComparison) PassedKey() string {
	if rc.Passed == nil {
		return ""
	}
	return fmt.Sprint(rc.Passed.Round.ID)
}

// SinceID is the id of the round compared with, 0 for none.
func (rc RoundComparison) SinceID() int64 {
	if rc.Since == nil {
		return 0
	}
	return rc.Since.ID
}

// CompareWith chooses the round r's changes are measured against for a
// reader: the latest round before r (by id) that is closed or published,
// that the reader may see (seen) and whose questionnaire is comparable
// (compare says how an earlier round's figures compare with r's). A round
// the reader may not see is never named, not even as passed over: its
// name and questionnaire would tell them it exists.
func CompareWith(rounds []Round, r Round, seen func(Round) bool, compare func(earlier Round) Comparison) RoundComparison {
	earlier := make([]Round, 0, len(rounds))
	for _, x := range rounds {
		if x.ID < r.ID && (x.Status == RoundClosed || x.Status == RoundPublished) && seen(x) {
			earlier = append(earlier, x)
		}
	}
	sort.Slice(earlier, func(i, j int) bool { return earlier[i].ID > earlier[j].ID })
	out := RoundComparison{How: Comparison{Kind: CompareNone, Reason: ReasonNoEarlierRound}}
	for _, x := range earlier {
		how := compare(x)
		if how.Comparable() {
			since := x
			out.Since, out.How = &since, how
			return out
		}
		if out.Passed == nil {
			out.Passed = &PassedRound{Round: x, Why: how}
			out.How = how
		}
	}
	return out
}

// ComparableRounds keeps, of rounds (in their order), those whose figures
// are comparable with the round compare measures against (the current one
// among them), and lists the others with why. A trend over rounds draws
// the kept ones and names the others: a line through rounds on other
// questionnaires or scales would read as a rise or a fall that is only a
// change of yardstick.
func ComparableRounds(rounds []Round, compare func(Round) Comparison) (kept []Round, left []PassedRound) {
	for _, x := range rounds {
		if how := compare(x); how.Comparable() {
			kept = append(kept, x)
		} else {
			left = append(left, PassedRound{Round: x, Why: how})
		}
	}
	return kept, left
}

// CommonDefinition is the later version with only the common items scored
// (the others carry no weight, so scoring drops them as unscored): both
// rounds' responses scored with it measure the same items the same way.
func (d VersionDiff) CommonDefinition(later *Definition) *Definition {
	common := make(map[string]bool, len(d.Common))
	for _, id := range d.Common {
		common[id] = true
	}
	out := *later
	out.Items = make([]Item, len(later.Items))
	for i, it := range later.Items {
		if !common[it.ID] {
			it.Weight = 0
		}
		out.Items[i] = it
	}
	return &out
}

// Change is an institution's change between two rankings: of its index on
// the model's scale, and of its rank among the institutions in both.
type Change struct {
	Index float64
	Rank  int // positive: moved up
}

// MeasureChanges measures, for each institution ranked in both, the change
// of its index (now minus before, on the display scale) and of its rank
// among those present in both rounds (Rank's order, ties sharing a place).
func MeasureChanges(now, before []Ranked) map[string]Change {
	inBefore := make(map[string]bool, len(before))
	for _, x := range before {
		inBefore[x.Institution] = true
	}
	both := map[string]bool{}
	for _, x := range now {
		if inBefore[x.Institution] {
			both[x.Institution] = true
		}
	}
	rankAmong := func(list []Ranked) (map[string]int, map[string]float64) {
		ranks, values := map[string]int{}, map[string]float64{}
		pos, place, last := 0, 0, math.Inf(1)
		for _, x := range list {
			if !both[x.Institution] {
				continue
			}
			pos++
			if x.Display != last {
				place, last = pos, x.Display
			}
			ranks[x.Institution], values[x.Institution] = place, x.Display
		}
		return ranks, values
	}
	nowRank, nowValue := rankAmong(now)
	beforeRank, beforeValue := rankAmong(before)
	out := make(map[string]Change, len(both))
	for code := range both {
		d := math.Round((nowValue[code]-beforeValue[code])*1e6) / 1e6 // no float noise
		out[code] = Change{Index: d, Rank: beforeRank[code] - nowRank[code]}
	}
	return out
}

// String names a comparison for logs and test messages.
func (c Comparison) String() string {
	if c.Reason != "" {
		return fmt.Sprintf("%s (%s)", c.Kind, c.Reason)
	}
	return c.Kind
}
