package storetest

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
)

// testRounds: questionnaires are immutable versions; rounds go through
// their states; a response goes from draft to submitted, returned and
// accepted, with every answer saved under optimistic versions and batches
// saved all or nothing; obstacles, answer imports and prefill follow the
// same rules of who may write and when.
func testRounds(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	f.institution("MOE", "education")
	f.service(serviceInput("MOH", "S-1", "خدمة إلكترونية", 3))
	moh, moi := f.respondent("MOH"), f.respondent("MOI")

	var q survey.QuestionnaireVersion
	t.Run("questionnaires", func(t *testing.T) {
		f := f.sub(t)
		def := smallDefinition()
		hash, _ := def.Hash()
		q = must(s.StoreQuestionnaire(ctx, f.admin.ID, def))(t, "StoreQuestionnaire")
		if q.ID == 0 || q.Hash != hash || q.DefID != "contract" || q.Version != "1" || q.Def == nil || len(q.Def.Items) != len(def.Items) {
			t.Errorf("stored %+v", q)
		}
		// A version is known by its content: the same definition is the
		// same version, a changed one a new version.
		if again, err := s.StoreQuestionnaire(ctx, f.admin.ID, smallDefinition()); err != nil || again.ID != q.ID {
			t.Errorf("same definition again: id %d, %v; want %d", again.ID, err, q.ID)
		}
		changed := smallDefinition()
		changed.Items[0].LabelAr = "هل لديكم خطة؟"
		q2 := must(s.StoreQuestionnaire(ctx, f.admin.ID, changed))(t, "StoreQuestionnaire changed")
		if q2.ID == q.ID {
			t.Error("a changed definition got the id of the first version")
		}
		if read, err := s.Questionnaire(ctx, q.ID); err != nil || read.Hash != hash || read.Def.Items[0].LabelAr != "خطة؟" {
			t.Errorf("first version read back changed: %+v, %v", read, err)
		}
		d := must(s.StoreQuestionnaireJSON(ctx, f.admin.ID, data.DefaultQuestionnaire))(t, "StoreQuestionnaireJSON default")
		want := must(survey.ParseDefinition(data.DefaultQuestionnaire))(t, "ParseDefinition default")
		wantHash, _ := want.Hash()
		body := must(s.QuestionnaireBody(ctx, d.ID))(t, "QuestionnaireBody")
		back := must(survey.ParseDefinition(body))(t, "ParseDefinition of the stored body")
		if h, _ := back.Hash(); d.Hash != wantHash || h != wantHash || len(d.Def.Items) != len(want.Items) {
			t.Errorf("default questionnaire: stored hash %s, body hash %s, want %s", d.Hash, h, wantHash)
		}

		bad := smallDefinition()
		bad.Model.Scale = 7
		_, err := s.StoreQuestionnaire(ctx, f.admin.ID, bad)
		var de *survey.DefinitionError
		if !errors.As(err, &de) {
			t.Errorf("invalid definition: %v, want a *DefinitionError", err)
		}
		_, err = s.StoreQuestionnaireJSON(ctx, f.admin.ID, []byte(`{"id": "x"`))
		if !errors.As(err, &de) {
			t.Errorf("broken JSON: %v, want a *DefinitionError", err)
		}
		list := must(s.ListQuestionnaires(ctx))(t, "ListQuestionnaires")
		var ids []int64
		for _, v := range list {
			ids = append(ids, v.ID)
		}
		if !slices.Equal(ids, []int64{d.ID, q2.ID, q.ID}) {
			t.Errorf("ListQuestionnaires = %v, want %v (newest first, refused ones absent)", ids, []int64{d.ID, q2.ID, q.ID})
		}
		_, err = s.Questionnaire(ctx, unknownID)
		wantIs(t, "Questionnaire(unknown)", err, survey.ErrNotFound)
		_, err = s.QuestionnaireBody(ctx, unknownID)
		wantIs(t, "QuestionnaireBody(unknown)", err, survey.ErrNotFound)
	})

	var r survey.Round // the round most steps answer
	t.Run("rounds", func(t *testing.T) {
		f := f.sub(t)
		var err error
		// Deadlines are enforced and the suite runs on the real clock: a
		// deadline far ahead.
		r, err = s.CreateRound(ctx, f.admin.ID, survey.RoundInput{Name: " ٢٠٢٦ ", QuestionnaireID: q.ID, Deadline: "2099-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Name != "2026" || r.Status != survey.RoundDraft || r.QuestionnaireID != q.ID || r.Deadline != "2099-12-31" ||
			r.Public || !r.OpenedAt.IsZero() {
			t.Errorf("created %+v", r)
		}
		for name, c := range map[string]struct {
			in    survey.RoundInput
			field string
		}{
			"same name":             {survey.RoundInput{Name: "2026", QuestionnaireID: q.ID}, "name"},
			"no name":               {survey.RoundInput{QuestionnaireID: q.ID}, "name"},
			"unknown questionnaire": {survey.RoundInput{Name: "2030", QuestionnaireID: unknownID}, "questionnaire"},
			"bad deadline":          {survey.RoundInput{Name: "2031", QuestionnaireID: q.ID, Deadline: "31/12/2031"}, "deadline"},
		} {
			_, err := s.CreateRound(ctx, f.admin.ID, c.in)
			wantField(t, name, err, c.field, "")
		}
		if list, err := s.ListRounds(ctx); err != nil || len(list) != 1 {
			t.Errorf("ListRounds = %+v, %v; want only 2026 (refused rounds absent)", list, err)
		}
		_, err = s.Round(ctx, unknownID)
		wantIs(t, "Round(unknown)", err, survey.ErrNotFound)
		// Nobody answers a round before it opens: no draft appears.
		_, err = s.Response(ctx, r.ID, "MOH")
		wantIs(t, "Response in a draft round", err, survey.ErrNotFound)
		_, err = s.SaveAnswer(ctx, moh, r.ID, "MOH", in("STR-1", "1"))
		wantIs(t, "save in a draft round", err, survey.ErrInvalidTransition)
		if open, err := s.OpenRounds(ctx); err != nil || len(open) != 0 {
			t.Errorf("OpenRounds = %+v, %v before opening", open, err)
		}
		r = f.roundAction(r, "open")
		if r.Status != survey.RoundOpen || r.OpenedAt.IsZero() {
			t.Errorf("opened %+v", r)
		}
		if open, err := s.OpenRounds(ctx); err != nil || len(open) != 1 || open[0].ID != r.ID {
			t.Errorf("OpenRounds = %+v, %v; want 2026", open, err)
		}
	})

	t.Run("round states", func(t *testing.T) {
		f := f.sub(t)
		x := must(s.CreateRound(ctx, f.admin.ID, survey.RoundInput{Name: "2020", QuestionnaireID: q.ID}))(t, "CreateRound")
		for _, st := range []struct {
			action string
			ok     bool
			status string
		}{
			{"publish", false, survey.RoundDraft},
			{"open", true, survey.RoundOpen},
			{"open", false, survey.RoundOpen},
			{"publish", false, survey.RoundOpen},
			{"close", true, survey.RoundClosed},
			{"close", false, survey.RoundClosed},
			{"reopen", true, survey.RoundOpen},
			{"close", true, survey.RoundClosed},
			{"publish", true, survey.RoundPublished},
			{"reopen", false, survey.RoundPublished},
			{"delete", false, survey.RoundPublished},
		} {
			got, err := s.RoundAction(ctx, f.admin.ID, x.ID, st.action)
			if st.ok != (err == nil) || (err != nil && !errors.Is(err, survey.ErrInvalidTransition)) {
				t.Errorf("%s from %s: %v, want ok=%v", st.action, x.Status, err, st.ok)
			}
			if err == nil && got.Status != st.status {
				t.Errorf("%s: status %s, want %s", st.action, got.Status, st.status)
			}
			x = must(s.Round(ctx, x.ID))(t, "Round")
			if x.Status != st.status {
				t.Errorf("after %s: stored status %s, want %s", st.action, x.Status, st.status)
			}
		}
		if x.ClosedAt.IsZero() || x.PublishedAt.IsZero() || x.Public {
			t.Errorf("published round %+v: want its dates, not public", x)
		}
		ok(t, "SetRoundPublic", s.SetRoundPublic(ctx, f.admin.ID, x.ID, true))
		if x, _ = s.Round(ctx, x.ID); !x.Public {
			t.Error("SetRoundPublic(true) not stored")
		}
		_, err := s.RoundAction(ctx, f.admin.ID, unknownID, "open")
		wantIs(t, "RoundAction(unknown)", err, survey.ErrNotFound)
		wantIs(t, "SetRoundPublic(unknown)", s.SetRoundPublic(ctx, f.admin.ID, unknownID, true), survey.ErrNotFound)
		if list, _ := s.ListRounds(ctx); len(list) != 2 || list[0].Name != "2026" || list[1].Name != "2020" {
			t.Errorf("ListRounds = %+v, want 2026 then 2020 (newest first)", list)
		}
	})

	t.Run("answers with versions", func(t *testing.T) {
		f := f.sub(t)
		// In an open round the response appears, as a draft, when first asked for.
		moe := must(s.Response(ctx, r.ID, "MOE"))(t, "Response(MOE)")
		if moe.ID == 0 || moe.Status != survey.ResponseDraft || moe.InstitutionCode != "MOE" || moe.RoundID != r.ID {
			t.Errorf("first read of a response: %+v", moe)
		}
		if again, _ := s.Response(ctx, r.ID, "MOE"); again.ID != moe.ID {
			t.Errorf("second read: response %d, want %d", again.ID, moe.ID)
		}
		_, err := s.Response(ctx, r.ID, "NOPE")
		wantIs(t, "Response of an unknown institution", err, survey.ErrNotFound)

		_, err = s.SaveAnswer(ctx, moi, r.ID, "MOH", in("STR-1", "1"))
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		for name, a := range map[string]survey.AnswerInput{
			"unknown option":  in("STR-1", "9"),
			"two for single":  in("STR-1", "0", "1"),
			"N/A not allowed": {ItemID: "STR-1", NA: true, Comment: "x"},
			"metric typed":    in("SRV-1", "1"),
			"percent > 100":   in("SRV-2", "120"),
			"bad evidence":    {ItemID: "STR-1", Values: []string{"1"}, Evidence: "not a url"},
			"bad url answer":  in("STR-1-EV", "ftp://x"),
		} {
			_, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", a)
			var ve *survey.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: %v, want a *ValidationError", name, err)
			}
		}
		_, err = s.SaveAnswer(ctx, moh, r.ID, "MOH", in("NOPE", "1"))
		wantIs(t, "unknown item", err, survey.ErrNotFound)
		_, err = s.SaveAnswer(ctx, moh, unknownID, "MOH", in("STR-1", "1"))
		wantIs(t, "unknown round", err, survey.ErrNotFound)
		if got := f.answers(r, "MOH"); len(got) != 0 {
			t.Errorf("refused saves stored %v", got)
		}

		a1 := must(s.SaveAnswer(ctx, moh, r.ID, "MOH", in("STR-1", "1")))(t, "first save")
		second := survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Evidence: "https://moh.example.ps/plan", BaseVersion: a1.Version}
		a2 := must(s.SaveAnswer(ctx, moh, r.ID, "MOH", second))(t, "second save")
		if a1.Version != 1 || a2.Version != 2 || a2.Value() != "2" {
			t.Errorf("versions %d then %d (%+v), want 1 then 2", a1.Version, a2.Version, a2)
		}
		// Someone who read version 1 saves: refused, with what is there now.
		_, err = s.SaveAnswer(ctx, f.coord, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"0"}, BaseVersion: 1})
		var ce *survey.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, survey.ErrConflict) || ce.Current.Version != 2 || ce.Current.Value() != "2" {
			t.Errorf("stale save: %v, want a *ConflictError carrying version 2", err)
		}
		// A retry of the second save (its reply lost) is not a conflict.
		retried := must(s.SaveAnswer(ctx, moh, r.ID, "MOH", second))(t, "retried save")
		if retried.Version != 2 || retried.Value() != "2" {
			t.Errorf("retried save answered %+v, want version 2 unchanged", retried)
		}
		// Numbers are read as people type them.
		if a := must(s.SaveAnswer(ctx, moh, r.ID, "MOH", in("SRV-2", "٤٥")))(t, "percent"); a.Value() != "45" {
			t.Errorf("percent saved as %q, want 45", a.Value())
		}
		stored := f.answers(r, "MOH")
		if got := stored["STR-1"]; got.Version != 2 || got.Value() != "2" || got.Evidence != second.Evidence ||
			got.UpdatedBy != "moh@example.ps" || got.UpdatedAt.IsZero() {
			t.Errorf("stored STR-1 %+v: want version 2 by moh@example.ps", got)
		}
		if got := stored["SRV-2"]; got.Value() != "45" || len(stored) != 2 {
			t.Errorf("stored %v", stored)
		}
	})

	t.Run("batches all or nothing", func(t *testing.T) {
		f := f.sub(t)
		_, err := s.SaveAnswers(ctx, moh, r.ID, "MOH", []survey.AnswerInput{in("STR-2", "a", "b"), in("SRV-3", "5000")})
		var be *survey.BatchError
		var ve *survey.ValidationError
		if !errors.As(err, &be) || len(be.Items) != 1 || be.Items[0].ItemID != "SRV-3" || !errors.As(be.Items[0].Err, &ve) {
			t.Errorf("batch with an invalid answer: %v, want a *BatchError naming SRV-3", err)
		}
		_, err = s.SaveAnswers(ctx, moh, r.ID, "MOH", []survey.AnswerInput{in("SRV-3", "100"), in("STR-1", "0")})
		if !errors.As(err, &be) || len(be.Items) != 1 || be.Items[0].ItemID != "STR-1" || !errors.Is(be.Items[0].Err, survey.ErrConflict) {
			t.Errorf("batch with a stale answer: %v, want a *BatchError with STR-1's conflict", err)
		}
		if got := f.answers(r, "MOH"); len(got) != 2 || got["STR-1"].Value() != "2" {
			t.Errorf("refused batches stored something: %v", got)
		}
		saved := must(s.SaveAnswers(ctx, moh, r.ID, "MOH", []survey.AnswerInput{
			in("STR-2", "a", "b"), in("SRV-3", "100"), in("SRV-4", "yes"), in("STR-1-EV", "https://moh.example.ps/plan.pdf")}))(t, "SaveAnswers")
		if len(saved) != 4 || saved[0].ItemID != "STR-2" || saved[0].Version != 1 || !slices.Equal(saved[0].Values, []string{"a", "b"}) {
			t.Errorf("saved %+v", saved)
		}
		if got := f.answers(r, "MOH"); len(got) != 6 || got["SRV-4"].Value() != "yes" {
			t.Errorf("stored after the batch: %v", got)
		}
	})

	t.Run("submit, return, accept", func(t *testing.T) {
		f := f.sub(t)
		_, err := s.ResponseAction(ctx, moh, r.ID, "MOH", "accept")
		wantIs(t, "respondent accepting", err, survey.ErrForbidden)
		_, err = s.ResponseAction(ctx, moh, r.ID, "MOH", "fly")
		wantIs(t, "unknown action", err, survey.ErrInvalidTransition)
		_, err = s.ResponseAction(ctx, moh, unknownID, "MOH", "submit")
		wantIs(t, "submit in an unknown round", err, survey.ErrNotFound)
		wantIs(t, "review of a draft", s.ReviewAnswer(ctx, f.coord, r.ID, "MOH", "STR-1", survey.ReviewApproved, ""), survey.ErrInvalidTransition)
		_, err = s.ResponseAction(ctx, moi, r.ID, "MOI", "submit")
		var inc *survey.ErrIncomplete
		if !errors.As(err, &inc) || !slices.Equal(inc.Items, []string{"STR-1"}) {
			t.Errorf("submit without the required answer: %v, want *ErrIncomplete [STR-1]", err)
		}
		if moiResp := f.response(r, "MOI"); moiResp.Status != survey.ResponseDraft {
			t.Errorf("a refused submission left MOI %s", moiResp.Status)
		}

		sub := f.submit(r, "MOH")
		if sub.Status != survey.ResponseSubmitted {
			t.Errorf("submitted: %+v", sub)
		}
		if read := f.response(r, "MOH"); read.Status != survey.ResponseSubmitted || read.SubmittedAt.IsZero() {
			t.Errorf("read after submission: %+v", read)
		}
		_, err = s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}, BaseVersion: 2})
		wantIs(t, "save after submission", err, survey.ErrInvalidTransition)
		_, err = s.ResponseAction(ctx, moh, r.ID, "MOH", "submit")
		wantIs(t, "submit twice", err, survey.ErrInvalidTransition)

		wantIs(t, "respondent reviewing", s.ReviewAnswer(ctx, moh, r.ID, "MOH", "STR-1", survey.ReviewApproved, ""), survey.ErrForbidden)
		wantField(t, "issues without a comment", s.ReviewAnswer(ctx, f.coord, r.ID, "MOH", "STR-1", survey.ReviewIssues, ""),
			"review_comment", "err.review_comment_required")
		wantIs(t, "review of an unanswered item", s.ReviewAnswer(ctx, f.coord, r.ID, "MOH", "SRV-1", survey.ReviewApproved, ""), survey.ErrNotFound)
		ok(t, "ReviewAnswer issues", s.ReviewAnswer(ctx, f.coord, r.ID, "MOH", "STR-1", survey.ReviewIssues, "الخطة غير معتمدة بعد"))
		ok(t, "ReviewAnswer approved", s.ReviewAnswer(ctx, f.coord, r.ID, "MOH", "STR-2", survey.ReviewApproved, ""))
		_, err = s.ResponseAction(ctx, moh, r.ID, "MOH", "return")
		wantIs(t, "respondent returning", err, survey.ErrForbidden)
		if ret := must(s.ResponseAction(ctx, f.coord, r.ID, "MOH", "return"))(t, "return"); ret.Status != survey.ResponseReturned {
			t.Errorf("returned: %+v", ret)
		}
		answers := f.answers(r, "MOH")
		if a := answers["STR-1"]; a.ReviewStatus != survey.ReviewIssues || a.ReviewComment != "الخطة غير معتمدة بعد" {
			t.Errorf("review mark not kept: %+v", a)
		}
		if a := answers["STR-2"]; a.ReviewStatus != survey.ReviewApproved {
			t.Errorf("approval not kept: %+v", a)
		}

		// The respondent's work shows what came back, with the comment.
		w := must(s.RespondentWork(ctx, "MOH", time.Date(2099, 12, 21, 10, 0, 0, 0, time.UTC)))(t, "RespondentWork")
		answered, total := survey.Progress(q.Def, answers)
		if len(w.Rounds) != 1 || w.Rounds[0].Round.ID != r.ID || w.Rounds[0].Status != survey.ResponseReturned ||
			w.Rounds[0].Answered != answered || w.Rounds[0].Total != total || !w.Rounds[0].HasDeadline || w.Rounds[0].DaysLeft != 10 {
			t.Errorf("RespondentWork rounds %+v; want 2026 returned, %d of %d answered, 10 days left", w.Rounds, answered, total)
		} else if ret := w.Rounds[0].Returned; len(ret) != 1 || ret[0].Item.ID != "STR-1" || ret[0].Comment != "الخطة غير معتمدة بعد" {
			t.Errorf("RespondentWork returned items %+v", ret)
		}
		toReview := 0
		for _, sv := range must(s.InstitutionServices(ctx, "MOH"))(t, "InstitutionServices") {
			if len(survey.ServiceReasons(sv, time.Date(2099, 12, 21, 10, 0, 0, 0, time.UTC))) > 0 {
				toReview++
			}
		}
		if w.Institution.Code != "MOH" || len(w.Services) != toReview {
			t.Errorf("RespondentWork institution %s, services to review %+v; want %d", w.Institution.Code, w.Services, toReview)
		}
		_, err = s.RespondentWork(ctx, "NOPE", time.Now())
		wantIs(t, "RespondentWork of an unknown institution", err, survey.ErrNotFound)

		must(s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Comment: "اعتمدت الخطة",
			Evidence: "https://moh.example.ps/plan", BaseVersion: 2}))(t, "fix after return")
		f.submit(r, "MOH")

		_, err = s.ApproveUnreviewed(ctx, moh, r.ID, "MOH")
		wantIs(t, "respondent approving", err, survey.ErrForbidden)
		// What the reviewer sees and has not marked: typed items (not
		// metrics) that their conditions show.
		before := f.answers(r, "MOH")
		var want []string
		for _, it := range q.Def.Items {
			if a, ok := before[it.ID]; ok && a.ReviewStatus == "" && it.Type != survey.TypeMetric && before.Visible(it) {
				want = append(want, it.ID)
			}
		}
		ids := must(s.ApproveUnreviewed(ctx, f.coord, r.ID, "MOH"))(t, "ApproveUnreviewed")
		if len(want) == 0 || !slices.Equal(ids, want) {
			t.Errorf("ApproveUnreviewed = %v, want %v", ids, want)
		}
		after := f.answers(r, "MOH")
		for id, a := range after {
			wantStatus := before[id].ReviewStatus // marks already made stay
			if slices.Contains(want, id) {
				wantStatus = survey.ReviewApproved
			}
			if a.ReviewStatus != wantStatus {
				t.Errorf("%s: review %q after approving the rest, want %q", id, a.ReviewStatus, wantStatus)
			}
		}
		if again, err := s.ApproveUnreviewed(ctx, f.coord, r.ID, "MOH"); err != nil || len(again) != 0 {
			t.Errorf("approving again: %v, %v; want nothing", again, err)
		}
		acc := must(s.ResponseAction(ctx, f.coord, r.ID, "MOH", "accept"))(t, "accept")
		if read := f.response(r, "MOH"); acc.Status != survey.ResponseAccepted || read.Status != survey.ResponseAccepted || read.AcceptedAt.IsZero() {
			t.Errorf("accepted: %+v, read %+v", acc, read)
		}
		if re := must(s.ResponseAction(ctx, f.coord, r.ID, "MOH", "reopen"))(t, "reopen"); re.Status != survey.ResponseSubmitted {
			t.Errorf("reopened: %+v", re)
		}
		must(s.ResponseAction(ctx, f.coord, r.ID, "MOH", "accept"))(t, "accept again")
	})

	t.Run("board", func(t *testing.T) {
		f := f.sub(t)
		rows := must(s.RoundBoard(ctx, r.ID))(t, "RoundBoard")
		byCode := map[string]survey.BoardRow{}
		for _, row := range rows {
			byCode[row.Institution.Code] = row
		}
		answered, total := survey.Progress(q.Def, f.answers(r, "MOH"))
		if len(rows) != 3 || byCode["MOH"].Status != survey.ResponseAccepted || byCode["MOH"].Answered != answered ||
			byCode["MOH"].Total != total || byCode["MOI"].Status != survey.ResponseDraft || byCode["MOI"].Answered != 0 ||
			byCode["MOH"].UpdatedAt.IsZero() {
			t.Errorf("RoundBoard = %+v; want MOH accepted with %d of %d, MOI a draft, MOE listed", rows, answered, total)
		}
		ok(t, "deactivate MOE", s.SetInstitutionActive(ctx, f.admin.ID, "MOE", false))
		if rows, _ := s.RoundBoard(ctx, r.ID); len(rows) != 2 {
			t.Errorf("board lists %d institutions with MOE deactivated, want 2", len(rows))
		}
		ok(t, "reactivate MOE", s.SetInstitutionActive(ctx, f.admin.ID, "MOE", true))
		_, err := s.RoundBoard(ctx, unknownID)
		wantIs(t, "RoundBoard(unknown)", err, survey.ErrNotFound)
	})

	t.Run("obstacles", func(t *testing.T) {
		f := f.sub(t)
		// The standard list ships with the schema: the form offers it
		// from the first round on.
		if std, err := s.Obstacles(ctx, false); err != nil || len(std) == 0 {
			t.Errorf("standard obstacles of a fresh store: %v, %v; want the list", std, err)
		}
		_, err := s.SaveObstacle(ctx, moh, 0, survey.ObstacleInput{Code: "x", Kind: survey.ObstacleInternal, LabelAr: "عائق", Position: "1", Active: true})
		wantIs(t, "respondent editing the list", err, survey.ErrForbidden)
		var budget survey.Obstacle
		f.moves("PagesVersion after an obstacle is added", s.PagesVersion, func() {
			budget = must(s.SaveObstacle(ctx, f.coord, 0, survey.ObstacleInput{Code: "Contract_Budget", Kind: survey.ObstacleInternal,
				LabelAr: "نقص التمويل", Position: "90", Active: true}))(t, "SaveObstacle")
		})
		if budget.ID == 0 || budget.Code != "contract_budget" || budget.Version != 1 || !budget.Active {
			t.Errorf("new obstacle %+v", budget)
		}
		network := must(s.SaveObstacle(ctx, f.coord, 0, survey.ObstacleInput{Code: "contract_network", Kind: survey.ObstacleExternal,
			LabelAr: "ضعف الشبكة", Position: "91", Active: true}))(t, "SaveObstacle")
		_, err = s.SaveObstacle(ctx, f.coord, 0, survey.ObstacleInput{Code: "contract_budget", Kind: survey.ObstacleInternal, LabelAr: "مكرر", Position: "1"})
		wantField(t, "same code", err, "code", "err.obstacle_code_taken")
		change := survey.ObstacleInput{Code: "contract_budget", Kind: survey.ObstacleInternal, LabelAr: "نقص التمويل المزمن", Position: "90",
			Active: true, Version: 1}
		changed := must(s.SaveObstacle(ctx, f.coord, budget.ID, change))(t, "SaveObstacle change")
		if changed.Version != 2 || changed.LabelAr != "نقص التمويل المزمن" {
			t.Errorf("changed obstacle %+v", changed)
		}
		change.LabelAr = "نص قديم" // from version 1 again
		_, err = s.SaveObstacle(ctx, f.coord, budget.ID, change)
		var lce *survey.ListConflictError
		if !errors.As(err, &lce) || !errors.Is(err, survey.ErrConflict) || lce.Current.Version != 2 {
			t.Errorf("stale change: %v, want a *ListConflictError at version 2", err)
		}
		_, err = s.SaveObstacle(ctx, f.coord, unknownID, change)
		wantIs(t, "change unknown", err, survey.ErrNotFound)
		change.Active, change.Version, change.LabelAr = false, 2, "نقص التمويل المزمن"
		must(s.SaveObstacle(ctx, f.coord, budget.ID, change))(t, "deactivate obstacle")
		if active, _ := s.Obstacles(ctx, false); slices.ContainsFunc(active, func(o survey.Obstacle) bool { return o.ID == budget.ID }) {
			t.Error("a deactivated obstacle is still on the form")
		}
		if all, _ := s.Obstacles(ctx, true); !slices.ContainsFunc(all, func(o survey.Obstacle) bool { return o.ID == budget.ID && !o.Active }) {
			t.Error("a deactivated obstacle left the full list")
		}

		set := must(s.SaveResponseObstacles(ctx, moi, r.ID, "MOI", map[int64]int{network.ID: 2}, 0))(t, "SaveResponseObstacles")
		if set.Version != 1 || set.Severity[network.ID] != 2 {
			t.Errorf("saved set %+v", set)
		}
		_, err = s.SaveResponseObstacles(ctx, moi, r.ID, "MOI", map[int64]int{network.ID: 3}, 0)
		var oce *survey.ObstacleConflictError
		if !errors.As(err, &oce) || !errors.Is(err, survey.ErrConflict) || oce.Current.Version != 1 || oce.Current.Severity[network.ID] != 2 {
			t.Errorf("stale set: %v, want an *ObstacleConflictError with version 1", err)
		}
		_, err = s.SaveResponseObstacles(ctx, moi, r.ID, "MOI", map[int64]int{network.ID: 4}, 1)
		wantField(t, "severity 4", err, "obstacle_"+itoa(network.ID), "err.severity")
		_, err = s.SaveResponseObstacles(ctx, moi, r.ID, "MOI", map[int64]int{budget.ID: 1}, 1)
		wantField(t, "a deactivated obstacle", err, "obstacle_"+itoa(budget.ID), "")
		_, err = s.SaveResponseObstacles(ctx, moh, r.ID, "MOI", map[int64]int{network.ID: 1}, 1)
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		_, err = s.SaveResponseObstacles(ctx, f.coord, r.ID, "MOH", map[int64]int{network.ID: 1}, 0)
		wantIs(t, "an accepted response", err, survey.ErrInvalidTransition)
		_, err = s.SaveResponseObstacles(ctx, moi, unknownID, "MOI", map[int64]int{network.ID: 1}, 0)
		wantIs(t, "unknown round", err, survey.ErrNotFound)

		stored := must(s.ResponseObstacles(ctx, f.response(r, "MOI").ID))(t, "ResponseObstacles")
		if stored.Version != 1 || len(stored.Severity) != 1 || stored.Severity[network.ID] != 2 {
			t.Errorf("stored set %+v after refused saves, want version 1 with severity 2", stored)
		}
		_, err = s.ResponseObstacles(ctx, unknownID)
		wantIs(t, "ResponseObstacles(unknown)", err, survey.ErrNotFound)
		// National charts count submitted responses; the coordinator
		// following a live round sees drafts too.
		if c, err := s.ObstacleCitations(ctx, r.ID, false); err != nil || len(c) != 0 {
			t.Errorf("citations of submitted responses: %+v, %v; want none (MOI is a draft)", c, err)
		}
		c, err := s.ObstacleCitations(ctx, r.ID, true)
		if err != nil || len(c) != 1 || c[0].InstitutionCode != "MOI" || c[0].Obstacle.ID != network.ID || c[0].Severity != 2 ||
			c[0].Sector != "interior" || c[0].Region != "national" || c[0].Kind != "ministry" {
			t.Errorf("citations with drafts: %+v, %v", c, err)
		}
	})

	t.Run("answer import", func(t *testing.T) {
		f := f.sub(t)
		row := func(line int, code, item string, values ...string) survey.AnswerRow {
			return survey.AnswerRow{Line: line, Institution: code, Input: in(item, values...)}
		}
		_, err := s.ImportAnswers(ctx, moh, r.ID, []survey.AnswerRow{row(2, "MOH", "STR-1", "1")})
		wantIs(t, "respondent importing", err, survey.ErrForbidden)
		for name, rows := range map[string][]survey.AnswerRow{
			"unknown question":     {row(2, "MOI", "STR-1", "1"), row(3, "MOE", "NOPE", "1")},
			"bad value":            {row(2, "MOI", "STR-1", "1"), row(3, "MOE", "STR-1", "7")},
			"unknown institution":  {row(2, "MOI", "STR-1", "1"), row(3, "NOPE", "STR-1", "1")},
			"an accepted response": {row(2, "MOI", "STR-1", "1"), row(3, "MOH", "STR-1", "1")},
		} {
			_, err := s.ImportAnswers(ctx, f.coord, r.ID, rows)
			var ie *survey.ImportError
			if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 3 {
				t.Errorf("%s: %v, want an *ImportError on line 3", name, err)
			}
		}
		if got := f.answers(r, "MOI"); len(got) != 0 {
			t.Errorf("refused imports stored MOI's %v", got)
		}
		n := must(s.ImportAnswers(ctx, f.coord, r.ID, []survey.AnswerRow{row(2, "MOI", "STR-1", "1"), row(3, "MOE", "STR-2", "a", "c")}))(t, "ImportAnswers")
		if n != 2 {
			t.Errorf("ImportAnswers = %d, want 2", n)
		}
		if got := f.answers(r, "MOE")["STR-2"]; !slices.Equal(got.Values, []string{"a", "c"}) || got.UpdatedBy != "coordinator@example.ps" {
			t.Errorf("imported answer %+v", got)
		}
	})

	t.Run("prefill and closing", func(t *testing.T) {
		f := f.sub(t)
		next := f.round("2027")
		_, err := s.PrefillFromPrevious(ctx, moi, next.ID, "MOH")
		wantIs(t, "prefill for another institution", err, survey.ErrForbidden)
		// An open round is no pre-fill source: its answers may still change.
		if n, err := s.PrefillFromPrevious(ctx, moh, next.ID, "MOH"); err != nil || n != 0 {
			t.Errorf("prefill from an open round: %d, %v; want 0", n, err)
		}
		f.roundAction(r, "close")
		prev := f.answers(r, "MOH")
		n := must(s.PrefillFromPrevious(ctx, moh, next.ID, "MOH"))(t, "PrefillFromPrevious")
		got := f.answers(next, "MOH")
		if n != len(prev) || len(got) != len(prev) {
			t.Errorf("prefill copied %d (stored %d), want %d", n, len(got), len(prev))
		}
		for id, a := range prev {
			if !slices.Equal(got[id].Values, a.Values) || got[id].Version != 1 || got[id].ReviewStatus != "" {
				t.Errorf("prefilled %s = %+v, want %v at version 1, unreviewed", id, got[id], a.Values)
			}
		}
		if again, err := s.PrefillFromPrevious(ctx, moh, next.ID, "MOH"); err != nil || again != 0 {
			t.Errorf("prefill again: %d, %v; want 0", again, err)
		}

		_, err = s.SaveAnswer(ctx, moi, r.ID, "MOI", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, BaseVersion: 1})
		wantIs(t, "save in a closed round", err, survey.ErrInvalidTransition)
		_, err = s.ResponseAction(ctx, moi, r.ID, "MOI", "submit")
		wantIs(t, "submit in a closed round", err, survey.ErrInvalidTransition)
		_, err = s.SaveResponseObstacles(ctx, moi, r.ID, "MOI", map[int64]int{}, 1)
		wantIs(t, "obstacles in a closed round", err, survey.ErrInvalidTransition)
		_, err = s.ImportAnswers(ctx, f.coord, r.ID, []survey.AnswerRow{{Line: 2, Institution: "MOI", Input: in("STR-1", "2")}})
		wantIs(t, "import into a closed round", err, survey.ErrInvalidTransition)
		_, err = s.PrefillFromPrevious(ctx, moi, r.ID, "MOI")
		wantIs(t, "prefill in a closed round", err, survey.ErrInvalidTransition)
		if a := f.answers(r, "MOI")["STR-1"]; a.Value() != "1" {
			t.Errorf("MOI's answer in the closed round changed: %+v", a)
		}
		w := must(s.RespondentWork(ctx, "MOI", time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)))(t, "RespondentWork")
		if len(w.Rounds) != 1 || w.Rounds[0].Round.ID != next.ID || w.Rounds[0].Status != "" {
			t.Errorf("MOI's work %+v; want only 2027, not started", w.Rounds)
		}
	})
}

// itoa formats an id as the field keys of obstacles name it.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }
