package sqlstore

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"marsad/survey"
)

// TestDiscrepanciesFromHistory: a service declared online and available
// from abroad is flagged unreachable from abroad at its first failure, as
// declared-online-but-offline once it has failed every check for
// DiscrepancyDays days, and not at all once it answers again; a plain HTTP
// service not declared available from abroad is not flagged.
func TestDiscrepanciesFromHistory(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	if _, err := s.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: "MOH", NameAr: "وزارة الصحة", Kind: "ministry", Sector: "health", Region: "national"}); err != nil {
		t.Fatal(err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	abroad, err := s.CreateService(ctx, admin, frozenServiceInput("MOH", "S1")) // stage 5, available from abroad
	if err != nil {
		t.Fatal(err)
	}
	local := frozenServiceInput("MOH", "S2")
	local.Abroad, local.Stage, local.Audience = false, "3", []string{"citizens"}
	plain, err := s.CreateService(ctx, admin, local)
	if err != nil {
		t.Fatal(err)
	}
	record := func(sv survey.Service, ok, https bool) {
		t.Helper()
		c := survey.URLCheck{Kind: survey.TargetService, Ref: strconv.FormatInt(sv.ID, 10), URL: sv.OnlineURL, CheckedAt: clock.Now(),
			Reachable: ok, HTTPS: https, Redirects: []string{}}
		if ok {
			c.Status, c.TLSVersion = 200, "1.3"
		} else {
			c.Error = survey.CheckErrTimeout
		}
		if !https {
			c.TLSVersion = ""
		}
		if err := s.RecordURLChecks(ctx, []survey.URLCheck{c}); err != nil {
			t.Fatal(err)
		}
	}
	reasons := func() map[string]string {
		t.Helper()
		list, err := s.InstitutionDiscrepancies(ctx, "MOH")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, d := range list {
			out[d.ServiceCode] = d.Reason
		}
		return out
	}
	day := 24 * time.Hour
	record(abroad, true, true)
	record(plain, true, false)
	if got := reasons(); len(got) != 0 {
		t.Fatalf("all answering: %v", got)
	}
	firstFailure := clock.Now().Add(day)
	for range 3 {
		clock.Advance(day)
		record(abroad, false, false)
		if got := reasons(); !reflect.DeepEqual(got, map[string]string{"S1": survey.DiscrepancyAbroadUnreachable}) {
			t.Errorf("failing for less than %d days: %v", survey.DiscrepancyDays, got)
		}
	}
	clock.Advance(day)
	record(abroad, false, false)
	list, err := s.InstitutionDiscrepancies(ctx, "MOH")
	if err != nil || len(list) != 1 || list[0].Reason != survey.DiscrepancyOffline || !list[0].Since.Equal(firstFailure) || list[0].Days != 3 {
		t.Fatalf("after %d days of failures: %+v, %v; want offline since %v", survey.DiscrepancyDays, list, err, firstFailure)
	}
	d, err := s.ServiceDiscrepancy(ctx, abroad)
	if err != nil || d == nil || d.Reason != survey.DiscrepancyOffline {
		t.Errorf("ServiceDiscrepancy = %+v, %v", d, err)
	}
	if d, err := s.ServiceDiscrepancy(ctx, plain); err != nil || d != nil {
		t.Errorf("plain HTTP, not declared available from abroad: %+v, %v", d, err)
	}
	clock.Advance(day)
	record(abroad, true, true)
	if got := reasons(); len(got) != 0 {
		t.Errorf("answering again: %v", got)
	}
	// The failures counted start after the last success.
	clock.Advance(day)
	record(abroad, false, false)
	clock.Advance(day)
	if list, _ := s.InstitutionDiscrepancies(ctx, "MOH"); len(list) != 1 || list[0].Reason != survey.DiscrepancyAbroadUnreachable {
		t.Errorf("a new failure after a success: %+v, want unreachable from abroad only", list)
	}
}

// TestRoundObservedFrozen: the observed figures of a round come from the
// checks in its window, on the catalog its response froze. A published
// round's are frozen the first time they are read: a check recorded in
// its window afterwards changes nothing, while a closed round's move.
func TestRoundObservedFrozen(t *testing.T) {
	s, rounds := seededDemo(t)
	ctx := context.Background()
	r2025, gtmi := rounds["2025"], rounds["2025 GTMI"]
	o, err := s.RoundObserved(ctx, r2025.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	if !o.Frozen || o.Score == nil || o.Tech.Checked == 0 || o.Tech.Checked != o.Tech.Online || !o.From.Equal(r2025.OpenedAt) || !o.To.Equal(r2025.ClosedAt) {
		t.Fatalf("2025, MOH: %+v", o)
	}
	codes := map[string]string{}
	for _, d := range o.Discrepancies {
		codes[d.ServiceCode] = d.Reason
	}
	// The demo's: failing from September to November 2025, and plain HTTP
	// though available from abroad.
	if codes["PRACTICE-LICENSE-RENEW"] != survey.DiscrepancyOffline || codes["VACCINATION-CERT"] != survey.DiscrepancyAbroadInsecure {
		t.Errorf("2025 discrepancies of MOH: %v", codes)
	}
	gtmiBefore, err := s.RoundObserved(ctx, gtmi.ID, "MOH")
	if err != nil || gtmiBefore.Frozen || gtmiBefore.Score == nil {
		t.Fatalf("GTMI (closed), MOH: %+v, %v", gtmiBefore, err)
	}

	// Every MOH service fails in both windows, just before they close.
	services, err := s.InstitutionServices(ctx, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	var late []survey.URLCheck
	for _, sv := range services {
		if sv.OnlineURL == "" {
			continue
		}
		for _, at := range []time.Time{r2025.ClosedAt.Add(-time.Hour), gtmi.ClosedAt.Add(-time.Hour)} {
			late = append(late, survey.URLCheck{Kind: survey.TargetService, Ref: strconv.FormatInt(sv.ID, 10), URL: sv.OnlineURL,
				CheckedAt: at, Error: survey.CheckErrDNS, Redirects: []string{}})
		}
	}
	if err := s.RecordURLChecks(ctx, late); err != nil {
		t.Fatal(err)
	}
	again, err := s.RoundObserved(ctx, r2025.ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	if *again.Score != *o.Score || !reflect.DeepEqual(again.Tech, o.Tech) || len(again.Discrepancies) != len(o.Discrepancies) {
		t.Errorf("published figures moved: %+v, were %+v", again, o)
	}
	gtmiAfter, err := s.RoundObserved(ctx, gtmi.ID, "MOH")
	if err != nil || gtmiAfter.Score == nil || *gtmiAfter.Score != 0 || gtmiAfter.Tech.Reachable != 0 {
		t.Errorf("a closed round follows its checks: %+v, %v; want every service unreachable", gtmiAfter, err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE round_observed SET body = '{}'`); err == nil {
		t.Error("frozen observed figures were changed")
	}
}

// TestCheckRunsStored: a run's start and end are stored; one started by
// hand is audited; a run never finished reads as such.
func TestCheckRunsStored(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	if _, err := s.LastCheckRun(ctx); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("no run yet: %v", err)
	}
	pv, _ := s.PagesVersion(ctx)
	id, err := s.StartCheckRun(ctx, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	started := clock.Now()
	clock.Advance(time.Minute)
	if err := s.FinishCheckRun(ctx, id, 40, 31, false); err != nil {
		t.Fatal(err)
	}
	last, err := s.LastCheckRun(ctx)
	want := survey.CheckRun{ID: id, StartedAt: started, FinishedAt: started.Add(time.Minute), URLs: 40, Reachable: 31}
	if err != nil || !reflect.DeepEqual(last, want) || last.Failures() != 9 {
		t.Errorf("last run = %+v, %v; want %+v", last, err, want)
	}
	if after, _ := s.PagesVersion(ctx); after == pv {
		t.Error("a finished run does not make cached score pages again")
	}
	if n := countRows(t, s, "audit_events"); n != 0 {
		t.Errorf("a scheduled run was audited (%d entries)", n)
	}
	byHand, err := s.StartCheckRun(ctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.AuditLog(ctx, "", 1)
	if err != nil || len(events) != 1 || events[0].Action != "check_run" || events[0].Entity != "service" {
		t.Errorf("a run by hand: audit %+v, %v", events, err)
	}
	if last, _ := s.LastCheckRun(ctx); last.ID != byHand || !last.ByHand || !last.FinishedAt.IsZero() {
		t.Errorf("a run under way: %+v", last)
	}
}

// TestObservedTechMetricScored: a questionnaire with a metric item on the
// observed technology score scores it, on submission, from the checks of
// the institution's online services since the round opened; an
// institution with nothing checked gets it as not applicable.
func TestObservedTechMetricScored(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	for _, c := range []string{"MOH", "MOI"} {
		mustCreateInstitution(t, s, validInstitution(c))
	}
	sv, err := s.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, frozenServiceInput("MOH", "S1"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, frozenServiceInput("MOH", "S2"))
	if err != nil {
		t.Fatal(err)
	}
	def := validDefinition()
	def.Items = append(def.Items, survey.Item{Section: "SRV", ID: "SRV-OBS", Type: survey.TypeMetric, Metric: survey.MetricObservedTech,
		LabelAr: "التقنية المرصودة", Weight: 2})
	q, err := s.StoreQuestionnaire(ctx, 0, def)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2026", QuestionnaireID: q.ID, Deadline: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	// S2's only check, before the round opens, does not count: S2 was not
	// checked in the round. S1's, after, does: up, secure, fast, Arabic,
	// but no viewport — 4 of 5 criteria.
	check := func(sv survey.Service, reachable bool) {
		t.Helper()
		c := survey.URLCheck{Kind: survey.TargetService, Ref: strconv.FormatInt(sv.ID, 10), URL: sv.OnlineURL, CheckedAt: clock.Now(),
			Reachable: reachable, Status: 200, HTTPS: true, TLSVersion: "1.3", TotalMs: 900, Redirects: []string{},
			Page: survey.Page{Lang: "ar", Dir: "rtl"}}
		if err := s.RecordURLChecks(ctx, []survey.URLCheck{c}); err != nil {
			t.Fatal(err)
		}
	}
	check(before, false)
	clock.Advance(time.Hour)
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	check(sv, true)
	for _, code := range []string{"MOH", "MOI"} {
		who := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		if _, err := s.SaveAnswer(ctx, who, r.ID, code, survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResponseAction(ctx, who, r.ID, code, "submit"); err != nil {
			t.Fatal(err)
		}
	}
	item := func(code string) survey.ItemScore {
		t.Helper()
		res, err := s.ScoreResult(ctx, r.ID, code, survey.ScoreSelf)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			if it.ItemID == "SRV-OBS" {
				return it
			}
		}
		t.Fatalf("%s: no SRV-OBS in %+v", code, res.Items)
		return survey.ItemScore{}
	}
	if it := item("MOH"); it.Score != 0.8 || it.Value != "0.8000" || it.Dropped != "" {
		t.Errorf("MOH's observed item = %+v, want 0.8", it)
	}
	if it := item("MOI"); it.Dropped != survey.DropMetricNA {
		t.Errorf("MOI, nothing checked: %+v, want not applicable", it)
	}
}
