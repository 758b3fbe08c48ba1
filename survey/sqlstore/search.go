package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"marsad/survey"
)

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchCatalog finds active services of active institutions through the
// in-memory catalog index (package search): one pass counts the results
// for every filter value and orders them, and the requested page's full
// rows then come from SQLite.
func (s *Store) SearchCatalog(ctx context.Context, q survey.CatalogQuery) (survey.CatalogResult, error) {
	if q.PerPage <= 0 || q.PerPage > 1000 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	q.Institution = strings.ToUpper(q.Institution)
	idx, err := s.catalog(ctx)
	if err != nil {
		return survey.CatalogResult{}, err
	}
	m := s.search(idx, q)
	res := survey.CatalogResult{Total: m.Total, PerPage: q.PerPage, Institutions: m.Institutions, Categories: m.Categories,
		Audiences: m.Audiences, Abroad: m.Abroad, NoVisit: m.NoVisit, EPayment: m.EPayment}
	copy(res.Stages[:], m.Stages)
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	q.Page = min(q.Page, max(res.Pages, 1))
	res.Page = q.Page
	from := (q.Page - 1) * q.PerPage
	res.Services, err = s.resultRows(ctx, idx.version, m.IDs(from, from+q.PerPage))
	return res, err
}

// resultRows are the full rows of a result page, in the order of ids: from
// the cache's "service rows" space where they were read at this catalog
// version, from SQLite for the rest. A service is on the pages of many
// searches; reading twenty rows was a fifth of an uncached search.
func (s *Store) resultRows(ctx context.Context, version string, ids []int64) ([]survey.Service, error) {
	out := make([]survey.Service, len(ids))
	var missing []int64
	at := map[int64]int{}
	for i, id := range ids {
		if sv, ok := s.rows.Get(strconv.FormatInt(id, 10), version); ok {
			out[i] = sv
			continue
		}
		missing = append(missing, id)
		at[id] = i
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.servicesByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, sv := range read {
		out[at[sv.ID]] = sv
		s.rows.Put(strconv.FormatInt(sv.ID, 10), version, sv)
	}
	if len(read) != len(missing) { // deleted since the index was built: leave it out
		kept := out[:0]
		for _, sv := range out {
			if sv.ID != 0 {
				kept = append(kept, sv)
			}
		}
		out = kept
	}
	return out, nil
}

// servicesByID reads full rows for services, in the order of ids.
func (s *Store) servicesByID(ctx context.Context, ids []int64) ([]survey.Service, error) {
	if len(ids) == 0 {
		return []survey.Service{}, nil
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
	slices.SortFunc(list, func(a, b survey.Service) int { return pos[a.ID] - pos[b.ID] })
	return list, nil
}
