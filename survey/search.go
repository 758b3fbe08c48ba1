package survey

import (
	"context"
	"slices"
	"strings"

	"marsad/survey/search"
)

// CatalogQuery is a search of the public catalog; each field is a filter
// that is off at its zero value (see search.Query).
type CatalogQuery = search.Query

// CatalogSorts are the accepted sort orders.
var CatalogSorts = search.Sorts

// Facet is one filter value with how many results have it.
type Facet = search.Facet

// CatalogResult is one page of results and the counts per filter value over
// all results.
type CatalogResult struct {
	Total        int
	Services     []Service
	Page, Pages  int
	PerPage      int
	Institutions []Facet
	Categories   []Facet
	Audiences    []Facet
	Stages       [MaxStage + 1]int
	Abroad       int
	NoVisit      int
	EPayment     int
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchCatalog finds active services of active institutions through the
// in-memory catalog index (package search): one pass counts the results
// for every filter value and orders them, and the requested page's full
// rows then come from SQLite.
func (s *Store) SearchCatalog(ctx context.Context, q CatalogQuery) (CatalogResult, error) {
	if q.PerPage <= 0 || q.PerPage > 1000 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	q.Institution = strings.ToUpper(q.Institution)
	idx, err := s.catalog(ctx)
	if err != nil {
		return CatalogResult{}, err
	}
	m := idx.search(q)
	res := CatalogResult{Total: m.Total, PerPage: q.PerPage, Institutions: m.Institutions, Categories: m.Categories,
		Audiences: m.Audiences, Abroad: m.Abroad, NoVisit: m.NoVisit, EPayment: m.EPayment}
	copy(res.Stages[:], m.Stages)
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	q.Page = min(q.Page, max(res.Pages, 1))
	res.Page = q.Page
	from := (q.Page - 1) * q.PerPage
	res.Services, err = s.servicesByID(ctx, m.IDs(from, from+q.PerPage))
	return res, err
}

// servicesByID reads full rows for services, in the order of ids.
func (s *Store) servicesByID(ctx context.Context, ids []int64) ([]Service, error) {
	if len(ids) == 0 {
		return []Service{}, nil
	}
	args := make([]any, len(ids))
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		args[i] = id
		pos[id] = i
	}
	list, err := s.queryServices(ctx, serviceSelect+"WHERE s.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b Service) int { return pos[a.ID] - pos[b.ID] })
	return list, nil
}
