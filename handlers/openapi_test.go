package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"marsad/docs"
	"marsad/survey"
)

// The OpenAPI document (docs/openapi.yaml) is checked three ways: it is a
// valid OpenAPI 3.1 document; it names exactly the router's /api/v1 routes;
// and every /api/v1 exchange of every test that uses newServerOn is
// validated against it (openAPITap), so the router tests double as tests of
// the document.

// openAPIChecker is the document loaded once for every test, with its router.
var openAPIChecker = sync.OnceValues(func() (*apiChecker, error) {
	// A CSV body is checked as the text it is (the schema says a string);
	// the library's CSV decoder would parse it into records instead.
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	doc, err := loadOpenAPIDocument(docs.OpenAPI)
	if err != nil {
		return nil, err
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiChecker{doc: doc, router: router}, nil
})

// apiChecker validates API exchanges against a document.
type apiChecker struct {
	doc    *openapi3.T
	router routers.Router
}

func loadOpenAPIDocument(src []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(src)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return doc, nil
}

// check validates one exchange: the response always (its status must be
// documented, its body must match the schema of its status and type), the
// request only when the server accepted it (2xx): tests send bad requests
// on purpose, and those must be refused, not documented. Requests the
// document has no operation for (unknown paths, 405s) are for the routing
// tests, not for this one: check answers nil.
func (ck *apiChecker) check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := ck.router.FindRoute(r)
	if err != nil {
		return nil
	}
	auth := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: auth}
	if status >= 200 && status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	return nil
}

// openAPITap is newServerOn's wrapper of the router: it records every
// /api/v1 request and answer and fails t when they disagree with the
// document.
func openAPITap(t testing.TB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
				next.ServeHTTP(w, r)
				return
			}
			var reqBody bytes.Buffer
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &reqBody), r.Body}
			rec := &tapWriter{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			ck, err := openAPIChecker()
			if err != nil {
				t.Errorf("OpenAPI document: %v", err)
				return
			}
			if err := ck.check(r, reqBody.Bytes(), rec.status(), w.Header(), rec.body.Bytes()); err != nil {
				t.Errorf("OpenAPI: %s %s answered %d, not as docs/openapi.yaml says: %v\nbody: %.400s", r.Method, r.URL, rec.status(), err, rec.body.String())
			}
		})
	}
}

// tapWriter passes an answer through and keeps a copy.
type tapWriter struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (w *tapWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tapWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *tapWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection (upload
// deadlines) and Flush (streamed CSV) through the tap.
func (w *tapWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *tapWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	ck, err := openAPIChecker()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if ck.doc.OpenAPI != "3.1.0" || !ck.doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1.0", ck.doc.OpenAPI)
	}
	ids := map[string]string{}
	for path, item := range ck.doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: wants an operationId, a summary and a tag", where)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q on %s and %s", op.OperationID, other, where)
			}
			ids[op.OperationID] = where
			if op.Responses == nil || op.Responses.Default() == nil {
				t.Errorf("%s: wants a default (error) answer", where)
			}
		}
	}
	// What the server serves is the same document.
	served, err := loadOpenAPIDocument(openAPIDoc.JSON)
	if err != nil {
		t.Fatalf("/api/v1/openapi.json: %v", err)
	}
	if len(served.Paths.Map()) != len(ck.doc.Paths.Map()) || len(served.Components.Schemas) != len(ck.doc.Components.Schemas) {
		t.Errorf("the JSON served has %d paths and %d schemas, the YAML %d and %d", len(served.Paths.Map()),
			len(served.Components.Schemas), len(ck.doc.Paths.Map()), len(ck.doc.Components.Schemas))
	}
}

// openAPIRouteDrift compares the router's /api/v1 routes ("GET /api/v1/x/:id")
// with the document's operations: routes it lacks, and operations no route
// answers.
func openAPIRouteDrift(routes []string, doc *openapi3.T) (missing, extra []string) {
	inRouter := map[string]bool{}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		inRouter[method+" "+strings.Join(parts, "/")] = true
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[strings.ToUpper(method)+" "+path] = true
		}
	}
	for k := range inRouter {
		if !inDoc[k] {
			missing = append(missing, k)
		}
	}
	for k := range inDoc {
		if !inRouter[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	ck, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newTestServer(t)
	var routes []string
	for _, r := range srv.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	missing, extra := openAPIRouteDrift(routes, ck.doc)
	for _, m := range missing {
		t.Errorf("route %s is not in docs/openapi.yaml", m)
	}
	for _, e := range extra {
		t.Errorf("docs/openapi.yaml names %s, which the router does not have", e)
	}
	if n := len(routes); n < 50 {
		t.Fatalf("only %d routes: the route table was not read", n)
	}
	// The comparison itself can fail: a route added to the router, or an
	// operation left in the document, is reported.
	missing, extra = openAPIRouteDrift(append(routes, "GET /api/v1/rounds/:id/secret"), ck.doc)
	if !slices.Equal(missing, []string{"GET /api/v1/rounds/{id}/secret"}) || len(extra) != 0 {
		t.Errorf("an undocumented route: missing %v, extra %v", missing, extra)
	}
	missing, extra = openAPIRouteDrift(slices.DeleteFunc(slices.Clone(routes), func(r string) bool { return r == "GET /api/v1/me" }), ck.doc)
	if len(missing) != 0 || !slices.Equal(extra, []string{"GET /api/v1/me"}) {
		t.Errorf("a route gone from the router: missing %v, extra %v", missing, extra)
	}
}

// TestOpenAPICheckCatches shows the exchange check failing on an answer
// that has a field the document does not name, a field of the wrong type,
// an undocumented status and a request body the document refuses.
func TestOpenAPICheckCatches(t *testing.T) {
	ck, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	me := `{"id":1,"email":"a@example.ps","name":"A","role":"admin","active":true,"created_at":"2026-01-01T00:00:00Z"}`
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	get := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	if err := ck.check(get, nil, http.StatusOK, jsonHeader, []byte(me)); err != nil {
		t.Fatalf("a right answer was refused: %v", err)
	}
	for name, body := range map[string]string{
		"undocumented field": strings.Replace(me, `"active"`, `"activ"`, 1),
		"wrong type":         strings.Replace(me, `"id":1`, `"id":"1"`, 1),
		"missing field":      strings.Replace(me, `"email":"a@example.ps",`, ``, 1),
		"bad role":           strings.Replace(me, `"admin"`, `"boss"`, 1),
	} {
		if err := ck.check(get, nil, http.StatusOK, jsonHeader, []byte(body)); err == nil {
			t.Errorf("%s: not caught", name)
		}
	}
	if err := ck.check(get, nil, http.StatusTeapot, http.Header{"Content-Type": {"text/plain"}}, []byte("tea")); err == nil {
		t.Error("an undocumented status and type: not caught")
	}
	put := httptest.NewRequest(http.MethodPut, "/api/v1/services/1", nil)
	put.Header.Set("Content-Type", "application/json")
	if err := ck.check(put, []byte(`{"stage":"four"}`), http.StatusOK, jsonHeader, []byte(`{}`)); err == nil ||
		!strings.Contains(err.Error(), "request") {
		t.Errorf("a request body of the wrong type, accepted: %v", err)
	}
}

// TestOpenAPIServed covers the two routes: the JSON document (public,
// cacheable, revalidated by ETag) and the reference page in both languages.
func TestOpenAPIServed(t *testing.T) {
	srv, _ := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	res := c.get("/api/v1/openapi.json")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %v, openapi %v", err, doc["openapi"])
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "public") || strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := res.Header.Get("ETag")
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	if again := c.do(req); etag == "" || again.Status != http.StatusNotModified || again.Body != "" {
		t.Errorf("revalidation with ETag %q: %d", etag, again.Status)
	}
	for _, lang := range []string{"ar", "en"} {
		page := c.get("/" + lang + "/api")
		if page.Status != http.StatusOK {
			t.Fatalf("/%s/api: %d", lang, page.Status)
		}
		for _, want := range []string{`href="/api/v1/openapi.json"`, `id="getScorecard"`, "/<wbr>rounds/<wbr>{id}/<wbr>institutions/<wbr>{code}/<wbr>scorecard",
			srv.locales[lang].T("apiref.tag.scores"), srv.locales[lang].T("apiref.heading")} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("/%s/api lacks %q", lang, want)
			}
		}
	}
	// An error answer of a public operation, checked by the tap like any
	// other: signing out with the page's cookie but without its CSRF token.
	c.signIn("en", "viewer@example.ps", survey.DemoPassword)
	out, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/logout", nil)
	if res := c.do(out); res.Status != http.StatusForbidden || !strings.Contains(res.Body, `"code":"csrf"`) {
		t.Errorf("cookie logout without the CSRF token: %d %s", res.Status, res.Body)
	}
	// Every operation of the document is on the page.
	page := c.get("/en/api")
	n := 0
	for _, tag := range openAPIDoc.Tags {
		for _, op := range tag.Ops {
			n++
			if !strings.Contains(page.Body, `id="`+op.ID+`"`) {
				t.Errorf("the page lacks %s %s", op.Method, op.Path)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d operations listed", n)
	}
}
