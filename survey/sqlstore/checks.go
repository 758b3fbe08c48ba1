package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"marsad/survey"
)

// Observed service checks (migration 0017, survey/check.go).

// CheckTargets lists what the checker visits: the online URL of every
// active service of an active institution, and every active institution's
// website.
func (s *Store) CheckTargets(ctx context.Context) ([]survey.CheckTarget, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT 'service', CAST(s.id AS TEXT), s.online_url FROM services s
		JOIN institutions i ON i.id = s.institution_id
		WHERE s.status = 'active' AND i.active = 1 AND s.online_url <> ''
		UNION ALL
		SELECT 'website', code, website FROM institutions WHERE active = 1 AND website <> ''
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("survey: check targets: %w", err)
	}
	defer rows.Close()
	var out []survey.CheckTarget
	for rows.Next() {
		var t survey.CheckTarget
		if err := rows.Scan(&t.Kind, &t.Ref, &t.URL); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Bounds on what a check stores: a site chooses its redirects and title,
// so they are cut to size here.
const (
	maxCheckURL       = 2048
	maxCheckRedirects = 20
)

// RecordURLChecks stores checks, in one transaction.
func (s *Store) RecordURLChecks(ctx context.Context, checks []survey.URLCheck) error {
	if len(checks) == 0 {
		return nil
	}
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.insertChecks(ctx, tx, checks) })
}

// insertChecks stores checks inside tx (RecordURLChecks, the demo).
func (s *Store) insertChecks(ctx context.Context, tx *sql.Tx, checks []survey.URLCheck) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO url_checks (kind, ref, url, checked_at, reachable, error, status,
		final_url, redirects, https, http_upgrade, tls_version, cert_expires, cert_error, hsts, ttfb_ms, total_ms, bytes,
		truncated, lang, dir, viewport, title, not_found, images_no_alt, unlabelled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range checks {
		if c.Kind != survey.TargetService && c.Kind != survey.TargetWebsite {
			return fmt.Errorf("survey: check of unknown kind %q", c.Kind)
		}
		red := c.Redirects
		if len(red) > maxCheckRedirects {
			red = red[:maxCheckRedirects]
		}
		cut := make([]string, len(red))
		for i, u := range red {
			cut[i] = clip(u, maxCheckURL)
		}
		rj, _ := json.Marshal(cut)
		var up any
		if c.HTTPUpgrade != nil {
			up = *c.HTTPUpgrade
		}
		exp := ""
		if !c.CertExpires.IsZero() {
			exp = formatTime(c.CertExpires)
		}
		at := c.CheckedAt
		if at.IsZero() {
			at = s.now()
		}
		nf := c.NotFound
		if nf == "" {
			nf = survey.NotFoundSkipped
		}
		if _, err := st.ExecContext(ctx, clip(c.Kind, 16), clip(c.Ref, 64), clip(c.URL, maxCheckURL), formatTime(at), c.Reachable,
			clip(c.Error, 32), c.Status, clip(c.FinalURL, maxCheckURL), string(rj), c.HTTPS, up, clip(c.TLSVersion, 8), exp,
			clip(c.CertError, 32), c.HSTS, c.TTFBMs, c.TotalMs, c.Bytes, c.Truncated, clip(c.Lang, 35), clip(c.Dir, 4),
			c.Viewport, clip(c.Title, 800), clip(nf, 16), c.ImagesNoAlt, c.Unlabelled); err != nil {
			return fmt.Errorf("survey: record check: %w", err)
		}
	}
	return nil
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

const checkColumns = `kind, ref, url, checked_at, reachable, error, status, final_url, redirects, https, http_upgrade,
	tls_version, cert_expires, cert_error, hsts, ttfb_ms, total_ms, bytes, truncated, lang, dir, viewport, title, not_found,
	images_no_alt, unlabelled`

func scanCheck(row interface{ Scan(...any) error }) (survey.URLCheck, error) {
	var c survey.URLCheck
	var at, exp, red string
	var up sql.NullBool
	err := row.Scan(&c.Kind, &c.Ref, &c.URL, &at, &c.Reachable, &c.Error, &c.Status, &c.FinalURL, &red, &c.HTTPS, &up,
		&c.TLSVersion, &exp, &c.CertError, &c.HSTS, &c.TTFBMs, &c.TotalMs, &c.Bytes, &c.Truncated, &c.Lang, &c.Dir,
		&c.Viewport, &c.Title, &c.NotFound, &c.ImagesNoAlt, &c.Unlabelled)
	if err != nil {
		return c, err
	}
	c.CheckedAt = parseTime(at)
	if exp != "" {
		c.CertExpires = parseTime(exp)
	}
	if up.Valid {
		v := up.Bool
		c.HTTPUpgrade = &v
	}
	c.Redirects = []string{}
	_ = json.Unmarshal([]byte(red), &c.Redirects)
	return c, nil
}

// LatestURLCheck is the last check of a target; survey.ErrNotFound when it
// was never checked.
func (s *Store) LatestURLCheck(ctx context.Context, kind, ref string) (survey.URLCheck, error) {
	c, err := scanCheck(s.r.QueryRowContext(ctx, `SELECT `+checkColumns+` FROM url_checks
		WHERE kind = ? AND ref = ? ORDER BY checked_at DESC, id DESC LIMIT 1`, kind, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return c, survey.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("survey: latest check: %w", err)
	}
	return c, nil
}

// URLUptime counts a target's checks since a time and how many answered.
func (s *Store) URLUptime(ctx context.Context, kind, ref string, since time.Time) (survey.Uptime, error) {
	var u survey.Uptime
	err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(reachable), 0) FROM url_checks
		WHERE kind = ? AND ref = ? AND checked_at >= ?`, kind, ref, formatTime(since)).Scan(&u.Checks, &u.Reachable)
	if err != nil {
		return u, fmt.Errorf("survey: uptime: %w", err)
	}
	return u, nil
}

// ServiceObserved is a service's latest check and its uptime over the last
// survey.UptimeDays days; Last is nil when it was never checked.
func (s *Store) ServiceObserved(ctx context.Context, serviceID int64) (survey.Observed, error) {
	return s.observed(ctx, survey.TargetService, strconv.FormatInt(serviceID, 10))
}

func (s *Store) observed(ctx context.Context, kind, ref string) (survey.Observed, error) {
	var o survey.Observed
	c, err := s.LatestURLCheck(ctx, kind, ref)
	if errors.Is(err, survey.ErrNotFound) {
		return o, nil
	}
	if err != nil {
		return o, err
	}
	o.Last = &c
	o.Uptime, err = s.URLUptime(ctx, kind, ref, s.now().AddDate(0, 0, -survey.UptimeDays))
	return o, err
}

// InstitutionServiceChecks is the latest check of each of an institution's
// services that was ever checked, by service id (the respondent's list of
// services says what fails and why).
func (s *Store) InstitutionServiceChecks(ctx context.Context, code string) (map[int64]*survey.URLCheck, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkColumns+` FROM url_checks u
		WHERE u.kind = 'service' AND u.ref IN (SELECT CAST(sv.id AS TEXT) FROM services sv
			JOIN institutions i ON i.id = sv.institution_id WHERE i.code = ?)
		AND u.id = (SELECT l.id FROM url_checks l WHERE l.kind = 'service' AND l.ref = u.ref
			ORDER BY l.checked_at DESC, l.id DESC LIMIT 1)`, code)
	if err != nil {
		return nil, fmt.Errorf("survey: institution checks: %w", err)
	}
	defer rows.Close()
	out := map[int64]*survey.URLCheck{}
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, err
		}
		id, err := strconv.ParseInt(c.Ref, 10, 64)
		if err != nil {
			continue
		}
		out[id] = &c
	}
	return out, rows.Err()
}

// ServicesObservedSummary is every checked service's latest status and
// uptime over the last survey.UptimeDays days, by service id, in two
// queries (the catalog export).
func (s *Store) ServicesObservedSummary(ctx context.Context) (map[int64]survey.ObservedSummary, error) {
	out := map[int64]survey.ObservedSummary{}
	// The latest time per URL first (the index gives it), then its row: a
	// subquery per row of the whole history would grow with every run.
	rows, err := s.r.QueryContext(ctx, `SELECT u.ref, u.checked_at, u.reachable, u.https FROM url_checks u
		JOIN (SELECT ref, max(checked_at) AS at FROM url_checks WHERE kind = 'service' GROUP BY ref) l
			ON u.kind = 'service' AND u.ref = l.ref AND u.checked_at = l.at
		ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("survey: observed summary: %w", err)
	}
	for rows.Next() {
		var ref, at string
		o := survey.ObservedSummary{Checked: true}
		if err := rows.Scan(&ref, &at, &o.Reachable, &o.HTTPS); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: observed summary: %w", err)
		}
		o.CheckedAt = parseTime(at)
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			out[id] = o
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = s.r.QueryContext(ctx, `SELECT ref, count(*), coalesce(sum(reachable), 0) FROM url_checks
		WHERE kind = 'service' AND checked_at >= ? GROUP BY ref`, formatTime(s.now().AddDate(0, 0, -survey.UptimeDays)))
	if err != nil {
		return nil, fmt.Errorf("survey: observed summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var u survey.Uptime
		if err := rows.Scan(&ref, &u.Checks, &u.Reachable); err != nil {
			return nil, fmt.Errorf("survey: observed summary: %w", err)
		}
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			if o, ok := out[id]; ok {
				o.Uptime = u
				out[id] = o
			}
		}
	}
	return out, rows.Err()
}
