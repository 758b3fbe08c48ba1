package sqlstore

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"marsad/survey"
	"marsad/survey/demo"

	"golang.org/x/crypto/bcrypt"

	"marsad/survey/search"
)

func names(list []survey.Service) []string {
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
	admin := survey.Actor{Role: survey.RoleAdmin}
	add := func(inst, code, name, desc, stage string, abroad bool) survey.Service {
		t.Helper()
		url := ""
		if stage >= "3" {
			url = "https://example.ps/" + code
		}
		sv, err := s.CreateService(ctx, admin, survey.ServiceInput{InstitutionCode: inst, Code: code, NameAr: name, DescriptionAr: desc,
			Category: "birth-family", Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: stage, OnlineURL: url, Abroad: abroad})
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	add("MOI", "A", "بطاقة الهوية", "تحتاج شهادة الميلاد", "2", false)
	add("MOI", "B", "شهادة ميلاد", "", "4", true)
	add("MOH", "C", "تبليغ الولادة", "", "1", false)

	// Relevance: the name match comes before the description match. «الميلاد»
	// is in B's name by its stem (ميلاد) and in A's description as typed:
	// both are found, the name first.
	res, err := s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهاده الميلاد", Sort: "relevance"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res.Services); len(got) != 2 || got[0] != "شهادة ميلاد" || got[1] != "بطاقة الهوية" {
		t.Fatalf("two-word query: %v", got)
	}
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "الشهادة", Sort: "relevance"})
	if got := names(res.Services); len(got) != 2 || got[0] != "شهادة ميلاد" {
		t.Errorf("the definite article: %v", got)
	}
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهادة", Sort: "relevance"})
	if got := names(res.Services); len(got) != 2 || got[0] != "شهادة ميلاد" {
		t.Errorf("relevance order = %v", got)
	}
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهادة", Sort: "name"})
	if got := names(res.Services); len(got) != 2 || got[0] != "بطاقة الهوية" {
		t.Errorf("name order = %v", got)
	}
	// Facet counts cover all results; filters narrow them.
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{})
	if res.Total != 3 || res.Abroad != 1 || res.Stages[4] != 1 || len(res.Institutions) != 2 {
		t.Errorf("counts = %+v", res)
	}
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{StageMin: 2, Institution: "moi", Abroad: true})
	if got := names(res.Services); len(got) != 1 || got[0] != "شهادة ميلاد" {
		t.Errorf("filtered = %v", got)
	}
	// Pages.
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{PerPage: 2, Page: 2, Sort: "name"})
	if res.Pages != 2 || res.Page != 2 || len(res.Services) != 1 {
		t.Errorf("page 2 = %+v", res)
	}

	// A write through this store, and one through a second store on the same
	// file (another process: a command-line import), both show at once.
	add("MOH", "D", "شهادة تطعيم", "", "3", true)
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهادة"})
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
	res, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهادة"})
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
	sv, err := s.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.ServiceInput{InstitutionCode: "MOI", Code: "A", NameAr: "خدمة",
		DescriptionAr: "سطر أول\r\nسطر ثانٍ\r", Category: "other", Audience: []string{"citizens"}, Channels: []string{"web"}, Stage: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if sv.DescriptionAr != "سطر أول\nسطر ثانٍ" {
		t.Fatalf("stored %q", sv.DescriptionAr)
	}
	var buf strings.Builder
	if err := survey.WriteServicesCSV(&buf, func(fn func(survey.Service) error) error { return s.EachService(ctx, false, fn) }); err != nil {
		t.Fatal(err)
	}
	ins, err := survey.ParseServicesCSV(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportServices(ctx, survey.Actor{Role: survey.RoleAdmin}, ins)
	if err != nil || res.Unchanged != 1 {
		t.Fatalf("re-import: %+v, %v", res, err)
	}
}

// TestSearchEqualsScan: on the demo catalog, through the store, a search
// finds exactly the services whose stored search text has every word's
// search form (its light stem, when that keeps three letters; else the
// word as typed), for whole words, parts of words (Arabic and Latin),
// words with the article and plurals, several words and words found
// nowhere. The search package tests the same on generated catalogs, with
// filters, orders and counts.
func TestSearchEqualsScan(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	texts := map[int64]string{}
	rows, err := s.r.QueryContext(ctx, `SELECT s.id, s.search_text FROM services s JOIN institutions i ON i.id = s.institution_id
		WHERE s.status = 'active' AND i.active = 1`)
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		texts[id] = text
		if len(words) < 40 {
			words = append(words, strings.Fields(text)...)
		}
	}
	rows.Close()
	form := func(term string) string {
		if st := search.Stem(term); st != term && utf8.RuneCountInString(st) >= 3 {
			return st
		}
		return term
	}
	queries := []string{"شهادة", "الشهادة", "شهاده ميلاد", "شهادة الميلاد", "رخصة البناء", "هاد", "رخص", "ة", "جواز سفر", "سفر جواز",
		"الجوازات", "moh", "cert", "ertif", "certificates", "S0", "غير موجود", "ال"}
	for _, w := range words[:min(40, len(words))] { // and parts of stored words
		r := []rune(w)
		queries = append(queries, w, string(r[len(r)/2:]), string(r[:max(1, len(r)-1)]), "ال"+w)
	}
	for _, q := range queries {
		res, err := s.SearchCatalog(ctx, survey.CatalogQuery{Q: q, PerPage: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, sv := range res.Services {
			got[sv.ID] = true
		}
		found := 0
		for id, text := range texts {
			want := true
			for _, term := range search.FoldTerms(q) {
				want = want && strings.Contains(text, form(term))
			}
			if got[id] != want {
				t.Errorf("%q: service %d (%q): search says %v, the text %v", q, id, text, got[id], want)
			}
			if want {
				found++
			}
		}
		if res.Total != found || len(res.Services) != found {
			t.Errorf("%q: %d results (%d on the page), the texts have %d", q, res.Total, len(res.Services), found)
		}
		if q == "شهادة" && found == 0 {
			t.Errorf("the demo catalog has no %q", q)
		}
	}
}
