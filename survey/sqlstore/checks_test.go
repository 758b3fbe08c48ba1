package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

func TestURLChecksHistoryAndUptime(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	if _, err := s.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: "MOH", NameAr: "وزارة الصحة", Kind: "ministry", Sector: "health", Region: "national", Website: "https://moh.example.ps"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: "MOI", NameAr: "وزارة الداخلية", Kind: "ministry", Sector: "interior", Region: "national"}); err != nil {
		t.Fatal(err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	online, err := s.CreateService(ctx, admin, frozenServiceInput("MOH", "S1"))
	if err != nil {
		t.Fatal(err)
	}
	offline := frozenServiceInput("MOI", "S2")
	offline.OnlineURL, offline.Stage = "", "0"
	if _, err := s.CreateService(ctx, admin, offline); err != nil {
		t.Fatal(err)
	}
	targets, err := s.CheckTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ref := strconv.FormatInt(online.ID, 10)
	want := []survey.CheckTarget{{Kind: "service", Ref: ref, URL: online.OnlineURL}, {Kind: "website", Ref: "MOH", URL: "https://moh.example.ps"}}
	if len(targets) != 2 || targets[0] != want[0] || targets[1] != want[1] {
		t.Fatalf("targets = %+v, want %+v", targets, want)
	}

	if o, err := s.ServiceObserved(ctx, online.ID); err != nil || o.Last != nil || o.Uptime.Checks != 0 {
		t.Fatalf("never checked: %+v, %v", o, err)
	}
	// 40 days of daily checks: up on even days. Only the last 30 count.
	up := true
	for day := range 40 {
		c := survey.URLCheck{Kind: survey.TargetService, Ref: ref, URL: online.OnlineURL, CheckedAt: clock.Now(),
			Reachable: day%2 == 0, Status: 200, FinalURL: online.OnlineURL, Redirects: []string{}, HTTPS: true, HTTPUpgrade: &up,
			TLSVersion: "1.3", CertExpires: clock.Now().AddDate(0, 3, 0).Truncate(time.Millisecond), HSTS: true, TTFBMs: 120, TotalMs: 800,
			Bytes: 5000, NotFound: survey.NotFoundAnswers404, Page: survey.Page{Lang: "ar", Dir: "rtl", Viewport: true, Title: "خدمة", ImagesNoAlt: day}}
		if day == 39 {
			c.Redirects = []string{strings.Repeat("x", 5000)}
			c.Title = strings.Repeat("ع", 1000)
		}
		if err := s.RecordURLChecks(ctx, []survey.URLCheck{c}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
	}
	o, err := s.ServiceObserved(ctx, online.ID)
	if err != nil || o.Last == nil {
		t.Fatalf("observed: %+v, %v", o, err)
	}
	last := *o.Last
	if last.ImagesNoAlt != 39 || last.Reachable || !last.HTTPS || last.HTTPUpgrade == nil || !*last.HTTPUpgrade || last.TLSVersion != "1.3" ||
		last.Lang != "ar" || last.Dir != "rtl" || !last.Viewport || last.NotFound != "404" || last.TotalMs != 800 || last.CertExpires.IsZero() {
		t.Errorf("latest = %+v", last)
	}
	if len(last.Redirects) != 1 || len(last.Redirects[0]) != maxCheckURL || len(last.Title) > 800 {
		t.Errorf("stored sizes: redirect %d bytes, title %d bytes", len(last.Redirects[0]), len(last.Title))
	}
	// Now is day 40: the window since day 10 holds days 10..39, 15 of them up.
	if o.Uptime != (survey.Uptime{Checks: 30, Reachable: 15}) {
		t.Errorf("uptime = %+v, want 30 checks, 15 reachable", o.Uptime)
	}
	byID, err := s.InstitutionServiceChecks(ctx, "MOH")
	if err != nil || len(byID) != 1 || byID[online.ID] == nil || byID[online.ID].ImagesNoAlt != 39 {
		t.Errorf("MOH's latest checks = %v, %v; want service %d's check of day 39", byID, err, online.ID)
	}
	if byID, err := s.InstitutionServiceChecks(ctx, "MOI"); err != nil || len(byID) != 0 {
		t.Errorf("MOI's latest checks = %v, %v; want none", byID, err)
	}
	if err := s.RecordURLChecks(ctx, []survey.URLCheck{{Kind: "other", Ref: "1"}}); err == nil {
		t.Error("a check of an unknown kind was stored")
	}
}
