package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/demo"
)

// seededDemo is a store holding the whole demo, and its rounds by name.
func seededDemo(t *testing.T) (*Store, map[string]survey.Round) {
	t.Helper()
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, err := s.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]survey.Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	return s, byName
}

// frozenServiceInput is a service an institution adds after a round: at
// the top stage, reachable from abroad, needing no visit.
func frozenServiceInput(inst, code string) survey.ServiceInput {
	return survey.ServiceInput{InstitutionCode: inst, Code: code, NameAr: "خدمة جديدة " + code, NameEn: "New service " + code,
		DescriptionAr: "وصف", Category: "other", Audience: []string{"citizens", "diaspora"}, Channels: []string{"web"}, Stage: "5",
		OnlineURL: "https://" + strings.ToLower(inst) + ".example.ps/" + strings.ToLower(code), EPayment: true, EID: true,
		Abroad: true, NoVisit: true, Languages: []string{"ar", "en"}, LastReviewed: "2026-01-15"}
}

// changeCatalog edits, adds and retires services of the institutions
// codes, as a coordinator would after a round, so that today's catalog
// figures move.
func changeCatalog(t *testing.T, s *Store, codes ...string) {
	t.Helper()
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin}
	for n, code := range codes {
		list, err := s.InstitutionServices(ctx, code)
		if err != nil || len(list) < 2 {
			t.Fatalf("services of %s: %d, %v", code, len(list), err)
		}
		sv := list[0]
		in := survey.ServiceInput{InstitutionCode: code, Code: sv.Code, NameAr: sv.NameAr + " (محدّثة)", NameEn: sv.NameEn,
			DescriptionAr: sv.DescriptionAr, DescriptionEn: sv.DescriptionEn, Category: sv.Category, Audience: sv.Audience,
			Channels: sv.Channels, Stage: "5", OnlineURL: "https://" + strings.ToLower(code) + ".example.ps/edited",
			EPayment: true, EID: true, Abroad: !sv.Abroad, NoVisit: !sv.NoVisit, MobileFriendly: true, Languages: sv.Languages,
			FeeILS: strconv.FormatFloat(sv.FeeILS, 'f', -1, 64), ProcessingDays: strconv.Itoa(sv.ProcessingDays),
			YearlyVolume: strconv.FormatInt(sv.YearlyVolume, 10), OnlineShare: strconv.FormatFloat(sv.OnlineShare, 'f', -1, 64),
			DataExchange: true, LastReviewed: sv.LastReviewed, Status: survey.ServiceActive, Version: sv.Version}
		if _, err := s.UpdateService(ctx, admin, sv.ID, in); err != nil {
			t.Fatalf("update %s/%s: %v", code, sv.Code, err)
		}
		if _, err := s.CreateService(ctx, admin, frozenServiceInput(code, fmt.Sprintf("NEW-%d", n))); err != nil {
			t.Fatalf("add to %s: %v", code, err)
		}
		if err := s.RetireService(ctx, admin, list[1].ID); err != nil {
			t.Fatalf("retire %s/%s: %v", code, list[1].Code, err)
		}
	}
}

// TestRoundCatalogIsFrozen: the services figures of a published round are
// the catalog snapshots of its scored responses over the institutions it
// was run with; editing, adding and retiring services, and adding an
// institution, change nothing in them. An open round has nothing frozen,
// and closing it records who it counts.
func TestRoundCatalogIsFrozen(t *testing.T) {
	t.Parallel()
	s, rounds := seededDemo(t)
	ctx := context.Background()
	r2024, r2025, r2026 := rounds["2024"], rounds["2025"], rounds["2026"]

	before := map[string]survey.RoundCatalog{}
	for _, r := range []survey.Round{r2024, r2025} {
		rc, err := s.RoundCatalog(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		before[r.Name] = rc
	}
	// The demo's two published rounds differ: 2024 lacks the institutions
	// that were absent then, and counts only its respondents' services.
	a, b := before["2024"], before["2025"]
	if !a.Frozen || len(a.Institutions) != 35 || len(a.Tallies) != 31 || len(b.Tallies) != 35 || len(a.Catalogued()) != 31 {
		t.Fatalf("2024: frozen %v, %d institutions, %d tallies; 2025: %d tallies", a.Frozen, len(a.Institutions), len(a.Tallies), len(b.Tallies))
	}
	var ta, tb survey.MetricsTally
	for _, t := range a.Tallies {
		ta.Merge(t)
	}
	for _, t := range b.Tallies {
		tb.Merge(t)
	}
	if ta.Metrics() == tb.Metrics() {
		t.Errorf("2024 and 2025 have the same services figures: %+v", ta.Metrics())
	}
	// Each tally is the snapshot's, not today's catalog.
	var resp int64
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM responses WHERE round_id = ? AND institution_id = (SELECT id FROM institutions WHERE code = 'MOE')`,
		r2025.ID).Scan(&resp); err != nil {
		t.Fatal(err)
	}
	snap, err := s.CatalogSnapshot(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	var want survey.MetricsTally
	for _, sv := range snap {
		want.Add(sv)
	}
	if b.Tallies["MOE"] != want {
		t.Errorf("MOE in 2025: %+v, want its snapshot's %+v", b.Tallies["MOE"], want)
	}

	changeCatalog(t, s, "MOE", "MOH", "PMA")
	if _, err := s.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: "NEWX", NameAr: "هيئة جديدة", NameEn: "New agency",
		Kind: "agency", Sector: "health", Region: "national"}); err != nil {
		t.Fatal(err)
	}
	live, err := s.InstitutionServices(ctx, "MOE")
	if err != nil {
		t.Fatal(err)
	}
	var now survey.MetricsTally
	for _, sv := range live {
		now.Add(sv)
	}
	if now == want {
		t.Fatal("the catalog edits changed nothing in MOE's live figures; the test proves nothing")
	}
	for _, r := range []survey.Round{r2024, r2025} {
		rc, err := s.RoundCatalog(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rc.Tallies, before[r.Name].Tallies) || len(rc.Institutions) != len(before[r.Name].Institutions) {
			t.Errorf("round %s changed with the catalog: %d institutions, was %d", r.Name, len(rc.Institutions), len(before[r.Name].Institutions))
		}
	}

	if _, err := s.RoundCatalog(ctx, r2026.ID); !errors.Is(err, survey.ErrInvalidTransition) {
		t.Errorf("open round's frozen catalog: %v, want ErrInvalidTransition", err)
	}
	if _, err := s.RoundAction(ctx, 0, r2026.ID, "close"); err != nil {
		t.Fatal(err)
	}
	rc, err := s.RoundCatalog(ctx, r2026.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Closed now: every active institution, the new one included; the
	// services of the 16 scored responses only.
	if len(rc.Institutions) != 36 || len(rc.Tallies) != 16 {
		t.Errorf("2026 closed: %d institutions, %d tallies; want 36, 16", len(rc.Institutions), len(rc.Tallies))
	}
}

// TestPublishedResponsesStayAsPublished: a reviewer cannot accept, return
// or reopen a response of a published round, nor mark its answers; a
// closed round is still reviewed.
func TestPublishedResponsesStayAsPublished(t *testing.T) {
	t.Parallel()
	s, rounds := seededDemo(t)
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin}
	r2025 := rounds["2025"]
	sum, err := s.Checksum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"reopen", "return", "accept"} {
		if _, err := s.ResponseAction(ctx, admin, r2025.ID, "MOE", action); !errors.Is(err, survey.ErrRoundPublished) {
			t.Errorf("%s in a published round: %v, want ErrRoundPublished", action, err)
		}
	}
	if err := s.ReviewAnswer(ctx, admin, r2025.ID, "MOE", "STR-01", survey.ReviewIssues, "late remark"); !errors.Is(err, survey.ErrRoundPublished) {
		t.Errorf("review mark in a published round: %v, want ErrRoundPublished", err)
	}
	if after, _ := s.Checksum(ctx); after != sum {
		t.Error("refused changes to a published round changed the database")
	}
	// Closed, not yet published: review goes on.
	r2026 := rounds["2026"]
	if _, err := s.RoundAction(ctx, 0, r2026.ID, "close"); err != nil {
		t.Fatal(err)
	}
	var code string
	if err := s.r.QueryRowContext(ctx, `SELECT i.code FROM responses r JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND r.status = 'submitted' ORDER BY i.code LIMIT 1`, r2026.ID).Scan(&code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResponseAction(ctx, admin, r2026.ID, code, "accept"); err != nil {
		t.Errorf("accept in a closed round: %v", err)
	}
}

// TestRescoreRule: a published round is rescored only under a new scoring
// version. With the version its scores have, the rescore is refused and
// changes nothing. Scores of an older version (as a database written by an
// earlier release holds) are rescored, audited with both versions, shown
// at once (the cached ranking follows), and stay readable as they were.
// Other rounds are rescored as before.
func TestRescoreRule(t *testing.T) {
	t.Parallel()
	s, rounds := seededDemo(t)
	ctx := context.Background()
	r2025 := rounds["2025"]

	sum, _ := s.Checksum(ctx)
	_, err := s.Rescore(ctx, 0, r2025.ID)
	var refused *survey.RescoreRefused
	if !errors.As(err, &refused) || refused.Version != survey.ScoringVersion || !strings.Contains(err.Error(), "new scoring version") {
		t.Fatalf("rescoring a published round with its own version: %v", err)
	}
	if after, _ := s.Checksum(ctx); after != sum {
		t.Fatal("a refused rescore changed the database")
	}

	// The round as an earlier release scored it: version 0, other figures.
	if _, err := s.w.ExecContext(ctx, `UPDATE scores SET scoring_version = '0', index_value = round(index_value * 0.9, 6)
		WHERE response_id IN (SELECT id FROM responses WHERE round_id = ?)`, r2025.ID); err != nil {
		t.Fatal(err)
	}
	old, err := s.Scores(ctx, r2025.ID, survey.ScoreSelf)
	if err != nil || len(old) != 35 || old[0].ScoringVersion != "0" {
		t.Fatalf("old scores: %d, %v", len(old), err)
	}
	n, err := s.Rescore(ctx, 0, r2025.ID)
	if err != nil || n != 35 {
		t.Fatalf("rescore under a new version: %d, %v", n, err)
	}
	cur, err := s.Scores(ctx, r2025.ID, survey.ScoreSelf)
	if err != nil {
		t.Fatal(err)
	}
	if cur[0].ScoringVersion != survey.ScoringVersion || cur[0].Index == old[0].Index {
		t.Errorf("after the rescore the ranking shows version %s, index %v (was %v): the cache kept the old one",
			cur[0].ScoringVersion, cur[0].Index, old[0].Index)
	}
	if v, err := s.ScoringVersions(ctx, r2025.ID); err != nil || !slices.Equal(v, []string{survey.ScoringVersion, "0"}) {
		t.Errorf("scoring versions: %v, %v", v, err)
	}
	prev, err := s.PreviousScores(ctx, r2025.ID, survey.ScoreSelf, "0")
	if err != nil || len(prev) != len(old) {
		t.Fatalf("previous scores: %d, %v", len(prev), err)
	}
	for i := range old {
		if prev[i].Code != old[i].Code || prev[i].Index != old[i].Index || prev[i].Rank != old[i].Rank || prev[i].ScoringVersion != "0" {
			t.Errorf("previous %d: %s %v #%d v%s; was %s %v #%d", i, prev[i].Code, prev[i].Index, prev[i].Rank, prev[i].ScoringVersion,
				old[i].Code, old[i].Index, old[i].Rank)
		}
	}
	if _, err := s.PreviousScores(ctx, r2025.ID, survey.ScoreSelf, "7"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a version never used: %v, want ErrNotFound", err)
	}
	page, err := s.AuditLogPage(ctx, survey.AuditFilter{Entity: "round"}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	var audited []survey.AuditEvent
	for _, e := range page.Events {
		if e.Action == "rescore" {
			audited = append(audited, e)
		}
	}
	if len(audited) != 1 || audited[0].EntityKey != "2025" || !strings.Contains(audited[0].Before, `"0"`) ||
		!strings.Contains(audited[0].After, `"scoring_version":"`+survey.ScoringVersion+`"`) {
		t.Errorf("audit of the rescore: %+v", audited)
	}
	// Now under this version: refused again, and the kept scores stay.
	if _, err := s.Rescore(ctx, 0, r2025.ID); !errors.As(err, &refused) {
		t.Errorf("second rescore: %v, want refused", err)
	}
	if got := countRows(t, s, "previous_scores"); got != 70 {
		t.Errorf("%d previous scores kept, want 70 (35 responses, both indices)", got)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE previous_scores SET index_value = 0"); err == nil {
		t.Error("previous scores could be changed")
	}

	// An open round is rescored as before, in place (same version: nothing kept).
	if n, err := s.Rescore(ctx, 0, rounds["2026"].ID); err != nil || n != 16 {
		t.Errorf("rescore of the open round: %d, %v", n, err)
	}
	if got := countRows(t, s, "previous_scores"); got != 70 {
		t.Errorf("%d previous scores after rescoring the open round, want 70", got)
	}
}

// TestDeactivatedInstitutionStaysInPublishedRanking: a published ranking
// counts the institutions its round was run with, so deactivating one later
// changes neither its ranks nor its rank bands; the open round, which has
// frozen nothing, stops ranking it at once.
func TestDeactivatedInstitutionStaysInPublishedRanking(t *testing.T) {
	t.Parallel()
	s, rounds := seededDemo(t)
	ctx := context.Background()
	r2025 := rounds["2025"]
	before, err := s.Scores(ctx, r2025.ID, "self")
	if err != nil || len(before) < 3 {
		t.Fatalf("2025 ranking: %d rows, %v", len(before), err)
	}
	gone := before[1].Code
	if err := s.SetInstitutionActive(ctx, 0, gone, false); err != nil {
		t.Fatal(err)
	}
	after, err := s.Scores(ctx, r2025.ID, "self")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Code  string
		Rank  int
		Of    int
		Index float64
		Band  string
	}
	rows := func(list []survey.InstitutionScore) []row {
		var out []row
		for _, sc := range list {
			out = append(out, row{sc.Code, sc.Rank, sc.Of, sc.Index, fmt.Sprint(sc.Band)})
		}
		return out
	}
	if !reflect.DeepEqual(rows(before), rows(after)) {
		t.Errorf("deactivating %s changed the published 2025 ranking:\nbefore %v\nafter  %v", gone, rows(before), rows(after))
	}
	if after[1].Band == nil {
		t.Errorf("%s lost its rank band in the published ranking", gone)
	}

	// The open round ranks active institutions only.
	var code string
	if err := s.r.QueryRowContext(ctx, `SELECT i.code FROM responses r JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND r.status IN ('submitted', 'accepted') ORDER BY i.code LIMIT 1`, rounds["2026"].ID).Scan(&code); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInstitutionActive(ctx, 0, code, false); err != nil {
		t.Fatal(err)
	}
	open, err := s.Scores(ctx, rounds["2026"].ID, "self")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range open {
		if sc.Code == code {
			t.Errorf("the open round still ranks %s, deactivated", code)
		}
	}
}

// TestDeletingARoundKeepsOtherRoundsBands: deleting a closed round that was
// never published (the demo's GTMI pilot, analysed at close) removes its
// own rank analysis only. Rank bands refer to their analysis through three
// columns (round, kind, scoring version); matched one column at a time,
// the delete took every other round's bands with it.
func TestDeletingARoundKeepsOtherRoundsBands(t *testing.T) {
	t.Parallel()
	s, rounds := seededDemo(t)
	ctx := context.Background()
	pilot, ok := rounds["2025 GTMI"]
	if !ok || pilot.Status != survey.RoundClosed {
		t.Fatalf("the demo's closed pilot round: %+v", pilot)
	}
	bands := func() string {
		t.Helper()
		var b strings.Builder
		rows, err := s.r.QueryContext(ctx, `SELECT round_id, kind, count(*), sum(p5), sum(p95) FROM rank_bands GROUP BY round_id, kind ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var round, n, p5, p95 int64
			var kind string
			if err := rows.Scan(&round, &kind, &n, &p5, &p95); err != nil {
				t.Fatal(err)
			}
			if round != pilot.ID {
				fmt.Fprintln(&b, round, kind, n, p5, p95)
			}
		}
		return b.String()
	}
	before := bands()
	if before == "" {
		t.Fatal("the demo's published rounds have no rank bands")
	}
	contents, err := s.RoundContents(ctx, pilot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if contents.Other["rank_bands"] == 0 || contents.Other["rank_bands"] > contents.Responses*2 {
		t.Errorf("the pilot's contents count %d rank bands for %d responses", contents.Other["rank_bands"], contents.Responses)
	}
	if err := s.DeleteRound(ctx, 0, pilot.ID, contents); err != nil {
		t.Fatal(err)
	}
	if after := bands(); after != before {
		t.Errorf("deleting the pilot round changed other rounds' bands:\nbefore\n%safter\n%s", before, after)
	}
	published, err := s.Scores(ctx, rounds["2025"].ID, "self")
	if err != nil || len(published) == 0 {
		t.Fatalf("2025 ranking after the delete: %d rows, %v", len(published), err)
	}
	if published[0].Band == nil {
		t.Errorf("%s lost its rank band in the published 2025 ranking", published[0].Code)
	}
}
