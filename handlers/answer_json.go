package handlers

import (
	"encoding/json"
	"strconv"

	"marsad/survey"
)

// appendAnswerJSON appends a as encoding/json marshals a survey.Answer (its
// json tags, in field order): the reply to every autosave. Marshalling by
// reflection was a twentieth of the respondent's path (issue 15);
// TestAnswerJSONAsMarshal compares the two ways.
func appendAnswerJSON(b []byte, a survey.Answer) ([]byte, error) {
	b = append(b, `{"item":`...)
	b = appendJSONString(b, a.ItemID)
	b = append(b, `,"values":`...)
	if a.Values == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, v := range a.Values {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	b = append(b, `,"na":`...)
	b = strconv.AppendBool(b, a.NA)
	b = append(b, `,"evidence":`...)
	b = appendJSONString(b, a.Evidence)
	b = append(b, `,"comment":`...)
	b = appendJSONString(b, a.Comment)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, a.Version, 10)
	b = append(b, `,"updated_at":`...)
	t, err := a.UpdatedAt.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, t...)
	b = append(b, `,"updated_by":`...)
	b = appendJSONString(b, a.UpdatedBy)
	b = append(b, `,"review_status":`...)
	b = appendJSONString(b, a.ReviewStatus)
	b = append(b, `,"review_comment":`...)
	b = appendJSONString(b, a.ReviewComment)
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string: as it is
// between quotes when nothing in it needs escaping (jsonPlain), else
// through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	if jsonPlain(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	j, _ := json.Marshal(s) // a string always marshals
	return append(b, j...)
}
