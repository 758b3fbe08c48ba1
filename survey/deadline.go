package survey

import (
	"errors"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Hebron on a machine without a zone database
)

// Deadlines. A round's deadline is a day (YYYY-MM-DD), and respondents
// read it as a day in Palestine: "until 31 October" means until the end of
// 31 October in Palestine, whatever the zone the server runs or shows
// times in (main.go's --timezone). So answers are taken until midnight at
// the end of that day, Asia/Hebron time (summer time included), and
// refused from then on — unless the coordinator granted the institution an
// extension, a later day read the same way. The rule binds respondents:
// the coordinator, who grants extensions, may still enter or import
// answers (a paper response that came in late) and decides on returned
// responses. docs/api.md says the same to API clients.

// DeadlineZone is the time zone in which a deadline day ends: Palestine.
var DeadlineZone = palestine()

func palestine() *time.Location {
	if loc, err := time.LoadLocation("Asia/Hebron"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Hebron", 2*60*60) // unreachable with time/tzdata embedded
}

// ErrPastDeadline is returned when a respondent saves or submits after the
// deadline of the round (or of the institution's extension). Answered 409
// with the message err.past_deadline.
var ErrPastDeadline = errors.New("survey: the round's deadline has passed")

// DateLayout is how deadline days are written.
const DateLayout = "2006-01-02"

// Due is when an institution's answers to a round stop being taken: the
// round's deadline, or the later day the coordinator extended it to.
type Due struct {
	Deadline string `json:"deadline"`                 // the round's, "" for none
	Extended string `json:"extended_until,omitempty"` // the institution's extension, "" for none
}

// DueFor is the round's deadline for an institution with the extension
// extended ("" when it has none).
func (r Round) DueFor(extended string) Due { return Due{Deadline: r.Deadline, Extended: extended} }

// Day is the last day answers are taken: the extension's, else the round's.
func (d Due) Day() string {
	if d.Extended != "" {
		return d.Extended
	}
	return d.Deadline
}

// Has reports whether there is a deadline at all.
func (d Due) Has() bool {
	_, ok := d.End()
	return ok
}

// End is the instant the last day is over: midnight at its end in
// Palestine. ok is false without a (valid) deadline.
func (d Due) End() (time.Time, bool) {
	day, err := time.ParseInLocation(DateLayout, d.Day(), DeadlineZone)
	if err != nil {
		return time.Time{}, false
	}
	return day.AddDate(0, 0, 1), true
}

// Passed reports whether answers are no longer taken at now.
func (d Due) Passed(now time.Time) bool {
	end, ok := d.End()
	return ok && !now.Before(end)
}

// DaysLeft counts whole days from now's day, in Palestine, to the last
// day: 0 on the day itself, negative once it has passed. Meaningful only
// when Has.
func (d Due) DaysLeft(now time.Time) int {
	end, ok := d.End()
	if !ok {
		return 0
	}
	last := end.AddDate(0, 0, -1)
	n := now.In(DeadlineZone)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, DeadlineZone)
	// Whole calendar days: a summer-time change makes one of them 23 or 25 hours.
	return int(last.Sub(today).Round(24*time.Hour) / (24 * time.Hour))
}

// PastDeadline reports whether the deadline is over for an actor's
// change at now: it binds everyone but the coordinator (see above).
func PastDeadline(a Actor, d Due, now time.Time) bool {
	return a.Role != RoleAdmin && d.Passed(now)
}

// Today is the day it is at now in Palestine, as deadlines are written:
// a deadline earlier than Today has passed (the store asks for an
// institution's extension only then).
func Today(now time.Time) string { return now.In(DeadlineZone).Format(DateLayout) }

// Extension is more time the coordinator gave one institution in a round.
type Extension struct {
	RoundID         int64     `json:"round_id"`
	InstitutionCode string    `json:"institution"`
	Until           string    `json:"until"` // the new last day, YYYY-MM-DD (Palestine)
	Reason          string    `json:"reason"`
	GrantedBy       string    `json:"granted_by"` // the coordinator's e-mail
	GrantedAt       time.Time `json:"granted_at"`
}

// ExtensionInput grants or changes an extension.
type ExtensionInput struct {
	Until  string `form:"until" json:"until"`
	Reason string `form:"reason" json:"reason"`
}

// MaxExtensionReason bounds the reason given with an extension.
const MaxExtensionReason = 300

// CheckExtension validates an extension of round r: a valid day after the
// round's deadline, and a reason of bounded length. It returns the input
// cleaned (digits made Western, spaces trimmed).
func CheckExtension(r Round, in ExtensionInput) (ExtensionInput, error) {
	in.Until = strings.TrimSpace(NormalizeDigits(in.Until))
	in.Reason = CleanText(in.Reason)
	fe := FieldErrors{}
	switch until, err := time.Parse(DateLayout, in.Until); {
	case in.Until == "":
		fe.Add("until", "err.required")
	case err != nil:
		fe.Add("until", "err.date")
	case r.Deadline == "":
		fe.Add("until", "err.extension_no_deadline")
	case until.Format(DateLayout) <= r.Deadline:
		fe.Add("until", "err.extension_before_deadline")
	}
	CheckText(fe, "reason", in.Reason, false, MaxExtensionReason)
	return in, fe.Err()
}
