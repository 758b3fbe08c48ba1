package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"marsad/survey"
	"marsad/survey/sqlstore"
	"marsad/survey/synth"
)

// catalogJSON is the catalog scenario: a generated catalog of N services,
// its pages under load, and a full CSV export.
type catalogJSON struct {
	Services        int        `json:"services"`
	Institutions    int        `json:"institutions"`
	Throughput      []loadJSON `json:"throughput"`
	ExportMs        float64    `json:"export_csv_ms"`
	ExportBytes     int64      `json:"export_csv_bytes"`
	RSSBeforeKB     int64      `json:"rss_before_export_kb"`
	RSSAfterKB      int64      `json:"rss_after_export_kb"`
	TargetExportMs  float64    `json:"target_export_ms_max"`
	TargetPageRPS   float64    `json:"target_catalog_rps_min"`
	TargetSearchP99 float64    `json:"target_search_p99_ms_max"`
}

// catalogPaths are the pages load-tested on the generated catalog: the
// landing view, a query, and a query with filters.
var catalogPaths = []string{
	"/ar/catalog",
	"/ar/catalog?q=" + url.QueryEscape("شهادة ميلاد"),
	"/ar/catalog?q=" + url.QueryEscape("تجديد") + "&abroad=1&stage_min=3",
}

// prepareCatalogDB generates a catalog with the app's own store code, plus
// one admin so that the server is past its first-run setup.
func prepareCatalogDB(ctx context.Context, path string, institutions, services int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return err
	}
	st, err := sqlstore.Open(ctx, path, sqlstore.Options{BcryptCost: 4})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := synth.Seed(ctx, st, institutions, services, 1); err != nil {
		return err
	}
	_, err = st.CreateUser(ctx, 0, survey.NewUser{Email: "bench@example.ps", Role: survey.RoleAdmin, Password: "bench-password"})
	return err
}

// catalogScenario runs the catalog scenario on its own server.
func catalogScenario(ctx context.Context, o options, bin, tmp string, tr *http.Transport, progress func(string, ...any)) (*catalogJSON, error) {
	out := &catalogJSON{Services: o.catalog, Institutions: 150, TargetExportMs: 1000, TargetPageRPS: 1000, TargetSearchP99: 30}
	progress("catalog: generating %d services", o.catalog)
	db := filepath.Join(tmp, "catalog", "marsad.db")
	if err := prepareCatalogDB(ctx, db, out.Institutions, o.catalog); err != nil {
		return nil, fmt.Errorf("generate catalog: %w", err)
	}
	srv, err := startServer(ctx, bin, db, nil, filepath.Join(tmp, "logs", "catalog.log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return nil, err
	}
	for _, p := range catalogPaths {
		progress("load: GET %s, %d clients, %s after %s warm-up", p, o.concurrency, o.duration, warmUp)
		lr, err := loadTest(ctx, tr, srv.base, p, o.concurrency, warmUp, o.duration)
		if err != nil {
			return nil, err
		}
		out.Throughput = append(out.Throughput, lr)
	}
	if out.RSSBeforeKB, _, err = readRSS(srv.cmd.Process.Pid); err != nil {
		return nil, err
	}
	progress("catalog: full CSV export")
	start := time.Now()
	res, err := (&http.Client{Transport: tr, Timeout: 60 * time.Second}).Get(srv.base + "/api/v1/catalog.csv")
	if err != nil {
		return nil, err
	}
	out.ExportBytes, err = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("export: status %d, %v", res.StatusCode, err)
	}
	out.ExportMs = ms(time.Since(start))
	if out.RSSAfterKB, _, err = readRSS(srv.cmd.Process.Pid); err != nil {
		return nil, err
	}
	return out, nil
}

func printCatalog(w io.Writer, c *catalogJSON) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "\nCatalog: %d generated services, %d institutions\n", c.Services, c.Institutions)
	for _, t := range c.Throughput {
		fmt.Fprintf(w, "  GET %-60s %8.0f req/s  p50 %6.2f  p99 %7.2f ms  errors %d  non-200 %d   (target ≥ %.0f req/s)\n",
			t.Path, t.RPS, t.P50Ms, t.P99Ms, t.Errors, t.Non200, c.TargetPageRPS)
	}
	fmt.Fprintf(w, "  CSV export: %.0f ms for %.1f MiB (target ≤ %.0f ms); server RSS %.1f → %.1f MiB\n",
		c.ExportMs, mib(c.ExportBytes), c.TargetExportMs, float64(c.RSSBeforeKB)/1024, float64(c.RSSAfterKB)/1024)
}
