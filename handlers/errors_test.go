package handlers

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestDomainErrorsTable: each domain error of the table, however wrapped,
// answers its status with its message — in the API as a code and a text,
// on a page as an error page in the page's language — and an error not in
// the table is a 500 that shows a reference and nothing of the error.
func TestDomainErrorsTable(t *testing.T) {
	s, _ := newTestServer(t)
	answer := func(path string, err error) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, path, nil)
		c.Set(keyLang, "en")
		s.failErr(c, fmt.Errorf("while testing: %w", err))
		return w
	}
	for _, e := range domainErrors {
		w := answer("/api/v1/test", e.err)
		var body apiError
		if w.Code != e.status || json.Unmarshal(w.Body.Bytes(), &body) != nil || "err."+body.Error.Code != e.key || body.Error.Message == "" {
			t.Errorf("API, %v: %d %s; want %d with code %s", e.err, w.Code, w.Body, e.status, e.key)
		}
		w = answer("/en/test", e.err)
		if want := s.locales["en"].T(e.key); w.Code != e.status || !strings.Contains(w.Body.String(), html.EscapeString(want)) {
			t.Errorf("page, %v: %d; want %d saying %q", e.err, w.Code, e.status, want)
		}
	}
	w := answer("/api/v1/test", fmt.Errorf("disk on fire"))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "fire") {
		t.Errorf("an unknown error: %d %s", w.Code, w.Body)
	}
}
