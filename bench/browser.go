package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"marsad/survey"
)

// The respondent's path (issue 15): what a person does with a browser to
// complete a questionnaire, request by request. Each simulated respondent,
// signed in, opens their work page, then every section page of the
// response in turn, saves every answer it shows the way
// static/js/questionnaire.js does (one PUT per answer, with the page's CSRF
// token and the version the page gave, one at a time), submits through the
// form and follows the redirect to the submitted response. Static files are
// left out: a browser has them cached after the first page.
//
// The password check is left out too: a person signs in once a session
// (sessions last days), not once a response, and a check is bcrypt at
// cost 12, about 0.25 s of one CPU by design, which the sign-in throttle
// (survey/sqlstore/signin.go) paces to a quarter of the CPUs for addresses an
// account has not used before. bench --only signin measures sign-in.

// completedResponse is one response the server acknowledged as submitted,
// with every answer as the server acknowledged it (item index → answer).
type completedResponse struct {
	r    *respondent
	vals map[int]answerOut
}

var (
	csrfAttr    = regexp.MustCompile(`data-csrf="([^"]+)"`)
	versionAttr = regexp.MustCompile(`name="ver\.([^"]+)" value="(\d+)"`)
	sectionHref = regexp.MustCompile(`href="\?section=([^"]+)"`)
)

// browserSave is the body questionnaire.js sends for one answer.
type browserSave struct {
	Values   []string `json:"values"`
	NA       bool     `json:"na"`
	Evidence string   `json:"evidence"`
	Comment  string   `json:"comment"`
	Version  int64    `json:"version"`
}

// browser is one respondent's cookies and the requests it sent.
type browser struct {
	sr *surveyRun
	// page and api hold the last page and the last API answer (callInto).
	page, api bytes.Buffer
	jar       map[string]string
	st        *loopStats
	lang      string
}

func (b *browser) cookieHeader() string {
	parts := make([]string, 0, len(b.jar))
	for k, v := range b.jar {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

// do sends one request with the respondent's cookies, keeps the cookies it
// sets and times it.
func (b *browser) do(ctx context.Context, method, path string, hdr map[string]string, body []byte, into *bytes.Buffer) (int, []byte, *http.Response, error) {
	t0 := time.Now()
	h := map[string]string{"Cookie": b.cookieHeader()}
	for k, v := range hdr {
		h[k] = v
	}
	status, resp, r, err := b.sr.callInto(ctx, method, path, h, body, into)
	if err != nil {
		return 0, nil, nil, err
	}
	b.st.lat = append(b.st.lat, time.Since(t0))
	b.st.bytes += int64(len(resp))
	for _, c := range r.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	return status, resp, r, nil
}

// get reads a page and follows redirects, as a browser does.
func (b *browser) get(ctx context.Context, path string) ([]byte, error) {
	for hops := 0; hops < 5; hops++ {
		status, body, r, err := b.do(ctx, http.MethodGet, path, nil, nil, &b.page)
		if err != nil {
			return nil, err
		}
		switch {
		case status == http.StatusOK:
			return body, nil
		case status >= 300 && status < 400:
			path = r.Header.Get("Location")
		default:
			return nil, newStatusError(http.MethodGet, path, status, body)
		}
	}
	return nil, fmt.Errorf("GET %s: too many redirects", path)
}

// postForm posts a form and follows the 303 it must answer.
func (b *browser) postForm(ctx context.Context, path string, form url.Values) ([]byte, error) {
	status, body, r, err := b.do(ctx, http.MethodPost, path,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode()), &b.page)
	if err != nil {
		return nil, err
	}
	if status != http.StatusSeeOther {
		return nil, newStatusError(http.MethodPost, path, status, body)
	}
	return b.get(ctx, r.Header.Get("Location"))
}

// browserResponses has workerCount respondents each take institutions
// from resps and complete them as a browser does, until dur ends (the
// responses under way are finished) or no institution is left.
func (sr *surveyRun) browserResponses(ctx context.Context, roundID int64, def *survey.Definition, resps []*respondent,
	workerCount int, dur time.Duration) (scenarioJSON, []completedResponse, error) {
	// The respondents' own client asks for gzip itself and expands answers
	// with klauspost/compress, as fast as the server compresses them:
	// net/http's transparent gzip was a quarter of this tool's CPU, taken
	// from the two cores the server shares (callInto).
	if tr, ok := sr.client.Transport.(*http.Transport); ok {
		own := tr.Clone()
		own.DisableCompression = true
		defer own.CloseIdleConnections()
		client := *sr.client
		client.Transport = own
		sr = sr.withClient(&client, true)
	}
	sc, done, err := responseLoad(ctx, resps, workerCount, dur, func(r *respondent, st *loopStats) (map[int]answerOut, error) {
		b := &browser{sr: sr.to(r), jar: map[string]string{"marsad_session": r.session, "marsad_lang": "ar"}, st: st, lang: "ar"}
		return b.respond(ctx, roundID, def, r)
	})
	sc.Scenario = "respondent-path"
	sc.Latency = "client-side per request (work page, section pages, one PUT per answer, submit, redirects); response_* is one whole response"
	return sc, done, err
}

// respond is one respondent's whole visit.
func (b *browser) respond(ctx context.Context, roundID int64, def *survey.Definition, r *respondent) (map[int]answerOut, error) {
	if _, err := b.get(ctx, "/"+b.lang+"/work"); err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, it := range b.sr.items {
		index[it.id] = i
	}
	base := "/" + b.lang + "/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + r.code
	page, err := b.get(ctx, base)
	if err != nil {
		return nil, err
	}
	var sections []string
	for _, m := range sectionHref.FindAllSubmatch(page, -1) {
		sections = append(sections, html.UnescapeString(string(m[1])))
	}
	if len(sections) != len(def.Sections) {
		return nil, fmt.Errorf("GET %s: %d section links, the questionnaire has %d", base, len(sections), len(def.Sections))
	}
	csrf := ""
	answers := survey.AnswerSet{}
	vals := map[int]answerOut{}
	api := answerPath(roundID, r.code, "")
	for k, sec := range sections {
		if k > 0 { // the first section is the page already open
			if page, err = b.get(ctx, base+"?section="+url.QueryEscape(sec)); err != nil {
				return nil, err
			}
		}
		m := csrfAttr.FindSubmatch(page)
		if m == nil {
			return nil, fmt.Errorf("section %s: no data-csrf", sec)
		}
		csrf = html.UnescapeString(string(m[1]))
		versions := map[string]int64{}
		for _, m := range versionAttr.FindAllSubmatch(page, -1) {
			v, _ := strconv.ParseInt(string(m[2]), 10, 64)
			versions[html.UnescapeString(string(m[1]))] = v
		}
		for _, it := range def.SectionItems(sec) {
			i, ok := index[it.ID]
			if !ok || !answers.Visible(it) {
				continue
			}
			ver, ok := versions[it.ID]
			if !ok {
				return nil, fmt.Errorf("section %s: no version field for %s", sec, it.ID)
			}
			v := b.sr.items[i].vals[len(b.sr.items[i].vals)-1]
			body, _ := json.Marshal(browserSave{Values: []string{v}, Version: ver})
			p := api + url.PathEscape(it.ID)
			status, out, _, err := b.do(ctx, http.MethodPut, p, map[string]string{
				"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": b.lang}, body, &b.api)
			if err != nil {
				return nil, err
			}
			if status == http.StatusConflict {
				b.st.conflicts++ // nobody else writes this institution: there should be none
			}
			if status != http.StatusOK {
				return nil, newStatusError(http.MethodPut, p, status, out)
			}
			var a answerOut
			if err := json.Unmarshal(out, &a); err != nil {
				return nil, fmt.Errorf("PUT %s: %w", p, err)
			}
			vals[i] = a
			answers[it.ID] = survey.Answer{ItemID: it.ID, Values: a.Values, Version: a.Version}
		}
	}
	page, err = b.postForm(ctx, base+"/submit", url.Values{"csrf_token": {csrf}, "section": {sections[len(sections)-1]}})
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(page), "tag-resp-"+survey.ResponseSubmitted) {
		return nil, fmt.Errorf("POST %s/submit: the page after it does not show the response submitted", base)
	}
	return vals, nil
}
