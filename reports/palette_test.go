package reports

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"marsad/survey"
)

// Colour-vision simulation after Machado, Oliveira and Fernandes (2009),
// severity 1: linear-RGB matrices for the three kinds of dichromacy.
var dichromacy = map[string][3][3]float64{
	"protanopia":   {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
	"tritanopia":   {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}},
}

// seenAs is how a reader with that dichromacy sees the colour ("normal"
// for unchanged), in linear RGB.
func seenAs(kind, color string) [3]float64 {
	r, g, b := rgb(color)
	c := [3]float64{linear(r), linear(g), linear(b)}
	m, ok := dichromacy[kind]
	if !ok {
		return c
	}
	var out [3]float64
	for i := range 3 {
		out[i] = min(max(m[i][0]*c[0]+m[i][1]*c[1]+m[i][2]*c[2], 0), 1)
	}
	return out
}

// lab converts linear RGB (sRGB primaries, D65) to CIELAB.
func lab(c [3]float64) [3]float64 {
	x := (0.4124564*c[0] + 0.3575761*c[1] + 0.1804375*c[2]) / 0.95047
	y := 0.2126729*c[0] + 0.7151522*c[1] + 0.0721750*c[2]
	z := (0.0193339*c[0] + 0.1191920*c[1] + 0.9503041*c[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

// deltaE is the CIE76 colour difference of two colours as a reader with
// that kind of colour vision sees them (about 2.3 is just noticeable; tens
// are plainly different).
func deltaE(kind, a, b string) float64 {
	la, lb := lab(seenAs(kind, a)), lab(seenAs(kind, b))
	return math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
}

var visions = []string{"normal", "protanopia", "deuteranopia", "tritanopia"}

// worstDeltaE is the smallest difference between any two of the colours
// (neighbours only, for an ordered ramp) under any kind of colour vision.
func worstDeltaE(colors []string, neighboursOnly bool) (float64, string) {
	worst, what := math.Inf(1), ""
	for i := range colors {
		for j := i + 1; j < len(colors); j++ {
			if neighboursOnly && j != i+1 {
				continue
			}
			for _, v := range visions {
				if d := deltaE(v, colors[i], colors[j]); d < worst {
					worst, what = d, fmt.Sprintf("%s vs %s under %s", colors[i], colors[j], v)
				}
			}
		}
	}
	return worst, what
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestPaletteColourBlindSafe checks every categorical and ordinal colour
// set for readers with protanopia, deuteranopia and tritanopia, as well
// as normal vision. The former level colours are in the table as a
// check that the test tells a bad palette from a good one.
func TestPaletteColourBlindSafe(t *testing.T) {
	var levels, outcomes, kinds []string
	for _, l := range levelOrder {
		levels = append(levels, LevelColors[l])
	}
	for _, o := range survey.PlanOutcomes {
		outcomes = append(outcomes, OutcomeColors[o])
	}
	for _, k := range obstacleKinds {
		kinds = append(kinds, KindColors[k])
	}
	for _, tc := range []struct {
		name       string
		colors     []string
		neighbours bool // an ordered ramp: only neighbours must differ this much
		min        float64
		wantFail   bool
	}{
		{"levels", levels, false, 20, false},
		{"levels A–D", []string{LevelColors["A"], LevelColors["B"], LevelColors["C"], LevelColors["D"]}, false, 20, false},
		{"stages", StageColors[:], true, 12, false},
		{"severities", SeverityColors[:], true, 20, false},
		{"plan outcomes", outcomes, false, 20, false},
		{"initiative statuses", InitiativeStatusColors, false, 20, false},
		{"obstacle kinds", kinds, false, 20, false},
		{"rise and fall", []string{RiseColor, FallColor}, false, 40, false},
		{"radar lines", SeriesColors, false, 12, false},
		{"heatmap", HeatmapColors, false, 30, false},
		{"former levels", []string{"#1a6e3a", "#2b6f99", "#8a5a00", "#b3261e"}, false, 20, true},
		{"former stages", []string{"#c8d6e0", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08306b"}, true, 12, true},
	} {
		worst, what := worstDeltaE(tc.colors, tc.neighbours)
		if fail := worst < tc.min; fail != tc.wantFail {
			t.Errorf("%s: smallest difference ΔE %.1f (%s), want %s %.0f", tc.name, worst, what,
				map[bool]string{true: "below", false: "at least"}[tc.wantFail], tc.min)
		}
	}
}

// TestStageRamp: the stages are one ramp, each darker than the last by a
// step of CIELAB lightness any reader sees, so that stages 0, 1 and 2 —
// where most services are — stay apart; text on each reads at WCAG AA
// with the colour the stylesheet gives it (dark on 0–2, white on 3–5).
func TestStageRamp(t *testing.T) {
	for st := 1; st < len(StageColors); st++ {
		for _, v := range visions {
			l0, l1 := lab(seenAs(v, StageColors[st-1]))[0], lab(seenAs(v, StageColors[st]))[0]
			if l0-l1 < 10 {
				t.Errorf("stages %d → %d under %s: lightness %.1f → %.1f, want a step of 10 or more", st-1, st, v, l0, l1)
			}
		}
	}
	for st, c := range StageColors {
		text := map[bool]string{true: "#ffffff", false: "#1b1f23"}[st >= 3]
		if r := contrast(c, text); r < 4.5 {
			t.Errorf("stage %d: text %s on %s has contrast %.2f", st, text, c, r)
		}
		// The pale stages, and only they, are outlined in charts.
		if outlined := fill(c).BorderColor != ""; outlined != (StageBorder(st) != "") {
			t.Errorf("stage %d: outlined %v in charts, StageBorder %q", st, outlined, StageBorder(st))
		}
	}
	// The outline stands out against white (WCAG 1.4.11: 3:1 for graphics).
	if r := contrast(stageBorder, "#ffffff"); r < 3 {
		t.Errorf("stage outline contrast %.2f", r)
	}
}

// TestLevelText: each level's badge text reads on its colour (4.5:1).
func TestLevelText(t *testing.T) {
	for _, l := range levelOrder {
		if r := contrast(LevelColors[l], LevelTextColors[l]); r < 4.5 {
			t.Errorf("level %s: %s on %s has contrast %.2f", l, LevelTextColors[l], LevelColors[l], r)
		}
	}
}

// TestPaletteInStylesheet: the stylesheet declares exactly the palette's
// custom properties with the palette's values. When it fails, replace the
// stylesheet's --level-* and --stage-* declarations with PaletteCSS's.
func TestPaletteInStylesheet(t *testing.T) {
	css, err := os.ReadFile("../static/css/marsad.css")
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`--((?:level|stage)-[a-z0-9-]+):\s*([^;]+);`)
	parse := func(s string) map[string]string {
		out := map[string]string{}
		for _, m := range decl.FindAllStringSubmatch(s, -1) {
			if old, dup := out[m[1]]; dup && old != m[2] {
				t.Errorf("--%s declared twice: %s and %s", m[1], old, m[2])
			}
			out[m[1]] = strings.TrimSpace(m[2])
		}
		return out
	}
	want, got := parse(PaletteCSS()), parse(string(css))
	var diff []string
	for k, v := range want {
		if got[k] != v {
			diff = append(diff, fmt.Sprintf("--%s: %q, want %q", k, got[k], v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("--%s is not in the palette", k))
		}
	}
	slices.Sort(diff)
	if len(diff) > 0 {
		t.Errorf("static/css/marsad.css and reports/palette.go differ:\n%s\nthe palette's declarations:\n%s", strings.Join(diff, "\n"), PaletteCSS())
	}
	// No colour literal stands in for a level's or a stage's colour.
	literal := regexp.MustCompile(`(?:background|border[a-z-]*-color)\s*:\s*#`)
	for _, rule := range regexp.MustCompile(`\.(?:level|stage)-[a-z0-9-]+\s*\{[^}]*\}`).FindAllString(string(css), -1) {
		if literal.MatchString(rule) {
			t.Errorf("a level or stage rule has its own colour: %s", rule)
		}
	}
}
