package survey

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reminders (issue 18, §2; docs/reminders.md). The coordinator reminds the
// institutions of a round that have not submitted, choosing which of them
// by state, after a preview; a round can also remind them by itself N and
// M days before the deadline. Either way an institution is reminded at
// most once a day — the day in the deployment's time zone — and every
// reminder is recorded, so the board shows when each institution was last
// reminded. The rules are here; the store (survey/sqlstore/reminders.go)
// writes the record and the messages in one transaction.

// Reminder kinds: sent by the coordinator from the board, or by the
// server's hourly job.
const (
	ReminderManual    = "manual"
	ReminderAutomatic = "automatic"
)

// ReminderStates are the board states an institution can be reminded in:
// not started, draft and returned. Submitted and accepted responses owe
// nothing.
var ReminderStates = []string{"none", ResponseDraft, ResponseReturned}

// MaxReminderDays bounds how many days before the deadline an automatic
// reminder may be set.
const MaxReminderDays = 60

// ReminderGap is how soon after a manual reminder run of a round another
// may be confirmed: a double click, or two coordinators at once, send one.
const ReminderGap = time.Minute

// ReminderSettings are a round's automatic reminders: First and Second
// days before the deadline; 0 is off.
type ReminderSettings struct {
	RoundID       int64 `json:"round_id"`
	First, Second int
}

// Days are the settings' day counts that are on, largest first.
func (r ReminderSettings) Days() []int {
	var out []int
	for _, d := range []int{r.First, r.Second} {
		if d > 0 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// On reports whether any automatic reminder is set.
func (r ReminderSettings) On() bool { return r.First > 0 || r.Second > 0 }

// DueOn reports whether an institution with daysLeft days to its deadline
// is due an automatic reminder today.
func (r ReminderSettings) DueOn(daysLeft int) bool {
	return daysLeft >= 0 && slices.Contains(r.Days(), daysLeft)
}

// ReminderSettingsInput is the form of a round's automatic reminders: day
// counts as typed, "" for off.
type ReminderSettingsInput struct {
	First  string `form:"first_days" json:"first_days"`
	Second string `form:"second_days" json:"second_days"`
}

// CheckReminderSettings validates the automatic reminders of a round:
// each blank (off) or a whole number of days from 1 to MaxReminderDays,
// and not the same day twice. Arabic-Indic digits are accepted.
func CheckReminderSettings(roundID int64, in ReminderSettingsInput) (ReminderSettings, error) {
	out := ReminderSettings{RoundID: roundID}
	fe := FieldErrors{}
	parse := func(field, s string) int {
		s = strings.TrimSpace(NormalizeDigits(s))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxReminderDays {
			fe.Add(field, "err.reminder_days")
			return 0
		}
		return n
	}
	out.First = parse("first_days", in.First)
	out.Second = parse("second_days", in.Second)
	if out.First > 0 && out.First == out.Second {
		fe.Add("second_days", "err.reminder_days_same")
	}
	return out, fe.Err()
}

// CleanReminderStates keeps the chosen states that may be reminded, in
// ReminderStates' order, and reports whether any was chosen.
func CleanReminderStates(chosen []string) ([]string, bool) {
	var out []string
	for _, st := range ReminderStates {
		if slices.Contains(chosen, st) {
			out = append(out, st)
		}
	}
	return out, len(out) > 0
}

// Recipient is a person a message goes to, in the language they chose.
type Recipient struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`
	// OptedOut: the person turned off optional notifications; they get
	// none of them.
	OptedOut bool `json:"opted_out"`
}

// ReminderTarget is one institution of a reminder run: its state, its
// deadline (its extension's, if any), who would receive the reminder and
// whether it was already reminded today.
type ReminderTarget struct {
	Institution   Institution
	Status        string // a board state (ReminderStates)
	Due           Due
	Recipients    []Recipient // the active respondents of the institution
	RemindedToday bool
	LastReminded  time.Time // zero when never
}

// Reachable are the recipients who get the message: those who did not
// turn optional notifications off.
func (t ReminderTarget) Reachable() []Recipient {
	var out []Recipient
	for _, r := range t.Recipients {
		if !r.OptedOut {
			out = append(out, r)
		}
	}
	return out
}

// Sendable reports whether a reminder would go to the institution now:
// not reminded today, and someone to send it to.
func (t ReminderTarget) Sendable() bool { return !t.RemindedToday && len(t.Reachable()) > 0 }

// ReminderPlan is what a reminder run would do in a round on a day: the
// institutions in the chosen states, each with its recipients. The preview
// shows it; confirming sends to the Sendable targets.
type ReminderPlan struct {
	Round   Round
	Day     string // YYYY-MM-DD in the deployment's time zone
	States  []string
	Targets []ReminderTarget
}

// Sending are the targets a run would remind.
func (p ReminderPlan) Sending() []ReminderTarget { return p.filter(ReminderTarget.Sendable) }

// Skipped are the targets already reminded today.
func (p ReminderPlan) Skipped() []ReminderTarget {
	return p.filter(func(t ReminderTarget) bool { return t.RemindedToday })
}

// Unreachable are the targets not reminded today that nobody would receive
// a reminder for: no active respondent, or all of them opted out.
func (p ReminderPlan) Unreachable() []ReminderTarget {
	return p.filter(func(t ReminderTarget) bool { return !t.RemindedToday && len(t.Reachable()) == 0 })
}

// Messages is how many messages a run would write.
func (p ReminderPlan) Messages() int {
	n := 0
	for _, t := range p.Sending() {
		n += len(t.Reachable())
	}
	return n
}

// Langs counts the messages a run would write in each language.
func (p ReminderPlan) Langs() map[string]int {
	out := map[string]int{}
	for _, t := range p.Sending() {
		for _, r := range t.Reachable() {
			out[r.Lang]++
		}
	}
	return out
}

func (p ReminderPlan) filter(keep func(ReminderTarget) bool) []ReminderTarget {
	var out []ReminderTarget
	for _, t := range p.Targets {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// ReminderRun is what a confirmed run did.
type ReminderRun struct {
	Institutions int // reminded now
	Messages     int // written to the outbox
	Skipped      int // already reminded today (perhaps by another run a moment before)
}

// ReminderKey is the outbox's dedupe key of a reminder to one person of an
// institution on a day: a second run on the day, on this server or
// another, writes nothing new.
func ReminderKey(roundID int64, code, day string, userID int64) string {
	return fmt.Sprintf("reminder:%d:%s:%s:%d", roundID, code, day, userID)
}

// Day is the calendar day at now in loc, as reminders are counted.
func Day(now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return now.In(loc).Format(DateLayout)
}

// LastReminder is when an institution was last reminded in a round, and how.
type LastReminder struct {
	At   time.Time
	Kind string // ReminderManual or ReminderAutomatic
}

// ReminderHour is the hour of the day (the deployment's time zone) from
// which the scheduled job sends automatic reminders and digests: in the
// working day, not at midnight.
const ReminderHour = 8
