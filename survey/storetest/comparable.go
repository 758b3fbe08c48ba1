package storetest

import (
	"errors"
	"testing"

	"marsad/survey"
)

// testComparable: change is measured only between comparable
// questionnaires (survey/comparable.go). A version declared to continue
// another is compared with it on the common items, both rounds' answers
// scored again; undeclared, no change at all. The declaration is audited,
// refused when it would loop, and moves the version counters that guard
// the cached rankings and pages.
func testComparable(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	f.service(serviceInput("MOH", "S-1", "دفع رسوم", 3))
	f.service(serviceInput("MOI", "S-2", "جواز سفر", 1))

	// Version 2 of the contract questionnaire: SRV-4 removed, SRV-2
	// weighs 3 instead of 1, NEW added.
	v1 := f.questionnaire()
	def := smallDefinition()
	def.Version = "2"
	def.Items = def.Items[:len(def.Items)-1]
	def.Items[4].Weight = 3
	def.Items = append(def.Items, survey.Item{Section: "SRV", ID: "NEW", Type: survey.TypeYesNo, LabelAr: "جديد", Weight: 1})
	v2 := must(s.StoreQuestionnaire(ctx, f.admin.ID, def))(t, "StoreQuestionnaire")

	moh := []survey.AnswerInput{in("STR-1", "2"), in("STR-1-EV", "https://x.example.ps/plan"), in("STR-2", "a", "b"), in("SRV-2", "60"), in("SRV-3", "100")}
	moi := []survey.AnswerInput{in("STR-1", "1"), in("SRV-2", "30")}
	a := f.round("2025")
	f.answer(a, "MOH", append(moh, in("SRV-4", "yes"))...)
	f.answer(a, "MOI", moi...)
	f.submit(a, "MOH")
	f.submit(a, "MOI")
	a = f.roundAction(a, "close")
	b := must(s.CreateRound(ctx, f.admin.ID, survey.RoundInput{Name: "2026", QuestionnaireID: v2.ID, Deadline: "2099-12-31"}))(t, "CreateRound")
	b = f.roundAction(b, "open")
	// The same answers on the items both versions have; MOI also says yes
	// to the new item, which raises its published index only.
	f.answer(b, "MOH", moh...)
	f.answer(b, "MOI", append(moi, in("NEW", "yes"))...)
	f.submit(b, "MOH")
	f.submit(b, "MOI")
	everyone := func(survey.Round) bool { return true }

	changes := func(t *testing.T, kind string) map[string]*float64 {
		t.Helper()
		out := map[string]*float64{}
		for _, x := range must(s.ScoresSince(ctx, b.ID, kind, a.ID))(t, "ScoresSince") {
			out[x.Code] = x.DeltaIndex
			if (x.DeltaIndex == nil) != (x.DeltaRank == nil) {
				t.Errorf("%s: Δ index %v but Δ rank %v", x.Code, x.DeltaIndex, x.DeltaRank)
			}
		}
		return out
	}

	t.Run("undeclared versions", func(t *testing.T) {
		for code, d := range changes(t, survey.ScoreSelf) {
			if d != nil {
				t.Errorf("%s changed by %v between versions not declared comparable", code, *d)
			}
		}
		rc := must(s.CompareRounds(ctx, b, everyone))(t, "CompareRounds")
		if rc.Since != nil || rc.How.Reason != survey.ReasonUndeclared || rc.Passed == nil || rc.Passed.Round.ID != a.ID {
			t.Errorf("CompareRounds = %+v; want none, %s, %s passed over", rc, survey.ReasonUndeclared, a.Name)
		}
		kept, left := must2(s.ComparableRounds(ctx, b, []survey.Round{a, b}))(t, "ComparableRounds")
		if len(kept) != 1 || kept[0].ID != b.ID || len(left) != 1 || left[0].Round.ID != a.ID {
			t.Errorf("ComparableRounds kept %+v, left %+v", kept, left)
		}
	})

	t.Run("declaring a predecessor", func(t *testing.T) {
		f := f.sub(t)
		f.moves("ScoresVersion after declaring a predecessor", s.ScoresVersion, func() {
			ok(t, "SetPredecessor", s.SetPredecessor(ctx, f.admin.ID, v2.ID, v1.ID))
		})
		f.stays("ScoresVersion after declaring it again", s.ScoresVersion, func() {
			ok(t, "SetPredecessor again", s.SetPredecessor(ctx, f.admin.ID, v2.ID, v1.ID))
		})
		if l := must(s.QuestionnaireLineage(ctx))(t, "QuestionnaireLineage"); len(l) != 1 || l[v2.ID] != v1.ID {
			t.Errorf("QuestionnaireLineage = %v", l)
		}
		events := must(s.AuditLogPage(ctx, survey.AuditFilter{Entity: "questionnaire"}, 1, 100))(t, "AuditLogPage")
		n := 0
		for _, e := range events.Events {
			if e.Action == "set-predecessor" && e.EntityKey == v2.Hash && e.ActorID == f.admin.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d audit events for the declaration, want 1", n)
		}
		var ve *survey.ValidationError
		if err := s.SetPredecessor(ctx, f.admin.ID, v1.ID, v2.ID); !errors.As(err, &ve) || ve.Fields["predecessor"] == "" {
			t.Errorf("a version continuing its own successor: %v, want a validation error on predecessor", err)
		}
		if err := s.SetPredecessor(ctx, f.admin.ID, v1.ID, v1.ID); !errors.As(err, &ve) {
			t.Errorf("a version continuing itself: %v", err)
		}
		wantIs(t, "SetPredecessor of an unknown version", s.SetPredecessor(ctx, f.admin.ID, unknownID, v1.ID), survey.ErrNotFound)
		wantIs(t, "SetPredecessor to an unknown version", s.SetPredecessor(ctx, f.admin.ID, v2.ID, unknownID), survey.ErrNotFound)
	})

	t.Run("change on the common items", func(t *testing.T) {
		// Published indexes differ (SRV-4 gone, SRV-2 re-weighted, MOI's
		// new yes); on the common items every answer is the same.
		a1 := must(s.ScoreResult(ctx, a.ID, "MOI", survey.ScoreSelf))(t, "ScoreResult")
		b1 := must(s.ScoreResult(ctx, b.ID, "MOI", survey.ScoreSelf))(t, "ScoreResult")
		if near(a1.Index, b1.Index) {
			t.Fatalf("MOI's published index did not move (%v): the test proves nothing", a1.Index)
		}
		for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
			got := changes(t, kind)
			for _, code := range []string{"MOH", "MOI"} {
				if d := got[code]; d == nil || *d != 0 {
					t.Errorf("%s %s: change %v on the common items, want 0", kind, code, d)
				}
			}
		}
		rc := must(s.CompareRounds(ctx, b, everyone))(t, "CompareRounds")
		if rc.Since == nil || rc.Since.ID != a.ID || !rc.Declared() || rc.How.Diff.CommonItems != 5 ||
			len(rc.How.Diff.Removed) != 1 || rc.How.Diff.Removed[0].ID != "SRV-4" || len(rc.How.Diff.Added) != 1 ||
			len(rc.How.Diff.Reweighted) != 1 || rc.How.Diff.Reweighted[0].ID != "SRV-2" {
			t.Errorf("CompareRounds = %+v, diff %+v", rc, rc.How.Diff)
		}
		kept, left := must2(s.ComparableRounds(ctx, b, []survey.Round{a, b}))(t, "ComparableRounds")
		if len(kept) != 2 || len(left) != 0 {
			t.Errorf("ComparableRounds kept %+v, left %+v", kept, left)
		}
	})

	t.Run("withdrawing the declaration", func(t *testing.T) {
		f := f.sub(t)
		f.moves("ScoresVersion after withdrawing", s.ScoresVersion, func() {
			ok(t, "SetPredecessor none", s.SetPredecessor(ctx, f.admin.ID, v2.ID, 0))
		})
		for code, d := range changes(t, survey.ScoreSelf) {
			if d != nil {
				t.Errorf("%s changed by %v after the declaration was withdrawn", code, *d)
			}
		}
	})
}

// must2 is must for calls with two values.
func must2[T, U any](v T, w U, err error) func(t *testing.T, what string) (T, U) {
	return func(t *testing.T, what string) (T, U) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v, w
	}
}
