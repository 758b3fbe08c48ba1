package survey

import (
	"context"
	"fmt"
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
	Sort        string // "name" (default), "stage", "institution", "updated"
	Lang        string // language whose names "name" sorts by
	Page        int    // 1-based
	PerPage     int
}

// CatalogSorts are the accepted sort orders.
var CatalogSorts = []string{"name", "stage", "institution", "updated"}

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

// where builds the filter of q over services s joined to institutions i.
func (q CatalogQuery) where() (string, []any) {
	conds := []string{"s.status = 'active'", "i.active = 1"}
	var args []any
	for _, term := range FoldTerms(q.Q) {
		conds = append(conds, `s.search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(term)+"%")
	}
	if q.Institution != "" {
		conds = append(conds, "i.code = ?")
		args = append(args, strings.ToUpper(q.Institution))
	}
	if q.Category != "" {
		conds = append(conds, "s.category = ?")
		args = append(args, q.Category)
	}
	if q.Audience != "" {
		conds = append(conds, "s.audience LIKE ?")
		args = append(args, "%,"+likeEscape(q.Audience)+",%")
	}
	if q.StageMin > 0 {
		conds = append(conds, "s.stage >= ?")
		args = append(args, q.StageMin)
	}
	if q.Abroad {
		conds = append(conds, "s.abroad = 1")
	}
	if q.NoVisit {
		conds = append(conds, "s.no_visit = 1")
	}
	if q.EPayment {
		conds = append(conds, "s.e_payment = 1")
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

func (q CatalogQuery) orderBy() string {
	name := "s.name_ar"
	if q.Lang == "en" {
		name = "coalesce(nullif(s.name_en, ''), s.name_ar)"
	}
	switch q.Sort {
	case "stage":
		return "ORDER BY s.stage DESC, " + name + ", s.id"
	case "institution":
		return "ORDER BY i.code, " + name + ", s.id"
	case "updated":
		return "ORDER BY s.updated_at DESC, s.id DESC"
	}
	return "ORDER BY " + name + ", s.id"
}

// SearchCatalog finds active services of active institutions. The filter
// runs once into a temporary result from which the counts per filter value
// are taken, then one page of full rows is read.
func (s *Store) SearchCatalog(ctx context.Context, q CatalogQuery) (CatalogResult, error) {
	if q.PerPage <= 0 || q.PerPage > 1000 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	where, args := q.where()
	res := CatalogResult{PerPage: q.PerPage}
	facets := `WITH m AS MATERIALIZED (
			SELECT i.code AS inst, i.name_ar AS inst_ar, i.name_en AS inst_en, s.category, s.audience, s.stage, s.abroad, s.no_visit, s.e_payment
			FROM services s JOIN institutions i ON i.id = s.institution_id ` + where + `)
		SELECT 'institution', inst, inst_ar, inst_en, count(*) FROM m GROUP BY inst
		UNION ALL SELECT 'category', category, '', '', count(*) FROM m GROUP BY category
		UNION ALL SELECT 'stage', stage, '', '', count(*) FROM m GROUP BY stage
		UNION ALL SELECT 'flags', 'total', '', '', count(*) FROM m
		UNION ALL SELECT 'flags', 'abroad', '', '', coalesce(sum(abroad), 0) FROM m
		UNION ALL SELECT 'flags', 'no_visit', '', '', coalesce(sum(no_visit), 0) FROM m
		UNION ALL SELECT 'flags', 'e_payment', '', '', coalesce(sum(e_payment), 0) FROM m`
	for _, a := range Audiences {
		facets += fmt.Sprintf(" UNION ALL SELECT 'audience', '%s', '', '', coalesce(sum(audience LIKE '%%,%s,%%'), 0) FROM m", a, a)
	}
	rows, err := s.r.QueryContext(ctx, facets, args...)
	if err != nil {
		return res, fmt.Errorf("survey: catalog facets: %w", err)
	}
	for rows.Next() {
		var kind string
		var f Facet
		if err := rows.Scan(&kind, &f.Value, &f.LabelAr, &f.LabelEn, &f.Count); err != nil {
			rows.Close()
			return res, fmt.Errorf("survey: catalog facets: %w", err)
		}
		switch kind {
		case "institution":
			res.Institutions = append(res.Institutions, f)
		case "category":
			res.Categories = append(res.Categories, f)
		case "audience":
			if f.Count > 0 {
				res.Audiences = append(res.Audiences, f)
			}
		case "stage":
			var st int
			if _, err := fmt.Sscan(f.Value, &st); err == nil && st >= 0 && st <= MaxStage {
				res.Stages[st] = f.Count
			}
		case "flags":
			switch f.Value {
			case "total":
				res.Total = f.Count
			case "abroad":
				res.Abroad = f.Count
			case "no_visit":
				res.NoVisit = f.Count
			case "e_payment":
				res.EPayment = f.Count
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("survey: catalog facets: %w", err)
	}
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	if q.Page > res.Pages && res.Pages > 0 {
		q.Page = res.Pages
	}
	res.Page = q.Page
	page := append(args, q.PerPage, (q.Page-1)*q.PerPage)
	res.Services, err = s.queryServices(ctx, serviceSelect+where+" "+q.orderBy()+" LIMIT ? OFFSET ?", page...)
	return res, err
}
