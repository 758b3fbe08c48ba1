package demo

import (
	"fmt"

	"marsad/survey"
)

// seedPlans writes the demo action plans (rounds: the demo rounds, oldest
// first). Each action answers an improvement action of the institution's
// scorecard in the round it follows, keeps that round's item score, and is
// chosen so that the outcome PlanActions computes (from progress, the
// target round and whether the item's score rose since) is the one
// plans.json lists.
func (c *Content) seedPlans(tx survey.DemoWriter, rounds []survey.Round) error {
	def := c.Questionnaire
	byName := map[string]survey.Round{}
	spec := map[string]roundSpec{}
	for i, r := range rounds {
		byName[r.Name] = r
		spec[r.Name] = c.rounds.Rounds[i]
	}
	texts := map[string]survey.PlanInput{}
	for _, t := range c.plans.Texts {
		texts[t.Item] = survey.PlanInput{ItemID: t.Item, TextAr: t.TextAr, TextEn: t.TextEn, Owner: c.plans.Owners[t.Owner]}
	}
	// Results are read as PlanActions reads them: self-reported scores of
	// submitted or accepted responses.
	results := map[string]*survey.Result{} // "roundID/code"
	result := func(roundID int64, code string) (*survey.Result, error) {
		k := fmt.Sprintf("%d/%s", roundID, code)
		if r, ok := results[k]; ok {
			return r, nil
		}
		r, err := tx.SelfResult(roundID, code)
		results[k] = r
		return r, err
	}
	itemScore := func(r *survey.Result, item string) *float64 {
		if r == nil {
			return nil
		}
		for _, it := range r.Items {
			if it.ItemID == item && it.Dropped == "" {
				v := it.Score
				return &v
			}
		}
		return nil
	}
	// latest is the item's latest score after the plan's round, up to the target.
	latest := func(code, item string, plan, target survey.Round) (*float64, error) {
		for i := len(rounds) - 1; i >= 0; i-- {
			r := rounds[i]
			if r.ID <= plan.ID || r.ID > target.ID {
				continue
			}
			res, err := result(r.ID, code)
			if err != nil {
				return nil, err
			}
			if v := itemScore(res, item); v != nil {
				return v, nil
			}
		}
		return nil, nil
	}

	planned := map[string]int{} // how many plans chose each item
	for _, dp := range c.plans.Plans {
		plan, ok := byName[dp.Round]
		if !ok {
			continue
		}
		base, err := result(plan.ID, dp.Institution)
		if err != nil {
			return err
		}
		if base == nil {
			continue // did not take part in that round, or is not in the database
		}
		candidates := survey.ImprovementActions(def, *base, len(def.Items))
		used := map[string]bool{}
		for _, act := range dp.Actions {
			outcome, progress := act.Outcome, act.Progress
			if progress == "" {
				progress = outcome
			}
			target, ok := byName[act.TargetRound]
			if !ok || target.ID <= plan.ID {
				continue
			}
			// Done actions prefer items whose score then rose; the others
			// must not have risen, or they would count as done. Items
			// already in two other plans come last, for variety.
			var pick *survey.Action
			for pass := 0; pass < 3 && pick == nil; pass++ {
				for i := range candidates {
					a := &candidates[i]
					if _, ok := texts[a.ItemID]; !ok || used[a.ItemID] || (pass == 0 && planned[a.ItemID] >= 2) {
						continue
					}
					later, err := latest(dp.Institution, a.ItemID, plan, target)
					if err != nil {
						return err
					}
					rose := later != nil && *later > a.Score+1e-9
					if rose == (outcome == survey.OutcomeDone) || (outcome == survey.OutcomeDone && pass == 2) {
						pick = a
						break
					}
				}
			}
			if pick == nil {
				continue
			}
			used[pick.ItemID] = true
			planned[pick.ItemID]++
			in := texts[pick.ItemID]
			notes := c.plans.Notes[outcome]
			in.TargetRound, in.Progress = act.TargetRound, progress
			in.ProgressNote = notes[int(roll(dp.Institution, pick.ItemID)*float64(len(notes)))]
			if _, err := tx.AddPlan(dp.Institution, plan, in, pick.Score, spec[dp.Round].plans); err != nil {
				return err
			}
		}
	}
	return nil
}
