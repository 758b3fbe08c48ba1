package reports

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// ItemColumns are the XLSX form's columns, one row per question
// (XLSForm-like, docs/questionnaire.md), then the ones the JSON needs to round-trip.
var ItemColumns = []string{
	"section", "id", "type", "label_ar", "label_en", "hint_ar", "hint_en", "options", "points", "weight", "required",
	"show_if", "na_allowed", "improve_ar", "improve_en", "evidence", "cap", "min", "max", "floor", "target", "metric", "bands",
}

var (
	sectionColumns = []string{"id", "title_ar", "title_en", "short_ar", "short_en", "description_ar", "description_en", "weight"}
	// sectionRequired are the columns a form must have: the short names came
	// later and are optional.
	sectionRequired = []string{"id", "title_ar", "title_en", "description_ar", "description_en", "weight"}
	levelColumns    = []string{"key", "min", "label_ar", "label_en"}
)

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return num(*f)
}

func boolCell(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// WriteDefinitionXLSX writes a questionnaire as a workbook: sheets items,
// sections, levels and settings. Options are one per line as
// "value = label_ar | label_en", their points in the points column
// separated by ";". Everything is written as text.
func WriteDefinitionXLSX(w io.Writer, d *survey.Definition, rtl bool) error {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]string{ItemColumns}
	for _, it := range d.Items {
		var opts, pts []string
		for _, o := range it.Options {
			opts = append(opts, o.Value+" = "+o.LabelAr+" | "+o.LabelEn)
			pts = append(pts, num(o.Points))
		}
		var bands []string
		for _, b := range it.Bands {
			bands = append(bands, num(b.Min)+":"+num(b.Score))
		}
		cap := ""
		if it.Cap > 0 {
			cap = num(it.Cap)
		}
		rows = append(rows, []string{it.Section, it.ID, it.Type, it.LabelAr, it.LabelEn, it.HintAr, it.HintEn,
			strings.Join(opts, "\n"), strings.Join(pts, ";"), num(it.Weight), boolCell(it.Required), it.ShowIf,
			boolCell(it.NAAllowed), it.ImproveAr, it.ImproveEn, boolCell(it.Evidence), cap, optNum(it.Min), optNum(it.Max),
			optNum(it.Floor), optNum(it.Target), it.Metric, strings.Join(bands, ";")})
	}
	sections := [][]string{sectionColumns}
	for _, s := range d.Sections {
		sections = append(sections, []string{s.ID, s.TitleAr, s.TitleEn, s.ShortAr, s.ShortEn, s.DescriptionAr, s.DescriptionEn, num(s.Weight)})
	}
	levels := [][]string{levelColumns}
	for _, l := range d.Model.Levels {
		levels = append(levels, []string{l.Key, num(l.Min), l.LabelAr, l.LabelEn})
	}
	settings := [][]string{{"key", "value"}, {"id", d.ID}, {"version", d.Version}, {"title_ar", d.TitleAr}, {"title_en", d.TitleEn},
		{"scale", num(d.Model.Scale)}, {"precision", strconv.Itoa(d.Model.Precision)}, {"normalization", d.Model.Normalization}}
	for i, sheet := range []struct {
		name string
		rows [][]string
	}{{"items", rows}, {"sections", sections}, {"levels", levels}, {"settings", settings}} {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet.name); err != nil {
			return err
		}
		if err := writeRows(f, sheet.name, sheet.rows, rtl); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func writeRows(f *excelize.File, sheet string, rows [][]string, rtl bool) error {
	if rtl {
		yes := true
		if err := f.SetSheetView(sheet, 0, &excelize.ViewOptions{RightToLeft: &yes}); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for r, row := range rows {
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = excelize.Cell{Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// ReadDefinitionXLSX reads a workbook written by WriteDefinitionXLSX (or
// filled in by hand in the same shape) and validates the definition. Its
// sheets are read as they stream, within survey.DefinitionSheetLimits: a
// file over a limit is a *survey.ImportError naming it, a file that is no
// workbook or not in the form's shape a *survey.DefinitionError.
func ReadDefinitionXLSX(r io.Reader) (*survey.Definition, error) {
	lim := survey.DefinitionSheetLimits
	f, err := openWorkbook(r, lim)
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		return nil, err
	}
	if err != nil {
		return nil, &survey.DefinitionError{Problems: []string{"not a readable XLSX workbook"}}
	}
	defer f.Close()
	var probs []string
	var total int64
	var tooBig error
	table := func(sheet string, want []string) []map[string]string {
		if tooBig != nil {
			return nil
		}
		if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
			probs = append(probs, "sheet "+sheet+" is missing")
			return nil
		}
		rows, err := sheetRows(f, sheet, lim, &total)
		if errors.As(err, &ie) {
			tooBig = err
			return nil
		}
		if err != nil || len(rows) == 0 {
			probs = append(probs, "sheet "+sheet+" is missing")
			return nil
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[strings.TrimSpace(h)] = i
		}
		for _, w := range want {
			if _, ok := col[w]; !ok {
				probs = append(probs, fmt.Sprintf("sheet %s: column %q is missing", sheet, w))
			}
		}
		var out []map[string]string
		for _, row := range rows[1:] {
			m := map[string]string{}
			empty := true
			for name, i := range col {
				if i < len(row) {
					m[name] = strings.TrimSpace(row[i])
					empty = empty && m[name] == ""
				}
			}
			if !empty {
				out = append(out, m)
			}
		}
		return out
	}
	items, sections, levels, settings := table("items", ItemColumns[:15]), table("sections", sectionRequired), table("levels", levelColumns), table("settings", []string{"key", "value"})
	if tooBig != nil {
		return nil, tooBig
	}
	if len(probs) > 0 {
		return nil, &survey.DefinitionError{Problems: probs}
	}
	d := &survey.Definition{}
	set := map[string]string{}
	for _, s := range settings {
		set[s["key"]] = s["value"]
	}
	d.ID, d.Version, d.TitleAr, d.TitleEn = set["id"], set["version"], set["title_ar"], set["title_en"]
	d.Model.Normalization = set["normalization"]
	parse := func(where, v string) float64 {
		if v == "" {
			return 0
		}
		x, err := strconv.ParseFloat(survey.NormalizeDigits(v), 64)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %q is not a number", where, v))
		}
		return x
	}
	optParse := func(where, v string) *float64 {
		if v == "" {
			return nil
		}
		x := parse(where, v)
		return &x
	}
	d.Model.Scale = parse("settings scale", set["scale"])
	d.Model.Precision = int(parse("settings precision", set["precision"]))
	for _, l := range levels {
		d.Model.Levels = append(d.Model.Levels, survey.Level{Key: l["key"], Min: parse("level "+l["key"], l["min"]), LabelAr: l["label_ar"], LabelEn: l["label_en"]})
	}
	for _, s := range sections {
		d.Sections = append(d.Sections, survey.Section{ID: s["id"], TitleAr: s["title_ar"], TitleEn: s["title_en"],
			ShortAr: s["short_ar"], ShortEn: s["short_en"], DescriptionAr: s["description_ar"], DescriptionEn: s["description_en"], Weight: parse("section "+s["id"], s["weight"])})
	}
	for n, row := range items {
		where := fmt.Sprintf("items row %d (%s)", n+2, row["id"])
		it := survey.Item{Section: row["section"], ID: row["id"], Type: row["type"], LabelAr: row["label_ar"], LabelEn: row["label_en"],
			HintAr: row["hint_ar"], HintEn: row["hint_en"], Weight: parse(where+" weight", row["weight"]),
			Required: row["required"] != "", ShowIf: row["show_if"], NAAllowed: row["na_allowed"] != "",
			ImproveAr: row["improve_ar"], ImproveEn: row["improve_en"], Evidence: row["evidence"] != "",
			Cap: parse(where+" cap", row["cap"]), Min: optParse(where+" min", row["min"]), Max: optParse(where+" max", row["max"]),
			Floor: optParse(where+" floor", row["floor"]), Target: optParse(where+" target", row["target"]), Metric: row["metric"]}
		var pts []string
		if row["points"] != "" {
			pts = strings.Split(row["points"], ";")
		}
		for i, line := range strings.Split(row["options"], "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			value, labels, _ := strings.Cut(line, " = ")
			ar, en, _ := strings.Cut(labels, " | ")
			o := survey.Option{Value: strings.TrimSpace(value), LabelAr: strings.TrimSpace(ar), LabelEn: strings.TrimSpace(en)}
			if i < len(pts) {
				o.Points = parse(where+" points", pts[i])
			}
			it.Options = append(it.Options, o)
		}
		for _, b := range strings.Split(row["bands"], ";") {
			if lo, sc, ok := strings.Cut(b, ":"); ok {
				it.Bands = append(it.Bands, survey.Band{Min: parse(where+" bands", lo), Score: parse(where+" bands", sc)})
			}
		}
		d.Items = append(d.Items, it)
	}
	if len(probs) > 0 {
		return nil, &survey.DefinitionError{Problems: probs}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
