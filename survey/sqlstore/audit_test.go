package sqlstore

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"marsad/survey"
)

// TestAuditRecordsAreCompact: a record created is kept whole, a change
// only in what changed — a long description left alone is not copied.
func TestAuditRecordsAreCompact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	admin := survey.Actor{Role: survey.RoleAdmin}
	desc := strings.Repeat("وصف طويل للخدمة ", 200)
	in := survey.ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة", DescriptionAr: desc, Category: "other",
		Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"}
	sv, err := s.CreateService(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	in.NameAr, in.Version = "خدمة جديدة", sv.Version
	if _, err := s.UpdateService(ctx, admin, sv.ID, in); err != nil {
		t.Fatal(err)
	}
	ev, err := s.AuditLog(ctx, "service", 2)
	if err != nil || len(ev) != 2 {
		t.Fatalf("audit: %v, %v", ev, err)
	}
	update, create := ev[0], ev[1]
	if create.Before != "" || !strings.Contains(create.After, `"description_ar"`) || !strings.Contains(create.After, `"name_ar":"خدمة"`) {
		t.Errorf("create = %s → %s, want the whole record after", create.Before, create.After)
	}
	var b, a map[string]any
	if json.Unmarshal([]byte(update.Before), &b) != nil || json.Unmarshal([]byte(update.After), &a) != nil {
		t.Fatalf("update = %s → %s, want two objects", update.Before, update.After)
	}
	if b["name_ar"] != "خدمة" || a["name_ar"] != "خدمة جديدة" {
		t.Errorf("update name %v → %v", b["name_ar"], a["name_ar"])
	}
	for k := range a {
		if k != "name_ar" && k != "updated_at" && k != "version" && k != "institution" { // institution: kept for the log's filter
			t.Errorf("update keeps %q, which did not change", k)
		}
	}
	if !reflect.DeepEqual(keys(a), keys(b)) {
		t.Errorf("update sides have fields %v and %v, want the same", keys(b), keys(a))
	}
	if n := len(update.Before) + len(update.After); n > 400 {
		t.Errorf("update takes %d bytes in the log, want only the changed fields", n)
	}

	// An answer saved again stores only what changed.
	r := openRound(t, s)
	moh := survey.Actor{Role: survey.RoleRespondent, Institution: "MOH"}
	comment := strings.Repeat("ملاحظة ", 250)
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"1"}, Comment: comment}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveAnswer(ctx, moh, r.ID, "MOH", survey.AnswerInput{ItemID: "STR-1", Values: []string{"2"}, Comment: comment, BaseVersion: 1}); err != nil {
		t.Fatal(err)
	}
	ev, err = s.AuditLog(ctx, "response", 1)
	if err != nil || len(ev) != 1 {
		t.Fatal(ev, err)
	}
	if strings.Contains(ev[0].Before+ev[0].After, "ملاحظة") || !strings.Contains(ev[0].After, `"values":["2"]`) {
		t.Errorf("answer change = %s → %s, want the values and version only", ev[0].Before, ev[0].After)
	}
}

func keys(m map[string]any) []string {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	return out
}
