package survey

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Response statuses (docs/api.md, "Responses and answers").
const (
	ResponseDraft     = "draft"
	ResponseSubmitted = "submitted"
	ResponseReturned  = "returned"
	ResponseAccepted  = "accepted"
)

// NoneOption is the value of a multiple choice's "none of these" option,
// which lets an institution with none of the features answer the item.
const NoneOption = "none"

// Review marks on an answer.
const (
	ReviewApproved = "approved"
	ReviewIssues   = "issues"
)

// responseTransitions is the response state machine: action → allowed
// from-statuses and the status it leads to.
var responseTransitions = map[string]struct {
	from []string
	to   string
}{
	"submit": {[]string{ResponseDraft, ResponseReturned}, ResponseSubmitted},
	"return": {[]string{ResponseSubmitted}, ResponseReturned},
	"accept": {[]string{ResponseSubmitted}, ResponseAccepted},
	"reopen": {[]string{ResponseAccepted}, ResponseSubmitted},
}

// NextResponseStatus applies an action to a status, or returns
// ErrInvalidTransition.
func NextResponseStatus(from, action string) (string, error) {
	t, ok := responseTransitions[action]
	if !ok || !contains(t.from, from) {
		return "", ErrInvalidTransition
	}
	return t.to, nil
}

// Response is one institution's answers to one round.
type Response struct {
	ID              int64     `json:"id"`
	RoundID         int64     `json:"round_id"`
	InstitutionCode string    `json:"institution"`
	Status          string    `json:"status"`
	SubmittedAt     time.Time `json:"submitted_at"`
	AcceptedAt      time.Time `json:"accepted_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// MarshalJSON writes a response with its unset times (not submitted, not
// accepted) as null, not as Go's zero time (issue 19).
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	return json.Marshal(struct {
		plain
		SubmittedAt *time.Time `json:"submitted_at"`
		AcceptedAt  *time.Time `json:"accepted_at"`
	}{plain(r), timeOrNull(r.SubmittedAt), timeOrNull(r.AcceptedAt)})
}

// Editable reports whether the respondent may change answers: a draft, or
// a response returned for changes.
func (r Response) Editable() bool { return r.Status == ResponseDraft || r.Status == ResponseReturned }

// Answer is the saved answer to one item.
type Answer struct {
	ItemID        string    `json:"item"`
	Values        []string  `json:"values"` // one value; several for a multiple choice
	NA            bool      `json:"na"`
	Evidence      string    `json:"evidence"`
	Comment       string    `json:"comment"`
	Version       int64     `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by"`
	ReviewStatus  string    `json:"review_status"`
	ReviewComment string    `json:"review_comment"`
}

// Value is the single value of the answer ("" when none).
func (a Answer) Value() string {
	if len(a.Values) == 0 {
		return ""
	}
	return a.Values[0]
}

// Has reports whether v is among the answer's values.
func (a Answer) Has(v string) bool { return contains(a.Values, v) }

// AnswerSet is a response's answers by item id; it serves show_if.
type AnswerSet map[string]Answer

// Values implements Answers for show_if: an N/A answer counts as no answer.
func (s AnswerSet) Values(id string) []string {
	a, ok := s[id]
	if !ok || a.NA {
		return nil
	}
	return a.Values
}

// Visible reports whether an item is shown given the answers so far.
func (s AnswerSet) Visible(it Item) bool { return it.Cond().Eval(s) }

// AnswerInput is one save of one item: the whole answer as the person sees
// it, and the version it was based on (0 for a first answer).
type AnswerInput struct {
	ItemID      string   `json:"item"`
	Values      []string `json:"values"`
	NA          bool     `json:"na"`
	Evidence    string   `json:"evidence"`
	Comment     string   `json:"comment"`
	BaseVersion int64    `json:"version"`
}

// ConflictError is a save based on an older version: Current is the newer
// answer someone else saved, to show instead of overwriting it.
type ConflictError struct {
	Current Answer
}

func (e *ConflictError) Error() string { return "survey: answer changed by someone else" }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// checkAnswer validates and normalises an answer for its item. It returns
// field keys: "value", "evidence", "comment".
func CheckAnswer(it Item, in AnswerInput) (AnswerInput, error) {
	fe := FieldErrors{}
	vals := make([]string, 0, len(in.Values))
	for _, v := range in.Values {
		if it.Type != TypeText && it.Type != TypeURL {
			v = NormalizeDigits(v) // option values and numbers are Western digits
		}
		if v = strings.TrimSpace(v); v != "" {
			vals = append(vals, v)
		}
	}
	in.Evidence = CleanText(in.Evidence)
	in.Comment = NormalizeNewlines(in.Comment)
	if in.NA {
		vals = nil
		if !it.NAAllowed {
			fe.Add("value", "err.na_not_allowed")
		} else if in.Comment == "" {
			fe.Add("comment", "err.na_reason")
		}
	}
	switch it.Type {
	case TypeMetric:
		fe.Add("value", "err.metric_not_typed")
	case TypeSingle, TypeYesNo:
		if len(vals) > 1 {
			fe.Add("value", "err.choose_one")
		}
		for _, v := range vals {
			if it.Type == TypeYesNo && v != "yes" && v != "no" || it.Type == TypeSingle && !it.hasOption(v) {
				fe.Add("value", "err.choose_one")
			}
		}
	case TypeMulti:
		seen := map[string]bool{}
		for _, v := range vals {
			if !it.hasOption(v) || seen[v] {
				fe.Add("value", "err.choose_from_list")
			}
			seen[v] = true
		}
		// "none" (none of these) cannot go with a feature that is there.
		if seen[NoneOption] && len(vals) > 1 {
			fe.Add("value", "err.none_exclusive")
		}
	case TypeScale, TypeNumber, TypePercent:
		if len(vals) > 1 {
			fe.Add("value", "err.number")
		}
		for i, v := range vals {
			lo, hi := 0.0, 100.0
			if it.Min != nil {
				lo = *it.Min
			}
			if it.Max != nil {
				hi = *it.Max
			}
			f, ok := parseNumber(v, lo, hi)
			if !ok || (it.Type == TypeScale && f != float64(int64(f))) {
				fe.Add("value", "err.number_range")
				continue
			}
			vals[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
	case TypeText:
		if len(vals) > 1 || BadText(strings.Join(vals, ""), true) || utf8.RuneCountInString(strings.Join(vals, "")) > 4000 {
			fe.Add("value", "err.too_long")
		}
	case TypeURL:
		if len(vals) > 1 || (len(vals) == 1 && !validWebURL(vals[0])) {
			fe.Add("value", "err.url")
		}
	}
	if in.Evidence != "" && !validWebURL(in.Evidence) {
		fe.Add("evidence", "err.url")
	}
	if BadText(in.Comment, true) || utf8.RuneCountInString(in.Comment) > 2000 {
		fe.Add("comment", "err.too_long")
	}
	in.Values = vals
	return in, fe.Err()
}

func (it Item) hasOption(v string) bool {
	for _, o := range it.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// ItemError is one answer of a batch that could not be saved.
type ItemError struct {
	ItemID string
	Err    error // *ValidationError, *ConflictError or ErrNotFound
}

// BatchError lists every answer of a batch that could not be saved; then
// none of the batch was saved.
type BatchError struct {
	Items []ItemError
}

func (e *BatchError) Error() string {
	ids := make([]string, len(e.Items))
	for i, it := range e.Items {
		ids[i] = it.ItemID
	}
	return "survey: answers not saved: " + strings.Join(ids, ", ")
}

// holds reports whether the answer already says what in says.
func (a Answer) Holds(in AnswerInput) bool {
	return slices.Equal(a.Values, in.Values) && a.NA == in.NA && a.Evidence == in.Evidence && a.Comment == in.Comment
}

// MissingAnswers lists the required, visible items with no answer (in
// definition order). Metric items are never missing: they come from the catalog.
func MissingAnswers(def *Definition, answers AnswerSet) []string {
	var out []string
	for _, it := range def.Items {
		if !it.Required || it.Type == TypeMetric || !answers.Visible(it) {
			continue
		}
		a, ok := answers[it.ID]
		if !ok || (!a.NA && len(a.Values) == 0) {
			out = append(out, it.ID)
		}
	}
	return out
}

// Progress counts answered items out of the visible, answerable ones.
func Progress(def *Definition, answers AnswerSet) (answered, total int) {
	for _, it := range def.Items {
		if it.Type == TypeMetric || !answers.Visible(it) {
			continue
		}
		total++
		if a, ok := answers[it.ID]; ok && (a.NA || len(a.Values) > 0) {
			answered++
		}
	}
	return answered, total
}

// ErrIncomplete lists required items still unanswered at submission.
type ErrIncomplete struct {
	Items []string
}

func (e *ErrIncomplete) Error() string {
	return "survey: required items unanswered: " + strings.Join(e.Items, ", ")
}

// BoardRow is one institution's place in a round, for the coordinator's board.
type BoardRow struct {
	Institution     Institution
	Status          string // a response status, or "" when not started
	Answered, Total int
	UpdatedAt       time.Time
}

// CheckAnswer validates an answer against the definition's item, as a save
// would, and returns it normalised.
func (d *Definition) CheckAnswer(in AnswerInput) (AnswerInput, error) {
	it, ok := d.Item(in.ItemID)
	if !ok {
		return in, &ValidationError{Fields: map[string]string{"value": "err.unknown_question"}}
	}
	return CheckAnswer(it, in)
}
