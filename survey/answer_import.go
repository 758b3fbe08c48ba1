package survey

import (
	"io"
	"strings"
)

// AnswerColumns is the answers CSV header (docs/questionnaire.md). Several values of
// a multiple choice are separated by ";".
var AnswerColumns = []string{"institution_code", "question_id", "value"}

// AnswerRow is one imported answer.
type AnswerRow struct {
	Line        int
	Institution string
	Input       AnswerInput
}

// ParseAnswersCSV reads institution_code,question_id,value rows (BOM
// accepted), within AnswerFileLimits. Rows are checked against a
// questionnaire later, by ImportAnswers.
func ParseAnswersCSV(r io.Reader) ([]AnswerRow, error) {
	t, err := readCSV(r, AnswerFileLimits)
	if err != nil {
		return nil, err
	}
	col, ok := headerIndex(t.recs[0], AnswerColumns)
	if !ok || len(col) != len(AnswerColumns) {
		return nil, &ImportError{Key: "err.answers_header"}
	}
	var out []AnswerRow
	for n, rec := range t.recs[1:] {
		if isBlankRecord(rec) {
			continue
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(unsafeCell(rec[i]))
			}
			return ""
		}
		row := AnswerRow{Line: t.line(n + 1), Institution: strings.ToUpper(NormalizeDigits(get("institution_code"))),
			Input: AnswerInput{ItemID: get("question_id")}}
		value := get("value")
		if strings.EqualFold(value, "na") || value == "لا ينطبق" {
			row.Input.NA = true
			row.Input.Comment = "imported"
		} else {
			row.Input.Values = strings.Split(value, ";")
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, &ImportError{Key: "err.csv_empty"}
	}
	return out, nil
}
