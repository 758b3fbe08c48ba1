package survey

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Teams inside an institution (issue 18, part 3; docs/teams.md).
//
// A focal point is a respondent the coordinator marks: for their own
// institution only, they invite colleagues as respondents, deactivate and
// reactivate them (never themselves, never a coordinator or another
// institution's account) and read who did what. A head is a respondent
// marked to sign off: in a round that requires it, the institution's
// response is submitted only when its head approves it. Sections of a
// round's questionnaire may be assigned to colleagues; anyone of the
// institution can still edit any section — an assignment says who is
// expected to, nothing more.

// Sign-off states of a response (responses.signoff_state). The response's
// status stays draft or returned until the head approves, which submits it.
const (
	SignoffNone     = ""          // never sent for sign-off
	SignoffPending  = "pending"   // waiting for the head
	SignoffApproved = "approved"  // the head approved: the response was submitted
	SignoffSentBack = "sent_back" // the head sent it back with a comment
)

// MaxSignoffComment bounds the head's comment when sending back, in characters.
const MaxSignoffComment = 2000

// Errors of the sign-off, each answered 409 with its own message.
var (
	// ErrSignoffRequired: the round requires the head's sign-off, so the
	// response is sent for sign-off instead of submitted.
	ErrSignoffRequired = errors.New("survey: the round requires the head's sign-off before submission")
	// ErrSignoffChanged: the answers changed after the response was sent
	// for sign-off; it must be sent again, so that the head approves what
	// they read.
	ErrSignoffChanged = errors.New("survey: the answers changed since the response was sent for sign-off")
)

// TeamFlags are the coordinator's marks on a respondent.
type TeamFlags struct {
	FocalPoint bool `form:"focal_point" json:"focal_point"`
	Signoff    bool `form:"signoff" json:"signoff"`
}

// CanManageTeam reports whether u may act as a focal point of its
// institution: an active respondent with the flag.
func CanManageTeam(u User) bool {
	return u.Role == RoleRespondent && u.Active && u.FocalPoint && u.InstitutionCode != ""
}

// CanSignOff reports whether u may approve or send back code's response:
// an active respondent of that institution with the sign-off flag.
func CanSignOff(u User, code string) bool {
	return u.Role == RoleRespondent && u.Active && u.Signoff && u.InstitutionCode != "" &&
		strings.EqualFold(u.InstitutionCode, code)
}

// CanSetColleagueActive reports whether the focal point fp may deactivate
// or reactivate the account target: a respondent of fp's own institution,
// not fp itself. Coordinators, viewers and other institutions' people are
// the coordinator's to manage (ErrForbidden).
func CanSetColleagueActive(fp, target User) bool {
	return CanManageTeam(fp) && fp.ID != target.ID && target.Role == RoleRespondent &&
		target.InstitutionCode == fp.InstitutionCode
}

// CanAssignSections reports whether u may assign the sections of code's
// response: the coordinator, or a focal point of that institution.
func CanAssignSections(u User, code string) bool {
	return u.Role == RoleAdmin || (CanManageTeam(u) && strings.EqualFold(u.InstitutionCode, code))
}

// Signoff is where a response stands in its sign-off.
type Signoff struct {
	State       string    `json:"state"`
	Comment     string    `json:"comment,omitempty"` // the head's, when sent back
	RequestedBy string    `json:"requested_by,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	By          string    `json:"by,omitempty"` // the head who approved or sent back
	At          time.Time `json:"at"`
	// Changed: pending, and the answers changed since the response was
	// sent; the head cannot approve until it is sent again.
	Changed bool `json:"changed,omitempty"`
}

// Pending reports whether the response waits for the head.
func (s Signoff) Pending() bool { return s.State == SignoffPending }

// StateKey is the sign-off state as a key for labels ("none" for never sent).
func (s Signoff) StateKey() string {
	if s.State == SignoffNone {
		return "none"
	}
	return s.State
}

// CanRequestSignoff checks that a response may be sent for sign-off: the
// round requires it and is open, and the response is a draft or was
// returned. One already waiting may be sent again — after a change, so
// that the head approves the answers as they now are.
func CanRequestSignoff(round Round, resp Response) error {
	if !round.RequiresSignoff || !round.Editable() || !resp.Editable() {
		return ErrInvalidTransition
	}
	return nil
}

// CanDecideSignoff checks that the head may approve or send back: the
// response waits for them in an open round.
func CanDecideSignoff(round Round, resp Response, s Signoff) error {
	if !round.Editable() || !resp.Editable() || s.State != SignoffPending {
		return ErrInvalidTransition
	}
	return nil
}

// CheckSignoffComment validates the head's comment when sending back:
// required, at most MaxSignoffComment characters, several lines allowed.
func CheckSignoffComment(comment string) (string, error) {
	comment = strings.TrimSpace(NormalizeNewlines(comment))
	fe := FieldErrors{}
	switch {
	case comment == "":
		fe.Add("comment", "err.required")
	case BadText(comment, true):
		fe.Add("comment", "err.bad_characters")
	case utf8.RuneCountInString(comment) > MaxSignoffComment:
		fe.Add("comment", "err.too_long")
	}
	return comment, fe.Err()
}

// SignoffMark is a fingerprint of a response's answers: how many there are
// and the sum of their versions. Every save raises a version, so any change
// after the response was sent for sign-off changes the mark.
func SignoffMark(answers AnswerSet) string {
	var sum int64
	for _, a := range answers {
		sum += a.Version
	}
	return strconv.Itoa(len(answers)) + ":" + strconv.FormatInt(sum, 10)
}

// Assignment is one section of a round's questionnaire assigned to a
// colleague of the institution.
type Assignment struct {
	SectionID  string    `json:"section"`
	UserID     int64     `json:"user_id"`
	UserName   string    `json:"user_name"`
	UserEmail  string    `json:"user_email"`
	AssignedBy string    `json:"assigned_by"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Who names the assignee: the name, or the address without one.
func (a Assignment) Who() string {
	if a.UserName != "" {
		return a.UserName
	}
	return a.UserEmail
}

// Assignments are a response's assignments by section id.
type Assignments map[string]Assignment

// Mine lists the sections of def assigned to user, in questionnaire order.
func (as Assignments) Mine(def *Definition, userID int64) []Section {
	if def == nil {
		return nil
	}
	var out []Section
	for _, sec := range def.Sections {
		if a, ok := as[sec.ID]; ok && a.UserID == userID {
			out = append(out, sec)
		}
	}
	return out
}

// MineFirst orders sections with those assigned to user first, each group
// in questionnaire order: the assignee sees "your sections" first.
func MineFirst[T any](list []T, section func(T) string, as Assignments, userID int64) []T {
	out := make([]T, 0, len(list))
	for _, x := range list {
		if a, ok := as[section(x)]; ok && a.UserID == userID {
			out = append(out, x)
		}
	}
	for _, x := range list {
		if a, ok := as[section(x)]; !ok || a.UserID != userID {
			out = append(out, x)
		}
	}
	return out
}

// TeamBoard is what the coordinator's board shows of an institution's team
// in a round: how many sections are assigned, and the sign-off state.
type TeamBoard struct {
	Assigned int
	Signoff  string
}

// AssignmentInput assigns (UserID > 0) or unassigns (UserID 0) a section.
type AssignmentInput struct {
	SectionID string `form:"section"`
	UserID    int64  `form:"user"`
}
