package handlers

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

//go:embed templates
var templateFiles embed.FS

// pageTemplates are the site's pages, each parsed into a clone of the
// layout and partials.
//
// A broken template stops start-up: New has the layout and partials parsed,
// and every page parsed on its own, which finds what breaks a page's parse
// (a bad action, an unknown function). The clone that serves a page is made
// on its first use, and html/template checks its escaping then (an {{if}}
// whose branches end in different HTML contexts, a call of a missing
// template). Doing that for all 40 pages before listening would more than
// double the start-up time (about 45 ms of CPU against 5); TestTemplatesParse
// does it, so such a page fails the tests instead. Made at once (a warm-up
// did, until issue 14), the clones hold some 7 MB, each a copy of the layout
// and partials: a page nobody opens costs nothing, and one opened costs about
// a millisecond, once.
//
// The embedded templates are parsed once per process (siteTemplates): they
// cannot change while it runs, and the tests build a server per test.
type pageTemplates struct {
	fsys  fs.FS
	base  *template.Template
	pages map[string]*pageTemplate
}

type pageTemplate struct {
	once sync.Once
	path string
	t    *template.Template
	err  error
}

// siteTemplates are the embedded templates, loaded once.
var siteTemplates = sync.OnceValues(func() (*pageTemplates, error) { return loadTemplates(templateFiles) })

// loadTemplates parses the layout and partials of fsys, and each page on its
// own. The error names every broken file.
func loadTemplates(fsys fs.FS) (*pageTemplates, error) {
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("base").Funcs(templateFuncs).ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("handlers: layout: %w", err)
	}
	p := &pageTemplates{fsys: fsys, base: base, pages: map[string]*pageTemplate{}}
	for _, f := range files {
		p.pages[strings.TrimSuffix(strings.TrimPrefix(f, "templates/pages/"), ".html")] = &pageTemplate{path: f}
	}
	// A standalone export is a whole document of its own, with no site layout.
	p.pages["standalone"] = &pageTemplate{path: "templates/standalone.html"}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(p.pages)) {
		path := p.pages[name].path
		b, err := fs.ReadFile(fsys, path)
		if err == nil {
			_, err = template.New(path).Funcs(templateFuncs).Parse(string(b))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("handlers: template %s: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// get is the page's template, made once: parsed into a clone of the layout
// and partials, and escaped.
func (p *pageTemplates) get(name string) (*template.Template, error) {
	pt, ok := p.pages[name]
	if !ok {
		return nil, fmt.Errorf("handlers: no page %q", name)
	}
	pt.once.Do(func() {
		if pt.t, pt.err = p.parse(pt.path); pt.err != nil {
			pt.t, pt.err = nil, fmt.Errorf("handlers: template %s: %w", name, pt.err)
		}
	})
	return pt.t, pt.err
}

func (p *pageTemplates) parse(path string) (*template.Template, error) {
	var t *template.Template
	var err error
	if path == "templates/standalone.html" {
		t, err = template.New("standalone").Funcs(templateFuncs).ParseFS(p.fsys, path)
	} else if t, err = p.base.Clone(); err == nil {
		t, err = t.ParseFS(p.fsys, path)
	}
	if err != nil {
		return nil, err
	}
	if t.Lookup("layout") == nil {
		return nil, errors.New(`no "layout" template`)
	}
	// Run once into nothing and with no data, so that html/template
	// escapes the page now: escaping comes before the first action runs,
	// and what fails after it fails for want of data.
	var escaping *template.Error
	if err := t.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &escaping) {
		return nil, err
	}
	return t, nil
}

// parseAll makes every page not made yet and returns the first error.
func (p *pageTemplates) parseAll() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(p.pages)) {
		if _, err := p.get(name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// templateFuncs are pure helpers, bound once at parse time.
var templateFuncs = template.FuncMap{
	"field": makeField,
	"chart": func(v *view, c reports.Chart) chartData { return chartData{V: v, C: c} },
	"chartOpen": func(v *view, c reports.Chart) chartData {
		return chartData{V: v, C: c, Open: true}
	},
	"add":    func(a, b int) int { return a + b },
	"mul100": func(x float64) float64 { return x * 100 },
}

// chartData is what the "chart" and "chart_data" partials render.
type chartData struct {
	V    *view
	C    reports.Chart
	Open bool // the data table starts open
}

// fieldData is what the "input" and "select_open" partials render.
type fieldData struct {
	V                                     *view
	Name, Type, Label, Hint, Value, Error string
	Dir, Autocomplete, InputMode          string
	Optional, Required                    bool
}

// Described is the aria-describedby list: the hint and the error.
func (f fieldData) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "h-"+f.Name)
	}
	if f.Error != "" {
		ids = append(ids, "e-"+f.Name)
	}
	return strings.Join(ids, " ")
}

// makeField describes a form field for the partials: label "field.NAME",
// hint "hint.NAME" when translated, the typed value and its error. Flags:
// "optional", "required", "nohint", "hint=KEY" (another hint), "ltr" (e-mail, codes, URLs) or "auto" (free text in
// either language), "ac=TOKEN" for autocomplete.
func makeField(v *view, name, typ string, flags ...string) fieldData {
	f := fieldData{V: v, Name: name, Type: typ, Label: v.T("field." + name),
		Value: v.Form.Val(name), Error: v.Form.Err(name)}
	if h, ok := v.loc.messages["hint."+name]; ok {
		f.Hint = h
	}
	for _, fl := range flags {
		switch {
		case fl == "nohint":
			f.Hint = ""
		case fl == "optional":
			f.Optional = true
		case fl == "numeric":
			f.InputMode = "decimal" // type=number would refuse Arabic-Indic digits
		case fl == "required":
			f.Required = true
		case fl == "ltr" || fl == "auto" || fl == "rtl":
			f.Dir = fl
		case strings.HasPrefix(fl, "hint="):
			f.Hint = v.T("hint." + fl[5:])
		case strings.HasPrefix(fl, "ac="):
			f.Autocomplete = fl[3:]
		}
	}
	return f
}

// view is what every page template receives. Its methods translate, so
// templates need no per-request FuncMap (which would race between requests).
type view struct {
	Lang      string
	Dir       string
	OtherLang string
	OtherURL  string
	Path      string // the path after /{lang}, for links that keep the page
	Title     string
	User      *survey.User
	Demo      bool
	Version   string
	Assets    string // cache-busting token for /static URLs
	Charts    bool   // the page draws charts: load ECharts
	Form      *form
	Data      any
	// Content, when set, is the page's main part already rendered (a
	// cached score page); the layout uses it instead of "content".
	Content   template.HTML
	RequestID string
	loc       *locale
	tz        *time.Location
	csrf      string
	csrfFn    func() string
	navFn     func() (template.HTML, error)
	here      *[]string  // the paths Here was asked about, while navMemo records them
	frags     []fragment // the page's kept fragments, by placeholder (splice.go)
	// piece, on a page sent as fragments, turns a run of the layout's
	// text into a kept fragment's placeholder (layout.go, splice.go).
	piece func(text []byte) template.HTML
	heads *[2]template.HTML // the server's headLinks (HeadLinks)
}

// Nav is the site's navigation links (nav_links), from the memo.
func (v *view) Nav() (template.HTML, error) {
	if v.navFn == nil {
		return "", errors.New("handlers: the page's navigation is not set up")
	}
	return v.navFn()
}

// CSRF is the token for the page's forms. It is made on first use, so pages
// without a form set no cookie.
func (v *view) CSRF() string {
	if v.csrf == "" && v.csrfFn != nil {
		v.csrf = v.csrfFn()
	}
	return v.csrf
}

// T translates a key.
func (v *view) T(key string, args ...any) string { return v.loc.T(key, args...) }

// N translates a counted phrase.
func (v *view) N(key string, n int) string { return v.loc.N(key, n) }

// Date formats a time in the configured zone, naming the zone.
func (v *view) Date(t time.Time) string { return v.loc.date(t, v.tz) }

// Clock formats a time in the configured zone without naming it: for
// tables whose column heading carries Zone.
func (v *view) Clock(t time.Time) string { return v.loc.clock(t, v.tz) }

// Zone names the configured time zone in the page's language.
func (v *view) Zone() string { return v.loc.zone(v.tz) }

// Kind, Region, Role and Sector name a stored key in the page's language;
// an unknown sector shows as stored.
func (v *view) Kind(k string) string   { return v.loc.T("kind." + k) }
func (v *view) Region(r string) string { return v.loc.T("region." + r) }
func (v *view) Role(r survey.Role) string {
	return v.loc.T("role." + string(r))
}
func (v *view) Sector(k string) string {
	if s, ok := v.loc.messages["sector."+k]; ok {
		return s
	}
	return k
}

// Kinds and Regions are the choices for institution forms.
func (v *view) Kinds() []string   { return survey.Kinds }
func (v *view) Regions() []string { return survey.Regions }

// Choice lists for the service form and the catalog.
func (v *view) Categories() []string   { return survey.Categories }
func (v *view) Audiences() []string    { return survey.Audiences }
func (v *view) ChannelList() []string  { return survey.Channels }
func (v *view) LanguageList() []string { return survey.ServiceLanguages }
func (v *view) StatusList() []string   { return survey.ServiceStatuses }
func (v *view) CatalogSorts() []string { return survey.CatalogSorts }
func (v *view) StageList() []int       { return []int{0, 1, 2, 3, 4, 5} }

// Lists of choices for initiatives, stories, plans and obstacles.
func (v *view) InitiativeStatuses() []string { return survey.InitiativeStatuses }
func (v *view) PartnerTypes() []string       { return survey.PartnerTypes }
func (v *view) BudgetBands() []string        { return survey.BudgetBands }
func (v *view) StoryStatuses() []string {
	return []string{survey.StoryPending, survey.StoryApproved, survey.StoryRejected}
}
func (v *view) PlanProgress() []string { return survey.PlanProgress }
func (v *view) Severities() []int      { return []int{1, 2, 3} }
func (v *view) PlanOutcomes() []string { return survey.PlanOutcomes }
func (v *view) ObstacleKinds() []string {
	return []string{survey.ObstacleInternal, survey.ObstacleExternal}
}

// choice is one option of a group of checkboxes.
type choice struct {
	Value, Label string
	Checked      bool
}

// choicesData is what the "checkboxes" partial renders.
type choicesData struct {
	V                  *view
	Name, Label, Error string
	Options            []choice
}

// Choices describes a group of checkboxes whose labels are labelPrefix+value.
func (v *view) Choices(name string, values []string, labelPrefix string) choicesData {
	d := choicesData{V: v, Name: name, Label: v.T("field." + name), Error: v.Form.Err(name)}
	for _, val := range values {
		d.Options = append(d.Options, choice{Value: val, Label: v.T(labelPrefix + val), Checked: v.Form.Has(name, val)})
	}
	return d
}

// YesNo are the stored values of a yes/no answer, which are also their labels' keys.
func (v *view) YesNo() []string { return []string{"yes", "no"} }

// OptionLabel is the label of an answer value in the page's language: the
// option's text for choices, yes/no translated, the value itself otherwise.
func (v *view) OptionLabel(it survey.Item, value string) string {
	for _, o := range it.Options {
		if o.Value == value {
			return o.Label(v.Lang)
		}
	}
	if it.Type == survey.TypeYesNo {
		return v.T(value)
	}
	return value
}

// BoardStatuses and BoardSorts are the choices of a round's board.
func (v *view) BoardStatuses() []string { return survey.BoardStatuses }
func (v *view) BoardSorts() []string    { return survey.BoardSorts }

// LevelLabel is a level's name in the page's language, from the model.
func (v *view) LevelLabel(d *survey.Definition, key string) string {
	for _, l := range d.Model.Levels {
		if l.Key == key {
			return pick(v.Lang, l.LabelAr, l.LabelEn)
		}
	}
	return key
}

// Signed shows a change with its sign, one decimal.
func (v *view) Signed(x float64) string { return fmt.Sprintf("%+.1f", x) }

// RankMove says how many places an institution moved.
func (v *view) RankMove(d int) string {
	switch {
	case d > 0:
		return v.T("rankings.up", d)
	case d < 0:
		return v.T("rankings.down", -d)
	}
	return v.T("rankings.same")
}

// Pair passes two values to a partial.
func (v *view) Pair(a, b any) []any { return []any{a, b} }

// Excerpt shortens text to about 220 characters at a word boundary.
func (v *view) Excerpt(s string) string {
	r := []rune(s)
	if len(r) <= 220 {
		return s
	}
	cut := string(r[:220])
	if i := strings.LastIndexByte(cut, ' '); i > 150 {
		cut = cut[:i]
	}
	return cut + "…"
}

// Percent shows a 0–1 share as a whole percentage.
func (v *view) Percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// Decimal shows a number with one decimal.
func (v *view) Decimal(f float64) string { return fmt.Sprintf("%.1f", f) }

// Number shows an amount without needless decimals.
func (v *view) Number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Figure is a count for people to read: thousands grouped (12,000).
func (v *view) Figure(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if neg {
		whole = "-" + whole
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
}

// InstitutionName is an institution's name in the page's language.
func (v *view) InstitutionName(i survey.Institution) string { return i.Name(v.Lang) }

// URL builds a path in the page's language.
func (v *view) URL(path string) string { return "/" + v.Lang + path }

// Here reports whether the page is p or under it (p "/" is the home page
// only), for aria-current on the navigation's links.
func (v *view) Here(p string) bool {
	if v.here != nil { // navMemo is recording what the navigation reads
		*v.here = append(*v.here, p)
	}
	return v.underPath(p)
}

func (v *view) underPath(p string) bool {
	if p == "/" {
		return v.Path == "/" || v.Path == ""
	}
	return v.Path == p || strings.HasPrefix(v.Path, p+"/")
}

// Is reports whether the signed-in user has role r.
func (v *view) Is(r string) bool { return v.User != nil && string(v.User.Role) == r }

// form carries a form's values and its translated errors back to the page.
type form struct {
	Values map[string]string
	Multi  map[string][]string // multiple choices and checkboxes
	Errors map[string]string
}

// Has reports whether value is chosen in the multiple-choice field.
func (f *form) Has(field, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Multi[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Checked reports whether a yes/no checkbox is ticked.
func (f *form) Checked(field string) bool { return f.Has(field, "1") }

// Err is the error message for field, "" if none.
func (f *form) Err(field string) string {
	if f == nil {
		return ""
	}
	return f.Errors[field]
}

// Val is the value typed into field.
func (f *form) Val(field string) string {
	if f == nil {
		return ""
	}
	return f.Values[field]
}

// summaryItem is one line of the error summary at the top of a form.
type summaryItem struct {
	Field   string
	Message string
}

// Summary lists the errors in the order of fieldOrder, for the error summary.
func (f *form) Summary() []summaryItem {
	if f == nil {
		return nil
	}
	var out []summaryItem
	for _, field := range fieldOrder {
		if m, ok := f.Errors[field]; ok {
			out = append(out, summaryItem{field, m})
		}
	}
	var rest []string
	for field := range f.Errors {
		if !containsString(fieldOrder, field) {
			rest = append(rest, field)
		}
	}
	sort.Strings(rest)
	for _, field := range rest {
		out = append(out, summaryItem{field, f.Errors[field]})
	}
	return out
}

// fieldOrder is the order fields appear on forms, so the summary reads top to bottom.
var fieldOrder = []string{"email", "name", "institution", "code", "name_ar", "name_en", "description_ar", "description_en",
	"kind", "sector", "region", "website", "category", "audience", "channels", "stage", "online_url", "e_payment", "e_id",
	"available_abroad", "no_visit", "mobile_friendly", "languages", "fee_ils", "processing_days", "yearly_volume",
	"online_share", "uses_data_exchange", "last_reviewed", "status", "role", "password", "password_confirm", "file", "version"}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func lang(c *gin.Context) string {
	if l := c.GetString(keyLang); l != "" {
		return l
	}
	for _, l := range Languages {
		if strings.HasPrefix(c.Request.URL.Path, "/"+l+"/") || c.Request.URL.Path == "/"+l {
			return l
		}
	}
	if l := langFromAcceptLanguage(c.GetHeader("Accept-Language")); l != "" {
		return l
	}
	return Languages[0]
}

func isAPI(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (s *Server) newView(c *gin.Context, titleKey string) *view {
	l := lang(c)
	other := "en"
	dir := "rtl"
	if l == "en" {
		other, dir = "ar", "ltr"
	}
	// The language switch keeps the page, its query and any token in its path.
	rest, ok := strings.CutPrefix(c.Request.URL.Path, "/"+l)
	otherURL := "/" + other + "/"
	if ok {
		otherURL = "/" + other + strings.TrimPrefix(c.Request.URL.RequestURI(), "/"+l)
	}
	v := &view{
		Lang: l, Dir: dir, OtherLang: other, OtherURL: otherURL, Path: rest,
		User: currentUser(c), Demo: s.demo, Version: s.cfg.Version, Assets: s.assets, heads: &s.headLinks,
		RequestID: c.GetString(keyRequestID), loc: s.locales[l], tz: s.cfg.Location,
	}
	v.csrfFn = func() string { return maskToken(s.csrfToken(c)) }
	if titleKey != "" {
		v.Title = v.T(titleKey)
	}
	return v
}

// render writes a page into a buffer first, so that a template error gives a
// clean error page instead of half a page.
func (s *Server) render(c *gin.Context, status int, page string, v *view) {
	body, release, ok := s.renderBytes(c, page, v)
	if ok {
		s.writePage(c, status, body)
	}
	release()
}

// pageBuffers are the buffers pages are rendered into, used again: a page is
// 10–150 KB, and growing a new buffer for each was a third of the bytes an
// uncached catalog search allocated (more work for the collector).
var pageBuffers = sync.Pool{New: func() any { b := new(bytes.Buffer); b.Grow(32 << 10); return b }}

// maxPooledPage is the largest buffer kept for another page.
const maxPooledPage = 1 << 20

// renderBytes executes a page; on failure it has already answered with an
// error page and returns false. The body is valid until release is called,
// which the caller does once the body is written or copied.
func (s *Server) renderBytes(c *gin.Context, page string, v *view) (body []byte, release func(), ok bool) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	release = func() {
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}
	t, err := s.pages.get(page)
	if err != nil {
		s.serverError(c, err)
		return nil, release, false
	}
	v.navFn = func() (template.HTML, error) { return s.nav.nav(t, v) }
	if err := s.executeLayout(page, t, buf, v); err != nil {
		if page == "error" {
			c.String(http.StatusInternalServerError, "500")
			return nil, release, false
		}
		s.serverError(c, err)
		return nil, release, false
	}
	return buf.Bytes(), release, true
}

// apiError is the JSON error body of the API (docs/api.md, "Errors").
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Ref     string            `json:"ref,omitempty"`
}

// apiLocale is the language of API messages: Accept-Language, else Arabic.
func (s *Server) apiLocale(c *gin.Context) *locale {
	if l := langFromAcceptLanguage(c.GetHeader("Accept-Language")); l != "" {
		return s.locales[l]
	}
	return s.locales[Languages[0]]
}

// fail stops the request with status and a translated message: an error page
// for HTML, the error object for the API. key doubles as the API error code.
func (s *Server) fail(c *gin.Context, status int, key string) {
	if isAPI(c) {
		c.AbortWithStatusJSON(status, apiError{Error: apiErrorBody{
			Code: strings.TrimPrefix(key, "err."), Message: s.apiLocale(c).T(key),
		}})
		return
	}
	v := s.newView(c, "error.title")
	v.Data = errorPage{Status: status, Heading: errorHeading(v, status), Message: v.T(key)}
	s.render(c, status, "error", v)
	c.Abort()
}

type errorPage struct {
	Status  int
	Heading string
	Message string
	Ref     string
}

// serverError logs err with the request ID and answers 500 with only that
// ID: internal error text never reaches the user.
func (s *Server) serverError(c *gin.Context, err error) {
	ref := c.GetString(keyRequestID)
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The client went away (a closed tab, a killed load generator):
		// nothing failed, and nobody is there to read an answer.
		s.log.Debug("client gone", slog.String("id", ref), slog.String("route", c.FullPath()))
		c.AbortWithStatus(499)
		return
	}
	s.log.Error("server error", slog.String("id", ref), slog.String("route", c.FullPath()), slog.Any("err", err))
	if isAPI(c) {
		c.AbortWithStatusJSON(http.StatusInternalServerError, apiError{Error: apiErrorBody{
			Code: "internal", Message: s.apiLocale(c).T("err.internal", ref), Ref: ref,
		}})
		return
	}
	v := s.newView(c, "error.title")
	v.Data = errorPage{Status: http.StatusInternalServerError, Heading: errorHeading(v, http.StatusInternalServerError), Message: v.T("err.internal", ref), Ref: ref}
	s.render(c, http.StatusInternalServerError, "error", v)
	c.Abort()
}

// failErr maps a domain error to a response: not found → 404, anything
// unexpected → 500.
func (s *Server) failErr(c *gin.Context, err error) {
	for _, e := range domainErrors {
		if errors.Is(err, e.err) {
			s.fail(c, e.status, e.key)
			return
		}
	}
	s.serverError(c, err)
}

// domainErrors is how every page and API answer reports a domain error
// that the handler does not answer itself (a conflict with a form to show
// again, a validation error with its fields): its status and the message
// key of its text, which is also the API's error code without "err.".
// Anything not listed is a server error: logged, and answered 500 with a
// reference only.
var domainErrors = []struct {
	err    error
	status int
	key    string
}{
	{survey.ErrNotFound, http.StatusNotFound, "err.not_found"},
	{survey.ErrForbidden, http.StatusForbidden, "err.forbidden"},
	{survey.ErrRoundPublished, http.StatusConflict, "err.round_published"},
	{survey.ErrInvalidTransition, http.StatusConflict, "err.not_editable"},
	{survey.ErrPastDeadline, http.StatusConflict, "err.past_deadline"},
	{survey.ErrNotDeletable, http.StatusConflict, "err.round_not_deletable"},
	{survey.ErrNotArchivable, http.StatusConflict, "err.round_not_archivable"},
	{survey.ErrRoundChanged, http.StatusConflict, "err.round_changed"},
	{survey.ErrLastAdmin, http.StatusConflict, "err.last_admin"},
	{survey.ErrAccountDisabled, http.StatusForbidden, "err.account_disabled"},
	{survey.ErrSignoffRequired, http.StatusConflict, "err.signoff_required"},
	{survey.ErrSignoffChanged, http.StatusConflict, "err.signoff_changed"},
}

func (s *Server) notFound(c *gin.Context) { s.fail(c, http.StatusNotFound, "err.not_found") }

func (s *Server) methodNotAllowed(c *gin.Context) {
	s.fail(c, http.StatusMethodNotAllowed, "err.method_not_allowed")
}

// errorHeading is the page heading for a status: its own when translated,
// else a general one.
func errorHeading(v *view, status int) string {
	if h, ok := v.loc.messages[fmt.Sprintf("error.heading_%d", status)]; ok {
		return h
	}
	return v.T("error.heading")
}

func pick(lang, ar, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ar
}
