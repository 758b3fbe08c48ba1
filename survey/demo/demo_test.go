package demo

import (
	"context"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

func newStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "marsad.db"), sqlstore.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seeded is a store holding the whole demo, seeded by Seed.
func seeded(t *testing.T) *sqlstore.Store {
	t.Helper()
	st := newStore(t)
	if err := Seed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestLoad: the shipped files load, and everything they name exists: the
// institutions and services of initiatives, the institutions of accounts,
// plans and fixed statuses, and a text for some item of every plan.
func TestLoad(t *testing.T) {
	t.Parallel()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, sv := range c.Services {
		services[sv.InstitutionCode+"/"+sv.Code] = true
	}
	institutions := map[string]bool{}
	for _, in := range c.Institutions {
		institutions[in.Code] = true
	}
	if len(c.Accounts) != 5 || len(c.initiatives) < 20 || len(c.plans.Plans) < 10 || len(c.rounds.Rounds) != 4 {
		t.Errorf("accounts %d, initiatives %d, plans %d, rounds %d; want 5, ≥ 20, ≥ 10, 4",
			len(c.Accounts), len(c.initiatives), len(c.plans.Plans), len(c.rounds.Rounds))
	}
	for _, d := range c.initiatives {
		if !institutions[d.in.InstitutionCode] {
			t.Errorf("initiative %q: no institution %s", d.in.TitleEn, d.in.InstitutionCode)
		}
		for _, code := range d.services {
			if !services[d.in.InstitutionCode+"/"+code] {
				t.Errorf("initiative %q: %s has no service %s", d.in.TitleEn, d.in.InstitutionCode, code)
			}
		}
	}
	for _, p := range c.plans.Plans {
		if !institutions[p.Institution] {
			t.Errorf("plan of %s: not a demo institution", p.Institution)
		}
	}
	for _, r := range c.rounds.Rounds {
		for code := range r.Fixed {
			if !institutions[code] {
				t.Errorf("round %s: fixed status of %s, not a demo institution", r.Name, code)
			}
		}
		for _, code := range r.CiteObstacles {
			if !institutions[code] {
				t.Errorf("round %s: %s cites obstacles but is not a demo institution", r.Name, code)
			}
		}
	}
}

// TestSeedIsTheDemo pins what the demo seeds, which the README's screens,
// the handlers' tests and people's walkthroughs rely on: which
// institutions took part in each round and how far, the indices and ranks
// (the generator's seed and draw order), obstacles and plans. Changing the
// demo files on purpose changes these figures; anything else must not.
func TestSeedIsTheDemo(t *testing.T) {
	t.Parallel()
	st := seeded(t)
	ctx := context.Background()
	rounds, err := st.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]survey.Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	type ranked struct {
		code  string
		rank  int
		index float64 // in points, as pages show it
	}
	want := []struct {
		round    string
		status   string
		public   bool
		statuses map[string]int // on the board ("" for not started)
		scored   int            // self-reported scores (submitted or accepted)
		average  float64
		top      []ranked
		cites    int // obstacles cited by scored responses
	}{
		{"2024", survey.RoundPublished, true, map[string]int{survey.ResponseAccepted: 31, "": 4}, 31, 42.409677,
			[]ranked{{"MOE", 1, 62.3}, {"MOPWH", 2, 60.8}, {"MOJA", 3, 60.3}, {"NBL", 4, 57.9}}, 138},
		{"2025", survey.RoundPublished, true, map[string]int{survey.ResponseAccepted: 35}, 35, 47.382857,
			[]ranked{{"MOE", 1, 69.4}, {"MOJA", 2, 63}, {"MOPWH", 2, 63}, {"NBL", 4, 59.4}}, 161},
		{"2026", survey.RoundOpen, false, map[string]int{survey.ResponseSubmitted: 13, survey.ResponseAccepted: 3,
			survey.ResponseReturned: 5, survey.ResponseDraft: 9, "": 5}, 16, 48.71875,
			[]ranked{{"MOE", 1, 72}, {"NBL", 2, 70.8}, {"MOL", 3, 63.7}, {"PMA", 4, 60.7}}, -1},
		// A pilot on the World Bank's GTMI model (0–1): not comparable with
		// the others, so its pages show no change (survey/comparable.go).
		{"2025 GTMI", survey.RoundClosed, false, map[string]int{survey.ResponseAccepted: 35}, 35, 0.448629,
			[]ranked{{"MOJA", 1, 0.7304}, {"MOE", 2, 0.704}, {"MOPWH", 3, 0.6848}, {"MOL", 4, 0.6434}}, 161},
	}
	for _, w := range want {
		r, ok := byName[w.round]
		if !ok || r.Status != w.status || r.Public != w.public {
			t.Errorf("round %s = %+v, want %s, public %v", w.round, r, w.status, w.public)
			continue
		}
		board, err := st.RoundBoard(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]int{}
		for _, row := range board {
			statuses[row.Status]++
			switch row.Institution.Code {
			case "MOH": // the walkthrough's respondents
				if w.round == "2026" && row.Status != survey.ResponseDraft {
					t.Errorf("MOH in 2026: %q, want a draft", row.Status)
				}
			case "MOI":
				if w.round == "2026" && row.Status != "" {
					t.Errorf("MOI in 2026: %q, want not started", row.Status)
				}
			}
		}
		if !maps.Equal(statuses, w.statuses) {
			t.Errorf("round %s: board %v, want %v", w.round, statuses, w.statuses)
		}
		scores, err := st.Scores(ctx, r.ID, survey.ScoreSelf)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, s := range scores {
			sum += s.Index
		}
		if len(scores) != w.scored || math.Abs(sum/float64(len(scores))-w.average) > 5e-6 {
			t.Errorf("round %s: %d scored, average %.6f; want %d, %.6f", w.round, len(scores), sum/float64(len(scores)), w.scored, w.average)
		}
		slices.SortStableFunc(scores, func(a, b survey.InstitutionScore) int { return a.Rank - b.Rank })
		for i, rk := range w.top {
			if i >= len(scores) || scores[i].Code != rk.code || scores[i].Rank != rk.rank || scores[i].Index != rk.index {
				t.Errorf("round %s: place %d is %s ranked %d at %v; want %s ranked %d at %v", w.round, i+1,
					scores[i].Code, scores[i].Rank, scores[i].Index, rk.code, rk.rank, rk.index)
			}
		}
		if w.cites >= 0 {
			if cites, err := st.ObstacleCitations(ctx, r.ID, false); err != nil || len(cites) != w.cites {
				t.Errorf("round %s: %d obstacle citations, %v; want %d", w.round, len(cites), err, w.cites)
			}
		}
	}
	plans, err := st.PlanActions(ctx, survey.PlanFilter{})
	if err != nil || len(plans) != 33 {
		t.Errorf("plan actions = %d, %v; want 33", len(plans), err)
	}
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{})
	if err != nil || len(list) != 28 {
		t.Errorf("initiatives = %d, %v; want 28", len(list), err)
	}
}

// TestDemoInitiatives: the demo shows the conference side too — three
// approved success stories and one waiting for approval, initiatives with
// every kind of partner, obstacles cited in the published rounds, and
// action plans in each of the four outcomes.
func TestDemoInitiatives(t *testing.T) {
	t.Parallel()
	s := seeded(t)
	ctx := context.Background()

	stories, err := s.PublicStories(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 3 {
		t.Errorf("public stories = %d, want 3", len(stories))
	}
	for _, st := range stories {
		if !st.Story || st.StoryStatus != survey.StoryApproved || st.StoryAr == "" || st.StoryEn == "" ||
			st.FigureLabelAr == "" || st.FigureLabelEn == "" || st.FigureBefore == nil || st.FigureAfter == nil {
			t.Errorf("story %q: %+v", st.TitleEn, st)
		}
	}
	pending, err := s.ListInitiatives(ctx, survey.InitiativeFilter{StoryStatus: survey.StoryPending})
	if err != nil || len(pending) != 1 {
		t.Errorf("pending stories = %d, %v; want 1", len(pending), err)
	}

	list, err := s.ListInitiatives(ctx, survey.InitiativeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 20 {
		t.Errorf("initiatives = %d, want at least 20", len(list))
	}
	partners, statuses, institutions, linked := map[string]bool{}, map[string]bool{}, map[string]bool{}, 0
	var back []survey.InitiativeInput
	for _, in := range list {
		for _, p := range in.Partners {
			partners[p.Type] = true
		}
		statuses[in.Status] = true
		institutions[in.InstitutionCode] = true
		if len(in.ServiceIDs) > 0 {
			linked++
		}
		back = append(back, survey.InitiativeInput{InstitutionCode: in.InstitutionCode, TitleAr: in.TitleAr, TitleEn: in.TitleEn,
			SummaryAr: in.SummaryAr, SummaryEn: in.SummaryEn, Status: in.Status, StartMonth: in.StartMonth,
			EndMonth: in.EndMonth, BudgetBand: in.BudgetBand, OutcomeAr: in.OutcomeAr, OutcomeEn: in.OutcomeEn,
			Partners: in.Partners, ServiceIDs: in.ServiceIDs, Story: in.Story, StoryAr: in.StoryAr, StoryEn: in.StoryEn,
			FigureLabelAr: in.FigureLabelAr, FigureLabelEn: in.FigureLabelEn})
	}
	for _, pt := range survey.PartnerTypes {
		if !partners[pt] {
			t.Errorf("no initiative with a %s partner", pt)
		}
	}
	for _, st := range survey.InitiativeStatuses {
		if !statuses[st] {
			t.Errorf("no initiative %s", st)
		}
	}
	if len(institutions) < 12 || linked < len(list)/2 {
		t.Errorf("initiatives of %d institutions, %d linked to services", len(institutions), linked)
	}

	rounds, err := s.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]survey.Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	cites, err := s.ObstacleCitations(ctx, byName["2025"].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds, regions, cited := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cites {
		kinds[c.Obstacle.Kind] = true
		regions[c.Region] = true
		cited[c.InstitutionCode] = true
		if c.Severity < 1 || c.Severity > survey.MaxSeverity {
			t.Errorf("%s cites %s with severity %d", c.InstitutionCode, c.Obstacle.Code, c.Severity)
		}
	}
	if !kinds[survey.ObstacleInternal] || !kinds[survey.ObstacleExternal] || len(regions) < 3 {
		t.Errorf("2025 obstacles: kinds %v, regions %v; want both kinds and at least 3 regions", kinds, regions)
	}
	scores, err := s.Scores(ctx, byName["2025"].ID, survey.ScoreSelf)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scores {
		if !cited[sc.Code] {
			t.Errorf("2025: %s was scored but cites no obstacle", sc.Code)
		}
	}
	moh, err := s.Response(ctx, byName["2026"].ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	if oa, err := s.ResponseObstacles(ctx, moh.ID); err != nil || len(oa.Severity) == 0 || oa.Version != 1 {
		t.Errorf("MOH 2026 draft obstacles %+v, %v; want some, at version 1", oa, err)
	}

	plans, err := s.PlanActions(ctx, survey.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes, planners := map[string]int{}, map[string]bool{}
	for _, p := range plans {
		outcomes[p.Outcome]++
		planners[p.InstitutionCode] = true
		if p.ItemID == "" || p.ScoreAtPlan == nil || *p.ScoreAtPlan >= 1 || p.Owner == "" || p.TextAr == "" {
			t.Errorf("plan action %+v", p)
		}
	}
	for _, o := range survey.PlanOutcomes {
		if outcomes[o] == 0 {
			t.Errorf("no plan action %s (outcomes %v)", o, outcomes)
		}
	}
	if len(planners) < 10 {
		t.Errorf("plans of %d institutions, want at least 10", len(planners))
	}

	// What was stored reads back as valid input: the form takes it again
	// (last, as it adds initiatives).
	admin := survey.Actor{Role: survey.RoleAdmin}
	for _, in := range back {
		if _, err := s.CreateInitiative(ctx, admin, in); err != nil {
			t.Errorf("initiative %q does not read back as valid input: %v", in.TitleEn, err)
		}
	}
}

// TestSeedData: a demo of another catalog, as the handlers' tests seed
// through SeedData: institutions alone give the accounts
// but no services, rounds or initiatives.
func TestSeedData(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	if err := SeedData(ctx, st, survey.DemoData{Institutions: data.DemoInstitutions}); err != nil {
		t.Fatal(err)
	}
	if demo, err := st.IsDemo(ctx); err != nil || !demo {
		t.Errorf("IsDemo = %v, %v; want true", demo, err)
	}
	if _, err := st.Authenticate(ctx, "moh@example.ps", survey.DemoPassword); err != nil {
		t.Errorf("sign in as moh@example.ps: %v", err)
	}
	rounds, err := st.ListRounds(ctx)
	if err != nil || len(rounds) != 0 {
		t.Errorf("rounds = %d, %v; want none", len(rounds), err)
	}
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{})
	if err != nil || len(list) != 0 {
		t.Errorf("initiatives = %d, %v; want none", len(list), err)
	}
	n := 0
	if err := st.EachService(ctx, false, func(survey.Service) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("services = %d, %v; want none", n, err)
	}
}

// TestFilesAreChecked: a mistake in a demo file is reported when it is
// read, naming the file and what is wrong, rather than seeding a demo
// that silently lacks something.
func TestFilesAreChecked(t *testing.T) {
	t.Parallel()
	def, err := survey.ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := parseRounds(data.DemoRounds)
	if err != nil {
		t.Fatal(err)
	}
	institutions := map[string]bool{"MOH": true}
	story := `[{"initiative": "a", "status": "approved", "story_ar": "قصة"}]`
	initiatives := `{"partners": [{"key": "p", "type": "donor", "name_ar": "مانح"}],
		"initiatives": [{"key": "a", "institution": "MOH", "title_ar": "مبادرة", "status": "done", "partners": ["p"]}]}`
	plans := func(text, plan string) string {
		return `{"owners": {"it": "مدير"}, "texts": [` + text + `], "progress_notes": {"done": [""]}, "plans": [` + plan + `]}`
	}
	goodText := `{"item": "STR-1", "text_ar": "نص", "owner": "it"}`
	goodPlan := `{"institution": "MOH", "round": "2024", "actions": [{"outcome": "done", "target_round": "2025"}]}`
	rounds := func(round string) string {
		return `{"seed": [1, 2], "maturity": {"spread": 0.5, "min": 0, "max": 1},
			"answers": {"not_applicable": {"one_in": 1}, "evidence_url": "x"}, "rounds": [` + round + `]}`
	}
	goodRound := `{"name": "2024", "status": "open", "responses": "accepted", "opened_at": "2024-03-01T08:00:00Z",
		"submitted_at": "2024-10-01T08:00:00Z", "accepted_at": "2024-11-01T08:00:00Z"}`
	// The minimal files above are right: each case below breaks one thing.
	if _, err := parseAccounts([]byte(`[{"email": "a@example.ps", "role": "respondent", "institution": "MOH"}]`), institutions); err != nil {
		t.Errorf("good accounts: %v", err)
	}
	if _, err := parseInitiatives([]byte(initiatives), []byte(story)); err != nil {
		t.Errorf("good initiatives: %v", err)
	}
	if _, err := parsePlans([]byte(plans(goodText, goodPlan)), rf.Rounds, def); err != nil {
		t.Errorf("good plans: %v", err)
	}
	if _, err := parseRounds([]byte(rounds(goodRound))); err != nil {
		t.Errorf("good rounds: %v", err)
	}

	cases := []struct {
		name, want string
		parse      func() error
	}{
		{"unknown field", `unknown field "rol"`, func() error {
			_, err := parseAccounts([]byte(`[{"email": "a@example.ps", "rol": "admin"}]`), institutions)
			return err
		}},
		{"respondent of no institution", "names an institution", func() error {
			_, err := parseAccounts([]byte(`[{"email": "a@example.ps", "role": "respondent"}]`), institutions)
			return err
		}},
		{"institution not in the demo", "GAZ is not in the demo", func() error {
			_, err := parseAccounts([]byte(`[{"email": "a@example.ps", "role": "respondent", "institution": "GAZ"}]`), institutions)
			return err
		}},
		{"two JSON values", "data after", func() error {
			_, err := parseAccounts([]byte(`[] []`), institutions)
			return err
		}},
		{"unknown partner", `no partner "q"`, func() error {
			_, err := parseInitiatives([]byte(strings.Replace(initiatives, `["p"]`, `["q"]`, 1)), []byte(story))
			return err
		}},
		{"story of no initiative", `no initiative "b"`, func() error {
			_, err := parseInitiatives([]byte(initiatives), []byte(strings.Replace(story, `"a"`, `"b"`, 1)))
			return err
		}},
		{"two stories", "has two stories", func() error {
			_, err := parseInitiatives([]byte(initiatives), []byte(`[`+story[1:len(story)-1]+`, `+story[1:]))
			return err
		}},
		{"story status", `status "published"`, func() error {
			_, err := parseInitiatives([]byte(initiatives), []byte(strings.Replace(story, "approved", "published", 1)))
			return err
		}},
		{"initiative status", "a status of", func() error {
			_, err := parseInitiatives([]byte(strings.Replace(initiatives, `"done"`, `"finished"`, 1)), []byte(story))
			return err
		}},
		{"text for no item", "XYZ-1 is not an item", func() error {
			_, err := parsePlans([]byte(plans(strings.Replace(goodText, "STR-1", "XYZ-1", 1), goodPlan)), rf.Rounds, def)
			return err
		}},
		{"unknown owner", `no owner "hr"`, func() error {
			_, err := parsePlans([]byte(plans(strings.Replace(goodText, `"it"`, `"hr"`, 1), goodPlan)), rf.Rounds, def)
			return err
		}},
		{"target round", `target round "2030"`, func() error {
			_, err := parsePlans([]byte(plans(goodText, strings.Replace(goodPlan, `"2025"`, `"2030"`, 1))), rf.Rounds, def)
			return err
		}},
		{"outcome without notes", `outcome "slipped" has no progress notes`, func() error {
			_, err := parsePlans([]byte(plans(goodText, strings.Replace(goodPlan, `"outcome": "done"`, `"outcome": "slipped"`, 1))), rf.Rounds, def)
			return err
		}},
		{"responses and draw", "either responses", func() error {
			_, err := parseRounds([]byte(rounds(strings.Replace(goodRound, `"responses": "accepted"`,
				`"responses": "accepted", "draw": [{"status": "submitted", "weight": 1}]`, 1))))
			return err
		}},
		{"closed date of an open round", "closed_at goes with status", func() error {
			_, err := parseRounds([]byte(rounds(strings.Replace(goodRound, `"status": "open"`,
				`"status": "open", "closed_at": "2024-11-15T08:00:00Z"`, 1))))
			return err
		}},
		{"bad date", "opened_at", func() error {
			_, err := parseRounds([]byte(rounds(strings.Replace(goodRound, "2024-03-01T08:00:00Z", "1 March 2024", 1))))
			return err
		}},
		{"unknown response status", `unknown response status "done"`, func() error {
			_, err := parseRounds([]byte(rounds(strings.Replace(goodRound, `"responses": "accepted"`, `"responses": "done"`, 1))))
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.parse()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}
