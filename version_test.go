package main

import (
	"runtime/debug"
	"testing"
	"time"
)

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "marsad", Version: "(devel)"}}
		for i := 0; i+1 < len(kv); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return bi
	}
	for _, tc := range []struct {
		name, ldflags string
		bi            *debug.BuildInfo
		want          string
	}{
		{"set by -ldflags", "1.4.0", vcs("vcs.revision", "d8191fe20337abcdef"), "1.4.0"},
		{"clean commit", "", vcs("vcs.revision", "d8191fe20337abcdef0123", "vcs.time", "2026-12-06T15:14:58Z", "vcs.modified", "false"),
			"d8191fe20337 (2026-12-06)"},
		{"uncommitted changes", "", vcs("vcs.revision", "d8191fe20337abcdef0123", "vcs.time", "2026-12-06T15:14:58Z", "vcs.modified", "true"),
			"d8191fe20337+modified (2026-12-06)"},
		{"no time", "", vcs("vcs.revision", "abc"), "abc"},
		{"go install of a tagged version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"built without VCS stamping", "", vcs(), "dev"},
		{"no build info", "", nil, "dev"},
	} {
		if got := versionFrom(tc.ldflags, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTimeZoneSetting(t *testing.T) {
	for _, tc := range []struct {
		name string
		demo bool
		want string
	}{
		{"", false, "UTC"},
		{"", true, "Asia/Hebron"},
		{"Europe/London", true, "Europe/London"},
		{"Asia/Gaza", false, "Asia/Gaza"},
	} {
		loc, err := timeZone(tc.name, tc.demo)
		if err != nil || loc.String() != tc.want {
			t.Errorf("timeZone(%q, %v) = %v, %v; want %s", tc.name, tc.demo, loc, err, tc.want)
		}
	}
	if _, err := timeZone("Mars/Olympus", false); err == nil {
		t.Error("an unknown zone was accepted")
	}
	// Palestine time is two hours ahead of UTC in winter.
	loc, err := timeZone("", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Date(2026, 12, 6, 15, 3, 0, 0, time.UTC).In(loc).Format("15:04"); got != "17:03" {
		t.Errorf("Hebron in December: %s", got)
	}
}
