package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"marsad/survey"
)

// TestServicesCSVRoundTripHostile: services whose texts start formulas
// (in a cell and after ";") export defused and import back unchanged.
func TestServicesCSVRoundTripHostile(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOI"))
	for i, name := range []string{"=خدمة", "+خدمة;=cmd", "خدمة;-أخرى", "'=خدمة"} {
		_, err := s.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.ServiceInput{InstitutionCode: "MOI", Code: fmt.Sprintf("H%d", i),
			NameAr: name, NameEn: "@" + name, DescriptionAr: "أ;=ب;'ج", Category: "other", Audience: []string{"citizens"},
			Channels: []string{"web"}, Stage: "1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf strings.Builder
	if err := survey.WriteServicesCSV(&buf, func(fn func(survey.Service) error) error { return s.EachService(ctx, false, fn) }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ",=") || strings.Contains(buf.String(), ";=") || strings.Contains(buf.String(), "\"=") {
		t.Errorf("a formula start went out undefused:\n%s", buf.String())
	}
	ins, err := survey.ParseServicesCSV(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportServices(ctx, survey.Actor{Role: survey.RoleAdmin}, ins)
	if err != nil || res.Unchanged != 4 {
		t.Fatalf("re-import: %+v, %v (want 4 unchanged)", res, err)
	}
}
