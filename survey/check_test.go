package survey

import (
	"strings"
	"testing"
)

func TestReadPage(t *testing.T) {
	p := ReadPage(strings.NewReader(`<!DOCTYPE html><HTML LANG="ar-PS" DIR="RTL"><head>
<meta name="Viewport" content="width=device-width"><title>أ &amp; ب
  ج</title><title>second</title></head>
<body><img alt="x"><img><IMG/><form><label for="a">A</label><input id="a"><input id="b">
<input type="checkbox" title="t"><input aria-labelledby="l"><label>x<textarea></textarea></label><select id="s"></select></form>`))
	want := Page{Lang: "ar-ps", Dir: "rtl", Viewport: true, Title: "أ & ب ج", ImagesNoAlt: 2, Unlabelled: 2}
	if p != want {
		t.Errorf("ReadPage = %+v, want %+v", p, want)
	}
	if p := ReadPage(strings.NewReader(`<html><meta name="viewport" content="initial-scale=1"><p>no lang`)); p.Lang != "" || p.Viewport || p.Title != "" {
		t.Errorf("bare page = %+v", p)
	}
	long := strings.Repeat("ع", 500)
	if p := ReadPage(strings.NewReader("<title>" + long + "</title>")); len([]rune(p.Title)) != maxTitleRunes {
		t.Errorf("title kept %d runes, want %d", len([]rune(p.Title)), maxTitleRunes)
	}
}

func TestRobotsAllows(t *testing.T) {
	const ua = "Marsad-checker/1.0 (+https://marsad.example.ps)"
	cases := []struct {
		robots, path string
		want         bool
	}{
		{"", "/x", true},
		{"User-agent: *\nDisallow: /", "/x", false},
		{"User-agent: *\nDisallow:", "/x", true},
		{"User-agent: *\nDisallow: /\n\nUser-agent: Marsad-checker\nAllow: /", "/x", true},
		{"User-agent: marsad-checker\nDisallow: /private\n", "/private/a", false},
		{"User-agent: marsad-checker\nDisallow: /private\n", "/public", true},
		{"User-agent: *\nDisallow: /a\nAllow: /a/b", "/a/b/c", true},
		{"User-agent: *\nDisallow: /a/b\nAllow: /a", "/a/b/c", false},
		{"User-agent: otherbot\nUser-agent: *\nDisallow: /m # comment", "/marsad", false},
		{"User-agent: googlebot\nDisallow: /", "/x", true},
		{"User-agent: *\nDisallow: /*.php", "/index.php", false},
	}
	for _, tc := range cases {
		if got := RobotsAllows(strings.NewReader(tc.robots), ua, tc.path); got != tc.want {
			t.Errorf("robots %q path %s: %v, want %v", tc.robots, tc.path, got, tc.want)
		}
	}
}

func TestURLCheckSecure(t *testing.T) {
	ok := URLCheck{Reachable: true, HTTPS: true, TLSVersion: "1.3"}
	for name, c := range map[string]URLCheck{
		"down": {HTTPS: true, TLSVersion: "1.3"}, "plain": {Reachable: true},
		"expired": {Reachable: true, HTTPS: true, TLSVersion: "1.3", CertError: "expired"},
		"tls1.0":  {Reachable: true, HTTPS: true, TLSVersion: "1.0"},
	} {
		if c.Secure() {
			t.Errorf("%s counted secure", name)
		}
	}
	if !ok.Secure() {
		t.Error("HTTPS with TLS 1.3 and a good certificate not secure")
	}
	if (Uptime{Checks: 4, Reachable: 3}).Percent() != 75 || (Uptime{}).Percent() != 0 {
		t.Error("uptime percent")
	}
}
