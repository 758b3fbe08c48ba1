package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// checksum is a digest of the data requests can change (sessions and
// sign-in attempts aside), to check a refused request stored nothing.
func checksum(t *testing.T, st *sqlstore.Store) string {
	t.Helper()
	sum, err := st.Checksum(context.Background(), "sessions", "login_failures")
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func initiativeValues(title string) url.Values {
	return url.Values{"title_ar": {title}, "status": {"done"}, "budget_band": {"lt_100k"}, "start_month": {"٢٠٢٥-٠١"},
		"partner_type": {"university", ""}, "partner_name": {"جامعة بيرزيت", ""},
		"story": {"1"}, "story_ar": {"أصبح بإمكان المواطنين في الخارج طلب الخدمة دون زيارة."},
		"figure_label_ar": {"طلبات من الخارج سنوياً"}, "figure_before": {"0"}, "figure_after": {"١٢٠٠٠"}}
}

var initiativeLink = regexp.MustCompile(`/initiatives/(\d+)\?done=created`)

// TestInitiativeOwnership: a ministry records its own initiatives only;
// its success story is public only after the coordinator approves it.
func TestInitiativeOwnership(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	r := moh.post("/ar/institutions/MOH/initiatives", initiativeValues("بوابة المواعيد الطبية"), "/ar/institutions/MOH/initiatives/new")
	assertStatus(t, r, http.StatusSeeOther)
	m := initiativeLink.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect %q", r.Header.Get("Location"))
	}
	id := m[1]
	in, err := st.Initiative(context.Background(), mustInt(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if in.StoryStatus != survey.StoryPending || in.FigureAfter == nil || *in.FigureAfter != 12000 || in.StartMonth != "2025-01" ||
		len(in.Partners) != 1 || in.Partners[0].Type != "university" {
		t.Errorf("stored %+v", in)
	}

	// Another ministry can neither add to MOH nor touch MOH's initiative.
	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	before := checksum(t, st)
	assertStatus(t, moi.get("/ar/institutions/MOH/initiatives/new"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/institutions/MOH/initiatives", initiativeValues("تسلل"), "/ar/institutions/MOI/initiatives/new"), http.StatusForbidden)
	assertStatus(t, moi.get("/ar/initiatives/"+id), http.StatusForbidden)
	assertStatus(t, moi.get("/ar/initiatives/"+id+"/edit"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/initiatives/"+id, initiativeValues("تعديل"), "/ar/initiatives"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/initiatives/"+id+"/archive", url.Values{}, "/ar/initiatives"), http.StatusForbidden)
	if strings.Contains(moi.get("/ar/initiatives").Body, "بوابة المواعيد الطبية") {
		t.Error("MOI's list shows MOH's initiative")
	}
	viewer := newClient(t, ts)
	viewer.signIn("en", "viewer@example.ps", survey.DemoPassword)
	assertStatus(t, viewer.get("/en/initiatives/"+id), http.StatusOK)
	assertStatus(t, viewer.get("/en/initiatives/"+id+"/edit"), http.StatusForbidden)
	tok := apiToken(t, ts, "moi@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOH/initiatives", tok, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/initiatives/"+id, tok, `{"title_ar":"تعديل","status":"done","version":1}`), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/initiatives/"+id, tok, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOH/initiatives", tok, `{"title_ar":"تسلل","status":"done"}`), http.StatusForbidden)
	if checksum(t, st) != before {
		t.Error("refused requests changed the database")
	}
	anon := newClient(t, ts)
	// Visitors read the public registry there (initiatives_public.go),
	// which this private initiative is not in.
	assertStatus(t, anon.get("/ar/initiatives"), http.StatusOK)
	assertStatus(t, anon.get("/ar/initiatives/"+id), http.StatusNotFound)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/initiatives", "", ""), http.StatusUnauthorized)

	// The story waits for the coordinator; a respondent cannot approve it.
	assertStatus(t, anon.get("/ar/stories/"+id), http.StatusNotFound)
	if strings.Contains(anon.get("/ar/").Body, "بوابة المواعيد الطبية") { // and caches the home page
		t.Error("a pending story is on the home page")
	}
	assertStatus(t, moh.post("/ar/admin/initiatives/"+id+"/story", decision(t, st, id, "approve"), "/ar/initiatives"), http.StatusForbidden)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertContains(t, admin.get("/ar/admin/stories").Body, "بوابة المواعيد الطبية")
	assertStatus(t, admin.post("/ar/admin/initiatives/"+id+"/story", decision(t, st, id, "reject"), "/ar/admin/stories"), http.StatusUnprocessableEntity)
	stale := decision(t, st, id, "approve")
	stale.Set("version", "99")
	assertStatus(t, admin.post("/ar/admin/initiatives/"+id+"/story", stale, "/ar/admin/stories"), http.StatusConflict)
	assertStatus(t, admin.post("/ar/admin/initiatives/"+id+"/story", decision(t, st, id, "approve"), "/ar/admin/stories"), http.StatusSeeOther)
	story := anon.get("/ar/stories/" + id)
	assertStatus(t, story, http.StatusOK)
	assertContains(t, story.Body, "بوابة المواعيد الطبية", "12,000", "←")
	assertContains(t, anon.get("/en/stories").Body, "/en/stories/"+id)
	assertContains(t, anon.get("/ar/").Body, "بوابة المواعيد الطبية")

	// The owner's API sees it; the list API filters by partner type.
	own := apiCall(t, ts, http.MethodGet, "/api/v1/initiatives?partner=university", apiToken(t, ts, "moh@example.ps"), "")
	assertStatus(t, own, http.StatusOK)
	var list struct {
		Initiatives []survey.Initiative `json:"items"`
	}
	if err := json.Unmarshal([]byte(own.Body), &list); err != nil {
		t.Fatal(err)
	}
	for _, x := range list.Initiatives {
		if x.InstitutionCode != "MOH" || !x.HasPartner("university") {
			t.Errorf("MOH's filtered list has %s %+v", x.InstitutionCode, x.Partners)
		}
	}
	if len(list.Initiatives) == 0 {
		t.Error("MOH's list is empty")
	}
}

// TestInitiativeArchiveRestore: an initiative archived by mistake is found
// under "archived" and restored by its institution, approved story and all;
// nobody else may restore it.
func TestInitiativeArchiveRestore(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOI", StoryStatus: survey.StoryApproved})
	if err != nil || len(list) == 0 {
		t.Fatalf("no approved MOI story in the demo: %v", err)
	}
	story := list[0]
	id := strconv.FormatInt(story.ID, 10)
	anon := newClient(t, ts)
	assertStatus(t, anon.get("/en/stories/"+id), http.StatusOK)

	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	assertStatus(t, moi.post("/ar/initiatives/"+id+"/archive", url.Values{}, "/ar/initiatives/"+id), http.StatusSeeOther)
	assertStatus(t, anon.get("/en/stories/"+id), http.StatusNotFound)
	if strings.Contains(moi.get("/ar/initiatives").Body, "/ar/initiatives/"+id+`"`) {
		t.Error("the archived initiative is still listed")
	}
	archived := moi.get("/ar/initiatives?archived=1")
	assertContains(t, archived.Body, "/ar/initiatives/"+id+`"`, `name="archived" type="checkbox" value="1" checked`)
	page := moi.get("/ar/initiatives/" + id)
	assertContains(t, page.Body, "هذه المبادرة مؤرشفة", "/ar/initiatives/"+id+"/restore")

	// Another ministry cannot bring it back, by the page or the API.
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	before := checksum(t, st)
	assertStatus(t, moh.post("/ar/initiatives/"+id+"/restore", url.Values{}, "/ar/initiatives"), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/initiatives/"+id+"/restore", apiToken(t, ts, "moh@example.ps"), ""), http.StatusForbidden)
	if checksum(t, st) != before {
		t.Error("a refused restore changed the database")
	}

	r := moi.post("/ar/initiatives/"+id+"/restore", url.Values{}, "/ar/initiatives/"+id)
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/ar/initiatives/"+id+"?done=restored" {
		t.Errorf("restore went to %q", loc)
	}
	assertContains(t, moi.get("/ar/initiatives/"+id+"?done=restored").Body, "استُعيدت المبادرة")
	assertStatus(t, anon.get("/en/stories/"+id), http.StatusOK)
	back, err := st.Initiative(ctx, story.ID)
	if err != nil || back.Archived || back.StoryStatus != survey.StoryApproved || back.Version != story.Version+2 {
		t.Errorf("restored %+v, %v", back, err)
	}
	// The API restores too, and answers with the new version.
	tok := apiToken(t, ts, "moi@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/initiatives/"+id, tok, ""), http.StatusNoContent)
	res := apiCall(t, ts, http.MethodPost, "/api/v1/initiatives/"+id+"/restore", tok, "")
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, `"archived":false`, `"version":`+strconv.FormatInt(story.Version+4, 10))
}

// TestStoriesPaginated: the public list of stories goes a page at a time,
// with the count, and a page out of range shows the nearest one.
func TestStoriesPaginated(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := survey.Actor{ID: 1, Role: survey.RoleAdmin}
	before, err := st.PublicStories(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 22 {
		in, err := st.CreateInitiative(ctx, admin, survey.InitiativeInput{InstitutionCode: "MOH", TitleAr: fmt.Sprintf("قصة رقم %02d", i),
			Status: "done", BudgetBand: "unknown", Story: true, StoryAr: "نص القصة."})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ReviewStory(ctx, admin, in.ID, in.Version, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	total := len(before) + 22
	pages := (total + storiesPerPage - 1) / storiesPerPage
	anon := newClient(t, ts)
	cards := func(body string) int { return strings.Count(body, `class="story-card`) }
	first := anon.get("/ar/stories")
	assertStatus(t, first, http.StatusOK)
	assertContains(t, first.Body, fmt.Sprintf("%d قصة نجاح", total), `rel="next" href="?page=2"`)
	if n := cards(first.Body); n != storiesPerPage {
		t.Errorf("first page: %d stories, want %d", n, storiesPerPage)
	}
	last := anon.get(fmt.Sprintf("/en/stories?page=%d", pages))
	assertContains(t, last.Body, fmt.Sprintf("Page %d of %d", pages, pages), `rel="prev"`)
	if strings.Contains(last.Body, `rel="next"`) {
		t.Error("the last page links to a next one")
	}
	seen := 0
	for p := 1; p <= pages; p++ {
		seen += cards(anon.get(fmt.Sprintf("/ar/stories?page=%d", p)).Body)
	}
	if seen != total {
		t.Errorf("%d stories over the pages, want %d", seen, total)
	}
	if far := anon.get("/ar/stories?page=999"); cards(far.Body) != cards(last.Body) {
		t.Error("a page past the end does not show the last one")
	}
	if bad := anon.get("/ar/stories?page=x"); cards(bad.Body) != storiesPerPage {
		t.Error("a bad page number does not show the first page")
	}
}

// decision is the coordinator's review form for a story: the decision and
// the version of the story read.
func decision(t *testing.T, st *sqlstore.Store, id, d string) url.Values {
	t.Helper()
	in, err := st.Initiative(context.Background(), mustInt(t, id))
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"decision": {d}, "version": {strconv.FormatInt(in.Version, 10)}}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInitiativeHostileInput: bad input gets a clear message in the
// user's language and stores nothing; hostile names stay text everywhere.
func TestInitiativeHostileInput(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	before := checksum(t, st)
	for name, tc := range map[string]struct {
		field, value, want string
	}{
		"10,000 characters": {"title_ar", strings.Repeat("م", 10000), "طويل"},
		"control character": {"title_ar", "مبادرة\x07", "رموز"},
		"no Arabic":         {"title_ar", "Portal", "بالعربية"},
		"bad month":         {"start_month", "2025-13", "سنة-شهر"},
		"partner no name":   {"partner_name", "", "اسماً لكل شريك"},
		"negative figure":   {"figure_after", "-5", ""},
	} {
		t.Run(name, func(t *testing.T) {
			form := initiativeValues("مبادرة")
			form.Set(tc.field, tc.value)
			if tc.field == "partner_name" {
				form["partner_name"] = []string{"", ""}
			}
			r := moh.post("/ar/institutions/MOH/initiatives", form, "/ar/institutions/MOH/initiatives/new")
			assertStatus(t, r, http.StatusUnprocessableEntity)
			assertContains(t, r.Body, `class="error-summary"`, tc.want)
		})
	}
	// The English page says it in English.
	form := initiativeValues("")
	r := moh.post("/en/institutions/MOH/initiatives", form, "/en/institutions/MOH/initiatives/new")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "Title (Arabic)")
	// The API: wrong types, unknown fields and nesting are refused whole.
	tok := apiToken(t, ts, "moh@example.ps")
	for _, body := range []string{`{"title_ar": 5}`, `{"title_ar":"م","status":"done","extra":1}`,
		`{"title_ar":"م","partners":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, `not json`} {
		assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOH/initiatives", tok, body), http.StatusBadRequest)
	}
	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOH/initiatives", tok, `{"title_ar":"مبادرة","status":"done","services":[999999]}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if checksum(t, st) != before {
		t.Error("refused input changed the database")
	}

	// Hostile names are text in the list, the page, the story and the charts.
	hostile := `</script><script>alert(1)</script>"><img src=x onerror=alert(1)>`
	form = initiativeValues("مبادرة " + hostile)
	form["partner_name"] = []string{"شريك " + hostile, ""}
	r = moh.post("/ar/institutions/MOH/initiatives", form, "/ar/institutions/MOH/initiatives/new")
	assertStatus(t, r, http.StatusSeeOther)
	id := initiativeLink.FindStringSubmatch(r.Header.Get("Location"))[1]
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertStatus(t, admin.post("/ar/admin/initiatives/"+id+"/story", decision(t, st, id, "approve"), "/ar/admin/stories"), http.StatusSeeOther)
	round := roundIDByName(t, st, "2025")
	for _, page := range []string{"/ar/initiatives", "/ar/initiatives/" + id, "/ar/stories", "/ar/stories/" + id, "/ar/", "/ar/present/" + round, "/ar/admin/stories"} {
		body := admin.get(page).Body
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: a name broke out", page)
		}
	}
	csv := admin.get("/ar/initiatives.csv").Body
	assertContains(t, csv, "\ufeff", "مبادرة </script>")
}

// TestObstaclesPart: the obstacles part of the questionnaire saves as one
// set; someone else's newer choice is shown, not overwritten; bad input
// stores nothing; the coordinator's charts count submitted responses.
func TestObstaclesPart(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	round := strconv.FormatInt(openRoundID(t, st), 10)
	page := "/ar/rounds/" + round + "/responses/MOI/obstacles"
	a := newClient(t, ts)
	a.signIn("ar", "moi@example.ps", survey.DemoPassword)
	form := a.get(page)
	assertStatus(t, form, http.StatusOK)
	assertContains(t, form.Body, "معيقات داخلية", "معيقات خارجية", "لا نواجهه")
	obstacles, err := st.Obstacles(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	power := strconv.FormatInt(obstacles[6].ID, 10) // power and connectivity cuts
	budget := strconv.FormatInt(obstacles[1].ID, 10)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(form.Body)[1]

	// Two people open the page; the first saves, the second is told.
	b := newClient(t, ts)
	b.signIn("ar", "admin@example.ps", survey.DemoPassword)
	b.get(page)
	r := a.post(page, url.Values{"version": {version}, "o_" + power: {"3"}, "o_" + budget: {"2"}}, page)
	assertStatus(t, r, http.StatusSeeOther)
	r = b.post(page, url.Values{"version": {version}, "o_" + budget: {"1"}}, page)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "ما حفظه شخص آخر", "حاد")
	resp, err := st.Response(context.Background(), mustInt(t, round), "MOI")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := st.ResponseObstacles(context.Background(), resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Severity[obstacles[6].ID] != 3 || cur.Severity[obstacles[1].ID] != 2 {
		t.Errorf("stored %v", cur.Severity)
	}
	// A severity out of range, or another ministry, stores nothing.
	assertStatus(t, a.post(page, url.Values{"version": {"1"}, "o_" + power: {"7"}}, page), http.StatusUnprocessableEntity)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, moh.get(page), http.StatusForbidden)
	assertStatus(t, moh.post(page, url.Values{"version": {"1"}}, "/ar/rounds/"+round+"/responses/MOH/obstacles"), http.StatusForbidden)
	if again, _ := st.ResponseObstacles(context.Background(), resp.ID); again.Version != cur.Version {
		t.Errorf("a refused save changed the set: version %d → %d", cur.Version, again.Version)
	}

	// The coordinator's list: a new obstacle, then refused duplicates.
	admin := b
	r = admin.post("/ar/admin/obstacles", url.Values{"code": {"fuel"}, "kind": {"external"}, "label_ar": {"نقص الوقود للمولدات"}, "position": {"11"}, "active": {"1"}}, "/ar/admin/obstacles")
	assertStatus(t, r, http.StatusSeeOther)
	r = admin.post("/ar/admin/obstacles", url.Values{"code": {"fuel"}, "kind": {"external"}, "label_ar": {"مكرر"}, "position": {"12"}}, "/ar/admin/obstacles")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "هذا الرمز مستخدم")
	assertStatus(t, moh.post("/ar/admin/obstacles", url.Values{"code": {"x"}}, "/ar/rounds"), http.StatusForbidden)
	assertContains(t, a.get(page).Body, "نقص الوقود للمولدات")

	// Two coordinators reword the same obstacle: the second, working from
	// the version both opened, is told and keeps what they typed; saving
	// again replaces the first one's wording knowingly.
	list, err := st.Obstacles(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	fuel := list[len(list)-1]
	edit := func(label string, version int64) url.Values {
		return url.Values{"id": {strconv.FormatInt(fuel.ID, 10)}, "code": {"fuel"}, "kind": {"external"}, "label_ar": {label},
			"position": {"11"}, "active": {"1"}, "version": {strconv.FormatInt(version, 10)}}
	}
	editPage := "/ar/admin/obstacles?edit=" + strconv.FormatInt(fuel.ID, 10)
	assertContains(t, admin.get(editPage).Body, `name="version" value="1"`)
	assertStatus(t, admin.post("/ar/admin/obstacles", edit("نقص الوقود", 1), editPage), http.StatusSeeOther)
	before := checksum(t, st)
	r = admin.post("/ar/admin/obstacles", edit("انقطاع الوقود", 1), editPage)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "عدّل شخص آخر هذا", "حفظه شخص آخر", "نقص الوقود", `value="انقطاع الوقود"`, `name="version" value="2"`)
	if checksum(t, st) != before {
		t.Error("a stale save changed the database")
	}
	assertStatus(t, admin.post("/ar/admin/obstacles", edit("انقطاع الوقود", 2), editPage), http.StatusSeeOther)
	if list, _ = st.Obstacles(context.Background(), true); list[len(list)-1].LabelAr != "انقطاع الوقود" || list[len(list)-1].Version != 3 {
		t.Errorf("after saving again: %+v", list[len(list)-1])
	}
}

// TestActionPlan: an institution commits to improvement actions after a
// round; another cannot touch its plan; a stale update is refused; the
// coordinator sees every plan with its outcome.
func TestActionPlan(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	round := roundIDByName(t, st, "2025")
	page := "/ar/rounds/" + round + "/plans/MOE"
	st.Scores(context.Background(), mustInt(t, round), survey.ScoreSelf)
	moe := newClient(t, ts)
	if _, err := st.CreateUser(context.Background(), 0, survey.NewUser{Email: "moe@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOE", Password: "moe-password-1"}); err != nil {
		t.Fatal(err)
	}
	moe.signIn("ar", "moe@example.ps", "moe-password-1")
	p := moe.get(page)
	assertStatus(t, p, http.StatusOK)
	item := regexp.MustCompile(`name="item" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if item == nil {
		t.Fatalf("no improvement action to add:\n%.2000s", p.Body)
	}
	r := moe.post("/ar/rounds/"+round+"/plans/MOE", url.Values{"item": {item[1]}, "owner": {"مدير دائرة تكنولوجيا المعلومات"}, "target_round": {"2026"}}, page)
	assertStatus(t, r, http.StatusSeeOther)
	r = moe.post("/ar/rounds/"+round+"/plans/MOE", url.Values{"item": {item[1]}, "owner": {"مكرر"}, "target_round": {"2026"}}, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "موجود في خطة العمل")
	r = moe.post("/ar/rounds/"+round+"/plans/MOE", url.Values{"owner": {""}, "target_round": {"2026"}}, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)

	plans, err := st.PlanActions(context.Background(), survey.PlanFilter{Institution: "MOE", RoundID: mustInt(t, round)})
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans %v %v", plans, err)
	}
	action := plans[0]
	if action.ScoreAtPlan == nil || action.Outcome != survey.OutcomePlanned {
		t.Errorf("stored %+v", action)
	}
	id := strconv.FormatInt(action.ID, 10)
	update := url.Values{"version": {strconv.FormatInt(action.Version, 10)}, "owner": {"فريق التحول الرقمي"}, "target_round": {"2026"}, "progress": {"in_progress"}}
	assertStatus(t, moe.post("/ar/plans/"+id, update, page), http.StatusSeeOther)
	r = moe.post("/ar/plans/"+id, update, page) // the same old version again
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "حفظ شخص آخر هذا الإجراء")

	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	assertStatus(t, moi.get(page), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/plans/"+id, update, "/ar/rounds"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/plans/"+id+"/delete", url.Values{}, "/ar/rounds"), http.StatusForbidden)
	assertStatus(t, moi.post("/ar/rounds/"+round+"/plans/MOE", url.Values{"text_ar": {"تسلل"}, "owner": {"x"}, "target_round": {"2026"}}, "/ar/rounds"), http.StatusForbidden)

	viewer := newClient(t, ts)
	viewer.signIn("en", "viewer@example.ps", survey.DemoPassword)
	all := viewer.get("/en/rounds/" + round + "/plans")
	assertStatus(t, all, http.StatusOK)
	assertContains(t, all.Body, "Ministry of Education", "In progress", "chart_plans_"+round)
	assertStatus(t, viewer.post("/en/plans/"+id+"/delete", url.Values{}, "/en/rounds"), http.StatusForbidden)
	assertStatus(t, moe.post("/ar/plans/"+id+"/delete", url.Values{}, page), http.StatusSeeOther)
	if left, _ := st.PlanActions(context.Background(), survey.PlanFilter{Institution: "MOE", RoundID: mustInt(t, round)}); len(left) != 0 {
		t.Errorf("%d actions left after delete", len(left))
	}
}

// TestConferenceCharts: the dashboard, its exports, the slides and the
// home page carry the obstacles, initiatives, plans and stories.
func TestConferenceCharts(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	round := roundIDByName(t, st, "2025")
	anon := newClient(t, ts)
	for _, l := range Languages {
		d := anon.get("/" + l + "/rounds/" + round + "/dashboard")
		assertStatus(t, d, http.StatusOK)
		assertTranslated(t, d.Body)
		for _, id := range []string{"obstacles", "obstacles_kind", "obstacles_region", "initiatives_status", "initiatives_partners", "plans"} {
			assertContains(t, d.Body, `id="chart_`+id+`_`+round+`"`)
		}
		p := anon.get("/" + l + "/present/" + round)
		assertContains(t, p.Body, "slide-stories", `id="chart_obstacles_`+round+`"`, `id="chart_initiatives_partners_`+round+`"`)
		h := anon.get("/" + l + "/")
		assertTranslated(t, h.Body)
		assertContains(t, h.Body, `id="chart_home_trend"`, `id="chart_home_stages"`, "story-card", `name="q"`)
		// The national index of each published public round is the mean of its ranking.
		for _, name := range []string{"2024", "2025"} {
			scores, err := st.Scores(context.Background(), mustInt(t, roundIDByName(t, st, name)), survey.ScoreSelf)
			if err != nil || len(scores) == 0 {
				t.Fatalf("round %s: %d scores, %v", name, len(scores), err)
			}
			sum := 0.0
			for _, sc := range scores {
				sum += sc.Index
			}
			want := strconv.FormatFloat(math.Round(sum/float64(len(scores))*10)/10, 'f', -1, 64)
			assertContains(t, h.Body, `<td dir="auto">`+want+"</td>")
		}
	}
	// The obstacles' table as CSV adds up to the citations of submitted responses.
	rows := csvRows(t, anon.get("/en/rounds/"+round+"/dashboard.csv?chart=chart_obstacles_"+round).Body)
	cites, err := st.ObstacleCitations(context.Background(), mustInt(t, round), false)
	if err != nil {
		t.Fatal(err)
	}
	if sumColumn(rows, 5) != len(cites) || len(cites) == 0 {
		t.Errorf("the table counts %d citations, the round has %d", sumColumn(rows, 5), len(cites))
	}
	if rows[0][0] != "Obstacles" {
		t.Errorf("head %v", rows[0])
	}
	// Narrowed to Gaza, only Gaza's institutions' citations count.
	gaza := csvRows(t, anon.get("/en/rounds/"+round+"/dashboard.csv?region=gaza&chart=chart_obstacles_"+round).Body)
	n := 0
	for _, c := range cites {
		if c.Region == "gaza" {
			n++
		}
	}
	if sumColumn(gaza, 5) != n || n == 0 {
		t.Errorf("Gaza: table %d, citations %d", sumColumn(gaza, 5), n)
	}
	// A private round's charts stay private.
	assertStatus(t, anon.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/dashboard.csv?chart=chart_obstacles_"+round), http.StatusSeeOther)
}

// TestBrowserSuccessStoryInArabic: a ministry's officer records an
// initiative in Arabic and tells it as a success story; the coordinator
// approves it; a visitor reads it on the public stories page and the home
// page; the dashboard and the slides show the conference charts.
func TestBrowserSuccessStoryInArabic(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			screenshot(t, ctx, "fail-"+strings.ReplaceAll(step, " ", "-"))
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.1500s", step, err, loc, body)
		}
	}
	signIn := func(email string) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/ar/login"),
			chromedp.WaitVisible(chromedp.ID("f-email")),
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
			click(chromedp.CSS(`main button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.site-header .whoami`)),
		)
	}
	title := "حجز مواعيد العيادات الخارجية عبر الإنترنت"
	must("sign in as the MOH officer", signIn("moh@example.ps"))
	must("open the new initiative form", chromedp.Do(ctx,
		click(chromedp.CSS(`a[href="/ar/initiatives"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ar/institutions/MOH/initiatives/new"]`)),
		click(chromedp.CSS(`a[href="/ar/institutions/MOH/initiatives/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-title_ar")),
	))
	must("fill it in", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-title_ar"), title),
		chromedp.SendKeys(chromedp.ID("f-summary_ar"), "يحجز المرضى مواعيدهم من البيت بدل الانتظار في طوابير المستشفيات."),
		chromedp.SetValue(chromedp.ID("f-status"), "done"),
		chromedp.SetValue(chromedp.ID("f-budget_band"), "100k_500k"),
		chromedp.SetValue(chromedp.ID("partner-type-0"), "university"),
		chromedp.SendKeys(chromedp.ID("partner-name-0"), "جامعة النجاح الوطنية"),
		chromedp.SetValue(chromedp.ID("partner-type-1"), "donor"),
		chromedp.SendKeys(chromedp.ID("partner-name-1"), "جهة مانحة"),
		click(chromedp.ID("f-story")),
		chromedp.SendKeys(chromedp.ID("f-story_ar"), "كان المريض يسافر ساعات ويعبر الحواجز ليحجز موعداً. صار الحجز من الهاتف في دقيقة."),
		chromedp.SendKeys(chromedp.ID("f-figure_label_ar"), "مواعيد محجوزة عبر الإنترنت شهرياً"),
		chromedp.SendKeys(chromedp.ID("f-figure_before"), "٠"),
		chromedp.SendKeys(chromedp.ID("f-figure_after"), "٤٥٠٠"),
	))
	screenshot(t, ctx, "20-initiative-form-ar")
	must("save", chromedp.Do(ctx,
		click(chromedp.CSS(`.initiative-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		chromedp.WaitVisible(chromedp.CSS(`.tag-story-pending`)),
	))
	screenshot(t, ctx, "21-initiative-ar")
	list, err := st.ListInitiatives(context.Background(), survey.InitiativeFilter{Institution: "MOH", StoryStatus: survey.StoryPending})
	if err != nil {
		t.Fatal(err)
	}
	var mine *survey.Initiative
	for i := range list {
		if list[i].TitleAr == title {
			mine = &list[i]
		}
	}
	if mine == nil || mine.FigureAfter == nil || *mine.FigureAfter != 4500 || len(mine.Partners) != 2 {
		t.Fatalf("stored %+v", mine)
	}
	id := strconv.FormatInt(mine.ID, 10)
	must("sign out", chromedp.Do(ctx,
		click(chromedp.CSS(`.site-header button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero`)),
	))

	must("sign in as the coordinator", signIn("admin@example.ps"))
	must("approve the story", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/admin/stories"),
		chromedp.WaitVisible(chromedp.ID("story-"+id)),
	))
	screenshot(t, ctx, "22-stories-review-ar")
	must("approve", chromedp.Do(ctx,
		click(chromedp.CSS(`#story-`+id+` button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		click(chromedp.CSS(`.site-header button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero`)),
	))

	must("a visitor reads it", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/stories"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ar/stories/`+id+`"]`)),
		click(chromedp.CSS(`a[href="/ar/stories/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.story-figure-big`)),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	must("read the story", err)
	for _, want := range []string{title, "4,500", "جامعة النجاح الوطنية", "صار الحجز من الهاتف"} {
		if !strings.Contains(text, want) {
			t.Errorf("the story page lacks %q", want)
		}
	}
	screenshot(t, ctx, "23-story-ar")
	must("the home page", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/"),
		chromedp.WaitVisible(chromedp.CSS(`.home-stories`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart_home_trend canvas`)),
	))
	screenshot(t, ctx, "24-home-ar")

	// The round's dashboard and slides in Arabic: the conference charts draw.
	round := roundIDByName(t, st, "2025")
	must("the dashboard's conference charts", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/rounds/"+round+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#conference`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#conference`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart_obstacles_`+round+` canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart_plans_`+round+` canvas`)),
	))
	screenshot(t, ctx, "25-dashboard-conference-ar")
	must("the slides", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/present/"+round),
		chromedp.WaitVisible(chromedp.CSS(`.slide-title`)),
	))
	for range 20 {
		visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector('.slide-stories').hidden`))
		must("find the stories slide", err)
		if visible {
			break
		}
		must("next slide", chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft)))
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.slide-stories').hidden ? "" : document.querySelector('.slide-stories').innerText`))
	must("stories slide", err)
	if !strings.Contains(shown, title) {
		t.Errorf("the stories slide does not show the new story: %.300q", shown)
	}
	screenshot(t, ctx, "26-present-stories-ar")
}
