package survey

import (
	"strings"
)

// Microdata (issue 19, §1): the answers of a published public round for
// analysts, in long format — one row per institution and item, then one
// per institution and dimension, then one for its index — with a codebook
// generated from the round's questionnaire version. Every figure comes
// from what was frozen with the round (the scores stored with each
// response; answers cannot change once a round has closed), so the files
// never change after publication. docs/opendata.md describes
// the columns.

// Microdata row kinds.
const (
	MicroItem      = "item"
	MicroDimension = "dimension"
	MicroIndex     = "index"
)

// MicrodataAllowed says whether u (nil: not signed in) may read a round's
// microdata and codebook. The answers of every institution are more than
// its rankings show, so this is narrower than SeeRankings, never wider:
// anyone once the round is published and public; otherwise only the
// coordinator and viewers, and only once the round's figures are frozen
// (closed or published) — before that there is nothing fixed to publish.
// Respondents of a published round that is not public see its rankings
// but not the other institutions' answers.
func MicrodataAllowed(u *User, r Round) bool {
	if !r.Frozen() || !Allowed(u, SeeRankings, r, "") {
		return false
	}
	if r.Status == RoundPublished && r.Public {
		return true
	}
	return u != nil && (u.Role == RoleAdmin || u.Role == RoleViewer)
}

// MicrodataResponse is one scored response of a round as the store reads
// it for the microdata: its institution, its answers as stored, how many
// evidence files each answer has, and its self-reported score as stored
// when it was scored.
type MicrodataResponse struct {
	Institution    Institution
	Status         string         // submitted or accepted
	Answers        AnswerSet      // by item id
	EvidenceFiles  map[string]int // item id → files attached
	Result         Result         // the self-reported index, as stored
	ScoringVersion string
}

// MicrodataRow is one row of the microdata (the columns of the CSV, the
// sheet and the JSON). Item rows fill the item's columns; dimension rows
// the dimension, score and weight; the index row the score, level and rank.
type MicrodataRow struct {
	RowKind         string   `json:"row_kind"`
	RoundID         int64    `json:"round_id"`
	InstitutionCode string   `json:"institution_code"`
	InstitutionAr   string   `json:"institution_name_ar"`
	InstitutionEn   string   `json:"institution_name_en"`
	Sector          string   `json:"sector"`
	Kind            string   `json:"institution_kind"`
	Region          string   `json:"region"`
	ResponseStatus  string   `json:"response_status"`
	Dimension       string   `json:"dimension"`
	ItemID          string   `json:"item_id"`
	ItemType        string   `json:"item_type"`
	Value           string   `json:"value"`
	Score           *float64 `json:"score"` // 0–1; null when the item or dimension does not count
	Weight          float64  `json:"weight"`
	NA              bool     `json:"na"`
	Dropped         string   `json:"dropped"` // why it does not count (DropNA, DropHidden…), "" when it does
	EvidenceFiles   int      `json:"evidence_files"`
	Level           string   `json:"level"` // index rows: the level as published
	Rank            *int     `json:"rank"`  // index rows: the rank as published
	ScoringVersion  string   `json:"scoring_version"`
}

// MicrodataValueSeparator joins the values of a multiple choice answer.
const MicrodataValueSeparator = ";"

// MicrodataRows are one response's rows: its items in the questionnaire's
// order, its dimensions in the questionnaire's order, then its index. The
// scores are the stored ones (resp.Result); published carries the level
// and rank of the round's published ranking (nil: none, e.g. an
// institution not ranked).
func MicrodataRows(def *Definition, roundID int64, resp MicrodataResponse, published *InstitutionScore) []MicrodataRow {
	in := resp.Institution
	base := MicrodataRow{RoundID: roundID, InstitutionCode: in.Code, InstitutionAr: in.NameAr, InstitutionEn: in.NameEn,
		Sector: in.Sector, Kind: in.Kind, Region: in.Region, ResponseStatus: resp.Status, ScoringVersion: resp.ScoringVersion}
	scored := make(map[string]ItemScore, len(resp.Result.Items))
	for _, is := range resp.Result.Items {
		scored[is.ItemID] = is
	}
	out := make([]MicrodataRow, 0, len(def.Items)+len(def.Sections)+1)
	for _, it := range def.Items {
		row := base
		row.RowKind, row.Dimension, row.ItemID, row.ItemType = MicroItem, it.Section, it.ID, it.Type
		a, answered := resp.Answers[it.ID]
		if answered {
			row.NA = a.NA
			if !a.NA {
				row.Value = strings.Join(a.Values, MicrodataValueSeparator)
			}
		}
		row.EvidenceFiles = resp.EvidenceFiles[it.ID]
		if is, ok := scored[it.ID]; ok {
			row.Weight, row.Dropped = is.Weight, is.Dropped
			if it.Type == TypeMetric {
				row.Value = is.Value // the catalog metric it was scored on
			}
			if is.Dropped == "" {
				row.Score = ptr(is.Score)
			}
		} else {
			// An item the stored result does not know (it cannot happen
			// for a questionnaire version's own scores): not counted.
			row.Weight, row.Dropped = it.Weight, DropUnscored
		}
		out = append(out, row)
	}
	dims := make(map[string]DimensionScore, len(resp.Result.Dimensions))
	for _, d := range resp.Result.Dimensions {
		dims[d.Section] = d
	}
	for _, sec := range def.Sections {
		row := base
		row.RowKind, row.Dimension, row.Weight = MicroDimension, sec.ID, sec.Weight
		if d, ok := dims[sec.ID]; ok && !d.Dropped {
			row.Score = ptr(d.Score)
		} else {
			row.Dropped = "dimension"
		}
		out = append(out, row)
	}
	row := base
	row.RowKind, row.Score, row.Level = MicroIndex, ptr(resp.Result.Index), resp.Result.Level
	if published != nil {
		row.Level = published.Level
		if published.Rank > 0 {
			row.Rank = ptr(published.Rank)
		}
	}
	out = append(out, row)
	return out
}

func ptr[T any](x T) *T { return &x }

// Codebook describes a round's microdata: the questionnaire version its
// answers were given to, every item with its options and weight, the
// dimensions and their weights, and the scoring that made the scores.
type Codebook struct {
	RoundID              int64               `json:"round_id"`
	RoundName            string              `json:"round_name"`
	QuestionnaireID      string              `json:"questionnaire_id"`
	QuestionnaireVersion string              `json:"questionnaire_version"`
	QuestionnaireHash    string              `json:"questionnaire_hash"`
	TitleAr              string              `json:"title_ar"`
	TitleEn              string              `json:"title_en"`
	ScoringVersion       string              `json:"scoring_version"`
	Scale                float64             `json:"scale"`
	Normalization        string              `json:"normalization"`
	Levels               []Level             `json:"levels"`
	ValueSeparator       string              `json:"value_separator"`
	Dimensions           []CodebookDimension `json:"dimensions"`
	Items                []CodebookItem      `json:"items"`
}

// CodebookDimension is one dimension and its weight in the index.
type CodebookDimension struct {
	ID      string  `json:"id"`
	TitleAr string  `json:"title_ar"`
	TitleEn string  `json:"title_en"`
	Weight  float64 `json:"weight"`
}

// CodebookItem is one question: its code (the item id, the microdata's
// item_id), its dimension, type, text, options with their codes and
// points, weight and whether "not applicable" is allowed.
type CodebookItem struct {
	ID        string           `json:"id"`
	Code      string           `json:"code"`
	Dimension string           `json:"dimension"`
	Type      string           `json:"type"`
	LabelAr   string           `json:"label_ar"`
	LabelEn   string           `json:"label_en"`
	Options   []CodebookOption `json:"options"`
	Weight    float64          `json:"weight"`
	Scored    bool             `json:"scored"`
	Required  bool             `json:"required"`
	NAAllowed bool             `json:"na_allowed"`
	ShowIf    string           `json:"show_if"`
	Metric    string           `json:"metric"`
	Min       *float64         `json:"min"`
	Max       *float64         `json:"max"`
	Floor     *float64         `json:"floor"`
	Target    *float64         `json:"target"`
	Cap       float64          `json:"cap"`
	Bands     []Band           `json:"bands"`
}

// CodebookOption is one choice: its code (the value stored in the
// microdata), labels and points.
type CodebookOption struct {
	Code    string  `json:"code"`
	LabelAr string  `json:"label_ar"`
	LabelEn string  `json:"label_en"`
	Points  float64 `json:"points"`
}

// NewCodebook generates the codebook of round r, whose questionnaire
// version is q, scored under scoringVersion.
func NewCodebook(r Round, q QuestionnaireVersion, scoringVersion string) Codebook {
	def := q.Def
	cb := Codebook{RoundID: r.ID, RoundName: r.Name, QuestionnaireID: def.ID, QuestionnaireVersion: def.Version,
		QuestionnaireHash: q.Hash, TitleAr: def.TitleAr, TitleEn: def.TitleEn, ScoringVersion: scoringVersion,
		Scale: def.Model.Scale, Normalization: def.Model.Normalization, Levels: def.Model.Levels,
		ValueSeparator: MicrodataValueSeparator, Dimensions: make([]CodebookDimension, 0, len(def.Sections)),
		Items: make([]CodebookItem, 0, len(def.Items))}
	if cb.Normalization == "" {
		cb.Normalization = "none"
	}
	if cb.Levels == nil {
		cb.Levels = []Level{}
	}
	for _, s := range def.Sections {
		cb.Dimensions = append(cb.Dimensions, CodebookDimension{ID: s.ID, TitleAr: s.TitleAr, TitleEn: s.TitleEn, Weight: s.Weight})
	}
	for _, it := range def.Items {
		ci := CodebookItem{ID: it.ID, Code: it.ID, Dimension: it.Section, Type: it.Type, LabelAr: it.LabelAr, LabelEn: it.LabelEn,
			Options: make([]CodebookOption, 0, len(it.Options)), Weight: it.Weight, Scored: it.Scored(), Required: it.Required,
			NAAllowed: it.NAAllowed, ShowIf: it.ShowIf, Metric: it.Metric, Min: it.Min, Max: it.Max, Floor: it.Floor,
			Target: it.Target, Cap: it.Cap, Bands: it.Bands}
		if ci.Bands == nil {
			ci.Bands = []Band{}
		}
		for _, o := range it.Options {
			ci.Options = append(ci.Options, CodebookOption{Code: o.Value, LabelAr: o.LabelAr, LabelEn: o.LabelEn, Points: o.Points})
		}
		if it.Type == TypeYesNo && len(ci.Options) == 0 {
			// A yes/no item has its two answers built in (Item.score).
			ci.Options = []CodebookOption{{Code: "yes", LabelAr: "نعم", LabelEn: "Yes", Points: 1}, {Code: "no", LabelAr: "لا", LabelEn: "No", Points: 0}}
		}
		cb.Items = append(cb.Items, ci)
	}
	return cb
}
