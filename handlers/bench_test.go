package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"marsad/survey"
	"marsad/survey/synth"
)

// BenchmarkCatalogPage renders catalog pages over 30,000 generated services
// through the whole router (no network).
func BenchmarkCatalogPage(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	if err := synth.Seed(ctx, st, 150, 30000, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "bench-password"}); err != nil {
		b.Fatal(err)
	}
	srv := newServerOn(b, st)
	for name, path := range map[string]string{
		"landing": "/ar/catalog",
		"query":   "/ar/catalog?q=" + url.QueryEscape("شهادة ميلاد"),
		"filters": "/ar/catalog?q=" + url.QueryEscape("تجديد") + "&abroad=1&stage_min=3",
	} {
		b.Run(name+"/rendered", func(b *testing.B) {
			for b.Loop() {
				srv.catalogPages.space.Clear() // a URL nobody asked for yet
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
		b.Run(name+"/cached", func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkHomePage renders the anonymous Arabic home page.
func BenchmarkHomePage(b *testing.B) {
	srv, _ := newTestServer(b)
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ar/", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
