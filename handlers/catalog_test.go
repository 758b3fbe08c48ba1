package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"marsad/reports"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

// addService stores a service as the institution's respondent would.
func addService(t *testing.T, st *sqlstore.Store, in survey.ServiceInput) survey.Service {
	t.Helper()
	if in.Category == "" {
		in.Category = "birth-family"
	}
	if in.Audience == nil {
		in.Audience = []string{"citizens"}
	}
	if in.Channels == nil {
		in.Channels = []string{"web"}
	}
	if in.Stage == "" {
		in.Stage = "1"
	}
	sv, err := st.CreateService(context.Background(), survey.Actor{Role: survey.RoleAdmin}, in)
	if err != nil {
		t.Fatalf("add service %s: %v", in.Code, err)
	}
	return sv
}

func serviceValues(code, nameAr, stage, onlineURL string, extra url.Values) url.Values {
	f := url.Values{"code": {code}, "name_ar": {nameAr}, "category": {"birth-family"}, "audience": {"citizens", "diaspora"},
		"channels": {"web"}, "stage": {stage}, "online_url": {onlineURL}, "languages": {"ar"}, "status": {"active"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestRespondentKeepsOwnCatalogOnly(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	ctx := context.Background()
	moi := addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "PASSPORT", NameAr: "تجديد جواز السفر", Stage: "2"})

	c := newClient(t, ts)
	c.signIn("ar", "moh@example.ps", survey.DemoPassword)
	r := c.get("/ar/services")
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/ar/institutions/MOH/services" {
		t.Errorf("respondent sent to %q", loc)
	}
	assertStatus(t, c.get("/ar/institutions/MOH/services"), http.StatusOK)
	assertStatus(t, c.get("/ar/institutions/MOH/services/new"), http.StatusOK)

	// Another institution's catalog and service: 403, and nothing changes.
	assertStatus(t, c.get("/ar/institutions/MOI/services"), http.StatusForbidden)
	assertStatus(t, c.get("/ar/institutions/MOI/services/new"), http.StatusForbidden)
	id := strconv.FormatInt(moi.ID, 10)
	assertStatus(t, c.get("/ar/services/"+id+"/edit"), http.StatusForbidden)
	page := "/ar/institutions/MOH/services/new"
	assertStatus(t, c.post("/ar/services/"+id, serviceValues("PASSPORT", "مخترق", "1", "", nil), page), http.StatusForbidden)
	assertStatus(t, c.post("/ar/services/"+id+"/retire", url.Values{}, page), http.StatusForbidden)
	assertStatus(t, c.post("/ar/institutions/MOI/services", serviceValues("X1", "خدمة", "1", "", nil), page), http.StatusForbidden)
	if got, _ := st.Service(ctx, moi.ID); got.NameAr != "تجديد جواز السفر" || got.Status != survey.ServiceActive {
		t.Errorf("MOI service changed by MOH: %+v", got)
	}

	// The same through the API.
	token := apiToken(t, ts, "moh@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOI/services", token, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/services/"+id, token, ""), http.StatusForbidden)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/services/"+id, token, `{"code":"PASSPORT","name_ar":"مخترق","category":"other","audience":["citizens"],"channels":["web"],"stage":1,"version":1}`)
	assertStatus(t, r, http.StatusForbidden)
	assertAPIError(t, r, "forbidden")
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/services/"+id, token, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOI/services", token, `{"code":"X","name_ar":"خدمة","category":"other","audience":["citizens"],"channels":["web"],"stage":1}`), http.StatusForbidden)
	// A viewer reads but never writes.
	viewer := apiToken(t, ts, "viewer@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOI/services", viewer, ""), http.StatusOK)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/services/"+id, viewer, ""), http.StatusForbidden)
	vc := newClient(t, ts)
	vc.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	assertStatus(t, vc.get("/ar/institutions/MOI/services"), http.StatusForbidden)
	// Every attempt above left the audit log with only the creation.
	events, _ := st.AuditLog(ctx, "service", 10)
	if len(events) != 1 || events[0].Action != "create" {
		t.Errorf("audit log = %+v", events)
	}
}

func TestServiceFormValidationAndEdit(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "moh@example.ps", survey.DemoPassword)
	page := "/ar/institutions/MOH/services/new"
	bad := url.Values{"code": {"bad code!"}, "name_ar": {"Latin only"}, "name_en": {"Typed"}, "category": {"nope"},
		"channels": {"pigeon"}, "stage": {"٧"}, "online_url": {"ftp://x"}, "fee_ils": {"-3"}, "processing_days": {"2.5"},
		"yearly_volume": {"lots"}, "online_share": {"120"}, "last_reviewed": {"31/12/2026"}, "status": {"gone"}, "languages": {"fr"}}
	r := c.post("/ar/institutions/MOH/services", bad, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertTranslated(t, r.Body)
	for _, want := range []string{
		"الرمز: استخدم حتى 40", "الاسم بالعربية: اكتب الاسم بأحرف عربية", "حدث الحياة أو الفئة: اختر أحد الخيارات",
		"الفئة المستفيدة: اختر خياراً واحداً على الأقل", "قنوات تقديم الخدمة: اختر من الخيارات المعروضة فقط",
		"مرحلة الخدمة: اختر مرحلة من 0 إلى 5", "الرابط الإلكتروني: أدخل عنواناً كاملاً", "الرسوم (شيكل): أدخل رقماً",
		"مدة الإنجاز (بالأيام): أدخل عدداً صحيحاً", "عدد الطلبات سنوياً: أدخل عدداً صحيحاً", "نسبة الطلبات المقدمة إلكترونياً (%): أدخل نسبة",
		"تاريخ آخر مراجعة: أدخل التاريخ", "الحالة: اختر أحد الخيارات", "اللغات: اختر من الخيارات", `value="Typed"`,
	} {
		assertContains(t, r.Body, want)
	}
	// Stage 3 needs an online address.
	r = c.post("/ar/institutions/MOH/services", serviceValues("REF", "تحويل طبي", "3", "", nil), page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "الخدمة في المرحلة 3 فما فوق")
	// English page, English messages.
	r = c.post("/en/institutions/MOH/services", serviceValues("REF", "تحويل طبي", "3", "", nil), "/en/institutions/MOH/services/new")
	assertContains(t, r.Body, "Online address: A service at stage 3")

	// A valid service with Arabic-Indic digits in the figures.
	good := serviceValues("REF", "تحويل طبي للعلاج", "٣", "https://moh.example.ps/referral", url.Values{"fee_ils": {"٢٥٫٥"}, "yearly_volume": {"١٢٠٠"}, "available_abroad": {"1"}})
	r = c.post("/ar/institutions/MOH/services", good, page)
	assertStatus(t, r, http.StatusSeeOther)
	list, _ := st.InstitutionServices(context.Background(), "MOH")
	if len(list) != 1 || list[0].Stage != 3 || list[0].FeeILS != 25.5 || list[0].YearlyVolume != 1200 || !list[0].Abroad || list[0].NoVisit {
		t.Fatalf("stored %+v", list)
	}
	sv := list[0]
	id := strconv.FormatInt(sv.ID, 10)
	edit := "/ar/services/" + id + "/edit"
	r = c.get(edit)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `value="تحويل طبي للعلاج"`, `name="version" value="1"`)

	// Two people edit from version 1: the second save is refused, shows the
	// first person's version, and keeps what the second typed.
	first := serviceValues("REF", "تحويل طبي (نسخة أولى)", "3", "https://moh.example.ps/referral", url.Values{"version": {"1"}})
	assertStatus(t, c.post("/ar/services/"+id, first, edit), http.StatusSeeOther)
	second := serviceValues("REF", "تحويل طبي (نسخة ثانية)", "4", "https://moh.example.ps/referral", url.Values{"version": {"1"}})
	r = c.post("/ar/services/"+id, second, edit)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "حفظ شخص آخر هذه الخدمة", "تحويل طبي (نسخة أولى)", `value="تحويل طبي (نسخة ثانية)"`, `name="version" value="2"`)
	if got, _ := st.Service(context.Background(), sv.ID); got.NameAr != "تحويل طبي (نسخة أولى)" {
		t.Errorf("conflicting save overwrote: %q", got.NameAr)
	}
	// Saving again, knowingly, replaces it.
	second.Set("version", "2")
	assertStatus(t, c.post("/ar/services/"+id, second, edit), http.StatusSeeOther)
	assertStatus(t, c.post("/ar/services/"+id+"/retire", url.Values{}, edit), http.StatusSeeOther)
	got, _ := st.Service(context.Background(), sv.ID)
	if got.Stage != 4 || got.Status != survey.ServiceRetired {
		t.Errorf("after edit and retire: %+v", got)
	}
	events, _ := st.AuditLog(context.Background(), "service", 10)
	if len(events) != 4 {
		t.Errorf("want 4 audit events (create, 2 updates, retire), got %d", len(events))
	}
}

func TestPublicCatalogSearch(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "BIRTH", NameAr: "إصدار شَهادة ميلاد", NameEn: "Birth certificate",
		Stage: "3", OnlineURL: "https://moi.example.ps/birth", Abroad: true, NoVisit: true, EPayment: true, Audience: []string{"citizens", "diaspora"}})
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "BIRTH-NOTE", NameAr: "تبليغ ولادة في المستشفى", DescriptionAr: "يصدر المستشفى شهادة الميلاد الأولى", Stage: "1"})
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOT", Code: "LIC", NameAr: "تجديد رخصة القيادة", Category: "vehicles-transport", Stage: "2"})
	retired := addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "OLD", NameAr: "شهادة ميلاد ورقية قديمة", Stage: "0", Status: "retired"})
	if err := st.SetInstitutionActive(context.Background(), 0, "MOT", false); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	// No diacritics, plain alef, haa for taa marbuta: still found.
	r := c.get("/ar/catalog?q=" + url.QueryEscape("اصدار شهاده ميلاد"))
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	assertContains(t, r.Body, "إصدار شَهادة ميلاد", "خدمة واحدة")
	// Description matches too; retired services and inactive institutions never show.
	r = c.get("/ar/catalog?q=" + url.QueryEscape("ميلاد"))
	assertContains(t, r.Body, "خدمتان", "تبليغ ولادة في المستشفى")
	if strings.Contains(r.Body, "ورقية قديمة") || strings.Contains(c.get("/ar/catalog").Body, "رخصة القيادة") {
		t.Error("retired service or inactive institution in the public catalog")
	}
	assertStatus(t, c.get("/ar/catalog/"+strconv.FormatInt(retired.ID, 10)), http.StatusNotFound)
	// Filters in the URL, with counts; abroad narrows to one.
	r = c.get("/ar/catalog?q=" + url.QueryEscape("ميلاد") + "&abroad=1&stage_min=٣&institution=MOI&epay=1&no_visit=1&audience=diaspora")
	assertContains(t, r.Body, "خدمة واحدة", "إصدار شَهادة ميلاد", "متاحة من الخارج")
	if strings.Contains(r.Body, "تبليغ ولادة") {
		t.Error("filter abroad=1 kept a service not available from abroad")
	}
	r = c.get("/en/catalog?q=birth+CERTIFICATE")
	assertContains(t, r.Body, "Birth certificate", "1 service", `dir="ltr"`)
	r = c.get("/ar/catalog?q=" + url.QueryEscape("لا يوجد شيء كهذا"))
	assertContains(t, r.Body, "لا توجد خدمات مطابقة لبحثك")
	// Detail page.
	r = c.get("/ar/catalog?q=birth")
	id := regexpFind(t, r.Body, `href="/ar/catalog/(\d+)"`)
	r = c.get("/ar/catalog/" + id)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "معاملاتية", "https://moi.example.ps/birth", "متاحة من الخارج")
	assertStatus(t, c.get("/ar/catalog/99999"), http.StatusNotFound)

	// Anonymous pages are cached, but a change to the catalog shows at once.
	before := c.get("/ar/catalog?q=" + url.QueryEscape("جواز"))
	assertContains(t, before.Body, "لا توجد خدمات مطابقة")
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "PASS", NameAr: "تجديد جواز السفر", Stage: "2"})
	assertContains(t, c.get("/ar/catalog?q="+url.QueryEscape("جواز")).Body, "تجديد جواز السفر", "خدمة واحدة")

	// Open data: JSON with CPSV-AP names, and CSV.
	r = c.get("/api/v1/catalog?q=" + url.QueryEscape("شهادة ميلاد") + "&abroad=1")
	assertStatus(t, r, http.StatusOK)
	var open struct {
		Total    int
		Services []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Body), &open); err != nil || open.Total != 1 {
		t.Fatalf("open data %s: %v", r.Body, err)
	}
	for _, k := range []string{"identifier", "name", "description", "hasCompetentAuthority", "hasChannel", "stage", "availableFromAbroad", "noVisitRequired"} {
		if _, ok := open.Services[0][k]; !ok {
			t.Errorf("open data lacks %q", k)
		}
	}
	r = c.get("/api/v1/catalog.csv")
	assertStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Body, "\xEF\xBB\xBF\"institution\",\"code\",") || strings.Contains(r.Body, "OLD") {
		t.Errorf("catalog.csv:\n%s", r.Body)
	}
}

func regexpFind(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexpMust(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in\n%.2000s", pattern, body)
	}
	return m[1]
}

func TestCatalogImportExport(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	ctx := context.Background()
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "BIRTH", NameAr: "=شهادة ميلاد", Stage: "3", OnlineURL: "https://moi.example.ps/b", Abroad: true})
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "INS", NameAr: "التأمين الصحي", NameEn: "+Health insurance", Stage: "2"})
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.get("/ar/admin/services")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)

	csvExp := admin.get("/ar/admin/services/export.csv")
	assertStatus(t, csvExp, http.StatusOK)
	assertContains(t, csvExp.Body, "'=شهادة ميلاد", "'+Health insurance")
	xlsx := admin.get("/ar/admin/services/export.xlsx")
	assertStatus(t, xlsx, http.StatusOK)
	recs, err := reports.ReadXLSXRecords(strings.NewReader(xlsx.Body))
	if err != nil || len(recs) != 3 || recs[0][0] != "institution" {
		t.Fatalf("xlsx export: %v %v", recs, err)
	}

	// Re-importing either export changes nothing.
	for name, body := range map[string]string{"e.csv": csvExp.Body, "e.xlsx": xlsx.Body} {
		r := admin.upload("/ar/admin/services/import", "/ar/admin/services", name, []byte(body))
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, "ولم تتغير 2")
	}
	if again := admin.get("/ar/admin/services/export.csv"); again.Body != csvExp.Body {
		t.Error("export → import → export changed the catalog")
	}

	before, _ := st.InstitutionServices(ctx, "MOI")
	for name, tc := range map[string]struct {
		file, body, want string
	}{
		"bad rows":  {"bad.csv", "institution,code,name_ar,category,stage,online_url\nMOI,NEW1,خدمة جديدة,other,1,\nMOI,NEW2,خدمة,other,4,\nNOPE,NEW3,خدمة,other,1,\n", "السطر 3"},
		"not CSV":   {"x.csv", "\x00\x01\x02binary\xff\xfe", "UTF-8"},
		"fake xlsx": {"x.xlsx", "this is not a zip", "Excel"},
		"header":    {"h.csv", "foo,bar\n1,2\n", "سطر عناوين"},
	} {
		t.Run(name, func(t *testing.T) {
			r := admin.upload("/ar/admin/services/import", "/ar/admin/services", tc.file, []byte(tc.body))
			assertStatus(t, r, http.StatusUnprocessableEntity)
			assertContains(t, r.Body, "لم يُستورد أي شيء", tc.want)
		})
	}
	// A zip bomb dressed as a workbook: refused before it fills memory.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zero := make([]byte, 1<<20)
	for range 200 {
		_, _ = w.Write(zero)
	}
	zw.Close()
	r = admin.upload("/ar/admin/services/import", "/ar/admin/services", "bomb.xlsx", bomb.Bytes())
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "كبير جداً بعد فكّ ضغطه")
	after, _ := st.InstitutionServices(ctx, "MOI")
	if len(after) != len(before) {
		t.Error("a failed import stored services")
	}
	// Oversized upload: 413, nothing stored.
	r = admin.upload("/ar/admin/services/import", "/ar/admin/services", "big.csv", bytes.Repeat([]byte("a"), maxUpload+1))
	assertStatus(t, r, http.StatusRequestEntityTooLarge)
	if after, _ := st.InstitutionServices(ctx, "MOI"); len(after) != len(before) {
		t.Error("an oversized import stored services")
	}
	// Respondents cannot import the whole catalog.
	resp := newClient(t, ts)
	resp.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, resp.get("/ar/admin/services/export.csv"), http.StatusForbidden)
}

func TestServiceAPI(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	token := apiToken(t, ts, "moh@example.ps")
	body := `{"code":"VACC","name_ar":"شهادة تطعيم","category":"health","audience":["citizens"],"channels":["web","counter"],"stage":3,"online_url":"https://moh.example.ps/v","e_payment":true,"fee_ils":10}`
	r := apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOH/services", token, body)
	assertStatus(t, r, http.StatusCreated)
	var sv survey.Service
	if err := json.Unmarshal([]byte(r.Body), &sv); err != nil || sv.Version != 1 {
		t.Fatalf("created %s: %v", r.Body, err)
	}
	path := "/api/v1/services/" + strconv.FormatInt(sv.ID, 10)
	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOH/services", token, `{"code":"V2","name_ar":"x","category":"health","audience":["citizens"],"channels":["web"],"stage":9}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	e := assertAPIError(t, r, "validation")
	if e.Fields["stage"] == "" || e.Fields["name_ar"] == "" {
		t.Errorf("fields = %v", e.Fields)
	}
	upd := strings.Replace(body, `"stage":3`, `"stage":4`, 1)
	assertStatus(t, apiCall(t, ts, http.MethodPut, path, token, upd), http.StatusUnprocessableEntity) // no version
	assertStatus(t, apiCall(t, ts, http.MethodPut, path, token, strings.Replace(upd, `{`, `{"version":1,`, 1)), http.StatusOK)
	r = apiCall(t, ts, http.MethodPut, path, token, strings.Replace(upd, `{`, `{"version":1,`, 1))
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, `"current"`, `"version":2`)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, path, token, ""), http.StatusNoContent)
	r = apiCall(t, ts, http.MethodGet, path, token, "")
	assertContains(t, r.Body, `"status":"retired"`)
}
