package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"marsad/survey"
)

// StoreQuestionnaire keeps a definition as a new immutable version, or
// returns the stored one with the same content hash.
func (s *Store) StoreQuestionnaire(ctx context.Context, actorID int64, d *survey.Definition) (survey.QuestionnaireVersion, error) {
	if err := d.Validate(); err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	body, err := d.Canonical()
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	hash, err := d.Hash()
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	var id int64
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM questionnaires WHERE hash = ?", hash).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var creator sql.NullInt64
		if actorID != 0 {
			creator = sql.NullInt64{Int64: actorID, Valid: true}
		}
		newID, err := insertID(ctx, tx, `INSERT INTO questionnaires (hash, def_id, version, title_ar, title_en, body, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, d.ID, d.Version, d.TitleAr, d.TitleEn, string(body), formatTime(s.now()), creator)
		if err != nil {
			return fmt.Errorf("survey: store questionnaire: %w", err)
		}
		id = newID
		return s.audit(ctx, tx, actorID, "create", "questionnaire", hash, nil, map[string]string{"id": d.ID, "version": d.Version})
	})
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	return s.Questionnaire(ctx, id)
}

// StoreQuestionnaireJSON parses a JSON definition and stores it (or finds
// the stored version with the same content).
func (s *Store) StoreQuestionnaireJSON(ctx context.Context, actorID int64, b []byte) (survey.QuestionnaireVersion, error) {
	d, err := survey.ParseDefinition(b)
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	return s.StoreQuestionnaire(ctx, actorID, d)
}

// Questionnaire returns a stored version with its parsed definition.
// Versions never change (a trigger refuses updates), so each is read and
// parsed once and then served from the cache (at any version: there is only
// one): autosave asks for it on every save.
func (s *Store) Questionnaire(ctx context.Context, id int64) (survey.QuestionnaireVersion, error) {
	return s.defs.Load(strconv.FormatInt(id, 10), "", func() (survey.QuestionnaireVersion, error) {
		return s.readQuestionnaire(ctx, id)
	})
}

func (s *Store) readQuestionnaire(ctx context.Context, id int64) (survey.QuestionnaireVersion, error) {
	var (
		q       survey.QuestionnaireVersion
		body    string
		created string
	)
	err := s.r.QueryRowContext(ctx, `SELECT id, hash, def_id, version, title_ar, title_en, body, created_at FROM questionnaires WHERE id = ?`, id).
		Scan(&q.ID, &q.Hash, &q.DefID, &q.Version, &q.TitleAr, &q.TitleEn, &body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return q, fmt.Errorf("survey: questionnaire %d: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return q, fmt.Errorf("survey: questionnaire %d: %w", id, err)
	}
	q.CreatedAt = parseTime(created)
	if q.Def, err = survey.ParseDefinition([]byte(body)); err != nil {
		return q, fmt.Errorf("survey: stored questionnaire %d: %w", id, err)
	}
	return q, nil
}

// QuestionnaireBody is the canonical JSON of a stored version, for download.
func (s *Store) QuestionnaireBody(ctx context.Context, id int64) ([]byte, error) {
	var body string
	err := s.r.QueryRowContext(ctx, "SELECT body FROM questionnaires WHERE id = ?", id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("survey: questionnaire %d: %w", id, survey.ErrNotFound)
	}
	return []byte(body), err
}

// ListQuestionnaires lists stored versions, newest first (without definitions).
func (s *Store) ListQuestionnaires(ctx context.Context) ([]survey.QuestionnaireVersion, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id, hash, def_id, version, title_ar, title_en, created_at FROM questionnaires ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("survey: list questionnaires: %w", err)
	}
	defer rows.Close()
	var out []survey.QuestionnaireVersion
	for rows.Next() {
		var q survey.QuestionnaireVersion
		var created string
		if err := rows.Scan(&q.ID, &q.Hash, &q.DefID, &q.Version, &q.TitleAr, &q.TitleEn, &created); err != nil {
			return nil, fmt.Errorf("survey: list questionnaires: %w", err)
		}
		q.CreatedAt = parseTime(created)
		out = append(out, q)
	}
	return out, rows.Err()
}

const roundSelect = `SELECT id, name, questionnaire_id, status, public, deadline, coalesce(opened_at, ''), coalesce(closed_at, ''),
	coalesce(published_at, ''), archived_at IS NOT NULL, test, requires_signoff FROM rounds `

func scanRound(row interface{ Scan(...any) error }) (survey.Round, error) {
	var r survey.Round
	var opened, closed, published string
	err := row.Scan(&r.ID, &r.Name, &r.QuestionnaireID, &r.Status, &r.Public, &r.Deadline, &opened, &closed, &published, &r.Archived, &r.Test, &r.RequiresSignoff)
	r.OpenedAt, r.ClosedAt, r.PublishedAt = parseTime(opened), parseTime(closed), parseTime(published)
	return r, err
}

func getRound(ctx context.Context, q queryer, id int64) (survey.Round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, roundSelect+"WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("survey: round %d: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("survey: round %d: %w", id, err)
	}
	return r, nil
}

// Round returns the round with id.
func (s *Store) Round(ctx context.Context, id int64) (survey.Round, error) {
	return cachedRead(ctx, s, &s.roundRows, strconv.FormatInt(id, 10), func(ctx context.Context) (survey.Round, error) {
		return getRound(ctx, s.r, id)
	})
}

// ListRounds lists rounds, newest first, without the archived ones: every
// list, dashboard and trend starts here, and an archived round is in none
// of them (ArchivedRounds lists those).
func (s *Store) ListRounds(ctx context.Context) ([]survey.Round, error) {
	return s.listRounds(ctx, "WHERE archived_at IS NULL ")
}

func (s *Store) listRounds(ctx context.Context, where string) ([]survey.Round, error) {
	rows, err := s.r.QueryContext(ctx, roundSelect+where+"ORDER BY name DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("survey: list rounds: %w", err)
	}
	defer rows.Close()
	var out []survey.Round
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: list rounds: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateRound adds a draft round on a stored questionnaire version.
func (s *Store) CreateRound(ctx context.Context, actorID int64, in survey.RoundInput) (survey.Round, error) {
	in.Name = survey.CleanText(survey.NormalizeDigits(in.Name))
	in.Deadline = survey.CleanText(survey.NormalizeDigits(in.Deadline))
	fe := survey.FieldErrors{}
	survey.CheckText(fe, "name", in.Name, true, 40)
	if in.Deadline != "" {
		if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
			fe.Add("deadline", "err.date")
		}
	}
	if err := fe.Err(); err != nil {
		return survey.Round{}, err
	}
	var out survey.Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM questionnaires WHERE id = ?", in.QuestionnaireID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &survey.ValidationError{Fields: map[string]string{"questionnaire": "err.choose_one"}}
		}
		now := formatTime(s.now())
		id, err := insertID(ctx, tx, `INSERT INTO rounds (name, questionnaire_id, status, deadline, test, requires_signoff, created_at, updated_at)
			VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)`, in.Name, in.QuestionnaireID, in.Deadline, in.Test, in.RequiresSignoff, now, now)
		if isUniqueViolation(err) {
			return &survey.ValidationError{Fields: map[string]string{"name": "err.round_name_taken"}}
		}
		if err != nil {
			return fmt.Errorf("survey: create round: %w", err)
		}
		if out, err = getRound(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, "create", "round", out.Name, nil, out)
	})
	return out, err
}

// roundTransitions is the round state machine: action → (from, to).
var roundTransitions = map[string][2]string{
	"open":    {survey.RoundDraft, survey.RoundOpen},
	"close":   {survey.RoundOpen, survey.RoundClosed},
	"reopen":  {survey.RoundClosed, survey.RoundOpen},
	"publish": {survey.RoundClosed, survey.RoundPublished},
}

// RoundAction moves a round through its states: open, close, reopen,
// publish. Anything else from the current status is ErrInvalidTransition.
func (s *Store) RoundAction(ctx context.Context, actorID, id int64, action string) (survey.Round, error) {
	tr, ok := roundTransitions[action]
	if !ok {
		return survey.Round{}, survey.ErrInvalidTransition
	}
	var out survey.Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getRound(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Status != tr[0] {
			return survey.ErrInvalidTransition
		}
		now := formatTime(s.now())
		stamp := map[string]string{survey.RoundOpen: "opened_at", survey.RoundClosed: "closed_at", survey.RoundPublished: "published_at"}[tr[1]]
		if _, err := tx.ExecContext(ctx, "UPDATE rounds SET status = ?, "+stamp+" = ?, updated_at = ? WHERE id = ?", tr[1], now, now, id); err != nil {
			return fmt.Errorf("survey: %s round: %w", action, err)
		}
		if tr[1] == survey.RoundClosed {
			// What the round counts is frozen with it (frozen.go).
			if err := freezeRoundInstitutions(ctx, tx, id); err != nil {
				return err
			}
		}
		if tr[1] == survey.RoundClosed || tr[1] == survey.RoundPublished {
			// How sure its ranking is, analysed once with its final scores (bands.go).
			if err := s.analyseRanks(ctx, tx, id); err != nil {
				return err
			}
		}
		if out, err = getRound(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, action, "round", out.Name, before, out)
	})
	return out, err
}

// SetRoundPublic marks whether a published round's results are public.
func (s *Store) SetRoundPublic(ctx context.Context, actorID, id int64, public bool) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getRound(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE rounds SET public = ?, updated_at = ? WHERE id = ?", public, formatTime(s.now()), id); err != nil {
			return err
		}
		after := before
		after.Public = public
		return s.audit(ctx, tx, actorID, "set-public", "round", before.Name, before, after)
	})
}

// OpenRounds lists the rounds that accept answers now.
func (s *Store) OpenRounds(ctx context.Context) ([]survey.Round, error) {
	list, err := s.ListRounds(ctx)
	if err != nil {
		return nil, err
	}
	var out []survey.Round
	for _, r := range list {
		if r.Status == survey.RoundOpen {
			out = append(out, r)
		}
	}
	return out, nil
}
