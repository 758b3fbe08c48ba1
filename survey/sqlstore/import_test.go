package sqlstore

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

const csvHeader = "code,name_ar,name_en,kind,sector,region\n"

func TestImportBadRowsStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	beforeInst, beforeAudit := countRows(t, s, "institutions"), countRows(t, s, "audit_events")

	file := csvHeader + // line 1
		"MOI,وزارة الداخلية,Ministry of Interior,ministry,interior,national\n" + // 2: good
		"M_X,وزارة,,ministry,health,national\n" + // 3: code format
		"MOH,وزارة الصحة الجديدة,,ministry,health,national\n" + // 4: good (would update)
		"MOF,Ministry of Finance,,bank,finance,national\n" + // 5: name_ar and kind
		"moi,وزارة الداخلية,,ministry,interior,national\n" + // 6: duplicate of line 2
		"GAZ,بلدية غزة,,بلدية,municipal,مريخ\n" + // 7: region
		"NAB,بلدية نابلس,,municipality,,west-bank,ftp://x\n" // 8: sector, website (7th cell, no website column → ignored)

	got, err := survey.ParseInstitutionsCSV(strings.NewReader(file))
	if got != nil {
		t.Errorf("got %d inputs with bad rows", len(got))
	}
	var ie *survey.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *ImportError", err)
	}
	want := []survey.RowError{
		{Line: 3, Fields: map[string]string{"code": "err.code_format"}},
		{Line: 5, Fields: map[string]string{"name_ar": "err.need_arabic", "kind": "err.choose_one"}},
		{Line: 6, Fields: map[string]string{"code": "err.code_duplicate_in_file"}},
		{Line: 7, Fields: map[string]string{"region": "err.choose_one"}},
		{Line: 8, Fields: map[string]string{"sector": "err.required"}},
	}
	if ie.Key != "" || !reflect.DeepEqual(ie.Rows, want) {
		t.Errorf("ImportError = {Key: %q, Rows: %+v}\nwant Rows %+v", ie.Key, ie.Rows, want)
	}
	if msg := ie.Error(); !strings.Contains(msg, "5 bad rows") {
		t.Errorf("Error() = %q, want it to count 5 bad rows", msg)
	}

	// ImportInstitutions is one transaction: a bad input after good ones
	// (one update, one create) leaves nothing behind either.
	bad := validInstitution("BAD")
	bad.Region = "mars"
	changed := validInstitution("MOH")
	changed.NameAr = "وزارة الصحة الجديدة"
	_, err = s.ImportInstitutions(ctx, 0, []survey.InstitutionInput{changed, validInstitution("MOI"), bad})
	wantFieldErrors(t, err, map[string]string{"region": "err.choose_one"})

	if n := countRows(t, s, "institutions"); n != beforeInst {
		t.Errorf("institutions = %d after failed imports, want %d", n, beforeInst)
	}
	if n := countRows(t, s, "audit_events"); n != beforeAudit {
		t.Errorf("audit events = %d after failed imports, want %d", n, beforeAudit)
	}
	if moh, _ := s.Institution(ctx, "MOH"); moh.NameAr != "وزارة الصحة" {
		t.Errorf("MOH name = %q, the rolled-back update leaked", moh.NameAr)
	}
}

func TestImportCreatesAndUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})
	mustCreateInstitution(t, s, validInstitution("MOH"))
	if err := s.SetInstitutionActive(ctx, 0, "MOH", false); err != nil {
		t.Fatal(err)
	}
	evBefore, err := s.AuditLog(ctx, "institution", 100)
	if err != nil {
		t.Fatal(err)
	}

	file := "\uFEFFcode,name_ar,name_en,kind,sector,region,website\n" +
		"moh,وزارة الصحة الفلسطينية,Palestinian MoH,وزارة,health,الضفة الغربية,https://moh.ps\n" +
		"MOI,وزارة الداخلية,Ministry of Interior,ministry,interior,national,\n" +
		"GAZ,بلدية غزة,Gaza Municipality,بلدية,municipal,قطاع غزة,\n"
	ins, err := survey.ParseInstitutionsCSV(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportInstitutions(ctx, admin.ID, ins)
	if err != nil {
		t.Fatal(err)
	}
	if res != (survey.ImportResult{Created: 2, Updated: 1}) {
		t.Errorf("ImportResult = %+v, want Created 2, Updated 1", res)
	}

	tests := []struct {
		code                          string
		nameAr, kind, region, website string
		active                        bool
	}{
		{"MOH", "وزارة الصحة الفلسطينية", "ministry", "west-bank", "https://moh.ps", false},
		{"MOI", "وزارة الداخلية", "ministry", "national", "", true},
		{"GAZ", "بلدية غزة", "municipality", "gaza", "", true},
	}
	for _, tc := range tests {
		got, err := s.Institution(ctx, tc.code)
		if err != nil {
			t.Errorf("%s: %v", tc.code, err)
			continue
		}
		if got.NameAr != tc.nameAr || got.Kind != tc.kind || got.Region != tc.region || got.Website != tc.website || got.Active != tc.active {
			t.Errorf("%s = %+v, want name %q kind %s region %s website %q active %v",
				tc.code, got, tc.nameAr, tc.kind, tc.region, tc.website, tc.active)
		}
	}

	ev, err := s.AuditLog(ctx, "institution", 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ev) - len(evBefore); got != 3 {
		t.Fatalf("import wrote %d institution audit events, want 3", got)
	}
	actions := map[string]string{}
	for _, e := range ev[:3] {
		actions[e.EntityKey] = e.Action
		if e.ActorID != admin.ID {
			t.Errorf("%s %s: actor %d, want %d", e.Action, e.EntityKey, e.ActorID, admin.ID)
		}
	}
	if want := map[string]string{"MOH": "update", "MOI": "create", "GAZ": "create"}; !reflect.DeepEqual(actions, want) {
		t.Errorf("import audit actions = %v, want %v", actions, want)
	}
}

// institutionsByCode lists every institution without the times an import
// may change, keyed by code.
func institutionsByCode(t *testing.T, s *Store) map[string]survey.Institution {
	t.Helper()
	list, err := s.ListInstitutions(context.Background(), survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]survey.Institution{}
	for _, i := range list {
		i.ID, i.CreatedAt, i.UpdatedAt = 0, time.Time{}, time.Time{}
		out[i.Code] = i
	}
	return out
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newTestStoreWithClock(t)
	inputs := []survey.InstitutionInput{
		validInstitution("MOH"),
		{Code: "FRM", NameAr: "=وزارة HYPERLINK(\"http://evil\")", NameEn: "=1+1", Kind: "agency", Sector: "ict", Region: "abroad", Website: "https://x.ps/?a=1,2"},
		{Code: "MIN", NameAr: "-سلطة المياه", NameEn: "-Water Authority", Kind: "agency", Sector: "water", Region: "jerusalem"},
		{Code: "PLS", NameAr: "+بلدية", NameEn: "@home", Kind: "municipality", Sector: "municipal", Region: "west-bank"},
		{Code: "QUO", NameAr: `وزارة "الصحة", غزة`, NameEn: "Health, \"Gaza\"", Kind: "other", Sector: "health", Region: "gaza"},
		{Code: "OFF", NameAr: "هيئة متوقفة", Kind: "agency", Sector: "other", Region: "national"},
	}
	for _, in := range inputs {
		mustCreateInstitution(t, s, in)
	}
	if err := s.SetInstitutionActive(ctx, 0, "OFF", false); err != nil {
		t.Fatal(err)
	}
	before := institutionsByCode(t, s)
	list, err := s.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := survey.WriteInstitutionsCSV(&buf, list); err != nil {
		t.Fatal(err)
	}
	exported := buf.Bytes()
	if !bytes.HasPrefix(exported, []byte("\uFEFF")) {
		t.Error("export does not start with a UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(exported[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "code,name_ar,name_en,kind,sector,region,website" {
		t.Errorf("export header = %q", got)
	}
	cells := map[string][]string{}
	for _, r := range recs[1:] {
		cells[r[0]] = r
	}
	for code, want := range map[string][2]string{
		"FRM": {"'=وزارة HYPERLINK(\"http://evil\")", "'=1+1"},
		"MIN": {"'-سلطة المياه", "'-Water Authority"},
		"PLS": {"'+بلدية", "'@home"},
	} {
		if c := cells[code]; len(c) < 3 || c[1] != want[0] || c[2] != want[1] {
			t.Errorf("exported %s names = %q, want %q (formula neutralised)", code, c, want)
		}
	}

	t.Run("same store", func(t *testing.T) {
		clock.Advance(time.Hour)
		ins, err := survey.ParseInstitutionsCSV(bytes.NewReader(exported))
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.ImportInstitutions(ctx, 0, ins)
		if err != nil {
			t.Fatal(err)
		}
		if res != (survey.ImportResult{Unchanged: len(inputs)}) {
			t.Errorf("ImportResult = %+v, want %d unchanged", res, len(inputs))
		}
		if after := institutionsByCode(t, s); !reflect.DeepEqual(after, before) {
			t.Errorf("round trip changed data:\nbefore %+v\nafter  %+v", before, after)
		}
	})
	t.Run("fresh store", func(t *testing.T) {
		fresh := newTestStore(t)
		ins, err := survey.ParseInstitutionsCSV(bytes.NewReader(exported))
		if err != nil {
			t.Fatal(err)
		}
		res, err := fresh.ImportInstitutions(ctx, 0, ins)
		if err != nil {
			t.Fatal(err)
		}
		if res != (survey.ImportResult{Created: len(inputs)}) {
			t.Errorf("ImportResult = %+v, want %d created", res, len(inputs))
		}
		after := institutionsByCode(t, fresh)
		for code, want := range before {
			want.Active = true // the CSV has no active column; imports create active institutions
			if got := after[code]; got != want {
				t.Errorf("%s = %+v, want %+v", code, got, want)
			}
		}
	})
}
