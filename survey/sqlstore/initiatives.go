package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"marsad/survey"
)

const initiativeColumns = `n.id, i.code, i.name_ar, i.name_en, i.sector, i.region, i.kind, n.title_ar, n.title_en, n.summary_ar, n.summary_en,
	n.status, n.start_month, n.end_month, n.budget_band, n.outcome_ar, n.outcome_en, n.story, n.story_status, n.story_ar,
	n.story_en, n.figure_label_ar, n.figure_label_en, n.figure_before, n.figure_after, n.review_note, n.public, n.archived,
	n.version, n.created_at, n.updated_at`

func scanInitiative(row interface{ Scan(...any) error }) (survey.Initiative, error) {
	var in survey.Initiative
	var before, after sql.NullFloat64
	var created, updated string
	err := row.Scan(&in.ID, &in.InstitutionCode, &in.InstitutionAr, &in.InstitutionEn, &in.Sector, &in.Region, &in.InstitutionKind, &in.TitleAr,
		&in.TitleEn, &in.SummaryAr, &in.SummaryEn, &in.Status, &in.StartMonth, &in.EndMonth, &in.BudgetBand, &in.OutcomeAr,
		&in.OutcomeEn, &in.Story, &in.StoryStatus, &in.StoryAr, &in.StoryEn, &in.FigureLabelAr, &in.FigureLabelEn,
		&before, &after, &in.ReviewNote, &in.Public, &in.Archived, &in.Version, &created, &updated)
	if err != nil {
		return in, err
	}
	if before.Valid {
		in.FigureBefore = &before.Float64
	}
	if after.Valid {
		in.FigureAfter = &after.Float64
	}
	in.CreatedAt, in.UpdatedAt = parseTime(created), parseTime(updated)
	return in, nil
}

// dbQueryer is a connection pool or a transaction.
type dbQueryer interface {
	queryer
	rowsQueryer
}

// loadLinks fills the partners and services of the initiatives.
func loadLinks(ctx context.Context, q dbQueryer, list []survey.Initiative) error {
	if len(list) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]string, len(list))
	for i, in := range list {
		at[in.ID] = i
		ids[i] = strconv.FormatInt(in.ID, 10)
	}
	// The ids are integers from the database, joined, not user text.
	in := strings.Join(ids, ",")
	rows, err := q.QueryContext(ctx, "SELECT initiative_id, type, name, name_en FROM initiative_partners WHERE initiative_id IN ("+in+") ORDER BY initiative_id, position") // #nosec G202 -- integers only
	if err != nil {
		return fmt.Errorf("survey: initiative partners: %w", err)
	}
	for rows.Next() {
		var id int64
		var p survey.Partner
		if err := rows.Scan(&id, &p.Type, &p.Name, &p.NameEn); err != nil {
			_ = rows.Close()
			return err
		}
		list[at[id]].Partners = append(list[at[id]].Partners, p)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, "SELECT initiative_id, service_id FROM initiative_services WHERE initiative_id IN ("+in+") ORDER BY initiative_id, service_id") // #nosec G202 -- integers only
	if err != nil {
		return fmt.Errorf("survey: initiative services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, sid int64
		if err := rows.Scan(&id, &sid); err != nil {
			return err
		}
		list[at[id]].ServiceIDs = append(list[at[id]].ServiceIDs, sid)
	}
	return rows.Err()
}

func getInitiative(ctx context.Context, q dbQueryer, id int64) (survey.Initiative, error) {
	in, err := scanInitiative(q.QueryRowContext(ctx, "SELECT "+initiativeColumns+
		" FROM initiatives n JOIN institutions i ON i.id = n.institution_id WHERE n.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, survey.ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("survey: initiative %d: %w", id, err)
	}
	list := []survey.Initiative{in}
	err = loadLinks(ctx, q, list)
	return list[0], err
}

// Initiative returns one initiative, archived or not.
func (s *Store) Initiative(ctx context.Context, id int64) (survey.Initiative, error) {
	return getInitiative(ctx, s.r, id)
}

// ListInitiatives lists initiatives, newest change first.
func (s *Store) ListInitiatives(ctx context.Context, f survey.InitiativeFilter) ([]survey.Initiative, error) {
	where := []string{"n.archived = ?"}
	args := []any{f.Archived}
	for _, c := range []struct{ col, v string }{{"i.code", f.Institution}, {"n.status", f.Status}, {"i.sector", f.Sector}, {"i.region", f.Region}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if f.ActiveOnly {
		where = append(where, "i.active = 1")
	}
	if f.PublicOnly {
		where = append(where, "n.public = 1")
	}
	if f.StoryStatus != "" {
		where = append(where, "n.story = 1 AND n.story_status = ?")
		args = append(args, f.StoryStatus)
	}
	if f.PartnerType != "" {
		where = append(where, "EXISTS (SELECT 1 FROM initiative_partners p WHERE p.initiative_id = n.id AND p.type = ?)")
		args = append(args, f.PartnerType)
	}
	// #nosec G202 -- only fixed column names are concatenated; values are bound
	rows, err := s.r.QueryContext(ctx, "SELECT "+initiativeColumns+
		" FROM initiatives n JOIN institutions i ON i.id = n.institution_id WHERE "+strings.Join(where, " AND ")+
		" ORDER BY n.updated_at DESC, n.id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("survey: list initiatives: %w", err)
	}
	var out []survey.Initiative
	for rows.Next() {
		in, err := scanInitiative(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: list initiatives: %w", err)
		}
		out = append(out, in)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadLinks(ctx, s.r, out)
}

// PublicStories lists the approved success stories of active institutions,
// newest first; limit 0 for all.
func (s *Store) PublicStories(ctx context.Context, limit int) ([]survey.Initiative, error) {
	list, err := s.ListInitiatives(ctx, survey.InitiativeFilter{StoryStatus: survey.StoryApproved, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	return list, nil
}

// CreateInitiative validates in and adds it to an institution. A
// respondent may add only to their own institution. A story starts
// pending the coordinator's approval.
func (s *Store) CreateInitiative(ctx context.Context, a survey.Actor, in survey.InitiativeInput) (survey.Initiative, error) {
	n, err := survey.CheckInitiative(in)
	if err != nil {
		return survey.Initiative{}, err
	}
	if !a.CanEditInstitution(n.InstitutionCode) {
		return survey.Initiative{}, survey.ErrForbidden
	}
	if n.Public, err = publicMark(a, false, in.Public); err != nil {
		return survey.Initiative{}, err
	}
	var out survey.Initiative
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inst, err := getInstitution(ctx, tx, n.InstitutionCode)
		if errors.Is(err, survey.ErrNotFound) {
			return &survey.ValidationError{Fields: map[string]string{"institution": "err.institution_unknown"}}
		}
		if err != nil {
			return err
		}
		n.StoryStatus = survey.StoryNone
		if n.Story {
			n.StoryStatus = survey.StoryPending
		}
		now := formatTime(s.now())
		id, err := insertID(ctx, tx, `INSERT INTO initiatives (institution_id, title_ar, title_en, summary_ar, summary_en, status,
			start_month, end_month, budget_band, outcome_ar, outcome_en, story, story_status, story_ar, story_en, figure_label_ar,
			figure_label_en, figure_before, figure_after, public, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			inst.ID, n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand,
			n.OutcomeAr, n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn,
			n.FigureBefore, n.FigureAfter, n.Public, now, now)
		if err != nil {
			return fmt.Errorf("survey: create initiative: %w", err)
		}
		if err := writeLinks(ctx, tx, id, inst.ID, n); err != nil {
			return err
		}
		if out, err = getInitiative(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "create", "initiative", initiativeKey(out), nil, out)
	})
	return out, err
}

func initiativeKey(in survey.Initiative) string {
	return in.InstitutionCode + "/" + strconv.FormatInt(in.ID, 10)
}

// writeLinks replaces an initiative's partners and services; every service
// must belong to the initiative's institution.
func writeLinks(ctx context.Context, tx *sql.Tx, id, instID int64, n survey.Initiative) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM initiative_partners WHERE initiative_id = ?", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM initiative_services WHERE initiative_id = ?", id); err != nil {
		return err
	}
	for i, p := range n.Partners {
		if _, err := tx.ExecContext(ctx, "INSERT INTO initiative_partners (initiative_id, position, type, name, name_en) VALUES (?, ?, ?, ?, ?)",
			id, i, p.Type, p.Name, p.NameEn); err != nil {
			return fmt.Errorf("survey: initiative partner: %w", err)
		}
	}
	for _, sid := range n.ServiceIDs {
		res, err := tx.ExecContext(ctx, `INSERT INTO initiative_services (initiative_id, service_id)
			SELECT ?, id FROM services WHERE id = ? AND institution_id = ?`, id, sid, instID)
		if err != nil {
			return fmt.Errorf("survey: initiative service: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &survey.ValidationError{Fields: map[string]string{"services": "err.service_not_own"}}
		}
	}
	return nil
}

// UpdateInitiative changes an initiative. in.Version must be the version
// the editor started from, else ErrConflict. When a respondent changes a
// story's text or figures, it waits for approval again.
func (s *Store) UpdateInitiative(ctx context.Context, a survey.Actor, id int64, in survey.InitiativeInput) (survey.Initiative, error) {
	var out survey.Initiative
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		if before.Archived {
			return survey.ErrNotFound // archived: off every list, not to be edited
		}
		in.InstitutionCode = before.InstitutionCode
		n, err := survey.CheckInitiative(in)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return survey.ErrConflict
		}
		if n.Public, err = publicMark(a, before.Public, in.Public); err != nil {
			return err
		}
		n.StoryStatus = before.StoryStatus
		switch {
		case !n.Story:
			n.StoryStatus = survey.StoryNone
		case before.StoryStatus == survey.StoryNone || (a.Role != survey.RoleAdmin && storyChanged(before, n)):
			n.StoryStatus = survey.StoryPending
		}
		_, err = tx.ExecContext(ctx, `UPDATE initiatives SET title_ar = ?, title_en = ?, summary_ar = ?, summary_en = ?, status = ?,
			start_month = ?, end_month = ?, budget_band = ?, outcome_ar = ?, outcome_en = ?, story = ?, story_status = ?,
			story_ar = ?, story_en = ?, figure_label_ar = ?, figure_label_en = ?, figure_before = ?, figure_after = ?,
			public = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand, n.OutcomeAr,
			n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn, n.FigureBefore,
			n.FigureAfter, n.Public, formatTime(s.now()), id)
		if err != nil {
			return fmt.Errorf("survey: update initiative %d: %w", id, err)
		}
		inst, err := getInstitution(ctx, tx, before.InstitutionCode)
		if err != nil {
			return err
		}
		if err := writeLinks(ctx, tx, id, inst.ID, n); err != nil {
			return err
		}
		if out, err = getInitiative(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "update", "initiative", initiativeKey(out), before, out)
	})
	return out, err
}

// publicMark is an initiative's public mark after a save that asks for
// want (nil: keep it) when it is now current. Only the coordinator may
// change it; anyone else asking for the other value is refused, while
// sending back the current value (what a read returned) is fine.
func publicMark(a survey.Actor, current bool, want *bool) (bool, error) {
	if want == nil || *want == current {
		return current, nil
	}
	if a.Role != survey.RoleAdmin {
		return current, survey.ErrForbidden
	}
	return *want, nil
}

// SetInitiativePublic puts an initiative in the public registry or takes
// it out: the coordinator's decision, audited ("publish" or "unpublish").
// version is the version the coordinator read (ErrConflict when it changed
// since, so nothing is published unseen); an archived initiative cannot
// be published.
func (s *Store) SetInitiativePublic(ctx context.Context, a survey.Actor, id, version int64, public bool) (survey.Initiative, error) {
	if a.Role != survey.RoleAdmin {
		return survey.Initiative{}, survey.ErrForbidden
	}
	var out survey.Initiative
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Archived {
			return survey.ErrNotFound
		}
		if before.Version != version {
			return survey.ErrConflict
		}
		if before.Public == public {
			out = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE initiatives SET public = ?, version = version + 1, updated_at = ? WHERE id = ?",
			public, formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: publish initiative %d: %w", id, err)
		}
		if out, err = getInitiative(ctx, tx, id); err != nil {
			return err
		}
		action := "publish"
		if !public {
			action = "unpublish"
		}
		return s.audit(ctx, tx, a.ID, action, "initiative", initiativeKey(out), before, out)
	})
	return out, err
}

// storyChanged says whether what the public reads on a story's page
// changed: its text, figures, outcome, period or partners.
func storyChanged(before, after survey.Initiative) bool {
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return before.StoryAr != after.StoryAr || before.StoryEn != after.StoryEn || before.TitleAr != after.TitleAr ||
		before.TitleEn != after.TitleEn || before.FigureLabelAr != after.FigureLabelAr ||
		before.FigureLabelEn != after.FigureLabelEn || !eq(before.FigureBefore, after.FigureBefore) ||
		!eq(before.FigureAfter, after.FigureAfter) || before.OutcomeAr != after.OutcomeAr ||
		before.OutcomeEn != after.OutcomeEn || before.StartMonth != after.StartMonth || before.EndMonth != after.EndMonth ||
		!slices.Equal(before.Partners, after.Partners)
}

// ArchiveInitiative takes an initiative off every list (it stays in the
// audit log, can be listed as archived and restored).
func (s *Store) ArchiveInitiative(ctx context.Context, a survey.Actor, id int64) error {
	return s.setInitiativeArchived(ctx, a, id, true)
}

// RestoreInitiative puts an archived initiative back on the lists, as it
// was: an approved story is public again, since archiving changed nothing
// in it.
func (s *Store) RestoreInitiative(ctx context.Context, a survey.Actor, id int64) error {
	return s.setInitiativeArchived(ctx, a, id, false)
}

func (s *Store) setInitiativeArchived(ctx context.Context, a survey.Actor, id int64, archived bool) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		if before.Archived == archived {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE initiatives SET archived = ?, version = version + 1, updated_at = ? WHERE id = ?",
			archived, formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: archive initiative %d: %w", id, err)
		}
		after, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		action := "archive"
		if !archived {
			action = "restore"
		}
		return s.audit(ctx, tx, a.ID, action, "initiative", initiativeKey(after), before, after)
	})
}

// ReviewStory approves a pending success story (it becomes public) or
// rejects it with a note the institution reads. Admins only. version is
// the version the coordinator read: a story changed since is not approved
// unseen (ErrConflict).
func (s *Store) ReviewStory(ctx context.Context, a survey.Actor, id, version int64, approve bool, note string) error {
	if a.Role != survey.RoleAdmin {
		return survey.ErrForbidden
	}
	note = survey.NormalizeNewlines(note)
	fe := survey.FieldErrors{}
	if !approve && note == "" {
		fe.Add("review_note", "err.comment_required")
	}
	survey.CheckLongText(fe, "review_note", note)
	if err := fe.Err(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if !before.Story || before.Archived {
			return survey.ErrNotFound
		}
		if before.Version != version {
			return survey.ErrConflict
		}
		if before.StoryStatus != survey.StoryPending {
			return survey.ErrInvalidTransition
		}
		status := survey.StoryRejected
		if approve {
			status = survey.StoryApproved
		}
		now := formatTime(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE initiatives SET story_status = ?, review_note = ?, reviewed_at = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, status, note, now, now, id); err != nil {
			return fmt.Errorf("survey: review story %d: %w", id, err)
		}
		after, err := getInitiative(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.notifyStory(ctx, tx, after, approve, note); err != nil { // notify.go
			return err
		}
		return s.audit(ctx, tx, a.ID, "story_"+status, "initiative", initiativeKey(after), before, after)
	})
}
