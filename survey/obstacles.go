package survey

import (
	"strings"
)

// Obstacle kinds: inside the institution's control or outside it.
const (
	ObstacleInternal = "internal"
	ObstacleExternal = "external"
)

// MaxSeverity is the highest severity of an obstacle (1 minor … 3 severe).
const MaxSeverity = 3

// Obstacle is one entry of the standard list of obstacles.
type Obstacle struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	LabelAr  string `json:"label_ar"`
	LabelEn  string `json:"label_en"`
	Position int    `json:"position"`
	Active   bool   `json:"active"`
	Version  int64  `json:"version"`
}

// ListConflictError refuses a change to an obstacle of the standard list
// made from an old reading of it; Current is the obstacle as it is now.
type ListConflictError struct {
	Current Obstacle
}

func (e *ListConflictError) Error() string { return "survey: obstacle changed by someone else" }
func (e *ListConflictError) Unwrap() error { return ErrConflict }

// Label is the obstacle's name in lang, falling back to Arabic.
func (o Obstacle) Label(lang string) string { return pickLang(lang, o.LabelAr, o.LabelEn) }

// ObstacleInput is the coordinator's form for one obstacle of the list.
type ObstacleInput struct {
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	LabelAr  string `json:"label_ar"`
	LabelEn  string `json:"label_en"`
	Position string `json:"position"`
	Active   bool   `json:"active"`
	// Version is the version of the obstacle the change was made from;
	// required to change one.
	Version int64 `json:"version"`
}

func CheckObstacle(in ObstacleInput) (Obstacle, error) {
	fe := FieldErrors{}
	o := Obstacle{Code: strings.ToLower(CleanText(in.Code)), Kind: strings.ToLower(CleanText(in.Kind)),
		LabelAr: CleanText(in.LabelAr), LabelEn: CleanText(in.LabelEn), Active: in.Active}
	if o.Code == "" {
		fe.Add("code", "err.required")
	} else if len(o.Code) > 40 || strings.Trim(o.Code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		fe.Add("code", "err.obstacle_code_format")
	}
	if o.Kind != ObstacleInternal && o.Kind != ObstacleExternal {
		fe.Add("kind", "err.choose_one")
	}
	CheckText(fe, "label_ar", o.LabelAr, true, 200)
	if _, bad := fe["label_ar"]; !bad && !HasArabicLetter(o.LabelAr) {
		fe.Add("label_ar", "err.need_arabic")
	}
	CheckText(fe, "label_en", o.LabelEn, false, 200)
	pos, ok := parseNumber(in.Position, 0, 1000)
	if !ok || pos != float64(int(pos)) {
		fe.Add("position", "err.whole_number")
	}
	o.Position = int(pos)
	return o, fe.Err()
}

// ObstacleAnswers are the obstacles a response cites, by obstacle id, with
// their severity, and the version of the set.
type ObstacleAnswers struct {
	Severity map[int64]int `json:"severity"`
	Version  int64         `json:"version"`
}

// ObstacleConflictError is a save based on an old version of the set: the
// current set is returned so the person can compare.
type ObstacleConflictError struct{ Current ObstacleAnswers }

func (e *ObstacleConflictError) Error() string { return "survey: obstacles changed by someone else" }
func (e *ObstacleConflictError) Unwrap() error { return ErrConflict }

// ObstacleCitation is one institution citing one obstacle in a round.
type ObstacleCitation struct {
	Obstacle        Obstacle
	InstitutionCode string
	Region          string
	Sector          string
	Kind            string // the institution's kind
	Severity        int
}
