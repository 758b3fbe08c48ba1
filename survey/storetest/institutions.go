package storetest

import (
	"errors"
	"strings"
	"testing"

	"marsad/survey"
)

// testInstitutions: institutions are created, read, changed, listed with a
// filter, deactivated and imported; refused writes store nothing.
func testInstitutions(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx

	t.Run("empty store", func(t *testing.T) {
		if n, err := s.CountInstitutions(ctx); err != nil || n != 0 {
			t.Errorf("CountInstitutions = %d, %v; want 0", n, err)
		}
		if list, err := s.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true}); err != nil || len(list) != 0 {
			t.Errorf("ListInstitutions = %v, %v; want none", list, err)
		}
	})

	t.Run("create and read", func(t *testing.T) {
		f := f.sub(t)
		// The store normalises what people type (the domain's Normalize):
		// codes upper case, Arabic-Indic digits Western, spaces trimmed.
		in := institutionInput("MOH1")
		in.Code, in.Kind, in.Region = " moh١ ", "Ministry", " national"
		got, err := s.CreateInstitution(ctx, f.admin.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "MOH1" || got.NameAr != "وزارة MOH1" || got.Kind != "ministry" ||
			got.Region != "national" || !got.Active || got.ID == 0 || got.CreatedAt.IsZero() {
			t.Errorf("created %+v", got)
		}
		read, err := s.Institution(ctx, "MOH1")
		if err != nil || read.Code != got.Code || read.NameEn != got.NameEn || read.Website != got.Website || read.Sector != got.Sector ||
			read.ID != got.ID || !read.Active {
			t.Errorf("Institution(MOH1) = %+v, %v; want %+v", read, err, got)
		}
		_, err = s.Institution(ctx, "NOPE")
		wantIs(t, "Institution(NOPE)", err, survey.ErrNotFound)
		if n, err := s.CountInstitutions(ctx); err != nil || n != 1 {
			t.Errorf("CountInstitutions = %d, %v; want 1", n, err)
		}
	})

	t.Run("refused creates store nothing", func(t *testing.T) {
		f := f.sub(t)
		_, err := s.CreateInstitution(ctx, f.admin.ID, institutionInput("MOH1"))
		wantField(t, "same code again", err, "code", "err.code_taken")
		bad := institutionInput("BAD")
		bad.NameAr, bad.Kind = "", "palace"
		_, err = s.CreateInstitution(ctx, f.admin.ID, bad)
		wantField(t, "no Arabic name", err, "name_ar", "")
		wantField(t, "unknown kind", err, "kind", "")
		_, err = s.Institution(ctx, "BAD")
		wantIs(t, "refused institution", err, survey.ErrNotFound)
		if n, err := s.CountInstitutions(ctx); err != nil || n != 1 {
			t.Errorf("CountInstitutions = %d, %v after refused creates; want 1", n, err)
		}
	})

	t.Run("update", func(t *testing.T) {
		f := f.sub(t)
		in := institutionInput("OTHER") // the code of an update is ignored: it is the identity
		in.NameAr, in.Sector, in.Region = "وزارة الصحة الفلسطينية", "Health-Care", "gaza"
		got, err := s.UpdateInstitution(ctx, f.admin.ID, "MOH1", in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "MOH1" || got.NameAr != in.NameAr || got.Sector != "health-care" || got.Region != "gaza" {
			t.Errorf("updated %+v", got)
		}
		if read, err := s.Institution(ctx, "MOH1"); err != nil || read.NameAr != in.NameAr || read.Region != "gaza" {
			t.Errorf("read after update %+v, %v", read, err)
		}
		_, err = s.Institution(ctx, "OTHER")
		wantIs(t, "code of the update", err, survey.ErrNotFound)

		bad := in
		bad.Region = "mars"
		_, err = s.UpdateInstitution(ctx, f.admin.ID, "MOH1", bad)
		wantField(t, "bad region", err, "region", "")
		if read, _ := s.Institution(ctx, "MOH1"); read.Region != "gaza" {
			t.Errorf("a refused update changed the region to %q", read.Region)
		}
		_, err = s.UpdateInstitution(ctx, f.admin.ID, "NOPE", institutionInput("NOPE"))
		wantIs(t, "update unknown", err, survey.ErrNotFound)
	})

	t.Run("list and filter", func(t *testing.T) {
		f := f.sub(t)
		f.institution("MOI", "interior")
		f.institution("MOE", "education")
		list, err := s.ListInstitutions(ctx, survey.InstitutionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(list); got != "MOE MOH1 MOI" {
			t.Errorf("ListInstitutions = %s, want MOE MOH1 MOI (by code)", got)
		}
		for q, want := range map[string]string{
			"MOI":          "MOI",          // the code
			"mo":           "MOE MOH1 MOI", // codes, as people type them
			"الفلسطينية":   "MOH1",         // part of the Arabic name
			"Ministry M":   "MOE MOI",      // part of the English name
			"ministry moe": "MOE",          // English names whatever the case
			"%":            "",             // the pattern characters of SQL are plain text
			"_":            "",
			"nothing":      "",
		} {
			list, err := s.ListInstitutions(ctx, survey.InstitutionFilter{Query: q})
			if err != nil || codes(list) != want {
				t.Errorf("Query %q: %s, %v; want %q", q, codes(list), err, want)
			}
		}
	})

	t.Run("deactivate", func(t *testing.T) {
		f := f.sub(t)
		f.moves("CatalogVersion after deactivating", s.CatalogVersion, func() {
			ok(t, "deactivate", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", false))
		})
		if n, err := s.CountInstitutions(ctx); err != nil || n != 2 {
			t.Errorf("CountInstitutions = %d, %v; want 2 active", n, err)
		}
		list, _ := s.ListInstitutions(ctx, survey.InstitutionFilter{})
		if codes(list) != "MOE MOH1" {
			t.Errorf("active list %s, want MOE MOH1", codes(list))
		}
		list, _ = s.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
		if codes(list) != "MOE MOH1 MOI" || list[2].Active {
			t.Errorf("whole list %+v, want MOI listed inactive", list)
		}
		// Its history stays: the record itself is still there.
		if moi, err := s.Institution(ctx, "MOI"); err != nil || moi.Active {
			t.Errorf("Institution(MOI) = %+v, %v; want it, inactive", moi, err)
		}
		// Setting the state it has is not an error.
		ok(t, "deactivate again", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", false))
		ok(t, "reactivate", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", true))
		if n, _ := s.CountInstitutions(ctx); n != 3 {
			t.Errorf("CountInstitutions = %d after reactivating, want 3", n)
		}
		wantIs(t, "deactivate unknown", s.SetInstitutionActive(ctx, f.admin.ID, "NOPE", false), survey.ErrNotFound)
	})

	t.Run("import", func(t *testing.T) {
		f := f.sub(t)
		changed := institutionInput("MOE")
		changed.NameEn = "Ministry of Education"
		moi, _ := s.Institution(ctx, "MOI")
		same := survey.InstitutionInput{Code: "moi", NameAr: moi.NameAr, NameEn: moi.NameEn, Kind: moi.Kind, Sector: moi.Sector,
			Region: moi.Region, Website: moi.Website}
		res, err := s.ImportInstitutions(ctx, f.admin.ID, []survey.InstitutionInput{institutionInput("MOF"), changed, same})
		if err != nil {
			t.Fatal(err)
		}
		if res != (survey.ImportResult{Created: 1, Updated: 1, Unchanged: 1}) {
			t.Errorf("ImportInstitutions = %+v, want 1 created, 1 updated, 1 unchanged", res)
		}
		if moe, _ := s.Institution(ctx, "MOE"); moe.NameEn != "Ministry of Education" {
			t.Errorf("imported change not stored: %+v", moe)
		}
		// All or nothing: one bad row and no row is stored.
		again := changed
		again.NameEn = "Ministry of Higher Education"
		bad := institutionInput("BAD")
		bad.Kind = "palace"
		_, err = s.ImportInstitutions(ctx, f.admin.ID, []survey.InstitutionInput{institutionInput("MOJ"), again, bad})
		wantField(t, "import with a bad row", err, "kind", "")
		if _, err := s.Institution(ctx, "MOJ"); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("the good new row of a refused import was stored: %v", err)
		}
		if moe, _ := s.Institution(ctx, "MOE"); moe.NameEn != "Ministry of Education" {
			t.Errorf("the good changed row of a refused import was stored: %+v", moe)
		}
	})

	t.Run("catalog version", func(t *testing.T) {
		f := f.sub(t)
		// Institutions are part of what the catalog shows (names,
		// whether they are listed), so every write moves the counter.
		f.moves("CatalogVersion after a create", s.CatalogVersion, func() { f.institution("MOT", "transport") })
		f.moves("CatalogVersion after an update", s.CatalogVersion, func() {
			must(s.UpdateInstitution(ctx, f.admin.ID, "MOT", institutionInput("MOT")))(t, "UpdateInstitution")
		})
		f.stays("CatalogVersion after reads", s.CatalogVersion, func() {
			_, _ = s.ListInstitutions(ctx, survey.InstitutionFilter{})
			_, _ = s.Institution(ctx, "MOT")
		})
		f.stays("CatalogVersion after a refused create", s.CatalogVersion, func() {
			_, _ = s.CreateInstitution(ctx, f.admin.ID, institutionInput("MOT"))
		})
	})
}

// codes lists institutions' codes, space-separated, in their order.
func codes(list []survey.Institution) string {
	out := make([]string, len(list))
	for i, in := range list {
		out[i] = in.Code
	}
	return strings.Join(out, " ")
}
