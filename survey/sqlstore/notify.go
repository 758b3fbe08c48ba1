package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"marsad/survey"
)

// Notifications (issue 18, §2; docs/reminders.md): the messages a change
// causes, queued by the store method that makes the change, in its
// transaction (a returned or accepted response, an extension, a success
// story reviewed); a person's mail preferences; the coordinators' daily
// digest. The outbox skips optional kinds for people who turned them off.

// respondents are the active respondents of an institution, by e-mail.
func respondents(ctx context.Context, q rowsQueryer, institutionID int64) ([]survey.Recipient, error) {
	var out []survey.Recipient
	err := eachRow(ctx, q, `SELECT id, email, name, lang, mail_optout FROM users
		WHERE institution_id = ? AND role = 'respondent' AND active = 1 ORDER BY email`, []any{institutionID},
		func(rows *sql.Rows) error {
			var r survey.Recipient
			err := rows.Scan(&r.UserID, &r.Email, &r.Name, &r.Lang, &r.OptedOut)
			out = append(out, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("survey: respondents: %w", err)
	}
	return out, nil
}

// notifyInstitution queues a message of kind to every active respondent of
// the institution, about the round.
func (s *Store) notifyInstitution(ctx context.Context, tx *sql.Tx, kind survey.MailKind, roundID, institutionID int64, link string, params map[string]string) error {
	if !s.MailEnabled() {
		return nil
	}
	rs, err := respondents(ctx, tx, institutionID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		_, err := s.enqueueMail(ctx, tx, survey.Mail{Kind: kind, To: r.Email, UserID: r.UserID,
			InstitutionID: institutionID, RoundID: roundID, Link: link, Params: params})
		if err != nil {
			return err
		}
	}
	return nil
}

// notifyResponse tells the institution's respondents that the coordinator
// returned their response with comments (how many answers have issues) or
// accepted it. Other actions tell no one.
func (s *Store) notifyResponse(ctx context.Context, tx *sql.Tx, round survey.Round, resp survey.Response, action string) error {
	var kind survey.MailKind
	params := map[string]string{}
	switch action {
	case "return":
		kind = survey.MailReturned
		var n int
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM answers WHERE response_id = ? AND review_status = ?",
			resp.ID, survey.ReviewIssues).Scan(&n)
		if err != nil {
			return fmt.Errorf("survey: notify return: %w", err)
		}
		params["issues"] = strconv.Itoa(n)
	case "accept":
		kind = survey.MailAccepted
	default:
		return nil
	}
	inst, err := getInstitution(ctx, tx, resp.InstitutionCode)
	if err != nil {
		return err
	}
	return s.notifyInstitution(ctx, tx, kind, round.ID, inst.ID, responseLink(round.ID, inst.Code), params)
}

// notifyExtension tells the institution's respondents the new last day
// the coordinator gave them (the message's deadline is the extension's).
func (s *Store) notifyExtension(ctx context.Context, tx *sql.Tx, round survey.Round, inst survey.Institution, in survey.ExtensionInput) error {
	return s.notifyInstitution(ctx, tx, survey.MailExtension, round.ID, inst.ID, responseLink(round.ID, inst.Code),
		map[string]string{"until": in.Until, "reason": survey.TruncateBytes(in.Reason, survey.MaxMailParamLen)})
}

// notifyStory tells a success story's author that the coordinator
// approved it (it is public now) or sent it back with a note. The author is
// the respondent of the institution who last created or changed the
// initiative (from the audit log, which is what records who did what); a
// story the coordinator wrote has no one to tell.
func (s *Store) notifyStory(ctx context.Context, tx *sql.Tx, story survey.Initiative, approved bool, note string) error {
	if !s.MailEnabled() {
		return nil
	}
	var userID int64
	var email string
	err := tx.QueryRowContext(ctx, `SELECT u.id, u.email FROM audit_events a JOIN users u ON u.id = a.actor_id
		JOIN institutions i ON i.id = u.institution_id
		WHERE a.entity = 'initiative' AND a.entity_key = ? AND a.action IN ('create', 'update')
		AND u.role = 'respondent' AND u.active = 1 AND i.code = ? ORDER BY a.id DESC LIMIT 1`,
		initiativeKey(story), story.InstitutionCode).Scan(&userID, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("survey: story author: %w", err)
	}
	inst, err := getInstitution(ctx, tx, story.InstitutionCode)
	if err != nil {
		return err
	}
	kind, params := survey.MailStoryApproved, map[string]string{}
	link := "stories/" + strconv.FormatInt(story.ID, 10)
	if !approved {
		kind, params["note"] = survey.MailStoryReturned, survey.TruncateBytes(note, survey.MaxMailParamLen)
		link = "initiatives/" + strconv.FormatInt(story.ID, 10) + "/edit"
	}
	params["title_ar"] = survey.TruncateBytes(story.TitleAr, 500)
	params["title_en"] = survey.TruncateBytes(story.TitleEn, 500)
	_, err = s.enqueueMail(ctx, tx, survey.Mail{Kind: kind, To: email, UserID: userID, InstitutionID: inst.ID, Link: link, Params: params})
	return err
}

// MailPrefs are the user's mail language, opt-out and (coordinators) digest.
func (s *Store) MailPrefs(ctx context.Context, userID int64) (survey.MailPrefs, error) {
	var p survey.MailPrefs
	err := s.r.QueryRowContext(ctx, `SELECT u.lang, u.mail_optout, d.user_id IS NOT NULL FROM users u
		LEFT JOIN mail_digests d ON d.user_id = u.id WHERE u.id = ?`, userID).Scan(&p.Lang, &p.OptOut, &p.Digest)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("survey: user %d: %w", userID, survey.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("survey: mail preferences: %w", err)
	}
	return p, nil
}

// SaveMailPrefs sets the actor's own mail preferences, audited. The
// digest is for coordinators only (survey.CheckMailPrefs drops it for
// anyone else).
func (s *Store) SaveMailPrefs(ctx context.Context, a survey.Actor, in survey.MailPrefsInput) (survey.MailPrefs, error) {
	p, err := survey.CheckMailPrefs(a.Role, in)
	if err != nil {
		return p, err
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		var before survey.MailPrefs
		var email string
		err := tx.QueryRowContext(ctx, `SELECT u.email, u.lang, u.mail_optout, d.user_id IS NOT NULL FROM users u
			LEFT JOIN mail_digests d ON d.user_id = u.id WHERE u.id = ? AND u.active = 1`, a.ID).Scan(&email, &before.Lang, &before.OptOut, &before.Digest)
		if errors.Is(err, sql.ErrNoRows) {
			return survey.ErrNotFound
		}
		if err != nil {
			return err
		}
		if before == p {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET lang = ?, mail_optout = ? WHERE id = ?", p.Lang, p.OptOut, a.ID); err != nil {
			return fmt.Errorf("survey: save mail preferences: %w", err)
		}
		if p.Digest {
			_, err = tx.ExecContext(ctx, "INSERT INTO mail_digests (user_id, since) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING", a.ID, formatTime(s.now()))
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM mail_digests WHERE user_id = ?", a.ID)
		}
		if err != nil {
			return fmt.Errorf("survey: save mail preferences: %w", err)
		}
		return s.audit(ctx, tx, a.ID, "mail-prefs", "user", email, before, p)
	})
	return p, err
}

// QueueDigests queues the daily digest of day (the deployment's, from and
// to bounding it) to each active coordinator who asked for it: the
// responses submitted and returned that day, in the coordinator's language.
// A day with neither sends nothing. The dedupe key (survey.DigestKey)
// makes a second run, on this server or another, queue nothing new.
func (s *Store) QueueDigests(ctx context.Context, day string, from, to time.Time) (int, error) {
	if !s.MailEnabled() {
		return 0, nil
	}
	type reader struct {
		id          int64
		email, lang string
	}
	var readers []reader
	err := eachRow(ctx, s.r, `SELECT u.id, u.email, u.lang FROM mail_digests d JOIN users u ON u.id = d.user_id
		WHERE u.active = 1 AND u.role = 'admin' ORDER BY u.id`, nil, func(rows *sql.Rows) error {
		var r reader
		err := rows.Scan(&r.id, &r.email, &r.lang)
		readers = append(readers, r)
		return err
	})
	if err != nil || len(readers) == 0 {
		return 0, err
	}
	events, err := s.digestEvents(ctx, from, to)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	n := 0
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		for _, r := range readers {
			queued, err := s.enqueueMail(ctx, tx, survey.Mail{Kind: survey.MailDigest, To: r.email, UserID: r.id, Link: "rounds",
				Params: survey.DigestParams(day, events, survey.MailLang(r.lang)), DedupeKey: survey.DigestKey(r.id, day)})
			if err != nil {
				return err
			}
			if queued {
				n++
			}
		}
		return nil
	})
	return n, err
}

// digestEvents are the submissions and returns audited in [from, to), in
// time order. The audit log is where they are recorded whatever did them
// (a page, the API, the head's sign-off).
func (s *Store) digestEvents(ctx context.Context, from, to time.Time) ([]survey.DigestEvent, error) {
	insts := map[string]survey.Institution{}
	var out []survey.DigestEvent
	err := eachRow(ctx, s.r, `SELECT action, entity_key, at FROM audit_events
		WHERE entity = 'response' AND action IN ('submit', 'return') AND at >= ? AND at < ? ORDER BY at, id`,
		[]any{formatTime(from), formatTime(to)}, func(rows *sql.Rows) error {
			var e survey.DigestEvent
			var key, at string
			if err := rows.Scan(&e.Action, &key, &at); err != nil {
				return err
			}
			i := strings.LastIndexByte(key, '/')
			if i < 0 {
				return nil
			}
			e.RoundName, e.At = key[:i], parseTime(at)
			e.Institution = survey.Institution{Code: key[i+1:], NameAr: key[i+1:]}
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("survey: digest: %w", err)
	}
	for i, e := range out {
		inst, ok := insts[e.Institution.Code]
		if !ok {
			got, err := getInstitution(ctx, s.r, e.Institution.Code)
			switch {
			case err == nil:
				inst = got
			case errors.Is(err, survey.ErrNotFound):
				inst = e.Institution // renamed code since: show the code
			default:
				return nil, err
			}
			insts[e.Institution.Code] = inst
		}
		out[i].Institution = inst
	}
	return out, nil
}
