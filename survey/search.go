package survey

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CatalogQuery is a search of the public catalog; each field is a filter
// that is off at its zero value.
type CatalogQuery struct {
	Q           string // words to find in names and descriptions (Arabic folded)
	Institution string // institution code
	Category    string
	Audience    string
	StageMin    int
	Abroad      bool // available from abroad
	NoVisit     bool // no visit required
	EPayment    bool
	Sort        string // "relevance" (default with words), "name" (default without), "stage", "institution", "updated"
	Lang        string // language whose names "name" sorts by
	Page        int    // 1-based
	PerPage     int
}

// CatalogSorts are the accepted sort orders.
var CatalogSorts = []string{"relevance", "name", "stage", "institution", "updated"}

// Facet is one filter value with how many results have it.
type Facet struct {
	Value   string
	LabelAr string
	LabelEn string
	Count   int
}

// Label is the facet's label in lang ("" for values that the page translates).
func (f Facet) Label(lang string) string {
	if lang == "en" && f.LabelEn != "" {
		return f.LabelEn
	}
	return f.LabelAr
}

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
// in-memory catalog index: one pass counts the results for every filter
// value and picks the requested page, whose full rows then come from SQLite.
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
	res := m.res
	res.PerPage = q.PerPage
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	q.Page = min(q.Page, max(res.Pages, 1))
	res.Page = q.Page
	from := min((q.Page-1)*q.PerPage, len(m.matched))
	var page []*catalogEntry
	for _, ord := range m.matched[from:min(from+q.PerPage, len(m.matched))] {
		page = append(page, &idx.entries[ord])
	}
	res.Services, err = s.servicesByID(ctx, page)
	return res, err
}

// search filters the index and counts every filter value, or returns the
// remembered outcome of the same search.
func (idx *catalogIndex) search(q CatalogQuery) *catalogMatch {
	key := fmt.Sprintf("%s|%s|%s|%s|%d|%t|%t|%t|%s|%s", strings.Join(FoldTerms(q.Q), " "), q.Institution, q.Category,
		q.Audience, q.StageMin, q.Abroad, q.NoVisit, q.EPayment, q.Sort, q.Lang)
	idx.mu.Lock()
	m, ok := idx.results[key]
	idx.mu.Unlock()
	if ok {
		return m
	}
	m = idx.match(q)
	idx.mu.Lock()
	if old, ok := idx.results[key]; ok { // searched at the same time by another
		idx.resultBytes -= old.bytes()
		delete(idx.results, key)
	}
	// Full: forget searches at random until this one fits (popular ones
	// are soon back).
	for k, old := range idx.results {
		if len(idx.results) < maxCachedSearches && idx.resultBytes+m.bytes() <= maxCachedSearchBytes {
			break
		}
		delete(idx.results, k)
		idx.resultBytes -= old.bytes()
	}
	idx.results[key] = m
	idx.resultBytes += m.bytes()
	idx.mu.Unlock()
	return m
}

func (idx *catalogIndex) match(q CatalogQuery) *catalogMatch {
	terms := FoldTerms(q.Q)
	// Longer words are rarer: testing them first rejects most entries sooner.
	slices.SortStableFunc(terms, func(a, b string) int { return len(b) - len(a) })
	var audienceBit uint8
	for i, a := range Audiences {
		if a == q.Audience {
			audienceBit = 1 << i
		}
	}
	m := &catalogMatch{}
	res := &m.res
	text := idx.textMatches(terms)
	instCount := make([]int, len(idx.institutions))
	catCount := make([]int, len(Categories))
	var audCount [8]int
	var stageCount [MaxStage + 1]int
	// Each filter's counts say what choosing a value would give, so they
	// apply every other filter but not their own: with MOH chosen, the
	// institution list still counts MOI's services.
	for _, ord := range idx.orders[q.order()] {
		if text != nil && !hasOrd(text, ord) {
			continue
		}
		e := &idx.entries[ord]
		f := e.failures(q, audienceBit)
		if f == 0 {
			m.matched = append(m.matched, ord)
		}
		if f&^failInstitution == 0 {
			instCount[e.inst.ordinal]++
		}
		if f&^failCategory == 0 && e.catOrd >= 0 {
			catCount[e.catOrd]++
		}
		if f&^failAudience == 0 {
			for i := range Audiences {
				if e.audience&(1<<i) != 0 {
					audCount[i]++
				}
			}
		}
		if f&^failStage == 0 {
			stageCount[e.stage]++
		}
		if f&^failAbroad == 0 && e.abroad {
			res.Abroad++
		}
		if f&^failNoVisit == 0 && e.noVisit {
			res.NoVisit++
		}
		if f&^failEPayment == 0 && e.ePayment {
			res.EPayment++
		}
	}
	res.Stages = stageCount
	if q.Sort == "relevance" && len(terms) > 0 {
		// Services whose name has every word come first, each group in name order.
		var inName, rest []int32
		for _, i := range m.matched {
			e := &idx.entries[i]
			hit := true
			for _, t := range terms {
				if !containsTerm(e.names, t) {
					hit = false
					break
				}
			}
			if hit {
				inName = append(inName, i)
			} else {
				rest = append(rest, i)
			}
		}
		m.matched = append(inName, rest...)
	}
	res.Total = len(m.matched)
	for _, i := range idx.institutionsBy(q.Lang) { // in label order
		if n := instCount[i]; n > 0 {
			inst := idx.institutions[i]
			res.Institutions = append(res.Institutions, Facet{Value: inst.code, LabelAr: inst.nameAr, LabelEn: inst.nameEn, Count: n})
		}
	}
	for i, c := range Categories {
		if catCount[i] > 0 {
			res.Categories = append(res.Categories, Facet{Value: c, Count: catCount[i]})
		}
	}
	for i, a := range Audiences {
		if audCount[i] > 0 {
			res.Audiences = append(res.Audiences, Facet{Value: a, Count: audCount[i]})
		}
	}
	return m
}

// servicesByID reads full rows for index entries, in the entries' order.
func (s *Store) servicesByID(ctx context.Context, page []*catalogEntry) ([]Service, error) {
	if len(page) == 0 {
		return []Service{}, nil
	}
	ids := make([]any, len(page))
	for i, e := range page {
		ids[i] = e.id
	}
	list, err := s.queryServices(ctx, serviceSelect+"WHERE s.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	if err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(page))
	for i, e := range page {
		pos[e.id] = i
	}
	slices.SortFunc(list, func(a, b Service) int { return pos[a.ID] - pos[b.ID] })
	return list, nil
}
