package handlers

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"marsad/survey"
)

// An audit event stores the record before and after a change as JSON. The
// log shows it as people read a change: the fields that differ, by their
// labels, with values in the page's language (a stage's name, "yes", a time
// in the configured zone), not the stored codes.

// auditRow is one event as the audit page shows it.
type auditRow struct {
	Event       survey.AuditEvent
	Action      string // the action in the page's language
	Entity      string // the kind of record, in the page's language
	Institution string // the name of the institution the record belongs to, "" if none
	Changes     []auditChange
	// Record is set when one side is empty (a record created or removed):
	// Changes then lists the whole record, which the page folds away.
	Record bool
	// Raw is set when a side is not a JSON object (or not JSON): it is
	// shown as stored, since there are no fields to compare.
	RawBefore, RawAfter string
}

// auditChange is one field that differs between before and after. Before
// or After is "" when the field is absent on that side (created, removed).
type auditChange struct {
	Field, Before, After string
}

// auditNames names what audit events refer to in one page's language.
type auditNames struct {
	v     *view
	insts map[string]survey.Institution
	// item finds the question an answer's key (round/institution/item)
	// names, so that its values show as option labels.
	item func(key string) (survey.Item, bool)
}

// auditNoise are fields every update changes; they are left out of a
// change's list unless nothing else changed.
var auditNoise = map[string]bool{"updated_at": true, "version": true}

// auditValueKeys maps a field to the locale prefix that names its values;
// "status" depends on the kind of record.
var auditValueKeys = map[string]string{
	"kind": "kind.", "region": "region.", "sector": "sector.", "role": "role.", "category": "category.",
	"audience": "audience.", "channels": "channel.", "languages": "language.", "stage": "stage.",
	"budget_band": "budget.", "progress": "progress.", "story_status": "story_status.", "review_status": "review.",
	"outcome": "outcome.",
}

var auditStatusKeys = map[string]string{
	"round": "round_status.", "response": "response_status.", "service": "status.", "initiative": "initiative_status.",
}

func (n auditNames) row(e survey.AuditEvent) auditRow {
	r := auditRow{Event: e, Action: n.label("audit.action."+e.Action, e.Action), Entity: n.label("audit.kind."+e.Entity, e.Entity)}
	r.Institution = n.institution(e)
	before, okB := auditFields(e.Before)
	after, okA := auditFields(e.After)
	if !okB || !okA {
		r.RawBefore, r.RawAfter = n.v.Excerpt(e.Before), n.v.Excerpt(e.After)
		return r
	}
	// A record created or removed: the whole record, in its order.
	r.Record = len(before.keys) == 0 || len(after.keys) == 0
	var noise []auditChange
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		b, inB := before.get(k)
		a, inA := after.get(k)
		if inB && inA && bytes.Equal(b, a) {
			return
		}
		c := auditChange{Field: n.field(k)}
		if inB {
			c.Before = n.value(e, k, b)
		}
		if inA {
			c.After = n.value(e, k, a)
		}
		if auditNoise[k] && !r.Record {
			noise = append(noise, c)
			return
		}
		r.Changes = append(r.Changes, c)
	}
	for _, k := range before.keys {
		add(k)
	}
	for _, k := range after.keys {
		add(k)
	}
	if len(r.Changes) == 0 {
		r.Changes = noise
	}
	r.Record = r.Record && len(r.Changes) > 0
	return r
}

// institution names the institution an event's record belongs to, from its
// key (MOH, MOH/SVC-1, 2026/MOH/STR-1) or its record's "institution" field.
func (n auditNames) institution(e survey.AuditEvent) string {
	var code string
	parts := strings.Split(e.EntityKey, "/")
	switch e.Entity {
	case "institution", "service", "initiative":
		code = parts[0]
	case "response", "plan_action":
		if len(parts) > 1 {
			code = parts[1]
		}
	case "user", "invitation":
		for _, side := range []string{e.After, e.Before} {
			var rec struct {
				Institution string `json:"institution"`
			}
			if json.Unmarshal([]byte(side), &rec) == nil && rec.Institution != "" {
				code = rec.Institution
				break
			}
		}
	}
	if in, ok := n.insts[code]; ok {
		return n.v.InstitutionName(in)
	}
	return ""
}

// label is the translation of key, or fallback when there is none.
func (n auditNames) label(key, fallback string) string {
	if s, ok := n.v.loc.messages[key]; ok {
		return s
	}
	return fallback
}

// field is a field's label: the log's own short one, the form's, or the
// stored name.
func (n auditNames) field(k string) string {
	if s, ok := n.v.loc.messages["audit.field."+k]; ok {
		return s
	}
	return n.label("field."+k, k)
}

// value shows a stored value in the page's language.
func (n auditNames) value(e survey.AuditEvent, field string, raw json.RawMessage) string {
	entity := e.Entity
	if entity == "response" && field == "values" && n.item != nil {
		var vals []string
		if it, ok := n.item(e.EntityKey); ok && json.Unmarshal(raw, &vals) == nil {
			return n.v.Excerpt(n.v.AnswerText(it, survey.Answer{Values: vals}))
		}
	}
	var x any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&x) != nil {
		return string(raw)
	}
	prefix := auditValueKeys[field]
	if field == "status" {
		prefix = auditStatusKeys[entity]
		if e.Action == "review" { // a reviewer's mark on one answer
			prefix = "review."
		}
	}
	if entity == "obstacle" && field == "kind" {
		prefix = "obstacle_kind."
	}
	return n.format(prefix, x)
}

func (n auditNames) format(prefix string, x any) string {
	switch x := x.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return n.v.T("yes")
		}
		return n.v.T("no")
	case json.Number:
		if prefix != "" {
			return n.label(prefix+x.String(), x.String())
		}
		return x.String()
	case string:
		if x == "" {
			return "—"
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil && len(x) >= len("2006-01-02T15:04:05Z") {
			return n.v.Date(t)
		}
		if prefix != "" {
			return n.label(prefix+x, x)
		}
		return n.v.Excerpt(x) // a description can be long; the export has it whole
	case []any:
		if len(x) == 0 {
			return "—"
		}
		sep := ", "
		if n.v.Lang == "ar" {
			sep = "، "
		}
		parts := make([]string, len(x))
		for i, el := range x {
			parts[i] = n.format(prefix, el)
		}
		return strings.Join(parts, sep)
	case map[string]any:
		// A named thing inside a record (an initiative's partner): its
		// name, and its kind in words.
		if name, ok := x["name"].(string); ok {
			if kind, ok := x["type"].(string); ok && kind != "" {
				return name + " (" + n.label("partner."+kind, kind) + ")"
			}
			return name
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return ""
}

// auditObject is a JSON object's fields in their stored order.
type auditObject struct {
	keys   []string
	fields map[string]json.RawMessage
}

func (o auditObject) get(k string) (json.RawMessage, bool) {
	v, ok := o.fields[k]
	return v, ok
}

// auditFields reads a stored side of an event: "" (created or removed) is
// an object with no fields; anything but a JSON object is not ok.
func auditFields(s string) (auditObject, bool) {
	o := auditObject{fields: map[string]json.RawMessage{}}
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "null" {
		return o, true
	}
	d := json.NewDecoder(strings.NewReader(s))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return o, false
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return o, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return o, false
		}
		if _, dup := o.fields[k]; !dup {
			o.keys = append(o.keys, k)
		}
		var compact bytes.Buffer
		if json.Compact(&compact, v) == nil {
			v = compact.Bytes()
		}
		o.fields[k] = v
	}
	return o, true
}
