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
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
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

	// A backup, restored, serves the files.
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := st.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	restored := httptest.NewServer(newServerOn(t, openTestStore(t, dest)))
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
