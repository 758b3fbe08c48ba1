package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

func TestCreateInstitution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newTestStoreWithClock(t)
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})

	in := survey.InstitutionInput{
		Code: " moh-٢ ", NameAr: "  وزارة الصحة ", NameEn: "Ministry of Health ", Kind: "Ministry",
		Sector: "Health", Region: "NATIONAL", Website: " https://www.moh.ps/ ",
	}
	got, err := s.CreateInstitution(ctx, admin.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	want := survey.Institution{
		ID: got.ID, Code: "MOH-2", NameAr: "وزارة الصحة", NameEn: "Ministry of Health", Kind: "ministry",
		Sector: "health", Region: "national", Website: "https://www.moh.ps/", Active: true,
		CreatedAt: now, UpdatedAt: now,
	}
	if got != want {
		t.Errorf("CreateInstitution = %+v\nwant %+v", got, want)
	}
	for _, code := range []string{"MOH-2", "moh-2", " Moh-2 "} {
		if stored, err := s.Institution(ctx, code); err != nil || stored != want {
			t.Errorf("Institution(%q) = %+v, %v; want %+v", code, stored, err, want)
		}
	}
	if _, err := s.Institution(ctx, "NOPE"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("Institution(NOPE) err = %v, want ErrNotFound", err)
	}

	ev, err := s.AuditLog(ctx, "institution", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 {
		t.Fatalf("audit events = %d, want 1", len(ev))
	}
	e := ev[0]
	if e.Action != "create" || e.Entity != "institution" || e.EntityKey != "MOH-2" || e.Before != "" {
		t.Errorf("audit event = %+v, want create institution MOH-2 with no before", e)
	}
	if e.ActorID != admin.ID || e.ActorName != "admin@example.ps" || !e.At.Equal(now) {
		t.Errorf("audit actor/time = %d %q %v, want %d admin@example.ps %v", e.ActorID, e.ActorName, e.At, admin.ID, now)
	}
	var after survey.Institution
	if err := json.Unmarshal([]byte(e.After), &after); err != nil {
		t.Fatalf("audit after %q: %v", e.After, err)
	}
	after.ID = got.ID // not in JSON
	if after != want {
		t.Errorf("audit after = %+v, want %+v", after, want)
	}
}

func TestInstitutionValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ب", 201)
	tests := []struct {
		name   string
		change func(*survey.InstitutionInput)
		field  string
		key    string
	}{
		{"code empty", func(in *survey.InstitutionInput) { in.Code = "  " }, "code", "err.required"},
		{"code one letter", func(in *survey.InstitutionInput) { in.Code = "M" }, "code", "err.code_format"},
		{"code starts with digit", func(in *survey.InstitutionInput) { in.Code = "1MOH" }, "code", "err.code_format"},
		{"code arabic digit first", func(in *survey.InstitutionInput) { in.Code = "٣MOH" }, "code", "err.code_format"},
		{"code underscore", func(in *survey.InstitutionInput) { in.Code = "MO_H" }, "code", "err.code_format"},
		{"code space inside", func(in *survey.InstitutionInput) { in.Code = "MO H" }, "code", "err.code_format"},
		{"code arabic letters", func(in *survey.InstitutionInput) { in.Code = "صحة" }, "code", "err.code_format"},
		{"code 17 chars", func(in *survey.InstitutionInput) { in.Code = "ABCDEFGHIJKLMNOPQ" }, "code", "err.code_format"},
		{"name_ar empty", func(in *survey.InstitutionInput) { in.NameAr = "" }, "name_ar", "err.required"},
		{"name_ar no arabic letter", func(in *survey.InstitutionInput) { in.NameAr = "Ministry of Health" }, "name_ar", "err.need_arabic"},
		{"name_ar arabic digits only", func(in *survey.InstitutionInput) { in.NameAr = "١٢٣" }, "name_ar", "err.need_arabic"},
		{"name_ar control char", func(in *survey.InstitutionInput) { in.NameAr = "وزارة\x07الصحة" }, "name_ar", "err.bad_characters"},
		{"name_ar NUL", func(in *survey.InstitutionInput) { in.NameAr = "وزارة\x00" }, "name_ar", "err.bad_characters"},
		{"name_ar tab", func(in *survey.InstitutionInput) { in.NameAr = "وزارة\tالصحة" }, "name_ar", "err.bad_characters"},
		{"name_ar newline", func(in *survey.InstitutionInput) { in.NameAr = "وزارة\nالصحة" }, "name_ar", "err.bad_characters"},
		{"name_ar invalid utf8", func(in *survey.InstitutionInput) { in.NameAr = "وزارة\xff" }, "name_ar", "err.bad_characters"},
		{"name_ar 201 runes", func(in *survey.InstitutionInput) { in.NameAr = long }, "name_ar", "err.too_long"},
		{"name_en 201 runes", func(in *survey.InstitutionInput) { in.NameEn = strings.Repeat("x", 201) }, "name_en", "err.too_long"},
		{"name_en control char", func(in *survey.InstitutionInput) { in.NameEn = "Health\x1b[31m" }, "name_en", "err.bad_characters"},
		{"kind unknown", func(in *survey.InstitutionInput) { in.Kind = "bank" }, "kind", "err.choose_one"},
		{"kind empty", func(in *survey.InstitutionInput) { in.Kind = "" }, "kind", "err.choose_one"},
		{"kind arabic outside import", func(in *survey.InstitutionInput) { in.Kind = "وزارة" }, "kind", "err.choose_one"},
		{"region unknown", func(in *survey.InstitutionInput) { in.Region = "mars" }, "region", "err.choose_one"},
		{"region empty", func(in *survey.InstitutionInput) { in.Region = "" }, "region", "err.choose_one"},
		{"sector empty", func(in *survey.InstitutionInput) { in.Sector = "" }, "sector", "err.required"},
		{"sector space", func(in *survey.InstitutionInput) { in.Sector = "public health" }, "sector", "err.sector_format"},
		{"sector digit first", func(in *survey.InstitutionInput) { in.Sector = "1health" }, "sector", "err.sector_format"},
		{"sector 41 chars", func(in *survey.InstitutionInput) { in.Sector = strings.Repeat("h", 41) }, "sector", "err.sector_format"},
		{"website no scheme", func(in *survey.InstitutionInput) { in.Website = "www.moh.ps" }, "website", "err.url"},
		{"website ftp", func(in *survey.InstitutionInput) { in.Website = "ftp://moh.ps" }, "website", "err.url"},
		{"website javascript", func(in *survey.InstitutionInput) { in.Website = "javascript:alert(1)" }, "website", "err.url"},
		{"website no host", func(in *survey.InstitutionInput) { in.Website = "https://" }, "website", "err.url"},
		{"website space", func(in *survey.InstitutionInput) { in.Website = "https://moh.ps/a b" }, "website", "err.url"},
	}
	s := newTestStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validInstitution("MOH")
			tc.change(&in)
			_, err := s.CreateInstitution(context.Background(), 0, in)
			wantFieldErrors(t, err, map[string]string{tc.field: tc.key})
		})
	}
	t.Cleanup(func() {
		if n := countRows(t, s, "institutions") + countRows(t, s, "audit_events"); n != 0 {
			t.Errorf("invalid inputs stored %d rows", n)
		}
	})
}

func TestInstitutionValidBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*survey.InstitutionInput)
	}{
		{"code two chars", func(in *survey.InstitutionInput) { in.Code = "AB" }},
		{"code 16 chars", func(in *survey.InstitutionInput) { in.Code = "ABCDEFGHIJKLMNOP" }},
		{"code with digits and dash", func(in *survey.InstitutionInput) { in.Code = "M1-2" }},
		{"code arabic-indic digits", func(in *survey.InstitutionInput) { in.Code = "MUN-٤٢" }},
		{"name_ar 200 runes", func(in *survey.InstitutionInput) { in.NameAr = strings.Repeat("ب", 200) }},
		{"name_ar mixed scripts", func(in *survey.InstitutionInput) { in.NameAr = "وزارة ICT" }},
		{"name_en empty", func(in *survey.InstitutionInput) { in.NameEn = "" }},
		{"sector with digits and dash", func(in *survey.InstitutionInput) { in.Sector = "e-gov2" }},
		{"sector 40 chars", func(in *survey.InstitutionInput) { in.Sector = strings.Repeat("h", 40) }},
		{"website empty", func(in *survey.InstitutionInput) { in.Website = "" }},
		{"website http", func(in *survey.InstitutionInput) { in.Website = "http://moh.ps/path?q=1" }},
		{"every kind and region in capitals", func(in *survey.InstitutionInput) { in.Kind, in.Region = "MUNICIPALITY", "West-Bank" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validInstitution("MOH")
			tc.change(&in)
			if _, err := newTestStore(t).CreateInstitution(context.Background(), 0, in); err != nil {
				t.Errorf("CreateInstitution(%+v): %v", in, err)
			}
		})
	}
}

func TestCreateInstitutionCodeTaken(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, first, second string }{
		{"same code", "MOH", "MOH"},
		{"lower case", "MOH", "moh"},
		{"arabic-indic digits", "MUN-12", "mun-١٢"},
		{"eastern arabic-indic digits", "MUN-45", "MUN-۴۵"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestStore(t)
			mustCreateInstitution(t, s, validInstitution(tc.first))
			_, err := s.CreateInstitution(context.Background(), 0, validInstitution(tc.second))
			wantFieldErrors(t, err, map[string]string{"code": "err.code_taken"})
			if n := countRows(t, s, "institutions"); n != 1 {
				t.Errorf("institutions = %d, want 1", n)
			}
			if n := countRows(t, s, "audit_events"); n != 1 {
				t.Errorf("audit events = %d, want 1 (the failed create must leave none)", n)
			}
		})
	}
}

func TestUpdateInstitution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newTestStoreWithClock(t)
	created := mustCreateInstitution(t, s, validInstitution("MOH"))
	clock.Advance(time.Hour)

	in := survey.InstitutionInput{
		Code: "HACK", NameAr: "وزارة الصحة الفلسطينية", NameEn: "Palestinian Ministry of Health",
		Kind: "agency", Sector: "public-health", Region: "gaza", Website: "",
	}
	got, err := s.UpdateInstitution(ctx, 0, "moh", in)
	if err != nil {
		t.Fatal(err)
	}
	want := survey.Institution{
		ID: created.ID, Code: "MOH", NameAr: in.NameAr, NameEn: in.NameEn, Kind: "agency", Sector: "public-health",
		Region: "gaza", Website: "", Active: true, CreatedAt: created.CreatedAt, UpdatedAt: clock.Now(),
	}
	if got != want {
		t.Errorf("UpdateInstitution = %+v\nwant %+v", got, want)
	}
	if stored, _ := s.Institution(ctx, "MOH"); stored != want {
		t.Errorf("stored = %+v, want %+v", stored, want)
	}
	if _, err := s.Institution(ctx, "HACK"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("the code changed: Institution(HACK) err = %v, want ErrNotFound", err)
	}

	ev, err := s.AuditLog(ctx, "institution", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Action != "update" || ev[0].EntityKey != "MOH" {
		t.Fatalf("audit log = %+v, want update MOH newest of 2", ev)
	}
	// A change keeps only the fields that changed, on both sides.
	var before, after map[string]any
	if err := json.Unmarshal([]byte(ev[0].Before), &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(ev[0].After), &after); err != nil {
		t.Fatal(err)
	}
	wantBefore := map[string]any{"name_ar": created.NameAr, "name_en": created.NameEn, "kind": created.Kind,
		"sector": created.Sector, "region": created.Region, "website": created.Website}
	wantAfter := map[string]any{"name_ar": want.NameAr, "name_en": want.NameEn, "kind": want.Kind,
		"sector": want.Sector, "region": want.Region, "website": want.Website}
	_, bt := before["updated_at"]
	_, at := after["updated_at"]
	delete(before, "updated_at")
	delete(after, "updated_at")
	if !bt || !at || !reflect.DeepEqual(before, wantBefore) || !reflect.DeepEqual(after, wantAfter) {
		t.Errorf("audit = %s → %s, want only the changed fields (and updated_at): %v → %v", ev[0].Before, ev[0].After, wantBefore, wantAfter)
	}

	t.Run("unknown code", func(t *testing.T) {
		_, err := s.UpdateInstitution(ctx, 0, "NOPE", validInstitution("NOPE"))
		if !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("invalid input changes nothing", func(t *testing.T) {
		bad := validInstitution("MOH")
		bad.NameAr = "English only"
		_, err := s.UpdateInstitution(ctx, 0, "MOH", bad)
		wantFieldErrors(t, err, map[string]string{"name_ar": "err.need_arabic"})
		if stored, _ := s.Institution(ctx, "MOH"); stored != want {
			t.Errorf("stored = %+v, want unchanged %+v", stored, want)
		}
	})
	if n := countRows(t, s, "audit_events"); n != 2 {
		t.Errorf("audit events = %d, want 2 (failed updates record nothing)", n)
	}
}

func TestListInstitutions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	for _, in := range []survey.InstitutionInput{
		{Code: "MOI", NameAr: "وزارة الداخلية", NameEn: "Ministry of Interior", Kind: "ministry", Sector: "interior", Region: "national"},
		{Code: "MOH", NameAr: "وزارة الصحة", NameEn: "Ministry of Health", Kind: "ministry", Sector: "health", Region: "national"},
		{Code: "GAZ", NameAr: "بلدية غزة", NameEn: "Gaza Municipality", Kind: "municipality", Sector: "municipal", Region: "gaza"},
		{Code: "NAB", NameAr: "بلدية نابلس", NameEn: "Nablus Municipality", Kind: "municipality", Sector: "municipal", Region: "west-bank"},
	} {
		mustCreateInstitution(t, s, in)
	}
	if err := s.SetInstitutionActive(ctx, 0, "NAB", false); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		filter survey.InstitutionFilter
		want   []string
	}{
		{"active only, ordered by code", survey.InstitutionFilter{}, []string{"GAZ", "MOH", "MOI"}},
		{"include inactive", survey.InstitutionFilter{IncludeInactive: true}, []string{"GAZ", "MOH", "MOI", "NAB"}},
		{"arabic name", survey.InstitutionFilter{Query: "بلدية"}, []string{"GAZ"}},
		{"arabic name with inactive", survey.InstitutionFilter{Query: "بلدية", IncludeInactive: true}, []string{"GAZ", "NAB"}},
		{"code any case", survey.InstitutionFilter{Query: "moi"}, []string{"MOI"}},
		{"english name part", survey.InstitutionFilter{Query: "health"}, []string{"MOH"}},
		{"query trimmed", survey.InstitutionFilter{Query: "  وزارة  "}, []string{"MOH", "MOI"}},
		{"inactive only match", survey.InstitutionFilter{Query: "نابلس"}, nil},
		{"no match", survey.InstitutionFilter{Query: "zzz"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			list, err := s.ListInstitutions(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range list {
				got = append(got, i.Code)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ListInstitutions(%+v) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
	if n, err := s.CountInstitutions(ctx); err != nil || n != 3 {
		t.Errorf("CountInstitutions = %d, %v; want 3 (active only)", n, err)
	}
}

func TestSetInstitutionActive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newTestStoreWithClock(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))

	steps := []struct {
		name       string
		active     bool
		wantAction string // "" when nothing changes and nothing is recorded
	}{
		{"deactivate", false, "deactivate"},
		{"deactivate again is a no-op", false, ""},
		{"activate", true, "activate"},
		{"activate again is a no-op", true, ""},
	}
	events := 1
	for _, st := range steps {
		clock.Advance(time.Minute)
		if err := s.SetInstitutionActive(ctx, 0, "moh", st.active); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.Institution(ctx, "MOH")
		if err != nil {
			t.Fatal(err)
		}
		if got.Active != st.active {
			t.Errorf("%s: Active = %v, want %v", st.name, got.Active, st.active)
		}
		if st.wantAction != "" {
			events++
			if !got.UpdatedAt.Equal(clock.Now()) {
				t.Errorf("%s: UpdatedAt = %v, want %v", st.name, got.UpdatedAt, clock.Now())
			}
		}
		ev, err := s.AuditLog(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != events {
			t.Fatalf("%s: %d audit events, want %d", st.name, len(ev), events)
		}
		if st.wantAction == "" {
			continue
		}
		e := ev[0]
		var before, after survey.Institution
		if json.Unmarshal([]byte(e.Before), &before) != nil || json.Unmarshal([]byte(e.After), &after) != nil {
			t.Fatalf("%s: audit JSON %q / %q", st.name, e.Before, e.After)
		}
		if e.Action != st.wantAction || e.EntityKey != "MOH" || before.Active == st.active || after.Active != st.active {
			t.Errorf("%s: audit = %s %s before.active=%v after.active=%v", st.name, e.Action, e.EntityKey, before.Active, after.Active)
		}
	}
	if err := s.SetInstitutionActive(ctx, 0, "NOPE", false); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown code: err = %v, want ErrNotFound", err)
	}
}
