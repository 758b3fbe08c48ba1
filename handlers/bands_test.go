package handlers

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// TestRankBandsAPIAndExports: a published round's ranking answers carry
// each institution's rank band (median, 5th and 95th percentile, how many
// others it overlaps), the same in the API, the CSV and the workbook; the
// open round, not yet analysed, carries none.
func TestRankBandsAPIAndExports(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)

	r := c.get("/api/v1/rounds/" + id + "/scores")
	assertStatus(t, r, http.StatusOK)
	var body struct {
		Analysis *struct {
			Seed       string                   `json:"seed"`
			Replicates int                      `json:"replicates"`
			Dimensions []survey.DimensionEffect `json:"dimensions"`
		} `json:"rank_analysis"`
		Scores []struct {
			Code string           `json:"code"`
			Rank int              `json:"rank"`
			Of   int              `json:"of"`
			Band *survey.RankBand `json:"rank_band"`
		} `json:"scores"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Scores) < 30 {
		t.Fatalf("%d scores", len(body.Scores))
	}
	if a := body.Analysis; a == nil || a.Replicates != survey.DefaultReplicates || len(a.Dimensions) != 8 || a.Seed == "" {
		t.Errorf("rank analysis %+v", a)
	}
	bands := map[string]survey.RankBand{}
	wide := 0
	for _, x := range body.Scores {
		b := x.Band
		if b == nil || b.Low < 1 || b.Low > b.Median || b.Median > b.High || b.High > x.Of {
			t.Fatalf("%s: band %+v of %d", x.Code, b, x.Of)
		}
		if b.High > b.Low {
			wide++
		}
		bands[x.Code] = *b
	}
	if wide == 0 {
		t.Error("every band of the demo has no width: nothing is uncertain, the pages show nothing")
	}

	// CSV: the band's four columns at the end, the same figures.
	r = c.get("/en/rounds/" + id + "/rankings.csv")
	assertStatus(t, r, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\xEF\xBB\xBF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if got := head[len(head)-4:]; !slices.Equal(got, []string{"Median rank", "Best rank (5th percentile)", "Worst rank (95th percentile)", "Institutions it cannot be told apart from"}) {
		t.Errorf("CSV head ends %q", got)
	}
	code := slices.Index(head, "Code")
	for _, row := range rows[1:] {
		b := bands[row[code]]
		want := []string{strconv.Itoa(b.Median), strconv.Itoa(b.Low), strconv.Itoa(b.High), strconv.Itoa(b.Overlaps)}
		if got := row[len(row)-4:]; !slices.Equal(got, want) {
			t.Errorf("CSV %s: band %v, API %v", row[code], got, want)
		}
	}

	// The workbook has the same columns, in Arabic.
	x := c.get("/ar/rounds/" + id + "/rankings.xlsx")
	assertStatus(t, x, http.StatusOK)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	xrows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if h := xrows[0]; len(h) < 4 || h[len(h)-3] != "أفضل مرتبة (المئين الخامس)" {
		t.Errorf("XLSX head %q", h)
	}

	// The open round has no analysis yet: no band anywhere.
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	open := roundIDByName(t, st, "2026")
	r = admin.get("/api/v1/rounds/" + open + "/scores")
	assertStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, `"rank_band"`) || !strings.Contains(r.Body, `"rank_analysis":null`) {
		t.Errorf("the open round's scores carry bands:\n%.500s", r.Body)
	}
	if p := admin.get("/ar/rounds/" + open + "/rankings"); strings.Contains(p.Body, `class="rank-band"`) {
		t.Error("the open round's rankings show bands")
	}
}

// TestRankBandsPages: the rankings show each rank's band beside it (text
// for screen readers, a strip drawn right to left in Arabic) with its key;
// the scorecard says it in a sentence; the dashboard has the weights'
// chart and its note on the top three; the method page is there in both
// languages, for anyone.
func TestRankBandsPages(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)

	ar := c.get("/ar/rounds/" + id + "/rankings")
	assertStatus(t, ar, http.StatusOK)
	assertContains(t, ar.Body, `class="table rankings has-bands"`, `class="rank-band"`, `<bdi dir="ltr" class="rank-band-text" aria-hidden="true">(`,
		"عند أوزان معقولة أخرى", `class="rank-band-bar"`, "نطاق المرتبة", "/ar/method/rankings", `<span aria-hidden="true">≈</span>`)
	en := c.get("/en/rounds/" + id + "/rankings")
	assertContains(t, en.Body, "under other reasonable weights", "Rank band", "How sure is this ranking?")
	// The strip starts at rank 1: the first row's band at x 0 in English,
	// at the right end (x + width = 100) in Arabic.
	if !strings.Contains(en.Body, `class="rank-band-range" x="0.00"`) {
		t.Error("English: the first institution's band does not start at the left")
	}
	firstAr := ar.Body[strings.Index(ar.Body, `class="rank-band-range"`):]
	firstAr = firstAr[:strings.Index(firstAr, "/>")]
	var x, w float64
	for _, attr := range strings.Fields(firstAr) {
		if v, ok := strings.CutPrefix(attr, `x="`); ok {
			x, _ = strconv.ParseFloat(strings.TrimSuffix(v, `"`), 64)
		}
		if v, ok := strings.CutPrefix(attr, `width="`); ok {
			w, _ = strconv.ParseFloat(strings.TrimSuffix(v, `"`), 64)
		}
	}
	if x+w < 99.9 || w == 0 {
		t.Errorf("Arabic: the first institution's band %q does not end at the right", firstAr)
	}
	// Sorted by a dimension, the rank shown is the dimension's: no band.
	if byDim := c.get("/en/rounds/" + id + "/rankings?sort=SRV"); strings.Contains(byDim.Body, `class="rank-band"`) {
		t.Error("a band beside a dimension's rank")
	}

	sc := c.get("/en/rounds/" + id + "/scorecards/NBL")
	assertStatus(t, sc, http.StatusOK)
	assertContains(t, sc.Body, `<p class="rank-band-note">Rank `, "under other reasonable weights", "How sure is this ranking?")
	scAr := c.get("/ar/rounds/" + id + "/scorecards/NBL")
	assertContains(t, scAr.Body, "عند أوزان معقولة أخرى")

	d := c.get("/en/rounds/" + id + "/dashboard")
	assertStatus(t, d, http.StatusOK)
	assertContains(t, d.Body, `id="chart_sensitivity_`+id+`"`, "Which dimension&#39;s weight moves the ranking most", `class="chart-note small"`, "top three")
	if csv := c.get("/en/rounds/" + id + "/dashboard.csv?chart=chart_sensitivity_" + id); csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Service availability") {
		t.Errorf("the sensitivity chart's data: %d\n%.500s", csv.Status, csv.Body)
	}

	for _, lang := range []string{"ar", "en"} {
		m := c.get("/" + lang + "/method/rankings")
		assertStatus(t, m, http.StatusOK)
		assertContains(t, m.Body, `id="sensitivity"`, `class="rank-band-bar"`, "1000")
		if strings.Contains(m.Body, "⟦") {
			t.Errorf("%s method page has an untranslated key", lang)
		}
	}
	assertContains(t, c.get("/ar/method/rankings").Body, `dir="rtl"`, "ما مدى ثبات الترتيب؟")
}
