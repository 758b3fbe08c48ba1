package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"marsad/survey"
)

// Evidence files on initiatives and success stories (migration 0018): the
// same files as an answer's (kept once by SHA-256, in chunks), the same
// limits and checks; docs/evidence.md says which round's total they count
// in and who may download them.

const initiativeEvidenceSelect = `SELECT v.id, v.initiative_id, v.title, v.filename, coalesce(v.round_id, 0),
	coalesce((SELECT email FROM users WHERE id = v.uploaded_by), ''), v.uploaded_at, f.sha256, f.size, f.content_type
	FROM initiative_evidence v JOIN evidence_files f ON f.sha256 = v.sha256 `

func scanInitiativeEvidence(row interface{ Scan(...any) error }) (survey.EvidenceLink, error) {
	var l survey.EvidenceLink
	var at string
	err := row.Scan(&l.ID, &l.InitiativeID, &l.Title, &l.Filename, &l.RoundID, &l.UploadedBy, &at,
		&l.File.SHA256, &l.File.Size, &l.File.ContentType)
	l.UploadedAt = parseTime(at)
	return l, err
}

// InitiativeEvidence lists the files attached to an initiative, oldest
// first.
func (s *Store) InitiativeEvidence(ctx context.Context, initiativeID int64) ([]survey.EvidenceLink, error) {
	return queryAll(ctx, s.r, "initiative evidence", scanInitiativeEvidence, initiativeEvidenceSelect+"WHERE v.initiative_id = ? ORDER BY v.id", initiativeID)
}

// InitiativeEvidenceLink is one file of an initiative (ErrNotFound when
// the initiative has no attachment with that id).
func (s *Store) InitiativeEvidenceLink(ctx context.Context, initiativeID, id int64) (survey.EvidenceLink, error) {
	l, err := scanInitiativeEvidence(s.r.QueryRowContext(ctx, initiativeEvidenceSelect+"WHERE v.initiative_id = ? AND v.id = ?", initiativeID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("survey: initiative evidence %d: %w", id, survey.ErrNotFound)
	}
	return l, err
}

// AttachInitiativeEvidence attaches a file to an initiative of the actor's
// institution (or any, for the coordinator); not to an archived one. The
// file counts in the institution's total of the round open now (the
// newest open one that is not a test), or, with none open, in the
// allowance of files attached outside any round. A respondent's file on a
// story already reviewed sends the story back for review: the public
// would otherwise download a file the coordinator never saw. Audited.
func (s *Store) AttachInitiativeEvidence(ctx context.Context, a survey.Actor, initiativeID int64, in survey.EvidenceInput) (survey.EvidenceLink, error) {
	var out survey.EvidenceLink
	title, err := survey.CheckEvidenceTitle(in.Title, in.Filename)
	if err != nil {
		return out, err
	}
	if len(in.File.SHA256) != 64 || in.File.Size <= 0 || in.File.ContentType == "" {
		return out, survey.ErrEvidenceType
	}
	limits, err := s.EvidenceLimits(ctx)
	if err != nil {
		return out, err
	}
	if in.File.Size > limits.FileBytes {
		return out, survey.ErrEvidenceTooBig
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		n, err := s.editableInitiative(ctx, tx, a, initiativeID)
		if err != nil {
			return err
		}
		var round sql.NullInt64
		var roundName string
		err = tx.QueryRowContext(ctx, `SELECT id, name FROM rounds WHERE status = ? AND archived_at IS NULL AND test = 0
			ORDER BY id DESC LIMIT 1`, survey.RoundOpen).Scan(&round, &roundName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: initiative evidence round: %w", err)
		}
		if err := checkRoundQuota(ctx, tx, round, n.InstitutionCode, in.File, limits); err != nil {
			return err
		}
		if err := s.storeEvidenceFile(ctx, tx, in); err != nil {
			return err
		}
		id, err := insertID(ctx, tx, `INSERT INTO initiative_evidence (initiative_id, round_id, sha256, title, filename, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, round, in.File.SHA256, title, survey.CleanEvidenceName(in.Filename),
			nullID(a.ID), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: attach initiative evidence: %w", err)
		}
		if out, err = scanInitiativeEvidence(tx.QueryRowContext(ctx, initiativeEvidenceSelect+"WHERE v.id = ?", id)); err != nil {
			return err
		}
		if err := s.storyFilesChanged(ctx, tx, a, n); err != nil {
			return err
		}
		audit := initiativeEvidenceAudit(out)
		audit["round"] = roundName
		return s.audit(ctx, tx, a.ID, "attach", "evidence", initiativeEvidenceKey(n), nil, audit)
	})
	return out, err
}

// DetachInitiativeEvidence removes one file from an initiative (same
// rules as attaching); the file goes too once nothing refers to it.
// Audited.
func (s *Store) DetachInitiativeEvidence(ctx context.Context, a survey.Actor, initiativeID, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		n, err := s.editableInitiative(ctx, tx, a, initiativeID)
		if err != nil {
			return err
		}
		l, err := scanInitiativeEvidence(tx.QueryRowContext(ctx, initiativeEvidenceSelect+"WHERE v.initiative_id = ? AND v.id = ?", n.ID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: initiative evidence %d: %w", id, survey.ErrNotFound)
		}
		if err != nil {
			return err
		}
		// The file goes too once nothing refers to it (a trigger, 0018).
		if _, err := tx.ExecContext(ctx, "DELETE FROM initiative_evidence WHERE id = ?", id); err != nil {
			return fmt.Errorf("survey: detach initiative evidence: %w", err)
		}
		if err := s.storyFilesChanged(ctx, tx, a, n); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "detach", "evidence", initiativeEvidenceKey(n), initiativeEvidenceAudit(l), nil)
	})
}

// editableInitiative is the initiative when the actor may change its
// files: their institution's (or the coordinator's), not archived.
func (s *Store) editableInitiative(ctx context.Context, tx *sql.Tx, a survey.Actor, id int64) (survey.Initiative, error) {
	n, err := getInitiative(ctx, tx, id)
	if err != nil {
		return n, err
	}
	if !a.CanEditInstitution(n.InstitutionCode) {
		return n, survey.ErrForbidden
	}
	if n.Archived {
		return n, survey.ErrNotFound // archived: off every list, not to be changed
	}
	return n, nil
}

// storyFilesChanged marks a story's files as changed: its version moves
// (a coordinator approving what they read before is refused, ErrConflict)
// and, when a respondent changed them after the review, the story waits
// for review again, as when its text changes (UpdateInitiative).
func (s *Store) storyFilesChanged(ctx context.Context, tx *sql.Tx, a survey.Actor, n survey.Initiative) error {
	if !n.Story {
		return nil
	}
	status := n.StoryStatus
	if a.Role != survey.RoleAdmin && (status == survey.StoryApproved || status == survey.StoryRejected) {
		status = survey.StoryPending
	}
	if _, err := tx.ExecContext(ctx, "UPDATE initiatives SET story_status = ?, version = version + 1, updated_at = ? WHERE id = ?",
		status, formatTime(s.now()), n.ID); err != nil {
		return fmt.Errorf("survey: initiative %d: %w", n.ID, err)
	}
	if status != n.StoryStatus {
		return s.audit(ctx, tx, a.ID, "story_files_changed", "initiative", initiativeKey(n),
			map[string]any{"story_status": n.StoryStatus}, map[string]any{"story_status": status})
	}
	return nil
}

func initiativeEvidenceKey(n survey.Initiative) string {
	return "initiative/" + n.InstitutionCode + "/" + strconv.FormatInt(n.ID, 10)
}

// initiativeEvidenceAudit is what the audit log keeps of an initiative's
// file: the file by its hash.
func initiativeEvidenceAudit(l survey.EvidenceLink) map[string]any {
	return map[string]any{"initiative": l.InitiativeID, "title": l.Title, "file": l.Filename, "sha256": l.File.SHA256,
		"size": l.File.Size, "type": l.File.ContentType}
}
