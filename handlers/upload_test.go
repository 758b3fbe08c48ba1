package handlers

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"marsad/reports"
	"marsad/reports/hostile"
	"marsad/survey"
)

// countingBody counts what the application reads of a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// multipartBody is an upload form: the CSRF token and a file.
func multipartBody(csrf, name string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestUploadsCheckBeforeReading: an upload that the caller may not make —
// anonymous, the wrong role, another institution, a round or response that
// takes no changes — is refused without a byte of its body read, and
// stores nothing. The same upload by someone allowed is read (so the
// counter counts).
func TestUploadsCheckBeforeReading(t *testing.T) {
	heavyUploads(t)
	srv, st := newTestServer(t)
	var read atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countingBody{r.Body, &read}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	anon, viewer, moh, moi, admin := newClient(t, ts), newClient(t, ts), newClient(t, ts), newClient(t, ts), newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	moi.signIn("ar", "moi@example.ps", survey.DemoPassword)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	open, published := strconv.FormatInt(openRoundID(t, st), 10), roundIDByName(t, st, "2025")
	adminTok, mohTok := apiToken(t, ts, "admin@example.ps"), apiToken(t, ts, "moh@example.ps")
	file := hostile.SharedStringBomb(nil, 1<<20, 100, 10)

	type upload struct {
		name   string
		c      *client
		token  string // API
		path   string
		status int
	}
	offline := "/ar/rounds/" + open + "/responses/MOH/xlsx"
	cases := []upload{
		{"anonymous, offline sheet", anon, "", offline, http.StatusSeeOther},
		{"viewer, offline sheet", viewer, "", offline, http.StatusForbidden},
		{"another institution's respondent, offline sheet", moi, "", offline, http.StatusForbidden},
		{"a published round, offline sheet", moh, "", "/ar/rounds/" + published + "/responses/MOH/xlsx", http.StatusConflict},
		{"a submitted response, offline sheet", admin, "", "/ar/rounds/" + open + "/responses/MOE/xlsx", http.StatusConflict},
		{"anonymous, services import", anon, "", "/ar/admin/services/import", http.StatusSeeOther},
		{"respondent, services import", moh, "", "/en/admin/services/import", http.StatusForbidden},
		{"respondent, institutions import", moh, "", "/ar/admin/institutions/import", http.StatusForbidden},
		{"viewer, questionnaire upload", viewer, "", "/ar/admin/questionnaires", http.StatusForbidden},
		{"respondent, answers import", moh, "", "/ar/admin/rounds/" + open + "/answers", http.StatusForbidden},
		{"a published round, answers import", admin, "", "/ar/admin/rounds/" + published + "/answers", http.StatusConflict},
		{"API anonymous, answers import", nil, "", "/api/v1/rounds/" + open + "/answers/import", http.StatusUnauthorized},
		{"API respondent, answers import", nil, mohTok, "/api/v1/rounds/" + open + "/answers/import", http.StatusForbidden},
		{"API a published round, answers import", nil, adminTok, "/api/v1/rounds/" + published + "/answers/import", http.StatusConflict},
	}
	send := func(u upload) response {
		var req *http.Request
		if u.c == nil {
			req, _ = http.NewRequest(http.MethodPost, ts.URL+u.path, bytes.NewReader(file))
			req.Header.Set("Content-Type", "text/csv")
			if u.token != "" {
				req.Header.Set("Authorization", "Bearer "+u.token)
			}
			return newClient(t, ts).do(req)
		}
		csrf := "x"
		if u.c != anon {
			csrf = u.c.csrf("/ar/")
		}
		body, ctype := multipartBody(csrf, "f.xlsx", file)
		req, _ = http.NewRequest(http.MethodPost, ts.URL+u.path, body)
		req.Header.Set("Content-Type", ctype)
		return u.c.do(req)
	}
	for _, u := range cases {
		t.Run(u.name, func(t *testing.T) {
			before := checksum(t, st)
			read.Store(0)
			r := send(u)
			if r.Status != u.status {
				t.Fatalf("status %d, want %d\n%.300s", r.Status, u.status, r.Body)
			}
			if n := read.Load(); n != 0 {
				t.Errorf("%d bytes of the body were read before the refusal", n)
			}
			if checksum(t, st) != before {
				t.Error("the database changed")
			}
		})
	}
	// Allowed, the same upload is read — and refused for what it holds.
	for _, u := range []upload{
		{"respondent, own offline sheet", moh, "", offline, http.StatusUnprocessableEntity},
		{"coordinator, services import", admin, "", "/ar/admin/services/import", http.StatusUnprocessableEntity},
		{"coordinator, API answers import", nil, adminTok, "/api/v1/rounds/" + open + "/answers/import", http.StatusUnprocessableEntity},
	} {
		t.Run(u.name, func(t *testing.T) {
			read.Store(0)
			if r := send(u); r.Status != u.status {
				t.Fatalf("status %d, want %d\n%.300s", r.Status, u.status, r.Body)
			}
			if read.Load() == 0 {
				t.Error("the body was not read: the counter proves nothing")
			}
		})
	}
	// An upload without its CSRF token, by someone allowed: read, then 403.
	body, ctype := multipartBody("", "f.xlsx", file)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+offline, body)
	req.Header.Set("Content-Type", ctype)
	assertStatus(t, moh.do(req), http.StatusForbidden)
}

// TestConcurrentHostileUploads: 20 hostile workbooks at once through the
// real router — a multi-MB shared string in every cell, 100,000 rows of 50
// columns, a zip bomb — each get their 4xx, nothing is stored, the Go heap
// stays far below what reading them whole would take, and a page asked
// meanwhile answers. (bench --only uploads measures the real binary's
// resident memory and latency under the same attack.)
func TestConcurrentHostileUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-row workbook")
	}
	ts, st := startServer(t)
	admin, moh := newClient(t, ts), newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	open := strconv.FormatInt(openRoundID(t, st), 10)
	adminCSRF, mohCSRF := admin.csrf("/ar/admin/services"), moh.csrf("/ar/rounds/"+open+"/responses/MOH")
	files := [][]byte{
		hostile.SharedStringBomb(survey.ServiceColumns, 4<<20, 1000, 50),
		hostile.Tall(survey.ServiceColumns, 100000, 50),
		hostile.ZipBomb(200),
		hostile.SharedStringBomb(reports.ResponseColumns, survey.MaxCellChars, 2000, 9),
	}
	targets := []struct {
		c          *client
		csrf, path string
	}{
		{admin, adminCSRF, "/ar/admin/services/import"},
		{moh, mohCSRF, "/ar/rounds/" + open + "/responses/MOH/xlsx"},
		{admin, adminCSRF, "/ar/admin/questionnaires"},
	}
	before := checksum(t, st)

	var peak atomic.Uint64
	stop := make(chan struct{})
	var sampled sync.WaitGroup
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg := targets[i%len(targets)]
			body, ctype := multipartBody(tg.csrf, "h.xlsx", files[i%len(files)])
			req, _ := http.NewRequest(http.MethodPost, ts.URL+tg.path, body)
			req.Header.Set("Content-Type", ctype)
			res, err := tg.c.http.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	// A page while the uploads are read.
	start := time.Now()
	page := newClient(t, ts).get("/ar/catalog")
	pageTime := time.Since(start)
	wg.Wait()
	close(stop)
	sampled.Wait()
	for i, s := range statuses {
		if s < 400 || s >= 500 {
			t.Errorf("upload %d: status %d, want a 4xx", i, s)
		}
	}
	if page.Status != http.StatusOK {
		t.Errorf("a page during the uploads: status %d", page.Status)
	}
	if checksum(t, st) != before {
		t.Error("the database changed")
	}
	t.Logf("peak Go heap %d MiB; a page meanwhile %s", peak.Load()>>20, pageTime.Round(time.Millisecond))
	// Read whole, the first file alone would be 50,000 copies of 4 MiB.
	if p := peak.Load(); p > 200<<20 {
		t.Errorf("the Go heap reached %d MiB", p>>20)
	}
	if strings.Contains(page.Body, "⟦") {
		t.Error("untranslated page")
	}
}

// TestUploadFormBounds: an upload form's fields are small and few; a
// field of megabytes or a form of many parts is refused (400) while it
// streams, and a file under another name is no file.
func TestUploadFormBounds(t *testing.T) {
	heavyUploads(t)
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	csrf := admin.csrf("/ar/admin/institutions/import")
	form := func(fill func(*multipart.Writer)) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf_token", csrf)
		fill(mw)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/ar/admin/institutions/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return admin.do(req)
	}
	before := checksum(t, st)
	assertStatus(t, form(func(mw *multipart.Writer) { _ = mw.WriteField("note", strings.Repeat("x", 3<<20)) }), http.StatusBadRequest)
	assertStatus(t, form(func(mw *multipart.Writer) {
		for i := range maxUploadFields {
			_ = mw.WriteField("f"+strconv.Itoa(i), "x")
		}
	}), http.StatusBadRequest)
	r := form(func(mw *multipart.Writer) {
		fw, _ := mw.CreateFormFile("other", "i.csv")
		_, _ = fw.Write([]byte("code,name_ar,name_en,kind,sector,region\nNEW1,مؤسسة,,ministry,health,national\n"))
	})
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "اختر ملفاً")
	if checksum(t, st) != before {
		t.Error("the database changed")
	}
}
