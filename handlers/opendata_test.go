package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"

	"marsad/survey"
)

// The open data documents are checked as a harvester reads them: each
// JSON-LD answer is expanded to RDF with a JSON-LD processor (json-gold),
// and the test looks for the triples a harvester needs — so a wrong
// namespace, a term left out of the context or a wrong IRI fails it, where
// comparing JSON text would not.

const (
	iriRDFType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	iriXSDBool = "http://www.w3.org/2001/XMLSchema#boolean"
	testBase   = "http://marsad.test" // newServerOn's BaseURL
)

// rdfGraph is a document's triples as "S P O" strings, IRIs in <>,
// literals quoted with @lang or ^^<datatype>, blank nodes as _:bN.
type rdfGraph map[string]bool

// toRDF expands a JSON-LD document and lists its triples.
func toRDF(t *testing.T, body []byte) rdfGraph {
	t.Helper()
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, body)
	}
	out, err := ld.NewJsonLdProcessor().ToRDF(doc, ld.NewJsonLdOptions(""))
	if err != nil {
		t.Fatalf("JSON-LD: %v", err)
	}
	ds, ok := out.(*ld.RDFDataset)
	if !ok {
		t.Fatalf("ToRDF gave %T", out)
	}
	g := rdfGraph{}
	for _, q := range ds.GetQuads("@default") {
		g[rdfTerm(q.Subject)+" "+rdfTerm(q.Predicate)+" "+rdfTerm(q.Object)] = true
	}
	if len(g) == 0 {
		t.Fatal("the document has no triples")
	}
	return g
}

func rdfTerm(n ld.Node) string {
	lit := func(l ld.Literal) string {
		if l.Language != "" {
			return strconv.Quote(l.Value) + "@" + l.Language
		}
		return strconv.Quote(l.Value) + "^^<" + l.Datatype + ">"
	}
	switch v := n.(type) {
	case ld.Literal:
		return lit(v)
	case *ld.Literal:
		return lit(*v)
	case ld.BlankNode:
		return v.Attribute
	case *ld.BlankNode:
		return v.Attribute
	}
	return "<" + n.GetValue() + ">"
}

// objects are the objects of s's property p.
func (g rdfGraph) objects(s, p string) []string {
	var out []string
	prefix := s + " <" + p + "> "
	for tr := range g {
		if rest, ok := strings.CutPrefix(tr, prefix); ok {
			out = append(out, rest)
		}
	}
	return out
}

// missing lists the wanted triples the graph lacks.
func (g rdfGraph) missing(want []string) []string {
	var out []string
	for _, w := range want {
		if !g[w] {
			out = append(out, w)
		}
	}
	return out
}

// catalogTriples checks one service in the CPSV-AP graph: the triples it
// must have, and its channel and cost (blank nodes, found through the
// service). It answers what is wrong.
func catalogTriples(g rdfGraph, sv survey.Service) []string {
	svc := "<" + testBase + "/ar/catalog/" + strconv.FormatInt(sv.ID, 10) + ">"
	auth := "<" + testBase + "/ar/catalog?institution=" + sv.InstitutionCode + ">"
	vocab := testBase + "/api/v1/vocab.jsonld#"
	boolean := func(b bool) string { return `"` + strconv.FormatBool(b) + `"^^<` + iriXSDBool + ">" }
	bad := g.missing([]string{
		svc + " <" + iriRDFType + "> <http://purl.org/vocab/cpsv#PublicService>",
		svc + " <http://purl.org/dc/terms/title> " + strconv.Quote(sv.NameAr) + "@ar",
		svc + " <http://purl.org/dc/terms/title> " + strconv.Quote(sv.NameEn) + "@en",
		svc + " <http://data.europa.eu/m8g/hasCompetentAuthority> " + auth,
		auth + " <" + iriRDFType + "> <http://data.europa.eu/m8g/PublicOrganisation>",
		auth + " <http://www.w3.org/2004/02/skos/core#prefLabel> " + strconv.Quote(sv.InstitutionAr) + "@ar",
		svc + " <" + vocab + "availableFromAbroad> " + boolean(sv.Abroad),
		svc + " <" + vocab + "noVisitRequired> " + boolean(sv.NoVisit),
		svc + " <http://purl.org/dc/terms/language> <http://publications.europa.eu/resource/authority/language/ARA>",
	})
	channelOK := false
	for _, ch := range g.objects(svc, "http://data.europa.eu/m8g/hasChannel") {
		if g[ch+` <http://purl.org/dc/terms/type> "web"^^<http://www.w3.org/2001/XMLSchema#string>`] &&
			g[ch+" <https://schema.org/url> <"+sv.OnlineURL+">"] && g[ch+" <"+iriRDFType+"> <http://data.europa.eu/m8g/Channel>"] {
			channelOK = true
		}
	}
	if !channelOK {
		bad = append(bad, "a web channel with "+sv.OnlineURL)
	}
	costOK := false
	for _, c := range g.objects(svc, "http://data.europa.eu/m8g/hasCost") {
		values := g.objects(c, "http://data.europa.eu/m8g/value")
		if g[c+" <http://data.europa.eu/m8g/currency> <http://publications.europa.eu/resource/authority/currency/ILS>"] && len(values) == 1 {
			v := values[0]
			n, err := strconv.ParseFloat(v[1:strings.LastIndex(v, `"`)], 64)
			costOK = err == nil && n == sv.FeeILS
		}
	}
	if !costOK {
		bad = append(bad, fmt.Sprintf("a cost of %v ILS", sv.FeeILS))
	}
	return bad
}

func TestOpenDataCatalogJSONLD(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	ctx := context.Background()
	// A service with everything to check: an English name, a web channel,
	// a fee; one available from abroad and one not, so that both boolean
	// values are seen.
	var abroad, local *survey.Service
	n := 0
	err := st.EachService(ctx, true, func(sv survey.Service) error {
		n++
		if sv.NameEn == "" || sv.OnlineURL == "" || sv.FeeILS <= 0 || !strings.Contains(strings.Join(sv.Channels, ","), "web") ||
			!strings.Contains(strings.Join(sv.Languages, ","), "ar") {
			return nil
		}
		if sv.Abroad && abroad == nil {
			abroad = &sv
		} else if !sv.Abroad && local == nil {
			local = &sv
		}
		return nil
	})
	if err != nil || abroad == nil || local == nil {
		t.Fatalf("the demo lacks the services to check (%v): abroad %v, local %v", err, abroad != nil, local != nil)
	}
	res := c.get("/api/v1/catalog.jsonld")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("catalog.jsonld: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	g := toRDF(t, []byte(res.Body))
	for _, sv := range []survey.Service{*abroad, *local} {
		if bad := catalogTriples(g, sv); len(bad) > 0 {
			t.Errorf("service %d (%s/%s) lacks:\n%s", sv.ID, sv.InstitutionCode, sv.Code, strings.Join(bad, "\n"))
		}
	}
	// Every public service is in the graph, once.
	services := 0
	for tr := range g {
		if strings.HasSuffix(tr, " <"+iriRDFType+"> <http://purl.org/vocab/cpsv#PublicService>") {
			services++
		}
	}
	if services != n {
		t.Errorf("%d services in the graph, %d in the public catalog", services, n)
	}

	// The check can fail: a wrong namespace in the context, or Marsad's
	// terms left out of it, loses the triples it looks for.
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(ctx map[string]any){
		"wrong cpsv namespace": func(ctx map[string]any) { ctx["cpsv"] = "http://purl.org/vocab/cpsv/" },
		"no Marsad terms":      func(ctx map[string]any) { delete(ctx, "availableFromAbroad") },
		"wrong vocabulary IRI": func(ctx map[string]any) { ctx["marsad"] = "http://example.org/vocab#" },
	} {
		spoilt := map[string]any{}
		for k, v := range doc["@context"].(map[string]any) {
			spoilt[k] = v
		}
		spoil(spoilt)
		b, _ := json.Marshal(map[string]any{"@context": spoilt, "@graph": doc["@graph"]})
		if bad := catalogTriples(toRDF(t, b), *abroad); len(bad) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}

	// The vocabulary defines each term the catalog uses, in both languages.
	res = c.get("/api/v1/vocab.jsonld")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("vocab.jsonld: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	vg := toRDF(t, []byte(res.Body))
	term := "<" + testBase + "/api/v1/vocab.jsonld#noVisitRequired>"
	if bad := vg.missing([]string{
		term + " <" + iriRDFType + "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property>",
		term + ` <http://www.w3.org/2000/01/rdf-schema#label> "لا تتطلب مراجعة شخصية"@ar`,
		term + ` <http://www.w3.org/2000/01/rdf-schema#label> "no visit required"@en`,
		term + " <http://www.w3.org/2000/01/rdf-schema#range> <" + iriXSDBool + ">",
	}); len(bad) > 0 {
		t.Errorf("the vocabulary lacks:\n%s", strings.Join(bad, "\n"))
	}
}

// dcatDataset is a dataset's IRI in the DCAT catalogue.
func dcatDataset(key string) string { return "<" + testBase + "/ar/open-data#" + key + ">" }

func TestOpenDataDCAT(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	ctx := context.Background()
	admin, err := st.UserByEmail(ctx, "admin@example.ps")
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Two published public rounds at least: one of them is made private,
	// and must leave the catalogue.
	var public []survey.Round
	for _, r := range rounds {
		if r.Status == survey.RoundPublished && r.Public && !r.Archived {
			public = append(public, r)
		}
	}
	if len(public) < 2 || len(public) == len(rounds) {
		t.Fatalf("the demo has %d published public rounds of %d", len(public), len(rounds))
	}
	private := public[len(public)-1]
	if err := st.SetRoundPublic(ctx, admin.ID, private.ID, false); err != nil {
		t.Fatal(err)
	}
	res := c.get("/api/v1/dcat")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("dcat: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	g := toRDF(t, []byte(res.Body))
	dataset := "<http://www.w3.org/ns/dcat#Dataset>"
	licence := "<http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/>"
	for _, r := range rounds {
		id := strconv.FormatInt(r.ID, 10)
		want := r.Status == survey.RoundPublished && r.Public && !r.Archived && r.ID != private.ID
		for _, key := range []string{"rankings-" + id, "microdata-" + id} {
			if got := g[dcatDataset(key)+" <"+iriRDFType+"> "+dataset]; got != want {
				t.Errorf("round %d (%s, public %v, made private %v): dataset %s listed %v, want %v", r.ID, r.Status, r.Public, r.ID == private.ID, key, got, want)
			}
		}
		if !want {
			continue
		}
		rk := dcatDataset("rankings-" + id)
		if bad := g.missing([]string{
			rk + " <http://purl.org/dc/terms/title> " + strconv.Quote(srv.locales["ar"].T("opendata.ds.rankings.title", r.Name)) + "@ar",
			rk + " <http://purl.org/dc/terms/title> " + strconv.Quote(srv.locales["en"].T("opendata.ds.rankings.title", r.Name)) + "@en",
			rk + ` <http://purl.org/dc/terms/modified> "` + r.PublishedAt.UTC().Format("2006-01-02T15:04:05Z") + `"^^<http://www.w3.org/2001/XMLSchema#dateTime>`,
			rk + " " + licence,
			rk + " <http://purl.org/dc/terms/publisher> <" + testBase + "/ar/open-data#publisher>",
		}); len(bad) > 0 {
			t.Errorf("round %d lacks:\n%s", r.ID, strings.Join(bad, "\n"))
		}
		// Its distributions: the Arabic CSV among them, downloadable.
		found := false
		for _, d := range g.objects(rk, "http://www.w3.org/ns/dcat#distribution") {
			if g[d+" <http://www.w3.org/ns/dcat#downloadURL> <"+testBase+"/ar/rounds/"+id+"/rankings.csv>"] &&
				g[d+" <http://purl.org/dc/terms/format> <http://publications.europa.eu/resource/authority/file-type/CSV>"] &&
				g[d+" "+licence] {
				found = true
			}
		}
		if !found {
			t.Errorf("round %d: no CSV distribution of the rankings", r.ID)
		}
	}
	cat := dcatDataset("catalog")
	if bad := g.missing([]string{
		"<" + testBase + "/api/v1/dcat> <" + iriRDFType + "> <http://www.w3.org/ns/dcat#Catalog>",
		"<" + testBase + "/api/v1/dcat> <http://www.w3.org/ns/dcat#dataset> " + cat,
		cat + " <http://purl.org/dc/terms/title> " + strconv.Quote(srv.locales["ar"].T("opendata.ds.catalog.title")) + "@ar",
		cat + " <http://purl.org/dc/terms/title> " + strconv.Quote(srv.locales["en"].T("opendata.ds.catalog.title")) + "@en",
		cat + " " + licence,
		"<" + testBase + "/ar/open-data#publisher> <http://xmlns.com/foaf/0.1/name> " + strconv.Quote(survey.DemoOpenData.PublisherAr) + "@ar",
		"<" + testBase + "/ar/open-data#publisher> <http://xmlns.com/foaf/0.1/name> " + strconv.Quote(survey.DemoOpenData.PublisherEn) + "@en",
		dcatDataset("stories") + " <" + iriRDFType + "> " + dataset,
		dcatDataset("initiatives") + " <" + iriRDFType + "> " + dataset,
	}); len(bad) > 0 {
		t.Errorf("the catalogue lacks:\n%s", strings.Join(bad, "\n"))
	}
	if len(g.objects(cat, "http://purl.org/dc/terms/modified")) != 1 {
		t.Error("the service catalog has no date")
	}

	// With the licence unset, nothing claims one: a rights statement says so.
	c.signIn("en", "admin@example.ps", survey.DemoPassword)
	if res := c.post("/en/admin/open-data", url.Values{"licence": {""}, "publisher_ar": {"جهة"}, "publisher_en": {""}}, "/en/admin/open-data"); res.Status != http.StatusSeeOther {
		t.Fatalf("unset the licence: %d", res.Status)
	}
	g = toRDF(t, []byte(c.get("/api/v1/dcat").Body))
	for tr := range g {
		if strings.Contains(tr, "<http://purl.org/dc/terms/license>") {
			t.Fatalf("a licence with none set: %s", tr)
		}
	}
	rights := g.objects(cat, "http://purl.org/dc/terms/rights")
	if len(rights) != 1 || !g[rights[0]+` <http://www.w3.org/2000/01/rdf-schema#label> "No licence set"@en`] {
		t.Errorf("no rights statement saying there is no licence: %v", rights)
	}
	page := c.get("/en/open-data")
	if !strings.Contains(page.Body, "No licence set") || strings.Contains(page.Body, "creativecommons.org") {
		t.Errorf("the page with no licence: %.300s", page.Body)
	}
}

func TestOpenDataSettingsForm(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	ctx := context.Background()
	c.signIn("en", "admin@example.ps", survey.DemoPassword)
	// Refused: another licence with no address, a publisher too long.
	res := c.post("/en/admin/open-data", url.Values{"licence": {"other"}, "licence_name": {"Open Government Licence"},
		"licence_url": {"javascript:alert(1)"}, "publisher_en": {strings.Repeat("x", 201)}}, "/en/admin/open-data")
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, html.EscapeString(srv.locales["en"].T("err.licence_url"))) ||
		!strings.Contains(res.Body, html.EscapeString(srv.locales["en"].T("err.publisher"))) || !strings.Contains(res.Body, "Open Government Licence") {
		t.Fatalf("a bad form: %d", res.Status)
	}
	if o, _ := st.OpenData(ctx); o != survey.DemoOpenData {
		t.Fatalf("a refused form changed the settings: %+v", o)
	}
	// A known licence takes its name and address from the list, whatever
	// was typed; the change is audited.
	res = c.post("/en/admin/open-data", url.Values{"licence": {"cc0-1.0"}, "licence_name": {"mine"}, "licence_url": {"https://example.org/"},
		"publisher_ar": {"الجهة"}, "publisher_en": {"The body"}}, "/en/admin/open-data")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.Status)
	}
	o, err := st.OpenData(ctx)
	if err != nil || o.LicenceName != "CC0 1.0" || o.LicenceURL != "https://creativecommons.org/publicdomain/zero/1.0/" || o.PublisherEn != "The body" {
		t.Fatalf("stored %+v, %v", o, err)
	}
	audit, err := st.AuditLogPage(ctx, survey.AuditFilter{}, 1, 5)
	if err != nil || len(audit.Events) == 0 || audit.Events[0].EntityKey != "open_data" {
		t.Errorf("not audited: %+v %v", audit.Events, err)
	}
	// Another licence with its own address; both languages of the page show it.
	res = c.post("/en/admin/open-data", url.Values{"licence": {"other"}, "licence_name": {"OGL-PS 1.0"}, "licence_url": {"https://data.example.ps/licence"}}, "/en/admin/open-data")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save another licence: %d", res.Status)
	}
	for _, lang := range []string{"ar", "en"} {
		page := c.get("/" + lang + "/open-data")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `href="https://data.example.ps/licence"`) || !strings.Contains(page.Body, "OGL-PS 1.0") ||
			!strings.Contains(page.Body, `href="/api/v1/dcat"`) || !strings.Contains(page.Body, srv.locales[lang].T("opendata.ds.catalog.title")) {
			t.Errorf("/%s/open-data: %d", lang, page.Status)
		}
	}
	// The form shows the stored choice.
	if form := c.get("/ar/admin/open-data"); !strings.Contains(form.Body, `value="other" selected`) || !strings.Contains(form.Body, "OGL-PS 1.0") {
		t.Errorf("the form does not show the stored licence")
	}
}

func TestAPIDashboardTables(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	rounds, err := st.ListRounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var r survey.Round
	for _, x := range rounds {
		if x.Status == survey.RoundPublished && x.Public && !x.Archived {
			r = x
			break
		}
	}
	id := strconv.FormatInt(r.ID, 10)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/rounds/"+id+"/dashboard", nil)
	req.Header.Set("Accept-Language", "en")
	res := c.do(req)
	if res.Status != http.StatusOK {
		t.Fatalf("dashboard API: %d %.300s", res.Status, res.Body)
	}
	var got dashboardJSON
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || got.Lang != "en" || got.Round.ID != r.ID || len(got.Charts) < 3 {
		t.Fatalf("dashboard API: %v, %+v", err, got)
	}
	// Each table is the chart's CSV export, row for row.
	for _, ch := range got.Charts {
		csv := c.get("/en/rounds/" + id + "/dashboard.csv?chart=" + ch.ID)
		if csv.Status != http.StatusOK {
			t.Fatalf("%s: CSV %d", ch.ID, csv.Status)
		}
		body := strings.TrimPrefix(csv.Body, "\ufeff")
		if len(ch.Head) > 0 && !strings.Contains(body, ch.Head[0]) {
			t.Errorf("%s: head %v not in the CSV", ch.ID, ch.Head)
		}
		if len(ch.Rows) > 0 && !strings.Contains(body, ch.Rows[0][0]) {
			t.Errorf("%s: first row %v not in the CSV", ch.ID, ch.Rows[0])
		}
		lines := strings.Count(strings.TrimRight(body, "\r\n"), "\n") + 1
		if want := 1 + len(ch.Rows) + min(1, len(ch.Note)); lines < want {
			t.Errorf("%s: %d CSV lines, %d rows in the API", ch.ID, lines, len(ch.Rows))
		}
	}
	// The same access as the page: a round anonymous callers may not see.
	for _, x := range rounds {
		if x.Status != survey.RoundPublished {
			if res := c.get("/api/v1/rounds/" + strconv.FormatInt(x.ID, 10) + "/dashboard"); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("round %d (%s) anonymous: %d", x.ID, x.Status, res.Status)
			}
		}
	}
}
