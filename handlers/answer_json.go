package handlers

import (
	"strconv"

	"marsad/survey"
)

// appendAnswerJSON appends a as encoding/json marshals a survey.Answer (its
// json tags, in field order): the reply to every autosave. Marshalling by
// reflection was a twentieth of the respondent's path (issue 15);
// TestAnswerJSONAsMarshal compares the two ways.
func appendAnswerJSON(b []byte, a survey.Answer) ([]byte, error) {
	b = append(b, `{"item":`...)
	b = survey.AppendJSONString(b, a.ItemID)
	b = append(b, `,"values":`...)
	b = survey.AppendJSONStrings(b, a.Values)
	b = append(b, `,"na":`...)
	b = strconv.AppendBool(b, a.NA)
	b = append(b, `,"evidence":`...)
	b = survey.AppendJSONString(b, a.Evidence)
	b = append(b, `,"comment":`...)
	b = survey.AppendJSONString(b, a.Comment)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, a.Version, 10)
	b = append(b, `,"updated_at":`...)
	t, err := a.UpdatedAt.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, t...)
	b = append(b, `,"updated_by":`...)
	b = survey.AppendJSONString(b, a.UpdatedBy)
	b = append(b, `,"review_status":`...)
	b = survey.AppendJSONString(b, a.ReviewStatus)
	b = append(b, `,"review_comment":`...)
	b = survey.AppendJSONString(b, a.ReviewComment)
	return append(b, '}'), nil
}
