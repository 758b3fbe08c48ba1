package survey

import "errors"

// ErrForbidden is returned when an actor may not touch an object, such as a
// respondent editing another institution's service.
var ErrForbidden = errors.New("survey: forbidden")

// ErrConflict is returned when an update starts from an old version: someone
// else saved in between, and their change must not be overwritten silently.
var ErrConflict = errors.New("survey: changed by someone else")

// Actor is who makes a change: checked for permission and recorded in the audit log.
type Actor struct {
	ID          int64
	Role        Role
	Institution string // a respondent's institution code
}

// ActorOf is the actor for a signed-in user.
func ActorOf(u User) Actor {
	return Actor{ID: u.ID, Role: u.Role, Institution: u.InstitutionCode}
}

// CanEditInstitution reports whether the actor may change the catalog,
// answers, plans and initiatives of the institution with code: the access
// policy's Edit (access.go), for the actor of a change.
func (a Actor) CanEditInstitution(code string) bool {
	return Allowed(&User{ID: a.ID, Role: a.Role, InstitutionCode: a.Institution}, Edit, Round{}, code)
}

// CanReview reports whether the actor may review responses: mark answers,
// return, accept or reopen a response (the coordinator). The store checks
// it on every such change; the API checks it first too, so that a refused
// request is refused before its body is read.
func (a Actor) CanReview() bool { return a.Role == RoleAdmin }
