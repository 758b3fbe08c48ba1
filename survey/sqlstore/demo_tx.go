package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

// The store's side of the demo: package marsad/survey/demo decides what the
// demo holds (from the files in data/demo) and writes it through a DemoTx,
// which keeps the SQL here. Demo rows carry fixed dates and generated answers
// that the ordinary methods (one audited transaction each, stamped now)
// cannot give, so the writer inserts them directly, with the same checks
// the forms apply to what people type.

// DemoTx is the store's survey.DemoWriter: it writes the demo inside the one transaction of SeedDemoTx. Catalog
// and accounts are audited as a system change, like an import; rounds,
// answers, initiatives and plans are not (they are fictional).
type DemoTx struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	hash string // the demo password's hash, shared by every account

	obstacles map[string]int64 // active obstacles by code, read once
}

// SeedDemoTx fills an empty database with the demo in one transaction: it
// runs fill, removes any first-run setup link and marks the database as
// demo (IsDemo). A database seeded before is left alone and fill is not
// called; one with other data (institutions or users) is refused. password
// is every demo account's, hashed once here to keep start-up fast.
func (s *Store) SeedDemoTx(ctx context.Context, password string, fill func(survey.DemoWriter) error) error {
	if seeded, err := s.IsDemo(ctx); err != nil || seeded {
		return err // seeded before: start at once, no hashing
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.BcryptCost)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		// Another server on the same database (PostgreSQL) may have seeded
		// it while this one waited for the write lock.
		var demo, n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key = ? AND value = '1'", settingDemo).Scan(&demo); err != nil {
			return err
		}
		if demo > 0 {
			return nil
		}
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM institutions) + (SELECT count(*) FROM users)").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("survey: demo data goes only into an empty database; this one has data")
		}
		if err := fill(&DemoTx{s: s, ctx: ctx, tx: tx, hash: string(hash)}); err != nil {
			return err
		}
		// The demo's closed and published rounds, written directly, get the
		// rank analysis their closing would have made (bands.go).
		if err := s.analyseStoredRounds(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
			return err
		}
		return setSetting(ctx, tx, settingDemo, "1")
	})
}

// AddInstitution adds an institution as parsed from the import format.
func (t *DemoTx) AddInstitution(in survey.InstitutionInput) (survey.Institution, error) {
	return t.s.insertInstitution(t.ctx, t.tx, 0, in)
}

// AddService checks a service as an import does and adds it.
func (t *DemoTx) AddService(in survey.ServiceInput) error {
	sv, err := survey.CheckService(in)
	if err == nil {
		_, err = t.s.insertService(t.ctx, t.tx, survey.Actor{}, sv)
	}
	if err != nil {
		return fmt.Errorf("survey: demo service %s/%s: %w", in.InstitutionCode, in.Code, err)
	}
	return nil
}

// AddUser adds an account with the demo password.
func (t *DemoTx) AddUser(u survey.NewUser) error {
	if _, err := t.s.insertUser(t.ctx, t.tx, 0, u.Normalize(), t.hash); err != nil {
		return fmt.Errorf("survey: demo account %s: %w", u.Email, err)
	}
	return nil
}

// AddQuestionnaire stores a questionnaire (once: a version is known by its
// hash) and returns it.
func (t *DemoTx) AddQuestionnaire(def *survey.Definition) (survey.QuestionnaireVersion, error) {
	body, err := def.Canonical()
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	hash, err := def.Hash()
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO questionnaires (hash, def_id, version, title_ar, title_en, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`, hash, def.ID, def.Version, def.TitleAr, def.TitleEn, string(body),
		formatTime(t.s.now()))
	if err != nil {
		return survey.QuestionnaireVersion{}, fmt.Errorf("survey: demo questionnaire: %w", err)
	}
	q := survey.QuestionnaireVersion{Hash: hash, Def: def}
	if err := t.tx.QueryRowContext(t.ctx, "SELECT id FROM questionnaires WHERE hash = ?", hash).Scan(&q.ID); err != nil {
		return q, err
	}
	return q, nil
}

// AddRound adds a round as r describes it (name, questionnaire, status,
// public, deadline and the dates it opened, closed and was published; a
// zero date is none) and returns it with its id.
func (t *DemoTx) AddRound(r survey.Round) (survey.Round, error) {
	if r.Status == survey.RoundOpen && r.DueFor("").Passed(t.s.now()) {
		// Deadlines are enforced (survey/deadline.go): the demo's open
		// round must take answers whenever the demo is seeded, so a
		// deadline already past moves to 60 days from now.
		r.Deadline = t.s.now().In(survey.DeadlineZone).AddDate(0, 0, 60).Format(survey.DateLayout)
	}
	now := formatTime(t.s.now())
	var err error
	r.ID, err = insertID(t.ctx, t.tx, `INSERT INTO rounds (name, questionnaire_id, status, public, deadline, opened_at, closed_at, published_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Name, r.QuestionnaireID, r.Status, r.Public, r.Deadline, demoTime(r.OpenedAt),
		demoTime(r.ClosedAt), demoTime(r.PublishedAt), now, now)
	if err != nil {
		return r, fmt.Errorf("survey: demo round %s: %w", r.Name, err)
	}
	if r.Frozen() {
		// As if it had been closed: the institutions are in by now.
		err = freezeRoundInstitutions(t.ctx, t.tx, r.ID)
	}
	return r, err
}

// demoTime is a demo date as stored: NULL when there is none.
func demoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// AddResponse adds a response with its answers and returns its id. A
// response past the draft has the institution's catalog frozen with it and
// is scored, as a submission is; the answers of an accepted one count as
// approved by the reviewer.
func (t *DemoTx) AddResponse(r survey.DemoResponse) (int64, error) {
	ctx, tx := t.ctx, t.tx
	now := formatTime(t.s.now())
	var snapshot, submitted, accepted any
	if r.Status != survey.ResponseDraft {
		snap, _, err := catalogSnapshot(ctx, tx, r.Institution.Code)
		if err != nil {
			return 0, err
		}
		snapshot, submitted, accepted = snap, demoTime(r.SubmittedAt), demoTime(r.AcceptedAt)
	}
	id, err := insertID(ctx, tx, `INSERT INTO responses (round_id, institution_id, status, catalog_snapshot, submitted_at, accepted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Round.ID, r.Institution.ID, r.Status, snapshot, submitted, accepted, now, now)
	if err != nil {
		return 0, fmt.Errorf("survey: demo response %s/%s: %w", r.Round.Name, r.Institution.Code, err)
	}
	review := ""
	if r.Status == survey.ResponseAccepted {
		review = survey.ReviewApproved
	}
	for _, item := range slices.Sorted(maps.Keys(r.Answers)) {
		a := r.Answers[item]
		_, err := tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, na, comment, version, updated_at, review_status)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, id, item, strings.Join(a.Values, "\n"), a.NA, a.Comment, now, review)
		if err != nil {
			return 0, err
		}
	}
	if r.Status == survey.ResponseDraft {
		return id, nil
	}
	return id, t.s.scoreResponse(ctx, tx, r.Round, r.Questionnaire, id)
}

// AddObstacles has a response cite obstacles (code → severity), as if saved
// once through the form. Codes the database does not know are skipped.
func (t *DemoTx) AddObstacles(responseID int64, severity map[string]int) error {
	ctx, tx := t.ctx, t.tx
	if t.obstacles == nil {
		t.obstacles = map[string]int64{}
		rows, err := tx.QueryContext(ctx, "SELECT code, id FROM obstacles WHERE active = 1")
		if err != nil {
			return err
		}
		for rows.Next() {
			var code string
			var id int64
			if err := rows.Scan(&code, &id); err != nil {
				_ = rows.Close()
				return err
			}
			t.obstacles[code] = id
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, code := range slices.Sorted(maps.Keys(severity)) {
		id, ok := t.obstacles[code]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO response_obstacles (response_id, obstacle_id, severity) VALUES (?, ?, ?)",
			responseID, id, severity[code]); err != nil {
			return fmt.Errorf("survey: demo obstacles of response %d: %w", responseID, err)
		}
	}
	_, err := tx.ExecContext(ctx, "UPDATE responses SET obstacles_version = 1 WHERE id = ?", responseID)
	return err
}

// AddInitiative checks an initiative as the form does and adds it, linked
// to those of serviceCodes (its institution's services) the catalog has;
// storyStatus is the success story's state when in.Story. It reports false,
// adding nothing, when the institution is not in the database (a test
// seeding other institutions).
func (t *DemoTx) AddInitiative(in survey.InitiativeInput, serviceCodes []string, storyStatus string) (bool, error) {
	ctx, tx := t.ctx, t.tx
	for _, code := range serviceCodes {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT s.id FROM services s JOIN institutions i ON i.id = s.institution_id
			WHERE i.code = ? AND s.code = ?`, in.InstitutionCode, code).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return false, err
		default:
			in.ServiceIDs = append(in.ServiceIDs, id)
		}
	}
	n, err := survey.CheckInitiative(in)
	if err != nil {
		return false, fmt.Errorf("survey: demo initiative %q: %w", in.TitleEn, err)
	}
	var instID int64
	err = tx.QueryRowContext(ctx, "SELECT id FROM institutions WHERE code = ?", n.InstitutionCode).Scan(&instID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	now := formatTime(t.s.now())
	n.StoryStatus = survey.StoryNone
	var reviewed any
	if n.Story {
		n.StoryStatus = storyStatus
		if storyStatus == survey.StoryApproved {
			reviewed = now
		}
	}
	id, err := insertID(ctx, tx, `INSERT INTO initiatives (institution_id, title_ar, title_en, summary_ar, summary_en, status,
		start_month, end_month, budget_band, outcome_ar, outcome_en, story, story_status, story_ar, story_en, figure_label_ar,
		figure_label_en, figure_before, figure_after, reviewed_at, public, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		instID, n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand,
		n.OutcomeAr, n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn,
		n.FigureBefore, n.FigureAfter, reviewed, in.Public != nil && *in.Public, now, now)
	if err != nil {
		return false, fmt.Errorf("survey: demo initiative %q: %w", n.TitleEn, err)
	}
	if err := writeLinks(ctx, tx, id, instID, n); err != nil {
		return false, fmt.Errorf("survey: demo initiative %q: %w", n.TitleEn, err)
	}
	return true, nil
}

// SelfResult is the self-reported result of an institution's response in a
// round, read as PlanActions reads it: only of a submitted or accepted
// response. It is nil when there is none.
func (t *DemoTx) SelfResult(roundID int64, code string) (*survey.Result, error) {
	var body string
	err := t.tx.QueryRowContext(t.ctx, `SELECT s.result FROM scores s JOIN responses r ON r.id = s.response_id
		JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND i.code = ? AND s.kind = ? AND r.status IN ('submitted', 'accepted')`, roundID, code, survey.ScoreSelf).Scan(&body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	res := &survey.Result{}
	if err := json.Unmarshal([]byte(body), res); err != nil {
		return nil, err
	}
	return res, nil
}

// AddPlan checks an action of an institution's plan after round as the form
// does and adds it, written at writtenAt, with the item's score in that
// round. It reports false, adding nothing, when the institution is not in
// the database.
func (t *DemoTx) AddPlan(code string, round survey.Round, in survey.PlanInput, scoreAtPlan float64, writtenAt time.Time) (bool, error) {
	var instID int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT id FROM institutions WHERE code = ?", code).Scan(&instID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	p, err := survey.CheckPlan(in)
	if err != nil {
		return false, fmt.Errorf("survey: demo plan %s/%s: %w", code, in.ItemID, err)
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO plan_actions (institution_id, round_id, item_id, text_ar, text_en, owner,
		target_round, progress, progress_note, score_at_plan, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, instID, round.ID, p.ItemID, p.TextAr, p.TextEn, p.Owner,
		p.TargetRound, p.Progress, p.ProgressNote, scoreAtPlan, formatTime(writtenAt), formatTime(t.s.now()))
	if err != nil {
		return false, fmt.Errorf("survey: demo plan %s/%s: %w", code, in.ItemID, err)
	}
	return true, nil
}
