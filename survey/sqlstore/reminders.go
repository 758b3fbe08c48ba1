package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"marsad/survey"
)

// Reminders (issue 18, §2; docs/reminders.md): a round's automatic
// reminder days, the plan of a reminder run, the manual and automatic runs
// and the record the board reads. A run writes, in one transaction per
// round, a row of reminders per institution (its unique key is the bound of
// one reminder a day per institution) and the messages in the outbox, each
// with a dedupe key: two runs at once, on one server or several, remind an
// institution once.

// ReminderSettings are the round's automatic reminders (both off without a row).
func (s *Store) ReminderSettings(ctx context.Context, roundID int64) (survey.ReminderSettings, error) {
	if _, err := getRound(ctx, s.r, roundID); err != nil {
		return survey.ReminderSettings{}, err
	}
	return reminderSettings(ctx, s.r, roundID)
}

func reminderSettings(ctx context.Context, q queryer, roundID int64) (survey.ReminderSettings, error) {
	out := survey.ReminderSettings{RoundID: roundID}
	var first, second sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT first_days, second_days FROM round_reminder_days WHERE round_id = ?", roundID).Scan(&first, &second)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("survey: reminder settings: %w", err)
	}
	out.First, out.Second = int(first.Int64), int(second.Int64)
	return out, nil
}

// SaveReminderSettings sets the round's automatic reminders, audited.
// Coordinator only; a published round takes none.
func (s *Store) SaveReminderSettings(ctx context.Context, a survey.Actor, roundID int64, in survey.ReminderSettingsInput) (survey.ReminderSettings, error) {
	if a.Role != survey.RoleAdmin {
		return survey.ReminderSettings{}, survey.ErrForbidden
	}
	set, err := survey.CheckReminderSettings(roundID, in)
	if err != nil {
		return set, err
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := getRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if round.Status == survey.RoundPublished {
			return survey.ErrInvalidTransition
		}
		before, err := reminderSettings(ctx, tx, roundID)
		if err != nil {
			return err
		}
		null := func(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n > 0} }
		_, err = tx.ExecContext(ctx, `INSERT INTO round_reminder_days (round_id, first_days, second_days, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id) DO UPDATE SET first_days = excluded.first_days,
			second_days = excluded.second_days, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			roundID, null(set.First), null(set.Second), nullID(a.ID), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: save reminder settings: %w", err)
		}
		return s.audit(ctx, tx, a.ID, "reminder-settings", "round", round.Name,
			map[string]int{"first_days": before.First, "second_days": before.Second},
			map[string]int{"first_days": set.First, "second_days": set.Second})
	})
	return set, err
}

// ReminderPlan is what a reminder run of the round would do on day (the
// deployment's, survey.Day): the institutions in the chosen states with
// their recipients, and which were already reminded that day.
func (s *Store) ReminderPlan(ctx context.Context, roundID int64, states []string, day string) (survey.ReminderPlan, error) {
	round, err := getRound(ctx, s.r, roundID)
	if err != nil {
		return survey.ReminderPlan{}, err
	}
	return reminderPlan(ctx, s.r, round, states, day)
}

func reminderPlan(ctx context.Context, q dbQueryer, round survey.Round, states []string, day string) (survey.ReminderPlan, error) {
	states, _ = survey.CleanReminderStates(states)
	plan := survey.ReminderPlan{Round: round, Day: day, States: states}
	if len(states) == 0 {
		return plan, nil
	}
	status := map[int64]string{}
	extended := map[int64]string{}
	type mark struct {
		last  time.Time
		today bool
	}
	marks := map[int64]mark{}
	recipients := map[int64][]survey.Recipient{}
	steps := []struct {
		query string
		args  []any
		scan  func(rows *sql.Rows) error
	}{
		{"SELECT institution_id, status FROM responses WHERE round_id = ?", []any{round.ID}, func(rows *sql.Rows) error {
			var id int64
			var st string
			err := rows.Scan(&id, &st)
			status[id] = st
			return err
		}},
		{"SELECT institution_id, until FROM round_extensions WHERE round_id = ?", []any{round.ID}, func(rows *sql.Rows) error {
			var id int64
			var until string
			err := rows.Scan(&id, &until)
			extended[id] = until
			return err
		}},
		{"SELECT institution_id, max(sent_at), max(CASE WHEN day = ? THEN 1 ELSE 0 END) FROM reminders WHERE round_id = ? GROUP BY institution_id", []any{day, round.ID},
			func(rows *sql.Rows) error {
				var id int64
				var at string
				var today bool
				err := rows.Scan(&id, &at, &today)
				marks[id] = mark{parseTime(at), today}
				return err
			}},
		{`SELECT institution_id, id, email, name, lang, mail_optout FROM users
			WHERE role = 'respondent' AND active = 1 ORDER BY email`, nil, func(rows *sql.Rows) error {
			var inst int64
			var r survey.Recipient
			err := rows.Scan(&inst, &r.UserID, &r.Email, &r.Name, &r.Lang, &r.OptedOut)
			recipients[inst] = append(recipients[inst], r)
			return err
		}},
	}
	for _, st := range steps {
		if err := eachRow(ctx, q, st.query, st.args, st.scan); err != nil {
			return plan, fmt.Errorf("survey: reminder plan: %w", err)
		}
	}
	insts, err := queryAll(ctx, q, "reminder plan", func(row interface{ Scan(...any) error }) (survey.Institution, error) {
		return scanInstitution(row)
	}, "SELECT "+institutionColumns+" FROM institutions WHERE active = 1 ORDER BY code")
	if err != nil {
		return plan, err
	}
	for _, inst := range insts {
		row := survey.BoardRow{Institution: inst, Status: status[inst.ID]}
		st := row.BoardStatus()
		if !slices.Contains(states, st) {
			continue
		}
		m := marks[inst.ID]
		plan.Targets = append(plan.Targets, survey.ReminderTarget{
			Institution: inst, Status: st, Due: round.DueFor(extended[inst.ID]),
			Recipients: recipients[inst.ID], RemindedToday: m.today, LastReminded: m.last,
		})
	}
	return plan, nil
}

// eachRow runs query and scan on each row.
func eachRow(ctx context.Context, q rowsQueryer, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SendReminders is the coordinator's reminder run (from the board, after
// the preview): the round's institutions in the chosen states that were not
// reminded on day are reminded now, each of their active respondents who
// did not turn notifications off getting one message. The plan is read
// again inside the transaction, so that what is sent is what the database
// holds now. Audited; refused (ErrReminderTooSoon) less than
// survey.ReminderGap after the round's last run, and for a round that is
// not open.
func (s *Store) SendReminders(ctx context.Context, a survey.Actor, roundID int64, states []string, day string) (survey.ReminderRun, error) {
	if a.Role != survey.RoleAdmin {
		return survey.ReminderRun{}, survey.ErrForbidden
	}
	if !s.MailEnabled() {
		return survey.ReminderRun{}, survey.ErrRemindersNeedMail
	}
	states, ok := survey.CleanReminderStates(states)
	if !ok {
		return survey.ReminderRun{}, &survey.ValidationError{Fields: map[string]string{"state": "err.choose_at_least_one"}}
	}
	var run survey.ReminderRun
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := getRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if round.Status != survey.RoundOpen {
			return survey.ErrInvalidTransition
		}
		var last sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT max(at) FROM audit_events WHERE action = 'remind' AND entity = 'round' AND entity_key = ?`,
			round.Name).Scan(&last)
		if err != nil {
			return fmt.Errorf("survey: last reminder: %w", err)
		}
		if last.Valid && s.now().Sub(parseTime(last.String)) < survey.ReminderGap {
			return survey.ErrReminderTooSoon
		}
		plan, err := reminderPlan(ctx, tx, round, states, day)
		if err != nil {
			return err
		}
		var codes []string
		for _, t := range plan.Targets {
			if !t.Sendable() {
				if t.RemindedToday {
					run.Skipped++
				}
				continue
			}
			n, took, err := s.remind(ctx, tx, round, t, day, survey.ReminderManual, a.ID)
			if err != nil {
				return err
			}
			if took {
				run.Institutions++
				run.Messages += n
				codes = append(codes, t.Institution.Code)
			}
		}
		if run.Institutions == 0 {
			return nil // nothing sent, nothing to audit: the rate limit counts runs that sent
		}
		return s.audit(ctx, tx, a.ID, "remind", "round", round.Name, nil,
			map[string]any{"kind": survey.ReminderManual, "states": states, "institutions": codes, "messages": run.Messages})
	})
	return run, err
}

// remind records a reminder of t's institution on day and queues its
// messages. took is false when the institution was already reminded on day
// (the unique key held it: another run came first) — nothing is queued then.
func (s *Store) remind(ctx context.Context, tx *sql.Tx, round survey.Round, t survey.ReminderTarget, day, kind string, by int64) (n int, took bool, err error) {
	// With DO NOTHING, RETURNING gives no row when the key held.
	id, err := insertID(ctx, tx, `INSERT INTO reminders (round_id, institution_id, day, kind, sent_by, sent_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, institution_id, day) DO NOTHING`,
		round.ID, t.Institution.ID, day, kind, nullID(by), formatTime(s.now()))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("survey: record reminder: %w", err)
	}
	for _, r := range t.Reachable() {
		queued, err := s.enqueueMail(ctx, tx, survey.Mail{
			Kind: survey.MailReminder, To: r.Email, UserID: r.UserID,
			InstitutionID: t.Institution.ID, RoundID: round.ID,
			Link:      responseLink(round.ID, t.Institution.Code),
			Params:    map[string]string{"state": t.Status, "days_left": strconv.Itoa(t.Due.DaysLeft(s.now())), "kind": kind},
			DedupeKey: survey.ReminderKey(round.ID, t.Institution.Code, day, r.UserID),
		})
		if err != nil {
			return 0, false, err
		}
		if queued {
			n++
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE reminders SET recipients = ? WHERE id = ?", n, id); err != nil {
		return 0, false, fmt.Errorf("survey: record reminder: %w", err)
	}
	return n, true, nil
}

// responseLink is the respondents' questionnaire page of an institution,
// under /{lang}/ (paths.go's responsePath).
func responseLink(roundID int64, code string) string {
	return "rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code
}

// RunAutomaticReminders is the scheduled job's run (hourly, handlers'
// RunReminders): in every open round with automatic reminders, each
// institution not yet submitted whose deadline (its extension's, if any)
// is one of the round's days away today is reminded, unless it was on day.
// Running it twice, or on two servers, sends nothing twice (the reminders'
// unique key and the outbox's dedupe keys). Without mail, it does nothing.
func (s *Store) RunAutomaticReminders(ctx context.Context, day string) (survey.ReminderRun, error) {
	var run survey.ReminderRun
	if !s.MailEnabled() {
		return run, nil
	}
	type roundDays struct {
		id  int64
		set survey.ReminderSettings
	}
	var rounds []roundDays
	err := eachRow(ctx, s.r, `SELECT r.id, coalesce(d.first_days, 0), coalesce(d.second_days, 0) FROM rounds r
		JOIN round_reminder_days d ON d.round_id = r.id
		WHERE r.status = 'open' AND r.deadline != '' AND (d.first_days IS NOT NULL OR d.second_days IS NOT NULL) ORDER BY r.id`, nil,
		func(rows *sql.Rows) error {
			var rd roundDays
			err := rows.Scan(&rd.id, &rd.set.First, &rd.set.Second)
			rd.set.RoundID = rd.id
			rounds = append(rounds, rd)
			return err
		})
	if err != nil {
		return run, fmt.Errorf("survey: automatic reminders: %w", err)
	}
	for _, rd := range rounds {
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			round, err := getRound(ctx, tx, rd.id)
			if err != nil {
				return err
			}
			plan, err := reminderPlan(ctx, tx, round, survey.ReminderStates, day)
			if err != nil {
				return err
			}
			var codes []string
			msgs := 0
			for _, t := range plan.Targets {
				if !rd.set.DueOn(t.Due.DaysLeft(s.now())) {
					continue
				}
				if !t.Sendable() {
					if t.RemindedToday {
						run.Skipped++
					}
					continue
				}
				n, took, err := s.remind(ctx, tx, round, t, day, survey.ReminderAutomatic, 0)
				if err != nil {
					return err
				}
				if took {
					run.Institutions++
					msgs += n
					codes = append(codes, t.Institution.Code)
				}
			}
			run.Messages += msgs
			if len(codes) == 0 {
				return nil
			}
			return s.audit(ctx, tx, 0, "remind", "round", round.Name, nil,
				map[string]any{"kind": survey.ReminderAutomatic, "institutions": codes, "messages": msgs})
		})
		if err != nil {
			return run, err
		}
	}
	return run, nil
}

// LastReminders are when each institution of the round was last reminded
// and how (manual or automatic), by code, for the board.
func (s *Store) LastReminders(ctx context.Context, roundID int64) (map[string]survey.LastReminder, error) {
	out := map[string]survey.LastReminder{}
	err := eachRow(ctx, s.r, `SELECT i.code, r.sent_at, r.kind FROM reminders r JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND r.sent_at = (SELECT max(x.sent_at) FROM reminders x WHERE x.round_id = r.round_id AND x.institution_id = r.institution_id)`,
		[]any{roundID}, func(rows *sql.Rows) error {
			var code, at, kind string
			err := rows.Scan(&code, &at, &kind)
			out[code] = survey.LastReminder{At: parseTime(at), Kind: kind}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("survey: last reminders: %w", err)
	}
	return out, nil
}
