package handlers

import (
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
		Sort: c.Query("sort"), Lang: lang(c), Page: page, PerPage: 20,
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

// catalogPage is the public catalog page: the query, the results and the
// links that change one thing about the query.
type catalogPage struct {
	Query  survey.CatalogQuery
	Result survey.CatalogResult
	lang   string
	params url.Values
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

// Filtered reports whether any filter or query is applied.
func (p catalogPage) Filtered() bool {
	q := p.Query
	return q.Q != "" || q.Institution != "" || q.Category != "" || q.Audience != "" || q.StageMin > 0 || q.Abroad || q.NoVisit || q.EPayment
}

// Stages lists 0..5 for templates.
func (p catalogPage) Stages() []int { return []int{0, 1, 2, 3, 4, 5} }

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
func (s *Server) showCatalog(c *gin.Context) {
	q := catalogQuery(c)
	res, err := s.store.SearchCatalog(c.Request.Context(), q)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "catalog.title")
	v.Data = catalogPage{Query: q, Result: res, lang: v.Lang, params: c.Request.URL.Query()}
	s.render(c, http.StatusOK, "catalog", v)
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
	v.Data = sv
	s.render(c, http.StatusOK, "catalog_service", v)
}
