package survey

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func names(list []Service) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.NameAr
	}
	return out
}

func TestSearchCatalogFiltersRankingAndFreshness(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	for _, code := range []string{"MOI", "MOH"} {
		mustCreateInstitution(t, s, validInstitution(code))
	}
	admin := Actor{Role: RoleAdmin}
	add := func(inst, code, name, desc, stage string, abroad bool) Service {
		t.Helper()
		url := ""
		if stage >= "3" {
			url = "https://example.ps/" + code
		}
		sv, err := s.CreateService(ctx, admin, ServiceInput{InstitutionCode: inst, Code: code, NameAr: name, DescriptionAr: desc,
			Category: "birth-family", Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: stage, OnlineURL: url, Abroad: abroad})
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	add("MOI", "A", "بطاقة الهوية", "تحتاج شهادة الميلاد", "2", false)
	add("MOI", "B", "شهادة ميلاد", "", "4", true)
	add("MOH", "C", "تبليغ الولادة", "", "1", false)

	// Relevance: the name match comes before the description match.
	res, err := s.SearchCatalog(ctx, CatalogQuery{Q: "شهاده الميلاد", Sort: "relevance"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res.Services); len(got) != 1 || got[0] != "بطاقة الهوية" {
		t.Fatalf("two-word query: %v", got)
	}
	res, _ = s.SearchCatalog(ctx, CatalogQuery{Q: "شهادة", Sort: "relevance"})
	if got := names(res.Services); len(got) != 2 || got[0] != "شهادة ميلاد" {
		t.Errorf("relevance order = %v", got)
	}
	res, _ = s.SearchCatalog(ctx, CatalogQuery{Q: "شهادة", Sort: "name"})
	if got := names(res.Services); len(got) != 2 || got[0] != "بطاقة الهوية" {
		t.Errorf("name order = %v", got)
	}
	// Facet counts cover all results; filters narrow them.
	res, _ = s.SearchCatalog(ctx, CatalogQuery{})
	if res.Total != 3 || res.Abroad != 1 || res.Stages[4] != 1 || len(res.Institutions) != 2 {
		t.Errorf("counts = %+v", res)
	}
	res, _ = s.SearchCatalog(ctx, CatalogQuery{StageMin: 2, Institution: "moi", Abroad: true})
	if got := names(res.Services); len(got) != 1 || got[0] != "شهادة ميلاد" {
		t.Errorf("filtered = %v", got)
	}
	// Pages.
	res, _ = s.SearchCatalog(ctx, CatalogQuery{PerPage: 2, Page: 2, Sort: "name"})
	if res.Pages != 2 || res.Page != 2 || len(res.Services) != 1 {
		t.Errorf("page 2 = %+v", res)
	}

	// A write through this store, and one through a second store on the same
	// file (another process: a command-line import), both show at once.
	add("MOH", "D", "شهادة تطعيم", "", "3", true)
	res, _ = s.SearchCatalog(ctx, CatalogQuery{Q: "شهادة"})
	if res.Total != 3 {
		t.Errorf("after a write: %d results, want 3", res.Total)
	}
	other, err := Open(ctx, s.Path(), Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetInstitutionActive(ctx, 0, "MOH", false); err != nil {
		t.Fatal(err)
	}
	res, _ = s.SearchCatalog(ctx, CatalogQuery{Q: "شهادة"})
	if res.Total != 2 {
		t.Errorf("after another process deactivated MOH: %d results, want 2", res.Total)
	}
}

// TestDescriptionNewlinesNormalised: a textarea sends CRLF; stored text uses
// LF so that a CSV export and import of it changes nothing.
func TestDescriptionNewlinesNormalised(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustCreateInstitution(t, s, validInstitution("MOI"))
	sv, err := s.CreateService(ctx, Actor{Role: RoleAdmin}, ServiceInput{InstitutionCode: "MOI", Code: "A", NameAr: "خدمة",
		DescriptionAr: "سطر أول\r\nسطر ثانٍ\r", Category: "other", Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if sv.DescriptionAr != "سطر أول\nسطر ثانٍ" {
		t.Fatalf("stored %q", sv.DescriptionAr)
	}
	var buf strings.Builder
	if err := WriteServicesCSV(&buf, func(fn func(Service) error) error { return s.EachService(ctx, false, fn) }); err != nil {
		t.Fatal(err)
	}
	ins, err := ParseServicesCSV(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportServices(ctx, Actor{Role: RoleAdmin}, ins)
	if err != nil || res.Unchanged != 1 {
		t.Fatalf("re-import: %+v, %v", res, err)
	}
}
