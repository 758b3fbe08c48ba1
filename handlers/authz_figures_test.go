package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// Rules of the authorization matrix about derived figures, not pages: a
// figure computed from others (a change, a rank, an average, the best of a
// sector) must not let its reader work out a figure they may not see.

// figureSecrets are the strings that would give private figures away.
type figureSecrets struct {
	// signed are changes as pages print them ("+7.1", "-0.4"), with what
	// they would reveal, for the message.
	signed map[string]string
}

func (f figureSecrets) add(s, why string) {
	if _, ok := f.signed[s]; !ok {
		f.signed[s] = why
	}
}

// actionGain is an improvement action's gain on a scorecard ("+2.2"): a
// signed figure of the round itself, not a change.
var actionGain = regexp.MustCompile(`<span class="tag tag-green" dir="ltr">\+[0-9.]+</span>`)

// scripts are the script elements of the offline HTML export: the
// charting library, whose code is full of signed numbers.
var scripts = regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`)

// readable is body as its reader reads it: HTML entities decoded (pages
// print "+7.1" as "&#43;7.1", chart data quotes as "&#34;"), without the
// export's embedded scripts.
func readable(body string) string {
	return html.UnescapeString(withoutScripts(body))
}

// withoutScripts is scripts.ReplaceAllString(body, ""), written out: the
// regexp took a quarter of the quick test set's CPU on the exports'
// megabytes of script (TestWithoutScriptsIsTheRegexp holds them equal).
func withoutScripts(body string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "<script")
		if i < 0 {
			break
		}
		gt := strings.IndexByte(body[i:], '>')
		if gt < 0 {
			break
		}
		end := strings.Index(body[i+gt+1:], "</script>")
		if end < 0 {
			break
		}
		b.WriteString(body[:i])
		body = body[i+gt+1+end+len("</script>"):]
	}
	b.WriteString(body)
	return b.String()
}

func TestWithoutScriptsIsTheRegexp(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"", "plain", "<script>x</script>", "a<script src=x>b</script>c<script>d</script>e",
		"<script>never closed", "<script never closed", "a<script>b</script", "<scripts>x</script>y",
		"<script>a<script>b</script>c</script>", "<p>\n<script type=\"module\">\nlet a = 1 > 0;\n</script>\n</p>",
		"<SCRIPT>upper</SCRIPT><script>lower</script>", "</script><script>x</script>",
	} {
		if got, want := withoutScripts(body), scripts.ReplaceAllString(body, ""); got != want {
			t.Errorf("withoutScripts(%q) = %q, want %q", body, got, want)
		}
	}
}

// found lists the secrets in body, outside action gains.
func (f figureSecrets) found(body string) []string {
	body = readable(actionGain.ReplaceAllString(body, ""))
	var out []string
	for s, why := range f.signed {
		for i := strings.Index(body, s); i >= 0; i = nextIndex(body, s, i) {
			// A whole number, not the end of a longer one (1+7.1, +7.15).
			before, after := byte(' '), byte(' ')
			if i > 0 {
				before = body[i-1]
			}
			if j := i + len(s); j < len(body) {
				after = body[j]
			}
			if !isDigit(before) && !isDigit(after) {
				out = append(out, fmt.Sprintf("%s (%s)", s, why))
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func nextIndex(s, sub string, from int) int {
	j := strings.Index(s[from+1:], sub)
	if j < 0 {
		return -1
	}
	return from + 1 + j
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' || b == '.' }

// jsonKeys lists every object key in a JSON document, at any depth.
func jsonKeys(v any, keys map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if _, ok := keys[k]; !ok || keys[k] == nil {
				keys[k] = val
			}
			jsonKeys(val, keys)
		}
	case []any:
		for _, val := range x {
			jsonKeys(val, keys)
		}
	}
}

// TestDerivedFiguresOfAPrivateRound builds a private round followed by a
// public one on the demo data (2024 made private, 2025 public) and reads,
// as an anonymous visitor, every page, export and API answer of the public
// round (every GET row of the authorization matrix on it, in both
// languages and on both indices, every institution's scorecard, every
// dashboard chart's data, the home page). None may hold a change measured
// against the private round — index minus change is the private index —
// nor its figures in a trend line: no Δ index (in the pages' "+7.1" form
// and the exports' and API's plain numbers), no Δ rank, no average change,
// no movers chart, no 2024 point. The coordinator's answers, which may
// show the changes, are checked to hold them, so that the search proves
// something.
func TestDerivedFiguresOfAPrivateRound(t *testing.T) {
	t.Parallel()
	e := newAuthzEnv(t)
	ctx := context.Background()
	r24, r25 := mustInt(t, roundIDByName(t, e.st, "2024")), e.id("r2025")
	if err := e.st.SetRoundPublic(ctx, 0, r24, false); err != nil {
		t.Fatal(err)
	}

	// The changes as the coordinator sees them: what an anonymous reader
	// must not find.
	secrets := figureSecrets{signed: map[string]string{}}
	var codes []string
	withChange := 0
	for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
		list, err := e.st.ScoresSince(ctx, r25, kind, r24)
		e.must(err, "2025 scores")
		var sum float64
		n := 0
		for _, sc := range list {
			if kind == survey.ScoreSelf {
				codes = append(codes, sc.Code)
			}
			if sc.DeltaIndex == nil {
				continue
			}
			withChange++
			sum += *sc.DeltaIndex
			n++
			// A change of 0 prints as +0.0 — also the form of a real
			// figure's absence of change; it reveals the private index as
			// well, so it is searched for too.
			secrets.add(fmt.Sprintf("%+.1f", *sc.DeltaIndex), fmt.Sprintf("Δ %s index of %s: 2024 was %v", kind, sc.Code, sc.Index-*sc.DeltaIndex))
		}
		if n > 0 {
			secrets.add(fmt.Sprintf("%+.1f", sum/float64(n)), "average change, "+kind)
		}
	}
	if withChange == 0 {
		t.Fatal("no institution in both rounds: the test proves nothing")
	}

	c := newClient(t, e.ts)
	expand := func(p string) string { return e.expand(p) }
	var paths []string
	for _, cs := range authzCases() {
		method, pattern, _ := strings.Cut(cs.route, " ")
		path := cs.path
		if path == "" {
			path = pattern
		}
		if method != http.MethodGet || !strings.Contains(path, "{r2025}") || cs.want[asAnon] != vAllow {
			continue
		}
		path = expand(path)
		paths = append(paths, path)
		if strings.HasPrefix(path, "/ar/") {
			paths = append(paths, "/en/"+strings.TrimPrefix(path, "/ar/"))
		}
	}
	id := strconv.FormatInt(r25, 10)
	for _, l := range Languages {
		paths = append(paths, "/"+l+"/", "/"+l+"/rounds/"+id+"/rankings?index=verified", "/"+l+"/rounds/"+id+"/dashboard?index=verified",
			"/"+l+"/rounds/"+id+"/rankings?sort=delta", "/"+l+"/rounds/"+id+"/rankings.csv?sort=delta")
		for _, code := range codes {
			paths = append(paths, "/"+l+"/rounds/"+id+"/scorecards/"+code)
		}
	}
	paths = append(paths, "/api/v1/rounds/"+id+"/scores?index=verified")
	for _, code := range codes {
		paths = append(paths, "/api/v1/rounds/"+id+"/institutions/"+code+"/scorecard")
	}
	// Every chart of the dashboard, as data.
	chartIDs := regexp.MustCompile(`id="(chart_[a-z0-9_]+_` + id + `)"`)
	for _, l := range Languages {
		d := c.get("/" + l + "/rounds/" + id + "/dashboard")
		assertStatus(t, d, http.StatusOK)
		for _, m := range chartIDs.FindAllStringSubmatch(d.Body, -1) {
			for _, ext := range []string{"csv", "xlsx", "html"} {
				paths = append(paths, "/"+l+"/rounds/"+id+"/dashboard."+ext+"?chart="+m[1])
			}
		}
	}

	read := func(c *client, path string) response {
		t.Helper()
		r := c.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d", path, r.Status)
		}
		return r
	}
	// The coordinator and a respondent, who may see 2024, read every
	// answer first: a page or API answer cached for them must not be
	// served to the anonymous reader.
	admin := newClient(t, e.ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	moh := newClient(t, e.ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	for _, path := range paths {
		read(admin, path)
		read(moh, path)
	}
	checked := 0
	for _, path := range paths {
		r := read(c, path)
		body := r.Body
		checked++
		file := strings.Split(path, "?")[0]
		var rows [][]string
		switch {
		case strings.HasSuffix(file, ".xlsx"):
			rows = workbookRows(t, path, body)
			body = joinRows(rows)
		case strings.HasSuffix(file, ".csv"):
			var err error
			if rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll(); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		case strings.HasPrefix(path, "/api/"):
			var doc any
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			keys := map[string]any{}
			jsonKeys(doc, keys)
			for _, k := range []string{"delta_index", "delta_rank"} {
				if _, ok := keys[k]; ok {
					t.Errorf("%s: anonymous answer has %s, measured against the private round", path, k)
				}
			}
			// Scores and scorecards say what they compare with: nothing, for
			// the anonymous reader. Answers that compare with no round
			// (microdata, codebook, dashboard tables) need not say it, but
			// must not compare with the private one.
			v, ok := keys["compared_with"]
			if (ok && v != nil) || (!ok && (strings.Contains(file, "/scores") || strings.Contains(file, "/scorecard"))) {
				t.Errorf("%s: compared_with = %v, want null", path, v)
			}
		}
		for _, leak := range secrets.found(body) {
			t.Errorf("%s: anonymous reader finds %s", path, leak)
		}
		for _, mark := range []string{`class="rank-move"`, `chart_movers_`, `chart_trend_`, ">2024<", `"2024"`} {
			if strings.Contains(readable(body), mark) {
				t.Errorf("%s: anonymous reader finds %q, a change or a point of the private round", path, mark)
			}
		}
		if strings.Contains(file, "/rankings.") {
			checkChangeColumnsEmpty(t, path, rows)
		}
	}
	t.Logf("%d anonymous answers of the public round checked against %d secrets", checked, len(secrets.signed))

	// The coordinator may see 2024: the same answers hold the changes,
	// so the search above can fail.
	for _, path := range []string{"/ar/rounds/" + id + "/rankings", "/en/rounds/" + id + "/dashboard"} {
		if len(secrets.found(read(admin, path).Body)) == 0 {
			t.Errorf("%s: the coordinator's page holds none of the changes: the anonymous check proves nothing", path)
		}
	}
	token := apiToken(t, e.ts, "admin@example.ps")
	if r := apiCall(t, e.ts, http.MethodGet, "/api/v1/rounds/"+id+"/scores", token, ""); !strings.Contains(r.Body, `"delta_index"`) {
		t.Error("the coordinator's scores have no delta_index: the anonymous check proves nothing")
	}
	// A respondent may see every published round, public or not.
	if !strings.Contains(read(moh, "/ar/rounds/"+id+"/rankings").Body, `class="rank-move"`) {
		t.Error("a respondent does not see the changes against a published private round")
	}
}

// workbookRows are the rows of every sheet of a workbook.
func workbookRows(t *testing.T, path, body string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	var out [][]string
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		out = append(out, rows...)
	}
	return out
}

// joinRows is rows as text, a cell a line, to search.
func joinRows(rows [][]string) string {
	var b strings.Builder
	for _, row := range rows {
		for _, cell := range row {
			b.WriteString(cell)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// checkChangeColumnsEmpty: the rankings export keeps its change columns
// (a stable layout), empty when there is no round to compare with.
func checkChangeColumnsEmpty(t *testing.T, path string, rows [][]string) {
	t.Helper()
	if len(rows) < 2 {
		t.Fatalf("%s: %d rows", path, len(rows))
	}
	for i, row := range rows[1:] {
		// rank, code, name, sector, kind, region, index, level, Δ index, Δ rank
		if len(row) < 10 {
			t.Fatalf("%s row %d: %d cells", path, i+1, len(row))
		}
		if row[8] != "" || row[9] != "" {
			t.Errorf("%s row %d: change %q, rank change %q; want none", path, i+1, row[8], row[9])
		}
	}
}

// TestRespondentSeesOnlyOwnFiguresInOpenRound: in a round not yet
// published, a respondent's own scorecard (page in both languages, radar,
// its data table and exports, and the API) holds the institution's own
// figures only: no rank or count of those ranked, no national average, no
// best of the sector, no other institution's name or score.
func TestRespondentSeesOnlyOwnFiguresInOpenRound(t *testing.T) {
	t.Parallel()
	e := newAuthzEnv(t)
	ctx := context.Background()
	open := e.id("open")
	code := e.ids["scored"] // submitted, so scored, in the open round
	inst, err := e.st.Institution(ctx, code)
	e.must(err, code)
	email := "own-" + strings.ToLower(code) + "@example.ps"
	_, err = e.st.CreateUser(ctx, 0, survey.NewUser{Email: email, Name: "موظف", Role: survey.RoleRespondent, InstitutionCode: code, Password: survey.DemoPassword})
	e.must(err, "respondent")

	var mine survey.InstitutionScore
	var others []survey.InstitutionScore
	var averages []float64
	var best *survey.InstitutionScore
	err = e.st.ReadRanking(ctx, open, survey.ScoreSelf, func(rk *survey.Ranking) error {
		for _, x := range rk.List {
			if x.Code == code {
				mine = x
			} else {
				others = append(others, x)
			}
		}
		for _, sec := range e.q.Def.Sections {
			averages = append(averages, rk.Average(sec.ID))
		}
		if b := rk.SectorBest(mine.Sector, code); b != nil {
			v := *b
			best = &v
		}
		return nil
	})
	e.must(err, "open ranking")
	if mine.Code == "" || len(others) < 2 {
		t.Fatalf("open round: %s scored %v, %d others", code, mine.Code != "", len(others))
	}
	own := map[float64]bool{}
	for _, v := range mine.Dimensions {
		own[v] = true
	}

	c := newClient(t, e.ts)
	c.signIn("ar", email, survey.DemoPassword)
	id := strconv.FormatInt(open, 10)
	// The coordinator's scorecard has what the respondent's must not: the
	// checks below can fail.
	admin := newClient(t, e.ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	if _, legend := radarValues(t, admin.get("/en/rounds/"+id+"/scorecards/"+code).Body); len(legend) < 2 {
		t.Fatal("the coordinator's scorecard compares with nobody: the check proves nothing")
	}

	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/scorecards/" + code)
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		checkOwnOnly(t, l+" scorecard", r.Body, inst, others, mine)
		if regexp.MustCompile(`class="small muted"> / \d+</span>`).MatchString(r.Body) {
			t.Errorf("%s scorecard shows a rank among others", l)
		}
		// The radar (and its data table, PNG, SVG: all drawn from its
		// option) holds the institution's dimensions and nothing else.
		values, legend := radarValues(t, r.Body)
		if len(values) != len(mine.Dimensions) || len(legend) != 1 {
			t.Errorf("%s radar: %d values, legend %q; want the %d own dimensions alone", l, len(values), legend, len(mine.Dimensions))
		}
		for _, v := range values {
			if !own[v] {
				t.Errorf("%s radar holds %v, not one of the institution's dimensions (averages %v)", l, v, averages)
			}
		}
		if best != nil && strings.Contains(r.Body, best.Name(l)) {
			t.Errorf("%s scorecard names the best in the sector, %s", l, best.Name(l))
		}
		assertContains(t, r.Body, `role="note"`)
		w := c.get("/" + l + "/work")
		assertStatus(t, w, http.StatusOK)
		checkOwnOnly(t, l+" work page", w.Body, inst, others, mine)
	}

	token := apiToken(t, e.ts, email)
	r := apiCall(t, e.ts, http.MethodGet, "/api/v1/rounds/"+id+"/institutions/"+code+"/scorecard", token, "")
	assertStatus(t, r, http.StatusOK)
	var doc struct {
		OwnOnly bool                       `json:"own_only"`
		Score   map[string]json.RawMessage `json:"score"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.OwnOnly {
		t.Error("API scorecard: own_only is false")
	}
	for _, k := range []string{"rank", "of", "dimension_ranks", "delta_rank"} {
		if _, ok := doc.Score[k]; ok {
			t.Errorf("API scorecard has %s: %s", k, doc.Score[k])
		}
	}
	checkOwnOnly(t, "API scorecard", r.Body, inst, others, mine)
	// Every other route of the open round's figures stays closed to them
	// (the authorization matrix checks each); here the API rankings.
	if r := apiCall(t, e.ts, http.MethodGet, "/api/v1/rounds/"+id+"/scores", token, ""); r.Status != http.StatusForbidden {
		t.Errorf("API rankings of the open round: %d, want 403", r.Status)
	}
}

// checkOwnOnly fails if body names another institution of the round.
func checkOwnOnly(t *testing.T, what, body string, inst survey.Institution, others []survey.InstitutionScore, mine survey.InstitutionScore) {
	t.Helper()
	for _, o := range others {
		for _, name := range []string{o.NameAr, o.NameEn, html.EscapeString(o.NameEn), `"` + o.Code + `"`, "/" + o.Code} {
			if name != "" && name != inst.NameAr && name != inst.NameEn && !strings.Contains(inst.NameAr+inst.NameEn, name) && strings.Contains(body, name) {
				t.Errorf("%s of %s shows another institution: %q", what, inst.Code, name)
			}
		}
	}
}

// radarValues are the numbers the profile radar of a scorecard page
// draws, and the names of its series.
func radarValues(t *testing.T, body string) ([]float64, []string) {
	t.Helper()
	m := regexp.MustCompile(`id="chart_profile_[^"]+"[^>]*data-option="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no profile radar")
	}
	var opt struct {
		Legend struct {
			Data []string `json:"data"`
		} `json:"legend"`
		Series []struct {
			Data []struct {
				Value []float64 `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &opt); err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, s := range opt.Series {
		for _, d := range s.Data {
			out = append(out, d.Value...)
		}
	}
	return out, opt.Legend.Data
}
