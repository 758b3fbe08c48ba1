package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// TestPublicInitiativesRegistry reads the registry as a visitor (pages, API,
// CSV) against the database: only public, not archived initiatives, and
// none of their internal fields; a private one by id is not found; a
// respondent cannot mark one public (page or API) while sending back the
// current mark works; the coordinator's marks are audited and show at once.
func TestPublicInitiativesRegistry(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	all, err := st.ListInitiatives(ctx, survey.InitiativeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var public, private []survey.Initiative
	for _, in := range all {
		if in.Public {
			public = append(public, in)
		} else {
			private = append(private, in)
		}
	}
	if len(public) < 3 || len(private) < 3 {
		t.Fatalf("demo: %d public, %d private initiatives", len(public), len(private))
	}
	anon := newClient(t, ts)

	// The pages.
	for _, lang := range []string{"ar", "en"} {
		r := anon.get("/" + lang + "/initiatives")
		assertStatus(t, r, http.StatusOK)
		for _, in := range public {
			if !strings.Contains(r.Body, html.EscapeString(in.Title(lang))) {
				t.Errorf("/%s/initiatives: public %q missing", lang, in.Title(lang))
			}
		}
		for _, in := range private {
			if strings.Contains(r.Body, html.EscapeString(in.Title(lang))) {
				t.Errorf("/%s/initiatives shows private %q to a visitor", lang, in.Title(lang))
			}
		}
	}
	pub := public[0]
	r := anon.get("/en/initiatives/" + strconv.FormatInt(pub.ID, 10))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, html.EscapeString(pub.TitleEn))
	if strings.Contains(r.Body, "/edit") || strings.Contains(r.Body, "/evidence") {
		t.Error("the public page links to editing or files")
	}
	for _, in := range private[:3] {
		assertStatus(t, anon.get("/en/initiatives/"+strconv.FormatInt(in.ID, 10)), http.StatusNotFound)
	}
	assertStatus(t, anon.get("/en/initiatives/nope"), http.StatusNotFound)

	// The API and the CSV: exactly the public ones, in the list's order.
	var page struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	r = anon.get("/api/v1/open/initiatives?per_page=1000")
	assertStatus(t, r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != len(public) || len(page.Items) != len(public) {
		t.Fatalf("API: %d of %d items, want %d", len(page.Items), page.Total, len(public))
	}
	for i, item := range page.Items {
		if int64(item["id"].(float64)) != public[i].ID {
			t.Errorf("API item %d: id %v, want %d", i, item["id"], public[i].ID)
		}
		for _, internal := range []string{"review_note", "story_status", "story_ar", "version", "archived", "services", "public"} {
			if _, ok := item[internal]; ok {
				t.Errorf("API item %d has %s", i, internal)
			}
		}
	}
	r = anon.get("/api/v1/open/initiatives?per_page=2&page=2")
	assertStatus(t, r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &page); err != nil || len(page.Items) != 2 || int64(page.Items[0]["id"].(float64)) != public[2].ID {
		t.Errorf("page 2 of 2: %v %.300s", err, r.Body)
	}
	assertStatus(t, anon.get("/api/v1/open/initiatives?per_page=0"), http.StatusBadRequest)
	r = anon.get("/api/v1/open/initiatives.csv")
	assertStatus(t, r, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != len(public)+1 {
		t.Fatalf("CSV: %d records, want %d: %v", len(recs), len(public)+1, err)
	}
	for _, in := range private {
		if strings.Contains(r.Body, in.TitleAr) {
			t.Errorf("CSV has private %q", in.TitleEn)
		}
	}
	stories, err := st.PublicStories(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	r = anon.get("/api/v1/open/stories")
	assertStatus(t, r, http.StatusOK)
	var sp struct {
		Items []survey.PublicStory `json:"items"`
		Total int                  `json:"total"`
	}
	if err := json.Unmarshal([]byte(r.Body), &sp); err != nil || sp.Total != len(stories) || len(stories) == 0 || sp.Items[0].StoryAr != stories[0].StoryAr {
		t.Errorf("stories: %v, %d of %d", err, sp.Total, len(stories))
	}

	// A respondent cannot mark their initiative public, by the API or the
	// page; sending back the mark as read is fine.
	var mine survey.Initiative
	for _, in := range private {
		if in.InstitutionCode == "MOH" && !in.Archived {
			mine = in
			break
		}
	}
	if mine.ID == 0 {
		t.Fatal("no private MOH initiative")
	}
	id := strconv.FormatInt(mine.ID, 10)
	moh := apiToken(t, ts, "moh@example.ps")
	read := apiCall(t, ts, http.MethodGet, "/api/v1/initiatives/"+id, moh, "")
	assertStatus(t, read, http.StatusOK)
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/initiatives/"+id, moh, read.Body), http.StatusOK)
	read = apiCall(t, ts, http.MethodGet, "/api/v1/initiatives/"+id, moh, "")
	body := strings.Replace(read.Body, `"public":false`, `"public":true`, 1)
	if body == read.Body {
		t.Fatalf("no public field in %s", read.Body)
	}
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/initiatives/"+id, moh, body), http.StatusForbidden)
	var got survey.Initiative
	_ = json.Unmarshal([]byte(read.Body), &got)
	assertStatus(t, apiCall(t, ts, http.MethodPatch, "/api/v1/initiatives/"+id, moh, `{"public":true,"version":`+strconv.FormatInt(got.Version, 10)+`}`), http.StatusForbidden)
	mohPage := newClient(t, ts)
	mohPage.signIn("en", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, mohPage.post("/en/admin/initiatives/"+id+"/public", url.Values{"public": {"1"}, "version": {strconv.FormatInt(got.Version, 10)}}, "/en/initiatives/"+id), http.StatusForbidden)
	if now, _ := st.Initiative(ctx, mine.ID); now.Public {
		t.Fatal("a respondent made an initiative public")
	}
	assertStatus(t, anon.get("/en/initiatives/"+id), http.StatusNotFound)
	// Another institution's respondent reads a public one as anyone does.
	moi := newClient(t, ts)
	moi.signIn("en", "moi@example.ps", survey.DemoPassword)
	for _, in := range public {
		if in.InstitutionCode != "MOI" {
			r := moi.get("/en/initiatives/" + strconv.FormatInt(in.ID, 10))
			assertStatus(t, r, http.StatusOK)
			assertContains(t, r.Body, html.EscapeString(in.TitleEn))
			break
		}
	}

	// The coordinator publishes it from its page: audited, public at once.
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	page1 := admin.get("/en/initiatives/" + id)
	assertContains(t, page1.Body, "/admin/initiatives/"+id+"/public")
	r = admin.post("/en/admin/initiatives/"+id+"/public", url.Values{"public": {"1"}, "version": {strconv.FormatInt(got.Version, 10)}}, "/en/initiatives/"+id)
	assertStatus(t, r, http.StatusSeeOther)
	assertStatus(t, anon.get("/en/initiatives/"+id), http.StatusOK)
	// A stale version is refused: nothing is published unseen.
	assertStatus(t, admin.post("/en/admin/initiatives/"+id+"/public", url.Values{"public": {"0"}, "version": {strconv.FormatInt(got.Version, 10)}}, "/en/initiatives/"+id), http.StatusConflict)
	log, err := st.AuditLogPage(ctx, survey.AuditFilter{Entity: "initiative", Institution: "MOH"}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range log.Events {
		if ev.Action == "publish" && strings.HasSuffix(ev.EntityKey, "/"+id) && strings.Contains(ev.After, `"public":true`) && ev.ActorID != 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("no audited publish of %s in %+v", id, log.Events)
	}
	// Archived, it leaves the registry.
	assertStatus(t, admin.post("/en/initiatives/"+id+"/archive", url.Values{}, "/en/initiatives/"+id), http.StatusSeeOther)
	assertStatus(t, anon.get("/en/initiatives/"+id), http.StatusNotFound)
	if strings.Contains(anon.get("/api/v1/open/initiatives?per_page=1000").Body, `"id":`+id+`,`) {
		t.Error("an archived initiative is still in the registry")
	}
}
