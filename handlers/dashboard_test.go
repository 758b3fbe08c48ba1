package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"marsad/survey"
)

func TestDashboardPagesAndEscaping(t *testing.T) {
	ts, st := startServer(t)
	r2025 := roundIDByName(t, st, "2025")
	// A hostile name: it must stay text everywhere.
	if _, err := st.UpdateInstitution(context.Background(), 0, "MOE", survey.InstitutionInput{
		NameAr: `وزارة </script><script>alert(1)</script>`, NameEn: `"><img src=x onerror=alert(1)>`, Kind: "ministry", Sector: "education", Region: "national"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + r2025 + "/dashboard")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `class="chart"`, "/static/echarts/echarts.min.js", "data-option=")
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, `<img src=x`) {
			t.Errorf("%s: a name broke out of its attribute", l)
		}
		r = c.get("/" + l + "/rounds/" + r2025 + "/rankings")
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, `<img src=x`) {
			t.Errorf("%s rankings: a name broke out", l)
		}
	}
	assertStatus(t, c.get("/static/echarts/echarts.min.js"), http.StatusOK)
	// The open round's dashboard is not public.
	assertStatus(t, c.get("/ar/rounds/"+roundIDByName(t, st, "2026")+"/dashboard"), http.StatusSeeOther)
}

// TestBrowserDashboardDraws opens the dashboard in Arabic and English and
// checks every chart drew something (a canvas with coloured pixels).
func TestBrowserDashboardDraws(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	id := roundIDByName(t, st, "2025")
	for _, l := range Languages {
		err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"+l+"/rounds/"+id+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(".chart")))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
			const charts = document.querySelectorAll('.chart');
			if (!charts.length) return false;
			for (const el of charts) {
				const c = el.querySelector('canvas');
				if (!c || !c.width) return false;
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				let ink = 0;
				for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 2] < 200)) ink++;
				if (ink < 50) return false;
			}
			return true;
		})()`, chromedp.WithPollingTimeout(15*time.Second)))
		if err != nil || !ok {
			t.Fatalf("%s: charts did not draw: %v", l, err)
		}
		screenshot(t, ctx, "11-dashboard-"+l)
	}
}
