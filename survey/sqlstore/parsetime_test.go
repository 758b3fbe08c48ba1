package sqlstore

import (
	"testing"
	"time"
)

// TestParseTimeAsTimeParse holds the hand-written reader of stored
// timestamps to time.Parse: same instant, same location, and the zero
// time for what time.Parse refuses.
func TestParseTimeAsTimeParse(t *testing.T) {
	for _, s := range []string{
		"2026-12-07T05:04:20.123Z", "2024-02-29T23:59:59.999Z", "2025-02-28T00:00:00.000Z",
		"2025-02-29T00:00:00.000Z", "2025-13-01T00:00:00.000Z", "2025-12-31T24:00:00.000Z",
		"2025-04-31T10:00:00.000Z", "2025-12-31T10:60:00.000Z", "2025-12-31T10:00:61.000Z",
		"2025-1a-01T00:00:00.000Z", "", "2025-12-31", "2025-12-31T10:00:00Z", "+025-12-31T10:00:00.000Z",
		"2025-12-30T10:00:00.000X", "0000-01-01T00:00:00.000Z",
	} {
		want, _ := time.Parse(timeLayout, s)
		got := parseTime(s)
		if !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseTime(%q) = %v, time.Parse gives %v", s, got, want)
		}
	}
	now := time.Now()
	for i := range 1000 {
		x := now.Add(time.Duration(i) * 7919 * time.Hour).Truncate(time.Millisecond).UTC()
		if got := parseTime(formatTime(x)); !got.Equal(x) {
			t.Fatalf("parseTime(formatTime(%v)) = %v", x, got)
		}
	}
}
