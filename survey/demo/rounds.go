package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"marsad/data"
	"marsad/survey"
)

// citation is a response that cites obstacles, once the rounds are in.
type citation struct {
	response int64
	inst     survey.Institution
	round    int // position of the round in rounds.json
}

// seedRounds stores the questionnaire and the demo rounds with their
// generated responses (fictional, not audited), and returns the rounds
// (oldest first) and the responses that cite obstacles.
func (c *Content) seedRounds(tx survey.DemoWriter, insts []survey.Institution) ([]survey.Round, []citation, error) {
	q, err := tx.AddQuestionnaire(c.Questionnaire)
	if err != nil {
		return nil, nil, err
	}
	// A round on an example model stores that model as its questionnaire.
	models := map[string]survey.QuestionnaireVersion{}
	for _, spec := range c.rounds.Rounds {
		if spec.Model == "" || models[spec.Model].ID != 0 {
			continue
		}
		b, _ := data.Model(spec.Model) // checked by parseRounds
		def, err := survey.ParseDefinition(b)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: model %s: %w", spec.Model, err)
		}
		if models[spec.Model], err = tx.AddQuestionnaire(def); err != nil {
			return nil, nil, err
		}
	}
	var active []survey.Institution
	for _, inst := range byCode(insts) {
		if inst.Active {
			active = append(active, inst)
		}
	}
	// One generator for every draw, in a fixed order: the same seed gives
	// the same answers, scores and ranks.
	rf := c.rounds
	r := rand.New(rand.NewPCG(rf.Seed[0], rf.Seed[1])) // #nosec G404 -- demo data only; nothing secret is drawn
	var rounds []survey.Round
	var cites []citation
	for n, spec := range rf.Rounds {
		q := q
		if spec.Model != "" {
			q = models[spec.Model]
		}
		round, err := tx.AddRound(survey.Round{Name: spec.Name, QuestionnaireID: q.ID, Status: spec.Status, Public: spec.Public,
			Deadline: spec.Deadline, OpenedAt: spec.opened, ClosedAt: spec.closed, PublishedAt: spec.published})
		if err != nil {
			return nil, nil, err
		}
		rounds = append(rounds, round)
		for k, inst := range active {
			status := spec.statusOf(inst, k, r)
			if status == statusAbsent {
				continue // did not take part that round
			}
			id, err := c.seedResponse(tx, q, round, spec, inst, status, r)
			if err != nil {
				return nil, nil, err
			}
			scored := status != statusPartial
			if (scored && spec.Status != survey.RoundOpen) || slices.Contains(spec.CiteObstacles, inst.Code) {
				cites = append(cites, citation{response: id, inst: inst, round: n})
			}
		}
	}
	return rounds, cites, nil
}

// statusOf says how far an institution (at position k of the code-ordered
// list) got in a round.
func (spec roundSpec) statusOf(inst survey.Institution, k int, r *rand.Rand) string {
	if a := spec.Absent; a != nil && k%a.Every == a.Offset {
		return statusAbsent
	}
	if s, ok := spec.Fixed[inst.Code]; ok {
		return s
	}
	if spec.Responses != "" {
		return spec.Responses
	}
	total := 0
	for _, w := range spec.Draw {
		total += w.Weight
	}
	x := r.IntN(total)
	for _, w := range spec.Draw {
		if x < w.Weight {
			return w.Status
		}
		x -= w.Weight
	}
	return statusAbsent // not reached: x < total
}

// seedResponse writes one institution's response to a round.
func (c *Content) seedResponse(tx survey.DemoWriter, q survey.QuestionnaireVersion, round survey.Round, spec roundSpec,
	inst survey.Institution, status string, r *rand.Rand) (int64, error) {
	def := q.Def
	mr := c.rounds.Maturity
	m := min(max(c.maturity(inst)+spec.MaturityShift, mr.Min), mr.Max)
	answers := survey.AnswerSet{}
	for n, it := range def.Items {
		if status == statusPartial && n > len(def.Items)/2 {
			break
		}
		if !answers.Visible(it) || it.Type == survey.TypeMetric || it.Type == survey.TypeText {
			continue
		}
		a := c.Answer(it, inst, m, r)
		if a.NA || len(a.Values) > 0 {
			answers[it.ID] = a
		}
	}
	resp := survey.DemoResponse{Round: round, Questionnaire: q, Institution: inst, Status: status, Answers: answers}
	switch status {
	case statusPartial:
		resp.Status = survey.ResponseDraft
	case survey.ResponseAccepted:
		resp.SubmittedAt, resp.AcceptedAt = spec.submitted, spec.accepted
	default:
		resp.SubmittedAt = spec.submitted
	}
	return tx.AddResponse(resp)
}

// maturity is an institution's fictional maturity (0–1), stable for its code.
func (c *Content) maturity(inst survey.Institution) float64 {
	mr := c.rounds.Maturity
	m := mr.Base + mr.Spread*float64(fnv64(inst.Code)%1000)/1000
	for _, f := range mr.Factors {
		if (f.Region != "" && inst.Region == f.Region) || (f.Kind != "" && inst.Kind == f.Kind) {
			m *= f.Factor
			break
		}
	}
	return m
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// Answer picks a plausible answer to item it for an institution of maturity
// m (0–1), as the demo rounds do: higher maturity, higher levels, with
// jitter drawn from r. Benchmarks use it to make realistic answer sets.
func (c *Content) Answer(it survey.Item, inst survey.Institution, m float64, r *rand.Rand) survey.Answer {
	ar := c.rounds.Answers
	a := survey.Answer{ItemID: it.ID}
	if na := ar.NotApplicable; it.NAAllowed && inst.Kind == na.Kind && r.IntN(na.OneIn) == 0 {
		a.NA, a.Comment = true, na.Comment
		return a
	}
	switch it.Type {
	case survey.TypeSingle:
		level := int(math.Round(m*float64(len(it.Options)-1) + (r.Float64()-0.5)*ar.LevelJitter))
		level = min(max(level, 0), len(it.Options)-1)
		a.Values = []string{it.Options[level].Value}
	case survey.TypeMulti:
		hasNone := false
		for _, o := range it.Options {
			if o.Value == survey.NoneOption {
				hasNone = true
			} else if r.Float64() < m {
				a.Values = append(a.Values, o.Value)
			}
		}
		if len(a.Values) == 0 {
			a.Values = []string{survey.NoneOption}
			if !hasNone {
				a.Values = []string{it.Options[0].Value}
			}
		}
	case survey.TypeYesNo:
		a.Values = []string{map[bool]string{true: "yes", false: "no"}[r.Float64() < m]}
	case survey.TypePercent:
		a.Values = []string{strconv.Itoa(min(max(int(m*100+(r.Float64()-0.5)*ar.PercentJitter), 0), 100))}
	case survey.TypeScale, survey.TypeNumber:
		lo, hi := *it.Min, *it.Max
		v := lo + m*(hi-lo)
		if it.Type == survey.TypeScale {
			v = math.Round(v)
		}
		a.Values = []string{formatFloat(v)}
	case survey.TypeURL:
		a.Values = []string{c.evidenceURL(inst.Code, it.ID)}
	}
	return a
}
