package handlers

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/static"
)

// standaloneAssets is what a standalone HTML file carries inside itself:
// ECharts, its Arabic strings, the fonts (as data: URLs) and the script
// that draws the charts. Built once from the embedded files.
type standaloneAssets struct {
	ECharts, LangAR, Init template.JS
	CSS                   template.CSS
}

var (
	standaloneOnce sync.Once
	standaloneAll  standaloneAssets
	standaloneErr  error
)

const standaloneCSS = `
body{margin:0;font-family:"Noto Sans Arabic","Noto Sans",sans-serif;color:#0b0c0c;background:#fff;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.8rem;margin:0 0 8px}
.lead{color:#505a5f;margin:0 0 24px}
.demo{background:#fff4c2;border-bottom:4px solid #b58a00;padding:8px 24px;text-align:center}
.provisional{border-inline-start:6px solid #b8860b;background:#fff4cc;padding:8px 16px;font-weight:700;margin:0 0 24px}
.exported{color:#505a5f;margin:0 0 24px}
.facts{display:flex;flex-wrap:wrap;gap:16px;list-style:none;padding:0;margin:0 0 24px}
.facts li{border-top:4px solid #0b4f6c;padding:8px 16px;min-width:150px}
.facts b{display:block;font-size:1.8rem}
figure{margin:0 0 32px}
.chart{width:100%;height:460px}
table{border-collapse:collapse;font-size:.9rem}
td{border-bottom:1px solid #b1b4b6;padding:4px 12px}
footer{color:#505a5f;font-size:.85rem;border-top:1px solid #b1b4b6;margin-top:32px;padding-top:8px}
`

// fontFaces are the @font-face rules the charts and text need, fonts
// inlined; Arabic regular and bold, Latin regular.
var fontFaces = []struct{ family, weight, file, ranges string }{
	{"Noto Sans Arabic", "400", "fonts/noto-sans-arabic-arabic-400-normal.woff2", "U+0600-06FF,U+0750-077F,U+08A0-08FF,U+200C-200E,U+2066-2069,U+FB50-FDFF,U+FE70-FEFC"},
	{"Noto Sans Arabic", "700", "fonts/noto-sans-arabic-arabic-700-normal.woff2", "U+0600-06FF,U+0750-077F,U+08A0-08FF,U+200C-200E,U+2066-2069,U+FB50-FDFF,U+FE70-FEFC"},
	{"Noto Sans", "400", "fonts/noto-sans-latin-400-normal.woff2", "U+0000-00FF,U+2000-206F,U+2212"},
}

func loadStandaloneAssets() (standaloneAssets, error) {
	standaloneOnce.Do(func() {
		read := func(p string) []byte {
			b, err := fs.ReadFile(static.Files, p)
			if err != nil && standaloneErr == nil {
				standaloneErr = err
			}
			return b
		}
		var css strings.Builder
		for _, f := range fontFaces {
			fmt.Fprintf(&css, "@font-face{font-family:%q;font-weight:%s;font-style:normal;src:url(data:font/woff2;base64,%s) format(\"woff2\");unicode-range:%s}\n",
				f.family, f.weight, base64.StdEncoding.EncodeToString(read(f.file)), f.ranges)
		}
		css.WriteString(standaloneCSS)
		// The site's own chart script draws the file's charts, so they are
		// laid out as on the site (labels wrapped, radars fitted, PNG
		// export with its caption).
		js, lang, init := string(read("echarts/echarts.min.js")), string(read("echarts/langAR.js")), string(read("js/charts.js"))
		// The scripts are inlined in <script> elements: they must not close one.
		if strings.Contains(strings.ToLower(js+lang+init), "</script") && standaloneErr == nil {
			standaloneErr = fmt.Errorf("handlers: an inlined script contains </script")
		}
		standaloneAll = standaloneAssets{
			ECharts: template.JS(js), LangAR: template.JS(lang), Init: template.JS(init), // #nosec G203 -- ECharts and the chart script are our own embedded files, not user data
			CSS: template.CSS(css.String()), // #nosec G203 -- ECharts and the init script are our own embedded files, not user data
		}
	})
	return standaloneAll, standaloneErr
}

type standalonePage struct {
	dashboardPage
	Assets   standaloneAssets
	Only     string // one chart's ID, or "" for the whole dashboard
	Exported string // when the file was made, in the configured time zone
}

// downloadStandalone is the dashboard, or one chart of it (?chart=ID), as
// one HTML file with ECharts, the data and the fonts inside: it opens from
// a laptop's disk at a conference with no network.
func (s *Server) downloadStandalone(c *gin.Context) {
	p, v, ok := s.buildDashboard(c)
	if !ok {
		return
	}
	a, err := loadStandaloneAssets()
	if err != nil {
		s.serverError(c, err)
		return
	}
	sp := standalonePage{dashboardPage: p, Assets: a, Exported: v.Date(time.Now())}
	sp.Charts = append(append([]reports.Chart(nil), p.Charts...), p.More...)
	// Named after the round: marsad-2025-dashboard-ar.html, or after the
	// round and the chart for one chart.
	name := chartFile(p.Round, "dashboard", v.Lang)
	if id := c.Query("chart"); id != "" {
		ch, ok := p.chart(id)
		if !ok {
			s.fail(c, http.StatusNotFound, "err.not_found")
			return
		}
		sp.Charts, sp.Only, name = []reports.Chart{ch}, id, chartFile(p.Round, id, v.Lang)
	}
	v.Data = sp
	body, release, ok := s.renderBytes(c, "standalone", v)
	defer release()
	if !ok {
		return
	}
	attachment(c, name+".html")
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", body)
}
