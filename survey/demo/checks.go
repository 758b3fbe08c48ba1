package demo

import (
	"net/url"
	"time"

	"marsad/survey"
)

// Observed service checks in the demo (issue 17, part 2): stored results,
// as if the checker had visited each online service on the first of every
// month since the first round opened and every day of the last week. The
// demo never makes a network request: the example.ps sites do not exist.
//
// Each service gets a stable profile from its codes (roll): most answer
// over HTTPS with an Arabic, mobile-ready page; some are plain HTTP, slow,
// English-only or without a viewport, and a few fail now and then. Two of
// MOH's services (the walkthrough's institution) disagree with what is
// declared, so that the review page, the services list and the scorecard
// show discrepancies: INS-ISSUE (stage 3) has failed every check of the
// last five days, and VACCINATION-CERT, declared available from abroad, has
// no HTTPS. PRACTICE-LICENSE-RENEW failed from September to November 2025,
// so the published 2025 round's scorecard lists it too.

// demoChecksFrom is the first monthly check: the first round's opening.
var demoChecksFrom = time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC)

// demoDown are the demo's services that fail on purpose, by
// "INSTITUTION/CODE": down in the last days (now) or in a period.
var demoDown = map[string]func(at, now time.Time) bool{
	"MOH/INS-ISSUE": func(at, now time.Time) bool { return now.Sub(at) < 5*24*time.Hour+time.Hour },
	"MOH/PRACTICE-LICENSE-RENEW": func(at, _ time.Time) bool {
		return !at.Before(time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)) && at.Before(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	},
}

// demoPlain are services declared available from abroad that answer over
// plain HTTP only.
var demoPlain = map[string]bool{"MOH/VACCINATION-CERT": true}

// checkTimes are the demo's check times up to now: monthly, then daily
// over the last week.
func checkTimes(now time.Time) []time.Time {
	lastWeek := time.Date(now.Year(), now.Month(), now.Day(), 3, 0, 0, 0, time.UTC).AddDate(0, 0, -7)
	var out []time.Time
	for t := demoChecksFrom; t.Before(lastWeek); t = t.AddDate(0, 1, 0) {
		out = append(out, t)
	}
	for t := lastWeek; t.Before(now); t = t.AddDate(0, 0, 1) {
		out = append(out, t)
	}
	return out
}

// seedChecks stores the checks of every active service with a URL.
func (c *Content) seedChecks(tx survey.DemoWriter, now time.Time) error {
	now = now.UTC()
	times := checkTimes(now)
	for _, sv := range c.Services {
		if sv.OnlineURL == "" || sv.Status != survey.ServiceActive {
			continue
		}
		key := sv.InstitutionCode + "/" + sv.Code
		checks := make([]survey.URLCheck, 0, len(times))
		for _, at := range times {
			checks = append(checks, demoCheck(sv, key, at, now))
		}
		if err := tx.AddServiceChecks(sv.InstitutionCode, sv.Code, checks); err != nil {
			return err
		}
	}
	return nil
}

// demoCheck is one stored check of a service at a time, from its profile.
func demoCheck(sv survey.ServiceInput, key string, at, now time.Time) survey.URLCheck {
	in, code := sv.InstitutionCode, sv.Code
	plain := demoPlain[key] || roll(in, code, "plain") < 0.1
	c := survey.URLCheck{URL: sv.OnlineURL, CheckedAt: at, NotFound: survey.NotFoundAnswers404, Redirects: []string{}}
	down := roll(in, code, at.Format("2006-01-02")) < 0.03
	if f := demoDown[key]; f != nil && f(at, now) {
		down = true
	}
	if down {
		c.Error, c.TotalMs, c.NotFound = survey.CheckErrTimeout, 15000, survey.NotFoundSkipped
		return c
	}
	c.Reachable, c.Status = true, 200
	c.FinalURL = sv.OnlineURL
	if u, err := url.Parse(sv.OnlineURL); err == nil && !plain {
		u.Scheme = "https"
		c.FinalURL = u.String()
	}
	c.HTTPS = !plain
	up := !plain
	c.HTTPUpgrade = &up
	if !plain {
		c.TLSVersion = "1.3"
		if roll(in, code, "tls12") < 0.3 {
			c.TLSVersion = "1.2"
		}
		c.CertExpires = time.Date(at.Year()+1, 1, 31, 0, 0, 0, 0, time.UTC)
		c.HSTS = roll(in, code, "hsts") < 0.5
	}
	slow := roll(in, code, "slow")
	c.TotalMs = 350 + int64(slow*slow*5200) + int64(roll(in, code, at.String())*300)
	c.TTFBMs = c.TotalMs / 3
	c.Bytes = 40000 + int64(roll(in, code, "bytes")*900000)
	c.Viewport = roll(in, code, "viewport") < 0.8
	if roll(in, code, "arabic") < 0.75 {
		c.Lang, c.Dir = "ar", "rtl"
	} else if roll(in, code, "english") < 0.5 {
		c.Lang = "en"
	}
	c.Title = sv.NameAr
	c.ImagesNoAlt = int(roll(in, code, "alt") * 6)
	c.Unlabelled = int(roll(in, code, "labels") * 3)
	if roll(in, code, "soft404") < 0.2 {
		c.NotFound = survey.NotFoundSoft
	}
	return c
}
