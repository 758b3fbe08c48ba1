package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"marsad/survey"
)

// testReminders: a round's automatic reminders, the plan of a reminder run
// (which institutions, who receives it, in which language, who opted out),
// mail preferences, what a store without mail configured refuses, and a
// run with mail on: recorded once a day per institution, rate-limited. The
// implementation's own tests cover what arrives (survey/sqlstore/reminders_test.go).
func testReminders(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	for _, code := range []string{"AAA", "BBB", "CCC"} {
		f.institution(code, "health")
	}
	r := f.round("2026")
	f.answer(r, "BBB", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
	f.answer(r, "CCC", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
	f.submit(r, "CCC")
	aaa := f.respondent("AAA")
	day := survey.Day(time.Now(), time.UTC)

	t.Run("automatic reminder days", func(t *testing.T) {
		f := f.sub(t)
		if set := must(f.s.ReminderSettings(f.ctx, r.ID))(t, "ReminderSettings"); set.On() {
			t.Errorf("a new round has automatic reminders: %+v", set)
		}
		must(f.s.SaveReminderSettings(f.ctx, f.coord, r.ID, survey.ReminderSettingsInput{First: "7", Second: "2"}))(t, "SaveReminderSettings")
		if set := must(f.s.ReminderSettings(f.ctx, r.ID))(t, "ReminderSettings"); set.First != 7 || set.Second != 2 {
			t.Errorf("settings %+v", set)
		}
		_, err := f.s.SaveReminderSettings(f.ctx, f.coord, r.ID, survey.ReminderSettingsInput{First: "61"})
		var ve *survey.ValidationError
		if !errors.As(err, &ve) || ve.Fields["first_days"] != "err.reminder_days" {
			t.Errorf("61 days: %v", err)
		}
		if _, err := f.s.SaveReminderSettings(f.ctx, aaa, r.ID, survey.ReminderSettingsInput{}); !errors.Is(err, survey.ErrForbidden) {
			t.Errorf("a respondent set reminders: %v", err)
		}
		if set := must(f.s.ReminderSettings(f.ctx, r.ID))(t, "ReminderSettings"); set.First != 7 {
			t.Errorf("a refused change stored: %+v", set)
		}
		if _, err := f.s.ReminderSettings(f.ctx, unknownID); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("unknown round: %v", err)
		}
	})

	t.Run("mail preferences", func(t *testing.T) {
		f := f.sub(t)
		if p := must(f.s.MailPrefs(f.ctx, aaa.ID))(t, "MailPrefs"); p != (survey.MailPrefs{Lang: "ar"}) {
			t.Errorf("defaults %+v", p)
		}
		must(f.s.SaveMailPrefs(f.ctx, aaa, survey.MailPrefsInput{Lang: "en", OptOut: true, Digest: true}))(t, "SaveMailPrefs")
		if p := must(f.s.MailPrefs(f.ctx, aaa.ID))(t, "MailPrefs"); p != (survey.MailPrefs{Lang: "en", OptOut: true}) {
			t.Errorf("a respondent's preferences %+v (no digest)", p)
		}
		must(f.s.SaveMailPrefs(f.ctx, f.coord, survey.MailPrefsInput{Lang: "ar", Digest: true}))(t, "SaveMailPrefs")
		if p := must(f.s.MailPrefs(f.ctx, f.admin.ID))(t, "MailPrefs"); !p.Digest {
			t.Error("the coordinator's digest not kept")
		}
		if _, err := f.s.MailPrefs(f.ctx, unknownID); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
	})

	t.Run("plan", func(t *testing.T) {
		f := f.sub(t)
		f.respondent("BBB")
		plan := must(f.s.ReminderPlan(f.ctx, r.ID, survey.ReminderStates, day))(t, "ReminderPlan")
		var codes []string
		for _, tg := range plan.Targets {
			codes = append(codes, tg.Institution.Code+":"+tg.Status)
		}
		if !slices.Equal(codes, []string{"AAA:none", "BBB:draft"}) {
			t.Fatalf("targets %v", codes)
		}
		a := plan.Targets[0]
		if len(a.Recipients) != 1 || a.Recipients[0].Email != "aaa@example.ps" || a.RemindedToday || !a.LastReminded.IsZero() {
			t.Errorf("AAA %+v", a)
		}
		if got := must(f.s.ReminderPlan(f.ctx, r.ID, []string{"draft"}, day))(t, "ReminderPlan"); len(got.Targets) != 1 {
			t.Errorf("drafts only: %d targets", len(got.Targets))
		}
		if last := must(f.s.LastReminders(f.ctx, r.ID))(t, "LastReminders"); len(last) != 0 {
			t.Errorf("reminded before any run: %v", last)
		}
	})

	t.Run("without mail", func(t *testing.T) {
		f := f.sub(t)
		if f.s.MailEnabled() {
			t.Skip("the store was opened with mail on")
		}
		if _, err := f.s.SendReminders(f.ctx, f.coord, r.ID, survey.ReminderStates, day); !errors.Is(err, survey.ErrRemindersNeedMail) {
			t.Errorf("SendReminders without mail: %v", err)
		}
		if run := must(f.s.RunAutomaticReminders(f.ctx, day))(t, "RunAutomaticReminders"); run != (survey.ReminderRun{}) {
			t.Errorf("automatic run without mail: %+v", run)
		}
		if n := must(f.s.QueueDigests(f.ctx, day, time.Now().Add(-24*time.Hour), time.Now()))(t, "QueueDigests"); n != 0 {
			t.Errorf("%d digests without mail", n)
		}
	})

	t.Run("with mail", func(t *testing.T) {
		f := f.sub(t)
		f.s.EnableMail("example.ps")
		t.Cleanup(func() { f.s.EnableMail("") })
		// AAA's one respondent turned notifications off: BBB only.
		run := must(f.s.SendReminders(f.ctx, f.coord, r.ID, survey.ReminderStates, day))(t, "SendReminders")
		if run != (survey.ReminderRun{Institutions: 1, Messages: 1}) {
			t.Errorf("run %+v", run)
		}
		if _, err := f.s.SendReminders(f.ctx, f.coord, r.ID, survey.ReminderStates, day); !errors.Is(err, survey.ErrReminderTooSoon) {
			t.Errorf("a second run at once: %v", err)
		}
		last := must(f.s.LastReminders(f.ctx, r.ID))(t, "LastReminders")
		if len(last) != 1 || last["BBB"].Kind != survey.ReminderManual || last["BBB"].At.IsZero() {
			t.Errorf("last reminders %+v", last)
		}
		plan := must(f.s.ReminderPlan(f.ctx, r.ID, survey.ReminderStates, day))(t, "ReminderPlan")
		if len(plan.Skipped()) != 1 || plan.Skipped()[0].Institution.Code != "BBB" || len(plan.Sending()) != 0 {
			t.Errorf("after the run: skipped %d, sending %d", len(plan.Skipped()), len(plan.Sending()))
		}
	})
}
