package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// The coordinator's pages through the API (issue 19, §2): invitations,
// password resets and team marks of accounts, the audit log, the outbox,
// a round's reminders and settings, and everyone's mail preferences. Each
// handler calls the store function its web page calls, so that both ways
// do the same thing and leave the same audit trail.

// ---- Invitations (/admin/invitations) ----

// invitationJSON is an invitation as the API shows it; its token is never
// shown again after it is made.
type invitationJSON struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	Institution string     `json:"institution,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	UsedAt      *time.Time `json:"used_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
	State       string     `json:"state"`
}

// optionalTime is t, or nil (JSON null) when it has not happened.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toInvitationJSON(inv survey.Invitation) invitationJSON {
	return invitationJSON{ID: inv.ID, Email: inv.Email, Role: string(inv.Role), Institution: inv.InstitutionCode,
		CreatedBy: inv.CreatedBy, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		UsedAt: optionalTime(inv.UsedAt), RevokedAt: optionalTime(inv.RevokedAt), State: inv.State}
}

// apiListInvitations lists the invitations, the latest first, as the
// invitations page does (the store keeps the latest 500 in the list).
func (s *Server) apiListInvitations(c *gin.Context) {
	list, err := s.store.ListInvitations(c.Request.Context())
	s.writeInvitations(c, list, err)
}

// writeInvitations answers one page of invitations (or err).
func (s *Server) writeInvitations(c *gin.Context, list []survey.Invitation, err error) {
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]invitationJSON, 0, len(list))
	for _, inv := range list {
		out = append(out, toInvitationJSON(inv))
	}
	writePage(s, c, out)
}

// createdLink is a one-time link made for someone: shown in this answer
// only (the store keeps its hash), and mailed when mail is configured.
type createdLink struct {
	Link   string `json:"link"`
	Mailed bool   `json:"mailed"`
}

// apiCreateInvitation invites someone, as the invitations page does: the
// link is in the answer, once.
func (s *Server) apiCreateInvitation(c *gin.Context) {
	var in survey.InvitationInput
	if !s.bindJSON(c, &in) {
		return
	}
	inv, token, err := s.store.CreateInvitation(c.Request.Context(), currentUser(c).ID, in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, struct {
		Invitation invitationJSON `json:"invitation"`
		createdLink
	}{toInvitationJSON(inv), createdLink{
		Link:   s.cfg.BaseURL + "/" + survey.MailLang(in.Lang) + "/invite/" + token,
		Mailed: s.store.MailEnabled(),
	}})
}

// apiRevokeInvitation revokes an invitation not yet used; one already
// used, expired or revoked is left as it is (as on the page).
func (s *Server) apiRevokeInvitation(c *gin.Context) {
	id, ok := s.userParam(c) // a number, or 404
	if !ok {
		return
	}
	if err := s.store.RevokeInvitation(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- Users (/admin/users) ----

// apiResetPassword makes a one-time link for the user to choose a new
// password, as the users page does; the user's sessions end. The link is
// in the answer, once, in the language the user reads mail in.
func (s *Server) apiResetPassword(c *gin.Context) {
	id, ok := s.userParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	token, err := s.store.CreatePasswordReset(ctx, survey.ActorOf(*currentUser(c)), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	prefs, err := s.store.MailPrefs(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		User survey.User `json:"user"`
		createdLink
	}{u, createdLink{Link: s.cfg.BaseURL + "/" + survey.MailLang(prefs.Lang) + "/reset/" + token, Mailed: s.store.MailEnabled()}})
}

// apiSetTeamFlags marks a respondent as focal point and/or head, as the
// users page does: {"focal_point": true, "signoff": false}. It answers the
// account; 422 for an account that is not a respondent's.
func (s *Server) apiSetTeamFlags(c *gin.Context) {
	id, ok := s.userParam(c)
	if !ok {
		return
	}
	var f survey.TeamFlags
	if !s.bindJSON(c, &f) {
		return
	}
	u, err := s.store.SetTeamFlags(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, f)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		loc := s.apiLocale(c)
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{
			Code: "validation", Message: loc.T("err.team_respondent_only"),
			Fields: map[string]string{"focal_point": loc.T("err.team_respondent_only")},
		}})
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

// ---- The audit log (/admin/audit) ----

// auditEventJSON is one change of the audit log. before and after are the
// record's fields as they were and became (only those that changed, and
// the institution); null when the record was created or removed.
type auditEventJSON struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Entity string          `json:"entity"`
	Key    string          `json:"key"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// rawOrNull is stored JSON as it is, or null when there is none (or it
// is not JSON: an answer must stay valid whatever an old row holds).
func rawOrNull(s string) json.RawMessage {
	if b := []byte(s); json.Valid(b) && len(bytes.TrimSpace(b)) > 0 {
		return b
	}
	return json.RawMessage("null")
}

// apiAudit is the audit log, newest first, one page read from the store
// (never the whole log), with the page's filters: ?user (an e-mail, or
// "system"), institution, entity, from and to (YYYY-MM-DD in the
// deployment's zone, to included). A filter the page would drop is refused
// here with 422, so that a client's mistake shows.
func (s *Server) apiAudit(c *gin.Context) {
	p, ok := s.pageOf(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	f := survey.AuditFilter{Actor: strings.TrimSpace(c.Query("user"))}
	fe := map[string]string{}
	if e := c.Query("entity"); e != "" {
		if !slices.Contains(survey.AuditEntities, e) {
			fe["entity"] = "err.choose_one"
		}
		f.Entity = e
	}
	if code := strings.ToUpper(strings.TrimSpace(c.Query("institution"))); code != "" {
		if _, err := s.store.Institution(ctx, code); errors.Is(err, survey.ErrNotFound) {
			fe["institution"] = "err.choose_one"
		} else if err != nil {
			s.serverError(c, err)
			return
		}
		f.Institution = code
	}
	day := func(field string) time.Time {
		v := strings.TrimSpace(survey.NormalizeDigits(c.Query(field)))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(survey.DateLayout, v, s.cfg.Location)
		if err != nil {
			fe[field] = "err.date"
		}
		return t
	}
	f.From = day("from")
	if t := day("to"); !t.IsZero() {
		f.To = t.AddDate(0, 0, 1) // the day included
	}
	if len(fe) > 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: fe})
		return
	}
	page, err := s.store.AuditLogPage(ctx, f, p.Page, p.PerPage)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(http.StatusOK, auditPageJSON(page, p)) // team_api.go
}

// ---- The outbox (/admin/outbox) ----

// outboxMessageJSON is a message of the outbox; the one-time token of an
// invitation or reset is never in it (the store masks it).
type outboxMessageJSON struct {
	ID            int64             `json:"id"`
	Kind          string            `json:"kind"`
	To            string            `json:"to"`
	Lang          string            `json:"lang"`
	Status        string            `json:"status"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt *time.Time        `json:"next_attempt_at"`
	LastError     string            `json:"last_error"`
	CreatedAt     time.Time         `json:"created_at"`
	SentAt        *time.Time        `json:"sent_at"`
	Institution   string            `json:"institution,omitempty"`
	RoundID       int64             `json:"round_id,omitempty"`
	Link          string            `json:"link"`
	Params        map[string]string `json:"params"`
	Subject       string            `json:"subject"`
	// The bodies only in the one-message answer.
	Text *string `json:"text,omitempty"`
	HTML *string `json:"html,omitempty"`
}

func toOutboxJSON(m survey.OutboxMessage, bodies bool) outboxMessageJSON {
	out := outboxMessageJSON{ID: m.ID, Kind: string(m.Kind), To: m.To, Lang: m.Lang, Status: m.Status,
		Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt,
		SentAt: optionalTime(m.SentAt), Institution: m.InstitutionCode, RoundID: m.RoundID, Link: m.Link,
		Params: m.Params, Subject: m.Subject}
	if m.Status == "queued" || m.Status == "sending" {
		out.NextAttemptAt = optionalTime(m.NextAttemptAt)
	}
	if out.Params == nil {
		out.Params = map[string]string{}
	}
	if bodies {
		out.Text, out.HTML = &m.Text, &m.HTML
	}
	return out
}

// apiOutbox lists the outbox, newest first, filtered by ?status and
// ?kind as the page is.
func (s *Server) apiOutbox(c *gin.Context) {
	p, ok := s.pageOf(c)
	if !ok {
		return
	}
	f := survey.OutboxFilter{Status: c.Query("status"), Kind: survey.MailKind(c.Query("kind"))}
	fe := map[string]string{}
	if f.Status != "" && !slices.Contains(survey.MailStatuses, f.Status) {
		fe["status"] = "err.choose_one"
	}
	if f.Kind != "" && !slices.Contains(survey.MailKinds, f.Kind) {
		fe["kind"] = "err.choose_one"
	}
	if len(fe) > 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: fe})
		return
	}
	page, err := s.store.OutboxPage(c.Request.Context(), f, p.Page, p.PerPage)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := listJSON[outboxMessageJSON]{Items: []outboxMessageJSON{}, Page: p.Page, PerPage: p.PerPage, Total: page.Total}
	for _, m := range page.Messages {
		out.Items = append(out.Items, toOutboxJSON(m, false))
	}
	c.JSON(http.StatusOK, out)
}

// outboxParam reads the message id of the URL (404 when not a number).
func (s *Server) outboxParam(c *gin.Context) (int64, bool) { return s.userParam(c) }

// apiOutboxMessage is one message as it was sent (or last tried).
func (s *Server) apiOutboxMessage(c *gin.Context) {
	id, ok := s.outboxParam(c)
	if !ok {
		return
	}
	m, err := s.store.OutboxMessage(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, toOutboxJSON(m, true))
}

// apiResendMail puts a failed message (or a sent one without a one-time
// link) back in the queue, as the page's "send again"; 409 otherwise.
func (s *Server) apiResendMail(c *gin.Context) {
	id, ok := s.outboxParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	err := s.store.ResendMail(ctx, survey.ActorOf(*currentUser(c)), id)
	if errors.Is(err, survey.ErrMailNotResendable) {
		s.fail(c, http.StatusConflict, "err.not_resendable")
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	m, err := s.store.OutboxMessage(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, toOutboxJSON(m, false))
}

// ---- A round's reminders (/admin/rounds/:id/reminders) ----

// reminderTargetJSON is one institution a reminder run would reach.
type reminderTargetJSON struct {
	Institution   string             `json:"institution"`
	Status        string             `json:"status"`
	Due           survey.Due         `json:"due"`
	Recipients    []survey.Recipient `json:"recipients"`
	Sending       bool               `json:"sending"`
	RemindedToday bool               `json:"reminded_today"`
	LastReminded  *time.Time         `json:"last_reminded"`
}

// reminderPreviewJSON is the reminder as its recipients in one language
// will read it.
type reminderPreviewJSON struct {
	Lang        string `json:"lang"`
	Recipients  int    `json:"recipients"`
	Institution string `json:"institution"`
	Subject     string `json:"subject"`
	Text        string `json:"text"`
}

// apiReminderPlan is GET /rounds/{id}/reminders?state=…: what a run in the
// chosen states (all of them when none is given) would do today, and the
// message as it will be sent — the reminders page's preview.
func (s *Server) apiReminderPlan(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	chosen := c.QueryArray("state")
	if len(chosen) == 0 {
		chosen = survey.ReminderStates
	}
	states, ok := survey.CleanReminderStates(chosen)
	if !ok || len(states) == 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"state": "err.choose_one"}})
		return
	}
	ctx := c.Request.Context()
	plan, err := s.store.ReminderPlan(ctx, id, states, s.today())
	if err != nil {
		s.failErr(c, err)
		return
	}
	previews, err := s.reminderPreviews(ctx, plan)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := struct {
		RoundID  int64                 `json:"round_id"`
		Day      string                `json:"day"`
		States   []string              `json:"states"`
		Open     bool                  `json:"open"`
		MailOn   bool                  `json:"mail_on"`
		Targets  []reminderTargetJSON  `json:"targets"`
		Previews []reminderPreviewJSON `json:"previews"`
	}{RoundID: id, Day: plan.Day, States: plan.States, Open: plan.Round.Status == survey.RoundOpen,
		MailOn: s.store.MailEnabled(), Targets: []reminderTargetJSON{}, Previews: []reminderPreviewJSON{}}
	for _, t := range plan.Targets {
		rs := t.Recipients
		if rs == nil {
			rs = []survey.Recipient{}
		}
		out.Targets = append(out.Targets, reminderTargetJSON{Institution: t.Institution.Code, Status: t.Status, Due: t.Due,
			Recipients: rs, Sending: t.Sendable(), RemindedToday: t.RemindedToday, LastReminded: optionalTime(t.LastReminded)})
	}
	for _, p := range previews {
		out.Previews = append(out.Previews, reminderPreviewJSON{Lang: p.Lang, Recipients: p.Recipients,
			Institution: p.Institution, Subject: p.Subject, Text: p.Text})
	}
	c.JSON(http.StatusOK, out)
}

// apiSendReminders confirms a run: {"states": ["not_started", …]}. The store
// reads the plan again and reminds the institutions not reminded today.
func (s *Server) apiSendReminders(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	var in struct {
		States []string `json:"states"`
	}
	if !s.bindJSON(c, &in) {
		return
	}
	run, err := s.store.SendReminders(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, in.States, s.today())
	if s.remindersRefused(c, err) {
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		Institutions int `json:"institutions"`
		Messages     int `json:"messages"`
		Skipped      int `json:"skipped"`
	}{run.Institutions, run.Messages, run.Skipped})
}

// reminderSettingsJSON are a round's automatic reminders: days before the
// deadline, 0 for off. round_id is read-only (a PUT may send it back).
type reminderSettingsJSON struct {
	RoundID    int64 `json:"round_id"`
	FirstDays  int   `json:"first_days"`
	SecondDays int   `json:"second_days"`
}

func (s *Server) apiReminderSettings(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if _, err := s.store.Round(ctx, id); err != nil {
		s.failErr(c, err)
		return
	}
	set, err := s.store.ReminderSettings(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, reminderSettingsJSON{RoundID: id, FirstDays: set.First, SecondDays: set.Second})
}

// apiSaveReminderSettings sets the round's automatic reminders, as the
// reminders page does.
func (s *Server) apiSaveReminderSettings(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	var in reminderSettingsJSON
	if !s.bindJSON(c, &in) {
		return
	}
	set, err := s.store.SaveReminderSettings(c.Request.Context(), survey.ActorOf(*currentUser(c)), id,
		survey.ReminderSettingsInput{First: daysValue(in.FirstDays), Second: daysValue(in.SecondDays)})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, reminderSettingsJSON{RoundID: id, FirstDays: set.First, SecondDays: set.Second})
}

// ---- A round's settings (the board) ----

// apiPatchRound changes what the coordinator sets on a round's board: its
// results public or not (public) and the sign-off requirement
// (requires_signoff), as a JSON Merge Patch of the round as listed. The
// other fields change through their own calls (open, close, archive…): a
// patch that changes one of them is refused (422), not silently ignored;
// sent back unchanged, they are accepted.
func (s *Server) apiPatchRound(c *gin.Context) {
	id, ok := s.roundParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	round, err := s.store.Round(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	body, ok := s.readBody(c)
	if !ok {
		return
	}
	var patch map[string]json.RawMessage
	if loneSurrogate(body) {
		s.fail(c, http.StatusBadRequest, "err.bad_encoding")
		return
	}
	if err := json.Unmarshal(body, &patch); err != nil || patch == nil {
		s.fail(c, http.StatusBadRequest, "err.bad_json")
		return
	}
	read, err := json.Marshal(round)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var current map[string]json.RawMessage
	if err := json.Unmarshal(read, &current); err != nil {
		s.serverError(c, err)
		return
	}
	var public, signoff *bool
	fe := map[string]string{}
	for k, raw := range patch {
		switch k {
		case "public", "requires_signoff":
			var b *bool
			if err := json.Unmarshal(raw, &b); err != nil {
				s.fail(c, http.StatusBadRequest, "err.bad_json")
				return
			}
			if b == nil { // null removes: the default, false
				b = new(bool)
			}
			if k == "public" {
				public = b
			} else {
				signoff = b
			}
		default:
			cur, known := current[k]
			if !known {
				s.fail(c, http.StatusBadRequest, "err.bad_json") // unknown fields are refused
				return
			}
			if !jsonEqual(cur, raw) {
				fe[k] = "err.read_only"
			}
		}
	}
	if len(fe) > 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: fe})
		return
	}
	actor := currentUser(c).ID
	if signoff != nil && *signoff != round.RequiresSignoff {
		if round, err = s.store.SetRoundSignoff(ctx, actor, id, *signoff); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if public != nil && *public != round.Public {
		if err := s.store.SetRoundPublic(ctx, actor, id, *public); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if round, err = s.store.Round(ctx, id); err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, round)
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// ---- Mail preferences (/{lang}/account) ----

// apiMailPrefs is the signed-in person's mail preferences, as on the
// account page.
func (s *Server) apiMailPrefs(c *gin.Context) {
	prefs, err := s.store.MailPrefs(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, prefs)
}

// apiSaveMailPrefs saves them: {"lang": "en", "mail_optout": false,
// "digest": true}; the digest is for coordinators only (ignored for
// others, as on the page).
func (s *Server) apiSaveMailPrefs(c *gin.Context) {
	var in survey.MailPrefs
	if !s.bindJSON(c, &in) {
		return
	}
	prefs, err := s.store.SaveMailPrefs(c.Request.Context(), survey.ActorOf(*currentUser(c)), survey.MailPrefsInput(in))
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		// The form's field is mail_lang; the API's is lang.
		if k, ok := ve.Fields["mail_lang"]; ok {
			ve = &survey.ValidationError{Fields: map[string]string{"lang": k}}
		}
		s.apiValidation(c, ve)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, prefs)
}
