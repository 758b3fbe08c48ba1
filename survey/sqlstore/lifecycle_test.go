package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// auditCount counts the audit events of action on entity key.
func auditCount(t *testing.T, s *Store, action, key string) int {
	t.Helper()
	var n int
	err := s.r.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_events WHERE action = ? AND entity_key = ?", action, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lifecycleRound makes a round on the small definition with a deadline
// (none when ""), opened.
func lifecycleRound(t *testing.T, s *Store, qID int64, name, deadline string, test bool) survey.Round {
	t.Helper()
	ctx := context.Background()
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: qID, Deadline: deadline, Test: test})
	if err != nil {
		t.Fatal(err)
	}
	if r.Test != test {
		t.Fatalf("round %s: test %v, want %v", name, r.Test, test)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDeadlineEnforced: once a round's deadline day is over in Palestine,
// respondents can save and submit nothing, by any path — unless the
// coordinator extended it for their institution; the coordinator is not
// bound. Extensions are audited and revocable.
func TestDeadlineEnforced(t *testing.T) {
	s, clock := newTestStoreWithClock(t) // 2026-03-01 09:00 UTC
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"MOH", "MOI"} {
		mustCreateInstitution(t, s, validInstitution(code))
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	moi := survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}
	r := lifecycleRound(t, s, q.ID, "2026", "2026-03-10", false)
	save := func(a survey.Actor, code, item, v string) error {
		cur, _ := s.Response(ctx, r.ID, code)
		answers, _ := s.Answers(ctx, cur.ID)
		_, err := s.SaveAnswer(ctx, a, r.ID, code, survey.AnswerInput{ItemID: item, Values: []string{v}, BaseVersion: answers[item].Version})
		return err
	}
	if err := save(moh, "MOH", "STR-1", "1"); err != nil {
		t.Fatalf("save before the deadline: %v", err)
	}
	// 23:59 on the deadline day in Palestine (UTC+2 in March) still counts.
	clock.Advance(time.Date(2026, 3, 10, 21, 59, 0, 0, time.UTC).Sub(clock.Now()))
	if err := save(moh, "MOH", "STR-1", "2"); err != nil {
		t.Fatalf("save at 23:59 on the deadline day: %v", err)
	}
	if err := save(moi, "MOI", "STR-1", "2"); err != nil {
		t.Fatalf("MOI's save on the deadline day: %v", err)
	}
	clock.Advance(2 * time.Minute) // 00:01 on the 11th in Palestine
	refused := map[string]error{
		"autosave": save(moh, "MOH", "STR-1", "0"),
		"batch": func() error {
			_, err := s.SaveAnswers(ctx, moh, r.ID, "MOH", []survey.AnswerInput{{ItemID: "STR-2", Values: []string{"a"}}})
			return err
		}(),
		"first answer of MOE": func() error {
			mustCreateInstitution(t, s, validInstitution("MOE"))
			_, err := s.SaveAnswer(ctx, survey.Actor{Role: survey.RoleRespondent, Institution: "MOE"}, r.ID, "MOE", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}})
			return err
		}(),
		"submit":  func() error { _, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "submit"); return err }(),
		"prefill": func() error { _, _, err := s.PrefillFrom(ctx, moh, r.ID, "MOH", 0); return err }(),
		"obstacles": func() error {
			_, err := s.SaveResponseObstacles(ctx, moh, r.ID, "MOH", map[int64]int{}, 0)
			return err
		}(),
	}
	for path, err := range refused {
		if !errors.Is(err, survey.ErrPastDeadline) {
			t.Errorf("%s after the deadline: %v, want ErrPastDeadline", path, err)
		}
	}
	if a := mustAnswers(t, s, r.ID, "MOH")["STR-1"]; a.Value() != "2" {
		t.Errorf("MOH's STR-1 = %q after refused saves, want 2", a.Value())
	}
	// The coordinator is not bound: a paper response that came in late.
	if err := save(admin, "MOH", "STR-2", "b"); err != nil {
		t.Errorf("coordinator's save after the deadline: %v", err)
	}

	// Extensions: the coordinator's, after the deadline, audited.
	if _, err := s.GrantExtension(ctx, moh, r.ID, "MOH", survey.ExtensionInput{Until: "2026-03-15"}); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("respondent granting: %v", err)
	}
	for name, in := range map[string]survey.ExtensionInput{
		"before the deadline": {Until: "2026-03-09"},
		"on the deadline":     {Until: "2026-03-10"},
		"not a date":          {Until: "15/03/2026"},
		"none":                {},
		"reason too long":     {Until: "2026-03-15", Reason: strings.Repeat("س", survey.MaxExtensionReason+1)},
	} {
		var ve *survey.ValidationError
		if _, err := s.GrantExtension(ctx, admin, r.ID, "MOH", in); !errors.As(err, &ve) {
			t.Errorf("extension %s: %v, want a ValidationError", name, err)
		}
	}
	if _, err := s.GrantExtension(ctx, admin, r.ID, "NOPE", survey.ExtensionInput{Until: "2026-03-15"}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("extension of an unknown institution: %v", err)
	}
	ext, err := s.GrantExtension(ctx, admin, r.ID, "moh", survey.ExtensionInput{Until: "٢٠٢٦-٠٣-١٥", Reason: " طلب مكتوب من الوزارة "})
	if err != nil || ext.Until != "2026-03-15" || ext.InstitutionCode != "MOH" || ext.Reason != "طلب مكتوب من الوزارة" {
		t.Fatalf("GrantExtension = %+v, %v", ext, err)
	}
	if n := auditCount(t, s, "extend", "2026/MOH"); n != 1 {
		t.Errorf("%d extend audit events, want 1", n)
	}
	if err := save(moh, "MOH", "STR-1", "0"); err != nil {
		t.Errorf("MOH's save with an extension: %v", err)
	}
	if _, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "submit"); err != nil {
		t.Errorf("MOH's submit with an extension: %v", err)
	}
	if err := save(moi, "MOI", "STR-1", "0"); !errors.Is(err, survey.ErrPastDeadline) {
		t.Errorf("MOI's save (no extension): %v, want ErrPastDeadline", err)
	}
	if list, err := s.RoundExtensions(ctx, r.ID); err != nil || len(list) != 1 || list[0].Until != "2026-03-15" {
		t.Errorf("RoundExtensions = %+v, %v", list, err)
	}
	w, err := s.RespondentWork(ctx, "MOI", clock.Now())
	if err != nil || len(w.Rounds) != 1 || !w.Rounds[0].Closed || w.Rounds[0].DaysLeft != -1 || w.Rounds[0].Due.Extended != "" {
		t.Errorf("MOI's work: %+v, %v; want closed a day ago", w.Rounds, err)
	}
	w, err = s.RespondentWork(ctx, "MOH", clock.Now())
	if err != nil || len(w.Rounds) != 1 || w.Rounds[0].Closed || w.Rounds[0].DaysLeft != 4 || w.Rounds[0].Due.Day() != "2026-03-15" {
		t.Errorf("MOH's work: %+v, %v; want extended, 4 days left", w.Rounds, err)
	}

	// The extension ends as a deadline does; revoking it ends it at once.
	if _, err := s.GrantExtension(ctx, admin, r.ID, "MOI", survey.ExtensionInput{Until: "2026-03-20"}); err != nil {
		t.Fatal(err)
	}
	if err := save(moi, "MOI", "STR-1", "0"); err != nil {
		t.Errorf("MOI's save with an extension: %v", err)
	}
	if err := s.RevokeExtension(ctx, moi, r.ID, "MOI"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("respondent revoking: %v", err)
	}
	if err := s.RevokeExtension(ctx, admin, r.ID, "MOI"); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, s, "revoke-extension", "2026/MOI"); n != 1 {
		t.Errorf("%d revoke-extension audit events, want 1", n)
	}
	if err := s.RevokeExtension(ctx, admin, r.ID, "MOI"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	if err := save(moi, "MOI", "STR-2", "a"); !errors.Is(err, survey.ErrPastDeadline) {
		t.Errorf("MOI's save after the revocation: %v", err)
	}
	if _, err := s.Extension(ctx, r.ID, "MOI"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("Extension after the revocation: %v", err)
	}
	if _, err := s.ResponseAction(ctx, admin, r.ID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * 24 * time.Hour) // past the 15th
	if err := save(moh, "MOH", "STR-1", "1"); !errors.Is(err, survey.ErrPastDeadline) {
		t.Errorf("MOH's save after its extension: %v", err)
	}

	// A round without a deadline takes answers as long as it is open.
	free := lifecycleRound(t, s, q.ID, "2027", "", false)
	if _, err := s.SaveAnswer(ctx, moi, free.ID, "MOI", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil {
		t.Errorf("save in a round without a deadline: %v", err)
	}
	if _, err := s.GrantExtension(ctx, admin, free.ID, "MOI", survey.ExtensionInput{Until: "2027-01-01"}); err == nil {
		t.Error("an extension of a round without a deadline was granted")
	}
}

func mustAnswers(t *testing.T, s *Store, roundID int64, code string) survey.AnswerSet {
	t.Helper()
	resp, err := s.Response(context.Background(), roundID, code)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Answers(context.Background(), resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPrefillSources: the default source is the institution's newest
// response that was sent in, in a closed or published round of the same
// questionnaire that is not a test round; other past rounds of its own may
// be chosen; nobody else's, and no open or archived round.
func TestPrefillSources(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	other := validDefinition()
	other.ID, other.Version = "other", "1"
	q2, err := s.StoreQuestionnaire(ctx, 0, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"MOH", "MOI"} {
		mustCreateInstitution(t, s, validInstitution(code))
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	moi := survey.Actor{Role: survey.RoleRespondent, Institution: "MOI"}
	answer := func(r survey.Round, a survey.Actor, code string, values map[string][]string, submit bool) {
		t.Helper()
		var ins []survey.AnswerInput
		for _, id := range []string{"STR-1", "STR-2", "SRV-2"} {
			if v, ok := values[id]; ok {
				ins = append(ins, survey.AnswerInput{ItemID: id, Values: v})
			}
		}
		if _, err := s.SaveAnswers(ctx, a, r.ID, code, ins); err != nil {
			t.Fatal(err)
		}
		if submit {
			if _, err := s.ResponseAction(ctx, a, r.ID, code, "submit"); err != nil {
				t.Fatal(err)
			}
		}
	}
	closeRound := func(r survey.Round, publish bool) {
		t.Helper()
		if _, err := s.RoundAction(ctx, 0, r.ID, "close"); err != nil {
			t.Fatal(err)
		}
		if publish {
			if _, err := s.RoundAction(ctx, 0, r.ID, "publish"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Oldest first: sent in (the default), another questionnaire, a test
	// round, a draft left unfinished, MOI's only, still open; then the round
	// being filled.
	sent := lifecycleRound(t, s, q.ID, "2021", "", false)
	answer(sent, moh, "MOH", map[string][]string{"STR-1": {"2"}, "STR-2": {"a"}, "SRV-2": {"40"}}, true)
	closeRound(sent, true)
	otherQ := lifecycleRound(t, s, q2.ID, "2022", "", false)
	answer(otherQ, moh, "MOH", map[string][]string{"STR-1": {"0"}}, true)
	closeRound(otherQ, true)
	test := lifecycleRound(t, s, q.ID, "2023-trial", "", true)
	answer(test, moh, "MOH", map[string][]string{"STR-1": {"1"}, "SRV-2": {"10"}}, true)
	closeRound(test, true)
	draft := lifecycleRound(t, s, q.ID, "2024", "", false)
	answer(draft, moh, "MOH", map[string][]string{"STR-1": {"0"}, "STR-2": {"c"}}, false)
	closeRound(draft, false)
	moiOnly := lifecycleRound(t, s, q.ID, "2025", "", false)
	answer(moiOnly, moi, "MOI", map[string][]string{"STR-1": {"1"}}, true)
	closeRound(moiOnly, false)
	live := lifecycleRound(t, s, q.ID, "2026", "", false)
	answer(live, moh, "MOH", map[string][]string{"STR-1": {"1"}}, false)
	cur := lifecycleRound(t, s, q.ID, "2027", "", false)

	list, err := s.PrefillSources(ctx, moh, cur.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list {
		label := p.Round.Name + ":" + p.Status
		if p.Standard {
			label += "*"
		}
		if !p.Same {
			label += "~"
		}
		names = append(names, label)
	}
	if got, want := strings.Join(names, " "), "2024:draft 2023-trial:submitted 2022:submitted~ 2021:submitted*"; got != want {
		t.Errorf("sources %s, want %s (newest first, * default, ~ another questionnaire)", got, want)
	}
	if _, err := s.PrefillSources(ctx, moi, cur.ID, "MOH"); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("another institution's sources: %v", err)
	}

	// Picks: nobody else's response, no open round, no unknown round.
	for name, from := range map[string]int64{"MOI's only round": moiOnly.ID, "an open round": live.ID, "the round itself": cur.ID, "unknown": 9999} {
		if _, _, err := s.PrefillFrom(ctx, moh, cur.ID, "MOH", from); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("prefill from %s: %v, want ErrNotFound", name, err)
		}
	}
	if _, _, err := s.PrefillFrom(ctx, moi, cur.ID, "MOH", sent.ID); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("MOI pre-filling MOH: %v", err)
	}
	if got := mustAnswers(t, s, cur.ID, "MOH"); len(got) != 0 {
		t.Errorf("refused picks copied %v", got)
	}

	// The default: the 2021 answers, audited with their source.
	src, n, err := s.PrefillFrom(ctx, moh, cur.ID, "MOH", 0)
	if err != nil || src.Round.ID != sent.ID || n != 3 {
		t.Fatalf("default prefill: %s, %d, %v; want 2021, 3", src.Round.Name, n, err)
	}
	got := mustAnswers(t, s, cur.ID, "MOH")
	if got["STR-1"].Value() != "2" || got["SRV-2"].Value() != "40" {
		t.Errorf("prefilled %v, want 2021's", got)
	}
	var after string
	if err := s.r.QueryRowContext(ctx, "SELECT after_json FROM audit_events WHERE action = 'prefill' AND entity_key = '2027/MOH'").Scan(&after); err != nil ||
		!strings.Contains(after, `"from":"2021"`) || !strings.Contains(after, `"answers":3`) {
		t.Errorf("prefill audit %s, %v", after, err)
	}

	// Another pick fills only what is still unanswered.
	src, n, err = s.PrefillFrom(ctx, moh, cur.ID, "MOH", draft.ID)
	if err != nil || src.Round.ID != draft.ID || n != 0 {
		t.Errorf("prefill from the 2024 draft: %s, %d, %v; want 0 (answered already)", src.Round.Name, n, err)
	}
	next := lifecycleRound(t, s, q.ID, "2028", "", false)
	if _, n, err := s.PrefillFrom(ctx, moh, next.ID, "MOH", test.ID); err != nil || n != 2 {
		t.Errorf("prefill from the test round, chosen: %d, %v; want 2", n, err)
	} else if a := mustAnswers(t, s, next.ID, "MOH"); a["STR-1"].Value() != "1" || a["SRV-2"].Value() != "10" {
		t.Errorf("prefilled from the test round %v", a)
	}

	// An archived round is no source; without any, a pre-fill copies nothing.
	if _, err := s.ArchiveRound(ctx, 0, sent.ID); err != nil {
		t.Fatal(err)
	}
	last := lifecycleRound(t, s, q.ID, "2029", "", false)
	src, n, err = s.PrefillFrom(ctx, moh, last.ID, "MOH", 0)
	if err != nil || n != 0 || src.Round.ID != 0 {
		t.Errorf("default prefill with 2021 archived: %s, %d, %v; want none", src.Round.Name, n, err)
	}
	if _, _, err := s.PrefillFrom(ctx, moh, last.ID, "MOH", sent.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("prefill from an archived round: %v", err)
	}
	_ = admin
}

// TestDeleteRound: a round never published goes with everything that
// refers to it, in one transaction, audited; a published one cannot be
// deleted; a confirmation that named other counts deletes nothing.
func TestDeleteRound(t *testing.T) { deleteRoundOn(t, newTestStore(t)) }

func deleteRoundOn(t *testing.T, s *Store) {
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"MOH", "MOI", "MOE"} {
		mustCreateInstitution(t, s, validInstitution(code))
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	keep := scoredRound(t, s, q.ID, "2025", map[string]string{"MOH": "2", "MOI": "1"})
	gone := scoredRound(t, s, q.ID, "2026", map[string]string{"MOH": "1"})
	// Its ranking is read, and so cached at the round's version: one
	// submission's (a status and two scores).
	if got, err := s.Scores(ctx, gone.ID, survey.ScoreSelf); err != nil || len(got) != 1 || got[0].Code != "MOH" {
		t.Fatalf("2026 scores %+v, %v", got, err)
	}
	for code, ins := range map[string][]survey.AnswerInput{
		"MOI": {{ItemID: "STR-1", Values: []string{"2"}}},
		"MOE": {{ItemID: "STR-1", Values: []string{"1"}}, {ItemID: "STR-2", Values: []string{"a", "b"}}},
	} {
		if _, err := s.SaveAnswers(ctx, survey.Actor{Role: survey.RoleRespondent, Institution: code}, gone.ID, code, ins); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreatePlanAction(ctx, admin, gone.ID, "MOH", survey.PlanInput{TextAr: "إجراء", Owner: "مدير", TargetRound: "2027"}); err != nil {
		t.Fatal(err)
	}
	if before, err := s.Scores(ctx, keep.ID, survey.ScoreSelf); err != nil || len(before) != 2 {
		t.Fatalf("2025 scores %v, %v", before, err)
	}

	contents, err := s.RoundContents(ctx, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if contents.Responses != 3 || contents.Institutions != 3 || contents.Submitted != 1 || contents.Answers != 4 ||
		contents.Other["scores"] != 2 || contents.Other["plan_actions"] != 1 {
		t.Fatalf("RoundContents = %+v; want 3 responses of 3 institutions, 1 submitted, 4 answers, 2 scores, 1 plan", contents)
	}
	stale := contents
	stale.Answers--
	if err := s.DeleteRound(ctx, 0, gone.ID, stale); !errors.Is(err, survey.ErrRoundChanged) {
		t.Fatalf("delete confirmed on other counts: %v", err)
	}
	if _, err := s.Round(ctx, gone.ID); err != nil {
		t.Fatalf("a refused delete removed the round: %v", err)
	}
	if err := s.DeleteRound(ctx, 0, gone.ID, contents); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Round(ctx, gone.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleted round still read: %v", err)
	}
	// Nothing refers to it any more, in any table that refers to rounds or responses.
	plan, err := s.deletionPlan(ctx, s.r)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range plan {
		var n int
		if err := s.r.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", quoteIdent(st.table), st.where), st.args(gone.ID)...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows of %s left of the deleted round", n, st.table)
		}
	}
	if n := countRows(t, s, "answers"); n != 2 {
		t.Errorf("%d answers left, want 2025's 2", n)
	}
	if n := auditCount(t, s, "delete", "2026"); n != 1 {
		t.Errorf("%d delete audit events, want 1", n)
	}
	var audit string
	if err := s.r.QueryRowContext(ctx, "SELECT before_json FROM audit_events WHERE action = 'delete' AND entity_key = '2026'").Scan(&audit); err != nil ||
		!strings.Contains(audit, `"answers":4`) || !strings.Contains(audit, `"responses":3`) {
		t.Errorf("delete audit %s, %v", audit, err)
	}
	if got, err := s.Scores(ctx, keep.ID, survey.ScoreSelf); err != nil || len(got) != 2 {
		t.Errorf("2025 after the delete: %v, %v", got, err)
	}

	// A round made next takes the deleted round's id (SQLite reuses the
	// largest) and, after one submission, would be at the version the
	// deleted round's ranking was cached at: it must not be served it.
	again := scoredRound(t, s, q.ID, "2026-bis", map[string]string{"MOE": "0"})
	if again.ID != gone.ID {
		t.Fatalf("the new round has id %d, the deleted one had %d: the case is not made", again.ID, gone.ID)
	}
	if got, err := s.Scores(ctx, again.ID, survey.ScoreSelf); err != nil || len(got) != 1 || got[0].Code != "MOE" {
		t.Errorf("new round's ranking %+v, %v; want MOE alone (not the deleted round's)", got, err)
	}

	// Published: archived, never deleted.
	for _, a := range []string{"close", "publish"} {
		if _, err := s.RoundAction(ctx, 0, keep.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	pub, _ := s.Round(ctx, keep.ID)
	if err := s.DeleteRound(ctx, 0, keep.ID, survey.RoundContents{Responses: 2, Answers: 2}); !errors.Is(err, survey.ErrNotDeletable) {
		t.Errorf("delete of a published round: %v", err)
	}
	if pub.Deletable() || !pub.Archivable() {
		t.Errorf("published round: deletable %v, archivable %v", pub.Deletable(), pub.Archivable())
	}
}

// TestArchiveRound: an archived round leaves ListRounds (and so every
// list, dashboard and trend) and comes back whole when restored; only a
// published round is archived.
func TestArchiveRound(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	q, err := s.StoreQuestionnaire(ctx, 0, validDefinition())
	if err != nil {
		t.Fatal(err)
	}
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := scoredRound(t, s, q.ID, "2025", map[string]string{"MOH": "2"})
	if _, err := s.ArchiveRound(ctx, 0, r.ID); !errors.Is(err, survey.ErrNotArchivable) {
		t.Errorf("archive of an open round: %v", err)
	}
	for _, a := range []string{"close", "publish"} {
		if _, err := s.RoundAction(ctx, 0, r.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	version := func() string {
		v, err := s.ScoresVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	got, err := s.ArchiveRound(ctx, 0, r.ID)
	if err != nil || !got.Archived {
		t.Fatalf("ArchiveRound = %+v, %v", got, err)
	}
	if v := version(); v == v0 {
		t.Error("archiving left the scores version (and the cached pages) as it was")
	}
	if list, _ := s.ListRounds(ctx); len(list) != 0 {
		t.Errorf("ListRounds with the round archived: %+v", list)
	}
	if list, _ := s.ArchivedRounds(ctx); len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("ArchivedRounds = %+v", list)
	}
	if _, err := s.ArchiveRound(ctx, 0, r.ID); !errors.Is(err, survey.ErrNotArchivable) {
		t.Errorf("archiving twice: %v", err)
	}
	if scores, err := s.Scores(ctx, r.ID, survey.ScoreSelf); err != nil || len(scores) != 1 {
		t.Errorf("an archived round's scores: %v, %v; want kept", scores, err)
	}
	if n := auditCount(t, s, "archive", "2025"); n != 1 {
		t.Errorf("%d archive audit events", n)
	}
	got, err = s.RestoreRound(ctx, 0, r.ID)
	if err != nil || got.Archived {
		t.Fatalf("RestoreRound = %+v, %v", got, err)
	}
	if list, _ := s.ListRounds(ctx); len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("ListRounds after the restore: %+v", list)
	}
	if _, err := s.RestoreRound(ctx, 0, r.ID); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("restoring a round not archived: %v", err)
	}
	if n := auditCount(t, s, "restore", "2025"); n != 1 {
		t.Errorf("%d restore audit events", n)
	}
}
