package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"marsad/survey"
)

// evidenceChunk is the size of one stored piece of a file: a whole BLOB
// passes through the driver's memory, so a file is written and read a
// chunk at a time (migration 0016).
const evidenceChunk = 256 << 10

// EvidenceLimits are the limits in force, from the settings, with the
// defaults of survey when unset or unreadable.
func (s *Store) EvidenceLimits(ctx context.Context) (survey.EvidenceLimits, error) {
	l := survey.EvidenceLimits{FileBytes: survey.DefaultEvidenceFileBytes, RoundBytes: survey.DefaultEvidenceRoundBytes}
	for key, dst := range map[string]*int64{"evidence_file_max_bytes": &l.FileBytes, "evidence_round_max_bytes": &l.RoundBytes} {
		v, err := s.Setting(ctx, key)
		if err != nil {
			return l, err
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			*dst = n
		}
	}
	l.FileBytes = min(l.FileBytes, survey.MaxEvidenceFileBytes)
	return l, nil
}

const evidenceSelect = `SELECT e.id, e.response_id, e.item_id, e.title, e.filename, e.answer_version,
	coalesce((SELECT email FROM users WHERE id = e.uploaded_by), ''), e.uploaded_at, f.sha256, f.size, f.content_type
	FROM answer_evidence e JOIN evidence_files f ON f.sha256 = e.sha256 `

func scanEvidence(row interface{ Scan(...any) error }) (survey.EvidenceLink, error) {
	var l survey.EvidenceLink
	var at string
	err := row.Scan(&l.ID, &l.ResponseID, &l.ItemID, &l.Title, &l.Filename, &l.AnswerVersion, &l.UploadedBy, &at,
		&l.File.SHA256, &l.File.Size, &l.File.ContentType)
	l.UploadedAt = parseTime(at)
	return l, err
}

// ResponseEvidence lists the files attached to a response's answers, by
// question then time.
func (s *Store) ResponseEvidence(ctx context.Context, responseID int64) ([]survey.EvidenceLink, error) {
	return queryAll(ctx, s.r, "evidence", scanEvidence, evidenceSelect+"WHERE e.response_id = ? ORDER BY e.item_id, e.id", responseID)
}

// EvidenceLink is one attachment of a response (ErrNotFound when the
// response has no attachment with that id).
func (s *Store) EvidenceLink(ctx context.Context, responseID, id int64) (survey.EvidenceLink, error) {
	l, err := scanEvidence(s.r.QueryRowContext(ctx, evidenceSelect+"WHERE e.response_id = ? AND e.id = ?", responseID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("survey: evidence %d: %w", id, survey.ErrNotFound)
	}
	return l, err
}

// WriteEvidence copies a stored file's content to w a chunk at a time.
func (s *Store) WriteEvidence(ctx context.Context, sha string, w io.Writer) error {
	for seq := 0; ; seq++ {
		var b []byte
		err := s.r.QueryRowContext(ctx, "SELECT data FROM evidence_chunks WHERE sha256 = ? AND seq = ?", sha, seq).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("survey: evidence content: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
}

// AttachEvidence attaches a file to an answer of the institution's
// response in the round: refused like an answer's save once the round is
// not open or its deadline (or the institution's extension) has passed,
// over the limits, or for a question that takes no evidence. A file
// already stored (the same SHA-256) is not stored again. Audited with the
// answer's version.
func (s *Store) AttachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.EvidenceInput) (survey.EvidenceLink, error) {
	var out survey.EvidenceLink
	if !a.CanEditInstitution(code) {
		return out, survey.ErrForbidden
	}
	code = strings.ToUpper(code)
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
		round, err := s.editableRound(ctx, tx, a, roundID, code)
		if err != nil {
			return err
		}
		q, err := s.Questionnaire(ctx, round.QuestionnaireID)
		if err != nil {
			return err
		}
		it, ok := q.Def.Item(in.ItemID)
		if !ok || it.Type == survey.TypeMetric {
			return fmt.Errorf("survey: item %q: %w", in.ItemID, survey.ErrNotFound)
		}
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if !resp.Editable() {
			return survey.ErrInvalidTransition
		}
		if err := checkRoundQuota(ctx, tx, sql.NullInt64{Int64: roundID, Valid: true}, code, in.File, limits); err != nil {
			return err
		}
		if err := s.storeEvidenceFile(ctx, tx, in); err != nil {
			return err
		}
		var version int
		err = tx.QueryRowContext(ctx, "SELECT coalesce((SELECT version FROM answers WHERE response_id = ? AND item_id = ?), 0)",
			resp.ID, in.ItemID).Scan(&version)
		if err != nil {
			return fmt.Errorf("survey: evidence: %w", err)
		}
		id, err := insertID(ctx, tx, `INSERT INTO answer_evidence (response_id, item_id, sha256, title, filename, answer_version, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, resp.ID, in.ItemID, in.File.SHA256, title, survey.CleanEvidenceName(in.Filename),
			version, nullID(a.ID), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: attach evidence: %w", err)
		}
		if out, err = scanEvidence(tx.QueryRowContext(ctx, evidenceSelect+"WHERE e.id = ?", id)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "attach", "evidence", round.Name+"/"+code+"/"+in.ItemID, nil, evidenceAudit(out))
	})
	return out, err
}

// DetachEvidence removes one attachment from a response (same rules as
// attaching); the file goes too once nothing refers to it. Audited.
func (s *Store) DetachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, id int64) error {
	if !a.CanEditInstitution(code) {
		return survey.ErrForbidden
	}
	code = strings.ToUpper(code)
	return s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := s.editableRound(ctx, tx, a, roundID, code)
		if err != nil {
			return err
		}
		resp, err := scanResponse(tx.QueryRowContext(ctx, responseSelect+responseOf, roundID, code))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: evidence %d: %w", id, survey.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if !resp.Editable() {
			return survey.ErrInvalidTransition
		}
		l, err := scanEvidence(tx.QueryRowContext(ctx, evidenceSelect+"WHERE e.response_id = ? AND e.id = ?", resp.ID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: evidence %d: %w", id, survey.ErrNotFound)
		}
		if err != nil {
			return err
		}
		// The file goes too once nothing refers to it (a trigger, 0016).
		if _, err := tx.ExecContext(ctx, "DELETE FROM answer_evidence WHERE id = ?", id); err != nil {
			return fmt.Errorf("survey: detach evidence: %w", err)
		}
		return s.audit(ctx, tx, a.ID, "detach", "evidence", round.Name+"/"+code+"/"+l.ItemID, evidenceAudit(l), nil)
	})
}

// evidenceAudit is what the audit log keeps of an attachment: the file
// by its hash, and the answer's version it was given with.
func evidenceAudit(l survey.EvidenceLink) map[string]any {
	return map[string]any{"item": l.ItemID, "title": l.Title, "file": l.Filename, "sha256": l.File.SHA256,
		"size": l.File.Size, "type": l.File.ContentType, "answer_version": l.AnswerVersion}
}

// checkRoundQuota refuses a file that would take the institution's files
// in the round (NULL: its initiative files attached with no round open)
// past the limit. The total counts each distinct file once, whether it is
// attached to answers of the round's response or to the institution's
// initiatives while the round was open; a file already counted adds
// nothing.
func checkRoundQuota(ctx context.Context, tx *sql.Tx, round sql.NullInt64, code string, f survey.EvidenceFile, limits survey.EvidenceLimits) error {
	var used int64
	var have bool
	err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0), coalesce(max(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), 0) FROM evidence_files WHERE sha256 IN (
			SELECT e.sha256 FROM answer_evidence e JOIN responses r ON r.id = e.response_id
			WHERE r.round_id = ? AND r.institution_id = (SELECT id FROM institutions WHERE code = ?)
			UNION
			SELECT v.sha256 FROM initiative_evidence v JOIN initiatives n ON n.id = v.initiative_id
			WHERE v.round_id IS NOT DISTINCT FROM ? AND n.institution_id = (SELECT id FROM institutions WHERE code = ?))`,
		f.SHA256, round, code, round, code).Scan(&used, &have)
	if err != nil {
		return fmt.Errorf("survey: evidence quota: %w", err)
	}
	if !have && used+f.Size > limits.RoundBytes {
		return survey.ErrEvidenceQuota
	}
	return nil
}

// editableRound is the round when the actor may still change the
// institution's answers in it: open, before its deadline or extension.
func (s *Store) editableRound(ctx context.Context, tx *sql.Tx, a survey.Actor, roundID int64, code string) (survey.Round, error) {
	round, err := getRound(ctx, tx, roundID)
	if err != nil {
		return round, err
	}
	if !round.Editable() {
		return round, survey.ErrInvalidTransition
	}
	if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
		return round, err
	}
	return round, nil
}

// storeEvidenceFile stores the file's content unless a file with the same
// SHA-256 is stored already.
func (s *Store) storeEvidenceFile(ctx context.Context, tx *sql.Tx, in survey.EvidenceInput) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO evidence_files (sha256, size, content_type, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, in.File.SHA256, in.File.Size, in.File.ContentType, formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("survey: store evidence: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // stored once already
	}
	buf := make([]byte, evidenceChunk)
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(in.Body, buf)
		if n > 0 {
			total += int64(n)
			if _, err := tx.ExecContext(ctx, "INSERT INTO evidence_chunks (sha256, seq, data) VALUES (?, ?, ?)", in.File.SHA256, seq, buf[:n]); err != nil {
				return fmt.Errorf("survey: store evidence: %w", err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("survey: store evidence: %w", err)
		}
	}
	if total != in.File.Size {
		return fmt.Errorf("survey: store evidence: read %d bytes of %d", total, in.File.Size)
	}
	return nil
}

// SetEvidenceLimits changes the limits (the coordinator's; audited). A
// per-file limit above survey.MaxEvidenceFileBytes is refused: the upload
// route's body limit is set from that.
func (s *Store) SetEvidenceLimits(ctx context.Context, a survey.Actor, l survey.EvidenceLimits) error {
	if a.Role != survey.RoleAdmin {
		return survey.ErrForbidden
	}
	if l.FileBytes <= 0 || l.FileBytes > survey.MaxEvidenceFileBytes || l.RoundBytes <= 0 {
		return survey.ErrEvidenceTooBig
	}
	before, err := s.EvidenceLimits(ctx)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if err := setSetting(ctx, tx, "evidence_file_max_bytes", strconv.FormatInt(l.FileBytes, 10)); err != nil {
			return err
		}
		if err := setSetting(ctx, tx, "evidence_round_max_bytes", strconv.FormatInt(l.RoundBytes, 10)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "update", "settings", "evidence_limits", before, l)
	})
}

// evidenceStored counts the stored files and their chunks (for tests:
// the same content attached twice is stored once).
func (s *Store) evidenceStored(ctx context.Context) (files, chunks int, err error) {
	err = s.r.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM evidence_files), (SELECT count(*) FROM evidence_chunks)").Scan(&files, &chunks)
	return files, chunks, err
}
