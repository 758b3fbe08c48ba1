package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Every list of the API is paged the same way (issue 19, §2): the client asks
// for ?page=N&per_page=M and gets {"items": [...], "page", "per_page",
// "total"}, in a stable order (by id, or the order the list documents). The
// OpenAPI document names the parameters Page and PerPage and the envelope
// Paged.

const (
	defaultPerPage = 50   // when the client does not say
	maxPerPage     = 1000 // the largest page anyone gets
)

// pageParams is the page a client asked for, checked.
type pageParams struct {
	Page    int // from 1
	PerPage int // 1..maxPerPage
}

// Offset is how many items come before this page.
func (p pageParams) Offset() int { return (p.Page - 1) * p.PerPage }

// listJSON is one page of a list as the API answers it.
type listJSON[T any] struct {
	Items   []T `json:"items"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// pageOf reads ?page and ?per_page (defaults 1 and defaultPerPage). A value
// that is not a whole number in range is refused with 400 bad_page rather
// than silently replaced, so that a client's bug shows.
func (s *Server) pageOf(c *gin.Context) (pageParams, bool) {
	p := pageParams{Page: 1, PerPage: defaultPerPage}
	for _, f := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &p.Page, 1, 1_000_000}, {"per_page", &p.PerPage, 1, maxPerPage}} {
		raw, ok := c.GetQuery(f.name)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(survey.NormalizeDigits(raw))
		if err != nil || n < f.min || n > f.max {
			s.fail(c, http.StatusBadRequest, "err.bad_page")
			return pageParams{}, false
		}
		*f.dst = n
	}
	return p, true
}

// pageSlice cuts one page out of a whole list already in its stable order.
// Items is never null: an empty page is [].
func pageSlice[T any](all []T, p pageParams) listJSON[T] {
	out := listJSON[T]{Items: []T{}, Page: p.Page, PerPage: p.PerPage, Total: len(all)}
	if lo := p.Offset(); lo < len(all) {
		out.Items = all[lo:min(lo+p.PerPage, len(all))]
	}
	return out
}

// writePage answers one page of all, or 400 when the page asked for is bad.
func writePage[T any](s *Server, c *gin.Context, all []T) {
	p, ok := s.pageOf(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, pageSlice(all, p))
}
