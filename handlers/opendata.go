package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// Open data (issue 19, §1; docs/opendata.md): the catalog as CPSV-AP
// JSON-LD, Marsad's vocabulary, the DCAT-AP catalogue of the published
// datasets, the public page that lists them and the coordinator's page of
// their licence and publisher. reports builds the documents; these
// handlers read the store and write the answer.

// OpenDataStore keeps the open data's settings and the dates the
// catalogue reports.
type OpenDataStore interface {
	OpenData(ctx context.Context) (survey.OpenDataSettings, error)
	SetOpenData(ctx context.Context, a survey.Actor, o survey.OpenDataSettings) error
	CatalogModified(ctx context.Context) (time.Time, error)
}

// mediaJSONLD is JSON-LD's media type.
const mediaJSONLD = "application/ld+json"

// pathAdminOpenData is the coordinator's page of the licence and publisher.
const pathAdminOpenData = "/admin/open-data"

// publicBase is the server's public address, the root of every IRI: the
// --base-url the server was started with, or, without one, the address
// the request came to.
func (s *Server) publicBase(c *gin.Context) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// apiCatalogJSONLD streams the whole public catalog as CPSV-AP JSON-LD, a
// service at a time.
func (s *Server) apiCatalogJSONLD(c *gin.Context) {
	c.Header("Content-Type", mediaJSONLD+"; charset=utf-8")
	c.Status(http.StatusOK)
	err := reports.WriteCatalogJSONLD(c.Writer, s.publicBase(c), func(fn func(survey.Service) error) error {
		return s.store.EachService(c.Request.Context(), true, fn)
	})
	if err != nil {
		s.log.Error("catalog json-ld", "id", c.GetString(keyRequestID), "err", err)
	}
}

// apiVocabulary serves Marsad's vocabulary: the terms the catalog adds to
// CPSV-AP, each with its label and definition in both languages.
func (s *Server) apiVocabulary(c *gin.Context) {
	doc := reports.Vocabulary(s.publicBase(c), s.locales["ar"].T, s.locales["en"].T)
	c.Header("Cache-Control", "public, max-age=3600")
	c.Render(http.StatusOK, jsonLDRender{doc})
}

// jsonLDRender writes a document as JSON with JSON-LD's media type.
type jsonLDRender struct{ v any }

func (r jsonLDRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // IRIs with & stay readable; this is not HTML
	return enc.Encode(r.v)
}

func (r jsonLDRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", mediaJSONLD+"; charset=utf-8")
}

// openDataView is what the open data page and the DCAT catalogue show.
type openDataView struct {
	Settings survey.OpenDataSettings
	Datasets []reports.Dataset
}

// openData reads the settings and lists the published datasets.
func (s *Server) openData(ctx context.Context) (openDataView, error) {
	var in reports.OpenDataInput
	o, err := s.store.OpenData(ctx)
	if err != nil {
		return openDataView{}, err
	}
	if in.CatalogModified, err = s.store.CatalogModified(ctx); err != nil {
		return openDataView{}, err
	}
	rounds, err := s.store.ListRounds(ctx)
	if err != nil {
		return openDataView{}, err
	}
	for _, r := range rounds {
		// Only what anyone may read: published, public, not archived.
		if r.Status == survey.RoundPublished && survey.Allowed(nil, survey.SeeRankings, r, "") {
			in.Rounds = append(in.Rounds, r)
		}
	}
	stories, err := s.store.PublicStories(ctx, 0)
	if err != nil {
		return openDataView{}, err
	}
	for _, st := range stories {
		if st.UpdatedAt.After(in.StoriesModified) {
			in.StoriesModified = st.UpdatedAt
		}
	}
	return openDataView{Settings: o, Datasets: reports.OpenDatasets(in, s.locales["ar"].T, s.locales["en"].T)}, nil
}

// apiDCAT is the DCAT-AP catalogue of the published datasets.
func (s *Server) apiDCAT(c *gin.Context) {
	od, err := s.openData(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Render(http.StatusOK, jsonLDRender{reports.DCATCatalog(s.publicBase(c), od.Settings, od.Datasets, s.locales["ar"].T, s.locales["en"].T)})
}

// openDataPage is the public open data page.
type openDataPage struct {
	openDataView
}

// LatestModified is the latest change of any dataset (zero when none is
// dated).
func (p openDataPage) LatestModified() time.Time {
	var t time.Time
	for _, d := range p.Datasets {
		if d.Modified.After(t) {
			t = d.Modified
		}
	}
	return t
}

// DistTitle names a distribution in the page's language.
func (v *view) DistTitle(d reports.Distribution) string { return reports.DistributionTitle(d, v.T) }

// showOpenData lists the published datasets with their formats and
// download links, the licence and the publisher.
func (s *Server) showOpenData(c *gin.Context) {
	od, err := s.openData(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "opendata.title")
	v.Data = openDataPage{openDataView: od}
	s.render(c, http.StatusOK, "open_data", v)
}

// openDataSettingsPage is the coordinator's form.
type openDataSettingsPage struct {
	Licences []survey.Licence
	Saved    bool
}

func (s *Server) openDataSettingsView(c *gin.Context, f *form, saved bool) *view {
	v := s.newView(c, "opendata_settings.title")
	v.Form = f
	v.Data = openDataSettingsPage{Licences: survey.Licences, Saved: saved}
	return v
}

// showOpenDataSettings is the form of the licence and the publisher.
func (s *Server) showOpenDataSettings(c *gin.Context) {
	o, err := s.store.OpenData(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	f := &form{Values: map[string]string{"licence": o.Licence, "licence_name": o.LicenceName, "licence_url": o.LicenceURL,
		"publisher_ar": o.PublisherAr, "publisher_en": o.PublisherEn}}
	if o.Licence != survey.LicenceOther {
		f.Values["licence_name"], f.Values["licence_url"] = "", ""
	}
	s.render(c, http.StatusOK, "open_data_settings", s.openDataSettingsView(c, f, c.Query("saved") == "1"))
}

// saveOpenDataSettings stores the licence and the publisher (audited); a
// refused form shows again with what was typed.
func (s *Server) saveOpenDataSettings(c *gin.Context) {
	in := survey.OpenDataInput{Licence: c.PostForm("licence"), LicenceName: c.PostForm("licence_name"),
		LicenceURL: c.PostForm("licence_url"), PublisherAr: c.PostForm("publisher_ar"), PublisherEn: c.PostForm("publisher_en")}
	o, err := survey.CheckOpenData(in)
	if err == nil {
		err = s.store.SetOpenData(c.Request.Context(), survey.ActorOf(*currentUser(c)), o)
	}
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		v := s.newView(c, "opendata_settings.title")
		f := &form{Values: map[string]string{"licence": in.Licence, "licence_name": in.LicenceName, "licence_url": in.LicenceURL,
			"publisher_ar": in.PublisherAr, "publisher_en": in.PublisherEn}, Errors: v.loc.fieldMessages(ve)}
		s.render(c, http.StatusUnprocessableEntity, "open_data_settings", s.openDataSettingsView(c, f, false))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAdminOpenData+"?saved=1")
}

// dashboardTable is one chart's table in the dashboard API.
type dashboardTable struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Note is what the exported table says above its rows (provisional
	// figures…), Caption the sentence the page shows under the chart.
	Note    string     `json:"note"`
	Caption string     `json:"caption"`
	Head    []string   `json:"head"`
	Rows    [][]string `json:"rows"`
}

// dashboardJSON is a round's dashboard as the API answers it.
type dashboardJSON struct {
	Round        survey.Round     `json:"round"`
	Index        string           `json:"index"`
	Lang         string           `json:"lang"`
	Provisional  bool             `json:"provisional"`
	Institutions int              `json:"institutions"`
	Charts       []dashboardTable `json:"charts"`
}

// apiDashboard is the tables behind a round's dashboard charts, with the
// dashboard page's filters and access rules (buildDashboard), in the
// language of Accept-Language: the same tables the chart exports give.
func (s *Server) apiDashboard(c *gin.Context) {
	p, v, ok := s.buildDashboard(c)
	if !ok {
		return
	}
	out := dashboardJSON{Round: p.Round, Index: p.Kind, Lang: v.Lang, Provisional: p.Provisional, Institutions: p.Total, Charts: []dashboardTable{}}
	for _, ch := range p.All() {
		if ch.ID == "" {
			continue
		}
		t := dashboardTable{ID: ch.ID, Title: ch.Title, Note: p.exportNote(v, ch), Caption: ch.Note, Head: ch.Head, Rows: ch.Rows}
		if t.Head == nil {
			t.Head = []string{}
		}
		if t.Rows == nil {
			t.Rows = [][]string{}
		}
		out.Charts = append(out.Charts, t)
	}
	c.JSON(http.StatusOK, out)
}
