package survey

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Item types (docs/questionnaire.md).
const (
	TypeSingle  = "single"  // one option; points / max points
	TypeMulti   = "multi"   // several options; sum of points, capped
	TypeYesNo   = "yesno"   // yes = 1, no = 0
	TypeScale   = "scale"   // a whole number from Min to Max, scored linearly
	TypeNumber  = "number"  // a number, scored linearly (Floor → Target) or by bands
	TypePercent = "percent" // 0–100, scored linearly (Floor → Target, default 0 → 100)
	TypeText    = "text"    // free text, unscored
	TypeURL     = "url"     // evidence link, unscored
	TypeMetric  = "metric"  // computed from the catalog snapshot, not typed
)

// ItemTypes lists every item type.
var ItemTypes = []string{TypeSingle, TypeMulti, TypeYesNo, TypeScale, TypeNumber, TypePercent, TypeText, TypeURL, TypeMetric}

// Metrics are the catalog metrics a metric item can name
// (docs/scoring.md, "Catalog metrics"); scoring computes them from the snapshot.
var Metrics = []string{
	"catalog_fresh", "share_stage1", "share_stage3", "share_stage4", "mean_stage", "share_e_payment",
	"digital_takeup", "top5_stage3", "share_mobile", "share_e_id", "share_data_exchange",
	"share_published_standards", "share_abroad", "share_abroad_diaspora", "share_no_visit",
	MetricObservedTech, // from the checks, not the snapshot (ScoreOptions.ObservedTech)
}

// Definition is a questionnaire version: sections (the dimensions of the
// index), items, and the scoring model. Once stored it never changes; its
// Hash identifies it.
type Definition struct {
	ID       string    `json:"id"`
	Version  string    `json:"version"`
	TitleAr  string    `json:"title_ar"`
	TitleEn  string    `json:"title_en"`
	Model    Model     `json:"model"`
	Sections []Section `json:"sections"`
	Items    []Item    `json:"items"`
}

// Model says how item scores become an index (docs/scoring.md).
type Model struct {
	Scale         float64 `json:"scale"`                  // 100 shows 0–100; 1 shows 0–1
	Precision     int     `json:"precision"`              // decimals kept when ranking
	Normalization string  `json:"normalization"`          // "none", "minmax", "zscore-minmax"
	NormalizeOn   string  `json:"normalize_on,omitempty"` // "index" (default) or "dimensions"
	Levels        []Level `json:"levels"`                 // highest first
	// WeightSpread is how far the rank analysis moves each dimension
	// weight, as a share of it (0.25: ±25 %); nil is DefaultWeightSpread
	// (survey/uncertainty.go).
	WeightSpread *float64 `json:"weight_spread,omitempty"`
}

// Level is a band of the index, from Min (0–1) up.
type Level struct {
	Key     string  `json:"key"`
	Min     float64 `json:"min"`
	LabelAr string  `json:"label_ar"`
	LabelEn string  `json:"label_en"`
}

// Section is one dimension of the index.
type Section struct {
	ID      string `json:"id"`
	TitleAr string `json:"title_ar"`
	TitleEn string `json:"title_en"`
	// ShortAr and ShortEn name the dimension in one or two words, for
	// chart axes and table headers; the title is used when they are empty.
	ShortAr       string  `json:"short_ar,omitempty"`
	ShortEn       string  `json:"short_en,omitempty"`
	DescriptionAr string  `json:"description_ar,omitempty"`
	DescriptionEn string  `json:"description_en,omitempty"`
	Weight        float64 `json:"weight"`
}

// Item is one question.
type Item struct {
	Section   string   `json:"section"`
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	LabelAr   string   `json:"label_ar"`
	LabelEn   string   `json:"label_en"`
	HintAr    string   `json:"hint_ar,omitempty"`
	HintEn    string   `json:"hint_en,omitempty"`
	Options   []Option `json:"options,omitempty"`
	Weight    float64  `json:"weight"`
	Required  bool     `json:"required,omitempty"`
	ShowIf    string   `json:"show_if,omitempty"`
	NAAllowed bool     `json:"na_allowed,omitempty"`
	ImproveAr string   `json:"improve_ar,omitempty"`
	ImproveEn string   `json:"improve_en,omitempty"`
	Evidence  bool     `json:"evidence,omitempty"` // answers at level 2 and above need an evidence link
	Cap       float64  `json:"cap,omitempty"`      // multi: most points counted (0: all)
	Min       *float64 `json:"min,omitempty"`      // scale, number: smallest accepted value
	Max       *float64 `json:"max,omitempty"`      // scale, number: largest accepted value
	Floor     *float64 `json:"floor,omitempty"`    // linear mapping: value scoring 0
	Target    *float64 `json:"target,omitempty"`   // linear mapping: value scoring 1
	Bands     []Band   `json:"bands,omitempty"`    // number: score by bands instead
	Metric    string   `json:"metric,omitempty"`   // metric: which catalog metric

	cond *Cond
}

// Option is one choice of a single or multiple choice item.
type Option struct {
	Value   string  `json:"value"`
	LabelAr string  `json:"label_ar"`
	LabelEn string  `json:"label_en"`
	Points  float64 `json:"points"`
}

// Band scores a number from Min (inclusive) up with Score (0–1).
type Band struct {
	Min   float64 `json:"min"`
	Score float64 `json:"score"`
}

// Scored reports whether the item counts in the index.
func (it Item) Scored() bool { return it.Type != TypeText && it.Type != TypeURL && it.Weight > 0 }

// Cond is the item's parsed show_if (always true when empty).
func (it Item) Cond() *Cond { return it.cond }

// Label is the item's text in lang.
func (it Item) Label(lang string) string { return pick(lang, it.LabelAr, it.LabelEn) }

// Hint is the item's help text in lang.
func (it Item) Hint(lang string) string { return pick(lang, it.HintAr, it.HintEn) }

// Improve is the item's improvement guidance in lang.
func (it Item) Improve(lang string) string { return pick(lang, it.ImproveAr, it.ImproveEn) }

// Label is the option's text in lang.
func (o Option) Label(lang string) string { return pick(lang, o.LabelAr, o.LabelEn) }

// Description is the section's description in lang.
func (s Section) Description(lang string) string { return pick(lang, s.DescriptionAr, s.DescriptionEn) }

// Title is the section's title in lang.
func (s Section) Title(lang string) string { return pick(lang, s.TitleAr, s.TitleEn) }

// Short is the section's short name in lang, its title when it has none.
func (s Section) Short(lang string) string {
	if short := pick(lang, s.ShortAr, s.ShortEn); short != "" {
		return short
	}
	return s.Title(lang)
}

func pick(lang, ar, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ar
}

// DefinitionError lists every problem found in a definition, each with the
// item (or section) it is about.
type DefinitionError struct {
	Problems []string
}

func (e *DefinitionError) Error() string {
	return "questionnaire: " + strings.Join(e.Problems, "; ")
}

var defIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,39}$`)

// ParseDefinition reads a JSON definition (unknown fields refused) and validates it.
func ParseDefinition(b []byte) (*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Definition
	if err := dec.Decode(&d); err != nil {
		return nil, &DefinitionError{[]string{"not a valid definition: " + err.Error()}}
	}
	if dec.More() {
		return nil, &DefinitionError{[]string{"trailing data after the definition"}}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// maxShortLabel bounds a dimension's short name: it must fit a chart axis.
const maxShortLabel = 40

// Validate checks the whole definition and parses each show_if. It reports
// every problem at once.
func (d *Definition) Validate() error {
	var probs []string
	bad := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if !defIDPattern.MatchString(d.ID) {
		bad("id %q: letters, digits, - _ . (up to 40)", d.ID)
	}
	if strings.TrimSpace(d.TitleAr) == "" {
		bad("title_ar is required")
	}
	if d.Model.Scale != 1 && d.Model.Scale != 100 {
		bad("model.scale must be 1 or 100")
	}
	if d.Model.Precision < 0 || d.Model.Precision > 6 {
		bad("model.precision must be 0 to 6")
	}
	switch d.Model.Normalization {
	case "", "none", "minmax", "zscore-minmax":
	default:
		bad("model.normalization %q: none, minmax or zscore-minmax", d.Model.Normalization)
	}
	if d.Model.NormalizeOn != "" && d.Model.NormalizeOn != "index" && d.Model.NormalizeOn != "dimensions" {
		bad("model.normalize_on %q: index or dimensions", d.Model.NormalizeOn)
	}
	if ws := d.Model.WeightSpread; ws != nil && (*ws < 0 || *ws >= 1) {
		bad("model.weight_spread must be from 0 to below 1")
	}
	for i, l := range d.Model.Levels {
		if l.Min < 0 || l.Min > 1 || l.LabelAr == "" || l.Key == "" {
			bad("model.levels[%d]: key, label_ar and a min from 0 to 1 are required", i)
		}
		if i > 0 && l.Min >= d.Model.Levels[i-1].Min {
			bad("model.levels[%d]: levels go from the highest min down", i)
		}
	}
	sections := map[string]bool{}
	for _, s := range d.Sections {
		switch {
		case !defIDPattern.MatchString(s.ID):
			bad("section %q: bad id", s.ID)
		case sections[s.ID]:
			bad("section %s: id used twice", s.ID)
		case s.Weight <= 0:
			bad("section %s: weight must be > 0", s.ID)
		case strings.TrimSpace(s.TitleAr) == "":
			bad("section %s: title_ar is required", s.ID)
		case utf8.RuneCountInString(s.ShortAr) > maxShortLabel || utf8.RuneCountInString(s.ShortEn) > maxShortLabel:
			bad("section %s: short_ar and short_en are at most %d characters", s.ID, maxShortLabel)
		}
		sections[s.ID] = true
	}
	if len(d.Sections) == 0 {
		bad("at least one section is required")
	}
	seen := map[string]bool{}
	for i := range d.Items {
		it := &d.Items[i]
		where := fmt.Sprintf("item %d (%s)", i+1, it.ID)
		for _, p := range it.problems(sections, seen) {
			bad("%s: %s", where, p)
		}
		seen[it.ID] = true
	}
	if len(d.Items) == 0 {
		bad("at least one item is required")
	}
	if len(probs) > 0 {
		return &DefinitionError{probs}
	}
	return nil
}

// problems checks one item; earlier holds the ids of the items before it.
func (it *Item) problems(sections, earlier map[string]bool) []string {
	var p []string
	if !defIDPattern.MatchString(it.ID) {
		p = append(p, "id must start with a letter and use letters, digits, - _ .")
	}
	if earlier[it.ID] {
		p = append(p, "id used twice")
	}
	if !sections[it.Section] {
		p = append(p, fmt.Sprintf("unknown section %q", it.Section))
	}
	if !contains(ItemTypes, it.Type) {
		p = append(p, fmt.Sprintf("unknown type %q", it.Type))
	}
	if strings.TrimSpace(it.LabelAr) == "" {
		p = append(p, "label_ar is required")
	}
	if it.Weight < 0 {
		p = append(p, "weight must be ≥ 0")
	}
	if it.Weight == 0 && it.Type != TypeText && it.Type != TypeURL {
		p = append(p, "a scored item needs a weight > 0")
	}
	switch it.Type {
	case TypeSingle, TypeMulti:
		if len(it.Options) < 2 {
			p = append(p, "needs at least two options")
		}
		values := map[string]bool{}
		positive := false
		for j, o := range it.Options {
			if o.Value == "" || strings.ContainsAny(o.Value, ",;|") || values[o.Value] {
				p = append(p, fmt.Sprintf("option %d: value must be unique, non-empty, without , ; |", j+1))
			}
			if o.LabelAr == "" {
				p = append(p, fmt.Sprintf("option %d: label_ar is required", j+1))
			}
			if o.Points < 0 {
				p = append(p, fmt.Sprintf("option %d: points must be ≥ 0", j+1))
			}
			positive = positive || o.Points > 0
			values[o.Value] = true
		}
		if !positive {
			p = append(p, "no option gives points")
		}
		if it.Cap < 0 || (it.Cap > 0 && it.Type != TypeMulti) {
			p = append(p, "cap is for multiple choice only, and > 0")
		}
	case TypeScale, TypeNumber:
		if it.Min == nil || it.Max == nil || *it.Min >= *it.Max {
			p = append(p, "min and max are required, min < max")
		}
	case TypeMetric:
		if !contains(Metrics, it.Metric) {
			p = append(p, fmt.Sprintf("unknown metric %q", it.Metric))
		}
	}
	if it.Metric != "" && it.Type != TypeMetric {
		p = append(p, "metric is for metric items only")
	}
	if (it.Floor == nil) != (it.Target == nil) {
		p = append(p, "floor and target go together")
	} else if it.Floor != nil && *it.Floor == *it.Target {
		p = append(p, "floor and target must differ")
	}
	for j := 1; j < len(it.Bands); j++ {
		if it.Bands[j].Min <= it.Bands[j-1].Min {
			p = append(p, "bands go up by min")
		}
	}
	for _, b := range it.Bands {
		if b.Score < 0 || b.Score > 1 {
			p = append(p, "band scores are 0 to 1")
		}
	}
	cond, err := ParseCond(it.ShowIf)
	if err != nil {
		p = append(p, err.Error())
	} else {
		for _, ref := range cond.Refs() {
			if ref == it.ID {
				p = append(p, "show_if refers to the item itself")
			} else if !earlier[ref] {
				p = append(p, fmt.Sprintf("show_if refers to %q, which is not an earlier item", ref))
			}
		}
		it.cond = cond
	}
	return p
}

// Canonical is the definition's canonical JSON: what is stored and hashed.
func (d *Definition) Canonical() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}

// Hash is the SHA-256 of the canonical JSON: the version's identity.
func (d *Definition) Hash() (string, error) {
	b, err := d.Canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Item returns the item with id.
func (d *Definition) Item(id string) (Item, bool) {
	for _, it := range d.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// SectionItems lists the items of a section in order.
func (d *Definition) SectionItems(section string) []Item {
	var out []Item
	for _, it := range d.Items {
		if it.Section == section {
			out = append(out, it)
		}
	}
	return out
}
