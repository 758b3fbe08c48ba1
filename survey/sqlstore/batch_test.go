package sqlstore

import (
	"context"
	"errors"
	"sync"
	"testing"

	"marsad/survey"
	"marsad/survey/demo"
)

// TestBatchedSaves: saves made at the same moment share transactions, yet
// each stands alone: a valid one is stored, an invalid or stale one stores
// nothing (not even its valid half), two saves from the same version
// conflict, and every stored save is audited once.
func TestBatchedSaves(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, err := s.OpenRounds(ctx)
	if err != nil || len(rounds) == 0 {
		t.Fatal("no open round", err)
	}
	round := rounds[0].ID
	all, err := s.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var insts []survey.Institution // those whose response can still be edited
	for _, in := range all {
		if r, err := s.Response(ctx, round, in.Code); err == nil && r.Editable() {
			insts = append(insts, in)
		}
	}
	if len(insts) < 16 {
		t.Fatalf("%d institutions can answer", len(insts))
	}
	admin := survey.Actor{ID: 1, Role: survey.RoleAdmin}
	// Start from nothing saved for the items used.
	for _, in := range insts[:16] {
		if _, err := s.w.ExecContext(ctx, `DELETE FROM answers WHERE item_id IN ('STR-1', 'STR-2') AND response_id IN
			(SELECT id FROM responses WHERE round_id = ? AND institution_id = ?)`, round, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	before := tableCounts(t, s, "audit_events")["audit_events"]
	type result struct {
		code string
		kind string
		err  error
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	record := func(code, kind string, err error) {
		mu.Lock()
		results = append(results, result{code, kind, err})
		mu.Unlock()
	}
	for round2 := range 5 {
		for i, in := range insts[:16] {
			code := in.Code
			switch {
			case round2 == 0 && i%4 == 0:
				// A good answer written, then one from a stale version:
				// neither is kept, though the first was already written.
				wg.Go(func() {
					_, err := s.SaveAnswers(ctx, admin, round, code, []survey.AnswerInput{
						{ItemID: "STR-2", Values: []string{"1"}}, {ItemID: "STR-1", Values: []string{"1"}, BaseVersion: 5}})
					record(code, "invalid", err)
				})
			case round2 == 1 && i%4 == 0: // an invalid value: refused before anything is written
				wg.Go(func() {
					_, err := s.SaveAnswers(ctx, admin, round, code, []survey.AnswerInput{{ItemID: "STR-1", Values: []string{"99"}}})
					record(code, "invalid", err)
				})
			case round2 == 0:
				// Two different saves from the same version: one wins, one
				// conflicts. (The same value twice is a retry: both succeed.)
				for _, v := range []string{"2", "3"} {
					wg.Go(func() {
						_, err := s.SaveAnswer(ctx, admin, round, code, survey.AnswerInput{ItemID: "STR-2", Values: []string{v}})
						record(code, "race", err)
					})
				}
			default:
				wg.Go(func() {
					_, err := s.SaveAnswer(ctx, admin, round, "NOPE", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
					record("NOPE", "unknown", err)
				})
			}
		}
	}
	wg.Wait()
	stored := 0
	won := map[string]int{}
	for _, r := range results {
		switch r.kind {
		case "invalid":
			var be *survey.BatchError
			if !errors.As(r.err, &be) {
				t.Errorf("%s: an invalid answer: %v", r.code, r.err)
			}
		case "race":
			if r.err == nil {
				won[r.code]++
				stored++
			} else if !errors.Is(r.err, survey.ErrConflict) {
				t.Errorf("%s: the losing save: %v", r.code, r.err)
			}
		case "unknown":
			if !errors.Is(r.err, survey.ErrNotFound) {
				t.Errorf("a save for an unknown institution: %v", r.err)
			}
		}
	}
	for _, in := range insts[:16] {
		resp, err := s.Response(ctx, round, in.Code)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := s.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := answers["STR-2"]
		if i := indexOf(insts, in.Code); i%4 == 0 {
			if ok || answers["STR-1"].Version != 0 {
				t.Errorf("%s: half of a refused save was kept: %+v", in.Code, a)
			}
		} else if won[in.Code] != 1 || !ok || a.Version != 1 || (a.Value() != "2" && a.Value() != "3") {
			t.Errorf("%s: %d saves won, stored %+v", in.Code, won[in.Code], a)
		}
	}
	if s.batch.shared.Load() == 0 {
		t.Error("no two saves shared a transaction")
	}
	if got := tableCounts(t, s, "audit_events")["audit_events"] - before; got != stored {
		t.Errorf("%d saves stored, %d audited", stored, got)
	}
}

func indexOf(list []survey.Institution, code string) int {
	for i, in := range list {
		if in.Code == code {
			return i
		}
	}
	return -1
}
