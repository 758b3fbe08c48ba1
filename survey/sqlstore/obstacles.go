package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"marsad/survey"
)

// Obstacles lists the standard list in its order; inactive ones only when asked.
func (s *Store) Obstacles(ctx context.Context, includeInactive bool) ([]survey.Obstacle, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, code, kind, label_ar, label_en, position, active, version FROM obstacles
		WHERE ? = 1 OR active = 1 ORDER BY position, id`, includeInactive)
	if err != nil {
		return nil, fmt.Errorf("survey: obstacles: %w", err)
	}
	defer rows.Close()
	var out []survey.Obstacle
	for rows.Next() {
		var o survey.Obstacle
		if err := rows.Scan(&o.ID, &o.Code, &o.Kind, &o.LabelAr, &o.LabelEn, &o.Position, &o.Active, &o.Version); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SaveObstacle adds an obstacle to the list (id 0) or changes one. Codes
// stay unique; an obstacle answered in past rounds is deactivated, never
// deleted. A change made from another version than the stored one is
// refused with ListConflictError. Admins only; audited.
func (s *Store) SaveObstacle(ctx context.Context, a survey.Actor, id int64, in survey.ObstacleInput) (survey.Obstacle, error) {
	if a.Role != survey.RoleAdmin {
		return survey.Obstacle{}, survey.ErrForbidden
	}
	o, err := survey.CheckObstacle(in)
	if err != nil {
		return o, err
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		now := formatTime(s.now())
		var before *survey.Obstacle
		if id != 0 {
			var b survey.Obstacle
			err := tx.QueryRowContext(ctx, "SELECT id, code, kind, label_ar, label_en, position, active, version FROM obstacles WHERE id = ?", id).
				Scan(&b.ID, &b.Code, &b.Kind, &b.LabelAr, &b.LabelEn, &b.Position, &b.Active, &b.Version)
			if errors.Is(err, sql.ErrNoRows) {
				return survey.ErrNotFound
			}
			if err != nil {
				return err
			}
			if in.Version != b.Version {
				return &survey.ListConflictError{Current: b}
			}
			before = &b
			_, err = tx.ExecContext(ctx, `UPDATE obstacles SET code = ?, kind = ?, label_ar = ?, label_en = ?, position = ?, active = ?,
				version = version + 1, updated_at = ? WHERE id = ?`, o.Code, o.Kind, o.LabelAr, o.LabelEn, o.Position, o.Active, now, id)
			if isUniqueViolation(err) {
				return &survey.ValidationError{Fields: map[string]string{"code": "err.obstacle_code_taken"}}
			}
			if err != nil {
				return fmt.Errorf("survey: update obstacle: %w", err)
			}
			o.ID, o.Version = id, b.Version+1
		} else {
			newID, err := insertID(ctx, tx, `INSERT INTO obstacles (code, kind, label_ar, label_en, position, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.Code, o.Kind, o.LabelAr, o.LabelEn, o.Position, o.Active, now, now)
			if isUniqueViolation(err) {
				return &survey.ValidationError{Fields: map[string]string{"code": "err.obstacle_code_taken"}}
			}
			if err != nil {
				return fmt.Errorf("survey: create obstacle: %w", err)
			}
			o.ID = newID
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

// ResponseObstacles returns the obstacles a response cites.
func (s *Store) ResponseObstacles(ctx context.Context, responseID int64) (survey.ObstacleAnswers, error) {
	out := survey.ObstacleAnswers{Severity: map[int64]int{}}
	if err := s.r.QueryRowContext(ctx, "SELECT obstacles_version FROM responses WHERE id = ?", responseID).Scan(&out.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return out, survey.ErrNotFound
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

// SaveResponseObstacles replaces the obstacles an institution cites in a
// round (obstacle id → severity 1–3) while its response can be edited.
// version is the version of the set the person started from.
func (s *Store) SaveResponseObstacles(ctx context.Context, a survey.Actor, roundID int64, code string, severity map[int64]int, version int64) (survey.ObstacleAnswers, error) {
	if !a.CanEditInstitution(code) {
		return survey.ObstacleAnswers{}, survey.ErrForbidden
	}
	fe := survey.FieldErrors{}
	for id, sev := range severity {
		if sev < 1 || sev > survey.MaxSeverity {
			fe.Add(fmt.Sprintf("obstacle_%d", id), "err.severity")
		}
	}
	if err := fe.Err(); err != nil {
		return survey.ObstacleAnswers{}, err
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.ObstacleAnswers{}, err
	}
	if !round.Editable() {
		return survey.ObstacleAnswers{}, survey.ErrInvalidTransition
	}
	var out survey.ObstacleAnswers
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		// The obstacles are part of the response: its deadline holds for them.
		if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
			return err
		}
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if !resp.Editable() {
			return survey.ErrInvalidTransition
		}
		before := survey.ObstacleAnswers{Severity: map[int64]int{}}
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
			return &survey.ObstacleConflictError{Current: before}
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
				return &survey.ValidationError{Fields: map[string]string{fmt.Sprintf("obstacle_%d", id): "err.choose_from_list"}}
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE responses SET obstacles_version = obstacles_version + 1 WHERE id = ?", resp.ID); err != nil {
			return err
		}
		out = survey.ObstacleAnswers{Severity: severity, Version: before.Version + 1}
		return s.audit(ctx, tx, a.ID, "obstacles", "response", round.Name+"/"+resp.InstitutionCode, before, out)
	})
	return out, err
}

// ObstacleCitations lists every obstacle cited in a round by institutions
// whose response was submitted (or accepted), for national charts; with
// drafts too when includeDrafts (the coordinator following a live round).
func (s *Store) ObstacleCitations(ctx context.Context, roundID int64, includeDrafts bool) ([]survey.ObstacleCitation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT o.id, o.code, o.kind, o.label_ar, o.label_en, o.position, o.active,
			i.code, i.region, i.sector, i.kind, ro.severity
		FROM response_obstacles ro
		JOIN responses r ON r.id = ro.response_id
		JOIN institutions i ON i.id = r.institution_id
		JOIN obstacles o ON o.id = ro.obstacle_id
		WHERE r.round_id = ? AND `+rankedInstitution+` AND (? = 1 OR r.status IN ('submitted', 'accepted'))
		ORDER BY o.position, o.id, i.code`, roundID, includeDrafts)
	if err != nil {
		return nil, fmt.Errorf("survey: obstacle citations: %w", err)
	}
	defer rows.Close()
	var out []survey.ObstacleCitation
	for rows.Next() {
		var c survey.ObstacleCitation
		o := &c.Obstacle
		if err := rows.Scan(&o.ID, &o.Code, &o.Kind, &o.LabelAr, &o.LabelEn, &o.Position, &o.Active,
			&c.InstitutionCode, &c.Region, &c.Sector, &c.Kind, &c.Severity); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
