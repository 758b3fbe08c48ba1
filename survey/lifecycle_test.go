package survey

import (
	"strings"
	"testing"
	"time"
)

// TestDueDays: a deadline day ends at midnight in Palestine, in summer
// (UTC+3) as in winter (UTC+2), and days left count calendar days there.
func TestDueDays(t *testing.T) {
	for _, c := range []struct {
		deadline string
		at       time.Time
		passed   bool
		left     int
	}{
		{"2026-07-15", time.Date(2026, 7, 12, 12, 0, 0, 0, time.UTC), false, 3},
		{"2026-07-15", time.Date(2026, 7, 14, 21, 30, 0, 0, time.UTC), false, 0}, // 00:30 on the 15th
		{"2026-07-15", time.Date(2026, 7, 15, 20, 59, 0, 0, time.UTC), false, 0}, // 23:59
		{"2026-07-15", time.Date(2026, 7, 15, 21, 0, 0, 0, time.UTC), true, -1},  // midnight
		{"2026-12-31", time.Date(2026, 12, 31, 21, 59, 0, 0, time.UTC), false, 0},
		{"2026-12-31", time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC), true, -1},
		{"2026-12-31", time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC), true, -5},
	} {
		d := Due{Deadline: c.deadline}
		if got := d.Passed(c.at); got != c.passed {
			t.Errorf("%s: Passed(%s) = %v", c.deadline, c.at, got)
		}
		if got := d.DaysLeft(c.at); got != c.left {
			t.Errorf("%s: DaysLeft(%s) = %d, want %d", c.deadline, c.at, got, c.left)
		}
	}
	if (Due{}).Has() || (Due{}).Passed(time.Now()) || (Due{Deadline: "31/12/2026"}).Has() {
		t.Error("no deadline (or one that is not a day) has passed")
	}
	ext := Due{Deadline: "2026-12-31", Extended: "2027-01-05"}
	if ext.Day() != "2027-01-05" || ext.Passed(time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("extension: day %s, passed on the 2nd", ext.Day())
	}
	late := time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC)
	if !PastDeadline(Actor{Role: RoleRespondent}, Due{Deadline: "2026-12-31"}, late) || PastDeadline(Actor{Role: RoleAdmin}, Due{Deadline: "2026-12-31"}, late) {
		t.Error("the deadline binds respondents, not the coordinator")
	}
}

func TestCheckExtension(t *testing.T) {
	r := Round{Deadline: "2026-10-31"}
	for in, field := range map[ExtensionInput]string{
		{Until: "2026-10-31"}:   "until",
		{Until: "2026-10-30"}:   "until",
		{Until: "2026-11-31"}:   "until",
		{}:                      "until",
		{Until: "٢٠٢٦-١١-٠٥"}:   "",
		{Until: " 2026-11-05 "}: "",
		{Until: "2026-11-05", Reason: strings.Repeat("x", MaxExtensionReason+1)}: "reason",
	} {
		out, err := CheckExtension(r, in)
		ve, _ := err.(*ValidationError)
		switch {
		case field == "" && err != nil:
			t.Errorf("%+v: %v", in, err)
		case field == "" && out.Until != "2026-11-05":
			t.Errorf("%+v cleaned to %q", in, out.Until)
		case field != "" && (ve == nil || ve.Fields[field] == ""):
			t.Errorf("%+v: %v, want an error on %s", in, err, field)
		}
	}
	if _, err := CheckExtension(Round{}, ExtensionInput{Until: "2026-11-05"}); err == nil {
		t.Error("an extension of a round without a deadline")
	}
}

// TestDefaultPrefillSource: the newest response sent in, on a comparable
// questionnaire, in a round that is not a test round.
func TestDefaultPrefillSource(t *testing.T) {
	src := func(id int64, status string, same, test bool) PrefillSource {
		return PrefillSource{Round: Round{ID: id, Test: test}, Status: status, Same: same}
	}
	for name, c := range map[string]struct {
		list []PrefillSource
		want int64
	}{
		"newest sent in":        {[]PrefillSource{src(5, ResponseAccepted, true, false), src(3, ResponseSubmitted, true, false)}, 5},
		"a draft is passed":     {[]PrefillSource{src(5, ResponseDraft, true, false), src(3, ResponseSubmitted, true, false)}, 3},
		"returned is passed":    {[]PrefillSource{src(5, ResponseReturned, true, false), src(3, ResponseAccepted, true, false)}, 3},
		"a test round":          {[]PrefillSource{src(5, ResponseAccepted, true, true), src(3, ResponseSubmitted, true, false)}, 3},
		"another questionnaire": {[]PrefillSource{src(5, ResponseAccepted, false, false), src(3, ResponseSubmitted, true, false)}, 3},
		"none":                  {[]PrefillSource{src(5, ResponseDraft, true, false), src(3, ResponseAccepted, true, true)}, 0},
	} {
		got, ok := DefaultPrefillSource(c.list)
		if ok != (c.want != 0) || got.Round.ID != c.want {
			t.Errorf("%s: %d, %v; want %d", name, got.Round.ID, ok, c.want)
		}
	}
	cur := int64(9)
	for _, c := range []struct {
		r    Round
		want bool
	}{
		{Round{ID: 3, Status: RoundClosed}, true},
		{Round{ID: 3, Status: RoundPublished}, true},
		{Round{ID: 3, Status: RoundPublished, Archived: true}, false},
		{Round{ID: 3, Status: RoundOpen}, false},
		{Round{ID: 3, Status: RoundDraft}, false},
		{Round{ID: 9, Status: RoundClosed}, false},
	} {
		if got := PrefillCandidate(c.r, cur); got != c.want {
			t.Errorf("PrefillCandidate(%+v) = %v", c.r, got)
		}
	}
}

// TestArchivedRoundIsTheCoordinators: nobody but the coordinator sees an
// archived round, its rankings or scorecards, even public ones.
func TestArchivedRoundIsTheCoordinators(t *testing.T) {
	r := Round{Status: RoundPublished, Public: true, Archived: true}
	users := map[string]*User{"anonymous": nil, "viewer": {Role: RoleViewer}, "respondent": {Role: RoleRespondent, InstitutionCode: "MOH"}}
	for name, u := range users {
		for _, p := range []Permission{SeeRound, SeeRankings, SeeScorecard} {
			if Allowed(u, p, r, "MOH") {
				t.Errorf("%s may %s in an archived round", name, p)
			}
			if !Allowed(u, p, Round{Status: RoundPublished, Public: true}, "MOH") {
				t.Errorf("%s may not %s once it is restored", name, p)
			}
		}
	}
	admin := &User{Role: RoleAdmin}
	for _, p := range []Permission{SeeRound, SeeRankings, SeeScorecard} {
		if !Allowed(admin, p, r, "MOH") {
			t.Errorf("the coordinator may not %s in an archived round", p)
		}
	}
	if !(Round{Status: RoundClosed}).Deletable() || (Round{Status: RoundPublished}).Deletable() || !(Round{Status: RoundPublished}).Archivable() ||
		(Round{Status: RoundClosed}).Archivable() || r.Archivable() {
		t.Error("only never-published rounds are deleted, only published ones archived (once)")
	}
}
