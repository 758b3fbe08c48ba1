package handlers

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"marsad/survey"
)

// TestContentDisposition: names people type (quotes, line breaks, Arabic,
// paths, direction marks) give a header with a plain ASCII fallback and
// the UTF-8 name, that parses back to a single safe file name.
func TestContentDisposition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, ascii, utf8 string }{
		{"marsad-2026-rankings.csv", "marsad-2026-rankings.csv", "marsad-2026-rankings.csv"},
		{"marsad-جولة ٢٠٢٦-rankings.csv", "marsad-_-rankings.csv", "marsad-جولة ٢٠٢٦-rankings.csv"},
		{`marsad-"2026"; filename=evil.exe.csv`, "marsad-2026-_filename_evil.exe.csv", `marsad-2026-; filename=evil.exe.csv`},
		{"marsad-a\r\nSet-Cookie: x=1.csv", "marsad-aSet-Cookie-_x_1.csv", "marsad-aSet-Cookie- x=1.csv"},
		{"../../etc/passwd", "etc-passwd", "etc-passwd"},
		{`..\..\boot.ini.html`, "boot.ini.html", "boot.ini.html"},
		{"marsad-\u202eexe.csv", "marsad-exe.csv", "marsad-exe.csv"},
		{"\u200b\u2066.csv", "marsad.csv", "marsad.csv"},
		{".hidden.csv", "hidden.csv", "hidden.csv"},
		{strings.Repeat("ب", 500) + ".xlsx", "marsad.xlsx", strings.Repeat("ب", maxFileNameRunes) + ".xlsx"},
	} {
		t.Run(strconv.Quote(tc.name), func(t *testing.T) {
			h := contentDisposition(tc.name)
			for _, r := range h {
				if r > unicode.MaxASCII || unicode.IsControl(r) {
					t.Fatalf("header has %q: %q", r, h)
				}
			}
			fallback := h[strings.Index(h, `filename="`)+len(`filename="`):]
			fallback = fallback[:strings.IndexByte(fallback, '"')]
			if fallback != tc.ascii {
				t.Errorf("fallback %q, want %q", fallback, tc.ascii)
			}
			typ, params, err := mime.ParseMediaType(h)
			if err != nil || typ != "attachment" {
				t.Fatalf("%q does not parse: %v", h, err)
			}
			// mime decodes filename* and prefers it, as browsers do.
			if got := params["filename"]; got != tc.utf8 {
				t.Errorf("name %q, want %q (header %q)", got, tc.utf8, h)
			}
			if strings.ContainsAny(params["filename"], `/\"`) || strings.HasPrefix(params["filename"], ".") {
				t.Errorf("unsafe name %q", params["filename"])
			}
		})
	}
}

// TestDownloadsNameTheirFiles: every kind of download says attachment with
// both forms of its name.
func TestDownloadsNameTheirFiles(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	id := roundIDByName(t, st, "2025")
	open := strconv.FormatInt(openRoundID(t, st), 10)
	for _, path := range []string{
		"/ar/rounds/" + id + "/rankings.csv", "/ar/rounds/" + id + "/rankings.xlsx", "/ar/rounds/" + id + "/dashboard.html",
		"/ar/rounds/" + id + "/dashboard.csv?chart=chart_leaderboard_" + id, "/ar/rounds/" + open + "/responses/MOH/xlsx",
		"/ar/admin/services/export.csv", "/ar/admin/services/export.xlsx", "/ar/admin/institutions/export.csv", "/ar/admin/audit.csv",
		"/api/v1/catalog.csv",
	} {
		r := admin.get(path)
		assertStatus(t, r, http.StatusOK)
		cd := r.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, "; filename*=UTF-8''") {
			t.Errorf("%s: Content-Disposition %q", path, cd)
		}
	}
}
