package survey

import (
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
