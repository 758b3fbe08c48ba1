package survey

import (
	"slices"
	"testing"
	"time"
)

func TestServiceReasons(t *testing.T) {
	today := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	ok := Service{Status: ServiceActive, NameAr: "خدمة", NameEn: "Service", DescriptionAr: "وصف", Channels: []string{"web"},
		Stage: 3, OnlineURL: "https://example.ps/s", NoVisit: true, FeeILS: 10, EPayment: true, LastReviewed: "2026-03-01"}
	with := func(f func(*Service)) Service { s := ok; f(&s); return s }
	for _, tc := range []struct {
		name string
		sv   Service
		want []string
	}{
		{"complete and fresh", ok, nil},
		{"reviewed exactly a year ago", with(func(s *Service) { s.LastReviewed = "2025-12-06" }), nil},
		{"reviewed a year and a day ago", with(func(s *Service) { s.LastReviewed = "2025-12-05" }), []string{ReviewStale}},
		{"never reviewed", with(func(s *Service) { s.LastReviewed = "" }), []string{ReviewNever}},
		{"no English name", with(func(s *Service) { s.NameEn = "" }), []string{ReviewIncomplete}},
		{"no channel", with(func(s *Service) { s.Channels = nil }), []string{ReviewIncomplete}},
		{"informational without an address", with(func(s *Service) { s.Stage, s.OnlineURL = 1, "" }), []string{ReviewNoURL}},
		{"offline without an address", with(func(s *Service) { s.Stage, s.OnlineURL, s.NoVisit = 0, "", false }), nil},
		{"transactional but needs a visit", with(func(s *Service) { s.NoVisit = false }), []string{ReviewMismatch}},
		{"transactional, fee paid in person", with(func(s *Service) { s.EPayment = false }), []string{ReviewMismatch}},
		{"transactional, free, paid nowhere", with(func(s *Service) { s.EPayment, s.FeeILS = false, 0 }), nil},
		{"interactive and needs a visit", with(func(s *Service) { s.Stage, s.NoVisit = 2, false }), nil},
		{"retired", with(func(s *Service) { s.Status, s.LastReviewed = ServiceRetired, "" }), nil},
		{"several", with(func(s *Service) { s.LastReviewed, s.DescriptionAr, s.NoVisit = "2020-01-01", "", false }),
			[]string{ReviewStale, ReviewIncomplete, ReviewMismatch}},
	} {
		if got := ServiceReasons(tc.sv, today); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
