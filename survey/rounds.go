package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"marsad/survey/search"
)

// Round statuses, in the only order they may go.
const (
	RoundDraft     = "draft"
	RoundOpen      = "open"
	RoundClosed    = "closed"
	RoundPublished = "published"
)

// ErrInvalidTransition is returned for a status change the state machine
// does not allow (answered 409 by the web layer).
var ErrInvalidTransition = errors.New("survey: not allowed in the current status")

// QuestionnaireVersion is a stored, immutable definition.
type QuestionnaireVersion struct {
	ID        int64
	Hash      string
	DefID     string
	Version   string
	TitleAr   string
	TitleEn   string
	CreatedAt time.Time
	Def       *Definition
}

// Title is the questionnaire's title in lang.
func (q QuestionnaireVersion) Title(lang string) string { return pick(lang, q.TitleAr, q.TitleEn) }

// definitions caches parsed questionnaire versions: they never change.
type definitions struct {
	mu sync.Mutex
	by map[int64]QuestionnaireVersion
}

// StoreQuestionnaire keeps a definition as a new immutable version, or
// returns the stored one with the same content hash.
func (s *Store) StoreQuestionnaire(ctx context.Context, actorID int64, d *Definition) (QuestionnaireVersion, error) {
	if err := d.Validate(); err != nil {
		return QuestionnaireVersion{}, err
	}
	body, err := d.Canonical()
	if err != nil {
		return QuestionnaireVersion{}, err
	}
	hash, err := d.Hash()
	if err != nil {
		return QuestionnaireVersion{}, err
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
		res, err := tx.ExecContext(ctx, `INSERT INTO questionnaires (hash, def_id, version, title_ar, title_en, body, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, d.ID, d.Version, d.TitleAr, d.TitleEn, string(body), formatTime(s.now()), creator)
		if err != nil {
			return fmt.Errorf("survey: store questionnaire: %w", err)
		}
		id, _ = res.LastInsertId()
		return s.audit(ctx, tx, actorID, "create", "questionnaire", hash, nil, map[string]string{"id": d.ID, "version": d.Version})
	})
	if err != nil {
		return QuestionnaireVersion{}, err
	}
	return s.Questionnaire(ctx, id)
}

// StoreQuestionnaireJSON parses a JSON definition and stores it (or finds
// the stored version with the same content).
func (s *Store) StoreQuestionnaireJSON(ctx context.Context, actorID int64, b []byte) (QuestionnaireVersion, error) {
	d, err := ParseDefinition(b)
	if err != nil {
		return QuestionnaireVersion{}, err
	}
	return s.StoreQuestionnaire(ctx, actorID, d)
}

// Questionnaire returns a stored version with its parsed definition.
// Versions never change (a trigger refuses updates), so each is read and
// parsed once and then served from memory: autosave asks for it on every save.
func (s *Store) Questionnaire(ctx context.Context, id int64) (QuestionnaireVersion, error) {
	s.defs.mu.Lock()
	if q, ok := s.defs.by[id]; ok {
		s.defs.mu.Unlock()
		return q, nil
	}
	s.defs.mu.Unlock()
	var (
		q       QuestionnaireVersion
		body    string
		created string
	)
	err := s.r.QueryRowContext(ctx, `SELECT id, hash, def_id, version, title_ar, title_en, body, created_at FROM questionnaires WHERE id = ?`, id).
		Scan(&q.ID, &q.Hash, &q.DefID, &q.Version, &q.TitleAr, &q.TitleEn, &body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return q, fmt.Errorf("survey: questionnaire %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return q, fmt.Errorf("survey: questionnaire %d: %w", id, err)
	}
	q.CreatedAt = parseTime(created)
	if q.Def, err = ParseDefinition([]byte(body)); err != nil {
		return q, fmt.Errorf("survey: stored questionnaire %d: %w", id, err)
	}
	s.defs.mu.Lock()
	defer s.defs.mu.Unlock()
	if s.defs.by == nil {
		s.defs.by = map[int64]QuestionnaireVersion{}
	}
	s.defs.by[id] = q
	return q, nil
}

// QuestionnaireBody is the canonical JSON of a stored version, for download.
func (s *Store) QuestionnaireBody(ctx context.Context, id int64) ([]byte, error) {
	var body string
	err := s.r.QueryRowContext(ctx, "SELECT body FROM questionnaires WHERE id = ?", id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("survey: questionnaire %d: %w", id, ErrNotFound)
	}
	return []byte(body), err
}

// ListQuestionnaires lists stored versions, newest first (without definitions).
func (s *Store) ListQuestionnaires(ctx context.Context) ([]QuestionnaireVersion, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id, hash, def_id, version, title_ar, title_en, created_at FROM questionnaires ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("survey: list questionnaires: %w", err)
	}
	defer rows.Close()
	var out []QuestionnaireVersion
	for rows.Next() {
		var q QuestionnaireVersion
		var created string
		if err := rows.Scan(&q.ID, &q.Hash, &q.DefID, &q.Version, &q.TitleAr, &q.TitleEn, &created); err != nil {
			return nil, fmt.Errorf("survey: list questionnaires: %w", err)
		}
		q.CreatedAt = parseTime(created)
		out = append(out, q)
	}
	return out, rows.Err()
}

// Round is one survey round, such as "2026".
type Round struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	QuestionnaireID int64     `json:"questionnaire_id"`
	Status          string    `json:"status"`
	Public          bool      `json:"public"`
	Deadline        string    `json:"deadline"` // YYYY-MM-DD
	OpenedAt        time.Time `json:"opened_at"`
	ClosedAt        time.Time `json:"closed_at"`
	PublishedAt     time.Time `json:"published_at"`
}

// Editable reports whether answers may change: only while the round is open.
func (r Round) Editable() bool { return r.Status == RoundOpen }

// RoundInput creates a round.
type RoundInput struct {
	Name            string `form:"name" json:"name"`
	QuestionnaireID int64  `form:"questionnaire" json:"questionnaire_id"`
	Deadline        string `form:"deadline" json:"deadline"`
	// Model names an example model (gtmi, egdi, eu-benchmark) instead of a
	// questionnaire id; the web layer resolves it.
	Model string `form:"-" json:"model"`
}

const roundSelect = `SELECT id, name, questionnaire_id, status, public, deadline, coalesce(opened_at, ''), coalesce(closed_at, ''),
	coalesce(published_at, '') FROM rounds `

func scanRound(row interface{ Scan(...any) error }) (Round, error) {
	var r Round
	var opened, closed, published string
	err := row.Scan(&r.ID, &r.Name, &r.QuestionnaireID, &r.Status, &r.Public, &r.Deadline, &opened, &closed, &published)
	r.OpenedAt, r.ClosedAt, r.PublishedAt = parseTime(opened), parseTime(closed), parseTime(published)
	return r, err
}

func getRound(ctx context.Context, q queryer, id int64) (Round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, roundSelect+"WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("survey: round %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("survey: round %d: %w", id, err)
	}
	return r, nil
}

// Round returns the round with id.
func (s *Store) Round(ctx context.Context, id int64) (Round, error) { return getRound(ctx, s.r, id) }

// ListRounds lists rounds, newest first.
func (s *Store) ListRounds(ctx context.Context) ([]Round, error) {
	rows, err := s.r.QueryContext(ctx, roundSelect+"ORDER BY name DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("survey: list rounds: %w", err)
	}
	defer rows.Close()
	var out []Round
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
func (s *Store) CreateRound(ctx context.Context, actorID int64, in RoundInput) (Round, error) {
	in.Name = cleanText(NormalizeDigits(in.Name))
	in.Deadline = cleanText(NormalizeDigits(in.Deadline))
	fe := fieldErrors{}
	checkText(fe, "name", in.Name, true, 40)
	if in.Deadline != "" {
		if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
			fe.add("deadline", "err.date")
		}
	}
	if err := fe.err(); err != nil {
		return Round{}, err
	}
	var out Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM questionnaires WHERE id = ?", in.QuestionnaireID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &ValidationError{Fields: map[string]string{"questionnaire": "err.choose_one"}}
		}
		now := formatTime(s.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO rounds (name, questionnaire_id, status, deadline, created_at, updated_at)
			VALUES (?, ?, 'draft', ?, ?, ?)`, in.Name, in.QuestionnaireID, in.Deadline, now, now)
		if isUniqueViolation(err) {
			return &ValidationError{Fields: map[string]string{"name": "err.round_name_taken"}}
		}
		if err != nil {
			return fmt.Errorf("survey: create round: %w", err)
		}
		id, _ := res.LastInsertId()
		if out, err = getRound(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, "create", "round", out.Name, nil, out)
	})
	return out, err
}

// roundTransitions is the round state machine: action → (from, to).
var roundTransitions = map[string][2]string{
	"open":    {RoundDraft, RoundOpen},
	"close":   {RoundOpen, RoundClosed},
	"reopen":  {RoundClosed, RoundOpen},
	"publish": {RoundClosed, RoundPublished},
}

// RoundAction moves a round through its states: open, close, reopen,
// publish. Anything else from the current status is ErrInvalidTransition.
func (s *Store) RoundAction(ctx context.Context, actorID, id int64, action string) (Round, error) {
	tr, ok := roundTransitions[action]
	if !ok {
		return Round{}, ErrInvalidTransition
	}
	var out Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getRound(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Status != tr[0] {
			return ErrInvalidTransition
		}
		now := formatTime(s.now())
		stamp := map[string]string{RoundOpen: "opened_at", RoundClosed: "closed_at", RoundPublished: "published_at"}[tr[1]]
		if _, err := tx.ExecContext(ctx, "UPDATE rounds SET status = ?, "+stamp+" = ?, updated_at = ? WHERE id = ?", tr[1], now, now, id); err != nil {
			return fmt.Errorf("survey: %s round: %w", action, err)
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
func (s *Store) OpenRounds(ctx context.Context) ([]Round, error) {
	list, err := s.ListRounds(ctx)
	if err != nil {
		return nil, err
	}
	var out []Round
	for _, r := range list {
		if r.Status == RoundOpen {
			out = append(out, r)
		}
	}
	return out, nil
}

// BoardStatuses are the states an institution can be in on a round's board,
// in the order the work goes; "none" is an institution that has not started.
var BoardStatuses = []string{"none", ResponseDraft, ResponseSubmitted, ResponseReturned, ResponseAccepted}

// BoardSorts are the orders a board can be listed in; the first is the default.
var BoardSorts = []string{"name", "status", "progress", "activity"}

// BoardStatus is the row's state on the board: its response status, or
// "none" before the institution has answered anything.
func (r BoardRow) BoardStatus() string {
	if r.Status == "" {
		return "none"
	}
	return r.Status
}

// BoardSummary is the head of a round's board: how many institutions are in
// each state, and how far the round has got.
type BoardSummary struct {
	Counts    map[string]int // by BoardStatus
	Total     int            // institutions on the board
	Done      int            // submitted or accepted: nothing more is asked of them
	Answered  int            // answers given, all institutions together
	Questions int            // answers asked for, all institutions together
}

// DoneShare is the share (0–1) of institutions that have submitted or been accepted.
func (s BoardSummary) DoneShare() float64 {
	if s.Total == 0 {
		return 0
	}
	return float64(s.Done) / float64(s.Total)
}

// AnsweredShare is the share (0–1) of all the answers asked for that are given.
func (s BoardSummary) AnsweredShare() float64 {
	if s.Questions == 0 {
		return 0
	}
	return float64(s.Answered) / float64(s.Questions)
}

// SummarizeBoard counts a board's rows by state.
func SummarizeBoard(rows []BoardRow) BoardSummary {
	s := BoardSummary{Counts: make(map[string]int, len(BoardStatuses)), Total: len(rows)}
	for _, r := range rows {
		st := r.BoardStatus()
		s.Counts[st]++
		if st == ResponseSubmitted || st == ResponseAccepted {
			s.Done++
		}
		s.Answered += r.Answered
		s.Questions += r.Total
	}
	return s
}

// BoardQuery narrows and orders a board: a state (BoardStatuses, "" for
// all), a sector ("" for all) and a sort (BoardSorts; unknown means by name).
type BoardQuery struct {
	Status string `form:"status"`
	Sector string `form:"sector"`
	Sort   string `form:"sort"`
}

// Clean drops values that are not choices, so that a hand-typed URL shows
// the whole board instead of an empty one, and the page shows what it applied.
func (q BoardQuery) Clean(sectors []string) BoardQuery {
	if !contains(BoardStatuses, q.Status) {
		q.Status = ""
	}
	if !contains(sectors, q.Sector) {
		q.Sector = ""
	}
	if !contains(BoardSorts, q.Sort) {
		q.Sort = BoardSorts[0]
	}
	return q
}

// BoardSectors are the sectors of the institutions on a board, sorted.
func BoardSectors(rows []BoardRow) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if s := r.Institution.Sector; s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Apply returns the rows that match q, in its order; names sort in lang
// (Arabic letter variants folded). Ties keep the institutions' order by name.
func (q BoardQuery) Apply(rows []BoardRow, lang string) []BoardRow {
	out := make([]BoardRow, 0, len(rows))
	for _, r := range rows {
		if (q.Status == "" || r.BoardStatus() == q.Status) && (q.Sector == "" || r.Institution.Sector == q.Sector) {
			out = append(out, r)
		}
	}
	name := func(r BoardRow) string { return search.Fold(r.Institution.Name(lang)) }
	rank := map[string]int{}
	for i, st := range BoardStatuses {
		rank[st] = i
	}
	share := func(r BoardRow) float64 {
		if r.Total == 0 {
			return 0
		}
		return float64(r.Answered) / float64(r.Total)
	}
	sort.SliceStable(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	switch q.Sort {
	case "status":
		sort.SliceStable(out, func(i, j int) bool { return rank[out[i].BoardStatus()] < rank[out[j].BoardStatus()] })
	case "progress": // the furthest behind first: they are the ones to call
		sort.SliceStable(out, func(i, j int) bool { return share(out[i]) < share(out[j]) })
	case "activity": // the most recent first
		sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt.After(out[j].UpdatedAt) })
	}
	return out
}
