package storetest

import (
	"errors"
	"strings"
	"testing"

	"marsad/survey"
)

// testCatalog: services are created, changed with optimistic versions,
// retired and imported, by the coordinator or their own institution only;
// the public catalog, its search and its counts follow every write.
func testCatalog(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	moh, moi := f.respondent("MOH"), f.respondent("MOI")
	viewer := survey.ActorOf(f.invite("viewer@example.ps", survey.RoleViewer, ""))

	var birth survey.Service // a service most steps look at
	t.Run("create and read", func(t *testing.T) {
		f := f.sub(t)
		in := serviceInput("moh", "b-١", "استخراج شهادة ميلاد", 3)
		in.EPayment, in.Audience = true, []string{"citizens", "diaspora"}
		f.moves("CatalogVersion after a create", s.CatalogVersion, func() {
			var err error
			birth, err = s.CreateService(ctx, moh, in) // a respondent, for their own institution
			if err != nil {
				t.Fatal(err)
			}
		})
		if birth.ID == 0 || birth.InstitutionCode != "MOH" || birth.Code != "B-1" || birth.Version != 1 ||
			birth.Status != survey.ServiceActive || birth.Stage != 3 || !birth.EPayment || birth.InstitutionAr != "وزارة MOH" {
			t.Errorf("created %+v", birth)
		}
		for name, get := range map[string]func() (survey.Service, error){
			"Service":       func() (survey.Service, error) { return s.Service(ctx, birth.ID) },
			"PublicService": func() (survey.Service, error) { return s.PublicService(ctx, birth.ID) },
		} {
			got, err := get()
			if err != nil || got.ID != birth.ID || got.NameAr != birth.NameAr || got.Version != 1 ||
				strings.Join(got.Audience, ",") != "citizens,diaspora" || strings.Join(got.Channels, ",") != "web,counter" ||
				got.OnlineURL != birth.OnlineURL || got.LastReviewed != "2026-01-15" {
				t.Errorf("%s = %+v, %v; want %+v", name, got, err, birth)
			}
		}
		_, err := s.Service(ctx, unknownID)
		wantIs(t, "Service(unknown)", err, survey.ErrNotFound)
		_, err = s.PublicService(ctx, unknownID)
		wantIs(t, "PublicService(unknown)", err, survey.ErrNotFound)
		// The same code in another institution is another service.
		f.service(serviceInput("MOI", "B-1", "شهادة حسن سلوك", 1))
	})

	t.Run("refused creates store nothing", func(t *testing.T) {
		f := f.sub(t)
		f.stays("CatalogVersion after refused creates", s.CatalogVersion, func() {
			_, err := s.CreateService(ctx, moi, serviceInput("MOH", "X-1", "خدمة", 1))
			wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
			_, err = s.CreateService(ctx, viewer, serviceInput("MOH", "X-2", "خدمة", 1))
			wantIs(t, "a viewer", err, survey.ErrForbidden)
			_, err = s.CreateService(ctx, f.coord, serviceInput("MOH", "B-1", "خدمة", 1))
			wantField(t, "same code in the institution", err, "code", "err.service_code_taken")
			_, err = s.CreateService(ctx, f.coord, serviceInput("NOPE", "X-3", "خدمة", 1))
			wantField(t, "unknown institution", err, "institution", "err.institution_unknown")
			bad := serviceInput("MOH", "X-4", "خدمة", 3)
			bad.OnlineURL = ""
			_, err = s.CreateService(ctx, f.coord, bad)
			wantField(t, "stage 3 without an address", err, "online_url", "")
		})
		list, err := s.InstitutionServices(ctx, "MOH")
		if err != nil || len(list) != 1 || list[0].ID != birth.ID {
			t.Errorf("InstitutionServices(MOH) = %v, %v; want only B-1", serviceCodes(list), err)
		}
	})

	t.Run("update with versions", func(t *testing.T) {
		f := f.sub(t)
		in := serviceInput("MOI", "B-1", "استخراج شهادة الميلاد للمواليد", 4) // the institution does not move
		in.EPayment, in.Audience, in.Version = true, []string{"citizens", "diaspora"}, birth.Version
		var got survey.Service
		f.moves("CatalogVersion after an update", s.CatalogVersion, func() {
			got = must(s.UpdateService(ctx, moh, birth.ID, in))(t, "UpdateService")
		})
		if got.Version != 2 || got.Stage != 4 || got.InstitutionCode != "MOH" || got.NameAr != in.NameAr {
			t.Errorf("updated %+v", got)
		}
		// A save from the version read before someone else's save is refused
		// and changes nothing.
		stale := in
		stale.NameAr, stale.Version = "اسم قديم", 1
		_, err := s.UpdateService(ctx, f.coord, birth.ID, stale)
		wantIs(t, "update from version 1 after version 2", err, survey.ErrConflict)
		_, err = s.UpdateService(ctx, moi, birth.ID, in)
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		bad := in
		bad.Category, bad.Version = "nonsense", 2
		_, err = s.UpdateService(ctx, f.coord, birth.ID, bad)
		wantField(t, "bad category", err, "category", "")
		_, err = s.UpdateService(ctx, f.coord, unknownID, in)
		wantIs(t, "update unknown", err, survey.ErrNotFound)
		if now, _ := s.Service(ctx, birth.ID); now.Version != 2 || now.NameAr != in.NameAr || now.Category != "other" {
			t.Errorf("refused updates changed the service: %+v", now)
		}
		birth = got
	})

	t.Run("search", func(t *testing.T) {
		f := f.sub(t)
		f.service(serviceInput("MOH", "L-1", "ترخيص منشأة صحية", 1))
		planned := serviceInput("MOH", "P-1", "شهادة تطعيم", 2)
		planned.Status = survey.ServicePlanned
		f.service(planned) // not public: planned services are not in the catalog
		for _, c := range []struct {
			name string
			q    survey.CatalogQuery
			want string
		}{
			{"Arabic word of the name", survey.CatalogQuery{Q: "شهادة", Sort: "institution"}, "B-1 B-1"},
			{"word of the new name", survey.CatalogQuery{Q: "المواليد"}, "B-1"},
			{"with the definite article", survey.CatalogQuery{Q: "الشهادة الميلاد"}, "B-1"},
			{"English name", survey.CatalogQuery{Q: "service l-1"}, "L-1"},
			{"institution filter", survey.CatalogQuery{Institution: "moi"}, "B-1"},
			{"stage filter", survey.CatalogQuery{StageMin: 3}, "B-1"},
			{"e-payment filter", survey.CatalogQuery{EPayment: true}, "B-1"},
			{"audience filter", survey.CatalogQuery{Audience: "diaspora"}, "B-1"},
			{"no match", survey.CatalogQuery{Q: "جواز سفر"}, ""},
		} {
			res, err := s.SearchCatalog(ctx, c.q)
			if err != nil || serviceCodes(res.Services) != c.want || res.Total != len(res.Services) {
				t.Errorf("%s: %s (total %d), %v; want %q", c.name, serviceCodes(res.Services), res.Total, err, c.want)
			}
		}
		all, err := s.SearchCatalog(ctx, survey.CatalogQuery{Sort: "institution"})
		if err != nil || all.Total != 3 {
			t.Fatalf("whole catalog: %d services, %v; want 3 (planned left out)", all.Total, err)
		}
		// Counts per filter value cover every result, not the page.
		if facet(all.Institutions, "MOH") != 2 || facet(all.Institutions, "MOI") != 1 || all.Stages[4] != 1 || all.Stages[1] != 2 ||
			all.EPayment != 1 || facet(all.Categories, "other") != 3 || facet(all.Audiences, "diaspora") != 1 {
			t.Errorf("counts: %+v", all)
		}
		// Pages: the last page holds what is left; a page past it is the last.
		page, err := s.SearchCatalog(ctx, survey.CatalogQuery{Sort: "institution", PerPage: 2, Page: 9})
		if err != nil || page.Total != 3 || page.Pages != 2 || page.Page != 2 || len(page.Services) != 1 {
			t.Errorf("page 9 of 2: %+v, %v", page, err)
		}
		f.stays("CatalogVersion after searches", s.CatalogVersion, func() {
			_, _ = s.SearchCatalog(ctx, survey.CatalogQuery{Q: "شهادة"})
		})
	})

	t.Run("retire", func(t *testing.T) {
		f := f.sub(t)
		wantIs(t, "retire by another institution", s.RetireService(ctx, moi, birth.ID), survey.ErrForbidden)
		f.moves("CatalogVersion after retiring", s.CatalogVersion, func() {
			ok(t, "RetireService", s.RetireService(ctx, moh, birth.ID))
		})
		got, err := s.Service(ctx, birth.ID) // its history stays
		if err != nil || got.Status != survey.ServiceRetired || got.Version != birth.Version+1 {
			t.Errorf("retired service %+v, %v", got, err)
		}
		_, err = s.PublicService(ctx, birth.ID)
		wantIs(t, "PublicService of a retired service", err, survey.ErrNotFound)
		ok(t, "retire again", s.RetireService(ctx, moh, birth.ID))
		if again, _ := s.Service(ctx, birth.ID); again.Version != got.Version {
			t.Errorf("retiring a retired service made version %d", again.Version)
		}
		wantIs(t, "retire unknown", s.RetireService(ctx, f.coord, unknownID), survey.ErrNotFound)
		if res, _ := s.SearchCatalog(ctx, survey.CatalogQuery{Q: "المواليد"}); res.Total != 0 {
			t.Errorf("search still finds the retired service: %s", serviceCodes(res.Services))
		}
		list, _ := s.InstitutionServices(ctx, "MOH") // the back office lists every status
		if len(list) != 3 {
			t.Errorf("InstitutionServices(MOH) = %s, want 3 services (retired and planned too)", serviceCodes(list))
		}
	})

	t.Run("each service", func(t *testing.T) {
		var all, public []string
		ok(t, "EachService", s.EachService(ctx, false, func(sv survey.Service) error {
			all = append(all, sv.InstitutionCode+"/"+sv.Code)
			return nil
		}))
		ok(t, "EachService public", s.EachService(ctx, true, func(sv survey.Service) error {
			public = append(public, sv.InstitutionCode+"/"+sv.Code)
			return nil
		}))
		if strings.Join(all, " ") != "MOH/B-1 MOH/L-1 MOH/P-1 MOI/B-1" || strings.Join(public, " ") != "MOH/L-1 MOI/B-1" {
			t.Errorf("EachService: all %v, public %v", all, public)
		}
		stop := errors.New("stop")
		n := 0
		err := s.EachService(ctx, false, func(survey.Service) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("EachService went on after an error (%d calls) or lost it: %v", n, err)
		}
	})

	t.Run("deactivated institution", func(t *testing.T) {
		moiSvc := must(s.InstitutionServices(ctx, "MOI"))(t, "InstitutionServices")[0]
		ok(t, "deactivate MOI", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", false))
		_, err := s.PublicService(ctx, moiSvc.ID)
		wantIs(t, "PublicService of a deactivated institution", err, survey.ErrNotFound)
		if res, _ := s.SearchCatalog(ctx, survey.CatalogQuery{}); serviceCodes(res.Services) != "L-1" {
			t.Errorf("public catalog %s, want only MOH's L-1", serviceCodes(res.Services))
		}
		ok(t, "reactivate MOI", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", true))
		if res, _ := s.SearchCatalog(ctx, survey.CatalogQuery{}); res.Total != 2 {
			t.Errorf("public catalog after reactivation: %s", serviceCodes(res.Services))
		}
	})

	t.Run("import", func(t *testing.T) {
		f := f.sub(t)
		l1 := findService(must(s.InstitutionServices(ctx, "MOH"))(t, "InstitutionServices"), "L-1")
		same := serviceInput("MOH", "L-1", "ترخيص منشأة صحية", 1)
		changed := serviceInput("MOI", "B-1", "شهادة عدم محكومية", 1)
		var res survey.ServiceImportResult
		f.moves("CatalogVersion after an import", s.CatalogVersion, func() {
			res = must(s.ImportServices(ctx, f.coord, []survey.ServiceInput{same, changed, serviceInput("MOI", "N-1", "خدمة جديدة", 0)}))(t, "ImportServices")
		})
		if res != (survey.ServiceImportResult{Created: 1, Updated: 1, Unchanged: 1}) {
			t.Errorf("ImportServices = %+v, want 1 created, 1 updated, 1 unchanged", res)
		}
		if now, _ := s.Service(ctx, l1.ID); now.Version != l1.Version {
			t.Errorf("an identical row made a new version: %+v (was %+v)", now, l1)
		}
		// A respondent's file with another institution's row is refused
		// whole, naming the row; its own rows are not stored either.
		own := serviceInput("MOH", "N-2", "خدمة أخرى", 0)
		other := serviceInput("MOI", "N-3", "خدمة ثالثة", 0)
		other.Line = 7
		f.stays("CatalogVersion after a refused import", s.CatalogVersion, func() {
			_, err := s.ImportServices(ctx, moh, []survey.ServiceInput{own, other})
			var ie *survey.ImportError
			if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 7 {
				t.Errorf("import with another institution's row: %v, want an *ImportError on line 7", err)
			}
			bad := serviceInput("MOH", "N-4", "خدمة", 9)
			_, err = s.ImportServices(ctx, f.coord, []survey.ServiceInput{own, bad})
			if err == nil {
				t.Error("import with a bad stage accepted")
			}
		})
		list, _ := s.InstitutionServices(ctx, "MOH")
		if strings.Contains(serviceCodes(list), "N-") {
			t.Errorf("a refused import stored %s", serviceCodes(list))
		}
	})
}

// serviceCodes lists services' codes, space-separated, in their order.
func serviceCodes(list []survey.Service) string {
	out := make([]string, len(list))
	for i, sv := range list {
		out[i] = sv.Code
	}
	return strings.Join(out, " ")
}

// facet is the count of a filter value (0 when it is not listed).
func facet(list []survey.Facet, value string) int {
	for _, f := range list {
		if f.Value == value {
			return f.Count
		}
	}
	return 0
}

// findService is the service with code in list (the zero Service if none).
func findService(list []survey.Service, code string) survey.Service {
	for _, sv := range list {
		if sv.Code == code {
			return sv
		}
	}
	return survey.Service{}
}
