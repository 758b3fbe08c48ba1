package survey

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCheckReminderSettings(t *testing.T) {
	cases := []struct {
		name          string
		first, second string
		want          ReminderSettings
		errs          map[string]string
	}{
		{name: "both off", want: ReminderSettings{RoundID: 3}},
		{name: "both", first: "7", second: " 2 ", want: ReminderSettings{RoundID: 3, First: 7, Second: 2}},
		{name: "Arabic-Indic digits", first: "١٤", want: ReminderSettings{RoundID: 3, First: 14}},
		{name: "bounds", first: "1", second: "60", want: ReminderSettings{RoundID: 3, First: 1, Second: 60}},
		{name: "zero", first: "0", errs: map[string]string{"first_days": "err.reminder_days"}},
		{name: "too many", second: "61", errs: map[string]string{"second_days": "err.reminder_days"}},
		{name: "not a number", first: "a week", errs: map[string]string{"first_days": "err.reminder_days"}},
		{name: "the same day twice", first: "3", second: "3", errs: map[string]string{"second_days": "err.reminder_days_same"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckReminderSettings(3, ReminderSettingsInput{First: c.first, Second: c.second})
			if c.errs != nil {
				var ve *ValidationError
				if !asValidation(err, &ve) || !mapsEqual(ve.Fields, c.errs) {
					t.Fatalf("err %v, want %v", err, c.errs)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v %v, want %+v", got, err, c.want)
			}
		})
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestReminderDays(t *testing.T) {
	s := ReminderSettings{First: 2, Second: 7}
	if got := s.Days(); !slices.Equal(got, []int{7, 2}) {
		t.Errorf("days %v", got)
	}
	for days, want := range map[int]bool{7: true, 2: true, 3: false, 0: false, -5: false} {
		if s.DueOn(days) != want {
			t.Errorf("DueOn(%d) = %v", days, !want)
		}
	}
	if (ReminderSettings{}).On() || (ReminderSettings{}).DueOn(0) {
		t.Error("off settings are on")
	}
}

func TestCleanReminderStates(t *testing.T) {
	got, ok := CleanReminderStates([]string{"returned", "submitted", "none", "none", "x"})
	if !ok || !slices.Equal(got, []string{"none", "returned"}) {
		t.Errorf("%v %v", got, ok)
	}
	if _, ok := CleanReminderStates([]string{"accepted"}); ok {
		t.Error("accepted may be reminded")
	}
}

func TestReminderPlanLists(t *testing.T) {
	in := func(code string) Institution { return Institution{Code: code} }
	ar := Recipient{UserID: 1, Lang: "ar"}
	en := Recipient{UserID: 2, Lang: "en"}
	off := Recipient{UserID: 3, Lang: "ar", OptedOut: true}
	p := ReminderPlan{Targets: []ReminderTarget{
		{Institution: in("A"), Recipients: []Recipient{ar, en, off}},
		{Institution: in("B"), Recipients: []Recipient{ar}, RemindedToday: true},
		{Institution: in("C"), Recipients: []Recipient{off}},
		{Institution: in("D")},
	}}
	codes := func(ts []ReminderTarget) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.Institution.Code)
		}
		return strings.Join(s, ",")
	}
	if codes(p.Sending()) != "A" || codes(p.Skipped()) != "B" || codes(p.Unreachable()) != "C,D" {
		t.Errorf("sending %s skipped %s unreachable %s", codes(p.Sending()), codes(p.Skipped()), codes(p.Unreachable()))
	}
	if p.Messages() != 2 || p.Langs()["ar"] != 1 || p.Langs()["en"] != 1 {
		t.Errorf("messages %d langs %v", p.Messages(), p.Langs())
	}
}

func TestReminderKeysAndDay(t *testing.T) {
	if k := ReminderKey(3, "MOH", "2026-12-07", 9); k != "reminder:3:MOH:2026-12-07:9" {
		t.Errorf("key %s", k)
	}
	// 23:30 UTC on the 6th is already the 7th in Palestine.
	at := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	if Day(at, DeadlineZone) != "2026-12-07" || Day(at, nil) != "2026-12-06" {
		t.Errorf("day %s / %s", Day(at, DeadlineZone), Day(at, nil))
	}
}

// TestDigestParamsBounded: however many events a day has, the digest's
// parameters fit the outbox, and the ones left out are counted.
func TestDigestParamsBounded(t *testing.T) {
	var events []DigestEvent
	long := strings.Repeat("وزارة ", 60)
	for i := range 500 {
		action := "submit"
		if i%5 == 0 {
			action = "return"
		}
		events = append(events, DigestEvent{Action: action, RoundName: "2026", Institution: Institution{NameAr: long, NameEn: "Ministry"}})
	}
	p := DigestParams("2026-12-06", events, "ar")
	if p["submit_n"] != "400" || p["return_n"] != "100" {
		t.Errorf("counts %s %s", p["submit_n"], p["return_n"])
	}
	for k, v := range p {
		if len(v) > MaxMailParamLen || !utf8.ValidString(v) {
			t.Errorf("%s: %d bytes, valid %v", k, len(v), utf8.ValidString(v))
		}
	}
	shown := len(strings.Split(p["submit_lines"], "\n"))
	if p["submit_more"] == "0" || shown+atoi(p["submit_more"]) != 400 {
		t.Errorf("shown %d + more %s != 400", shown, p["submit_more"])
	}
	en := DigestParams("2026-12-06", events[:2], "en")
	if en["submit_lines"] != "2026 — Ministry" || en["return_lines"] != "2026 — Ministry" || en["submit_more"] != "0" {
		t.Errorf("en %v", en)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCheckMailPrefs(t *testing.T) {
	p, err := CheckMailPrefs(RoleRespondent, MailPrefsInput{Lang: "en", OptOut: true, Digest: true})
	if err != nil || p != (MailPrefs{Lang: "en", OptOut: true}) {
		t.Errorf("respondent: %+v %v", p, err)
	}
	if p, _ := CheckMailPrefs(RoleAdmin, MailPrefsInput{Lang: "ar", Digest: true}); !p.Digest {
		t.Error("a coordinator's digest dropped")
	}
	if _, err := CheckMailPrefs(RoleViewer, MailPrefsInput{Lang: "fr"}); err == nil {
		t.Error("French accepted")
	}
}
