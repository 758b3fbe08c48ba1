package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// Microdata of a round (issue 19, §1; docs/opendata.md): every
// institution's answers, item scores, dimension scores and index, long
// format, as CSV, a workbook or JSON, and the codebook generated from the
// round's questionnaire version. Public once the round is published and
// public; before that, or for a round that is not public, only the
// coordinator and viewers (survey.MicrodataAllowed) — anyone else gets
// 404, as if the round had none. The figures are the stored, frozen ones,
// so the files never change after publication.

// microdataRound loads the round in the URL, its questionnaire and the
// scoring version of its scores, and checks access; it answers the
// request itself when it returns false.
func (s *Server) microdataRound(c *gin.Context) (survey.Round, survey.QuestionnaireVersion, string, bool) {
	var q survey.QuestionnaireVersion
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.Round{}, q, "", false
	}
	ctx := c.Request.Context()
	r, err := s.store.Round(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return r, q, "", false
	}
	if !survey.MicrodataAllowed(currentUser(c), r) {
		s.notFound(c) // not "forbidden": the answers of a round not published are nobody's business
		return r, q, "", false
	}
	if q, err = s.store.Questionnaire(ctx, r.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return r, q, "", false
	}
	versions, err := s.store.ScoringVersions(ctx, r.ID)
	if err != nil {
		s.serverError(c, err)
		return r, q, "", false
	}
	return r, q, versions[0], true
}

// microdataRows gives the round's rows one response at a time, with the
// level and rank of its published ranking.
func (s *Server) microdataRows(c *gin.Context, r survey.Round, q survey.QuestionnaireVersion) (reports.MicrodataEach, error) {
	ctx := c.Request.Context()
	published := map[string]*survey.InstitutionScore{}
	err := s.store.ReadRanking(ctx, r.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
		for i := range rk.List {
			x := rk.List[i]
			published[x.Code] = &survey.InstitutionScore{Code: x.Code, Level: x.Level, Rank: x.Rank}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(fn func(survey.MicrodataRow) error) error {
		return s.store.EachMicrodata(ctx, r.ID, func(resp survey.MicrodataResponse) error {
			for _, row := range survey.MicrodataRows(q.Def, r.ID, resp, published[resp.Institution.Code]) {
				if err := fn(row); err != nil {
					return err
				}
			}
			return nil
		})
	}, nil
}

// microdataSlots bounds the microdata exports running at once, process
// wide. The files are public and large (a regional round: 23 MB of CSV,
// 61 MB of JSON, a 10 MB workbook that excelize builds in about 100 MB of
// memory and seconds of CPU): without a bound, a few anonymous requests at
// once could exhaust the server's memory. Harvesters that come back get
// 304 from the ETag without taking a slot.
var microdataSlots = make(chan struct{}, 2)

// microdataWait is how long an export waits for a slot before 503.
const microdataWait = 20 * time.Second

// microdataSlot waits for a turn to build an export, or answers 503 with
// Retry-After and returns false.
func (s *Server) microdataSlot(c *gin.Context) (release func(), ok bool) {
	t := time.NewTimer(microdataWait)
	defer t.Stop()
	select {
	case microdataSlots <- struct{}{}:
		return func() { <-microdataSlots }, true
	case <-t.C:
	case <-c.Request.Context().Done():
	}
	c.Header("Retry-After", "30")
	s.fail(c, http.StatusServiceUnavailable, "err.export_busy")
	return nil, false
}

// microdataETag names the files of a published round: they never change
// after publication except by a rescore, which makes a new scoring version.
// A round not yet published has none (its figures may still move).
func microdataETag(r survey.Round, version, format string) string {
	if r.Status != survey.RoundPublished || r.PublishedAt.IsZero() {
		return ""
	}
	return fmt.Sprintf(`"md-%d-%d-%s-%s"`, r.ID, r.PublishedAt.Unix(), version, format)
}

// apiMicrodata answers microdata.csv, microdata.xlsx or microdata.json,
// streamed: a failure after the first bytes can only be logged.
func (s *Server) apiMicrodata(c *gin.Context) {
	r, q, version, ok := s.microdataRound(c)
	if !ok {
		return
	}
	path := c.Request.URL.Path
	if etag := microdataETag(r, version, path[strings.LastIndexByte(path, '.')+1:]); etag != "" {
		c.Header("ETag", etag)
		if r.Public {
			c.Header("Cache-Control", "public, max-age=3600")
		}
		if c.GetHeader("If-None-Match") == etag {
			c.Status(http.StatusNotModified)
			return
		}
	}
	release, ok := s.microdataSlot(c)
	if !ok {
		return
	}
	defer release()
	each, err := s.microdataRows(c, r, q)
	if err != nil {
		s.serverError(c, err)
		return
	}
	name := "marsad-microdata-" + r.Name
	switch {
	case strings.HasSuffix(path, ".xlsx"):
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		attachment(c, name+".xlsx")
		err = reports.WriteMicrodataXLSX(c.Writer, survey.NewCodebook(r, q, version), each)
	case strings.HasSuffix(path, ".json"):
		c.Header("Content-Type", "application/json; charset=utf-8")
		meta := reports.MicrodataMeta{RoundID: r.ID, RoundName: r.Name, QuestionnaireID: q.Def.ID,
			QuestionnaireVersion: q.Def.Version, ScoringVersion: version,
			Codebook: "/api/v1/rounds/" + strconv.FormatInt(r.ID, 10) + "/codebook.json"}
		c.Status(http.StatusOK)
		err = reports.WriteMicrodataJSON(c.Writer, meta, each)
	default:
		c.Header("Content-Type", "text/csv; charset=utf-8")
		attachment(c, name+".csv")
		err = reports.WriteMicrodataCSV(c.Writer, each)
	}
	if err != nil {
		s.log.Error("microdata export", "round", r.ID, "path", path, "id", c.GetString(keyRequestID), "err", err)
	}
}

// apiCodebook answers the codebook of the round's microdata.
func (s *Server) apiCodebook(c *gin.Context) {
	r, q, version, ok := s.microdataRound(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, survey.NewCodebook(r, q, version))
}
