package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"marsad/survey"
)

// answerMap is how an answer was audited before answerAuditJSON: this map
// through audit's general path (auditValues), nil for an answer never
// saved.
func answerMap(a survey.Answer) any {
	if a.Version == 0 {
		return nil
	}
	return map[string]any{"values": a.Values, "na": a.NA, "evidence": a.Evidence, "comment": a.Comment, "version": a.Version}
}

// wantAnswerAudit is what the general path stores for a save.
func wantAnswerAudit(t *testing.T, before, after survey.Answer) (sql.NullString, sql.NullString) {
	t.Helper()
	b, a, err := auditValues(answerMap(before), answerMap(after))
	if err != nil {
		t.Fatal(err)
	}
	return b, a
}

// auditTexts are strings that json.Marshal writes in each of its ways:
// plain, escaped (quotes, backslash, controls, HTML characters, U+2028 and
// U+2029) and replaced (invalid UTF-8).
var auditTexts = []string{"", "1", "a b", "نعم", "ملاحظة \"مقتبسة\"", `back\slash`, "line\nbreak\r\ttab", "\x00\x01\x1f\x7f",
	"<b>&amp;</b>", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe2\x80", "😀 emoji", "https://example.ps/a?b=1&c=2", "مسافة\u00a0غير منقطعة",
	"\u200f\u202b", `{"json":[1]}`, "\x1f", "\b\f", "\"", "\\", "<", ">", "&", "\u2029", "\x80"}

func randomAnswer(r *rand.Rand) survey.Answer {
	text := func() string {
		if r.IntN(3) == 0 {
			return auditTexts[r.IntN(len(auditTexts))] + auditTexts[r.IntN(len(auditTexts))]
		}
		return auditTexts[r.IntN(len(auditTexts))]
	}
	a := survey.Answer{ItemID: "X", NA: r.IntN(2) == 0, Evidence: text(), Comment: text(), Version: int64(r.IntN(4))}
	switch r.IntN(4) {
	case 0: // nil
	case 1:
		a.Values = []string{}
	default:
		for range 1 + r.IntN(3) {
			a.Values = append(a.Values, text())
		}
	}
	return a
}

// TestAnswerAuditJSON: the audit record an autosave writes directly is,
// byte for byte, what the general path (the answer as a map, marshalled,
// then CompactChange) makes of it: for an answer created, one field
// changed, several, all of them, and over random pairs.
func TestAnswerAuditJSON(t *testing.T) {
	base := survey.Answer{ItemID: "STR-1", Values: []string{"1"}, Comment: "ملاحظة", Evidence: "https://example.ps", Version: 3}
	next := func(change func(*survey.Answer)) survey.Answer {
		a := base
		a.Values = append([]string(nil), base.Values...)
		a.Version++
		change(&a)
		return a
	}
	type pair struct {
		name          string
		before, after survey.Answer
	}
	cases := []pair{
		{"created", survey.Answer{}, base},
		{"created empty", survey.Answer{}, survey.Answer{Values: []string{}, Version: 1}},
		{"created N/A", survey.Answer{}, survey.Answer{NA: true, Comment: "لا ينطبق", Version: 1}},
		{"version only", base, next(func(*survey.Answer) {})},
		{"values", base, next(func(a *survey.Answer) { a.Values = []string{"2"} })},
		{"values cleared", base, next(func(a *survey.Answer) { a.Values = []string{} })},
		{"nil to empty", survey.Answer{Version: 1}, survey.Answer{Values: []string{}, Version: 2}},
		{"empty to nil", survey.Answer{Values: []string{}, Version: 1}, survey.Answer{Version: 2}},
		{"empty string value", survey.Answer{Values: []string{""}, Version: 1}, survey.Answer{Version: 2}},
		{"comment", base, next(func(a *survey.Answer) { a.Comment = "<script>\"x\"</script>\n" })},
		{"evidence", base, next(func(a *survey.Answer) { a.Evidence = "" })},
		{"N/A", base, next(func(a *survey.Answer) { a.NA, a.Values = true, nil })},
		{"several", base, next(func(a *survey.Answer) { a.Values, a.Comment = []string{"a", "b"}, "\u2028" })},
		{"all", base, survey.Answer{Values: nil, NA: true, Evidence: "https://x.ps", Comment: "\xff", Version: 10}},
		{"same value, other bytes", survey.Answer{Comment: "\xff", Version: 1}, survey.Answer{Comment: "\xfe", Version: 2}},
		{"big version", survey.Answer{Version: 1 << 40}, survey.Answer{Version: 1<<40 + 1}},
	}
	r := rand.New(rand.NewPCG(15, 2026))
	for range 20000 {
		b, a := randomAnswer(r), randomAnswer(r)
		if r.IntN(2) == 0 { // a change of a few fields of the same answer
			a = b
			a.Version++
			switch r.IntN(4) {
			case 0:
				a.Values = randomAnswer(r).Values
			case 1:
				a.Comment = randomAnswer(r).Comment
			case 2:
				a.Evidence, a.NA = randomAnswer(r).Evidence, !a.NA
			}
		}
		if a.Version == 0 {
			a.Version = 1 // a saved answer has a version
		}
		cases = append(cases, pair{"random", b, a})
	}
	for _, c := range cases {
		gotB, gotA := answerAuditJSON(c.before, c.after)
		wantB, wantA := wantAnswerAudit(t, c.before, c.after)
		if gotB != wantB || gotA != wantA {
			t.Fatalf("%s: %+v → %+v:\n got %v → %v\nwant %v → %v", c.name, c.before, c.after, gotB, gotA, wantB, wantA)
		}
	}
}

// TestAnswerAuditRows: the rows a save writes to audit_events are those of
// the general path, for each kind of save through the store: created,
// changed (one field, several), N/A, cleared, a batch of several, and an
// unchanged retry, which writes none.
func TestAnswerAuditRows(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOH"))
	d := validDefinition()
	d.Items[2].NAAllowed = true // STR-2
	q, err := s.StoreQuestionnaire(ctx, 0, d)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRound(ctx, 0, survey.RoundInput{Name: "2026", QuestionnaireID: q.ID, Deadline: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.RoundAction(ctx, 0, r.ID, "open"); err != nil {
		t.Fatal(err)
	}
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	current := func(item string) survey.Answer {
		resp, err := s.Response(ctx, r.ID, "MOH")
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Answers(ctx, resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return all[item]
	}
	comment := "ملاحظة \"مقتبسة\" <b>&</b>\nسطر ثان\u2028"
	steps := []struct {
		name string
		ins  []survey.AnswerInput
	}{
		{"created", []survey.AnswerInput{{ItemID: "STR-1", Values: []string{"1"}}}},
		{"one field", []survey.AnswerInput{{ItemID: "STR-1", Values: []string{"2"}, BaseVersion: 1}}},
		{"several", []survey.AnswerInput{{ItemID: "STR-1", Values: []string{"0"}, Comment: comment, Evidence: "https://moh.ps/خطة", BaseVersion: 2}}},
		{"unchanged retry", []survey.AnswerInput{{ItemID: "STR-1", Values: []string{"0"}, Comment: comment, Evidence: "https://moh.ps/خطة", BaseVersion: 2}}},
		{"cleared", []survey.AnswerInput{{ItemID: "STR-1", Values: []string{" "}, BaseVersion: 3}}},
		{"created N/A", []survey.AnswerInput{{ItemID: "STR-2", NA: true, Comment: "لا ينطبق"}}},
		{"N/A to values", []survey.AnswerInput{{ItemID: "STR-2", Values: []string{"a", "c"}, BaseVersion: 1}}},
		{"batch", []survey.AnswerInput{{ItemID: "SRV-2", Values: []string{"٤٥"}}, {ItemID: "SRV-3", Values: []string{"12.50"}},
			{ItemID: "STR-2", Values: []string{"b"}, Comment: "\t<>&", BaseVersion: 2}}},
	}
	for _, st := range steps {
		var before []survey.Answer
		for _, in := range st.ins {
			before = append(before, current(in.ItemID))
		}
		n := countRows(t, s, "audit_events")
		out, err := s.SaveAnswers(ctx, moh, r.ID, "MOH", st.ins)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var want []survey.AuditEvent
		for i, a := range out {
			if a.Version == before[i].Version {
				continue // unchanged: not audited
			}
			b, a := wantAnswerAudit(t, before[i], a)
			want = append(want, survey.AuditEvent{EntityKey: "2026/MOH/" + st.ins[i].ItemID, Before: b.String, After: a.String})
		}
		if st.name == "unchanged retry" && len(want) != 0 {
			t.Fatalf("%s: stored a new version", st.name)
		}
		got, err := s.AuditLog(ctx, "response", len(want)+1)
		if err != nil {
			t.Fatal(err)
		}
		if added := countRows(t, s, "audit_events") - n; added != len(want) {
			t.Fatalf("%s: %d audit events, want %d", st.name, added, len(want))
		}
		for i, w := range want {
			g := got[len(want)-1-i] // newest first
			if g.Action != "answer" || g.EntityKey != w.EntityKey || g.Before != w.Before || g.After != w.After {
				t.Errorf("%s: audited %s %s: %s → %s\nwant %s: %s → %s", st.name, g.Action, g.EntityKey, g.Before, g.After,
					w.EntityKey, w.Before, w.After)
			}
			if strings.Contains(st.name, "created") && g.Before != "" {
				t.Errorf("%s: a created answer has a before: %s", st.name, g.Before)
			}
		}
	}
}

// TestSaveAnswerClientGone: a save whose caller has gone (its context
// cancelled) before the batch reaches it stores nothing and says why, as
// when its statements ran under that context; the next save goes through.
func TestSaveAnswerClientGone(t *testing.T) {
	s := newTestStore(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	r := openRound(t, s)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	n := countRows(t, s, "audit_events")
	if _, err := s.SaveAnswer(gone, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("save of a client gone: %v, want context.Canceled", err)
	}
	if got := countRows(t, s, "answers") + countRows(t, s, "responses") + countRows(t, s, "audit_events") - n; got != 0 {
		t.Fatalf("a save of a client gone wrote %d rows", got)
	}
	if a, err := s.SaveAnswer(context.Background(), moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}}); err != nil || a.Version != 1 {
		t.Fatalf("the next save: %+v, %v", a, err)
	}
}
