package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Reminders from a round's board (issue 18, §2; docs/reminders.md): the
// coordinator chooses the states to remind, sees the institutions and the
// people a run would reach and the message as each of them will receive
// it, then confirms; the round's automatic reminders are set on the same
// page. The rules and the record are the store's (survey/sqlstore/reminders.go);
// the scheduled job is RunReminders.

func remindersPath(round int64) string { return adminRoundPath(round) + "/reminders" }

// reminderPage is the reminders page of a round.
type reminderPage struct {
	Round    survey.Round
	Plan     survey.ReminderPlan
	Settings survey.ReminderSettings
	MailOn   bool
	// Previews are the reminder as it will be sent, one per language its
	// recipients read.
	Previews []mailPreview
	Sent     *survey.ReminderRun // the run just confirmed
	Saved    bool                // the automatic reminders were just saved
}

// ReminderStates are the states a reminder run may choose.
func (v *view) ReminderStates() []string { return survey.ReminderStates }

// ReminderHour is the hour from which automatic reminders go out.
func (v *view) ReminderHour() int { return survey.ReminderHour }

// mailPreview is one message as a recipient will read it.
type mailPreview struct {
	Lang, Dir   string
	Recipients  int    // messages in this language
	Institution string // whose message is shown
	Subject     string
	Text        string
}

// Open reports whether reminders may be sent: only in an open round.
func (p reminderPage) Open() bool { return p.Round.Status == survey.RoundOpen }

// reminderStates are the states asked for: those of the form, or all of
// them when the page is opened from the board (no "preview" field yet).
func reminderStates(c *gin.Context) []string {
	chosen := c.QueryArray("state")
	if c.Request.Method == http.MethodPost {
		chosen = c.PostFormArray("state")
	} else if c.Query("preview") == "" && len(chosen) == 0 {
		chosen = survey.ReminderStates
	}
	out, _ := survey.CleanReminderStates(chosen)
	return out
}

// today is the day reminders are counted in: the deployment's time zone.
func (s *Server) today() string { return survey.Day(time.Now(), s.cfg.Location) }

// newReminderPage reads the round, the plan of a run in the chosen states
// and the automatic reminders.
func (s *Server) newReminderPage(c *gin.Context, v *view, states []string) (reminderPage, error) {
	var p reminderPage
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return p, survey.ErrNotFound
	}
	ctx := c.Request.Context()
	if p.Round, err = s.store.Round(ctx, id); err != nil {
		return p, err
	}
	if p.Plan, err = s.store.ReminderPlan(ctx, id, states, s.today()); err != nil {
		return p, err
	}
	if p.Settings, err = s.store.ReminderSettings(ctx, id); err != nil {
		return p, err
	}
	p.MailOn = s.store.MailEnabled()
	if p.Previews, err = s.reminderPreviews(ctx, p.Plan); err != nil {
		return p, err
	}
	v.Title = v.T("reminders.title") + " — " + p.Round.Name
	v.Form = &form{Multi: map[string][]string{"state": p.Plan.States}, Values: map[string]string{
		"first_days": daysValue(p.Settings.First), "second_days": daysValue(p.Settings.Second)}}
	return p, nil
}

func daysValue(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// reminderPreviews renders the reminder for the first institution that a
// run would remind with a recipient in each language, as the outbox's
// worker will render it.
func (s *Server) reminderPreviews(ctx context.Context, plan survey.ReminderPlan) ([]mailPreview, error) {
	langs := plan.Langs()
	var out []mailPreview
	for _, lang := range Languages {
		if langs[lang] == 0 {
			continue
		}
		for _, t := range plan.Sending() {
			if !slices.ContainsFunc(t.Reachable(), func(r survey.Recipient) bool { return survey.MailLang(r.Lang) == lang }) {
				continue
			}
			m := survey.OutboxMessage{
				Kind: survey.MailReminder, Lang: lang, InstitutionID: t.Institution.ID, RoundID: plan.Round.ID,
				Link:            "rounds/" + strconv.FormatInt(plan.Round.ID, 10) + "/responses/" + t.Institution.Code,
				Params:          map[string]string{"state": t.Status, "days_left": strconv.Itoa(t.Due.DaysLeft(time.Now())), "kind": survey.ReminderManual},
				InstitutionCode: t.Institution.Code, InstitutionNameAr: t.Institution.NameAr, InstitutionNameEn: t.Institution.NameEn,
				RoundName: plan.Round.Name, Deadline: t.Due.Day(),
			}
			r, err := s.RenderMail(ctx, m)
			if err != nil {
				return nil, err
			}
			dir := "rtl"
			if lang == "en" {
				dir = "ltr"
			}
			out = append(out, mailPreview{Lang: lang, Dir: dir, Recipients: langs[lang], Institution: t.Institution.Name(lang),
				Subject: r.Subject, Text: r.Text})
			break
		}
	}
	return out, nil
}

// showReminders is the reminders page: the preview of a run in the chosen
// states, and the round's automatic reminders.
func (s *Server) showReminders(c *gin.Context) {
	v := s.newView(c, "reminders.title")
	p, err := s.newReminderPage(c, v, reminderStates(c))
	if err != nil {
		s.failErr(c, err)
		return
	}
	if c.Query("preview") != "" && len(p.Plan.States) == 0 {
		v.Form.Errors = map[string]string{"state": v.T("err.choose_at_least_one")}
	}
	p.Saved = c.Query("saved") == "1"
	if n, err := strconv.Atoi(c.Query("sent")); err == nil && n >= 0 {
		m, _ := strconv.Atoi(c.Query("messages"))
		k, _ := strconv.Atoi(c.Query("skipped"))
		p.Sent = &survey.ReminderRun{Institutions: n, Messages: m, Skipped: k}
	}
	v.Data = p
	s.render(c, http.StatusOK, "reminders", v)
}

// sendReminders confirms the run previewed: the store reads the plan
// again and reminds the institutions not reminded today (audited).
func (s *Server) sendReminders(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	states := reminderStates(c)
	run, err := s.store.SendReminders(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, states, s.today())
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		v := s.newView(c, "reminders.title")
		p, perr := s.newReminderPage(c, v, nil)
		if perr != nil {
			s.failErr(c, perr)
			return
		}
		v.Form.Errors = v.loc.fieldMessages(ve)
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "reminders", v)
		return
	case s.remindersRefused(c, err):
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	q := url.Values{"state": states, "preview": {"1"}, "sent": {strconv.Itoa(run.Institutions)},
		"messages": {strconv.Itoa(run.Messages)}, "skipped": {strconv.Itoa(run.Skipped)}}
	seeOther(c, remindersPath(id)+"?"+q.Encode())
}

// saveReminderSettings sets the round's automatic reminders.
func (s *Server) saveReminderSettings(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	var in survey.ReminderSettingsInput
	_ = c.ShouldBind(&in)
	_, err := s.store.SaveReminderSettings(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, in)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		v := s.newView(c, "reminders.title")
		p, perr := s.newReminderPage(c, v, survey.ReminderStates)
		if perr != nil {
			s.failErr(c, perr)
			return
		}
		v.Form.Values = map[string]string{"first_days": in.First, "second_days": in.Second}
		v.Form.Errors = v.loc.fieldMessages(ve)
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "reminders", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, remindersPath(id)+"?saved=1#automatic")
}

// RunReminders is the serve process's reminder job: at start and then
// every hour it queues the automatic reminders due today and the
// coordinators' digests of yesterday. Each run is safe to repeat, and to
// run on several servers at once: the store's unique keys and the outbox's
// dedupe keys hold every message to one. It returns when ctx ends.
func (s *Server) RunReminders(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Hour
	}
	s.ReminderTick(ctx, time.Now())
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.ReminderTick(ctx, now)
		}
	}
}

// ReminderTick is one run of the reminder job at now. Before
// survey.ReminderHour in the deployment's zone it does nothing: reminders
// and digests go out in the working day, not at midnight.
func (s *Server) ReminderTick(ctx context.Context, now time.Time) {
	local := now.In(s.cfg.Location)
	if local.Hour() < survey.ReminderHour {
		return
	}
	run, err := s.store.RunAutomaticReminders(ctx, survey.Day(now, s.cfg.Location))
	if err != nil {
		s.log.Error("automatic reminders", "err", err)
	} else if run.Institutions > 0 {
		s.log.Info("automatic reminders", "institutions", run.Institutions, "messages", run.Messages)
	}
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.cfg.Location)
	yesterday := today.AddDate(0, 0, -1)
	n, err := s.store.QueueDigests(ctx, yesterday.Format(survey.DateLayout), yesterday, today)
	if err != nil {
		s.log.Error("daily digests", "err", err)
	} else if n > 0 {
		s.log.Info("daily digests", "messages", n)
	}
}

// remindersRefused answers a run of reminders refused for its timing (429
// with Retry-After) or because mail is off (409), for the page and the API
// alike, and reports whether it did.
func (s *Server) remindersRefused(c *gin.Context, err error) bool {
	switch {
	case errors.Is(err, survey.ErrReminderTooSoon):
		c.Header("Retry-After", strconv.Itoa(int(survey.ReminderGap/time.Second)))
		s.fail(c, http.StatusTooManyRequests, "err.reminder_too_soon")
	case errors.Is(err, survey.ErrRemindersNeedMail):
		s.fail(c, http.StatusConflict, "err.reminders_need_mail")
	default:
		return false
	}
	return true
}
