package handlers

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"marsad/survey"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages Marsad speaks; the first is the default.
var Languages = []string{"ar", "en"}

// pluralForms are the CLDR plural categories each language needs.
var pluralForms = map[string][]string{
	"ar": {"zero", "one", "two", "few", "many", "other"},
	"en": {"one", "other"},
}

// locale holds one language's messages. A message is a string, or for
// counted phrases an object keyed by plural category.
type locale struct {
	lang     string
	messages map[string]string
	plurals  map[string]map[string]string
}

func loadLocales() (map[string]*locale, error) {
	out := map[string]*locale{}
	for _, lang := range Languages {
		b, err := localeFiles.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("handlers: locale %s: %w", lang, err)
		}
		l := &locale{lang: lang, messages: map[string]string{}, plurals: map[string]map[string]string{}}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				l.messages[k] = s
				continue
			}
			var p map[string]string
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, fmt.Errorf("handlers: locale %s key %q: want a string or plural object", lang, k)
			}
			for _, form := range pluralForms[lang] {
				if _, ok := p[form]; !ok {
					return nil, fmt.Errorf("handlers: locale %s key %q: missing plural form %q", lang, k, form)
				}
			}
			l.plurals[k] = p
		}
		out[lang] = l
	}
	return out, nil
}

// T translates key, formatting args into it with fmt verbs. A missing key
// shows as ⟦key⟧, which tests look for.
func (l *locale) T(key string, args ...any) string {
	s, ok := l.messages[key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// N translates a counted phrase with the plural form that n takes in this language.
func (l *locale) N(key string, n int) string {
	p, ok := l.plurals[key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	s := p[pluralCategory(l.lang, n)]
	if strings.Contains(s, "%") {
		return fmt.Sprintf(s, n)
	}
	return s
}

// pluralCategory is the CLDR cardinal plural rule for integers.
func pluralCategory(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	if lang == "ar" {
		switch m := n % 100; {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case m >= 3 && m <= 10:
			return "few"
		case m >= 11 && m <= 99:
			return "many"
		}
		return "other"
	}
	if n == 1 {
		return "one"
	}
	return "other"
}

// fieldMessages translates a validation error's keys for display.
func (l *locale) fieldMessages(ve *survey.ValidationError) map[string]string {
	out := make(map[string]string, len(ve.Fields))
	for f, key := range ve.Fields {
		out[f] = l.T(key)
	}
	return out
}

// date formats a time in zone loc with the zone's name, so that nobody
// has to guess whose clock it is: "2026-12-06 17:03 (توقيت فلسطين)".
// Western digits, as the glossary asks.
func (l *locale) date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return l.clock(t, loc) + " (" + l.zone(loc) + ")"
}

// clock is a time in zone loc without the zone's name, for a table whose
// column heading names the zone once.
func (l *locale) clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// zone names a time zone for people: "Palestine time" for Asia/Hebron, or
// the IANA name when the locale has no name for it.
func (l *locale) zone(loc *time.Location) string {
	if s, ok := l.messages["tz."+loc.String()]; ok {
		return s
	}
	return loc.String()
}

// langFromAcceptLanguage picks the supported language with the highest
// quality in an Accept-Language header, or "" when none is acceptable.
func langFromAcceptLanguage(h string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		for _, l := range Languages {
			if base == l && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	return best
}
