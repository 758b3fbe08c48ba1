package survey

import (
	"math"
	"testing"
	"time"
)

func TestFindDiscrepancies(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	svc := func(id int64, code string, stage int, abroad bool) Service {
		return Service{ID: id, InstitutionCode: "MOH", Code: code, NameAr: "خدمة " + code, Stage: stage, Abroad: abroad,
			OnlineURL: "https://moh.example.ps/" + code, Status: ServiceActive}
	}
	secure := URLCheck{Reachable: true, HTTPS: true, TLSVersion: "1.3", CheckedAt: now.Add(-time.Hour)}
	down := URLCheck{Error: CheckErrTimeout, CheckedAt: now.Add(-time.Hour)}
	plain := URLCheck{Reachable: true, CheckedAt: now.Add(-time.Hour)}
	retired := svc(9, "RETIRED", 4, true)
	retired.Status = ServiceRetired
	services := []Service{
		svc(1, "DOWN-LONG", 3, false),   // failing 3 days: flagged
		svc(2, "DOWN-SHORT", 4, false),  // failing 2 days: not yet
		svc(3, "DOWN-STAGE2", 2, false), // not declared online: not flagged
		svc(4, "ABROAD-DOWN", 2, true),  // abroad, unreachable now
		svc(5, "ABROAD-PLAIN", 3, true), // abroad, no HTTPS
		svc(6, "ABROAD-OK", 4, true),    // abroad, secure
		svc(7, "NEVER", 4, true),        // never checked: nothing to compare
		svc(8, "ABROAD-LONG", 4, true),  // failing long and abroad: the stronger reason
		retired,                         // retired: not judged
		svc(10, "EXPIRED", 3, true),     // abroad, HTTPS with an expired certificate
	}
	expired := secure
	expired.CertError = "expired"
	states := map[int64]CheckState{
		1:  {Last: down, FailingSince: now.Add(-3 * day)},
		2:  {Last: down, FailingSince: now.Add(-2 * day)},
		3:  {Last: down, FailingSince: now.Add(-30 * day)},
		4:  {Last: down, FailingSince: now.Add(-time.Hour)},
		5:  {Last: plain},
		6:  {Last: secure},
		8:  {Last: down, FailingSince: now.Add(-10 * day)},
		9:  {Last: down, FailingSince: now.Add(-10 * day)},
		10: {Last: expired},
	}
	got := FindDiscrepancies(services, states, now)
	want := map[string]string{"DOWN-LONG": DiscrepancyOffline, "ABROAD-DOWN": DiscrepancyAbroadUnreachable,
		"ABROAD-PLAIN": DiscrepancyAbroadInsecure, "ABROAD-LONG": DiscrepancyOffline, "EXPIRED": DiscrepancyAbroadInsecure}
	if len(got) != len(want) {
		t.Fatalf("got %d discrepancies, want %d: %+v", len(got), len(want), got)
	}
	for i, d := range got {
		if want[d.ServiceCode] != d.Reason {
			t.Errorf("%s: reason %q, want %q", d.ServiceCode, d.Reason, want[d.ServiceCode])
		}
		if i > 0 && got[i-1].ServiceCode > d.ServiceCode {
			t.Errorf("not ordered by code: %s before %s", got[i-1].ServiceCode, d.ServiceCode)
		}
	}
	byID := DiscrepanciesByService(got)
	if d := byID[1]; d.Days != 3 || !d.Since.Equal(now.Add(-3*day)) || d.Error != CheckErrTimeout || d.Name("en") != "خدمة DOWN-LONG" {
		t.Errorf("DOWN-LONG = %+v; want 3 days since its first failure, the error, the Arabic name without an English one", d)
	}
	if d := byID[8]; d.Days != 10 {
		t.Errorf("ABROAD-LONG lasted %d days, want 10", d.Days)
	}
}

func TestObservedTech(t *testing.T) {
	yes, no := true, false
	good := URLCheck{Reachable: true, HTTPS: true, TLSVersion: "1.3", HTTPUpgrade: &yes, TotalMs: 800,
		Page: Page{Lang: "ar-ps", Dir: "rtl", Viewport: true}}
	noUpgrade := good
	noUpgrade.HTTPUpgrade = &no // https, but http:// does not redirect to it
	slowEnglish := good
	slowEnglish.TotalMs, slowEnglish.Lang = FastMs, "en"
	unknownUpgrade := good
	unknownUpgrade.HTTPUpgrade, unknownUpgrade.Viewport, unknownUpgrade.Dir = nil, false, ""
	down := good
	down.Reachable = false // every other fact of a failed visit is ignored
	svc := func(id int64, stage int, url string) Service {
		return Service{ID: id, Stage: stage, OnlineURL: url, Status: ServiceActive}
	}
	retired := svc(9, 4, "https://x")
	retired.Status = ServiceRetired
	services := []Service{svc(1, 3, "https://a"), svc(2, 4, "https://b"), svc(3, 5, "https://c"), svc(4, 3, "https://d"),
		svc(5, 3, "https://e"), svc(6, 3, "https://f"), svc(7, 2, "https://g"), svc(8, 4, ""), retired}
	checks := map[int64]URLCheck{1: good, 2: noUpgrade, 3: slowEnglish, 4: unknownUpgrade, 5: down, 7: good, 9: good}
	o := ComputeObservedTech(services, checks)
	want := ObservedTech{Online: 6, Checked: 5, Reachable: 4, Secure: 3, Mobile: 3, Arabic: 2, Fast: 3}
	if o != want {
		t.Fatalf("ComputeObservedTech = %+v, want %+v", o, want)
	}
	score := (4.0/5 + 3.0/5 + 3.0/5 + 2.0/5 + 3.0/5) / 5
	if !o.Scored() || math.Abs(o.Score()-score) > 1e-12 || o.Share("secure") != 0.6 || o.Count("nothing") != 0 {
		t.Errorf("score %v (want %v), secure share %v", o.Score(), score, o.Share("secure"))
	}
	if none := ComputeObservedTech(services, nil); none.Scored() || none.Score() != 0 || none.Online != 6 {
		t.Errorf("nothing checked: %+v scored %v", none, none.Scored())
	}
	r := NewRoundObserved(time.Time{}, time.Now(), services, nil, nil)
	if r.Score != nil || r.Discrepancies == nil {
		t.Errorf("round with nothing checked: score %v, discrepancies %v (want nil score, empty list)", r.Score, r.Discrepancies)
	}
}

// TestObservedTechMetric: a metric item on observed_technology scores the
// observed score given, and is not applicable without one; a questionnaire
// without it scores as before.
func TestObservedTechMetric(t *testing.T) {
	def := &Definition{Model: Model{Scale: 100}, Sections: []Section{{ID: "S", Weight: 1}},
		Items: []Item{
			{ID: "OBS", Section: "S", Type: TypeMetric, Metric: MetricObservedTech, Weight: 1},
			{ID: "Q", Section: "S", Type: TypeYesNo, Weight: 1},
		}}
	if !def.UsesMetric(MetricObservedTech) || def.UsesMetric("share_stage3") {
		t.Fatal("UsesMetric")
	}
	answers := AnswerSet{"Q": {ItemID: "Q", Values: []string{"yes"}}}
	v := 0.4
	r := Score(def, answers, nil, ScoreOptions{ObservedTech: &v})
	if r.Items[0].Score != 0.4 || r.Items[0].Dropped != "" || math.Abs(r.Index-0.7) > 1e-9 {
		t.Errorf("with an observed score of 0.4: item %+v, index %v; want 0.4 and 0.7", r.Items[0], r.Index)
	}
	r = Score(def, answers, nil, ScoreOptions{})
	if r.Items[0].Dropped != DropMetricNA || r.Index != 1 {
		t.Errorf("without an observed score: item %+v, index %v; want not applicable and 1", r.Items[0], r.Index)
	}
	it := def.Items[0]
	it.LabelAr = "التقنية المرصودة"
	if problems := it.problems(map[string]bool{"S": true}, map[string]bool{}); len(problems) > 0 {
		t.Errorf("an item on %s is refused: %v", MetricObservedTech, problems)
	}
}
