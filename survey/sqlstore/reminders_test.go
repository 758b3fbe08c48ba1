package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"marsad/survey"
)

// reminderFixture is a round (deadline 2026-03-08, the clock at 2026-03-01
// 09:00 UTC: 7 days left) with institutions in every state:
//
//	NONE  not started     none@     (ar)
//	DRAFT draft           draft@    (en), draft2@ (ar)
//	RET   returned        ret@
//	SUB   submitted       sub@
//	ACC   accepted        acc@
//	NOONE draft, no respondent
//	OPT   draft           opt@ turned optional mail off
type reminderFixture struct {
	s     *Store
	clock *fakeClock
	round survey.Round
	admin survey.Actor
	users map[string]survey.User // by e-mail
}

func newReminderFixture(t *testing.T) *reminderFixture {
	t.Helper()
	s, clock := newTestStoreWithClock(t)
	s.EnableMail("example.ps")
	ctx := context.Background()
	f := &reminderFixture{s: s, clock: clock, admin: survey.Actor{Role: survey.RoleAdmin}, users: map[string]survey.User{}}
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"NONE", "DRAFT", "RET", "SUB", "ACC", "NOONE", "OPT"} {
		in := validInstitution(code)
		in.NameAr, in.NameEn = "مؤسسة "+code, "Institution "+code
		mustCreateInstitution(t, s, in)
	}
	f.round = lifecycleRound(t, s, q.ID, "2026", "2026-03-08", false)
	for email, code := range map[string]string{"none@example.ps": "NONE", "draft@example.ps": "DRAFT", "draft2@example.ps": "DRAFT",
		"ret@example.ps": "RET", "sub@example.ps": "SUB", "acc@example.ps": "ACC", "opt@example.ps": "OPT"} {
		f.users[email] = mustCreateUser(t, s, survey.NewUser{Email: email, Role: survey.RoleRespondent, InstitutionCode: code})
	}
	f.setPrefs(t, "draft@example.ps", survey.MailPrefsInput{Lang: "en"})
	f.setPrefs(t, "opt@example.ps", survey.MailPrefsInput{Lang: "ar", OptOut: true})
	for _, code := range []string{"DRAFT", "RET", "SUB", "ACC", "NOONE", "OPT"} {
		a := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		if _, err := s.SaveAnswer(ctx, a, f.round.ID, code, survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
			t.Fatal(err)
		}
	}
	for code, then := range map[string]string{"RET": "return", "SUB": "", "ACC": "accept"} {
		a := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		if _, err := s.ResponseAction(ctx, a, f.round.ID, code, "submit"); err != nil {
			t.Fatal(err)
		}
		if then != "" {
			if _, err := s.ResponseAction(ctx, f.admin, f.round.ID, code, then); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The return and accept above queued notifications: start from an
	// empty outbox.
	if _, err := s.w.ExecContext(ctx, "DELETE FROM outbox"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *reminderFixture) setPrefs(t *testing.T, email string, in survey.MailPrefsInput) {
	t.Helper()
	u := f.users[email]
	if _, err := f.s.SaveMailPrefs(context.Background(), survey.ActorOf(u), in); err != nil {
		t.Fatal(err)
	}
}

// outbox lists the queued messages of kind: recipient, language, dedupe key.
type queued struct{ To, Lang, Key, Link string }

func outboxOf(t *testing.T, s *Store, kind survey.MailKind) []queued {
	t.Helper()
	var out []queued
	err := eachRow(context.Background(), s.r, "SELECT recipient, lang, coalesce(dedupe_key, ''), link FROM outbox WHERE kind = ? ORDER BY recipient",
		[]any{string(kind)}, func(rows *sql.Rows) error {
			var q queued
			err := rows.Scan(&q.To, &q.Lang, &q.Key, &q.Link)
			out = append(out, q)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func recipients(qs []queued) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.To)
	}
	sort.Strings(out)
	return out
}

func codes(ts []survey.ReminderTarget) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Institution.Code)
	}
	return out
}

// TestReminderPlanAndRun: a run reaches exactly the institutions in the
// chosen states that someone can be told about, each active respondent in
// their language, never one who turned notifications off; the same run
// again on the same day sends nothing; the next day it may.
func TestReminderPlanAndRun(t *testing.T) {
	f := newReminderFixture(t)
	s, ctx := f.s, context.Background()
	day := "2026-03-01"

	plan, err := s.ReminderPlan(ctx, f.round.ID, []string{"none", "draft"}, day)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := codes(plan.Targets), []string{"DRAFT", "NONE", "NOONE", "OPT"}; !slices.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	if got, want := codes(plan.Sending()), []string{"DRAFT", "NONE"}; !slices.Equal(got, want) {
		t.Errorf("sending %v, want %v", got, want)
	}
	if got, want := codes(plan.Unreachable()), []string{"NOONE", "OPT"}; !slices.Equal(got, want) {
		t.Errorf("unreachable %v, want %v", got, want)
	}
	if plan.Messages() != 3 || plan.Langs()["en"] != 1 || plan.Langs()["ar"] != 2 {
		t.Errorf("messages %d, langs %v", plan.Messages(), plan.Langs())
	}

	run, err := s.SendReminders(ctx, f.admin, f.round.ID, []string{"none", "draft"}, day)
	if err != nil {
		t.Fatal(err)
	}
	if run != (survey.ReminderRun{Institutions: 2, Messages: 3}) {
		t.Errorf("run %+v", run)
	}
	got := outboxOf(t, s, survey.MailReminder)
	if want := []string{"draft2@example.ps", "draft@example.ps", "none@example.ps"}; !slices.Equal(recipients(got), want) {
		t.Fatalf("reminded %v, want %v", recipients(got), want)
	}
	for _, q := range got {
		wantLang := "ar"
		if q.To == "draft@example.ps" {
			wantLang = "en"
		}
		if q.Lang != wantLang || q.Link == "" {
			t.Errorf("%s: lang %q link %q", q.To, q.Lang, q.Link)
		}
	}

	// Again at once: refused, the coordinator's double click.
	if _, err := s.SendReminders(ctx, f.admin, f.round.ID, []string{"none", "draft"}, day); !errors.Is(err, survey.ErrReminderTooSoon) {
		t.Fatalf("second run at once: %v", err)
	}
	// Again later the same day: the reminded ones are skipped, nothing new.
	f.clock.Advance(2 * time.Hour)
	plan, _ = s.ReminderPlan(ctx, f.round.ID, []string{"none", "draft", "returned"}, day)
	if got, want := codes(plan.Skipped()), []string{"DRAFT", "NONE"}; !slices.Equal(got, want) {
		t.Errorf("skipped %v, want %v", got, want)
	}
	run, err = s.SendReminders(ctx, f.admin, f.round.ID, []string{"none", "draft"}, day)
	if err != nil {
		t.Fatal(err)
	}
	if run != (survey.ReminderRun{Skipped: 2}) || len(outboxOf(t, s, survey.MailReminder)) != 3 {
		t.Errorf("same day again: run %+v, %d messages", run, len(outboxOf(t, s, survey.MailReminder)))
	}
	// Returned only, the same day: RET is new.
	if run, err = s.SendReminders(ctx, f.admin, f.round.ID, []string{"returned"}, day); err != nil || run.Institutions != 1 {
		t.Fatalf("returned: %+v %v", run, err)
	}
	// The next day, everyone again.
	f.clock.Advance(24 * time.Hour)
	run, err = s.SendReminders(ctx, f.admin, f.round.ID, survey.ReminderStates, "2026-03-02")
	if err != nil || run.Institutions != 3 {
		t.Fatalf("next day: %+v %v", run, err)
	}
	last, err := s.LastReminders(ctx, f.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 3 || last["NONE"].Kind != survey.ReminderManual || !last["NONE"].At.Equal(f.clock.Now()) {
		t.Errorf("last reminders %+v", last)
	}
	if _, ok := last["SUB"]; ok {
		t.Error("a submitted institution was reminded")
	}
	if n := auditCount(t, s, "remind", "2026"); n != 3 {
		t.Errorf("%d remind audit events, want 3 (runs that sent)", n)
	}
}

// TestReminderRefusals: respondents cannot remind, no state is no run, a
// closed round takes none, and without mail nothing is recorded.
func TestReminderRefusals(t *testing.T) {
	f := newReminderFixture(t)
	s, ctx := f.s, context.Background()
	if _, err := s.SendReminders(ctx, survey.ActorOf(f.users["none@example.ps"]), f.round.ID, survey.ReminderStates, "2026-03-01"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("respondent: %v", err)
	}
	_, err := s.SendReminders(ctx, f.admin, f.round.ID, []string{"submitted", "accepted"}, "2026-03-01")
	wantFieldErrors(t, err, map[string]string{"state": "err.choose_at_least_one"})
	s.EnableMail("")
	if _, err := s.SendReminders(ctx, f.admin, f.round.ID, survey.ReminderStates, "2026-03-01"); !errors.Is(err, survey.ErrRemindersNeedMail) {
		t.Errorf("without mail: %v", err)
	}
	if n := countRows(t, s, "reminders"); n != 0 {
		t.Errorf("%d reminders recorded without mail", n)
	}
	s.EnableMail("example.ps")
	if _, err := s.RoundAction(ctx, 0, f.round.ID, "close"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendReminders(ctx, f.admin, f.round.ID, survey.ReminderStates, "2026-03-01"); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("closed round: %v", err)
	}
}

// TestAutomaticReminders: the job reminds the late institutions on the
// round's days before their deadline (an extension moves an
// institution's), once a day however often it runs.
func TestAutomaticReminders(t *testing.T) {
	f := newReminderFixture(t)
	s, ctx := f.s, context.Background()
	_, err := s.SaveReminderSettings(ctx, f.admin, f.round.ID, survey.ReminderSettingsInput{First: "٧", Second: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if set, _ := s.ReminderSettings(ctx, f.round.ID); set.First != 7 || set.Second != 2 {
		t.Fatalf("settings %+v", set)
	}
	// DRAFT has two more days: its own 7 days before are 2 days from now.
	if _, err := s.GrantExtension(ctx, f.admin, f.round.ID, "DRAFT", survey.ExtensionInput{Until: "2026-03-10"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "DELETE FROM outbox"); err != nil { // the extension's notice
		t.Fatal(err)
	}
	// 2026-03-01: 7 days before the round's deadline.
	for range 2 {
		run, err := s.RunAutomaticReminders(ctx, "2026-03-01")
		if err != nil {
			t.Fatal(err)
		}
		_ = run
	}
	if got, want := recipients(outboxOf(t, s, survey.MailReminder)), []string{"none@example.ps", "ret@example.ps"}; !slices.Equal(got, want) {
		t.Fatalf("day 7: reminded %v, want %v", got, want)
	}
	// 2026-03-02 and 03-03: DRAFT's 7 days before its extension is 03-03.
	f.clock.Advance(24 * time.Hour)
	if run, err := s.RunAutomaticReminders(ctx, "2026-03-02"); err != nil || run.Institutions != 0 {
		t.Fatalf("day 6: %+v %v", run, err)
	}
	f.clock.Advance(24 * time.Hour)
	if run, err := s.RunAutomaticReminders(ctx, "2026-03-03"); err != nil || run.Institutions != 1 || run.Messages != 2 {
		t.Fatalf("DRAFT's day 7: %+v %v", run, err)
	}
	last, _ := s.LastReminders(ctx, f.round.ID)
	if last["DRAFT"].Kind != survey.ReminderAutomatic {
		t.Errorf("last reminders %+v", last)
	}
	// Turned off: nothing more.
	if _, err := s.SaveReminderSettings(ctx, f.admin, f.round.ID, survey.ReminderSettingsInput{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * 24 * time.Hour) // 03-06: 2 days before
	if run, err := s.RunAutomaticReminders(ctx, "2026-03-06"); err != nil || run.Institutions != 0 {
		t.Fatalf("off: %+v %v", run, err)
	}
	_, err = s.SaveReminderSettings(ctx, f.admin, f.round.ID, survey.ReminderSettingsInput{First: "3", Second: "3"})
	wantFieldErrors(t, err, map[string]string{"second_days": "err.reminder_days_same"})
	_, err = s.SaveReminderSettings(ctx, f.admin, f.round.ID, survey.ReminderSettingsInput{First: "0", Second: "x"})
	wantFieldErrors(t, err, map[string]string{"first_days": "err.reminder_days", "second_days": "err.reminder_days"})
}

// TestNotifications: returned, accepted, an extension and a reviewed story
// are queued to the right people in their language, in the transaction of
// the change, and not to someone who turned notifications off.
func TestNotifications(t *testing.T) {
	f := newReminderFixture(t)
	s, ctx := f.s, context.Background()
	sub := survey.Actor{Role: survey.RoleRespondent, Institution: "SUB"}
	f.setPrefs(t, "sub@example.ps", survey.MailPrefsInput{Lang: "en"})
	if err := s.ReviewAnswer(ctx, f.admin, f.round.ID, "SUB", "STR-1", survey.ReviewIssues, "Evidence?"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, f.admin, f.round.ID, "SUB", "return"); err != nil {
		t.Fatal(err)
	}
	got := outboxOf(t, s, survey.MailReturned)
	if len(got) != 1 || got[0].To != "sub@example.ps" || got[0].Lang != "en" {
		t.Fatalf("returned: %+v", got)
	}
	var params string
	_ = s.r.QueryRowContext(ctx, "SELECT params FROM outbox WHERE kind = 'returned'").Scan(&params)
	if params != `{"issues":"1"}` {
		t.Errorf("returned params %s", params)
	}
	if _, err := s.ResponseAction(ctx, sub, f.round.ID, "SUB", "submit"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, f.admin, f.round.ID, "SUB", "accept"); err != nil {
		t.Fatal(err)
	}
	if got := recipients(outboxOf(t, s, survey.MailAccepted)); !slices.Equal(got, []string{"sub@example.ps"}) {
		t.Errorf("accepted: %v", got)
	}
	// Opted out: the extension reaches nobody at OPT.
	for _, code := range []string{"OPT", "DRAFT"} {
		if _, err := s.GrantExtension(ctx, f.admin, f.round.ID, code, survey.ExtensionInput{Until: "2026-03-20", Reason: "طلب"}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := recipients(outboxOf(t, s, survey.MailExtension)), []string{"draft2@example.ps", "draft@example.ps"}; !slices.Equal(got, want) {
		t.Errorf("extension: %v, want %v", got, want)
	}
	// A refused change queues nothing: an extension before the deadline.
	n := len(outboxOf(t, s, survey.MailExtension))
	if _, err := s.GrantExtension(ctx, f.admin, f.round.ID, "NONE", survey.ExtensionInput{Until: "2026-03-01"}); err == nil {
		t.Fatal("extension before the deadline granted")
	}
	if len(outboxOf(t, s, survey.MailExtension)) != n {
		t.Error("a refused extension queued a message")
	}

	// Stories: to the respondent who wrote it.
	writer := survey.ActorOf(f.users["none@example.ps"])
	story := func(title string) survey.Initiative {
		in, err := s.CreateInitiative(ctx, writer, survey.InitiativeInput{InstitutionCode: "NONE", TitleAr: title, Status: "done",
			BudgetBand: "unknown", Story: true, StoryAr: "قصة", FigureLabelAr: "زمن", FigureBefore: "10", FigureAfter: "2"})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	a, b := story("قصة أولى"), story("قصة ثانية")
	if err := s.ReviewStory(ctx, f.admin, a.ID, a.Version, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ReviewStory(ctx, f.admin, b.ID, b.Version, false, "أضف الأرقام"); err != nil {
		t.Fatal(err)
	}
	ap, rt := outboxOf(t, s, survey.MailStoryApproved), outboxOf(t, s, survey.MailStoryReturned)
	if len(ap) != 1 || ap[0].To != "none@example.ps" || len(rt) != 1 || rt[0].To != "none@example.ps" {
		t.Errorf("stories: approved %+v, returned %+v", ap, rt)
	}
}

// TestDigest: a coordinator who asked for it gets one digest of a day's
// submissions and returns, in their language; asking twice queues one.
func TestDigest(t *testing.T) {
	f := newReminderFixture(t)
	s, ctx := f.s, context.Background()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 1)
	if n, err := s.QueueDigests(ctx, "2026-03-01", from, to); err != nil || n != 0 {
		t.Fatalf("nobody asked: %d %v", n, err)
	}
	coord := mustCreateUser(t, s, survey.NewUser{Email: "coord@example.ps", Role: survey.RoleAdmin})
	other := mustCreateUser(t, s, survey.NewUser{Email: "other@example.ps", Role: survey.RoleAdmin})
	if _, err := s.SaveMailPrefs(ctx, survey.ActorOf(coord), survey.MailPrefsInput{Lang: "en", Digest: true}); err != nil {
		t.Fatal(err)
	}
	// A respondent cannot ask for it.
	p, err := s.SaveMailPrefs(ctx, survey.ActorOf(f.users["none@example.ps"]), survey.MailPrefsInput{Lang: "ar", Digest: true})
	if err != nil || p.Digest {
		t.Fatalf("respondent's digest: %+v %v", p, err)
	}
	if p, _ := s.MailPrefs(ctx, coord.ID); !p.Digest || p.Lang != "en" {
		t.Fatalf("prefs %+v", p)
	}
	_ = other
	for range 2 {
		if _, err := s.QueueDigests(ctx, "2026-03-01", from, to); err != nil {
			t.Fatal(err)
		}
	}
	got := outboxOf(t, s, survey.MailDigest)
	if len(got) != 1 || got[0].To != "coord@example.ps" || got[0].Lang != "en" || got[0].Key != survey.DigestKey(coord.ID, "2026-03-01") {
		t.Fatalf("digest: %+v", got)
	}
	var params map[string]string
	var raw string
	_ = s.r.QueryRowContext(ctx, "SELECT params FROM outbox WHERE kind = 'digest'").Scan(&raw)
	params = decodeParams(t, raw)
	// The fixture submitted RET, SUB and ACC and returned RET that day.
	if params["submit_n"] != "3" || params["return_n"] != "1" || params["return_lines"] != "2026 — Institution RET" {
		t.Errorf("digest params %v", params)
	}
	// The next day had none: nothing.
	if n, err := s.QueueDigests(ctx, "2026-03-02", to, to.AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Errorf("empty day: %d %v", n, err)
	}
}

func decodeParams(t *testing.T, raw string) map[string]string {
	t.Helper()
	var p map[string]string
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("params %q: %v", raw, err)
	}
	return p
}
