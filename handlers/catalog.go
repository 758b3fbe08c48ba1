package handlers

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// catalogQuery reads a catalog search from the URL, so any view can be
// shared as a link. Unknown values are ignored rather than refused.
func catalogQuery(c *gin.Context) survey.CatalogQuery {
	stage, _ := strconv.Atoi(survey.NormalizeDigits(c.Query("stage_min")))
	page, _ := strconv.Atoi(survey.NormalizeDigits(c.Query("page")))
	q := survey.CatalogQuery{
		Q: c.Query("q"), Institution: strings.ToUpper(c.Query("institution")),
		Category: c.Query("category"), Audience: c.Query("audience"), StageMin: min(max(stage, 0), survey.MaxStage),
		Abroad: c.Query("abroad") == "1", NoVisit: c.Query("no_visit") == "1", EPayment: c.Query("epay") == "1",
		Sort: c.Query("sort"), Lang: lang(c), Page: min(max(page, 1), 1_000_000), PerPage: 20,
	}
	if !containsString(survey.Categories, q.Category) {
		q.Category = ""
	}
	if !containsString(survey.Audiences, q.Audience) {
		q.Audience = ""
	}
	if !containsString(survey.CatalogSorts, q.Sort) {
		q.Sort = "relevance"
	}
	if len(q.Q) > 200 {
		q.Q = q.Q[:200]
	}
	return q
}

// catalogParamNames are the query parameters the catalog understands.
var catalogParamNames = []string{"q", "institution", "category", "audience", "stage_min", "abroad", "no_visit", "epay", "sort", "page"}

// catalogParams keeps the known, non-empty parameters (first value each).
func catalogParams(in url.Values) url.Values {
	out := url.Values{}
	for _, k := range catalogParamNames {
		if v := in.Get(k); v != "" && len(v) <= 200 {
			out.Set(k, v)
		}
	}
	return out
}

// onlyKnownParams reports a query with nothing but the catalog's own
// parameters, each once: such a page can be cached under its canonical URL.
func onlyKnownParams(q url.Values) bool {
	for k, vs := range q {
		if !containsString(catalogParamNames, k) || len(vs) != 1 || len(vs[0]) > 200 {
			return false
		}
	}
	return true
}

// catalogPage is the public catalog page: the query, the results, the
// filter choices with their counts, and the links that change one thing
// about the query.
type catalogPage struct {
	Query  survey.CatalogQuery
	Result survey.CatalogResult
	// Choices for the filter selects, labelled and counted here rather than
	// in the template: a catalog has up to hundreds of institutions, and
	// per-option template calls were half the page's cost.
	Institutions, Categories, Audiences, Stages, Sorts []option
	// Cards are the results as rendered by the "service_item" partial
	// (serviceCards).
	Cards  []template.HTML
	lang   string
	params url.Values
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
	// Count follows the label when Counted: "Ministry of Health (12)".
	Count   int
	Counted bool
}

// optionsHTML renders options as <option> elements, escaping every value
// and label itself. A select with hundreds of institutions costs a few
// hundred escaper calls through reflection in html/template; writing the
// escaped text here is an order of magnitude cheaper and just as safe.
func optionsHTML(opts []option) template.HTML {
	var b strings.Builder
	b.Grow(len(opts) * 96) // about what an option with a name in Arabic takes
	for _, o := range opts {
		b.WriteString(`<option value="`)
		writeEscaped(&b, o.Value)
		b.WriteByte('"')
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		writeEscaped(&b, o.Label)
		if o.Counted {
			b.WriteString(" (")
			b.WriteString(strconv.Itoa(o.Count))
			b.WriteByte(')')
		}
		b.WriteString("</option>")
	}
	return template.HTML(b.String()) // #nosec G203 -- every part escaped (writeEscaped) or a number
}

// writeEscaped writes s to b escaped as html.EscapeString does, without
// making a copy of s first: a catalog page writes some 3,000 labels.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// OptionsHTML is optionsHTML for templates.
func (p catalogPage) OptionsHTML(opts []option) template.HTML { return optionsHTML(opts) }

// newCatalogPage labels every filter choice in the page's language.
func newCatalogPage(v *view, q survey.CatalogQuery, res survey.CatalogResult, params url.Values) catalogPage {
	p := catalogPage{Query: q, Result: res, lang: v.Lang, params: params}
	all := option{Value: "", Label: v.T("catalog.all")}
	p.Institutions = make([]option, 0, len(res.Institutions)+1)
	p.Institutions = append(p.Institutions, all)
	for _, f := range res.Institutions {
		p.Institutions = append(p.Institutions, option{f.Value, f.Label(v.Lang), f.Value == q.Institution, f.Count, true})
	}
	p.Categories = append(p.Categories, all)
	for _, f := range res.Categories {
		p.Categories = append(p.Categories, option{f.Value, v.T("category." + f.Value), f.Value == q.Category, f.Count, true})
	}
	p.Audiences = append(p.Audiences, all)
	for _, f := range res.Audiences {
		p.Audiences = append(p.Audiences, option{f.Value, v.T("audience." + f.Value), f.Value == q.Audience, f.Count, true})
	}
	p.Stages = append(p.Stages, option{"0", v.T("catalog.any_stage"), q.StageMin == 0, 0, false})
	for n := 1; n <= survey.MaxStage; n++ {
		label := strconv.Itoa(n) + " – " + v.T("stage."+strconv.Itoa(n))
		p.Stages = append(p.Stages, option{strconv.Itoa(n), label, q.StageMin == n, p.FromStage(n), true})
	}
	for _, s := range survey.CatalogSorts {
		p.Sorts = append(p.Sorts, option{s, v.T("catalog.sort_" + s), s == q.Sort, 0, false})
	}
	return p
}

// Link is the catalog URL with key set to value ("" removes it); changing a
// filter goes back to page 1.
func (p catalogPage) Link(key, value string) string {
	q := url.Values{}
	for k, vs := range p.params {
		q[k] = append([]string(nil), vs...)
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if key != "page" {
		q.Del("page")
	}
	if q.Get("sort") == "relevance" {
		q.Del("sort")
	}
	if len(q) == 0 {
		return "/" + p.lang + "/catalog"
	}
	return "/" + p.lang + "/catalog?" + q.Encode()
}

// PageLinks are the page numbers to show: the first, the last, and the
// current one with its neighbours; 0 stands for a gap.
func (p catalogPage) PageLinks() []int {
	var out []int
	last := 0
	for i := 1; i <= p.Result.Pages; i++ {
		if i == 1 || i == p.Result.Pages || (i >= p.Result.Page-2 && i <= p.Result.Page+2) {
			if last != 0 && i > last+1 {
				out = append(out, 0)
			}
			out = append(out, i)
			last = i
		}
	}
	return out
}

// InstitutionLabel names the institution the catalog is narrowed to, in the
// page's language: its name from the facets, the code only when no result
// carries it.
func (p catalogPage) InstitutionLabel() string {
	for _, f := range p.Result.Institutions {
		if f.Value == p.Query.Institution {
			return f.Label(p.lang)
		}
	}
	return p.Query.Institution
}

// Filtered reports whether any filter or query is applied.
func (p catalogPage) Filtered() bool {
	q := p.Query
	return q.Q != "" || q.Institution != "" || q.Category != "" || q.Audience != "" || q.StageMin > 0 || q.Abroad || q.NoVisit || q.EPayment
}

// FromStage counts results at stage n or above.
func (p catalogPage) FromStage(n int) int {
	total := 0
	for i := n; i <= survey.MaxStage; i++ {
		total += p.Result.Stages[i]
	}
	return total
}

// showCatalog is the public, searchable catalog. It works without JavaScript:
// the filters are a GET form and every result count is a link.
//
// Anonymous visitors all see the same page for the same search, so it is
// rendered once per catalog version and then served from memory, keyed by
// the canonical form of the search. Only URLs with nothing but the known
// parameters are cached, so junk in a query string can neither fill the
// cache nor end up in a page that others are served.
func (s *Server) showCatalog(c *gin.Context) {
	ctx := c.Request.Context()
	raw := c.Request.URL.Query()
	params := catalogParams(raw)
	key := "/" + lang(c) + "/catalog"
	if len(params) > 0 {
		key += "?" + params.Encode()
	}
	anonymous := currentUser(c) == nil && onlyKnownParams(raw)
	version, err := s.store.CatalogVersion(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if anonymous {
		if gz, ok := s.catalogPages.get(key, version); ok {
			s.writeGzipPage(c, http.StatusOK, gz)
			return
		}
	}
	q := catalogQuery(c)
	res, err := s.store.SearchCatalog(ctx, q)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "catalog.title")
	page := newCatalogPage(v, q, res, params)
	if page.Cards, err = s.serviceCards(v, version, res.Services); err != nil {
		s.serverError(c, err)
		return
	}
	v.Data = page
	body, release, ok := s.renderBytes(c, "catalog", v)
	defer release()
	if !ok {
		return
	}
	if anonymous {
		gz := gzipBytes(body)
		s.catalogPages.put(key, version, gz)
		s.writeGzipPage(c, http.StatusOK, gz)
		return
	}
	s.writePage(c, http.StatusOK, body)
}

// serviceCards renders each service of a result page with the
// "service_item" partial, or takes the same card rendered before at this
// catalog version in this language (the cache's "service cards" space): a
// service is on the pages of many different searches, and rendering the
// twenty of a page was the larger part of an uncached search.
func (s *Server) serviceCards(v *view, version string, services []survey.Service) ([]template.HTML, error) {
	cards := make([]template.HTML, len(services))
	var t *template.Template
	for i, sv := range services {
		key := v.Lang + "/" + strconv.FormatInt(sv.ID, 10)
		if h, ok := s.serviceCardCache.get(key, version); ok {
			cards[i] = h
			continue
		}
		if t == nil {
			var err error
			if t, err = s.pages.get("catalog"); err != nil {
				return nil, err
			}
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, "service_item", v.Pair(v, sv)); err != nil {
			return nil, err
		}
		cards[i] = template.HTML(b.String()) // #nosec G203 -- made by html/template just now
		s.serviceCardCache.put(key, version, cards[i])
	}
	return cards, nil
}

func (s *Server) showCatalogService(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	sv, err := s.store.PublicService(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "")
	v.Title = sv.Name(v.Lang)
	v.Data = s.observedService(c, sv)
	s.render(c, http.StatusOK, "catalog_service", v)
}
