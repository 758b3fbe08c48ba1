package reports

import (
	"fmt"
	"math"
	"strings"

	"marsad/survey"
)

// The palette: every colour a chart, a page or an export gives a level, a
// service stage, a severity or an outcome is defined here and nowhere else.
//
// Why Go rather than CSS variables read by the browser: the same colours
// go into chart options, the offline HTML file and PNG/SVG exports, which
// are made without the site's stylesheet, and a Go test can check them for
// colour-blind readers (palette_test.go). The stylesheet's custom
// properties (--level-*, --stage-*) are a copy that PaletteCSS writes and
// the same test compares with static/css/marsad.css, so the two cannot
// drift apart: change a colour here, run the test, paste what it prints.
var (
	// LevelColors is one colour per level, default keys and the A–D
	// naming alike. An ordinal blue → orange scale (after Okabe and Ito's
	// colour-blind-safe set): the four stay apart under protanopia,
	// deuteranopia and tritanopia, where the former green/brown/red did not.
	LevelColors = map[string]string{
		"very-high": "#005a8c", "high": "#56b4e9", "middle": "#e69f00", "low": "#c0440f",
		"A": "#005a8c", "B": "#56b4e9", "C": "#e69f00", "D": "#c0440f",
	}
	// levelOrder is the order levels go from best to worst, for the CSS
	// and the tests.
	levelOrder = []string{"very-high", "high", "middle", "low"}

	// StageColors is the sequential ramp of service stages 0–5: one blue
	// hue, CIELAB lightness falling by 14 from stage to stage (92 → 20),
	// so neighbouring stages differ in lightness whatever the reader's
	// colour vision; stage 0 (counter only) is a near-neutral grey.
	StageColors = [survey.MaxStage + 1]string{"#e3e9ed", "#95c8e5", "#52a4cf", "#087aa9", "#05557d", "#003351"}

	// HeatmapColors run from low to high scores (ColorBrewer RdYlBu):
	// ordered for red–green colour blindness too, and light enough for
	// dark labels on every cell.
	HeatmapColors = []string{"#fc8d59", "#ffffbf", "#91bfdb"}

	// SeverityColors are obstacle severities 1–3, light to dark, so
	// "severe" reads as the heaviest whatever the reader's colour vision.
	SeverityColors = [survey.MaxSeverity]string{"#f2d492", "#e08a3c", "#a3321a"}

	// KindColors tell internal obstacles (which an institution can fix)
	// from external ones.
	KindColors = map[string]string{survey.ObstacleInternal: primary, survey.ObstacleExternal: "#8a8f94"}

	// OutcomeColors are action-plan outcomes in the levels' sense: done
	// as "very high", slipped as "low", planned neutral.
	OutcomeColors = map[string]string{survey.OutcomeDone: "#005a8c", survey.OutcomeInProgress: "#56b4e9",
		survey.OutcomePlanned: "#c4c8cb", survey.OutcomeSlipped: "#c0440f"}

	// InitiativeStatusColors are initiatives' statuses in
	// survey.InitiativeStatuses order (planned, in progress, done), in the
	// plan outcomes' colours.
	InitiativeStatusColors = []string{OutcomeColors[survey.OutcomePlanned], OutcomeColors[survey.OutcomeInProgress], OutcomeColors[survey.OutcomeDone]}

	// PrimaryColor is the site's deep primary colour, for charts of one
	// series.
	PrimaryColor = primary

	// SeriesColors are the lines of a radar (an institution, the national
	// average, the best in its sector; or up to five compared
	// institutions), each also drawn with its own dash and symbol.
	SeriesColors = []string{primary, "#d55e00", "#009e73", "#cc79a7", "#6f777d"}

	// RiseColor and FallColor are the movers' bars: the levels' ends.
	RiseColor, FallColor = "#005a8c", "#c0440f"
)

// primary is the site's deep primary colour (--primary in the stylesheet).
const primary = "#0b4f6c"

// stageBorder outlines the light colours (stages 0–2 and any other pale
// fill), which are too pale to stand out against white on their own.
const stageBorder = "#5f7384"

// StageBorder is the outline a stage's colour needs against white, or ""
// for the dark stages.
func StageBorder(stage int) string {
	if stage <= 2 {
		return stageBorder
	}
	return ""
}

// LevelTextColors is the text colour that reads on each level's colour
// (WCAG AA, 4.5:1): white on the dark ends, near-black on the light middle.
var LevelTextColors = map[string]string{"very-high": "#ffffff", "high": "#1b1f23", "middle": "#1b1f23", "low": "#ffffff"}

// PaletteCSS is the stylesheet's copy of the palette: the custom
// properties static/css/marsad.css declares in :root, one a line.
func PaletteCSS() string {
	var b strings.Builder
	for _, l := range levelOrder {
		fmt.Fprintf(&b, "  --level-%s: %s; --level-%s-text: %s;\n", l, LevelColors[l], l, LevelTextColors[l])
	}
	for st, c := range StageColors {
		fmt.Fprintf(&b, "  --stage-%d: %s;\n", st, c)
	}
	fmt.Fprintf(&b, "  --stage-border: %s;\n", stageBorder)
	return b.String()
}

// luminance is a colour's relative luminance (WCAG 2), 0 for black to 1
// for white; colour is "#rrggbb".
func luminance(color string) float64 {
	r, g, b := rgb(color)
	return 0.2126*linear(r) + 0.7152*linear(g) + 0.0722*linear(b)
}

// rgb reads "#rrggbb" into 0–255 channels; anything else reads as black.
func rgb(color string) (r, g, b float64) {
	var x, y, z uint8
	if _, err := fmt.Sscanf(color, "#%02x%02x%02x", &x, &y, &z); err != nil {
		return 0, 0, 0
	}
	return float64(x), float64(y), float64(z)
}

// linear undoes sRGB's gamma for one 0–255 channel.
func linear(c float64) float64 {
	c /= 255
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}
