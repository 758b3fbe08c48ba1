package reports

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// A round's microdata (survey/microdata.go) in three formats: CSV, a
// workbook (the microdata, the codebook, the dimensions and a sheet about
// the file) and JSON. Each writes rows as they come from each, so that a
// regional round's tens of thousands of rows are never all in memory: the
// CSV and JSON go straight to w; the workbook is built by excelize's
// stream writer (which spills to a temporary file past a few megabytes)
// and copied to w at the end, as a workbook must be.

// MicrodataEach gives the rows of a round's microdata, one at a time, to fn.
type MicrodataEach func(fn func(survey.MicrodataRow) error) error

// MicrodataColumns are the columns of the microdata, the names of the
// JSON's fields, in order. They are the same in both languages: a
// dataset's column names are stable identifiers for analysts' scripts;
// the codebook and docs/opendata.md explain them in Arabic and
// English.
var MicrodataColumns = []string{"row_kind", "round_id", "institution_code", "institution_name_ar", "institution_name_en",
	"sector", "institution_kind", "region", "response_status", "dimension", "item_id", "item_type", "value", "score",
	"weight", "na", "dropped", "evidence_files", "level", "rank", "scoring_version"}

// microdataRecord is a row as the CSV and the sheet write it: N/A as 1 or
// 0, an empty cell for a score that does not count or a rank not given.
func microdataRecord(r survey.MicrodataRow) []string {
	na, rank := "0", ""
	if r.NA {
		na = "1"
	}
	if r.Rank != nil {
		rank = strconv.Itoa(*r.Rank)
	}
	return []string{r.RowKind, strconv.FormatInt(r.RoundID, 10), r.InstitutionCode, r.InstitutionAr, r.InstitutionEn,
		r.Sector, r.Kind, r.Region, r.ResponseStatus, r.Dimension, r.ItemID, r.ItemType, r.Value, optNum(r.Score),
		num(r.Weight), na, r.Dropped, strconv.Itoa(r.EvidenceFiles), r.Level, rank, r.ScoringVersion}
}

// WriteMicrodataCSV writes the microdata as CSV with a byte-order mark,
// every text cell quoted and defused (survey.CSVWriter).
func WriteMicrodataCSV(w io.Writer, each MicrodataEach) error {
	cw := survey.NewCSVWriter(w)
	if err := cw.Write(MicrodataColumns); err != nil {
		return err
	}
	if err := each(func(r survey.MicrodataRow) error { return cw.Write(microdataRecord(r)) }); err != nil {
		return err
	}
	return cw.Flush()
}

// MicrodataMeta is what the JSON says about its rows: the round, the
// scoring version and questionnaire of the figures, where the codebook is.
type MicrodataMeta struct {
	RoundID              int64  `json:"round_id"`
	RoundName            string `json:"round_name"`
	QuestionnaireID      string `json:"questionnaire_id"`
	QuestionnaireVersion string `json:"questionnaire_version"`
	ScoringVersion       string `json:"scoring_version"`
	Codebook             string `json:"codebook"` // its URL path
}

// WriteMicrodataJSON writes {"meta": …, "columns": […], "rows": […]},
// each row an object, encoding them one at a time.
func WriteMicrodataJSON(w io.Writer, meta MicrodataMeta, each MicrodataEach) error {
	head, err := json.Marshal(struct {
		Meta    MicrodataMeta `json:"meta"`
		Columns []string      `json:"columns"`
	}{meta, MicrodataColumns})
	if err != nil {
		return err
	}
	// The head without its closing brace, then the rows.
	if _, err := io.WriteString(w, string(head[:len(head)-1])+`,"rows":[`); err != nil {
		return err
	}
	first := true
	err = each(func(r survey.MicrodataRow) error {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if !first {
			b = append([]byte{','}, b...)
		}
		first = false
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// WriteMicrodataXLSX writes the workbook: "microdata" (the rows), then
// "codebook" (one row per item and option), "dimensions" (their weights)
// and "about" (the round, questionnaire and scoring version).
func WriteMicrodataXLSX(w io.Writer, cb survey.Codebook, each MicrodataEach) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "microdata"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("microdata")
	if err != nil {
		return err
	}
	// Which columns are numbers in the sheet (the others are text cells).
	numeric := map[int]bool{1: true, 13: true, 14: true, 15: true, 17: true, 19: true}
	n := 1
	if err := sw.SetRow("A1", textCells(MicrodataColumns)); err != nil {
		return err
	}
	err = each(func(r survey.MicrodataRow) error {
		rec := microdataRecord(r)
		vals := make([]any, len(rec))
		for i, v := range rec {
			if x, err := strconv.ParseFloat(v, 64); err == nil && numeric[i] {
				vals[i] = x
			} else {
				vals[i] = excelize.Cell{Value: v}
			}
		}
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	codebook := [][]any{anyCells("item_id", "dimension", "item_type", "label_ar", "label_en", "weight", "scored", "required",
		"na_allowed", "show_if", "metric", "option_code", "option_label_ar", "option_label_en", "option_points")}
	for _, it := range cb.Items {
		head := anyCells(it.ID, it.Dimension, it.Type, it.LabelAr, it.LabelEn)
		head = append(head, it.Weight, flagCell(it.Scored), flagCell(it.Required), flagCell(it.NAAllowed),
			excelize.Cell{Value: it.ShowIf}, excelize.Cell{Value: it.Metric})
		if len(it.Options) == 0 {
			codebook = append(codebook, head)
		}
		for _, o := range it.Options {
			row := append(append([]any{}, head...), excelize.Cell{Value: o.Code}, excelize.Cell{Value: o.LabelAr},
				excelize.Cell{Value: o.LabelEn}, o.Points)
			codebook = append(codebook, row)
		}
	}
	dims := [][]any{anyCells("dimension", "title_ar", "title_en", "weight")}
	for _, d := range cb.Dimensions {
		dims = append(dims, append(anyCells(d.ID, d.TitleAr, d.TitleEn), d.Weight))
	}
	levels := make([]string, len(cb.Levels))
	for i, l := range cb.Levels {
		levels[i] = l.Key + " ≥ " + num(l.Min)
	}
	about := [][]any{anyCells("key", "value"),
		append(anyCells("round_id"), cb.RoundID),
		anyCells("round_name", cb.RoundName),
		anyCells("questionnaire_id", cb.QuestionnaireID),
		anyCells("questionnaire_version", cb.QuestionnaireVersion),
		anyCells("questionnaire_hash", cb.QuestionnaireHash),
		anyCells("scoring_version", cb.ScoringVersion),
		append(anyCells("scale"), cb.Scale),
		anyCells("normalization", cb.Normalization),
		anyCells("levels", strings.Join(levels, "; ")),
		anyCells("value_separator", cb.ValueSeparator)}
	for _, sheet := range []struct {
		name string
		rows [][]any
	}{{"codebook", codebook}, {"dimensions", dims}, {"about", about}} {
		if _, err := f.NewSheet(sheet.name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet.name)
		if err != nil {
			return err
		}
		for i, row := range sheet.rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func textCells(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = excelize.Cell{Value: v}
	}
	return out
}

func anyCells(vs ...string) []any { return textCells(vs) }

// flagCell is a yes/no as 1 or 0, a number an analyst can sum.
func flagCell(b bool) any {
	if b {
		return 1
	}
	return 0
}
