package survey

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// demoRound describes one demo round: how mature institutions were then,
// and how far along their responses are.
type demoRound struct {
	name, status, deadline string
	public                 bool
	shift                  float64 // added to each institution's maturity
}

var demoRounds = []demoRound{
	{"2024", RoundPublished, "2024-10-31", true, -0.12},
	{"2025", RoundPublished, "2025-10-31", true, -0.05},
	{"2026", RoundOpen, "2026-12-31", false, 0},
}

// demoMaturity is an institution's fictional maturity (0–1), stable for its code.
func demoMaturity(inst Institution) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(inst.Code))
	m := 0.25 + 0.6*float64(h.Sum64()%1000)/1000
	switch {
	case inst.Region == "gaza":
		m *= 0.6 // closures and destroyed infrastructure
	case inst.Kind == "municipality":
		m *= 0.85
	}
	return m
}

// seedDemoRounds stores the questionnaire and creates the demo rounds with
// generated answers (fictional, not audited), inside the seed transaction.
func (s *Store) seedDemoRounds(ctx context.Context, tx *sql.Tx, def *Definition) error {
	body, err := def.Canonical()
	if err != nil {
		return err
	}
	hash, err := def.Hash()
	if err != nil {
		return err
	}
	now := formatTime(s.now())
	_, err = tx.ExecContext(ctx, `INSERT INTO questionnaires (hash, def_id, version, title_ar, title_en, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`, hash, def.ID, def.Version, def.TitleAr, def.TitleEn, string(body), now)
	if err != nil {
		return fmt.Errorf("survey: demo questionnaire: %w", err)
	}
	var qid int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM questionnaires WHERE hash = ?", hash).Scan(&qid); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+institutionColumns+` FROM institutions WHERE active = 1 ORDER BY code`)
	if err != nil {
		return err
	}
	var insts []Institution
	for rows.Next() {
		i, err := scanInstitution(rows)
		if err != nil {
			_ = rows.Close()
			return err
		}
		insts = append(insts, i)
	}
	_ = rows.Close()
	r := rand.New(rand.NewPCG(2026, 11)) // #nosec G404 -- demo and synthetic data only; nothing secret is drawn
	for _, dr := range demoRounds {
		res, err := tx.ExecContext(ctx, `INSERT INTO rounds (name, questionnaire_id, status, public, deadline, opened_at, closed_at, published_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, dr.name, qid, dr.status, dr.public, dr.deadline, dr.name+"-03-01T08:00:00.000Z",
			closedAt(dr), publishedAt(dr), now, now)
		if err != nil {
			return fmt.Errorf("survey: demo round %s: %w", dr.name, err)
		}
		roundID, _ := res.LastInsertId()
		for k, inst := range insts {
			status := demoStatus(dr, inst, k, r)
			if status == "" {
				continue // did not take part that year
			}
			round := Round{ID: roundID, Name: dr.name, OpenedAt: parseTime(dr.name + "-03-01T08:00:00.000Z")}
			qv := QuestionnaireVersion{ID: qid, Hash: hash, Def: def}
			if err := s.seedDemoResponse(ctx, tx, qv, round, inst, dr, status, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func closedAt(dr demoRound) any {
	if dr.status == RoundOpen {
		return nil
	}
	return dr.name + "-11-15T08:00:00.000Z"
}

func publishedAt(dr demoRound) any {
	if dr.status != RoundPublished {
		return nil
	}
	return dr.name + "-12-01T08:00:00.000Z"
}

// demoStatus says how far an institution got in a round ("" = not at all).
// The demo respondents' ministries stay open for the walkthrough: MOH has a
// half-filled draft in 2026, MOI has not started.
func demoStatus(dr demoRound, inst Institution, k int, r *rand.Rand) string {
	if dr.status != RoundOpen {
		if dr.name == "2024" && k%9 == 4 {
			return "" // a few joined only in 2025
		}
		return ResponseAccepted
	}
	switch {
	case inst.Code == "MOI":
		return ""
	case inst.Code == "MOH":
		return "partial"
	}
	switch x := r.IntN(10); {
	case x < 4:
		return ResponseSubmitted
	case x < 6:
		return ResponseAccepted
	case x < 7:
		return ResponseReturned
	case x < 9:
		return "partial"
	}
	return ""
}

func (s *Store) seedDemoResponse(ctx context.Context, tx *sql.Tx, qv QuestionnaireVersion, round Round, inst Institution,
	dr demoRound, status string, r *rand.Rand) error {
	def, roundID := qv.Def, round.ID
	m := min(max(demoMaturity(inst)+dr.shift, 0.05), 0.97)
	respStatus := status
	if status == "partial" {
		respStatus = ResponseDraft
	}
	now := formatTime(s.now())
	var snapshot, submitted, accepted any
	if respStatus != ResponseDraft {
		snap, err := catalogSnapshot(ctx, tx, inst.Code)
		if err != nil {
			return err
		}
		snapshot, submitted = snap, dr.name+"-10-20T09:00:00.000Z"
		if respStatus == ResponseAccepted {
			accepted = dr.name + "-11-05T09:00:00.000Z"
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO responses (round_id, institution_id, status, catalog_snapshot, submitted_at, accepted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, roundID, inst.ID, respStatus, snapshot, submitted, accepted, now, now)
	if err != nil {
		return fmt.Errorf("survey: demo response %s/%s: %w", dr.name, inst.Code, err)
	}
	respID, _ := res.LastInsertId()
	answers := AnswerSet{}
	for n, it := range def.Items {
		if status == "partial" && n > len(def.Items)/2 {
			break
		}
		if !answers.Visible(it) || it.Type == TypeMetric || it.Type == TypeText {
			continue
		}
		a := demoAnswer(it, inst, m, r)
		if a.NA || len(a.Values) > 0 {
			answers[it.ID] = a
		}
	}
	for id, a := range answers {
		review := ""
		if respStatus == ResponseAccepted {
			review = ReviewApproved
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, na, comment, version, updated_at, review_status)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, respID, id, strings.Join(a.Values, "\n"), a.NA, a.Comment, now, review)
		if err != nil {
			return err
		}
	}
	if respStatus == ResponseDraft {
		return nil
	}
	return s.scoreResponse(ctx, tx, round, qv, respID)
}

// demoAnswer picks a plausible answer for an institution of maturity m.
func demoAnswer(it Item, inst Institution, m float64, r *rand.Rand) Answer {
	a := Answer{ItemID: it.ID}
	if it.NAAllowed && inst.Kind == "municipality" && r.IntN(3) == 0 {
		a.NA, a.Comment = true, "لا ينطبق على البلدية (بيانات تجريبية)"
		return a
	}
	switch it.Type {
	case TypeSingle:
		level := int(math.Round(m*float64(len(it.Options)-1) + (r.Float64()-0.5)*1.4))
		level = min(max(level, 0), len(it.Options)-1)
		a.Values = []string{it.Options[level].Value}
	case TypeMulti:
		for _, o := range it.Options {
			if o.Value != NoneOption && r.Float64() < m {
				a.Values = append(a.Values, o.Value)
			}
		}
		if len(a.Values) == 0 {
			a.Values = []string{NoneOption}
			if !it.hasOption(NoneOption) {
				a.Values = []string{it.Options[0].Value}
			}
		}
	case TypeYesNo:
		a.Values = []string{map[bool]string{true: "yes", false: "no"}[r.Float64() < m]}
	case TypePercent:
		a.Values = []string{strconv.Itoa(min(max(int(m*100+(r.Float64()-0.5)*30), 0), 100))}
	case TypeScale, TypeNumber:
		lo, hi := *it.Min, *it.Max
		v := lo + m*(hi-lo)
		if it.Type == TypeScale {
			v = math.Round(v)
		}
		a.Values = []string{strconv.FormatFloat(v, 'f', -1, 64)}
	case TypeURL:
		a.Values = []string{"https://" + strings.ToLower(inst.Code) + ".example.ps/evidence/" + strings.ToLower(it.ID)}
	}
	return a
}
