package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"marsad/survey"
)

// BenchmarkRespondentPath is one questionnaire completed the way a browser
// completes it (issue 15; bench's respondent-path scenario over the
// network): the work page, every section page, one PUT per answer with the
// page's CSRF token and version, the submit form and the page it redirects
// to. Each iteration is another institution, so every response starts
// empty. It reports the process's CPU a response, steadier on a shared
// machine than the bench's wall-clock figures; -cpuprofile shows where it
// goes.
func BenchmarkRespondentPath(b *testing.B) {
	srv, st := newTestServer(b)
	srv.tap = nil // the API contract check is the tests' work, not the server's
	ctx := context.Background()
	rounds, err := st.OpenRounds(ctx)
	if err != nil || len(rounds) == 0 {
		b.Fatalf("open rounds: %v", err)
	}
	round := rounds[0]
	q, err := st.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		b.Fatal(err)
	}
	values := benchAnswerValues(q.Def)
	type respondent struct{ code, token string }
	people := make([]respondent, b.N)
	for i := range people {
		code := fmt.Sprintf("BR-%d", i)
		if _, err := st.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: code, NameAr: "مؤسسة " + code, NameEn: "Institution " + code,
			Kind: "agency", Sector: "services", Region: "national"}); err != nil {
			b.Fatal(err)
		}
		u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: strings.ToLower(code) + "@bench.ps", Role: survey.RoleRespondent,
			InstitutionCode: code, Password: "bench-password"})
		if err != nil {
			b.Fatal(err)
		}
		token, _, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
		if err != nil {
			b.Fatal(err)
		}
		people[i] = respondent{code, token}
	}
	// 20 respondents at once, as in bench's scenario: saves arriving
	// together share transactions (survey/sqlstore/batch.go), as they do
	// on a busy server.
	queue := make(chan respondent, len(people))
	for _, p := range people {
		queue <- p
	}
	close(queue)
	b.ResetTimer()
	cpu := processCPU()
	var wg sync.WaitGroup
	for range min(20, b.N) {
		wg.Go(func() {
			for r := range queue {
				p := pathBrowser{srv: srv, cookie: cookieSession + "=" + r.token + "; " + cookieLang + "=ar"}
				if err := p.respond(round.ID, q.Def, r.code, values); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/response")
}

// benchAnswerValues is a valid answer to every question a respondent
// answers with a value (bench/survey.go answerableItems does the same).
func benchAnswerValues(def *survey.Definition) map[string]string {
	out := map[string]string{}
	for _, it := range def.Items {
		switch it.Type {
		case survey.TypeSingle, survey.TypeMulti:
			if len(it.Options) > 0 {
				out[it.ID] = it.Options[len(it.Options)-1].Value
			}
		case survey.TypePercent:
			out[it.ID] = "50"
		case survey.TypeYesNo:
			out[it.ID] = "yes"
		case survey.TypeURL:
			out[it.ID] = "https://example.ps/e"
		case survey.TypeScale, survey.TypeNumber:
			lo := 0.0
			if it.Min != nil {
				lo = *it.Min
			}
			out[it.ID] = strconv.FormatFloat(lo, 'f', -1, 64)
		}
	}
	return out
}

var (
	benchCSRF    = regexp.MustCompile(`data-csrf="([^"]+)"`)
	benchSection = regexp.MustCompile(`href="\?section=([^"]+)"`)
)

// pathBrowser sends a respondent's requests to the router in process.
type pathBrowser struct {
	srv    http.Handler
	cookie string
}

func (p *pathBrowser) do(method, target, contentType, csrf string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("Cookie", p.cookie)
	req.Header.Set("Accept-Encoding", "gzip") // compressed, as a browser asks; the body is not read here
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	w := httptest.NewRecorder()
	p.srv.ServeHTTP(w, req)
	return w
}

// page reads a page, compressed as a browser gets it, and expands it
// (the benchmark reads its links and fields).
func (p *pathBrowser) page(target string) (string, error) {
	w := p.do(http.MethodGet, target, "", "", nil)
	if w.Code != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d", target, w.Code)
	}
	if w.Header().Get("Content-Encoding") != "gzip" {
		return w.Body.String(), nil
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(zr)
	return string(body), err
}

func (p *pathBrowser) respond(roundID int64, def *survey.Definition, code string, values map[string]string) error {
	if w := p.do(http.MethodGet, "/ar/work", "", "", nil); w.Code != http.StatusOK {
		return fmt.Errorf("work page: %d", w.Code)
	}
	base := "/ar/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code
	page, err := p.page(base)
	if err != nil {
		return err
	}
	var sections []string
	for _, m := range benchSection.FindAllStringSubmatch(page, -1) {
		sections = append(sections, html.UnescapeString(m[1]))
	}
	if len(sections) != len(def.Sections) {
		return fmt.Errorf("%d section links for %d sections", len(sections), len(def.Sections))
	}
	api := "/api/v1/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code + "/answers/"
	answers := survey.AnswerSet{}
	// The token of the first page serves every request (the pages mask
	// the same token), and every answer of a new response is at version 0:
	// the other pages are fetched compressed, as a browser gets them, and
	// not expanded, so that this client's own CPU stays small.
	m := benchCSRF.FindStringSubmatch(page)
	if m == nil {
		return errors.New("no data-csrf")
	}
	csrf := html.UnescapeString(m[1])
	if !strings.Contains(page, `name="ver.`) {
		return errors.New("no version fields")
	}
	for k, sec := range sections {
		if k > 0 {
			if w := p.do(http.MethodGet, base+"?section="+url.QueryEscape(sec), "", "", nil); w.Code != http.StatusOK {
				return fmt.Errorf("section %s: %d", sec, w.Code)
			}
		}
		for _, it := range def.SectionItems(sec) {
			v, ok := values[it.ID]
			if !ok || !answers.Visible(it) {
				continue
			}
			body := `{"values":[` + strconv.Quote(v) + `],"na":false,"evidence":"","comment":"","version":0}`
			w := p.do(http.MethodPut, api+url.PathEscape(it.ID), "application/json", csrf, []byte(body))
			if w.Code != http.StatusOK {
				return fmt.Errorf("PUT %s: %d %s", it.ID, w.Code, w.Body.String())
			}
			answers[it.ID] = survey.Answer{ItemID: it.ID, Values: []string{v}, Version: 1}
		}
	}
	form := url.Values{"csrf_token": {csrf}, "section": {sections[len(sections)-1]}}
	w := p.do(http.MethodPost, base+"/submit", "application/x-www-form-urlencoded", "", []byte(form.Encode()))
	if w.Code != http.StatusSeeOther {
		return fmt.Errorf("submit: %d %s", w.Code, w.Body.String())
	}
	if page, err = p.page(w.Header().Get("Location")); err != nil {
		return err
	}
	if !strings.Contains(page, "tag-resp-"+survey.ResponseSubmitted) {
		return fmt.Errorf("%s: the page after the submit does not show the response submitted", code)
	}
	return nil
}

// BenchmarkWorkPage is a respondent's work page (their landing page,
// opened once a visit), gzip-compressed as a browser asks.
func BenchmarkWorkPage(b *testing.B) {
	srv, st := newTestServer(b)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "w@moh.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		b.Fatal(err)
	}
	cpu := processCPU()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/ar/work", nil)
		req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
		req.Header.Set("Accept-Encoding", "gzip")
		w := &discardWriter{header: http.Header{}}
		srv.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
}
