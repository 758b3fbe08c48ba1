package survey

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Observed service checks (issue 17, part 2): what a visit to a service's
// URL or an institution's website found. The visiting is done by package
// survey/probe (the only place with an HTTP client); this file holds what
// needs no network: the record, reading a page, robots.txt and the summary
// pages show. Stored by survey/sqlstore (migration 0017).

// What a check's target is.
const (
	// TargetService is a catalog service's online URL; Ref is its id.
	TargetService = "service"
	// TargetWebsite is an institution's website; Ref is its code.
	TargetWebsite = "website"
)

// Outcomes of the unknown-path probe (URLCheck.NotFound).
const (
	NotFoundAnswers404 = "404"     // an unknown path answers 404 or 410, as it should
	NotFoundSoft       = "soft"    // it answers 200 or another success: a "soft 404"
	NotFoundOther      = "other"   // another status (500, 403…)
	NotFoundSkipped    = "skipped" // robots.txt asks not to, or the site was unreachable
)

// Why a visit failed (URLCheck.Error); "" when it answered.
const (
	CheckErrBlocked   = "blocked"   // the address is private, loopback, link-local or metadata
	CheckErrTimeout   = "timeout"   // no answer in time
	CheckErrDNS       = "dns"       // the name does not resolve
	CheckErrConnect   = "connect"   // the connection was refused or dropped
	CheckErrTLS       = "tls"       // no TLS handshake at all
	CheckErrRedirects = "redirects" // too many redirects, or a loop
	CheckErrURL       = "url"       // the URL is not an http(s) URL
	CheckErrStatus    = "status"    // it answered with an error status (404, 5xx…)
)

// CheckTarget is one URL to visit.
type CheckTarget struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	URL  string `json:"url"`
}

// URLCheck is what one visit of a URL found.
type URLCheck struct {
	Kind      string    `json:"kind"`
	Ref       string    `json:"ref"`
	URL       string    `json:"url"`
	CheckedAt time.Time `json:"checked_at"`
	// Reachable: after redirects it answered with a page, or asked to sign
	// in (401, 403).
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	Status    int    `json:"status"`
	FinalURL  string `json:"final_url"`
	// Redirects are the URLs redirected to, in order (the last is FinalURL).
	Redirects []string `json:"redirects"`
	HTTPS     bool     `json:"https"`
	// HTTPUpgrade: the http:// form of the URL redirects to https; nil when
	// not known (unreachable over http, or not tried).
	HTTPUpgrade *bool     `json:"http_redirects_to_https"`
	TLSVersion  string    `json:"tls_version,omitempty"`
	CertExpires time.Time `json:"cert_expires,omitzero"`
	// CertError says why the certificate is not trusted ("expired",
	// "untrusted", "name"); "" when it is (or there is none).
	CertError string `json:"cert_error,omitempty"`
	HSTS      bool   `json:"hsts"`
	TTFBMs    int64  `json:"ttfb_ms"`
	TotalMs   int64  `json:"total_ms"`
	Bytes     int64  `json:"bytes"`
	// Truncated: the body was longer than the cap (Bytes is the cap), or
	// was cut short by the timeout or the connection.
	Truncated bool `json:"truncated"`
	Page
	NotFound string `json:"not_found_probe"`
}

// Secure is a connection one may trust: HTTPS with a valid certificate on
// TLS 1.2 or later.
func (c URLCheck) Secure() bool {
	return c.Reachable && c.HTTPS && c.CertError == "" && (c.TLSVersion == "1.2" || c.TLSVersion == "1.3")
}

// Seconds is the total time of the visit in seconds.
func (c URLCheck) Seconds() float64 { return float64(c.TotalMs) / 1000 }

// Page is what a page's HTML says about itself, read without a browser.
type Page struct {
	Lang     string `json:"lang"`
	Dir      string `json:"dir"`
	Viewport bool   `json:"viewport"`
	Title    string `json:"title"`
	// ImagesNoAlt counts <img> without an alt attribute (alt="" is a
	// decorative image, and fine).
	ImagesNoAlt int `json:"images_without_alt"`
	// Unlabelled counts form controls with no label: no <label for>, not
	// inside a <label>, no aria-label, aria-labelledby or title.
	Unlabelled int `json:"controls_without_label"`
}

// Limits of what is kept from a page.
const (
	maxTitleRunes = 200
	maxLangLen    = 35 // BCP 47 tags are short; a longer one is junk
)

// ReadPage reads an HTML document's language, direction, viewport, title
// and accessibility heuristics. It tokenizes (no tree), so memory stays
// bounded by the largest token, and reads r to its end or to the first
// error; callers cap r.
func ReadPage(r io.Reader) Page {
	var p Page
	z := html.NewTokenizer(r)
	z.SetMaxBuf(256 << 10)
	labelled := map[string]bool{}
	type control struct{ id string }
	var controls []control
	labelDepth, inTitle, seenTitle := 0, false, false
	var title strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			for _, c := range controls {
				if c.id == "" || !labelled[c.id] {
					p.Unlabelled++
				}
			}
			p.Title = truncateRunes(strings.Join(strings.Fields(title.String()), " "), maxTitleRunes)
			return p
		case html.TextToken:
			if inTitle && title.Len() < 4*maxTitleRunes {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
			case "label":
				if labelDepth > 0 {
					labelDepth--
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if _, dup := attrs[string(k)]; !dup {
					attrs[string(k)] = string(v)
				}
			}
			switch string(name) {
			case "html":
				if l := strings.TrimSpace(attrs["lang"]); len(l) <= maxLangLen {
					p.Lang = strings.ToLower(l)
				}
				p.Dir = strings.ToLower(strings.TrimSpace(attrs["dir"]))
				if len(p.Dir) > 4 {
					p.Dir = ""
				}
			case "meta":
				if strings.EqualFold(attrs["name"], "viewport") && strings.Contains(strings.ToLower(attrs["content"]), "width=") {
					p.Viewport = true
				}
			case "title":
				if !seenTitle && tt == html.StartTagToken {
					inTitle, seenTitle = true, true
				}
			case "img":
				if _, ok := attrs["alt"]; !ok {
					p.ImagesNoAlt++
				}
			case "label":
				if f := attrs["for"]; f != "" {
					labelled[f] = true
				}
				if tt == html.StartTagToken {
					labelDepth++
				}
			case "input", "select", "textarea":
				switch strings.ToLower(attrs["type"]) {
				case "hidden", "submit", "button", "reset", "image":
					continue
				}
				if labelDepth > 0 || strings.TrimSpace(attrs["aria-label"]) != "" ||
					strings.TrimSpace(attrs["aria-labelledby"]) != "" || strings.TrimSpace(attrs["title"]) != "" {
					continue
				}
				controls = append(controls, control{id: attrs["id"]})
			}
		}
	}
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// RobotsAllows says whether robots.txt (its text) lets agent fetch path:
// the group naming agent (by a case-insensitive prefix of its product
// token) applies, else the "*" group; the longest matching Allow or
// Disallow rule wins, Allow on a tie (RFC 9309). Wildcards are not
// supported: a rule with "*" or "$" is read up to them, which errs on the
// side of not fetching.
func RobotsAllows(robots io.Reader, agent, path string) bool {
	token := strings.ToLower(agent)
	if i := strings.IndexAny(token, "/ "); i >= 0 {
		token = token[:i]
	}
	type rule struct {
		allow  bool
		prefix string
	}
	var mine, star []rule
	var groupAgents []string
	inRules := false
	found := false
	sc := bufio.NewScanner(robots)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		switch k {
		case "user-agent":
			if inRules {
				groupAgents, inRules = nil, false
			}
			groupAgents = append(groupAgents, strings.ToLower(v))
		case "allow", "disallow":
			inRules = true
			if i := strings.IndexAny(v, "*$"); i >= 0 {
				v = v[:i]
			}
			if k == "disallow" && v == "" {
				continue // "Disallow:" with nothing allows everything
			}
			r := rule{allow: k == "allow", prefix: v}
			for _, a := range groupAgents {
				switch {
				case a == "*":
					star = append(star, r)
				case token != "" && strings.HasPrefix(token, a):
					mine = append(mine, r)
					found = true
				}
			}
		}
	}
	rules := star
	if found {
		rules = mine
	}
	best, allow := -1, true
	for _, r := range rules {
		if strings.HasPrefix(path, r.prefix) && (len(r.prefix) > best || (len(r.prefix) == best && r.allow)) {
			best, allow = len(r.prefix), r.allow
		}
	}
	return allow
}

// Uptime is how often a URL answered over a period.
type Uptime struct {
	Checks    int `json:"checks"`
	Reachable int `json:"reachable"`
}

// Percent is the share of checks that answered, 0–100; 0 without checks.
func (u Uptime) Percent() float64 {
	if u.Checks == 0 {
		return 0
	}
	return 100 * float64(u.Reachable) / float64(u.Checks)
}

// UptimeDays is the period uptime is shown over.
const UptimeDays = 30

// Observed is a URL's latest check and its uptime, as pages and the API
// show them; Last is nil when the URL was never checked.
type Observed struct {
	Last   *URLCheck `json:"last_check"`
	Uptime Uptime    `json:"uptime_30d"`
}

// CheckRun is one run of the checker, as stored (migration 0019): the
// admin catalog page says what the last one did, after a restart too.
type CheckRun struct {
	ID        int64     `json:"id"`
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is zero while it runs, or when its server stopped
	// before it ended (Interrupted).
	FinishedAt time.Time `json:"finished_at,omitzero"`
	ByHand     bool      `json:"by_hand"`
	URLs       int       `json:"urls"`
	Reachable  int       `json:"reachable"`
	Failed     bool      `json:"failed"`
}

// Failures is how many URLs visited did not answer.
func (r CheckRun) Failures() int { return r.URLs - r.Reachable }

// ObservedSummary is a service's last observed status as the catalog
// export gives it: whether and when it was checked, whether it answered
// and over HTTPS, and its uptime over the last UptimeDays days.
type ObservedSummary struct {
	Checked   bool
	CheckedAt time.Time
	Reachable bool
	HTTPS     bool
	Uptime    Uptime
}

// ObservedColumns are the columns the catalog export adds after
// ServiceColumns; an import reads past them (they are observed, not
// declared).
var ObservedColumns = []string{"observed_reachable", "observed_https", "observed_checked_at", "observed_uptime_30d"}

// Record is the summary as ObservedColumns: yes/no, the time (RFC 3339,
// UTC) and the uptime in percent with one decimal; empty cells when never
// checked.
func (o ObservedSummary) Record() []string {
	if !o.Checked {
		return []string{"", "", "", ""}
	}
	up := ""
	if o.Uptime.Checks > 0 {
		up = strconv.FormatFloat(o.Uptime.Percent(), 'f', 1, 64)
	}
	return []string{yesNo(o.Reachable), yesNo(o.HTTPS), o.CheckedAt.UTC().Format(time.RFC3339), up}
}

// WriteServicesObservedCSV is WriteServicesCSV with the last observed
// status of each service after its declared columns (ObservedColumns;
// empty cells for a service never checked). An import reads past them.
func WriteServicesObservedCSV(w io.Writer, each func(func(Service) error) error, observed map[int64]ObservedSummary) error {
	cw := NewCSVWriter(w)
	if err := cw.Write(append(append([]string{}, ServiceColumns...), ObservedColumns...)); err != nil {
		return err
	}
	err := each(func(s Service) error { return cw.Write(append(ServiceRecord(s), observed[s.ID].Record()...)) })
	return errors.Join(err, cw.Flush())
}
