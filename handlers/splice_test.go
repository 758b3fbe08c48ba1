package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// TestSplicedPageExpands: a page assembled from fragments compressed apart
// is one valid gzip stream (checked by compress/gzip, CRC and length
// included) that expands to the page with each fragment in its place, and
// the plain answer is the same page; a broken placeholder is an error, not
// a page.
func TestSplicedPageExpands(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"<p dir=\"auto\">", "الاستراتيجية الرقمية", "</p>", "\n  ", "question", "&amp;", "٢٠٢٦", strings.Repeat("x", 300)}
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	srv, _ := newTestServer(t)
	for trial := range 40 {
		var frags []fragment
		for range 1 + rng.IntN(12) {
			frags = append(frags, newFragment(text(rng.IntN(200))))
		}
		var page, want strings.Builder
		for i := range 1 + rng.IntN(30) {
			if i%2 == 0 || rng.IntN(3) == 0 { // adjacent placeholders too
				s := text(rng.IntN(50))
				page.WriteString(s)
				want.WriteString(s)
			}
			n := rng.IntN(len(frags))
			page.WriteString("\x00" + strconv.Itoa(n) + "\x00")
			want.Write(frags[n].html)
		}
		for _, gz := range []bool{false, true} {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			if gz {
				c.Request.Header.Set("Accept-Encoding", "gzip")
			}
			srv.writeSplicedPage(c, http.StatusOK, []byte(page.String()), frags)
			body := w.Body.Bytes()
			if gz {
				if w.Header().Get("Content-Encoding") != "gzip" {
					t.Fatalf("trial %d: not compressed", trial)
				}
				r, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("trial %d: %v", trial, err)
				}
				if body, err = io.ReadAll(r); err != nil {
					t.Fatalf("trial %d: the stream does not expand: %v", trial, err)
				}
			}
			if string(body) != want.String() {
				t.Fatalf("trial %d (gzip %v): the page differs from its parts put together", trial, gz)
			}
		}
	}
	for _, broken := range []string{"a\x00", "a\x00x\x00", "\x009\x00", "\x00-1\x00"} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		srv.writeSplicedPage(c, http.StatusOK, []byte(broken), []fragment{newFragment("f")})
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%q: status %d, want 500", broken, w.Code)
		}
	}
}

// TestQuestionnairePageCompressed: every section page of the questionnaire,
// compressed from its kept fragments, expands to the page sent plain.
func TestQuestionnairePageCompressed(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ctx := t.Context()
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "splice@moh.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.OpenRounds(ctx)
	if err != nil || len(rounds) == 0 {
		t.Fatal(rounds, err)
	}
	q, err := st.Questionnaire(ctx, rounds[0].QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ar", "en"} {
		for _, sec := range q.Def.Sections {
			path := "/" + lang + "/rounds/" + strconv.FormatInt(rounds[0].ID, 10) + "/responses/MOH?section=" + sec.ID
			get := func(gz bool) (*httptest.ResponseRecorder, string) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				body := w.Body.Bytes()
				if gz {
					r, err := gzip.NewReader(bytes.NewReader(body))
					if err != nil {
						t.Fatalf("%s: %v", path, err)
					}
					if body, err = io.ReadAll(r); err != nil {
						t.Fatalf("%s: %v", path, err)
					}
				}
				return w, string(body)
			}
			pw, plain := get(false)
			zw, zipped := get(true)
			if pw.Code != http.StatusOK || zw.Code != http.StatusOK || zw.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: status %d / %d, encoding %q", path, pw.Code, zw.Code, zw.Header().Get("Content-Encoding"))
			}
			if unmasked(plain) != unmasked(zipped) {
				t.Errorf("%s: the compressed page expands to another page", path)
			}
			if strings.ContainsRune(plain, 0) || !strings.Contains(plain, `class="question`) || !strings.Contains(plain, "data-state=\"{&#34;items&#34;:[[") {
				t.Errorf("%s: the page lacks its questions or its state, or holds a placeholder", path)
			}
		}
	}
}
