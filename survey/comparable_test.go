package survey

import (
	"errors"
	"slices"
	"testing"

	"marsad/data"
)

// versionOne and versionTwo are two versions of one small questionnaire:
// version two drops C, adds D, doubles B's weight and scores E from other
// options. Every item is a yes/no in one dimension, so every figure below
// is a weighted share of "yes" answers.
func versionOne() *Definition {
	return compareDef("1", []Item{yesno("A", 1), yesno("B", 1), yesno("C", 2), yesno("E", 1)})
}

func versionTwo() *Definition {
	e := Item{Section: "S", ID: "E", Type: TypeSingle, LabelAr: "E", Weight: 1, Options: []Option{
		{Value: "no", LabelAr: "لا"}, {Value: "yes", LabelAr: "نعم", Points: 1}}}
	return compareDef("2", []Item{yesno("A", 1), yesno("B", 2), yesno("D", 1), e,
		{Section: "S", ID: "NOTE", Type: TypeText, LabelAr: "ملاحظة"}})
}

func yesno(id string, w float64) Item {
	return Item{Section: "S", ID: id, Type: TypeYesNo, LabelAr: "بند " + id, LabelEn: "Item " + id, Weight: w}
}

func compareDef(version string, items []Item) *Definition {
	d := &Definition{ID: "small", Version: version, TitleAr: "استبانة", TitleEn: "Questionnaire",
		Model:    Model{Scale: 100, Precision: 1, Levels: []Level{{Key: "high", Min: 0.5, LabelAr: "مرتفع"}, {Key: "low", Min: 0, LabelAr: "منخفض"}}},
		Sections: []Section{{ID: "S", TitleAr: "محور", Weight: 1}}, Items: items}
	if err := d.Validate(); err != nil {
		panic(err)
	}
	return d
}

func stored(id int64, d *Definition) QuestionnaireVersion {
	return QuestionnaireVersion{ID: id, Hash: d.ID + d.Version, DefID: d.ID, Version: d.Version, TitleAr: d.TitleAr, TitleEn: d.TitleEn, Def: d}
}

func exampleModel(t *testing.T, name string) *Definition {
	t.Helper()
	b, ok := data.Model(name)
	if !ok {
		t.Fatalf("no model %s", name)
	}
	d, err := ParseDefinition(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCompareVersions(t *testing.T) {
	one, two := stored(1, versionOne()), stored(2, versionTwo())
	// Version 2 stored again with another label: another hash, the same scoring.
	relabelled := versionTwo()
	relabelled.Items[0].LabelEn = "Item A, reworded"
	twoAgain := stored(3, relabelled)
	twoAgain.Hash = "other"
	def, err := ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	marsad, gtmi := stored(10, def), stored(11, exampleModel(t, "gtmi"))
	declared := Lineage{2: 1}

	cases := []struct {
		name           string
		earlier, later QuestionnaireVersion
		lineage        Lineage
		kind, reason   string
	}{
		{"the same version", one, one, nil, CompareSame, ""},
		{"another version, not declared", one, two, nil, CompareNone, ReasonUndeclared},
		{"declared predecessor", one, two, declared, CompareDeclared, ""},
		{"declared, compared the other way", two, one, declared, CompareDeclared, ""},
		{"the same id and version, scored alike", two, twoAgain, nil, CompareSame, ""},
		{"unrelated questionnaires", one, marsad, nil, CompareNone, ReasonOtherQuestionnaire},
		// The case: a GTMI round after a Marsad round.
		{"GTMI after the Marsad questionnaire", marsad, gtmi, nil, CompareNone, ReasonOtherQuestionnaire},
		// Declared by mistake, the GTMI (0–1) still does not compare with
		// the Marsad questionnaire (0–100).
		{"GTMI declared to continue Marsad", marsad, gtmi, Lineage{11: 10}, CompareNone, ReasonOtherModel},
	}
	for _, c := range cases {
		got := Compare(c.earlier, c.later, c.lineage)
		if got.Kind != c.kind || got.Reason != c.reason || got.Comparable() != (c.kind != CompareNone) {
			t.Errorf("%s: %v, want %s (%s)", c.name, got, c.kind, c.reason)
		}
		if got.Early.ID != c.earlier.ID || got.Late.ID != c.later.ID {
			t.Errorf("%s: names %+v and %+v", c.name, got.Early, got.Late)
		}
	}

	// What the declared comparison lists, by hand: A common; B common and
	// re-weighted 1 → 2; C removed; D added; E scored from other options.
	d := Compare(one, two, declared).Diff
	ids := func(cs []ItemChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if !slices.Equal(d.Common, []string{"A", "B"}) || d.CommonItems != 2 || !slices.Equal(ids(d.Removed), []string{"C"}) ||
		!slices.Equal(ids(d.Added), []string{"D"}) || !slices.Equal(ids(d.Reweighted), []string{"B"}) ||
		!slices.Equal(ids(d.Rescored), []string{"E"}) || len(d.Dimensions) != 0 || d.Levels || d.LeftOut() != 3 {
		t.Errorf("diff %+v", d)
	}
	if b := d.Reweighted[0]; b.Before != 1 || b.After != 2 || b.Label("en") != "Item B" || b.Label("ar") != "بند B" {
		t.Errorf("B re-weighted %+v", b)
	}
	if c := d.Removed[0]; c.Before != 2 || c.After != 0 {
		t.Errorf("C removed %+v", c)
	}

	// A dimension re-weighted, levels moved: listed, still declared.
	three := versionTwo()
	three.Sections = append(three.Sections, Section{ID: "T", TitleAr: "محور ٢", Weight: 1})
	three.Items = append(three.Items, Item{Section: "T", ID: "F", Type: TypeYesNo, LabelAr: "F", Weight: 1})
	three.Model.Levels = []Level{{Key: "high", Min: 0.6, LabelAr: "مرتفع"}, {Key: "low", Min: 0, LabelAr: "منخفض"}}
	d3 := DiffVersions(two.Def, three)
	if len(d3.Dimensions) != 1 || d3.Dimensions[0].ID != "T" || d3.Dimensions[0].Before != 0 || !d3.Levels || d3.Empty() {
		t.Errorf("diff with a new dimension %+v", d3)
	}
	// Nothing in common: declared, but no change can be computed.
	other := compareDef("9", []Item{yesno("X", 1)})
	if got := Compare(one, stored(9, other), Lineage{9: 1}); got.Kind != CompareNone || got.Reason != ReasonNoCommonItems {
		t.Errorf("no common items: %v", got)
	}
}

// TestChangeOnCommonItems: both rounds rescored on the common items, by
// hand. Common items A (weight 1) and B (version two's weight, 2).
// Earlier round: A yes, B no, C yes → (1·1 + 2·0) / 3 = 33.3.
// Later round: A yes, B yes, D no, E no → (1·1 + 2·1) / 3 = 100.
// The published indexes are both 60 — (1 + 2) / 5 on A1 B1 C2 E1, and
// (1 + 2) / 5 on A1 B2 D1 E1 — so subtracting them would say nothing
// changed, though on the questions asked both times the institution rose
// by 66.7.
func TestChangeOnCommonItems(t *testing.T) {
	one, two := versionOne(), versionTwo()
	d := DiffVersions(one, two)
	common := d.CommonDefinition(two)
	if two.Items[2].Weight != 1 {
		t.Fatal("CommonDefinition changed the version it was given")
	}
	earlier := Score(common, AnswerSet{"A": ans("yes"), "B": ans("no"), "C": ans("yes")}, nil, ScoreOptions{})
	later := Score(common, AnswerSet{"A": ans("yes"), "B": ans("yes"), "D": ans("no"), "E": ans("no")}, nil, ScoreOptions{})
	if m := common.Model; m.Display(earlier.Index) != 33.3 || m.Display(later.Index) != 100 {
		t.Fatalf("on common items: %v then %v, want 33.3 then 100", m.Display(earlier.Index), m.Display(later.Index))
	}
	for _, is := range later.Items {
		if (is.ItemID == "D" || is.ItemID == "E") && is.Dropped != DropUnscored {
			t.Errorf("%s counted on the common items: %+v", is.ItemID, is)
		}
	}
	if one.Model.Display(Score(one, AnswerSet{"A": ans("yes"), "B": ans("no"), "C": ans("yes")}, nil, ScoreOptions{}).Index) != 60 ||
		two.Model.Display(Score(two, AnswerSet{"A": ans("yes"), "B": ans("yes")}, nil, ScoreOptions{}).Index) != 60 {
		t.Error("published indexes are not 60 and 60")
	}
	changes := MeasureChanges(
		Rank(common.Model, map[string]Result{"MOH": later}),
		Rank(common.Model, map[string]Result{"MOH": earlier}))
	if c := changes["MOH"]; c.Index != 66.7 || c.Rank != 0 {
		t.Errorf("change %+v, want +66.7 and the same rank", c)
	}
}

func TestMeasureChanges(t *testing.T) {
	// Before: MOH 80, MOI 70, MOE 70, MOJ 10 (MOJ absent now).
	// Now: MOI 90, MOH 60, MOE 60, NEW 99 (absent before).
	// Among MOH, MOI, MOE: before 1, 2, 2; now MOI 1, MOH 2, MOE 2.
	before := []Ranked{{Institution: "MOH", Display: 80}, {Institution: "MOI", Display: 70}, {Institution: "MOE", Display: 70}, {Institution: "MOJ", Display: 10}}
	now := []Ranked{{Institution: "NEW", Display: 99}, {Institution: "MOI", Display: 90}, {Institution: "MOH", Display: 60}, {Institution: "MOE", Display: 60}}
	got := MeasureChanges(now, before)
	want := map[string]Change{"MOH": {-20, -1}, "MOI": {20, 1}, "MOE": {-10, 0}}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s: %+v, want %+v", code, got[code], w)
		}
	}
}

func TestCompareWith(t *testing.T) {
	r := func(id int64, q int64, status string) Round {
		return Round{ID: id, Name: "R" + string(rune('0'+id)), QuestionnaireID: q, Status: status}
	}
	// Questionnaire 1 and 2 are the same; 3 another model.
	compareWith := func(current Round) func(Round) Comparison {
		return func(x Round) Comparison {
			if (x.QuestionnaireID == 3) != (current.QuestionnaireID == 3) {
				return Comparison{Kind: CompareNone, Reason: ReasonOtherQuestionnaire}
			}
			return Comparison{Kind: CompareSame}
		}
	}
	all := func(Round) bool { return true }
	rounds := []Round{r(1, 1, RoundPublished), r(2, 1, RoundPublished), r(3, 3, RoundPublished), r(4, 1, RoundOpen),
		r(5, 3, RoundDraft), r(6, 1, RoundClosed), r(7, 3, RoundPublished)}

	// Round 6 passes over round 3 (another model) and compares with 2; the
	// open and draft rounds are never compared with.
	got := CompareWith(rounds, rounds[5], all, compareWith(rounds[5]))
	if got.Since == nil || got.Since.ID != 2 || got.How.Kind != CompareSame || got.Passed == nil || got.Passed.Round.ID != 3 ||
		got.Passed.Why.Reason != ReasonOtherQuestionnaire || got.SinceID() != 2 || got.Declared() {
		t.Errorf("round 6: %+v", got)
	}
	// Round 7 (the GTMI after Marsad rounds) compares with round 3, on its model.
	if got := CompareWith(rounds, rounds[6], all, compareWith(rounds[6])); got.SinceID() != 3 || got.Passed == nil || got.Passed.Round.ID != 6 {
		t.Errorf("round 7: %+v", got)
	}
	// Round 3: every earlier round is on another questionnaire: no change,
	// and why is the latest of them.
	got = CompareWith(rounds, rounds[2], all, compareWith(rounds[2]))
	if got.Since != nil || got.How.Reason != ReasonOtherQuestionnaire || got.Passed == nil || got.Passed.Round.ID != 2 || got.SinceID() != 0 {
		t.Errorf("round 3: %+v", got)
	}
	// Round 1: nothing earlier.
	if got := CompareWith(rounds, rounds[0], all, compareWith(rounds[0])); got.Since != nil || got.How.Reason != ReasonNoEarlierRound || got.Passed != nil {
		t.Errorf("round 1: %+v", got)
	}
	// A round the reader may not see is neither compared with nor named.
	notTwo := func(x Round) bool { return x.ID != 2 && x.ID != 3 }
	if got := CompareWith(rounds, rounds[5], notTwo, compareWith(rounds[5])); got.SinceID() != 1 || got.Passed != nil {
		t.Errorf("round 6 without 2 and 3: %+v", got)
	}

	// The trend of round 6 keeps rounds 1, 2, 4 and 6 and names 3.
	kept, left := ComparableRounds(rounds[:6], compareWith(rounds[5]))
	var ids []int64
	for _, x := range kept {
		ids = append(ids, x.ID)
	}
	if !slices.Equal(ids, []int64{1, 2, 4, 6}) || len(left) != 2 || left[0].Round.ID != 3 || left[1].Round.ID != 5 {
		t.Errorf("trend: kept %v, left %+v", ids, left)
	}
}

func TestLineage(t *testing.T) {
	// 3 continues 2, which continues 1; 5 continues 4.
	l := Lineage{3: 2, 2: 1, 5: 4}
	for _, c := range []struct {
		a, b int64
		want bool
	}{{1, 3, true}, {3, 1, true}, {2, 3, true}, {1, 4, false}, {5, 4, true}, {1, 1, false}, {3, 5, false}} {
		if got := l.Related(c.a, c.b); got != c.want {
			t.Errorf("Related(%d, %d) = %v", c.a, c.b, got)
		}
	}
	var ve *ValidationError
	for _, c := range []struct{ id, pred int64 }{{1, 1}, {1, 3}, {2, 3}} {
		if err := l.CheckPredecessor(c.id, c.pred); !errors.As(err, &ve) || ve.Fields["predecessor"] != "err.predecessor_loop" {
			t.Errorf("CheckPredecessor(%d, %d) = %v, want a loop refused", c.id, c.pred, err)
		}
	}
	for _, c := range []struct{ id, pred int64 }{{4, 3}, {1, 0}, {3, 1}, {6, 5}} {
		if err := l.CheckPredecessor(c.id, c.pred); err != nil {
			t.Errorf("CheckPredecessor(%d, %d) = %v", c.id, c.pred, err)
		}
	}
}

// TestPrefillComparable: a response pre-fills by default from the same
// questionnaire or from a version declared comparable, never from an
// undeclared version or another model.
func TestPrefillComparable(t *testing.T) {
	one, two := stored(1, versionOne()), stored(2, versionTwo())
	gtmi := stored(11, exampleModel(t, "gtmi"))
	for _, c := range []struct {
		name     string
		from, to QuestionnaireVersion
		lineage  Lineage
		want     bool
	}{
		{"the same version", one, one, nil, true},
		{"a declared successor", one, two, Lineage{2: 1}, true},
		{"an undeclared version", one, two, nil, false},
		{"another model", one, gtmi, Lineage{11: 1}, false},
	} {
		if got := PrefillComparable(c.from, c.to, c.lineage); got != c.want {
			t.Errorf("%s: PrefillComparable = %v, want %v", c.name, got, c.want)
		}
	}
}
