package survey

import (
	"sort"
	"strings"
	"time"
)

// Declared vs observed (issue 17, part 2): the catalog says what an
// institution declares about a service; the checks say what its URL did.
// Where they disagree the reviewer, the institution and the coordinator see
// a flag (docs/checks.md, "Declared vs observed"). Pure: the store gives
// the services and what their checks were, this file decides.

// DiscrepancyDays is how long a service declared online (stage ≥ 3) may
// fail before it is flagged: one failed visit is a bad moment, days of
// them are a service that is not online. Three days outlast a weekend's
// maintenance and still catch a dead service within the week.
const DiscrepancyDays = 3

// Reasons of a discrepancy (Discrepancy.Reason); each has the locale key
// "discrepancy.<reason>" and a longer "discrepancy.<reason>_help".
const (
	// DiscrepancyOffline: declared online (stage ≥ 3) but its URL has
	// failed every check for DiscrepancyDays days or more.
	DiscrepancyOffline = "offline"
	// DiscrepancyAbroadUnreachable: declared available from abroad, but
	// its URL did not answer at its latest check.
	DiscrepancyAbroadUnreachable = "abroad_unreachable"
	// DiscrepancyAbroadInsecure: declared available from abroad, and it
	// answers, but not over a secure connection (no HTTPS, or a
	// certificate or TLS version one may not trust).
	DiscrepancyAbroadInsecure = "abroad_insecure"
)

// DiscrepancyReasons lists every reason, strongest first.
var DiscrepancyReasons = []string{DiscrepancyOffline, DiscrepancyAbroadUnreachable, DiscrepancyAbroadInsecure}

// CheckState is what is known of a service's URL at a time: its latest
// check, and since when it has been failing.
type CheckState struct {
	Last URLCheck
	// FailingSince is the first check of the run of failures that ends
	// with Last (no success since); zero when Last answered.
	FailingSince time.Time
}

// Discrepancy is a service whose checks disagree with what its
// institution declared.
type Discrepancy struct {
	ServiceID       int64  `json:"service_id"`
	InstitutionCode string `json:"institution"`
	ServiceCode     string `json:"service_code"`
	NameAr          string `json:"name_ar"`
	NameEn          string `json:"name_en"`
	Stage           int    `json:"stage"`
	Abroad          bool   `json:"available_abroad"`
	URL             string `json:"url"`
	// Reason is one of DiscrepancyReasons: the strongest that applies.
	Reason string `json:"reason"`
	// Since is when the failure began (DiscrepancyOffline), else the
	// latest check's time.
	Since time.Time `json:"since"`
	// Error is why the latest check failed (a CheckErr code), or "".
	Error string `json:"error,omitempty"`
	// CheckedAt is the latest check's time.
	CheckedAt time.Time `json:"checked_at"`
	// Days is how many whole days the failure had lasted when judged.
	Days int `json:"days"`
}

// Name is the service's name in lang, Arabic when it has no English one.
func (d Discrepancy) Name(lang string) string {
	if lang == "en" && d.NameEn != "" {
		return d.NameEn
	}
	return d.NameAr
}

// FindDiscrepancies compares what services declare with their URLs' check
// states at asOf. Only active services with a URL and a check are judged (a
// service never checked has nothing observed to disagree with). A service
// gets at most one discrepancy, its strongest reason. The result is ordered
// by institution and service code.
func FindDiscrepancies(services []Service, states map[int64]CheckState, asOf time.Time) []Discrepancy {
	var out []Discrepancy
	for _, s := range services {
		if s.Status != ServiceActive || s.OnlineURL == "" {
			continue
		}
		st, ok := states[s.ID]
		if !ok {
			continue
		}
		reason, since := "", st.Last.CheckedAt
		switch {
		case s.Stage >= StageTransactional && !st.Last.Reachable && !st.FailingSince.IsZero() &&
			asOf.Sub(st.FailingSince) >= DiscrepancyDays*24*time.Hour:
			reason, since = DiscrepancyOffline, st.FailingSince
		case s.Abroad && !st.Last.Reachable:
			reason = DiscrepancyAbroadUnreachable
		case s.Abroad && !st.Last.Secure():
			reason = DiscrepancyAbroadInsecure
		default:
			continue
		}
		out = append(out, Discrepancy{ServiceID: s.ID, InstitutionCode: s.InstitutionCode, ServiceCode: s.Code,
			NameAr: s.NameAr, NameEn: s.NameEn, Stage: s.Stage, Abroad: s.Abroad, URL: s.OnlineURL, Reason: reason,
			Since: since, Error: st.Last.Error, CheckedAt: st.Last.CheckedAt, Days: max(0, int(asOf.Sub(since)/(24*time.Hour)))})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].InstitutionCode != out[j].InstitutionCode {
			return out[i].InstitutionCode < out[j].InstitutionCode
		}
		return out[i].ServiceCode < out[j].ServiceCode
	})
	return out
}

// DiscrepanciesByService indexes discrepancies by service id.
func DiscrepanciesByService(list []Discrepancy) map[int64]Discrepancy {
	out := make(map[int64]Discrepancy, len(list))
	for _, d := range list {
		out[d.ServiceID] = d
	}
	return out
}

// Observed technology score (issue 17, part 2): what the checks say of an
// institution's online services in a round, beside what it declared.

// FastMs is the total time under which a page counts as fast: three
// seconds is where visitors of a slow page start to leave, and a
// government form that takes longer on a good line is slow on a phone.
const FastMs = 3000

// ObservedTech is an institution's observed technology in a round: of its
// online services (active, stage ≥ 3, with a URL) that were checked in the
// round's window, how many were, at their latest check there, reachable,
// secure, mobile-ready, Arabic-labelled and fast.
type ObservedTech struct {
	// Online is how many online services the institution had; Checked how
	// many of them had a check in the window (the shares' denominator).
	Online    int `json:"online"`
	Checked   int `json:"checked"`
	Reachable int `json:"reachable"`
	// Secure: HTTPS with a trusted certificate on TLS 1.2+
	// (URLCheck.Secure), and the http:// form, when it answers,
	// redirects to it.
	Secure int `json:"secure"`
	// Mobile: a viewport meta tag.
	Mobile int `json:"mobile"`
	// Arabic: <html lang="ar…" dir="rtl">.
	Arabic int `json:"arabic"`
	// Fast: the whole page in less than FastMs.
	Fast int `json:"fast"`
}

// Criteria of the observed score, in the order they are shown; each has
// the locale key "observed.<criterion>".
var ObservedCriteria = []string{"reachable", "secure", "mobile", "arabic", "fast"}

// Count is how many checked services meet a criterion.
func (o ObservedTech) Count(criterion string) int {
	switch criterion {
	case "reachable":
		return o.Reachable
	case "secure":
		return o.Secure
	case "mobile":
		return o.Mobile
	case "arabic":
		return o.Arabic
	case "fast":
		return o.Fast
	}
	return 0
}

// Share is the share (0–1) of checked services that meet a criterion; 0
// when none was checked.
func (o ObservedTech) Share(criterion string) float64 {
	if o.Checked == 0 {
		return 0
	}
	return float64(o.Count(criterion)) / float64(o.Checked)
}

// Scored reports whether there is a score: some online service was checked
// in the window. Without one the score is not 0 but unknown (a metric item
// on it is not applicable).
func (o ObservedTech) Scored() bool { return o.Checked > 0 }

// Score is the mean of the five shares, 0–1: each criterion weighs the
// same (docs/checks.md, "Observed technology score").
func (o ObservedTech) Score() float64 {
	if o.Checked == 0 {
		return 0
	}
	var sum float64
	for _, c := range ObservedCriteria {
		sum += o.Share(c)
	}
	return sum / float64(len(ObservedCriteria))
}

// OnlineService reports whether a service counts in the observed score:
// active, declared online (stage ≥ 3), with a URL.
func OnlineService(s Service) bool {
	return s.Status == ServiceActive && s.Stage >= StageTransactional && s.OnlineURL != ""
}

// MetricObservedTech is the catalog metric a questionnaire's metric item
// names to score the observed technology score (ScoreOptions.ObservedTech).
const MetricObservedTech = "observed_technology"

// ComputeObservedTech scores services by their latest check in a window
// (checks, by service id; a service absent from it was not checked there).
// A service that did not answer meets no criterion.
func ComputeObservedTech(services []Service, checks map[int64]URLCheck) ObservedTech {
	var o ObservedTech
	for _, s := range services {
		if !OnlineService(s) {
			continue
		}
		o.Online++
		c, ok := checks[s.ID]
		if !ok {
			continue
		}
		o.Checked++
		if !c.Reachable {
			continue
		}
		o.Reachable++
		if c.Secure() && (c.HTTPUpgrade == nil || *c.HTTPUpgrade) {
			o.Secure++
		}
		if c.Viewport {
			o.Mobile++
		}
		if (c.Lang == "ar" || strings.HasPrefix(c.Lang, "ar-")) && c.Dir == "rtl" {
			o.Arabic++
		}
		if c.TotalMs < FastMs {
			o.Fast++
		}
	}
	return o
}

// RoundObserved is what the checks said of an institution in a round: the
// observed technology score and the discrepancies, over the round's window
// (docs/checks.md): from its opening to its close, or to now while it is
// open. A published round's is frozen the first time it is read after
// publication, so its figures never move.
type RoundObserved struct {
	From time.Time    `json:"from"`
	To   time.Time    `json:"to"`
	Tech ObservedTech `json:"tech"`
	// Score is Tech.Score(), nil when nothing was checked in the window.
	Score         *float64      `json:"score"`
	Discrepancies []Discrepancy `json:"discrepancies"`
	Frozen        bool          `json:"frozen"`
}

// NewRoundObserved assembles a round's observed figures from the
// institution's services (its catalog snapshot in a closed round), their
// latest checks in the window and their check states at its end.
func NewRoundObserved(from, to time.Time, services []Service, checks map[int64]URLCheck, states map[int64]CheckState) RoundObserved {
	o := RoundObserved{From: from, To: to, Tech: ComputeObservedTech(services, checks)}
	if o.Tech.Scored() {
		v := o.Tech.Score()
		o.Score = &v
	}
	o.Discrepancies = FindDiscrepancies(services, states, to)
	if o.Discrepancies == nil {
		o.Discrepancies = []Discrepancy{}
	}
	return o
}
