package handlers

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// uploadEvidenceForm posts a file to a response's evidence page as the
// page's form does, with the page's CSRF token.
func (c *client) uploadEvidenceForm(page, item, title, name string, body []byte) response {
	c.t.Helper()
	token := c.csrf(page)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("csrf_token", token)
	_ = w.WriteField("item", item)
	_ = w.WriteField("title", title)
	f, _ := w.CreateFormFile("file", name)
	_, _ = f.Write(body)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+page, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

var evidenceLinkRe = regexp.MustCompile(`href="(/(?:ar|en)/rounds/\d+/responses/MOH/evidence/(\d+))" download`)

// TestEvidenceThroughRouter: a respondent attaches files to their own
// answers from the evidence page; each is a download with safe headers for
// the institution and the coordinator only; the same file twice is kept
// once; the limits and the type check answer with a message; the reviewer
// sees the files beside the answers; a backup restored serves them.
func TestEvidenceThroughRouter(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	round := openRoundID(t, st)
	r, err := st.Round(ctx, round)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, it := range q.Def.Items {
		if it.Type != survey.TypeMetric {
			items = append(items, it.ID)
		}
	}
	base := fmt.Sprintf("/rounds/%d/responses/MOH", round)
	page := "/ar" + base + "/evidence"

	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

	// The question's link on the questionnaire leads to the evidence page.
	res := moh.get("/ar" + base + "?evidence=" + items[0])
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), page+"?item="+items[0]) {
		t.Fatalf("a question's files link: %d → %q", res.Status, res.Header.Get("Location"))
	}
	res = moh.uploadEvidenceForm(page, items[0], "قرار اعتماد الخطة", "decree.pdf", pdf)
	assertStatus(t, res, http.StatusSeeOther)
	res = moh.get(page)
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, "قرار اعتماد الخطة", "decree.pdf")
	m := evidenceLinkRe.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no download link on the evidence page:\n%.3000s", res.Body)
	}
	download := m[1]

	// The same file on another question: stored once.
	assertStatus(t, moh.uploadEvidenceForm(page, items[1], "", "copy.pdf", pdf), http.StatusSeeOther)
	resp, err := st.Response(ctx, round, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	links, err := st.ResponseEvidence(ctx, resp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0].File.SHA256 != links[1].File.SHA256 || links[0].File.ContentType != "application/pdf" {
		t.Fatalf("attachments %+v: want two of one PDF", links)
	}

	// Downloads: always an attachment, never sniffed, sandboxed.
	res = moh.get(download)
	assertStatus(t, res, http.StatusOK)
	if res.Body != string(pdf) {
		t.Errorf("downloaded %q, want the file", res.Body)
	}
	for h, want := range map[string]string{
		"Content-Disposition":     `attachment; filename=decree.pdf`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Content-Type":            "application/pdf",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}

	// Who may download: MOH and the coordinator; not MOI, not viewers, not
	// MOI through its own response.
	for _, who := range []struct {
		email, path string
		want        int
	}{
		{"admin@example.ps", download, http.StatusOK},
		{"moi@example.ps", download, http.StatusForbidden},
		{"viewer@example.ps", download, http.StatusForbidden},
		{"moi@example.ps", strings.Replace(download, "/MOH/", "/MOI/", 1), http.StatusNotFound},
	} {
		c := newClient(t, ts)
		c.signIn("ar", who.email, survey.DemoPassword)
		res := c.get(who.path)
		if res.Status != who.want || (who.want != http.StatusOK && strings.Contains(res.Body, "%PDF")) {
			t.Errorf("%s GET %s: %d, want %d", who.email, who.path, res.Status, who.want)
		}
	}
	if res := newClient(t, ts).get(download); res.Status != http.StatusSeeOther {
		t.Errorf("anonymous download: %d, want 303 to sign in", res.Status)
	}

	// Another institution may not upload to MOH (refused before the body
	// is read), nor without the form's token.
	moi := newClient(t, ts)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("csrf_token", moi.csrf("/ar/"))
	_ = w.WriteField("item", items[0])
	f, _ := w.CreateFormFile("file", "x.pdf")
	_, _ = f.Write(pdf)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+page, bytes.NewReader(b.Bytes()))
	req.Header.Set("Content-Type", w.FormDataContentType())
	assertStatus(t, moi.do(req), http.StatusForbidden)
	req, _ = http.NewRequest(http.MethodPost, ts.URL+page, bytes.NewReader(b.Bytes())) // MOI's token in MOH's session
	req.Header.Set("Content-Type", w.FormDataContentType())
	assertStatus(t, moh.do(req), http.StatusForbidden)

	// A refused type, whatever its name: a clear message in the page's language.
	res = moh.uploadEvidenceForm(page, items[0], "page", "report.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
	assertStatus(t, res, http.StatusUnsupportedMediaType)
	assertContains(t, res.Body, "هذا النوع من الملفات غير مقبول")
	res = moh.uploadEvidenceForm("/en"+base+"/evidence", items[0], "page", "report.pdf", []byte("MZ\x90\x00program"))
	assertStatus(t, res, http.StatusUnsupportedMediaType)
	assertContains(t, res.Body, "This kind of file is not accepted")

	// Limits: per file (refused as it streams) and per institution in the round.
	admin := survey.Actor{Role: survey.RoleAdmin}
	if err := st.SetEvidenceLimits(ctx, admin, survey.EvidenceLimits{FileBytes: 1 << 20, RoundBytes: 1<<20 + 512<<10}); err != nil {
		t.Fatal(err)
	}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 1<<20)...)
	res = moh.uploadEvidenceForm(page, items[0], "big", "big.pdf", big)
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "أكبر من 1 ميغابايت")
	assertStatus(t, moh.uploadEvidenceForm(page, items[0], "half", "half.pdf", big[:900<<10]), http.StatusSeeOther)
	res = moh.uploadEvidenceForm(page, items[0], "another half", "half2.pdf", append([]byte("%PDF-1.4\n1"), big[10:900<<10]...))
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "ستتجاوز ملفات المؤسسة")

	// The reviewer sees the files beside the answers.
	adm := newClient(t, ts)
	adm.signIn("ar", "admin@example.ps", survey.DemoPassword)
	res = adm.get(fmt.Sprintf("/ar/admin/rounds/%d/responses/MOH", round))
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, "قرار اعتماد الخطة", download)

	// The offline sheet lists the files on its second sheet.
	res = moh.get("/ar" + base + "/xlsx")
	assertStatus(t, res, http.StatusOK)
	book, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows("evidence")
	if err != nil || len(rows) != 4 || rows[1][0] != items[0] || rows[1][1] != "قرار اعتماد الخطة" || rows[1][5] != links[0].File.SHA256 {
		t.Errorf("the offline sheet's evidence list: %q (%v); want the header and three files", rows, err)
	}

	// Detaching: the link goes; the file too once nothing refers to it.
	links, _ = st.ResponseEvidence(ctx, resp.ID)
	res = moh.post(fmt.Sprintf("%s/%d/delete", page, links[0].ID), url.Values{}, page)
	assertStatus(t, res, http.StatusSeeOther)
	if after, _ := st.ResponseEvidence(ctx, resp.ID); len(after) != len(links)-1 {
		t.Errorf("%d attachments after detaching one of %d", len(after), len(links))
	}

	// A backup, restored, serves the files. On PostgreSQL, pg_dump is the
	// backup: the files go with the rest in `marsad copy` to a SQLite file.
	dest := filepath.Join(t.TempDir(), "backup.db")
	var restoredStore *sqlstore.Store
	if st.Postgres() {
		restoredStore = openTestStore(t, dest)
		if _, err := sqlstore.Copy(ctx, st, restoredStore, nil); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := st.Backup(ctx, dest); err != nil {
			t.Fatal(err)
		}
		restoredStore = openTestStore(t, dest)
	}
	restored := httptest.NewServer(newServerOn(t, restoredStore))
	t.Cleanup(restored.Close)
	rc := newClient(t, restored)
	rc.signIn("ar", "moh@example.ps", survey.DemoPassword)
	last := links[len(links)-1]
	res = rc.get(fmt.Sprintf("%s/%d", page, last.ID))
	assertStatus(t, res, http.StatusOK)
	if len(res.Body) != int(last.File.Size) || res.Header.Get("Content-Disposition") == "" {
		t.Errorf("restored download: %d bytes, want %d", len(res.Body), last.File.Size)
	}
}

// uploadFile posts a file and a title to action as a page's multipart form
// does, with page's CSRF token.
func (c *client) uploadFile(page, action, title, name string, body []byte) response {
	c.t.Helper()
	token := c.csrf(page)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("csrf_token", token)
	_ = w.WriteField("title", title)
	f, _ := w.CreateFormFile("file", name)
	_, _ = f.Write(body)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+action, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

var initiativeFileRe = regexp.MustCompile(`href="(/ar/(?:initiatives|stories)/\d+/evidence/\d+)" download`)

// TestInitiativeEvidenceThroughRouter: the institution's respondent
// attaches files to an initiative and a success story from their pages;
// a public story's files are downloaded by anyone, every other
// initiative's files by the institution's users and the coordinator
// only, always with the download headers; the round's total counts them
// with the answers' files; a respondent's file on an approved story sends
// it back for review.
func TestInitiativeEvidenceThroughRouter(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx := context.Background()

	// A MOH initiative that is not a story, and a public success story
	// of MOH or MOI (own is the story's institution's respondent).
	list, err := st.ListInitiatives(ctx, survey.InitiativeFilter{Institution: "MOH"})
	if err != nil {
		t.Fatal(err)
	}
	var plain survey.Initiative
	for _, in := range list {
		if !in.Story {
			plain = in
			break
		}
	}
	stories, err := st.PublicStories(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var story survey.Initiative
	for _, in := range stories {
		if in.InstitutionCode == "MOH" || in.InstitutionCode == "MOI" {
			story = in
			break
		}
	}
	if plain.ID == 0 || story.ID == 0 {
		t.Fatalf("demo data: plain initiative %d, public MOH/MOI story %d", plain.ID, story.ID)
	}
	emails := map[string]string{"MOH": "moh@example.ps", "MOI": "moi@example.ps"}
	other := map[string]string{"MOH": "moi@example.ps", "MOI": "moh@example.ps"}
	signed := func(email string) *client {
		c := newClient(t, ts)
		if email != "" {
			c.signIn("ar", email, survey.DemoPassword)
		}
		return c
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	plainPage := fmt.Sprintf("/ar/initiatives/%d", plain.ID)

	// The respondent attaches a PDF: listed on the initiative's page.
	moh := signed("moh@example.ps")
	res := moh.uploadFile(plainPage, plainPage+"/evidence", "تقرير إنجاز المبادرة", "report.pdf", pdf)
	assertStatus(t, res, http.StatusSeeOther)
	res = moh.get(plainPage)
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, "تقرير إنجاز المبادرة", "report.pdf")
	m := initiativeFileRe.FindStringSubmatch(res.Body)
	if m == nil || !strings.HasPrefix(m[1], plainPage+"/evidence/") {
		t.Fatalf("no download link on the initiative's page: %q", m)
	}
	plainFile := m[1]
	fileID := plainFile[strings.LastIndex(plainFile, "/")+1:]
	plainPublic := fmt.Sprintf("/ar/stories/%d/evidence/%s", plain.ID, fileID)

	// The coordinator attaches a file to the approved story: it stays
	// approved, and public.
	storyPage := fmt.Sprintf("/ar/initiatives/%d", story.ID)
	admin := signed("admin@example.ps")
	res = admin.uploadFile(storyPage, storyPage+"/evidence", "صور من الإطلاق", "launch.pdf", append(pdf, "story"...))
	assertStatus(t, res, http.StatusSeeOther)
	links, err := st.InitiativeEvidence(ctx, story.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("story files %v, %v", links, err)
	}
	storyPublic := fmt.Sprintf("/ar/stories/%d/evidence/%d", story.ID, links[0].ID)
	storyPrivate := fmt.Sprintf("/ar/initiatives/%d/evidence/%d", story.ID, links[0].ID)
	res = signed("").get(fmt.Sprintf("/ar/stories/%d", story.ID))
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, "صور من الإطلاق", `href="`+storyPublic+`" download`)

	// The permission matrix: anonymous, the other institution's
	// respondent, the own one, a viewer, the coordinator.
	type who struct{ name, email string }
	roles := func(code string) []who {
		return []who{{"anonymous", ""}, {"other respondent", other[code]}, {"own respondent", emails[code]},
			{"viewer", "viewer@example.ps"}, {"coordinator", "admin@example.ps"}}
	}
	clients := map[string]*client{}
	for _, code := range []string{"MOH", "MOI"} {
		for _, w := range roles(code) {
			if clients[w.email] == nil {
				clients[w.email] = signed(w.email)
			}
		}
	}
	const login = http.StatusSeeOther
	for _, row := range []struct {
		label, path, code string
		body              []byte
		want              [5]int // anonymous, other, own, viewer, coordinator
	}{
		{"a plain initiative's file", plainFile, "MOH", pdf, [5]int{login, 403, 200, 403, 200}},
		{"a plain initiative's file by the story route", plainPublic, "MOH", pdf, [5]int{404, 404, 404, 404, 404}},
		{"a public story's file", storyPublic, story.InstitutionCode, append(pdf, "story"...), [5]int{200, 200, 200, 200, 200}},
		{"a public story's file by the initiative route", storyPrivate, story.InstitutionCode, append(pdf, "story"...), [5]int{login, 403, 200, 403, 200}},
	} {
		for i, w := range roles(row.code) {
			res := clients[w.email].get(row.path)
			if res.Status != row.want[i] {
				t.Errorf("%s, %s: %d, want %d", row.label, w.name, res.Status, row.want[i])
				continue
			}
			if res.Status != http.StatusOK {
				if strings.Contains(res.Body, "%PDF") {
					t.Errorf("%s, %s: refused, yet the file was sent", row.label, w.name)
				}
				continue
			}
			if res.Body != string(row.body) {
				t.Errorf("%s, %s: got %q", row.label, w.name, res.Body)
			}
			for h, want := range map[string]string{
				"Content-Disposition":     "attachment; filename=",
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "sandbox; default-src 'none'",
				"Content-Type":            "application/pdf",
			} {
				if got := res.Header.Get(h); !strings.HasPrefix(got, want) {
					t.Errorf("%s, %s: %s %q, want %q", row.label, w.name, h, got, want)
				}
			}
		}
	}

	// Another institution may not attach to MOH's initiative (refused
	// before the body is read), nor a viewer.
	assertStatus(t, clients["moi@example.ps"].uploadFile("/ar/initiatives", plainPage+"/evidence", "x", "x.pdf", pdf), http.StatusForbidden)
	assertStatus(t, clients["viewer@example.ps"].uploadFile("/ar/initiatives", plainPage+"/evidence", "x", "x.pdf", pdf), http.StatusForbidden)

	// A refused type, whatever its name: the Arabic message on the page.
	res = moh.uploadFile(plainPage, plainPage+"/evidence", "صفحة", "page.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
	assertStatus(t, res, http.StatusUnsupportedMediaType)
	assertContains(t, res.Body, "هذا النوع من الملفات غير مقبول", "تقرير إنجاز المبادرة")

	// The round's total counts answers' and initiatives' files together.
	if err := st.SetEvidenceLimits(ctx, survey.Actor{Role: survey.RoleAdmin}, survey.EvidenceLimits{FileBytes: 1 << 20, RoundBytes: 1<<20 + 512<<10}); err != nil {
		t.Fatal(err)
	}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("1"), 900<<10)...)
	round := openRoundID(t, st)
	r, err := st.Round(ctx, round)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	evPage := fmt.Sprintf("/ar/rounds/%d/responses/MOH/evidence", round)
	assertStatus(t, moh.uploadFile(plainPage, plainPage+"/evidence", "ملف كبير", "big.pdf", big), http.StatusSeeOther)
	res = moh.uploadEvidenceForm(evPage, q.Def.Items[0].ID, "ملف كبير آخر", "big2.pdf", append(big, '2'))
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "ستتجاوز ملفات المؤسسة في هذه الجولة")
	res = moh.uploadFile(plainPage, plainPage+"/evidence", "ملف كبير آخر", "big2.pdf", append(big, '2'))
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "ستتجاوز ملفات المؤسسة في الجولة المفتوحة الآن")
	// The same file on an answer is counted once.
	assertStatus(t, moh.uploadEvidenceForm(evPage, q.Def.Items[0].ID, "الملف نفسه", "big.pdf", big), http.StatusSeeOther)

	// A respondent's file on the approved story sends it back for review:
	// its files are no longer public.
	ownStory := clients[emails[story.InstitutionCode]]
	assertStatus(t, ownStory.uploadFile(storyPage, storyPage+"/evidence", "ملف جديد", "new.txt", []byte("نص جديد")), http.StatusSeeOther)
	if in, _ := st.Initiative(ctx, story.ID); in.StoryStatus != survey.StoryPending {
		t.Errorf("story after the respondent's file: %q, want pending", in.StoryStatus)
	}
	assertStatus(t, clients[""].get(storyPublic), http.StatusNotFound)
	assertStatus(t, clients[emails[story.InstitutionCode]].get(storyPrivate), http.StatusOK)
	// The coordinator reviewing stories sees its files.
	res = admin.get("/ar/admin/stories")
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, "صور من الإطلاق", "ملف جديد", `href="`+storyPrivate+`" download`)

	// Removing: the link goes.
	res = moh.post(plainFile+"/delete", url.Values{}, plainPage)
	assertStatus(t, res, http.StatusSeeOther)
	assertStatus(t, moh.get(plainFile), http.StatusNotFound)
	assertStatus(t, clients["moi@example.ps"].post(storyPrivate+"/delete", url.Values{}, "/ar/initiatives"), http.StatusForbidden)

	// Attach and detach are in the audit log.
	var actions []string
	err = st.EachAuditEventMatching(ctx, survey.AuditFilter{Entity: "evidence"}, func(e survey.AuditEvent) error {
		if strings.HasPrefix(e.EntityKey, "initiative/") {
			actions = append(actions, e.Action+" "+e.EntityKey)
		}
		return nil
	})
	key := fmt.Sprintf("initiative/MOH/%d", plain.ID)
	if err != nil || !slices.Contains(actions, "attach "+key) || !slices.Contains(actions, "detach "+key) {
		t.Errorf("audit of initiative files: %q (%v)", actions, err)
	}
}

// TestEvidenceSettingsPage: the coordinator changes the two limits on a
// form with bounded, whole numbers; the store keeps them (audited) and
// the next upload obeys them; nobody else may.
func TestEvidenceSettingsPage(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	const page = "/ar/admin/evidence"

	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	res := admin.get(page)
	assertStatus(t, res, http.StatusOK)
	assertContains(t, res.Body, `name="file_mb"`, `value="10"`, `value="100"`)

	for _, bad := range []struct{ file, round, msg string }{
		{"0", "100", "من 1 إلى 50"},
		{"51", "100", "من 1 إلى 50"},
		{"2.5", "100", "من 1 إلى 50"},
		{"10", "99999", "من 1 إلى 10240"},
		{"20", "10", "لا يمكن أن يقل هذا المجموع"},
	} {
		res := admin.post(page, url.Values{"file_mb": {bad.file}, "round_mb": {bad.round}}, page)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, bad.msg) || !strings.Contains(res.Body, `value="`+bad.round+`"`) {
			t.Errorf("%s MB / %s MB: %d; want 422 with %q and the typed value", bad.file, bad.round, res.Status, bad.msg)
		}
	}
	res = admin.post("/en/admin/evidence", url.Values{"file_mb": {"0"}, "round_mb": {"5"}}, "/en/admin/evidence")
	assertStatus(t, res, http.StatusUnprocessableEntity)
	assertContains(t, res.Body, "Enter a whole number of megabytes from 1 to 50.")
	if l, _ := st.EvidenceLimits(ctx); l.FileBytes != survey.DefaultEvidenceFileBytes {
		t.Fatalf("a refused form changed the limits: %+v", l)
	}

	// Without the form's token: refused.
	assertStatus(t, admin.post(page, url.Values{"file_mb": {"2"}, "round_mb": {"3"}, "csrf_token": {"x"}}, ""), http.StatusForbidden)

	// Arabic-Indic digits are whole numbers too.
	res = admin.post(page, url.Values{"file_mb": {"٢"}, "round_mb": {"3"}}, page)
	assertStatus(t, res, http.StatusSeeOther)
	if l, err := st.EvidenceLimits(ctx); err != nil || l.FileBytes != 2<<20 || l.RoundBytes != 3<<20 {
		t.Fatalf("limits after saving: %+v, %v", l, err)
	}
	assertContains(t, admin.get(page+"?saved=1").Body, "حُفظت الحدود", `value="2"`, `value="3"`)
	var audited bool
	_ = st.EachAuditEventMatching(ctx, survey.AuditFilter{Entity: "settings"}, func(e survey.AuditEvent) error {
		audited = audited || e.EntityKey == "evidence_limits"
		return nil
	})
	if !audited {
		t.Error("the change of the limits is not in the audit log")
	}

	// The next upload obeys the new limit.
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	round := openRoundID(t, st)
	r, _ := st.Round(ctx, round)
	q, _ := st.Questionnaire(ctx, r.QuestionnaireID)
	evPage := fmt.Sprintf("/ar/rounds/%d/responses/MOH/evidence", round)
	res = moh.uploadEvidenceForm(evPage, q.Def.Items[0].ID, "", "big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 2<<20)...))
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "أكبر من 2 ميغابايت")

	// Respondents and viewers may not.
	for _, email := range []string{"moh@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("ar", email, survey.DemoPassword)
		assertStatus(t, c.get(page), http.StatusForbidden)
		assertStatus(t, c.post(page, url.Values{"file_mb": {"50"}, "round_mb": {"10000"}}, "/ar/"), http.StatusForbidden)
	}
}

// TestInitiativeEvidenceFullSize: a file just under the default 10 MB
// limit is taken on an initiative, though the form around it passes the
// 10 MB every other form may send: the upload route has the evidence
// body limit.
func TestInitiativeEvidenceFullSize(t *testing.T) {
	heavyUploads(t)
	ts, st := startServer(t)
	list, err := st.ListInitiatives(context.Background(), survey.InitiativeFilter{Institution: "MOH"})
	if err != nil || len(list) == 0 {
		t.Fatalf("MOH initiatives: %v", err)
	}
	page := fmt.Sprintf("/ar/initiatives/%d", list[0].ID)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	body := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), survey.DefaultEvidenceFileBytes-100)...)
	assertStatus(t, moh.uploadFile(page, page+"/evidence", "ملف كبير", "big.pdf", body), http.StatusSeeOther)
	res := moh.uploadFile(page, page+"/evidence", "أكبر", "bigger.pdf", append(body, bytes.Repeat([]byte("0"), 200)...))
	assertStatus(t, res, http.StatusRequestEntityTooLarge)
	assertContains(t, res.Body, "حجم الملف أكبر من 10 ميغابايت")
}
