package survey

import (
	"encoding/json"
	"strings"
	"time"
)

// AuditEvent is one recorded change: who, when, what, before and after.
type AuditEvent struct {
	ID        int64
	At        time.Time
	ActorID   int64 // 0 for the system (command line, demo seed)
	ActorName string
	Action    string
	Entity    string
	EntityKey string
	Before    string // JSON, "" when created
	After     string // JSON, "" when removed
}

// auditKeep are fields kept on both sides of a change even when equal: the
// log's filter finds a user's or an invitation's institution in them.
var auditKeep = map[string]bool{"institution": true}

// compactChange keeps, of two JSON objects, only the fields whose values
// differ (and the fields of auditKeep), in their order; a field on one
// side only is kept as null on the other, so that both sides stay objects
// with the same fields and a change never looks like a record created or
// removed. Anything but two objects is kept as it is.
func CompactChange(before, after string) (string, string) {
	var b, a map[string]json.RawMessage
	if json.Unmarshal([]byte(before), &b) != nil || json.Unmarshal([]byte(after), &a) != nil || b == nil || a == nil {
		return before, after
	}
	order := jsonKeys(before)
	for _, k := range jsonKeys(after) {
		if _, ok := b[k]; !ok {
			order = append(order, k)
		}
	}
	null := json.RawMessage("null")
	var ob, oa []string
	for _, k := range order {
		vb, inB := b[k]
		va, inA := a[k]
		if !inB {
			vb = null
		}
		if !inA {
			va = null
		}
		if inB && inA && jsonEqual(vb, va) && !auditKeep[k] {
			continue
		}
		name, _ := json.Marshal(k)
		ob = append(ob, string(name)+":"+string(vb))
		oa = append(oa, string(name)+":"+string(va))
	}
	return "{" + strings.Join(ob, ",") + "}", "{" + strings.Join(oa, ",") + "}"
}

// jsonKeys lists an object's keys in their order (it was made by
// json.Marshal: valid, no duplicates).
func jsonKeys(obj string) []string {
	d := json.NewDecoder(strings.NewReader(obj))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// jsonEqual compares two values as json.Marshal wrote them (compact, map
// keys sorted): equal values have equal bytes.
func jsonEqual(a, b json.RawMessage) bool { return string(a) == string(b) }

// AuditFilter narrows the audit log. Empty fields match everything.
type AuditFilter struct {
	// Actor is the e-mail address of the user who made the change, or
	// AuditSystem for changes made by the system (command line, demo seed).
	Actor string
	// Institution is an institution's code: changes to it, its services,
	// initiatives, responses, plans, users and invitations.
	Institution string
	Entity      string
	// From and To bound the time of the change: From <= at < To.
	From, To time.Time
}

// AuditSystem is the Actor of changes no user made.
const AuditSystem = "system"

// AuditEntities are the kinds of record the audit log holds.
var AuditEntities = []string{"institution", "user", "invitation", "service", "questionnaire", "round", "response",
	"initiative", "plan_action", "obstacle", "access_token"}

// AuditPage is one page of the filtered audit log, newest first.
type AuditPage struct {
	Events []AuditEvent
	Total  int // events matching the filter
	Page   int // 1-based, within 1..Pages
	Pages  int // at least 1
}
