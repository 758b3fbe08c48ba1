package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Obstacle kinds: inside the institution's control or outside it.
const (
	ObstacleInternal = "internal"
	ObstacleExternal = "external"
)

// MaxSeverity is the highest severity of an obstacle (1 minor … 3 severe).
const MaxSeverity = 3

// Obstacle is one entry of the standard list of obstacles.
type Obstacle struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	LabelAr  string `json:"label_ar"`
	LabelEn  string `json:"label_en"`
	Position int    `json:"position"`
	Active   bool   `json:"active"`
	Version  int64  `json:"version"`
}

// ListConflictError refuses a change to an obstacle of the standard list
// made from an old reading of it; Current is the obstacle as it is now.
type ListConflictError struct {
	Current Obstacle
}

func (e *ListConflictError) Error() string { return "survey: obstacle changed by someone else" }
func (e *ListConflictError) Unwrap() error { return ErrConflict }

// Label is the obstacle's name in lang, falling back to Arabic.
func (o Obstacle) Label(lang string) string { return pickLang(lang, o.LabelAr, o.LabelEn) }

// Obstacles lists the standard list in its order; inactive ones only when asked.
func (s *Store) Obstacles(ctx context.Context, includeInactive bool) ([]Obstacle, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, code, kind, label_ar, label_en, position, active, version FROM obstacles
		WHERE ? OR active = 1 ORDER BY position, id`, includeInactive)
	if err != nil {
		return nil, fmt.Errorf("survey: obstacles: %w", err)
	}
	defer rows.Close()
	var out []Obstacle
	for rows.Next() {
		var o Obstacle
		if err := rows.Scan(&o.ID, &o.Code, &o.Kind, &o.LabelAr, &o.LabelEn, &o.Position, &o.Active, &o.Version); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ObstacleInput is the coordinator's form for one obstacle of the list.
type ObstacleInput struct {
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	LabelAr  string `json:"label_ar"`
	LabelEn  string `json:"label_en"`
	Position string `json:"position"`
	Active   bool   `json:"active"`
	// Version is the version of the obstacle the change was made from;
	// required to change one.
	Version int64 `json:"version"`
}

func checkObstacle(in ObstacleInput) (Obstacle, error) {
	fe := fieldErrors{}
	o := Obstacle{Code: strings.ToLower(cleanText(in.Code)), Kind: strings.ToLower(cleanText(in.Kind)),
		LabelAr: cleanText(in.LabelAr), LabelEn: cleanText(in.LabelEn), Active: in.Active}
	if o.Code == "" {
		fe.add("code", "err.required")
	} else if len(o.Code) > 40 || strings.Trim(o.Code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		fe.add("code", "err.obstacle_code_format")
	}
	if o.Kind != ObstacleInternal && o.Kind != ObstacleExternal {
		fe.add("kind", "err.choose_one")
	}
	checkText(fe, "label_ar", o.LabelAr, true, 200)
	if _, bad := fe["label_ar"]; !bad && !hasArabicLetter(o.LabelAr) {
		fe.add("label_ar", "err.need_arabic")
	}
	checkText(fe, "label_en", o.LabelEn, false, 200)
	pos, ok := parseNumber(in.Position, 0, 1000)
	if !ok || pos != float64(int(pos)) {
		fe.add("position", "err.whole_number")
	}
	o.Position = int(pos)
	return o, fe.err()
}

// SaveObstacle adds an obstacle to the list (id 0) or changes one. Codes
// stay unique; an obstacle answered in past rounds is deactivated, never
// deleted. A change made from another version than the stored one is
// refused with ListConflictError. Admins only; audited.
func (s *Store) SaveObstacle(ctx context.Context, a Actor, id int64, in ObstacleInput) (Obstacle, error) {
	if a.Role != RoleAdmin {
		return Obstacle{}, ErrForbidden
	}
	o, err := checkObstacle(in)
	if err != nil {
		return o, err
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		now := formatTime(s.now())
		var before *Obstacle
		if id != 0 {
			var b Obstacle
			err := tx.QueryRowContext(ctx, "SELECT id, code, kind, label_ar, label_en, position, active, version FROM obstacles WHERE id = ?", id).
				Scan(&b.ID, &b.Code, &b.Kind, &b.LabelAr, &b.LabelEn, &b.Position, &b.Active, &b.Version)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			if in.Version != b.Version {
				return &ListConflictError{Current: b}
			}
			before = &b
			_, err = tx.ExecContext(ctx, `UPDATE obstacles SET code = ?, kind = ?, label_ar = ?, label_en = ?, position = ?, active = ?,
				version = version + 1, updated_at = ? WHERE id = ?`, o.Code, o.Kind, o.LabelAr, o.LabelEn, o.Position, o.Active, now, id)
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"code": "err.obstacle_code_taken"}}
			}
			if err != nil {
				return fmt.Errorf("survey: update obstacle: %w", err)
			}
			o.ID, o.Version = id, b.Version+1
		} else {
			res, err := tx.ExecContext(ctx, `INSERT INTO obstacles (code, kind, label_ar, label_en, position, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.Code, o.Kind, o.LabelAr, o.LabelEn, o.Position, o.Active, now, now)
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"code": "err.obstacle_code_taken"}}
			}
			if err != nil {
				return fmt.Errorf("survey: create obstacle: %w", err)
			}
			o.ID, _ = res.LastInsertId()
			o.Version = 1
		}
		var b any
		if before != nil {
			b = before
		}
		return s.audit(ctx, tx, a.ID, map[bool]string{true: "create", false: "update"}[id == 0], "obstacle", o.Code, b, o)
	})
	return o, err
}

// ObstacleAnswers are the obstacles a response cites, by obstacle id, with
// their severity, and the version of the set.
type ObstacleAnswers struct {
	Severity map[int64]int `json:"severity"`
	Version  int64         `json:"version"`
}

// ResponseObstacles returns the obstacles a response cites.
func (s *Store) ResponseObstacles(ctx context.Context, responseID int64) (ObstacleAnswers, error) {
	out := ObstacleAnswers{Severity: map[int64]int{}}
	if err := s.r.QueryRowContext(ctx, "SELECT obstacles_version FROM responses WHERE id = ?", responseID).Scan(&out.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return out, ErrNotFound
		}
		return out, fmt.Errorf("survey: response obstacles: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, "SELECT obstacle_id, severity FROM response_obstacles WHERE response_id = ?", responseID)
	if err != nil {
		return out, fmt.Errorf("survey: response obstacles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sev int
		if err := rows.Scan(&id, &sev); err != nil {
			return out, err
		}
		out.Severity[id] = sev
	}
	return out, rows.Err()
}

// ObstacleConflictError is a save based on an old version of the set: the
// current set is returned so the person can compare.
type ObstacleConflictError struct{ Current ObstacleAnswers }

func (e *ObstacleConflictError) Error() string { return "survey: obstacles changed by someone else" }
func (e *ObstacleConflictError) Unwrap() error { return ErrConflict }

// SaveResponseObstacles replaces the obstacles an institution cites in a
// round (obstacle id → severity 1–3) while its response can be edited.
// version is the version of the set the person started from.
func (s *Store) SaveResponseObstacles(ctx context.Context, a Actor, roundID int64, code string, severity map[int64]int, version int64) (ObstacleAnswers, error) {
	if !a.CanEditInstitution(code) {
		return ObstacleAnswers{}, ErrForbidden
	}
	fe := fieldErrors{}
	for id, sev := range severity {
		if sev < 1 || sev > MaxSeverity {
			fe.add(fmt.Sprintf("obstacle_%d", id), "err.severity")
		}
	}
	if err := fe.err(); err != nil {
		return ObstacleAnswers{}, err
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return ObstacleAnswers{}, err
	}
	if !round.Editable() {
		return ObstacleAnswers{}, ErrInvalidTransition
	}
	var out ObstacleAnswers
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if !resp.Editable() {
			return ErrInvalidTransition
		}
		before := ObstacleAnswers{Severity: map[int64]int{}}
		if err := tx.QueryRowContext(ctx, "SELECT obstacles_version FROM responses WHERE id = ?", resp.ID).Scan(&before.Version); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT obstacle_id, severity FROM response_obstacles WHERE response_id = ?", resp.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var sev int
			if err := rows.Scan(&id, &sev); err != nil {
				_ = rows.Close()
				return err
			}
			before.Severity[id] = sev
		}
		_ = rows.Close()
		if version != before.Version {
			return &ObstacleConflictError{Current: before}
		}
		// Obstacles since deactivated are not on the form: their answers stay.
		if _, err := tx.ExecContext(ctx, `DELETE FROM response_obstacles WHERE response_id = ?
			AND obstacle_id IN (SELECT id FROM obstacles WHERE active = 1)`, resp.ID); err != nil {
			return err
		}
		for id, sev := range severity {
			res, err := tx.ExecContext(ctx, `INSERT INTO response_obstacles (response_id, obstacle_id, severity)
				SELECT ?, id, ? FROM obstacles WHERE id = ? AND active = 1`, resp.ID, sev, id)
			if err != nil {
				return fmt.Errorf("survey: save obstacle: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return &ValidationError{Fields: map[string]string{fmt.Sprintf("obstacle_%d", id): "err.choose_from_list"}}
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE responses SET obstacles_version = obstacles_version + 1 WHERE id = ?", resp.ID); err != nil {
			return err
		}
		out = ObstacleAnswers{Severity: severity, Version: before.Version + 1}
		return s.audit(ctx, tx, a.ID, "obstacles", "response", round.Name+"/"+resp.InstitutionCode, before, out)
	})
	return out, err
}

// ObstacleCitation is one institution citing one obstacle in a round.
type ObstacleCitation struct {
	Obstacle        Obstacle
	InstitutionCode string
	Region          string
	Sector          string
	Kind            string // the institution's kind
	Severity        int
}

// ObstacleCitations lists every obstacle cited in a round by institutions
// whose response was submitted (or accepted), for national charts; with
// drafts too when includeDrafts (the coordinator following a live round).
func (s *Store) ObstacleCitations(ctx context.Context, roundID int64, includeDrafts bool) ([]ObstacleCitation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT o.id, o.code, o.kind, o.label_ar, o.label_en, o.position, o.active,
			i.code, i.region, i.sector, i.kind, ro.severity
		FROM response_obstacles ro
		JOIN responses r ON r.id = ro.response_id
		JOIN institutions i ON i.id = r.institution_id
		JOIN obstacles o ON o.id = ro.obstacle_id
		WHERE r.round_id = ? AND i.active = 1 AND (? OR r.status IN ('submitted', 'accepted'))
		ORDER BY o.position, o.id, i.code`, roundID, includeDrafts)
	if err != nil {
		return nil, fmt.Errorf("survey: obstacle citations: %w", err)
	}
	defer rows.Close()
	var out []ObstacleCitation
	for rows.Next() {
		var c ObstacleCitation
		o := &c.Obstacle
		if err := rows.Scan(&o.ID, &o.Code, &o.Kind, &o.LabelAr, &o.LabelEn, &o.Position, &o.Active,
			&c.InstitutionCode, &c.Region, &c.Sector, &c.Kind, &c.Severity); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
