package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"marsad/survey"
)

// Teams inside an institution (survey/teams.go, docs/teams.md): the
// coordinator's marks on respondents, a focal point's colleagues and
// invitations, section assignments and the head's sign-off. Every method
// that acts for a person takes their id and reads the account here, in the
// store, so that a focal point's ownership is checked against what the
// database says now, not against what a session remembered.

// actingUser is the account with id, as it is now.
func (s *Store) actingUser(ctx context.Context, q queryer, id int64) (survey.User, error) {
	u, err := getUser(ctx, q, "u.id = ?", id)
	if errors.Is(err, survey.ErrNotFound) {
		return u, survey.ErrForbidden
	}
	return u, err
}

// SetTeamFlags marks a respondent as a focal point and/or a head who signs
// off (coordinators only; audited). Other roles are refused.
func (s *Store) SetTeamFlags(ctx context.Context, a survey.Actor, id int64, f survey.TeamFlags) (survey.User, error) {
	if a.Role != survey.RoleAdmin {
		return survey.User{}, survey.ErrForbidden
	}
	var out survey.User
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		if before.Role != survey.RoleRespondent {
			return &survey.ValidationError{Fields: map[string]string{"role": "err.team_respondent_only"}}
		}
		if out = before; before.FocalPoint == f.FocalPoint && before.Signoff == f.Signoff {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET focal_point = ?, signoff = ? WHERE id = ?", f.FocalPoint, f.Signoff, id); err != nil {
			return fmt.Errorf("survey: team flags of user %d: %w", id, err)
		}
		if out, err = getUser(ctx, tx, "u.id = ?", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "team_flags", "user", out.Email, before, out)
	})
	return out, err
}

// Colleagues lists the respondents of an institution (active first, then by address).
func (s *Store) Colleagues(ctx context.Context, code string) ([]survey.User, error) {
	rows, err := s.r.QueryContext(ctx, userSelect+"u.role = 'respondent' AND i.code = ? ORDER BY u.active DESC, u.email LIMIT 500",
		strings.ToUpper(code))
	if err != nil {
		return nil, fmt.Errorf("survey: colleagues: %w", err)
	}
	defer rows.Close()
	var out []survey.User
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: colleagues: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateColleagueInvitation is a focal point inviting a colleague: always
// as a respondent of the focal point's own institution, whatever else was
// asked. It is CreateInvitation otherwise (one-time link, audited).
func (s *Store) CreateColleagueInvitation(ctx context.Context, actorID int64, email string) (survey.Invitation, string, error) {
	fp, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return survey.Invitation{}, "", err
	}
	if !survey.CanManageTeam(fp) {
		return survey.Invitation{}, "", survey.ErrForbidden
	}
	return s.CreateInvitation(ctx, actorID, survey.InvitationInput{Email: email, Role: survey.RoleRespondent, InstitutionCode: fp.InstitutionCode})
}

// TeamInvitations lists the invitations into an institution, newest first.
func (s *Store) TeamInvitations(ctx context.Context, code string) ([]survey.Invitation, error) {
	rows, err := s.r.QueryContext(ctx, invitationSelect+"i.code = ? ORDER BY v.id DESC LIMIT 200", strings.ToUpper(code))
	if err != nil {
		return nil, fmt.Errorf("survey: team invitations: %w", err)
	}
	defer rows.Close()
	var out []survey.Invitation
	for rows.Next() {
		inv, err := s.scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: team invitations: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeColleagueInvitation is a focal point revoking a pending invitation
// into their own institution; any other is ErrForbidden.
func (s *Store) RevokeColleagueInvitation(ctx context.Context, actorID, id int64) error {
	fp, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return err
	}
	inv, err := s.getInvitation(ctx, s.r, "v.id = ?", id)
	if err != nil {
		return err
	}
	if !survey.CanManageTeam(fp) || inv.Role != survey.RoleRespondent || inv.InstitutionCode != fp.InstitutionCode {
		return survey.ErrForbidden
	}
	return s.RevokeInvitation(ctx, actorID, id)
}

// SetColleagueActive is a focal point deactivating or reactivating a
// colleague: a respondent of their own institution other than themselves
// (survey.CanSetColleagueActive), checked in the transaction. As with the
// coordinator's SetUserActive, deactivating ends the person's sessions.
func (s *Store) SetColleagueActive(ctx context.Context, actorID, id int64, active bool) (survey.User, error) {
	fp, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return survey.User{}, err
	}
	if !survey.CanManageTeam(fp) {
		return survey.User{}, survey.ErrForbidden
	}
	return s.setUserActive(ctx, actorID, id, active, func(target survey.User) error {
		if !survey.CanSetColleagueActive(fp, target) {
			return survey.ErrForbidden
		}
		return nil
	})
}

// Assignments are the sections of a round assigned in an institution.
func (s *Store) Assignments(ctx context.Context, roundID int64, code string) (survey.Assignments, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.section_id, a.user_id, u.name, u.email, coalesce(b.email, ''), a.assigned_at
		FROM section_assignments a JOIN users u ON u.id = a.user_id LEFT JOIN users b ON b.id = a.assigned_by
		WHERE a.round_id = ? AND a.institution_id = (SELECT id FROM institutions WHERE code = ?)`, roundID, strings.ToUpper(code))
	if err != nil {
		return nil, fmt.Errorf("survey: assignments: %w", err)
	}
	defer rows.Close()
	out := survey.Assignments{}
	for rows.Next() {
		var a survey.Assignment
		var at string
		if err := rows.Scan(&a.SectionID, &a.UserID, &a.UserName, &a.UserEmail, &a.AssignedBy, &at); err != nil {
			return nil, fmt.Errorf("survey: assignments: %w", err)
		}
		a.AssignedAt = parseTime(at)
		out[a.SectionID] = a
	}
	return out, rows.Err()
}

// AssignSection assigns a section of a round's questionnaire to an active
// respondent of the institution, or unassigns it (UserID 0). The
// coordinator or a focal point of the institution may (audited); the
// round must not be closed or published.
func (s *Store) AssignSection(ctx context.Context, actorID, roundID int64, code string, in survey.AssignmentInput) error {
	actor, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return err
	}
	code = strings.ToUpper(code)
	if !survey.CanAssignSections(actor, code) {
		return survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return err
	}
	if round.Status != survey.RoundDraft && round.Status != survey.RoundOpen {
		return survey.ErrInvalidTransition
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return err
	}
	known := false
	for _, sec := range q.Def.Sections {
		known = known || sec.ID == in.SectionID
	}
	if !known {
		return &survey.ValidationError{Fields: map[string]string{"section": "err.choose_one"}}
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		inst, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		var before, after map[string]string
		var oldEmail string
		err = tx.QueryRowContext(ctx, `SELECT u.email FROM section_assignments a JOIN users u ON u.id = a.user_id
			WHERE a.round_id = ? AND a.institution_id = ? AND a.section_id = ?`, roundID, inst.ID, in.SectionID).Scan(&oldEmail)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if oldEmail != "" {
			before = map[string]string{"section": in.SectionID, "user": oldEmail}
		}
		if in.UserID == 0 {
			if oldEmail == "" {
				return nil
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM section_assignments WHERE round_id = ? AND institution_id = ? AND section_id = ?",
				roundID, inst.ID, in.SectionID); err != nil {
				return fmt.Errorf("survey: unassign section: %w", err)
			}
		} else {
			who, err := getUser(ctx, tx, "u.id = ?", in.UserID)
			if err != nil || who.Role != survey.RoleRespondent || who.InstitutionCode != code || !who.Active {
				return &survey.ValidationError{Fields: map[string]string{"user": "err.assignee"}}
			}
			if who.Email == oldEmail {
				return nil
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO section_assignments (round_id, institution_id, section_id, user_id, assigned_by, assigned_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, institution_id, section_id) DO UPDATE SET
				user_id = excluded.user_id, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at`,
				roundID, inst.ID, in.SectionID, who.ID, nullID(actorID), formatTime(s.now()))
			if err != nil {
				return fmt.Errorf("survey: assign section: %w", err)
			}
			after = map[string]string{"section": in.SectionID, "user": who.Email}
		}
		var b, a any
		if before != nil {
			b = before
		}
		if after != nil {
			a = after
		}
		return s.audit(ctx, tx, actorID, "assign", "response", round.Name+"/"+code, b, a)
	})
}

// TeamBoard is, by institution code, how many sections are assigned in
// the round and the sign-off state of the response: what the
// coordinator's board shows of the teams.
func (s *Store) TeamBoard(ctx context.Context, roundID int64) (map[string]survey.TeamBoard, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT i.code, coalesce((SELECT count(*) FROM section_assignments a
			WHERE a.round_id = ? AND a.institution_id = i.id), 0),
		coalesce((SELECT CASE WHEN r.status IN ('draft', 'returned') OR r.signoff_state = 'approved' THEN r.signoff_state ELSE '' END
			FROM responses r WHERE r.round_id = ? AND r.institution_id = i.id), '')
		FROM institutions i`, roundID, roundID)
	if err != nil {
		return nil, fmt.Errorf("survey: team board: %w", err)
	}
	defer rows.Close()
	out := map[string]survey.TeamBoard{}
	for rows.Next() {
		var code string
		var t survey.TeamBoard
		if err := rows.Scan(&code, &t.Assigned, &t.Signoff); err != nil {
			return nil, fmt.Errorf("survey: team board: %w", err)
		}
		if t.Assigned > 0 || t.Signoff != "" {
			out[code] = t
		}
	}
	return out, rows.Err()
}

// SetRoundSignoff turns the round's sign-off requirement on or off
// (coordinators; audited). A closed or published round keeps what it had.
func (s *Store) SetRoundSignoff(ctx context.Context, actorID, roundID int64, on bool) (survey.Round, error) {
	var out survey.Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if before.Status != survey.RoundDraft && before.Status != survey.RoundOpen {
			return survey.ErrInvalidTransition
		}
		if out = before; before.RequiresSignoff == on {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE rounds SET requires_signoff = ?, updated_at = ? WHERE id = ?", on, formatTime(s.now()), roundID); err != nil {
			return fmt.Errorf("survey: round sign-off: %w", err)
		}
		out.RequiresSignoff = on
		return s.audit(ctx, tx, actorID, "signoff_setting", "round", before.Name,
			map[string]bool{"requires_signoff": before.RequiresSignoff}, map[string]bool{"requires_signoff": on})
	})
	return out, err
}

const signoffSelect = `SELECT r.id, r.signoff_state, r.signoff_comment, r.signoff_mark,
	coalesce((SELECT email FROM users WHERE id = r.signoff_requested_by), ''), coalesce(r.signoff_requested_at, ''),
	coalesce((SELECT email FROM users WHERE id = r.signoff_by), ''), coalesce(r.signoff_at, '') FROM responses r `

func scanSignoff(row interface{ Scan(...any) error }) (int64, survey.Signoff, string, error) {
	var so survey.Signoff
	var id int64
	var mark, reqAt, at string
	err := row.Scan(&id, &so.State, &so.Comment, &mark, &so.RequestedBy, &reqAt, &so.By, &at)
	so.RequestedAt, so.At = parseTime(reqAt), parseTime(at)
	return id, so, mark, err
}

// answersMark is survey.SignoffMark of a response's answers, counted in SQL.
func answersMark(ctx context.Context, q queryer, responseID int64) (string, error) {
	var n, sum int64
	err := q.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(version), 0) FROM answers WHERE response_id = ?", responseID).Scan(&n, &sum)
	if err != nil {
		return "", fmt.Errorf("survey: answers mark: %w", err)
	}
	return strconv.FormatInt(n, 10) + ":" + strconv.FormatInt(sum, 10), nil
}

// ResponseSignoff is where the institution's response to a round stands in
// its sign-off (the zero Signoff when there is no response yet), with
// whether the answers changed since it was sent.
func (s *Store) ResponseSignoff(ctx context.Context, roundID int64, code string) (survey.Signoff, error) {
	id, so, mark, err := scanSignoff(s.r.QueryRowContext(ctx, signoffSelect+responseOf, roundID, strings.ToUpper(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return survey.Signoff{}, nil
	}
	if err != nil {
		return so, fmt.Errorf("survey: sign-off: %w", err)
	}
	if so.Pending() {
		now, err := answersMark(ctx, s.r, id)
		if err != nil {
			return so, err
		}
		so.Changed = now != mark
	}
	return so, nil
}

// RequestSignoff sends a complete draft (or returned) response to the
// institution's head, in a round that requires sign-off (audited). The
// answers as they are now are what the head approves: a save after this
// makes the approval refuse (ErrSignoffChanged) until it is sent again.
func (s *Store) RequestSignoff(ctx context.Context, a survey.Actor, roundID int64, code string) (survey.Signoff, error) {
	code = strings.ToUpper(code)
	if !a.CanEditInstitution(code) {
		return survey.Signoff{}, survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.Signoff{}, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return survey.Signoff{}, err
	}
	var out survey.Signoff
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		_, before, _, err := scanSignoff(tx.QueryRowContext(ctx, signoffSelect+"WHERE r.id = ?", resp.ID))
		if err != nil {
			return err
		}
		if err := survey.CanRequestSignoff(round, resp); err != nil {
			return err
		}
		if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
			return err
		}
		answers, err := queryAnswers(ctx, tx, resp.ID)
		if err != nil {
			return err
		}
		if missing := survey.MissingAnswers(q.Def, answers); len(missing) > 0 {
			return &survey.ErrIncomplete{Items: missing}
		}
		now := formatTime(s.now())
		_, err = tx.ExecContext(ctx, `UPDATE responses SET signoff_state = 'pending', signoff_comment = '', signoff_mark = ?,
			signoff_requested_by = ?, signoff_requested_at = ?, signoff_by = NULL, signoff_at = NULL WHERE id = ?`,
			survey.SignoffMark(answers), nullID(a.ID), now, resp.ID)
		if err != nil {
			return fmt.Errorf("survey: request sign-off: %w", err)
		}
		if _, out, _, err = scanSignoff(tx.QueryRowContext(ctx, signoffSelect+"WHERE r.id = ?", resp.ID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "signoff_request", "response", round.Name+"/"+code,
			map[string]string{"signoff": before.State}, map[string]string{"signoff": out.State})
	})
	return out, err
}

// ApproveSignoff is the head approving the response sent to them: it is
// submitted (ResponseAction's "submit", with its checks, snapshot and
// score) in the same transaction that records the approval (audited).
// Only an active respondent of the institution with the sign-off flag
// may (ErrForbidden); answers changed since the response was sent are
// ErrSignoffChanged.
func (s *Store) ApproveSignoff(ctx context.Context, actorID, roundID int64, code string) (survey.Response, error) {
	head, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return survey.Response{}, err
	}
	code = strings.ToUpper(code)
	if !survey.CanSignOff(head, code) {
		return survey.Response{}, survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.Response{}, err
	}
	return s.responseAction(ctx, survey.ActorOf(head), roundID, code, "submit", func(tx *sql.Tx, resp survey.Response) error {
		_, before, mark, err := scanSignoff(tx.QueryRowContext(ctx, signoffSelect+"WHERE r.id = ?", resp.ID))
		if err != nil {
			return err
		}
		if err := survey.CanDecideSignoff(round, resp, before); err != nil {
			return err
		}
		now, err := answersMark(ctx, tx, resp.ID)
		if err != nil {
			return err
		}
		if now != mark {
			return survey.ErrSignoffChanged
		}
		_, err = tx.ExecContext(ctx, "UPDATE responses SET signoff_state = 'approved', signoff_by = ?, signoff_at = ? WHERE id = ?",
			head.ID, formatTime(s.now()), resp.ID)
		if err != nil {
			return fmt.Errorf("survey: approve sign-off: %w", err)
		}
		return s.audit(ctx, tx, head.ID, "signoff_approve", "response", round.Name+"/"+code,
			map[string]string{"signoff": before.State}, map[string]string{"signoff": survey.SignoffApproved})
	})
}

// SendBackSignoff is the head sending the response back to the
// institution's respondents with a comment (required, bounded; audited).
// The response stays a draft (or returned) and can be sent again.
func (s *Store) SendBackSignoff(ctx context.Context, actorID, roundID int64, code, comment string) error {
	// Who before what: someone else's comment is not even read.
	head, err := s.actingUser(ctx, s.r, actorID)
	if err != nil {
		return err
	}
	code = strings.ToUpper(code)
	if !survey.CanSignOff(head, code) {
		return survey.ErrForbidden
	}
	comment, err = survey.CheckSignoffComment(comment)
	if err != nil {
		return err
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		resp, err := scanResponse(tx.QueryRowContext(ctx, responseSelect+responseOf, roundID, code))
		if errors.Is(err, sql.ErrNoRows) {
			return survey.ErrInvalidTransition
		}
		if err != nil {
			return err
		}
		_, before, _, err := scanSignoff(tx.QueryRowContext(ctx, signoffSelect+"WHERE r.id = ?", resp.ID))
		if err != nil {
			return err
		}
		if err := survey.CanDecideSignoff(round, resp, before); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE responses SET signoff_state = 'sent_back', signoff_comment = ?, signoff_by = ?, signoff_at = ? WHERE id = ?",
			comment, head.ID, formatTime(s.now()), resp.ID)
		if err != nil {
			return fmt.Errorf("survey: send back: %w", err)
		}
		return s.audit(ctx, tx, head.ID, "signoff_send_back", "response", round.Name+"/"+code,
			map[string]string{"signoff": before.State}, map[string]string{"signoff": survey.SignoffSentBack, "comment": comment})
	})
}

// SignoffPreview is the score the response would have if submitted now:
// the self-assessed result from its answers and the institution's current
// catalog, as the submission computes it (the head's scorecard preview).
func (s *Store) SignoffPreview(ctx context.Context, roundID int64, code string) (survey.Result, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.Result{}, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return survey.Result{}, err
	}
	resp, err := scanResponse(s.r.QueryRowContext(ctx, responseSelect+responseOf, roundID, strings.ToUpper(code)))
	answers := survey.AnswerSet{}
	switch {
	case err == nil:
		if answers, err = queryAnswers(ctx, s.r, resp.ID); err != nil {
			return survey.Result{}, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return survey.Result{}, fmt.Errorf("survey: preview: %w", err)
	}
	services, err := s.InstitutionServices(ctx, code)
	if err != nil {
		return survey.Result{}, err
	}
	observed, err := s.observedTechOption(ctx, s.r, q.Def, round, services)
	if err != nil {
		return survey.Result{}, err
	}
	return survey.Score(q.Def, answers, services, survey.ScoreOptions{AsOf: round.OpenedAt, ObservedTech: observed}), nil
}
