package reports

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// ResponseColumns are the offline answer sheet's columns. Respondents fill
// value (several choices separated by ";"), na ("yes"), evidence and
// comment; version tells which saved answer the sheet started from.
var ResponseColumns = []string{"id", "section", "question", "type", "choices", "value", "na", "evidence", "comment", "version"}

// EvidenceColumns head the offline sheet's list of evidence files.
var EvidenceColumns = []string{"id", "title", "file", "type", "bytes", "sha256", "answer_version", "uploaded_by", "uploaded_at"}

// WriteResponseXLSX writes a questionnaire pre-filled with the current
// answers, in lang, for filling offline.
func WriteResponseXLSX(w io.Writer, d *survey.Definition, answers survey.AnswerSet, lang string, files ...survey.EvidenceLink) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "answers"); err != nil {
		return err
	}
	rows := [][]string{ResponseColumns}
	titles := map[string]string{}
	for _, s := range d.Sections {
		titles[s.ID] = s.Title(lang)
	}
	for _, it := range d.Items {
		if it.Type == survey.TypeMetric {
			continue
		}
		var choices []string
		for _, o := range it.Options {
			choices = append(choices, o.Value+" = "+o.Label(lang))
		}
		if it.Type == survey.TypeYesNo {
			choices = []string{"yes", "no"}
		}
		a := answers[it.ID]
		na := ""
		if a.NA {
			na = "yes"
		}
		rows = append(rows, []string{it.ID, titles[it.Section], it.Label(lang), it.Type, strings.Join(choices, "\n"),
			strings.Join(a.Values, ";"), na, a.Evidence, a.Comment, strconv.FormatInt(a.Version, 10)})
	}
	if err := writeRows(f, "answers", rows, lang == "ar"); err != nil {
		return err
	}
	if len(files) > 0 {
		// The evidence files attached, listed on a second sheet that
		// ReadResponseXLSX (which reads the first) ignores: the files
		// themselves are downloaded from the evidence page.
		if _, err := f.NewSheet("evidence"); err != nil {
			return err
		}
		ev := [][]string{EvidenceColumns}
		for _, l := range files {
			ev = append(ev, []string{l.ItemID, l.Title, l.Filename, l.File.ContentType, strconv.FormatInt(l.File.Size, 10),
				l.File.SHA256, strconv.Itoa(l.AnswerVersion), l.UploadedBy, l.UploadedAt.UTC().Format(time.RFC3339)})
		}
		if err := writeRows(f, "evidence", ev, lang == "ar"); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// ReadResponseXLSX reads a filled answer sheet into one input per row that
// has an id, with the version the sheet was made from, within
// survey.OfflineSheetLimits.
func ReadResponseXLSX(r io.Reader) ([]survey.AnswerInput, error) {
	recs, err := ReadXLSXTable(r, survey.OfflineSheetLimits)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, &survey.ImportError{Key: "err.csv_empty"}
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, want := range []string{"id", "value", "version"} {
		if _, ok := col[want]; !ok {
			return nil, &survey.ImportError{Key: "err.answer_sheet_header"}
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []survey.AnswerInput
	for n, rec := range recs[1:] {
		id := get(rec, "id")
		if id == "" {
			continue
		}
		in := survey.AnswerInput{ItemID: id, NA: strings.EqualFold(get(rec, "na"), "yes") || get(rec, "na") == "نعم",
			Evidence: get(rec, "evidence"), Comment: get(rec, "comment")}
		if v := get(rec, "value"); v != "" && !in.NA {
			in.Values = strings.Split(v, ";")
		}
		ver, err := strconv.ParseInt(survey.NormalizeDigits(get(rec, "version")), 10, 64)
		if err != nil && get(rec, "version") != "" {
			return nil, &survey.ImportError{Rows: []survey.RowError{{Line: n + 2, Fields: map[string]string{"version": "err.whole_number"}}}}
		}
		in.BaseVersion = ver
		out = append(out, in)
	}
	return out, nil
}
