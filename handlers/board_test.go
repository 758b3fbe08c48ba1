package handlers

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

// Tests of the coordinator's side: where people land, the round's board,
// the review page, the audit log, the time zone and the header.

func TestLandingByRole(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	open := openRoundID(t, st)
	for _, tc := range []struct{ email, lang, want string }{
		{"admin@example.ps", "ar", "/ar/admin/rounds/" + strconv.FormatInt(open, 10)},
		{"admin@example.ps", "en", "/en/admin/rounds/" + strconv.FormatInt(open, 10)},
		{"moh@example.ps", "ar", "/ar/work"},
		{"viewer@example.ps", "ar", "/ar/"},
	} {
		c := newClient(t, ts)
		r := c.post("/"+tc.lang+"/login", url.Values{"email": {tc.email}, "password": {survey.DemoPassword}}, "/"+tc.lang+"/login")
		assertStatus(t, r, http.StatusSeeOther)
		if got := r.Header.Get("Location"); got != tc.want {
			t.Errorf("%s (%s) lands on %q, want %q", tc.email, tc.lang, got, tc.want)
		}
	}
	// With no round open, the coordinator lands on the list of rounds.
	if _, err := st.RoundAction(context.Background(), 0, open, "close"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	r := c.post("/ar/login", url.Values{"email": {"admin@example.ps"}, "password": {survey.DemoPassword}}, "/ar/login")
	if got := r.Header.Get("Location"); got != "/ar/rounds" {
		t.Errorf("with no open round the coordinator lands on %q, want /ar/rounds", got)
	}
}

var (
	boardCount = regexp.MustCompile(`class="board-count-([a-z]+)"[^>]*><span class="board-count">(\d+)</span>`)
	boardRow   = regexp.MustCompile(`<th scope="row" class="board-name"><bdi>([^<]+)</bdi></th>\s*<td data-label="[^"]*">([^<]*)</td>\s*<td data-label="[^"]*"><span class="tag tag-resp-([a-z]+)"`)
)

// boardRows reads the board's table: the institution, sector and status of each row.
func boardRows(t *testing.T, body string) [][3]string {
	t.Helper()
	var out [][3]string
	for _, m := range boardRow.FindAllStringSubmatch(body, -1) {
		out = append(out, [3]string{m[1], m[2], m[3]})
	}
	return out
}

func TestBoardCountsFiltersAndSort(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	id := openRoundID(t, st)
	page := "/ar/admin/rounds/" + strconv.FormatInt(id, 10)
	rows, err := st.RoundBoard(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	bySector := map[string]int{}
	for _, r := range rows {
		want[r.BoardStatus()]++
		bySector[r.Institution.Sector]++
	}
	if len(want) < 4 {
		t.Fatalf("the demo round should have responses in several states: %v", want)
	}
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)

	r := admin.get(page)
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	got := map[string]int{}
	for _, m := range boardCount.FindAllStringSubmatch(r.Body, -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	for _, st := range survey.BoardStatuses {
		if got[st] != want[st] {
			t.Errorf("count of %s = %d, want %d", st, got[st], want[st])
		}
	}
	all := boardRows(t, r.Body)
	if len(all) != len(rows) {
		t.Fatalf("board lists %d rows, want %d", len(all), len(rows))
	}
	done := want[survey.ResponseSubmitted] + want[survey.ResponseAccepted]
	assertContains(t, r.Body, fmt.Sprintf(`<progress class="progress progress-wide" max="%d" value="%d"`, len(rows), done))
	// Names, not codes: the Ministry of Health is named, and no cell is a bare code.
	assertContains(t, r.Body, "<bdi>وزارة الصحة</bdi>")
	for _, row := range all {
		if regexp.MustCompile(`^[A-Z]{2,6}$`).MatchString(row[0]) {
			t.Errorf("a row shows the code %q instead of a name", row[0])
		}
	}

	// A status filter keeps exactly the institutions in that state.
	r = admin.get(page + "?status=submitted")
	assertStatus(t, r, http.StatusOK)
	sub := boardRows(t, r.Body)
	if len(sub) != want[survey.ResponseSubmitted] {
		t.Errorf("?status=submitted lists %d rows, want %d", len(sub), want[survey.ResponseSubmitted])
	}
	for _, row := range sub {
		if row[2] != "submitted" {
			t.Errorf("?status=submitted lists %s in state %s", row[0], row[2])
		}
	}
	assertContains(t, r.Body, `<option value="submitted" selected>`)

	// A sector filter, with the sector shown by name.
	r = admin.get(page + "?sector=health")
	sec := boardRows(t, r.Body)
	if len(sec) != bySector["health"] || len(sec) == 0 {
		t.Errorf("?sector=health lists %d rows, want %d", len(sec), bySector["health"])
	}
	for _, row := range sec {
		if row[1] != "الصحة" {
			t.Errorf("?sector=health lists %s of sector %q", row[0], row[1])
		}
	}
	// The counts follow the sector: they are the choices of state within it.
	n := 0
	for _, m := range boardCount.FindAllStringSubmatch(r.Body, -1) {
		c, _ := strconv.Atoi(m[2])
		n += c
	}
	if n != bySector["health"] {
		t.Errorf("counts within the health sector add up to %d, want %d", n, bySector["health"])
	}

	// Sorted by status: rows go in the order the work goes.
	r = admin.get(page + "?sort=status")
	rank := map[string]int{}
	for i, s := range survey.BoardStatuses {
		rank[s] = i
	}
	sorted := boardRows(t, r.Body)
	for i := 1; i < len(sorted); i++ {
		if rank[sorted[i][2]] < rank[sorted[i-1][2]] {
			t.Fatalf("?sort=status: %s (%s) after %s (%s)", sorted[i][0], sorted[i][2], sorted[i-1][0], sorted[i-1][2])
		}
	}

	// Values that are not choices show the whole board, not an empty one.
	r = admin.get(page + "?status=%3Cscript%3E&sector=nowhere&sort=zzz")
	assertStatus(t, r, http.StatusOK)
	if n := len(boardRows(t, r.Body)); n != len(rows) {
		t.Errorf("junk filter lists %d rows, want all %d", n, len(rows))
	}
	if strings.Contains(r.Body, "<script>") {
		t.Error("the junk status is echoed unescaped")
	}
}

// submittedInstitution is an institution whose response in the open round
// is submitted (the demo has several).
func submittedInstitution(t *testing.T, st *sqlstore.Store, round int64) string {
	t.Helper()
	rows, err := st.RoundBoard(context.Background(), round)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status == survey.ResponseSubmitted {
			return r.Institution.Code
		}
	}
	t.Fatal("no submitted response in the demo's open round")
	return ""
}

func TestReviewPageGroupsAndLabels(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	round := openRoundID(t, st)
	code := submittedInstitution(t, st, round)
	rd, _ := st.Round(ctx, round)
	q, _ := st.Questionnaire(ctx, rd.QuestionnaireID)
	resp, _ := st.Response(ctx, round, code)
	answers, _ := st.Answers(ctx, resp.ID)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	for _, lang := range []string{"ar", "en"} {
		r := admin.get("/" + lang + "/admin/rounds/" + strconv.FormatInt(round, 10) + "/responses/" + code)
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		// A heading per dimension, in the page's language.
		for _, sec := range q.Def.Sections {
			if !strings.Contains(r.Body, `id="h-`+sec.ID+`"`) {
				continue // a dimension with no typed question
			}
			assertContains(t, r.Body, `<span dir="auto">`+sec.Title(lang)+`</span></h2>`)
		}
		// Option labels, never the stored values of choices.
		checked := 0
		for _, it := range q.Def.Items {
			a, ok := answers[it.ID]
			if !ok || a.NA || (it.Type != survey.TypeSingle && it.Type != survey.TypeMulti) || !answers.Visible(it) {
				continue
			}
			block := r.Body[strings.Index(r.Body, `id="i-`+it.ID+`"`):]
			block = block[:strings.Index(block, "</fieldset>")]
			for _, val := range a.Values {
				label := ""
				for _, o := range it.Options {
					if o.Value == val {
						label = o.Label(lang)
					}
				}
				label = template.HTMLEscapeString(label)
				if !strings.Contains(block, ">"+label+"<") {
					t.Errorf("%s %s: answer %q shown without its label %q", lang, it.ID, val, label)
				}
				if label != val && strings.Contains(block, ">"+val+"<") {
					t.Errorf("%s %s: the stored value %q is shown", lang, it.ID, val)
				}
				checked++
			}
		}
		if checked < 10 {
			t.Errorf("only %d choice answers checked", checked)
		}
		// The decisions come before the first answer.
		if i, j := strings.Index(r.Body, `value="accept"`), strings.Index(r.Body, `class="review-item`); i < 0 || j < 0 || i > j {
			t.Errorf("the decision buttons are not above the answers (%d, %d)", i, j)
		}
	}
}

func TestApproveUnreviewedIsOneAuditEvent(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	round := openRoundID(t, st)
	code := submittedInstitution(t, st, round)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	page := "/ar/admin/rounds/" + strconv.FormatInt(round, 10) + "/responses/" + code
	resp, _ := st.Response(ctx, round, code)
	answers, _ := st.Answers(ctx, resp.ID)
	rd, _ := st.Round(ctx, round)
	q, _ := st.Questionnaire(ctx, rd.QuestionnaireID)
	var visible []string
	for _, it := range q.Def.Items {
		if _, ok := answers[it.ID]; ok && it.Type != survey.TypeMetric && answers.Visible(it) {
			visible = append(visible, it.ID)
		}
	}
	if len(visible) < 3 {
		t.Fatalf("only %d answers to review", len(visible))
	}
	// The reviewer marks one answer with issues and approves another, by
	// hand, in the same form that asks to approve the rest; the form sends
	// every mark, as a browser does.
	form := url.Values{"decision": {"approve-unreviewed"}}
	for _, id := range visible {
		form.Set("r."+id, answers[id].ReviewStatus)
		form.Set("rc."+id, answers[id].ReviewComment)
	}
	form.Set("r."+visible[0], "issues")
	form.Set("rc."+visible[0], "الرابط لا يعمل")
	form.Set("r."+visible[1], "approved")
	var rest []string
	for _, id := range visible[2:] {
		if answers[id].ReviewStatus == "" {
			rest = append(rest, id)
		}
	}
	if len(rest) < 2 {
		t.Fatalf("only %d answers left unreviewed", len(rest))
	}
	before, _ := st.AuditLog(ctx, "", 1)
	r := admin.post(page, form, page)
	assertStatus(t, r, http.StatusSeeOther)
	wantRest := len(rest)
	if loc := r.Header.Get("Location"); loc != page+"?approved="+strconv.Itoa(wantRest) {
		t.Errorf("after approving the rest: %q", loc)
	}
	events, _ := st.AuditLog(ctx, "", 10)
	var bulk []survey.AuditEvent
	for _, e := range events {
		if e.ID > before[0].ID && e.Action == "approve-unreviewed" {
			bulk = append(bulk, e)
		}
	}
	if len(bulk) != 1 {
		t.Fatalf("%d approve-unreviewed events, want 1", len(bulk))
	}
	for _, id := range rest {
		if !strings.Contains(bulk[0].After, `"`+id+`"`) {
			t.Errorf("the event does not list %s: %s", id, bulk[0].After)
		}
	}
	if got := strings.Count(bulk[0].After, `","`) + 1; got != len(rest) {
		t.Errorf("the event lists %d items, want %d: %s", got, len(rest), bulk[0].After)
	}
	for _, id := range visible[:2] {
		if strings.Contains(bulk[0].After, `"`+id+`"`) {
			t.Errorf("the event lists %s, reviewed by hand: %s", id, bulk[0].After)
		}
	}
	after, _ := st.Answers(ctx, resp.ID)
	if s := after[visible[0]].ReviewStatus; s != survey.ReviewIssues {
		t.Errorf("%s marked with issues became %q", visible[0], s)
	}
	for _, id := range visible[1:] {
		if s := after[id].ReviewStatus; s != survey.ReviewApproved {
			t.Errorf("%s is %q, want approved", id, s)
		}
	}
	r = admin.get(r.Header.Get("Location"))
	assertContains(t, r.Body, `role="status"`, fmt.Sprintf(`max="%d" value="%d"`, len(visible), len(visible)))

	// Nothing left: a second request approves none and records nothing.
	last, _ := st.AuditLog(ctx, "", 1)
	r = admin.post(page, url.Values{"decision": {"approve-unreviewed"}}, page)
	assertStatus(t, r, http.StatusSeeOther)
	if now, _ := st.AuditLog(ctx, "", 1); now[0].ID != last[0].ID {
		t.Errorf("approving nothing recorded %s", now[0].Action)
	}
	// A response that is not submitted cannot be approved wholesale.
	if _, err := st.ResponseAction(ctx, survey.Actor{Role: survey.RoleAdmin}, round, code, "accept"); err != nil {
		t.Fatal(err)
	}
	assertStatus(t, admin.post(page, url.Values{"decision": {"approve-unreviewed"}}, page), http.StatusConflict)
}

var auditItem = regexp.MustCompile(`<li class="audit-event">`)

func TestAuditLogPagingAndFilters(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	all, err := st.AuditLog(ctx, "", 100000)
	if err != nil || len(all) <= 2*auditPerPage {
		t.Fatalf("the demo's log has %d events, %v", len(all), err)
	}
	r := admin.get("/en/admin/audit")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if n := len(auditItem.FindAllString(r.Body, -1)); n != auditPerPage {
		t.Errorf("page 1 shows %d events, want %d", n, auditPerPage)
	}
	pages := (len(all) + auditPerPage - 1) / auditPerPage
	assertContains(t, r.Body, fmt.Sprintf("%d events", len(all)), `rel="next" href="?page=2"`, fmt.Sprintf("Page 1 of %d", pages))
	last := admin.get("/en/admin/audit?page=99999")
	if n := len(auditItem.FindAllString(last.Body, -1)); n != len(all)-(pages-1)*auditPerPage {
		t.Errorf("the last page shows %d events", n)
	}
	assertContains(t, last.Body, fmt.Sprintf("Page %d of %d", pages, pages))

	// Actions and kinds of record are named, not coded.
	assertContains(t, r.Body, ">Created</strong>", "Service")

	// By kind of record, institution, user and dates.
	r = admin.get("/en/admin/audit?entity=institution")
	n := 0
	for _, e := range all {
		if e.Entity == "institution" {
			n++
		}
	}
	assertContains(t, r.Body, fmt.Sprintf("%d events", n))
	r = admin.get("/en/admin/audit?institution=MOH&entity=service")
	nMOH := 0
	for _, e := range all {
		if e.Entity == "service" && strings.HasPrefix(e.EntityKey, "MOH/") {
			nMOH++
		}
	}
	if nMOH == 0 {
		t.Fatal("the demo has no MOH service")
	}
	assertContains(t, r.Body, fmt.Sprintf("%d events", nMOH), "Ministry of Health")
	if strings.Contains(r.Body, ">MOI/") {
		t.Error("the MOH filter shows an MOI service")
	}
	r = admin.get("/en/admin/audit?user=system")
	assertContains(t, r.Body, fmt.Sprintf("%d events", len(all)))
	r = admin.get("/en/admin/audit?user=admin@example.ps")
	assertContains(t, r.Body, "No events match the filter.")
	today := time.Now().UTC().Format("2006-01-02")
	tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02")
	assertContains(t, admin.get("/en/admin/audit?from="+today).Body, fmt.Sprintf("%d events", len(all)))
	assertContains(t, admin.get("/en/admin/audit?from="+tomorrow).Body, "No events match the filter.")
	assertContains(t, admin.get("/en/admin/audit?to=2020-01-01").Body, "No events match the filter.")
	bad := admin.get("/en/admin/audit?from=yesterday")
	assertStatus(t, bad, http.StatusOK)
	assertContains(t, bad.Body, `id="e-dates" role="alert"`, fmt.Sprintf("%d events", len(all)))

	// The filter carries into the pages' links and the export.
	r = admin.get("/en/admin/audit?entity=service")
	assertContains(t, r.Body, `href="?entity=service&amp;page=2"`, `/en/admin/audit.csv?entity=service"`)
	csvOut := admin.get("/en/admin/audit.csv?entity=institution")
	if lines := strings.Count(csvOut.Body, "\n"); lines != n+1 {
		t.Errorf("filtered export has %d lines, want %d", lines, n+1)
	}
}

func TestAuditDiffIsReadableAndEscaped(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	inst, err := st.Institution(ctx, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	hostile := `<script>alert("x")</script>` + "\u202e" + `evil`
	in := survey.InstitutionInput{Code: "MOH", NameAr: inst.NameAr, NameEn: hostile, Kind: inst.Kind, Sector: inst.Sector,
		Region: inst.Region, Website: "https://moh.example.ps"}
	if _, err := st.UpdateInstitution(ctx, 0, "MOH", in); err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.get("/ar/admin/audit?entity=institution&institution=MOH")
	assertStatus(t, r, http.StatusOK)
	assertTranslated(t, r.Body)
	if strings.Contains(r.Body, "<script>alert") {
		t.Fatal("a hostile value reached the page unescaped")
	}
	if strings.Contains(r.Body, `{"code"`) || strings.Contains(r.Body, `&#34;name_en&#34;`) {
		t.Error("the change is shown as raw JSON")
	}
	// Field by field, labelled, each value isolated.
	assertContains(t, r.Body, ">تعديل</strong>", "<th scope=\"row\">الاسم بالإنجليزية</th>", "<td><bdi>Ministry of Health</bdi></td>",
		"<td><bdi>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "<bdi>https://moh.example.ps</bdi>")
	// Unchanged fields are left out of an update.
	update := r.Body[strings.Index(r.Body, ">تعديل</strong>"):]
	update = update[:strings.Index(update, "</li>")]
	if strings.Contains(update, "الاسم بالعربية") {
		t.Error("an unchanged field is listed as changed")
	}
}

func TestAuditRowUnit(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	v := &view{Lang: "en", loc: srv.locales["en"], tz: time.UTC}
	n := auditNames{v: v, insts: map[string]survey.Institution{"MOH": {Code: "MOH", NameEn: "Ministry of Health", NameAr: "وزارة الصحة"}}}
	row := n.row(survey.AuditEvent{Action: "update", Entity: "service", EntityKey: "MOH/X",
		Before: `{"stage":2,"e_payment":false,"channels":["web"],"version":3,"updated_at":"2026-01-01T10:00:00.000Z"}`,
		After:  `{"stage":3,"e_payment":true,"channels":["web","mobile"],"version":4,"updated_at":"2026-01-02T10:00:00.000Z"}`})
	got := fmt.Sprint(row.Changes)
	for _, w := range []string{"{Online stage Interactive Transactional}", "{E-payment No Yes}",
		"{Channels Website Website, Mobile app}"} {
		if !strings.Contains(got, w) {
			t.Errorf("changes %s lack %s", got, w)
		}
	}
	if strings.Contains(got, "Version") || row.Institution != "Ministry of Health" || row.Action != "Changed" || row.Entity != "Service" {
		t.Errorf("row %+v", row)
	}
	partners := n.row(survey.AuditEvent{Action: "update", Entity: "initiative", EntityKey: "MOH/1",
		Before: `{"partners":[]}`, After: `{"partners":[{"type":"donor","name":"UNDP"}]}`})
	if len(partners.Changes) != 1 || partners.Changes[0].After != "UNDP (Donor)" || partners.Changes[0].Before != "—" {
		t.Errorf("partners %+v", partners.Changes)
	}
	review := n.row(survey.AuditEvent{Action: "review", Entity: "response", EntityKey: "3/MOH/STR-1", After: `{"status":"issues","comment":"x"}`})
	if len(review.Changes) != 2 || review.Changes[0].After != "Has issues" || review.Institution != "Ministry of Health" {
		t.Errorf("review %+v", review)
	}
	// A side that is not a JSON object is shown as stored.
	raw := n.row(survey.AuditEvent{Action: "x-new", Entity: "round", Before: `[1,2]`, After: `not json`})
	if raw.RawAfter != "not json" || raw.Action != "x-new" || len(raw.Changes) != 0 {
		t.Errorf("raw row %+v", raw)
	}
	// A created record lists every field, times in the zone.
	rec := n.row(survey.AuditEvent{Action: "create", Entity: "round", After: `{"name":"2027","opened_at":"2026-12-06T15:03:00.000Z","public":false}`})
	if !rec.Record || len(rec.Changes) != 3 || rec.Changes[1].After != "2026-12-06 15:03 (UTC)" {
		t.Errorf("created record %+v", rec)
	}
}

func TestTimesShowTheirZone(t *testing.T) {
	t.Parallel()
	hebron, err := time.LoadLocation("Asia/Hebron")
	if err != nil {
		t.Fatal(err)
	}
	st := newDemoStore(t)
	srv, err := New(context.Background(), st, Config{Version: "test", BaseURL: "http://marsad.test", Location: hebron,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	at := time.Date(2026, 12, 6, 15, 3, 0, 0, time.UTC) // 17:03 in Hebron in winter
	for lang, want := range map[string]string{"ar": "2026-12-06 17:03 (بتوقيت فلسطين)", "en": "2026-12-06 17:03 (Palestine time)"} {
		if got := srv.locales[lang].date(at, hebron); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := srv.locales["en"].date(at, time.UTC); got != "2026-12-06 15:03 (UTC)" {
		t.Errorf("UTC: %q", got)
	}
	if got := srv.locales["en"].date(time.Time{}, hebron); got != "—" {
		t.Errorf("zero time: %q", got)
	}

	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	events, _ := st.AuditLog(context.Background(), "", 1)
	r := admin.get("/ar/admin/audit")
	assertContains(t, r.Body, events[0].At.In(hebron).Format("2006-01-02 15:04"), "الأوقات بتوقيت فلسطين")
	r = admin.get("/en/admin/rounds/" + strconv.FormatInt(openRoundID(t, st), 10))
	assertContains(t, r.Body, `Last activity <span class="small muted">(Palestine time)</span>`)
}

func TestHeaderFaviconAndNewRoundDefault(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	anon := newClient(t, ts)
	fav := anon.get("/favicon.ico")
	assertStatus(t, fav, http.StatusOK)
	if ct := fav.Header.Get("Content-Type"); ct != "image/x-icon" || !strings.HasPrefix(fav.Body, "\x00\x00\x01\x00") {
		t.Errorf("favicon.ico: %s, % x", ct, fav.Body[:min(4, len(fav.Body))])
	}
	home := anon.get("/ar/")
	assertContains(t, home.Body, `<link rel="icon" href="/static/favicon.svg?v=`)
	assertStatus(t, anon.get("/static/favicon.svg"), http.StatusOK)
	assertContains(t, home.Body, `مرصد، الإصدار <bdi dir="ltr" translate="no">test</bdi>`)

	// The coordinator's pages are under one menu; respondents get their work.
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.get("/ar/admin/audit")
	assertContains(t, r.Body, `<details class="menu admin-menu" data-menu>`, `<summary class="current">الإدارة</summary>`,
		`href="/ar/admin/audit" aria-current="page"`)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	r = moh.get("/ar/catalog")
	assertContains(t, r.Body, `<a href="/ar/work">مهامي</a>`)
	if strings.Contains(r.Body, "admin-menu") {
		t.Error("a respondent sees the administration menu")
	}

	// A new round takes the national questionnaire unless told otherwise,
	// even when an example model was stored after it.
	gtmi, _ := data.Model("gtmi")
	if _, err := st.StoreQuestionnaireJSON(context.Background(), 0, gtmi); err != nil {
		t.Fatal(err)
	}
	list, _ := st.ListQuestionnaires(context.Background())
	if len(list) < 2 || list[0].DefID == defaultDefID() {
		t.Fatalf("the check needs the national questionnaire after another: %+v", list)
	}
	national := nationalQuestionnaire(list)
	r = admin.get("/ar/rounds")
	if !regexp.MustCompile(`<option value="` + national + `" selected>`).MatchString(r.Body) {
		t.Errorf("the national questionnaire (%s) is not chosen by default", national)
	}
}
