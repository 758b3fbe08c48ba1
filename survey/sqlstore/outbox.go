package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"marsad/survey"
)

// The outbox (issue 18; docs/mail.md): messages written in the transaction
// of the change that causes them, and the worker's claims, results and
// retries.

// mailSwitch says whether messages are queued: only when the server has
// mail configured (EnableMail). Without it, enqueueMail does nothing and
// Marsad works as before (links to copy), so that nothing piles up to be
// sent the day mail is configured.
type mailSwitch struct {
	domain atomic.Pointer[string] // the Message-ID's domain; nil = off
}

func (m *mailSwitch) get() (string, bool) {
	if p := m.domain.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// EnableMail turns queuing of messages on, with domain (the sender's) for
// the Message-IDs; "" turns it off. main calls it when SMTP is configured.
func (s *Store) EnableMail(domain string) {
	if domain == "" {
		s.mail.domain.Store(nil)
		return
	}
	s.mail.domain.Store(&domain)
}

// MailEnabled says whether messages are queued (mail is configured).
func (s *Store) MailEnabled() bool {
	_, on := s.mail.get()
	return on
}

// newMessageID is a Message-ID (without the angle brackets) made once at
// enqueue: a copy sent again after a crash carries the same one.
func newMessageID(domain string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "marsad." + hex.EncodeToString(b) + "@" + domain
}

// enqueueMail puts m in the outbox inside tx, the transaction of the change
// that causes it, so that the message exists if and only if the change was
// committed. It does nothing (false, nil) when mail is not configured, when
// m.DedupeKey was queued before, or when m is optional and its recipient
// turned optional mail off. An invalid m is an error wrapping
// survey.ErrMailInvalid (a programming error: callers build m).
func (s *Store) enqueueMail(ctx context.Context, tx *sql.Tx, m survey.Mail) (bool, error) {
	domain, on := s.mail.get()
	if !on {
		return false, nil
	}
	m.To = survey.NormalizeEmail(m.To)
	if m.Kind == "" || len(m.Kind) > 40 || !survey.ValidEmail(m.To) || (m.Lang != "" && m.Lang != "ar" && m.Lang != "en") ||
		len(m.Link) > survey.MaxMailLink || len(m.Secret) > survey.MaxMailSecret || len(m.DedupeKey) > survey.MaxMailDedupeKey ||
		len(m.Params) > survey.MaxMailParams || strings.HasPrefix(m.Link, "/") {
		return false, fmt.Errorf("%w: %s to %q", survey.ErrMailInvalid, m.Kind, m.To)
	}
	for k, v := range m.Params {
		if len(k) > 64 || len(v) > survey.MaxMailParamLen {
			return false, fmt.Errorf("%w: %s: param %q too long", survey.ErrMailInvalid, m.Kind, k)
		}
	}
	lang := m.Lang
	if m.UserID != 0 {
		var userLang string
		var optout bool
		err := tx.QueryRowContext(ctx, "SELECT lang, mail_optout FROM users WHERE id = ?", m.UserID).Scan(&userLang, &optout)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("survey: enqueue mail: %w", err)
		}
		if optout && !m.Kind.Mandatory() {
			return false, nil
		}
		if lang == "" {
			lang = userLang
		}
	}
	lang = survey.MailLang(lang)
	params := m.Params
	if params == nil {
		params = map[string]string{}
	}
	pj, err := json.Marshal(params)
	if err != nil || len(pj) > survey.MaxMailParamsJSON {
		return false, fmt.Errorf("%w: %s: params too long", survey.ErrMailInvalid, m.Kind)
	}
	now := formatTime(s.now())
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, recipient, user_id, lang, institution_id, round_id, link, secret, params,
		dedupe_key, message_id, status, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
		string(m.Kind), m.To, nullID(m.UserID), lang, nullID(m.InstitutionID), nullID(m.RoundID), m.Link,
		sql.NullString{String: m.Secret, Valid: m.Secret != ""}, string(pj),
		sql.NullString{String: m.DedupeKey, Valid: m.DedupeKey != ""}, newMessageID(domain), now, now)
	if err != nil {
		return false, fmt.Errorf("survey: enqueue mail: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// outboxColumns are read by every query of the outbox; body is either the
// stored texts (one message) or empty strings (lists), secret likewise.
func outboxColumns(withBody, withSecret bool) string {
	body := "o.subject, '', ''"
	if withBody {
		body = "o.subject, o.body_text, o.body_html"
	}
	secret := "''"
	if withSecret {
		secret = "coalesce(o.secret, '')" // #nosec G101 -- a column name, not a credential
	}
	return `o.id, o.kind, o.recipient, coalesce(o.user_id, 0), o.lang, coalesce(o.institution_id, 0), coalesce(o.round_id, 0),
		o.link, ` + secret + `, o.params, coalesce(o.dedupe_key, ''), o.message_id, o.status, o.attempts, o.next_attempt_at,
		o.last_error, o.created_at, coalesce(o.sent_at, ''), ` + body + `,
		coalesce(i.code, ''), coalesce(i.name_ar, ''), coalesce(i.name_en, ''), coalesce(r.name, ''), coalesce(e.until, r.deadline, '')
	FROM outbox o LEFT JOIN institutions i ON i.id = o.institution_id LEFT JOIN rounds r ON r.id = o.round_id
		LEFT JOIN round_extensions e ON e.round_id = o.round_id AND e.institution_id = o.institution_id`
}

func scanOutbox(row interface{ Scan(...any) error }) (survey.OutboxMessage, error) {
	var m survey.OutboxMessage
	var kind, params, next, created, sent string
	err := row.Scan(&m.ID, &kind, &m.To, &m.UserID, &m.Lang, &m.InstitutionID, &m.RoundID, &m.Link, &m.Secret, &params,
		&m.DedupeKey, &m.MessageID, &m.Status, &m.Attempts, &next, &m.LastError, &created, &sent,
		&m.Subject, &m.Text, &m.HTML, &m.InstitutionCode, &m.InstitutionNameAr, &m.InstitutionNameEn, &m.RoundName, &m.Deadline)
	if err != nil {
		return m, err
	}
	m.Kind = survey.MailKind(kind)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = parseTime(next), parseTime(created), parseTime(sent)
	if err := json.Unmarshal([]byte(params), &m.Params); err != nil {
		return m, fmt.Errorf("survey: outbox %d params: %w", m.ID, err)
	}
	return m, nil
}

// ClaimMail takes up to n messages that are due (queued and due, or
// 'sending' past their lease: the process that claimed them died) for the
// worker: each is marked 'sending', its attempt counted and its lease set
// to now+lease, and that is committed BEFORE anything is sent. A message's
// Attempts after the claim identifies the claim: MarkMailSent and
// MarkMailFailed change it only if it is still that claim's.
func (s *Store) ClaimMail(ctx context.Context, n int, lease time.Duration) ([]survey.OutboxMessage, error) {
	now := s.now()
	// Nothing due (the usual answer, every poll): asked of a reader, so
	// that an idle worker never takes the writer.
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? LIMIT 1`,
		formatTime(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("survey: claim mail: %w", err)
	}
	var out []survey.OutboxMessage
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?
			WHERE id IN (SELECT id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?) RETURNING id`, formatTime(now.Add(lease)), formatTime(now), n)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return err
			}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		// The ids are integers just read: safe to put in the query.
		rows, err = tx.QueryContext(ctx, "SELECT "+outboxColumns(false, true)+" WHERE o.id IN ("+strings.Join(ids, ",")+") ORDER BY o.id") // #nosec G202 -- integers only
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("survey: claim mail: %w", err)
	}
	return out, nil
}

// maskedMail is r as stored: bounded, and without the message's secret.
func maskedMail(r survey.RenderedMail, secret string) survey.RenderedMail {
	if secret != "" {
		r.Subject = strings.ReplaceAll(r.Subject, secret, "********")
		r.Text = strings.ReplaceAll(r.Text, secret, "********")
		r.HTML = strings.ReplaceAll(r.HTML, secret, "********")
	}
	return survey.RenderedMail{Subject: clip(r.Subject, survey.MaxMailSubject), Text: clip(r.Text, survey.MaxMailText),
		HTML: clip(r.HTML, survey.MaxMailHTML)}
}

// MarkMailSent records that the SMTP server accepted the message of claim
// attempt: status 'sent', what was sent (its secret masked), and the
// secret cleared. A claim that lost its lease changes nothing.
func (s *Store) MarkMailSent(ctx context.Context, id int64, attempt int, r survey.RenderedMail) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var secret string
		err := tx.QueryRowContext(ctx, "SELECT coalesce(secret, '') FROM outbox WHERE id = ? AND status = 'sending' AND attempts = ?",
			id, attempt).Scan(&secret)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("survey: mark mail sent: %w", err)
		}
		r = maskedMail(r, secret)
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, secret = NULL, last_error = '',
			subject = ?, body_text = ?, body_html = ? WHERE id = ?`, formatTime(s.now()), r.Subject, r.Text, r.HTML, id)
		return err
	})
}

// MarkMailFailed records a failed attempt: the message is queued again
// after the back-off (survey.MailBackoff), or failed for good when
// permanent (the server refused the address, the message cannot be
// rendered) or when it has had its attempts. r, when not empty, is what
// was tried.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, attempt int, r survey.RenderedMail, reason string, permanent bool) error {
	reason = clip(strings.ToValidUTF8(reason, "?"), survey.MaxMailError)
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var secret string
		err := tx.QueryRowContext(ctx, "SELECT coalesce(secret, '') FROM outbox WHERE id = ? AND status = 'sending' AND attempts = ?",
			id, attempt).Scan(&secret)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("survey: mark mail failed: %w", err)
		}
		if r.Subject != "" {
			r = maskedMail(r, secret)
			if _, err := tx.ExecContext(ctx, "UPDATE outbox SET subject = ?, body_text = ?, body_html = ? WHERE id = ?",
				r.Subject, r.Text, r.HTML, id); err != nil {
				return err
			}
		}
		wait, again := survey.NextMailAttempt(attempt)
		if permanent || !again {
			_, err = tx.ExecContext(ctx, "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", reason, id)
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE outbox SET status = 'queued', last_error = ?, next_attempt_at = ? WHERE id = ?",
			reason, formatTime(s.now().Add(wait)), id)
		return err
	})
}

// ResendMail puts a message back in the queue, due now, with all its
// attempts, at the coordinator's request (admins only; audited). A failed
// message keeps its Message-ID (it may have reached no one); a sent one is
// a new copy on purpose and gets a new Message-ID, or mail clients would
// merge it with the first. A sent message whose link carried a one-time
// token cannot be resent (the token is gone): survey.ErrMailNotResendable.
func (s *Store) ResendMail(ctx context.Context, a survey.Actor, id int64) error {
	if a.Role != survey.RoleAdmin {
		return survey.ErrForbidden
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		m, err := scanOutbox(tx.QueryRowContext(ctx, "SELECT "+outboxColumns(false, false)+" WHERE o.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return survey.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("survey: resend mail: %w", err)
		}
		if !m.Resendable() {
			return survey.ErrMailNotResendable
		}
		msgID := m.MessageID
		if m.Status == survey.MailSent {
			domain := "marsad.invalid"
			if _, d, ok := strings.Cut(m.MessageID, "@"); ok {
				domain = d
			}
			msgID = newMessageID(domain)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, last_error = '',
			message_id = ?, sent_at = NULL WHERE id = ?`, formatTime(s.now()), msgID, id); err != nil {
			return fmt.Errorf("survey: resend mail: %w", err)
		}
		return s.audit(ctx, tx, a.ID, "resend", "mail", strconv.FormatInt(id, 10), nil,
			map[string]string{"kind": string(m.Kind), "to": m.To, "was": m.Status})
	})
}

// OutboxMessage is one message of the outbox, with what was sent (never
// its secret).
func (s *Store) OutboxMessage(ctx context.Context, id int64) (survey.OutboxMessage, error) {
	m, err := scanOutbox(s.r.QueryRowContext(ctx, "SELECT "+outboxColumns(true, false)+" WHERE o.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("survey: outbox: %w", survey.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("survey: outbox: %w", err)
	}
	return m, nil
}

// OutboxCounts are the outbox's messages by status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{}
	for _, st := range survey.MailStatuses {
		counts[st] = 0
	}
	rows, err := s.r.QueryContext(ctx, "SELECT status, count(*) FROM outbox GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("survey: outbox counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// OutboxPage is a page of the outbox, newest first, with the counts by
// status.
func (s *Store) OutboxPage(ctx context.Context, f survey.OutboxFilter, page, perPage int) (survey.OutboxPage, error) {
	if perPage < 1 || perPage > 1000 { // the API's largest page (handlers/paging.go)
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	p := survey.OutboxPage{Page: page, PerPage: perPage}
	var where []string
	var args []any
	if f.Status != "" {
		where = append(where, "o.status = ?")
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		where = append(where, "o.kind = ?")
		args = append(args, string(f.Kind))
	}
	cond := " WHERE TRUE"
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var err error
	if p.Counts, err = s.OutboxCounts(ctx); err != nil {
		return p, err
	}
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM outbox o"+cond, args...).Scan(&p.Total); err != nil { // #nosec G202 -- fixed conditions, values bound
		return p, fmt.Errorf("survey: outbox: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+outboxColumns(false, false)+cond+" ORDER BY o.id DESC LIMIT ? OFFSET ?", // #nosec G202 -- fixed conditions, values bound
		append(args, perPage, (page-1)*perPage)...)
	if err != nil {
		return p, fmt.Errorf("survey: outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return p, err
		}
		p.Messages = append(p.Messages, m)
	}
	return p, rows.Err()
}

// ReleaseMail gives back a claimed message not yet tried (the worker is
// stopping): queued again, due now, its attempt not counted.
func (s *Store) ReleaseMail(ctx context.Context, id int64, attempt int) error {
	// In a write transaction: on PostgreSQL it takes the write lock.
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?
			WHERE id = ? AND status = 'sending' AND attempts = ?`, formatTime(s.now()), id, attempt)
		return err
	})
	if err != nil {
		return fmt.Errorf("survey: release mail: %w", err)
	}
	return nil
}
